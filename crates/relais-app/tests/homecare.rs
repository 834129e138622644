//! Enrolment and the patient's own forms through the use cases, on real databases (SQLite and
//! PostgreSQL): a nurse enrols her patient (CarePlan, devices) in one transaction, a nurse
//! outside the care team cannot, discharge ends it all; the patient's "breathless at rest"
//! answer brings the call-911 advice at once; a typed value out of range is refused with the
//! range; what is due and missed follows the readings. Thresholds: `homecare_thresholds.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use relais_access::policy::Role;
use relais_app::access::Identity;
use relais_app::monitoring::schedule::Asked;
use relais_clinical::program::Catalog;
use relais_testkit::Engine;
use serde_json::Value;
use support::World;
use support::homecare::{alice, caller, enrol, monitoring, nurse, search, typed};

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

relais_testkit::engine_tests!(
    a_nurse_enrols_and_discharges_her_patient_all_or_nothing,
    a_red_flag_answer_advises_the_patient_at_once
);
