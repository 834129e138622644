//! Home devices and the nurse's triage through the use cases, on real databases: a device's
//! token records its readings once (a retransmission counts nothing), keeps an implausible one
//! for review and says which field of a bad one is wrong; a device without a working token or a
//! loan is refused with nothing stored, and its caller reads nothing; the triage shows the open
//! alerts of the nurse's patients, most severe first, and acknowledging, calling and resolving
//! change the record as the nurse. SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use relais_access::policy::{Principal, Role};
use relais_app::access::{Caller, Identity, grants_for};
use relais_app::devices::{DeviceError, Devices, ItemOutcome};
use relais_app::monitoring::Monitoring;
use relais_app::triage::{Triage, TriageError};
use relais_clinical::program::Catalog;
use relais_core::Clock;
use relais_store::{AccountRole, NewAccount};
use relais_testkit::Engine;
use serde_json::{Value, json};
use support::{World, put};

const BASE: &str = "http://relais.test/fhir";

/// Alice (heart failure since yesterday) has scale-1 on loan; scale-2 is lent to nobody.
async fn lent(engine: Engine) -> (World, Devices, Triage) {
    let world = World::new(engine).await;
    put(&world.fhir, json!({"resourceType": "Patient", "id": "alice", "name": [{"family": "Tremblay", "given": ["Alice"]}]})).await;
    put(
        &world.fhir,
        json!({"resourceType": "CarePlan", "id": "hf-alice", "status": "active", "intent": "plan",
        "instantiatesUri": ["urn:relais:program:heart-failure"], "subject": {"reference": "Patient/alice"},
        "period": {"start": "2026-11-25T00:00:00Z"}}),
    )
    .await;
    for (id, serial) in [("scale-1", "HF-SCALE-0001"), ("scale-2", "HF-SCALE-0002")] {
        put(
            &world.fhir,
            json!({"resourceType": "Device", "id": id, "status": "active", "serialNumber": serial}),
        )
        .await;
    }
    put(
        &world.fhir,
        json!({"resourceType": "DeviceUseStatement", "id": "loan-1", "status": "active",
        "subject": {"reference": "Patient/alice"}, "device": {"reference": "Device/scale-1"},
        "timingPeriod": {"start": "2026-11-25T00:00:00Z"}}),
    )
    .await;
    let catalog = Arc::new(Catalog::defaults().unwrap());
    let monitoring = Monitoring::new(world.fhir.clone(), catalog.clone());
    let devices = Devices::new(world.fhir.clone(), monitoring);
    let triage = Triage::new(world.fhir.clone(), catalog);
    (world, devices, triage)
}

fn reading(id: &str, code: &str, value: f64, unit: &str, at: &str) -> Value {
    json!({"message_id": id, "code": code, "value": value, "unit": unit, "at": at})
}

async fn count(world: &World, resource_type: &str) -> usize {
    let bundle =
        world.fhir.search(resource_type, &[("_total".into(), "accurate".into())], true, BASE).await.unwrap();
    usize::try_from(bundle["total"].as_u64().unwrap()).unwrap()
}

async fn read(world: &World, resource_type: &str, id: &str) -> Value {
    serde_json::from_str(&world.fhir.read(resource_type, id).await.unwrap().content.unwrap()).unwrap()
}

async fn a_device_token_records_readings_once_and_keeps_implausible_ones(engine: Engine) {
    let (world, devices, _) = lent(engine).await;
    let issued = devices.issue_token("scale-1", "Balance, salon", "system:cli").await.unwrap();
    let token = issued.token.as_str().to_owned();
    assert_eq!(token.len(), 43);
    let stored = world.store.device_tokens_of("scale-1").await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].token_hash, token, "only the hash is kept");

    let first = reading("m1", "29463-7", 70.0, "kg", "2026-11-25T08:00:00Z").to_string();
    let once = devices.submit(Some(&token), first.as_bytes(), None, None).await.unwrap();
    let ItemOutcome::Counted { observation, alerts: 0, .. } = &once.results[0].1 else { panic!("{once:?}") };
    let again = devices.submit(Some(&token), first.as_bytes(), None, None).await.unwrap();
    assert_eq!(again.results[0].1, ItemOutcome::Duplicate { observation: observation.clone() });
    let obs = read(&world, "Observation", observation).await;
    assert_eq!(
        (obs["subject"]["reference"].as_str(), obs["device"]["reference"].as_str()),
        (Some("Patient/alice"), Some("Device/scale-1"))
    );
    assert_eq!(obs["device"]["display"], "HF-SCALE-0001", "the device as a nurse knows it, by its serial");

    // A batch: a gain of 2.5 kg in a day (an alert), a pulse of 400 (kept for review), and a
    // reading without its unit (refused, nothing stored for it).
    let batch = json!([
        reading("m2", "29463-7", 72.5, "kg", "2026-11-26T08:00:00Z"),
        reading("m3", "8867-4", 400.0, "/min", "2026-11-26T08:05:00Z"),
        {"message_id": "m4", "code": "8867-4", "value": 70, "at": "2026-11-26T08:06:00Z"},
    ]);
    let observations = count(&world, "Observation").await;
    let sent = devices.submit(Some(&token), batch.to_string().as_bytes(), None, None).await.unwrap();
    assert!(!sent.all_stored());
    let codes: Vec<(Option<&str>, &str)> =
        sent.results.iter().map(|(id, o)| (id.as_deref(), o.code())).collect();
    assert_eq!(codes, [(Some("m2"), "counted"), (Some("m3"), "review"), (Some("m4"), "refused")]);
    assert!(matches!(sent.results[0].1, ItemOutcome::Counted { alerts: 2, .. }), "{:?}", sent.results[0]);
    assert!(matches!(&sent.results[1].1, ItemOutcome::Review { code: "implausible", .. }));
    assert!(
        matches!(&sent.results[2].1, ItemOutcome::Refused(e) if e.field == "unit" && e.code == "missing-field")
    );
    assert_eq!(count(&world, "Observation").await, observations + 2, "the refused one is not stored");
    assert_eq!(sent.to_json()["results"][2]["error"]["field"], "unit");
    world.close().await;
}

