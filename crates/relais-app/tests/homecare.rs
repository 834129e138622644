//! Enrolment, the patient's own forms and per-patient thresholds through the use cases, on
//! real databases (SQLite and PostgreSQL): a nurse enrols her patient (CarePlan, devices) in one
//! transaction, a nurse outside the care team cannot, discharge ends it all; the patient's
//! "breathless at rest" answer brings the call-911 advice at once; a typed value out of range is
//! refused with the range; what is due and missed follows the readings; and an override changes
//! whether an alert fires; an administrator's change of a program's threshold is checked,
//! written to the data folder, on the audit trail and in force for the next reading.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use relais_access::policy::{Principal, Role};
use relais_app::access::{Caller, Identity, grants_for};
use relais_app::monitoring::enrolment::Enrol;
use relais_app::monitoring::overrides::SetOverride;
use relais_app::monitoring::program_edit::EditProgram;
use relais_app::monitoring::schedule::Asked;
use relais_app::monitoring::{Monitoring, Programs, load_catalog};
use relais_clinical::program::Catalog;
use relais_testkit::Engine;
use serde_json::Value;
use support::World;

const BASE: &str = "http://relais.test/fhir";

async fn caller(world: &World, role: Role, identity: Identity) -> Caller {
    let identity = Identity { roles: BTreeSet::from([role]), ..identity };
    let grants = grants_for(world.store.as_ref(), &world.params, &identity).await.unwrap();
    Caller::new(Principal { id: "someone".into(), roles: identity.roles, grants, ..Principal::default() })
}

async fn alice(world: &World) -> Caller {
    caller(world, Role::Patient, Identity { patient: Some("alice".into()), ..Identity::default() }).await
}

/// nurse1 is on alice's care team; nurse2 on carol's only.
async fn nurse(world: &World, id: &str) -> Caller {
    caller(world, Role::Nurse, Identity { practitioner: Some(id.into()), ..Identity::default() }).await
}

async fn search(world: &World, resource_type: &str, query: &[(&str, &str)]) -> Vec<Value> {
    let pairs: Vec<(String, String)> =
        query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let bundle = world.fhir.search(resource_type, &pairs, true, BASE).await.unwrap();
    bundle["entry"].as_array().map(|e| e.iter().map(|x| x["resource"].clone()).collect()).unwrap_or_default()
}

fn monitoring(world: &World) -> Monitoring {
    Monitoring::new(world.fhir.clone(), Arc::new(Catalog::defaults().unwrap()))
}

fn enrol(program: &str, devices: &[&str]) -> Enrol {
    Enrol {
        patient: "alice".into(),
        program: program.into(),
        devices: devices.iter().map(|d| (*d).to_owned()).collect(),
    }
}

fn typed<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
}

