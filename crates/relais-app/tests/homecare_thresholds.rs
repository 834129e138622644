//! Thresholds through the use cases, on real databases (SQLite and PostgreSQL): a patient's own
//! limit (an override) changes whether an alert fires, and is checked, recorded with why and
//! replaced; an administrator's change of a program's threshold is checked, written to the data
//! folder, on the audit trail and in force for the next reading.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use relais_access::policy::{Principal, Role};
use relais_app::access::{Caller, Identity};
use relais_app::monitoring::overrides::SetOverride;
use relais_app::monitoring::program_edit::EditProgram;
use relais_app::monitoring::{Monitoring, Programs, load_catalog};
use relais_clinical::program::Catalog;
use relais_testkit::Engine;
use support::World;
use support::homecare::{BASE, alice, caller, enrol, monitoring, nurse, search, typed};

async fn an_override_changes_whether_an_alert_fires(engine: Engine) {
    // (rule, override, pulse, fires): the program's "> 110" against this patient's own limit.
    let cases: [(Option<&str>, &str, bool); 4] = [
        (None, "115", true),
        (Some("> 120"), "115", false),
        (Some("> 90"), "100", true),
        (None, "100", false),
    ];
    for (i, (limit, pulse, fires)) in cases.into_iter().enumerate() {
        let world = World::new(engine).await;
        let monitoring = monitoring(&world);
        let nurse1 = nurse(&world, "nurse1").await;
        monitoring.enrol(&nurse1, &enrol("heart-failure", &[])).await.unwrap();
        if let Some(limit) = limit {
            let set = SetOverride {
                patient: "alice".into(),
                rule: "hr-very-high".into(),
                limit: limit.into(),
                reason: "Beta-blocker paused; cardiologist's target".into(),
                by: "Marie-Ève Lavoie".into(),
            };
            let stored = monitoring.set_override(&nurse1, &set).await.unwrap();
            assert_eq!(stored.limit.to_string(), limit);
        }
        let recorded = monitoring
            .record_typed(&alice(&world).await, "alice", "8867-4", &typed(&[("8867-4", pulse)]))
            .await
            .unwrap();
        let fired = recorded.alerts.iter().any(|a| a.rule == "hr-very-high");
        assert_eq!(fired, fires, "case {i}: {limit:?} with {pulse}");
        world.close().await;
    }
}

async fn overrides_are_checked_recorded_with_why_and_replaced(engine: Engine) {
    let world = World::new(engine).await;
    let monitoring = monitoring(&world);
    let (nurse1, nurse2) = (nurse(&world, "nurse1").await, nurse(&world, "nurse2").await);
    monitoring.enrol(&nurse1, &enrol("heart-failure", &[])).await.unwrap();
    let set = |rule: &str, limit: &str, reason: &str| SetOverride {
        patient: "alice".into(),
        rule: rule.into(),
        limit: limit.into(),
        reason: reason.into(),
        by: "Marie-Ève Lavoie".into(),
    };
    let refusals = [
        (set("hr-very-high", "120", "why"), "limit", "limit-invalid"),
        (set("hr-very-high", "> 120", "  "), "reason", "reason-required"),
        (set("symptoms", "> 1", "why"), "rule", "rule-not-overridable"),
    ];
    for (form, field, code) in refusals {
        let e = monitoring.set_override(&nurse1, &form).await.unwrap_err();
        assert_eq!((e.issues()[0].expression.as_deref(), e.issues()[0].error_code), (Some(field), code));
    }
    assert_eq!(
        monitoring.set_override(&nurse2, &set("hr-very-high", "> 120", "why")).await.unwrap_err().status(),
        403
    );
    let first =
        monitoring.set_override(&nurse1, &set("weight-gain-3d", "> 3", "Diuretic adjusted")).await.unwrap();
    let second = monitoring
        .set_override(&nurse1, &set("weight-gain-3d", "> 2.5", "Back to closer watch"))
        .await
        .unwrap();
    assert_eq!(first.id, second.id, "one override per rule, replaced");
    let listed = monitoring.overrides_of(&nurse1, "alice").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].limit.to_string(), listed[0].reason.as_str(), listed[0].by.as_str()),
        ("> 2.5".to_owned(), "Back to closer watch", "Marie-Ève Lavoie")
    );
    monitoring.clear_override(&nurse1, "alice", &first.id).await.unwrap();
    // The replacement and the removal are on the trail, about alice.
    let officer = caller(&world, Role::PrivacyOfficer, Identity::default()).await;
    for action in ["U", "D"] {
        let query =
            vec![("patient".to_owned(), "alice".to_owned()), ("action".to_owned(), action.to_owned())];
        let trail = world.fhir.search_as(&officer, "AuditEvent", &query, true, BASE).await.unwrap();
        assert_eq!(trail["entry"].as_array().map_or(0, Vec::len), 1, "{action}");
    }
    assert!(monitoring.overrides_of(&nurse1, "alice").await.unwrap().is_empty());
    assert_eq!(monitoring.overrides_of(&nurse2, "alice").await.map(|l| l.len()).unwrap_or(0), 0);
    world.close().await;
}

/// The heart-failure program's rule `id`, as a field path (`rules[5]`).
fn rule_path(id: &str) -> String {
    let program = Catalog::defaults().unwrap().get("heart-failure").unwrap().clone();
    format!("rules[{}]", program.rules.iter().position(|r| r.id == id).unwrap())
}