async fn a_device_without_a_working_token_or_loan_is_refused_and_reads_nothing(engine: Engine) {
    let (world, devices, _) = lent(engine).await;
    let body = reading("m1", "29463-7", 70.0, "kg", "2026-11-26T08:00:00Z").to_string();
    let code = |r: Result<_, DeviceError>| r.map(|_| ()).unwrap_err().code();
    let before = count(&world, "Observation").await;

    assert_eq!(code(devices.submit(None, body.as_bytes(), None, None).await), "token-missing");
    let junk = "x".repeat(43);
    assert_eq!(code(devices.submit(Some(&junk), body.as_bytes(), None, None).await), "token-invalid");
    let scale1 = devices.issue_token("scale-1", "", "system:cli").await.unwrap().token.as_str().to_owned();
    assert_eq!(
        code(devices.submit(Some(&scale1), body.as_bytes(), Some("scale-9"), None).await),
        "topic-mismatch"
    );
    let scale2 = devices.issue_token("scale-2", "", "system:cli").await.unwrap();
    let scale2_token = scale2.token.as_str().to_owned();
    assert_eq!(
        code(devices.submit(Some(&scale2_token), body.as_bytes(), None, None).await),
        "device-not-assigned"
    );
    assert!(matches!(devices.issue_token("nope", "", "system:cli").await, Err(DeviceError::UnknownDevice)));

    // The device's caller writes readings; it reads nothing else.
    let device = devices.authenticate(&scale1, None).await.unwrap();
    assert_eq!(device.patient, "alice");
    let found = world.fhir.search_as(&device.caller, "Observation", &[], true, BASE).await.unwrap();
    assert_eq!(found["entry"].as_array().map_or(0, Vec::len), 0);
    assert!(world.fhir.read_as(&device.caller, "Condition", "c-alice").await.is_err());
    assert!(world.fhir.read_as(&device.caller, "Patient", "alice").await.is_err());

    // The loan ends: the token no longer works. A revoked token neither.
    put(
        &world.fhir,
        json!({"resourceType": "DeviceUseStatement", "id": "loan-1", "status": "completed",
        "subject": {"reference": "Patient/alice"}, "device": {"reference": "Device/scale-1"}}),
    )
    .await;
    assert_eq!(code(devices.submit(Some(&scale1), body.as_bytes(), None, None).await), "device-not-assigned");
    devices.revoke_token(&scale2.row.id, "system:cli").await.unwrap();
    assert!(matches!(
        devices.revoke_token(&scale2.row.id, "system:cli").await,
        Err(DeviceError::UnknownToken)
    ));
    assert_eq!(code(devices.submit(Some(&scale2_token), body.as_bytes(), None, None).await), "token-invalid");
    put(&world.fhir, json!({"resourceType": "Device", "id": "scale-2", "status": "inactive"})).await;
    let fresh = devices.issue_token("scale-2", "", "system:cli").await.unwrap().token.as_str().to_owned();
    assert_eq!(code(devices.submit(Some(&fresh), body.as_bytes(), None, None).await), "device-inactive");
    assert_eq!(count(&world, "Observation").await, before, "nothing was stored");
    world.close().await;
}

/// A nurse with an account (the triage finds her Practitioner through it).
async fn nurse(world: &World, id: &str, practitioner: &str) -> Caller {
    let new = NewAccount {
        id: id.into(),
        email: format!("{id}@example.org"),
        display_name: id.into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$x".into(),
        organisation: None,
        practitioner_id: Some(practitioner.into()),
        patient_id: None,
        related_person_id: None,
        locale: None,
        roles: vec![AccountRole { role: "nurse".into(), specialty: None }],
        created_at: world.clock.now(),
    };
    world.store.create_account(&new).await.unwrap();
    let identity = Identity {
        roles: BTreeSet::from([Role::Nurse]),
        practitioner: Some(practitioner.into()),
        ..Identity::default()
    };
    let grants = grants_for(world.store.as_ref(), &world.params, &identity).await.unwrap();
    Caller::new(Principal { id: id.into(), roles: identity.roles, grants, ..Principal::default() })
}

