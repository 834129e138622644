//! Evaluations read a patient's recent history from memory once loaded (recent.rs); these
//! check that what is remembered stays what the store holds when someone else writes the
//! record: a reading a clinician enters through the FHIR API counts in the next evaluation, and
//! a reading marked entered-in-error stops counting at once. SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;

use relais_access::policy::Principal;
use relais_app::access::Caller;
use relais_app::monitoring::{AlertChange, Monitoring, Outcome};
use relais_clinical::program::Catalog;
use relais_testkit::Engine;
use serde_json::{Value, json};
use support::readings::weight;
use support::{World, put};

fn gateway() -> Caller {
    let scopes = relais_access::scopes::Scopes::parse("system/Observation.write", |_| true).unwrap();
    Caller::new(Principal { id: "gateway".into(), scopes: Some(scopes), ..Principal::default() })
}

/// Alice enrolled in heart failure since yesterday (the world's now is 2026-11-26T10:00Z).
async fn enrolled(engine: Engine) -> (World, Monitoring) {
    let world = World::new(engine).await;
    put(
        &world.fhir,
        json!({"resourceType": "CarePlan", "id": "hf-alice", "status": "active", "intent": "plan",
            "instantiatesUri": ["urn:relais:program:heart-failure"],
            "subject": {"reference": "Patient/alice"}, "period": {"start": "2026-11-25T00:00:00Z"}}),
    )
    .await;
    let monitoring = Monitoring::new(world.fhir.clone(), Arc::new(Catalog::defaults().unwrap()));
    (world, monitoring)
}

fn rules(alerts: &[relais_app::monitoring::AlertWrite]) -> Vec<(&str, AlertChange)> {
    alerts.iter().map(|a| (a.rule.as_str(), a.change)).collect()
}

async fn a_weight_entered_through_the_api_counts_in_the_next_evaluation(engine: Engine) {
    let (world, monitoring) = enrolled(engine).await;
    let gateway = gateway();
    // 176 lb (79.8 kg): evaluated, nothing found; alice's history is now remembered.
    let first =
        monitoring.record_reading(&gateway, &weight("alice", 176.0, "2026-11-25T08:00:00Z"), None).await;
    assert!(first.unwrap().alerts.is_empty());
    // A nurse enters 78.0 kg measured at the clinic, through the FHIR API, not the monitoring.
    let clinic = json!({"resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
        "subject": {"reference": "Patient/alice"}, "effectiveDateTime": "2026-11-25T20:00:00Z",
        "valueQuantity": {"value": 78.0, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}});
    world.fhir.create("Observation", clinic.to_string().as_bytes(), None).await.unwrap();
    // 176.5 lb (80.06 kg): 2.06 kg above the clinic's weight — the gain rules hold. Against the
    // remembered history alone (79.8 kg) it would be 0.2 kg and nothing.
    let third =
        monitoring.record_reading(&gateway, &weight("alice", 176.5, "2026-11-26T08:00:00Z"), None).await;
    let third = third.unwrap();
    assert!(rules(&third.alerts).contains(&("weight-gain-3d", AlertChange::Raised)), "{:?}", third.alerts);
    world.close().await;
}

async fn a_reading_marked_entered_in_error_stops_counting_at_once(engine: Engine) {
    let (world, monitoring) = enrolled(engine).await;
    let gateway = gateway();
    let first =
        monitoring.record_reading(&gateway, &weight("alice", 154.0, "2026-11-25T08:00:00Z"), None).await;
    let first = first.unwrap();
    let second =
        monitoring.record_reading(&gateway, &weight("alice", 158.5, "2026-11-26T08:00:00Z"), None).await;
    assert!(rules(&second.unwrap().alerts).contains(&("weight-gain-3d", AlertChange::Raised)));
    // The nurse finds the first weighing was someone else's: entered in error.
    let row = world.fhir.read("Observation", &first.observation).await.unwrap();
    let mut wrong: Value = serde_json::from_str(&row.content.unwrap()).unwrap();
    wrong["status"] = json!("entered-in-error");
    world.fhir.update("Observation", &first.observation, wrong.to_string().as_bytes(), None).await.unwrap();
    // 158.6 lb: against 158.5 lb the day before, no gain. Had the first weighing still counted,
    // the open alerts would be reported again.
    let third =
        monitoring.record_reading(&gateway, &weight("alice", 158.6, "2026-11-26T09:00:00Z"), None).await;
    let third = third.unwrap();
    assert_eq!(third.outcome, Outcome::Counted);
    assert!(third.alerts.is_empty(), "{:?}", third.alerts);
    world.close().await;
}

relais_testkit::engine_tests!(
    a_weight_entered_through_the_api_counts_in_the_next_evaluation,
    a_reading_marked_entered_in_error_stops_counting_at_once
);