async fn a_nurse_enrols_and_discharges_her_patient_all_or_nothing(engine: Engine) {
    let world = World::new(engine).await;
    let monitoring = monitoring(&world);
    let (nurse1, nurse2) = (nurse(&world, "nurse1").await, nurse(&world, "nurse2").await);

    // Outside the care team: refused, nothing written.
    let e = monitoring.enrol(&nurse2, &enrol("copd", &["OX-1"])).await.unwrap_err();
    assert_eq!(e.status(), 403);
    assert!(search(&world, "CarePlan", &[]).await.is_empty());
    assert!(search(&world, "Device", &[]).await.is_empty());
    // An unknown program is named on its field.
    let e = monitoring.enrol(&nurse1, &enrol("gout", &[])).await.unwrap_err();
    assert_eq!((e.status(), e.issues()[0].error_code), (422, "unknown-program"));
    assert_eq!(e.issues()[0].expression.as_deref(), Some("program"));

    let plan_id =
        monitoring.enrol(&nurse1, &enrol("copd", &[" OX-1 ", "", "THERMO-2", "OX-1"])).await.unwrap();
    let plan: Value =
        serde_json::from_str(&world.fhir.read("CarePlan", &plan_id).await.unwrap().content.unwrap()).unwrap();
    assert_eq!((plan["status"].as_str(), plan["intent"].as_str()), (Some("active"), Some("plan")));
    assert_eq!(plan["instantiatesUri"][0], "urn:relais:program:copd");
    assert_eq!(plan["period"]["start"], "2026-11-26T10:00:00Z");
    let program = Catalog::defaults().unwrap().get("copd").unwrap().clone();
    assert_eq!(
        plan["activity"].as_array().unwrap().len(),
        program.measurements.len() + program.questionnaires.len()
    );
    let devices = search(&world, "Device", &[("patient", "Patient/alice")]).await;
    let mut serials: Vec<&str> = devices.iter().map(|d| d["serialNumber"].as_str().unwrap()).collect();
    serials.sort_unstable();
    assert_eq!(serials, ["OX-1", "THERMO-2"]);
    let active = |uses: Vec<Value>| uses.into_iter().filter(|u| u["status"] == "active").count();
    assert_eq!(active(search(&world, "DeviceUseStatement", &[("subject", "Patient/alice")]).await), 2);
    // The page shows it, read as the nurse.
    let shown = monitoring.enrolment_of(&nurse1, "alice").await.unwrap().unwrap();
    assert_eq!((shown.program.as_str(), shown.devices.len()), ("copd", 2));
    // Enrolled once only.
    let e = monitoring.enrol(&nurse1, &enrol("heart-failure", &[])).await.unwrap_err();
    assert_eq!(e.issues()[0].error_code, "already-enrolled");
    // A nurse outside the team cannot discharge either.
    assert_eq!(monitoring.discharge(&nurse2, "alice").await.unwrap_err().status(), 403);

    world.clock.advance(jiff::SignedDuration::from_hours(24 * 30));
    monitoring.discharge(&nurse1, "alice").await.unwrap();
    let plan: Value =
        serde_json::from_str(&world.fhir.read("CarePlan", &plan_id).await.unwrap().content.unwrap()).unwrap();
    assert_eq!(
        (plan["status"].as_str(), plan["period"]["end"].as_str()),
        (Some("completed"), Some("2026-12-26T10:00:00Z"))
    );
    assert_eq!(active(search(&world, "DeviceUseStatement", &[("subject", "Patient/alice")]).await), 0);
    assert!(search(&world, "Device", &[("patient", "Patient/alice")]).await.is_empty(), "devices free again");
    assert!(monitoring.enrolment_of(&nurse1, "alice").await.unwrap().is_none());
    let e = monitoring.discharge(&nurse1, "alice").await.unwrap_err();
    assert_eq!(e.issues()[0].error_code, "not-enrolled");
    // Enrolling again reuses the registered oximeter rather than a second Device of that serial.
    monitoring.enrol(&nurse1, &enrol("copd", &["OX-1"])).await.unwrap();
    assert_eq!(search(&world, "Device", &[("identifier", "urn:relais:device-serial|OX-1")]).await.len(), 1);
    world.close().await;
}

