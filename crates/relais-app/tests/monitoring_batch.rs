//! Home monitoring at volume and on a timer, on real databases: a gateway's batch of readings
//! (duplicates within and across batches, late readings placed by their time, implausible ones
//! kept, one refused patient refusing only their own readings), alerts written and audited as the
//! rules engine, concurrent evaluations of one patient raising one alert, and the scheduler's
//! missing-data alerts and escalation with an injected clock. SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::SignedDuration;
use relais_access::audit::Outcome as Audited;
use relais_access::policy::{Principal, Role};
use relais_app::access::{Caller, Identity, grants_for};
use relais_app::monitoring::{AlertChange, DeviceMessage, ENGINE, Monitoring, Outcome, ReadingIn};
use relais_clinical::program::Catalog;
use relais_testkit::Engine;
use serde_json::{Value, json};
use support::readings::{heart_rate, weight};
use support::{World, put};

const BASE: &str = "http://relais.test/fhir";

async fn alice(world: &World) -> Caller {
    let identity = Identity {
        roles: BTreeSet::from([Role::Patient]),
        patient: Some("alice".into()),
        ..Identity::default()
    };
    let grants = grants_for(world.store.as_ref(), &world.params, &identity).await.unwrap();
    Caller::new(Principal {
        id: "alice-account".into(),
        roles: identity.roles,
        grants,
        ..Principal::default()
    })
}

fn gateway() -> Caller {
    let scopes = relais_access::scopes::Scopes::parse("system/Observation.write", |_| true).unwrap();
    Caller::new(Principal { id: "gateway".into(), scopes: Some(scopes), ..Principal::default() })
}

/// The world (now 2026-11-26T10:00Z), alice enrolled in heart failure since yesterday midnight.
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

fn scale(id: &str) -> Option<DeviceMessage<'_>> {
    Some(DeviceMessage { device: "scale-7", message: id })
}

async fn search(world: &World, resource_type: &str, query: &[(&str, &str)]) -> Vec<Value> {
    let pairs: Vec<(String, String)> =
        query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let bundle = world.fhir.search(resource_type, &pairs, true, BASE).await.unwrap();
    bundle["entry"].as_array().map(|e| e.iter().map(|x| x["resource"].clone()).collect()).unwrap_or_default()
}

async fn alerts_of(world: &World, rule: &str) -> Vec<Value> {
    let key = format!("urn:relais:alert-key|Patient/alice/heart-failure/{rule}");
    search(world, "DetectedIssue", &[("identifier", &key)]).await
}

