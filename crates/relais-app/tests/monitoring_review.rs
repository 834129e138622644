//! The nurse's review queue of readings kept for review, through the use case, on real
//! databases (SQLite and PostgreSQL): an implausible pulse is listed for alice's nurse and not
//! another; accepted as measured it counts (the high-pulse alert reaches triage, through the
//! remembered history) and leaves the queue; entered in error it leaves and never counts; a
//! reading in the wrong unit cannot be accepted; of two decisions on one version the second
//! is refused with who decided.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use relais_access::policy::{Principal, Role};
use relais_app::access::Caller;
use relais_app::monitoring::enrolment::Enrol;
use relais_app::monitoring::review::ReviewError;
use relais_app::monitoring::{AlertChange, DeviceMessage, Monitoring, Outcome};
use relais_app::triage::Triage;
use relais_clinical::program::Catalog;
use relais_testkit::Engine;
use serde_json::{Value, json};
use support::readings::heart_rate;
use support::{World, nurse};

/// Alice enrolled in heart failure by nurse1 (her care team); nurse2 cares for carol only.
async fn enrolled(engine: Engine) -> (World, Monitoring, Caller, Caller) {
    let world = World::new(engine).await;
    let monitoring = Monitoring::new(world.fhir.clone(), Arc::new(Catalog::defaults().unwrap()));
    let (nurse1, nurse2) = (nurse(&world, "nurse1").await, nurse(&world, "nurse2").await);
    let enrol = Enrol { patient: "alice".into(), program: "heart-failure".into(), devices: Vec::new() };
    monitoring.enrol(&nurse1, &enrol).await.unwrap();
    (world, monitoring, nurse1, nurse2)
}

/// A pulse from alice's device, stored as `nurse` (message `message`); its Observation id.
async fn pulse(monitoring: &Monitoring, nurse: &Caller, bpm: f64, unit: &str, message: &str) -> String {
    let mut body: Value = serde_json::from_slice(&heart_rate("alice", bpm, "2026-11-26T09:00:00Z")).unwrap();
    body["valueQuantity"]["unit"] = json!(unit);
    body["valueQuantity"]["code"] = json!(unit);
    let device = DeviceMessage { device: "oxi-7", message };
    let recorded = monitoring.record_reading(nurse, body.to_string().as_bytes(), Some(device)).await.unwrap();
    assert!(matches!(recorded.outcome, Outcome::Review(_)), "{:?}", recorded.outcome);
    recorded.observation
}

async fn stored(world: &World, id: &str) -> Value {
    serde_json::from_str(&world.fhir.read("Observation", id).await.unwrap().content.unwrap()).unwrap()
}

async fn review_lists_an_implausible_reading_for_her_nurse_only(engine: Engine) {
    let (world, monitoring, nurse1, nurse2) = enrolled(engine).await;
    let id = pulse(&monitoring, &nurse1, 260.0, "/min", "m1").await;
    let queue = monitoring.review_queue(&nurse1, None).await.unwrap();
    assert_eq!(queue.readings.len(), 1);
    let reading = &queue.readings[0];
    assert_eq!((reading.observation.as_str(), reading.patient.0.as_str()), (id.as_str(), "alice"));
    assert_eq!((reading.value, reading.unit.as_str()), (Some(260.0), "/min"));
    assert_eq!(reading.name.as_ref().map(|n| n.fr.as_str()), Some("Fréquence cardiaque"));
    assert_eq!(reading.reason, "implausible");
    assert!(reading.message.contains("outside the plausible range"), "{}", reading.message);
    assert_eq!(reading.device.as_deref(), Some("oxi-7"));
    assert!(reading.acceptable());
    assert!(
        monitoring.review_queue(&nurse2, None).await.unwrap().readings.is_empty(),
        "not nurse2's patient"
    );
    // A patient is refused, as the cohort refuses them.
    let alice = Caller::new(Principal {
        id: "alice-account".into(),
        roles: BTreeSet::from([Role::Patient]),
        ..Principal::default()
    });
    assert!(monitoring.review_queue(&alice, None).await.is_err());
    // The triage page's count: hers, not nurse2's; a patient is refused it too.
    assert_eq!(monitoring.review_count(&nurse1).await.unwrap(), 1);
    assert_eq!(monitoring.review_count(&nurse2).await.unwrap(), 0, "not nurse2's patient");
    assert_eq!(monitoring.review_count(&alice).await.unwrap_err().status(), 403);
    world.close().await;
}