async fn the_triage_shows_open_alerts_by_severity_and_resolves_them(engine: Engine) {
    let (world, devices, triage) = lent(engine).await;
    let token = devices.issue_token("scale-1", "", "system:cli").await.unwrap().token.as_str().to_owned();
    let readings = json!([
        reading("w1", "29463-7", 70.0, "kg", "2026-11-25T08:00:00Z"),
        reading("w2", "29463-7", 72.5, "kg", "2026-11-26T08:00:00Z"),
        reading("p1", "8867-4", 120.0, "/min", "2026-11-26T08:10:00Z"),
    ]);
    devices.submit(Some(&token), readings.to_string().as_bytes(), None, None).await.unwrap();

    let camille = nurse(&world, "camille", "nurse1").await; // alice's care team (t1)
    let other = nurse(&world, "other", "nurse2").await; // carol's only
    let alerts = triage.alerts(&camille).await.unwrap();
    let seen: Vec<(&str, &str)> = alerts.iter().map(|a| (a.severity.as_str(), a.title.as_str())).collect();
    assert_eq!(seen[0], ("high", "Pouls au-dessus de 110"), "most severe first: {seen:?}");
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen[1..].iter().all(|(s, _)| *s == "moderate"));
    assert_eq!(alerts[0].patient.as_ref().map(|(_, n)| n.as_str()), Some("Alice Tremblay"));
    assert!(triage.alerts(&other).await.unwrap().is_empty(), "another team's nurse sees none");

    let pulse = alerts[0].clone();
    triage.acknowledge(&camille, &pulse.task, pulse.version).await.unwrap();
    let stale = triage.acknowledge(&camille, &pulse.task, pulse.version).await.unwrap_err();
    assert_eq!(stale.code(), "task-changed");
    let now = triage.alerts(&camille).await.unwrap();
    let taken = now.iter().find(|a| a.task == pulse.task).unwrap();
    assert_eq!(
        (taken.status.as_str(), taken.owner.as_ref().map(|o| o.0.as_str())),
        ("accepted", Some("nurse1"))
    );

    triage.record_call(&camille, &pulse.task, "Patiente rappelée, pouls repris à 92").await.unwrap();
    let calls = world.fhir.search("Communication", &[], true, BASE).await.unwrap();
    let call = &calls["entry"][0]["resource"];
    assert_eq!(call["about"][1]["reference"], format!("DetectedIssue/{}", pulse.issue));
    assert_eq!(call["payload"][0]["contentString"], "Patiente rappelée, pouls repris à 92");

    let field = |e: TriageError| match e {
        TriageError::Field { field, code } => (field, code),
        other => panic!("{other:?}"),
    };
    let missing = triage.resolve(&camille, &pulse.task, taken.version, "", "").await.unwrap_err();
    assert_eq!(field(missing), ("outcome", "outcome-required"));
    let unexplained =
        triage.resolve(&camille, &pulse.task, taken.version, "escalated", " ").await.unwrap_err();
    assert_eq!(field(unexplained), ("note", "note-required"));
    triage.resolve(&camille, &pulse.task, taken.version, "advice-given", "Conseils donnés").await.unwrap();
    let task = read(&world, "Task", &pulse.task).await;
    assert_eq!(
        (task["status"].as_str(), task["statusReason"]["coding"][0]["code"].as_str()),
        (Some("completed"), Some("advice-given"))
    );
    let issue = read(&world, "DetectedIssue", &pulse.issue).await;
    assert_eq!(issue["status"], "final");
    assert_eq!(issue["mitigation"][0]["author"]["reference"], "Practitioner/nurse1");
    let left: Vec<String> = triage.alerts(&camille).await.unwrap().into_iter().map(|a| a.task).collect();
    assert!(!left.contains(&pulse.task) && left.len() == 2, "the resolved alert leaves the dashboard");
    assert_eq!(
        triage
            .resolve(&camille, &pulse.task, taken.version + 1, "advice-given", "")
            .await
            .unwrap_err()
            .code(),
        "alert-not-open"
    );
    // Only an escalation needs a note: another outcome is recorded without one.
    let quiet = triage.alerts(&camille).await.unwrap().into_iter().next().unwrap();
    triage.resolve(&camille, &quiet.task, quiet.version, "advice-given", "").await.unwrap();
    let task = read(&world, "Task", &quiet.task).await;
    assert_eq!(task["status"], "completed");
    assert!(task["statusReason"].get("text").is_none() && task.get("note").is_none(), "{task}");
    world.close().await;
}

relais_testkit::engine_tests!(
    a_device_token_records_readings_once_and_keeps_implausible_ones,
    a_device_without_a_working_token_or_loan_is_refused_and_reads_nothing,
    the_triage_shows_open_alerts_by_severity_and_resolves_them
);