async fn a_red_flag_answer_advises_the_patient_at_once(engine: Engine) {
    let world = World::new(engine).await;
    let monitoring = monitoring(&world);
    let alice_caller = alice(&world).await;
    // Not enrolled yet: nothing to answer.
    let yes_at_rest = [
        ("dyspnoea", "no"),
        ("orthopnoea", "no"),
        ("night-breathless", "no"),
        ("oedema", "no"),
        ("dizziness", "no"),
        ("breathless-at-rest", "yes"),
    ];
    let e = monitoring
        .record_answers(&alice_caller, "alice", "hf-daily", &typed(&yes_at_rest))
        .await
        .unwrap_err();
    assert_eq!(e.issues()[0].error_code, "not-enrolled");
    monitoring.enrol(&nurse(&world, "nurse1").await, &enrol("heart-failure", &[])).await.unwrap();

    // A question left blank is named; nothing is stored.
    let e = monitoring
        .record_answers(&alice_caller, "alice", "hf-daily", &typed(&yes_at_rest[1..]))
        .await
        .unwrap_err();
    assert_eq!((e.status(), e.issues()[0].expression.as_deref()), (400, Some("dyspnoea")));
    assert!(search(&world, "QuestionnaireResponse", &[]).await.is_empty());

    let recorded =
        monitoring.record_answers(&alice_caller, "alice", "hf-daily", &typed(&yes_at_rest)).await.unwrap();
    assert_eq!(recorded.advice.len(), 1);
    assert_eq!(recorded.advice[0].en, "Call 911 now. Do not wait for the nurse to call you.");
    assert_eq!(recorded.alerts.iter().map(|a| a.rule.as_str()).collect::<Vec<_>>(), ["breathless-at-rest"]);
    // Bob may not answer for alice.
    let bob =
        caller(&world, Role::Patient, Identity { patient: Some("bob".into()), ..Identity::default() }).await;
    assert_eq!(
        monitoring
            .record_answers(&bob, "alice", "hf-daily", &typed(&yes_at_rest))
            .await
            .unwrap_err()
            .status(),
        403
    );

    // A typed pulse of 400 is refused with its range; 72,5 (French decimal) is recorded.
    let e = monitoring
        .record_typed(&alice_caller, "alice", "8867-4", &typed(&[("8867-4", "400")]))
        .await
        .unwrap_err();
    assert_eq!(
        (e.issues()[0].expression.as_deref(), e.issues()[0].diagnostics.as_str()),
        (Some("8867-4"), "implausible")
    );
    let recorded = monitoring
        .record_typed(&alice_caller, "alice", "8867-4", &typed(&[("8867-4", "72,5")]))
        .await
        .unwrap();
    let stored: Value = serde_json::from_str(
        &world.fhir.read("Observation", &recorded.observation).await.unwrap().content.unwrap(),
    )
    .unwrap();
    assert_eq!(stored["valueQuantity"]["value"].as_f64(), Some(72.5));
    // Blood pressure is one form of two fields, stored as one panel.
    let recorded = monitoring
        .record_typed(&alice_caller, "alice", "8480-6", &typed(&[("8480-6", "128"), ("8462-4", "82")]))
        .await
        .unwrap();
    let stored: Value = serde_json::from_str(
        &world.fhir.read("Observation", &recorded.observation).await.unwrap().content.unwrap(),
    )
    .unwrap();
    assert_eq!(stored["code"]["coding"][0]["code"], "85354-9");
    assert_eq!(stored["component"].as_array().unwrap().len(), 2);

    // What is due: the pulse, the pressure and the questionnaire are done today; weight and SpO2 not.
    let day = monitoring.my_day(&alice_caller).await.unwrap();
    let due: Vec<&Asked> = day.items.iter().filter(|(_, s)| s.due).map(|(a, _)| a).collect();
    assert_eq!(due, [&Asked::Measurement("29463-7".into()), &Asked::Measurement("59408-5".into())]);
    // Two days later everything is due, with yesterday's period missed.
    world.clock.advance(jiff::SignedDuration::from_hours(48));
    let day = monitoring.my_day(&alice_caller).await.unwrap();
    assert!(day.items.iter().all(|(_, s)| s.due));
    let pulse = day.items.iter().find(|(a, _)| *a == Asked::Measurement("8867-4".into())).unwrap().1;
    assert_eq!(pulse.missed, 1);
    assert_eq!(monitoring.my_day(&nurse(&world, "nurse1").await).await.unwrap_err().status(), 403);
    world.close().await;
}

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
    a_nurse_enrols_and_discharges_her_patient_all_or_nothing,
    a_red_flag_answer_advises_the_patient_at_once,
    an_override_changes_whether_an_alert_fires,
    overrides_are_checked_recorded_with_why_and_replaced,
    an_administrators_change_is_checked_recorded_and_in_force_at_once
);
