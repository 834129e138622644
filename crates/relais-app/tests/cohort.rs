//! The nurse's cohort through the use case, on real databases (SQLite and PostgreSQL): her
//! enrolled patients, most at risk first (an open high alert before a low one before none),
//! each week's adherence from the program's frequencies (five daily weights of seven), the
//! NEWS2 of a COPD patient's latest vitals, the patient's own limit drawn; another nurse's
//! patient absent; and the reads on the audit trail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::SignedDuration;
use relais_access::policy::{Principal, Role};
use relais_app::access::{Caller, Identity, grants_for};
use relais_app::monitoring::Monitoring;
use relais_app::monitoring::enrolment::Enrol;
use relais_app::monitoring::overrides::SetOverride;
use relais_app::monitoring::schedule::Asked;
use relais_clinical::program::Catalog;
use relais_testkit::Engine;
use serde_json::json;
use support::readings::{heart_rate, weight};
use support::{World, care_team, put};

const BASE: &str = "http://relais.test/fhir";

async fn caller(world: &World, role: Role, identity: Identity) -> Caller {
    let identity = Identity { roles: BTreeSet::from([role]), ..identity };
    let grants = grants_for(world.store.as_ref(), &world.params, &identity).await.unwrap();
    Caller::new(Principal { id: "someone".into(), roles: identity.roles, grants, ..Principal::default() })
}

async fn nurse(world: &World, id: &str) -> Caller {
    caller(world, Role::Nurse, Identity { practitioner: Some(id.into()), ..Identity::default() }).await
}

fn enrol(patient: &str, program: &str) -> Enrol {
    Enrol { patient: patient.into(), program: program.into(), devices: Vec::new() }
}

/// One vital sign as a single Observation.
fn vital(patient: &str, code: &str, value: f64, unit: &str, at: &str) -> Vec<u8> {
    json!({"resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": format!("Patient/{patient}")}, "effectiveDateTime": at,
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}})
    .to_string()
    .into_bytes()
}

async fn trail_entries(world: &World, patient: &str) -> usize {
    let officer = caller(world, Role::PrivacyOfficer, Identity::default()).await;
    let query = vec![("patient".to_owned(), patient.to_owned()), ("_count".to_owned(), "500".to_owned())];
    let trail = world.fhir.search_as(&officer, "AuditEvent", &query, true, BASE).await.unwrap();
    trail["entry"].as_array().map_or(0, Vec::len)
}