async fn a_batch_counts_each_reading_once_and_evaluates_each_patient_once(engine: Engine) {
    let (world, monitoring) = enrolled(engine).await;
    let audit_head = world.store.audit_head().await.unwrap().map_or(0, |h| h.0);
    let gateway = gateway();
    let (w1, w2, pulse, late) = (
        weight("alice", 154.0, "2026-11-25T08:00:00Z"),
        weight("alice", 158.5, "2026-11-26T08:00:00Z"),
        heart_rate("alice", 400.0, "2026-11-26T08:30:00Z"),
        weight("alice", 150.0, "2026-11-24T08:00:00Z"),
    );
    let dan = heart_rate("dan", 80.0, "2026-11-26T08:00:00Z");
    let first = [
        ReadingIn { body: &w1, message: scale("m1") },
        ReadingIn { body: &w1, message: scale("m1") },
        ReadingIn { body: &pulse, message: None },
        ReadingIn { body: &w2, message: scale("m2") },
        ReadingIn { body: &dan, message: None },
        ReadingIn { body: b"{\"resourceType\": \"Patient\"}", message: None },
    ];
    let results = monitoring.record_readings(&gateway, &first).await.unwrap();
    assert_eq!(results.len(), 6);
    let ok = |i: usize| results[i].as_ref().unwrap();
    assert_eq!((ok(0).outcome.clone(), ok(0).alerts.len()), (Outcome::Counted, 0));
    assert_eq!(ok(1).outcome, Outcome::Duplicate, "the same message twice in one batch counts once");
    assert_eq!(ok(1).observation, ok(0).observation);
    assert!(matches!(&ok(2).outcome, Outcome::Review(r) if r.code() == "implausible"));
    assert_eq!(ok(3).outcome, Outcome::Counted);
    // Alice was evaluated once, over both weights: her alerts come with her last reading.
    let raised: Vec<(&str, AlertChange)> = ok(3).alerts.iter().map(|a| (a.rule.as_str(), a.change)).collect();
    assert_eq!(raised, [("weight-gain-3d", AlertChange::Raised), ("weight-gain-1d", AlertChange::Raised)]);
    assert!(!ok(3).advice.is_empty(), "the patient is told what to do");
    let e = results[4].as_ref().unwrap_err();
    assert_eq!((e.status(), e.issues()[0].error_code), (422, "not-enrolled"));
    let e = results[5].as_ref().unwrap_err();
    assert_eq!((e.status(), e.issues()[0].error_code), (400, "not-a-reading"));
    let weights = [("subject", "Patient/alice"), ("code", "http://loinc.org|29463-7")];
    assert_eq!(search(&world, "Observation", &weights).await.len(), 2);
    let reviewed =
        search(&world, "Observation", &[("subject", "Patient/alice"), ("status", "preliminary")]).await;
    assert_eq!(reviewed.len(), 1, "the implausible pulse is kept for review");
    assert_eq!(
        search(&world, "Observation", &[("subject", "Patient/dan")]).await.len(),
        1,
        "dan's is not stored"
    );

    // The next batch: m2 again (already stored), and a late weight from two days ago, placed
    // by its time: it is the window's new minimum, so the open alert now implicates it.
    let second =
        [ReadingIn { body: &w2, message: scale("m2") }, ReadingIn { body: &late, message: scale("m0") }];
    let results2 = monitoring.record_readings(&gateway, &second).await.unwrap();
    let again = results2[0].as_ref().unwrap();
    assert_eq!(
        (again.outcome.clone(), again.observation.as_str()),
        (Outcome::Duplicate, ok(3).observation.as_str())
    );
    let counted = results2[1].as_ref().unwrap();
    assert_eq!(counted.outcome, Outcome::Counted);
    let gain = counted.alerts.iter().find(|a| a.rule == "weight-gain-3d").unwrap();
    assert_eq!(gain.change, AlertChange::Updated);
    let issues = alerts_of(&world, "weight-gain-3d").await;
    assert_eq!(issues.len(), 1, "a persisting gain keeps its one alert");
    let implicated: Vec<&str> = issues[0]["implicated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reference"].as_str().unwrap())
        .collect();
    assert!(implicated.contains(&format!("Observation/{}", counted.observation).as_str()), "{implicated:?}");
    assert_eq!(search(&world, "Observation", &weights).await.len(), 3);

    // The trail: each reading accepted as the gateway (four stored, two found again), each
    // alert write as the rules engine.
    let trail = world.store.audit_records(audit_head, 10_000).await.unwrap();
    let stored = trail
        .iter()
        .filter(|r| r.actor == "gateway" && r.action == "create" && r.outcome == Audited::Success);
    assert_eq!(stored.filter(|r| r.resource_type.as_deref() == Some("Observation")).count(), 6);
    let by_engine: BTreeSet<&str> = trail
        .iter()
        .filter(|r| r.actor == ENGINE && r.outcome == Audited::Success)
        .filter_map(|r| r.resource_type.as_deref())
        .collect();
    assert_eq!(by_engine, BTreeSet::from(["DetectedIssue", "Provenance", "Task"]));
    let on_alice = |t: &str| {
        trail.iter().any(|r| {
            r.actor == ENGINE
                && r.resource_type.as_deref() == Some(t)
                && r.patient_id.as_deref() == Some("alice")
        })
    };
    assert!(on_alice("DetectedIssue") && on_alice("Task"), "the alert writes are on alice's trail");
    world.close().await;
}

async fn a_refused_patient_refuses_only_their_own_readings(engine: Engine) {
    let (world, monitoring) = enrolled(engine).await;
    let audit_head = world.store.audit_head().await.unwrap().map_or(0, |h| h.0);
    let (own, other) =
        (heart_rate("alice", 72.0, "2026-11-26T09:00:00Z"), heart_rate("bob", 72.0, "2026-11-26T09:00:00Z"));
    let batch = [ReadingIn { body: &own, message: None }, ReadingIn { body: &other, message: None }];
    let results = monitoring.record_readings(&alice(&world).await, &batch).await.unwrap();
    assert_eq!(results[0].as_ref().unwrap().outcome, Outcome::Counted);
    assert_eq!(results[1].as_ref().unwrap_err().status(), 403);
    assert_eq!(
        search(&world, "Observation", &[("subject", "Patient/bob")]).await.len(),
        1,
        "only the world's own"
    );
    let trail = world.store.audit_records(audit_head, 10_000).await.unwrap();
    let denied: Vec<Option<&str>> = trail
        .iter()
        .filter(|r| r.actor == "alice-account" && r.outcome == Audited::Denied)
        .map(|r| r.patient_id.as_deref())
        .collect();
    assert_eq!(denied, [Some("bob")], "the refusal is on bob's trail");
    world.close().await;
}