async fn an_administrators_change_is_checked_recorded_and_in_force_at_once(engine: Engine) {
    let world = World::new(engine).await;
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().join("programs");
    let programs = Programs::new(Arc::new(load_catalog(&dir).unwrap()), Some(dir.clone()));
    let monitoring = Monitoring::new(world.fhir.clone(), programs.clone());
    let nurse1 = nurse(&world, "nurse1").await;
    monitoring.enrol(&nurse1, &enrol("heart-failure", &[])).await.unwrap();
    let pulse = |bpm: &'static str| {
        world.clock.advance(jiff::SignedDuration::from_mins(10));
        let monitoring = monitoring.clone();
        let world = &world;
        async move {
            let recorded = monitoring
                .record_typed(&alice(world).await, "alice", "8867-4", &typed(&[("8867-4", bpm)]))
                .await;
            recorded.unwrap().alerts.into_iter().find(|a| a.rule == "hr-very-high")
        }
    };
    // The shipped "> 110": a pulse of 105 raises nothing; 115 raises the alert under version 1.
    assert!(pulse("105").await.is_none());
    let before = pulse("115").await.expect("115 is over 110");
    assert_eq!(before.rule_version, 1);
    let admin = Caller::new(Principal {
        id: "admin-1".into(),
        roles: BTreeSet::from([Role::Administrator]),
        ..Principal::default()
    });
    let when = format!("{}.when", rule_path("hr-very-high"));
    let edit = |from_version: u32, limit: &str, reason: &str| EditProgram {
        program: "heart-failure".into(),
        from_version,
        reason: reason.into(),
        changes: vec![(when.clone(), limit.into()), ("measurements[0].every_hours".into(), "24".into())],
    };
    let file = dir.join("heart-failure.toml");

    // Refused, nothing written: a nurse; a wrong limit (on its field); no reason; no change.
    assert_eq!(monitoring.edit_program(&nurse1, &edit(1, "> 100", "why")).await.unwrap_err().status(), 403);
    let e = monitoring.edit_program(&admin, &edit(1, "100", "Cardiologist's protocol")).await.unwrap_err();
    assert_eq!((e.status(), e.issues()[0].expression.as_deref()), (422, Some(when.as_str())));
    assert_eq!(e.issues()[0].error_code, "limit-invalid");
    let e = monitoring.edit_program(&admin, &edit(1, "> 100", "  ")).await.unwrap_err();
    assert_eq!(
        (e.issues()[0].expression.as_deref(), e.issues()[0].error_code),
        (Some("reason"), "reason-required")
    );
    let e = monitoring.edit_program(&admin, &edit(1, "> 110", "why")).await.unwrap_err();
    assert_eq!(e.issues()[0].error_code, "program-unchanged");
    assert!(!file.exists(), "nothing written");
    assert_eq!(programs.current().get("heart-failure").unwrap().version, 1);

    let saved = monitoring.edit_program(&admin, &edit(1, "> 100", "Cardiologist's protocol")).await.unwrap();
    assert_eq!((saved.old_version, saved.version), (1, 2));
    assert_eq!(saved.rules, [("hr-very-high".to_owned(), 1, 2)]);
    // The file a restart loads, with its comments, and no temporary left beside it.
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("when = \"> 100\"") && written.contains("# BEAT-HF urgent without symptoms"));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    assert_eq!(load_catalog(&dir).unwrap().get("heart-failure").unwrap().version, 2);
    // In force without a restart: 105 now raises the alert, under the rule's new version.
    let alert = pulse("105").await.expect("the new threshold applies to the next reading");
    assert_eq!(alert.rule_version, 2);
    // What was raised under version 1 still says so (its Provenance), beside the new version's.
    let policies: Vec<String> = search(&world, "Provenance", &[])
        .await
        .iter()
        .flat_map(|p| p["policy"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect();
    for version in ["version:1:rule:hr-very-high:version:1", "version:2:rule:hr-very-high:version:2"] {
        assert!(policies.iter().any(|p| p.ends_with(version)), "{version} in {policies:?}");
    }
    // On the trail: who, which program, old -> new version, why.
    let officer = caller(&world, Role::PrivacyOfficer, Identity::default()).await;
    let query = vec![("agent".to_owned(), "admin-1".to_owned()), ("action".to_owned(), "U".to_owned())];
    let trail = world.fhir.search_as(&officer, "AuditEvent", &query, true, BASE).await.unwrap();
    let events = trail["entry"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    let entities = events[0]["resource"]["entity"].as_array().unwrap();
    assert_eq!(entities[0]["what"]["reference"], "PlanDefinition/heart-failure");
    let detail = data_encoding::BASE64.decode(entities[1]["query"].as_str().unwrap().as_bytes()).unwrap();
    let detail = String::from_utf8(detail).unwrap();
    assert!(detail.contains("version 1->2") && detail.contains("hr-very-high 1->2"), "{detail}");
    assert!(detail.contains("reason: Cardiologist's protocol"), "{detail}");

    // A second administrator's form made from version 1 is refused: version 2 stays.
    let e = monitoring.edit_program(&admin, &edit(1, "> 120", "Other view")).await.unwrap_err();
    assert_eq!((e.issues()[0].error_code, e.issues()[0].expression.as_deref()), ("program-stale", None));
    assert!(std::fs::read_to_string(&file).unwrap().contains("when = \"> 100\""));
    assert_eq!(programs.current().get("heart-failure").unwrap().version, 2);
    world.close().await;
}

relais_testkit::engine_tests!(
    an_override_changes_whether_an_alert_fires,
    overrides_are_checked_recorded_with_why_and_replaced,
    an_administrators_change_is_checked_recorded_and_in_force_at_once
);