async fn review_accepting_makes_the_reading_count_and_raises_its_alert(engine: Engine) {
    let (world, monitoring, nurse1, _) = enrolled(engine).await;
    // A normal pulse first: evaluated, so alice's recent history is remembered from here on.
    let body = heart_rate("alice", 72.0, "2026-11-26T08:00:00Z");
    let first = monitoring.record_reading(&nurse1, &body, None).await.unwrap();
    assert!(first.alerts.is_empty(), "{:?}", first.alerts);
    let id = pulse(&monitoring, &nurse1, 260.0, "/min", "m1").await;
    let version = monitoring.review_queue(&nurse1, None).await.unwrap().readings[0].version;
    let alerts = monitoring.accept_reading(&nurse1, &id, version).await.unwrap();
    // Only the remembered history read back with the accepted reading holds a pulse over 110.
    let raised: Vec<(&str, AlertChange)> = alerts.iter().map(|a| (a.rule.as_str(), a.change)).collect();
    assert!(raised.contains(&("hr-very-high", AlertChange::Raised)), "{raised:?}");
    assert!(monitoring.review_queue(&nurse1, None).await.unwrap().readings.is_empty());
    let obs = stored(&world, &id).await;
    assert_eq!(obs["status"], "final");
    assert_eq!(obs["meta"]["tag"][0]["code"], "implausible", "the reason is kept");
    assert_eq!(obs["extension"][0]["url"], relais_app::monitoring::REVIEW_ACCEPTED);
    let triage = Triage::new(world.fhir.clone(), Arc::new(Catalog::defaults().unwrap()));
    let titles: Vec<String> = triage.alerts(&nurse1).await.unwrap().into_iter().map(|a| a.title).collect();
    assert!(titles.contains(&"Pouls au-dessus de 110".to_owned()), "{titles:?}");
    world.close().await;
}

async fn review_entered_in_error_leaves_the_queue_and_never_counts(engine: Engine) {
    let (world, monitoring, nurse1, _) = enrolled(engine).await;
    let id = pulse(&monitoring, &nurse1, 260.0, "/min", "m1").await;
    let refused = monitoring.mark_entered_in_error(&nurse1, &id, 1, "   ").await;
    assert!(matches!(refused, Err(ReviewError::Field { field: "note", code: "review-note-required" })));
    let long = "x".repeat(2000);
    let refused = monitoring.mark_entered_in_error(&nurse1, &id, 1, &long).await;
    assert!(matches!(refused, Err(ReviewError::Field { code: "review-note-too-long", .. })));
    assert_eq!(stored(&world, &id).await["status"], "preliminary", "nothing written when refused");
    monitoring.mark_entered_in_error(&nurse1, &id, 1, "Capteur mal placé").await.unwrap();
    assert!(monitoring.review_queue(&nurse1, None).await.unwrap().readings.is_empty());
    let obs = stored(&world, &id).await;
    assert_eq!(obs["status"], "entered-in-error");
    assert_eq!(obs["note"].as_array().unwrap().last().unwrap()["text"], "Capteur mal placé");
    let alerts = monitoring.evaluate_patient("alice").await.unwrap();
    assert!(!alerts.iter().any(|a| a.rule == "hr-very-high"), "{alerts:?}");
    world.close().await;
}

async fn review_a_reading_in_the_wrong_unit_cannot_be_accepted(engine: Engine) {
    let (world, monitoring, nurse1, _) = enrolled(engine).await;
    let id = pulse(&monitoring, &nurse1, 80.0, "kg", "m1").await;
    let queue = monitoring.review_queue(&nurse1, None).await.unwrap();
    assert_eq!(queue.readings[0].reason, "unit");
    assert!(!queue.readings[0].acceptable());
    let refused = monitoring.accept_reading(&nurse1, &id, 1).await;
    assert!(matches!(refused, Err(ReviewError::NotAcceptable)), "{refused:?}");
    assert_eq!(stored(&world, &id).await["status"], "preliminary");
    assert_eq!(monitoring.review_queue(&nurse1, None).await.unwrap().readings.len(), 1, "still waiting");
    world.close().await;
}

async fn review_the_second_of_two_decisions_is_refused(engine: Engine) {
    let (world, monitoring, nurse1, _) = enrolled(engine).await;
    support::put(&world.fhir, support::care_team("t9", "alice", "nurse3", "active")).await;
    let nurse3 = nurse(&world, "nurse3").await;
    let id = pulse(&monitoring, &nurse1, 260.0, "/min", "m1").await;
    // Both opened the queue at version 1; they decide at the same time.
    let (accepted, in_error) = tokio::join!(
        monitoring.accept_reading(&nurse1, &id, 1),
        monitoring.mark_entered_in_error(&nurse3, &id, 1, "Doublon"),
    );
    let (winner, loser) = match (accepted.is_ok(), in_error) {
        (true, Err(e)) => ("nurse1", e),
        (false, Ok(())) => ("nurse3", accepted.unwrap_err()),
        (a, b) => panic!("exactly one decision must win: {a} {b:?}"),
    };
    let ReviewError::AlreadyReviewed { by } = loser else { panic!("{loser:?}") };
    assert_eq!(by, winner, "the refusal names who decided");
    let status = stored(&world, &id).await["status"].clone();
    assert_eq!(status, if winner == "nurse1" { "final" } else { "entered-in-error" });
    world.close().await;
}

relais_testkit::engine_tests!(
    review_lists_an_implausible_reading_for_her_nurse_only,
    review_accepting_makes_the_reading_count_and_raises_its_alert,
    review_entered_in_error_leaves_the_queue_and_never_counts,
    review_a_reading_in_the_wrong_unit_cannot_be_accepted,
    review_the_second_of_two_decisions_is_refused
);