async fn concurrent_readings_of_one_patient_raise_one_alert(engine: Engine) {
    let (world, monitoring) = enrolled(engine).await;
    let gateway = gateway();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (monitoring, gateway) = (monitoring.clone(), gateway.clone());
        tasks.push(tokio::spawn(async move {
            let body = heart_rate("alice", 120.0 + f64::from(i), &format!("2026-11-26T09:{:02}:00Z", 10 + i));
            monitoring.record_reading(&gateway, &body, None).await
        }));
    }
    let mut changes = Vec::new();
    for task in tasks {
        let recorded = task.await.unwrap().unwrap();
        changes.extend(recorded.alerts.iter().filter(|a| a.rule == "hr-very-high").map(|a| a.change));
    }
    assert_eq!(changes.iter().filter(|c| **c == AlertChange::Raised).count(), 1, "{changes:?}");
    let issues = alerts_of(&world, "hr-very-high").await;
    assert_eq!(issues.len(), 1, "one open alert, however the evaluations interleaved");
    let reference = format!("DetectedIssue/{}", issues[0]["id"].as_str().unwrap());
    let updates = changes.iter().filter(|c| **c == AlertChange::Updated).count();
    let version: usize = issues[0]["meta"]["versionId"].as_str().unwrap().parse().unwrap();
    assert_eq!(version, 1 + updates, "every update applied on top of the one before");
    assert_eq!(search(&world, "Provenance", &[("target", &reference)]).await.len(), 1 + updates);
    assert_eq!(search(&world, "Task", &[("focus", &reference)]).await.len(), 1);
    world.close().await;
}

async fn the_scheduler_raises_missing_data_and_escalates_unacknowledged_alerts(engine: Engine) {
    let (world, monitoring) = enrolled(engine).await;
    // 34 h after enrolment nothing is missing yet (48 h allowed).
    let tick = monitoring.tick().await.unwrap();
    assert_eq!((tick.evaluated, tick.failed), (1, 0));
    assert!(tick.alerts.iter().all(|a| a.rule != "no-weight"), "{:?}", tick.alerts);
    // A pulse of 125 now: a high alert, for the nurse first.
    let recorded = monitoring
        .record_reading(&gateway(), &heart_rate("alice", 125.0, "2026-11-26T10:00:00Z"), None)
        .await
        .unwrap();
    let alert = recorded.alerts.iter().find(|a| a.rule == "hr-very-high").unwrap();
    let reference = format!("DetectedIssue/{}", alert.detected_issue);
    let task_of = || async { search(&world, "Task", &[("focus", &reference)]).await.remove(0) };

    world.clock.advance(SignedDuration::from_mins(30));
    assert!(monitoring.tick().await.unwrap().escalated.is_empty(), "30 minutes is still on time");
    world.clock.advance(SignedDuration::from_secs(1));
    let tick = monitoring.tick().await.unwrap();
    assert_eq!(tick.escalated.len(), 1);
    assert_eq!((tick.escalated[0].level, tick.escalated[0].assignee.as_str()), (1, "nurse-lead"));
    let task = task_of().await;
    assert_eq!(task["performerType"][0]["coding"][0]["code"], "nurse-lead");
    assert_eq!(task["restriction"]["period"]["end"], "2026-11-26T11:00:00Z");
    assert!(task["note"][0]["text"].as_str().unwrap().contains("nurse-lead"));
    assert!(monitoring.tick().await.unwrap().escalated.is_empty(), "escalated once, not at every tick");

    // The nurse lead accepts it: the clock stops there.
    let mut accepted = task.clone();
    accepted["status"] = json!("accepted");
    put(&world.fhir, accepted).await;
    world.clock.advance(SignedDuration::from_hours(3));
    assert!(monitoring.tick().await.unwrap().escalated.is_empty());
    assert_eq!(task_of().await["performerType"][0]["coding"][0]["code"], "nurse-lead");

    // 24 h later (58 h after enrolment) still no weight: the scheduler raises it, once.
    world.clock.advance(SignedDuration::from_hours(21));
    let tick = monitoring.tick().await.unwrap();
    let missing = tick.alerts.iter().find(|a| a.rule == "no-weight").unwrap();
    assert_eq!(missing.change, AlertChange::Raised);
    monitoring.tick().await.unwrap();
    assert_eq!(alerts_of(&world, "no-weight").await.len(), 1);
    world.close().await;
}

relais_testkit::engine_tests!(
    a_batch_counts_each_reading_once_and_evaluates_each_patient_once,
    a_refused_patient_refuses_only_their_own_readings,
    concurrent_readings_of_one_patient_raise_one_alert,
    the_scheduler_raises_missing_data_and_escalates_unacknowledged_alerts
);