async fn the_cohort_is_the_nurse_s_enrolled_patients_most_at_risk_first(engine: Engine) {
    let world = World::new(engine).await;
    let monitoring = Monitoring::new(world.fhir.clone(), Arc::new(Catalog::defaults().unwrap()));
    // nurse1 cares for alice (the world's team), bob and dan; nurse2 for carol.
    put(&world.fhir, care_team("t4", "bob", "nurse1", "active")).await;
    put(&world.fhir, care_team("t5", "dan", "nurse1", "active")).await;
    let (nurse1, nurse2) = (nurse(&world, "nurse1").await, nurse(&world, "nurse2").await);
    for (patient, program) in [("alice", "heart-failure"), ("bob", "heart-failure"), ("dan", "copd")] {
        monitoring.enrol(&nurse1, &enrol(patient, program)).await.unwrap();
    }
    monitoring.enrol(&nurse2, &enrol("carol", "copd")).await.unwrap();
    monitoring
        .set_override(
            &nurse1,
            &SetOverride {
                patient: "alice".into(),
                rule: "hr-very-high".into(),
                limit: "> 120".into(),
                reason: "Beta-blocker paused".into(),
                by: "Marie-Ève Lavoie".into(),
            },
        )
        .await
        .unwrap();

    // Eight days later (enrolled 2026-11-26 10:00, daily periods from 10:00).
    world.clock.advance(SignedDuration::from_hours(8 * 24 + 1));
    // Alice weighed herself on five of the last seven days (none today yet), 180 lb each time:
    // no weight alert, but no symptom check for eight days (a low alert). Newest first, so that
    // no evaluation sees a two-day gap in her weights.
    for day in ["2026-12-02", "2026-12-01", "2026-11-29", "2026-11-28", "2026-11-27"] {
        let body = weight("alice", 180.0, &format!("{day}T12:00:00Z"));
        monitoring.record_reading(&nurse1, &body, None).await.unwrap();
    }
    // Bob's pulse of 125: a high alert.
    monitoring
        .record_reading(&nurse1, &heart_rate("bob", 125.0, "2026-12-04T10:30:00Z"), None)
        .await
        .unwrap();
    // Dan's full set of vitals this morning, all normal: NEWS2 0, no alert (SpO2 first: the
    // program's missing-SpO2 rule would fire on the others).
    let at = "2026-12-04T10:40:00Z";
    for (code, value, unit) in [
        ("59408-5", 97.0, "%"),
        ("9279-1", 16.0, "/min"),
        ("8480-6", 120.0, "mm[Hg]"),
        ("8867-4", 70.0, "/min"),
        ("8310-5", 37.0, "Cel"),
    ] {
        monitoring.record_reading(&nurse1, &vital("dan", code, value, unit, at), None).await.unwrap();
    }
    monitoring.record_reading(&nurse2, &vital("carol", "8867-4", 140.0, "/min", at), None).await.unwrap();

    let before = trail_entries(&world, "bob").await;
    let cohort = monitoring.cohort(&nurse1).await.unwrap();
    let order: Vec<&str> = cohort.iter().map(|p| p.patient.as_str()).collect();
    assert_eq!(order, ["bob", "alice", "dan"], "high alert, low alert, none; carol is not nurse1's");
    let (bob, alice, dan) = (&cohort[0], &cohort[1], &cohort[2]);
    assert_eq!(bob.alerts[0].severity, "high");
    assert!(bob.alerts.iter().any(|a| a.title == "Pouls au-dessus de 110"));
    assert_eq!(alice.alerts.iter().map(|a| a.severity.as_str()).collect::<Vec<_>>(), ["low"]);
    assert!(dan.alerts.is_empty());

    // Adherence: five daily weights of seven; the pressure form never sent.
    let weights = alice.adherence_of(&Asked::Measurement("29463-7".into())).unwrap();
    assert_eq!((weights.received, weights.due), (5, 7));
    let pressure = alice.adherence_of(&Asked::Measurement("8480-6".into())).unwrap();
    assert_eq!((pressure.received, pressure.due), (0, 7));
    assert_eq!(alice.last_received.unwrap().to_string(), "2026-12-02T12:00:00Z");
    // Her weights in kg for the chart, and her own pulse limit drawn rather than the program's.
    let kilos: Vec<f64> = alice.readings.iter().map(|r| (r.value * 10.0).round() / 10.0).collect();
    assert_eq!(kilos, [81.6; 5]);
    let pulse_limits: Vec<(String, bool)> =
        alice.limits.iter().filter(|l| l.code == "8867-4").map(|l| (l.limit.to_string(), l.own)).collect();
    assert!(pulse_limits.contains(&("> 120".to_owned(), true)), "{pulse_limits:?}");
    assert!(pulse_limits.contains(&("< 40".to_owned(), false)), "{pulse_limits:?}");

    // NEWS2 where the program scores it (COPD), not for heart failure.
    assert_eq!(dan.news2.map(|s| s.total), Some(0));
    assert_eq!(alice.news2, None);
    // Today's set counts, the week before it was missed.
    let spo2 = dan.adherence_of(&Asked::Measurement("59408-5".into())).unwrap();
    assert_eq!((spo2.received, spo2.due), (1, 8));

    // The reads are on the trail, naming the patient.
    assert!(trail_entries(&world, "bob").await > before);
    // The other nurse sees her patient only; a patient has no cohort.
    let theirs = monitoring.cohort(&nurse2).await.unwrap();
    assert_eq!(theirs.iter().map(|p| p.patient.as_str()).collect::<Vec<_>>(), ["carol"]);
    let alice_herself =
        caller(&world, Role::Patient, Identity { patient: Some("alice".into()), ..Identity::default() })
            .await;
    assert_eq!(monitoring.cohort(&alice_herself).await.unwrap_err().status(), 403);
    world.close().await;
}

relais_testkit::engine_tests!(the_cohort_is_the_nurse_s_enrolled_patients_most_at_risk_first);
