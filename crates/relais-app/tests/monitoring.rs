//! Home monitoring through the use case, on real databases: a patient's readings in pounds are
//! stored in kilograms with the device's value kept, a weight gain raises an alert the nurse's
//! queue shows (DetectedIssue + Task + Provenance naming the rule and its version), a persisting
//! gain updates that alert instead of raising another, a device message counts once, an
//! implausible reading is kept for review, and a patient outside any program is refused.
//! SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use relais_access::policy::{Principal, Role};
use relais_app::access::{Caller, Identity, grants_for};
use relais_app::monitoring::{AlertChange, DeviceMessage, Monitoring, Outcome};
use relais_app::queues::{QueueKind, QueueView};
use relais_clinical::Severity;
use relais_clinical::program::Catalog;
use relais_testkit::Engine;
use serde_json::{Value, json};
use support::readings::{heart_rate, weight};
use support::{World, put};

const BASE: &str = "http://relais.test/fhir";

async fn caller(world: &World, role: Role, identity: Identity) -> Caller {
    let identity = Identity { roles: BTreeSet::from([role]), ..identity };
    let grants = grants_for(world.store.as_ref(), &world.params, &identity).await.unwrap();
    Caller::new(Principal { id: "someone".into(), roles: identity.roles, grants, ..Principal::default() })
}

async fn alice(world: &World) -> Caller {
    caller(world, Role::Patient, Identity { patient: Some("alice".into()), ..Identity::default() }).await
}

async fn nurse(world: &World) -> Caller {
    caller(world, Role::Nurse, Identity { practitioner: Some("nurse1".into()), ..Identity::default() }).await
}

fn gateway() -> Caller {
    let scopes = relais_access::scopes::Scopes::parse("system/Observation.write", |_| true).unwrap();
    Caller::new(Principal { id: "gateway".into(), scopes: Some(scopes), ..Principal::default() })
}

/// The world (now 2026-11-26T10:00Z), alice enrolled in heart failure since yesterday.
async fn enrolled(engine: Engine) -> (World, Monitoring) {
    let world = World::new(engine).await;
    // The queue shows a patient's tasks to her team by the patient's name.
    put(&world.fhir, json!({"resourceType": "Patient", "id": "alice", "name": [{"family": "Tremblay", "given": ["Alice"]}]}))
        .await;
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

async fn search(world: &World, resource_type: &str, query: &[(&str, &str)]) -> Vec<Value> {
    let pairs: Vec<(String, String)> =
        query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let bundle = world.fhir.search(resource_type, &pairs, true, BASE).await.unwrap();
    bundle["entry"].as_array().map(|e| e.iter().map(|x| x["resource"].clone()).collect()).unwrap_or_default()
}

fn message<'a>(id: &'a str) -> Option<DeviceMessage<'a>> {
    Some(DeviceMessage { device: "scale-7", message: id })
}

async fn a_weight_gain_raises_one_alert_that_persisting_readings_update(engine: Engine) {
    let (world, monitoring) = enrolled(engine).await;
    let alice = alice(&world).await;

    let first = monitoring
        .record_reading(&alice, &weight("alice", 154.0, "2026-11-25T08:00:00Z"), message("m1"))
        .await
        .unwrap();
    assert_eq!((first.outcome.clone(), first.alerts.len()), (Outcome::Counted, 0));
    // Stored in kilograms, the scale's pounds kept beside them.
    let stored: Value = serde_json::from_str(
        &world.fhir.read("Observation", &first.observation).await.unwrap().content.unwrap(),
    )
    .unwrap();
    assert!((stored["valueQuantity"]["value"].as_f64().unwrap() - 69.853_224_98).abs() < 1e-6);
    assert_eq!(stored["valueQuantity"]["code"], "kg");
    assert_eq!(stored["extension"][0]["valueQuantity"]["value"].as_f64(), Some(154.0));
    assert_eq!(stored["identifier"][0]["value"], "m1");

    // +4.5 lb (2.04 kg) in a day: both weight rules hold.
    let second = monitoring
        .record_reading(&alice, &weight("alice", 158.5, "2026-11-26T08:00:00Z"), message("m2"))
        .await
        .unwrap();
    let raised: Vec<(&str, AlertChange, Severity)> =
        second.alerts.iter().map(|a| (a.rule.as_str(), a.change, a.severity)).collect();
    assert_eq!(
        raised,
        [
            ("weight-gain-3d", AlertChange::Raised, Severity::Moderate),
            ("weight-gain-1d", AlertChange::Raised, Severity::Moderate)
        ]
    );
    assert_eq!(
        second.advice[0].fr,
        "Une infirmière vous appellera aujourd'hui. Si vous vous sentez plus mal, appelez le 911."
    );
    let key = "Patient/alice/heart-failure/weight-gain-3d";
    let issues =
        search(&world, "DetectedIssue", &[("identifier", &format!("urn:relais:alert-key|{key}"))]).await;
    assert_eq!(issues.len(), 1);
    let issue = &issues[0];
    assert_eq!(
        (issue["status"].as_str(), issue["severity"].as_str()),
        (Some("preliminary"), Some("moderate"))
    );
    assert_eq!(
        issue["reference"],
        "urn:relais:program:heart-failure:version:1:rule:weight-gain-3d:version:1"
    );
    let implicated: Vec<&str> =
        issue["implicated"].as_array().unwrap().iter().map(|r| r["reference"].as_str().unwrap()).collect();
    assert_eq!(
        implicated,
        [format!("Observation/{}", first.observation), format!("Observation/{}", second.observation)]
    );
    let issue_ref = format!("DetectedIssue/{}", issue["id"].as_str().unwrap());
    let tasks = search(&world, "Task", &[("focus", &issue_ref)]).await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        (tasks[0]["priority"].as_str(), tasks[0]["status"].as_str()),
        (Some("urgent"), Some("requested"))
    );
    assert_eq!(
        tasks[0]["restriction"]["period"]["end"], "2026-11-26T14:00:00Z",
        "due when escalation would move on"
    );
    let provenances = search(&world, "Provenance", &[("target", &issue_ref)]).await;
    assert_eq!(provenances.len(), 1);
    assert_eq!(provenances[0]["policy"][0], issue["reference"]);
    assert_eq!(provenances[0]["agent"][0]["who"]["display"], "Relais rules engine");

    // The nurse of alice's care team sees it in her unclaimed queue, by the rule's title.
    let queue =
        world.fhir.queue(&nurse(&world).await, QueueKind::Unclaimed, &QueueView::default()).await.unwrap();
    let titles: Vec<&str> = queue.iter().map(|i| i.title.as_str()).collect();
    assert!(titles.contains(&"Prise de poids de plus de 2 kg en 3 jours"), "{titles:?}");

    // A later reading with the gain persisting updates the open alert: no second one.
    let third = monitoring
        .record_reading(&alice, &weight("alice", 159.0, "2026-11-26T09:00:00Z"), message("m3"))
        .await
        .unwrap();
    // (The one-day gain no longer holds: 158.5 → 159 lb. Its alert stays open for the nurse.)
    let touched: Vec<(&str, AlertChange)> =
        third.alerts.iter().map(|a| (a.rule.as_str(), a.change)).collect();
    assert_eq!(touched, [("weight-gain-3d", AlertChange::Updated)]);
    assert_eq!(third.advice.len(), 1, "advice again: the alert changed");
    let issues =
        search(&world, "DetectedIssue", &[("identifier", &format!("urn:relais:alert-key|{key}"))]).await;
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0]["meta"]["versionId"], "2");
    assert_eq!(issues[0]["implicated"].as_array().unwrap().len(), 2);
    assert_eq!(search(&world, "Task", &[("focus", &issue_ref)]).await.len(), 1);
    assert_eq!(search(&world, "Provenance", &[("target", &issue_ref)]).await.len(), 2);

    // The scale sends message m3 again: stored once, evaluated once.
    let again = monitoring
        .record_reading(&alice, &weight("alice", 159.0, "2026-11-26T09:00:00Z"), message("m3"))
        .await
        .unwrap();
    assert_eq!(
        (again.outcome, again.observation, again.alerts.len()),
        (Outcome::Duplicate, third.observation, 0)
    );
    assert_eq!(
        search(&world, "Observation", &[("subject", "Patient/alice"), ("code", "http://loinc.org|29463-7")])
            .await
            .len(),
        3
    );

    // A normal pulse changes nothing of the open alerts: nothing rewritten, no advice again.
    let pulse = monitoring
        .record_reading(&alice, &heart_rate("alice", 72.0, "2026-11-26T09:30:00Z"), None)
        .await
        .unwrap();
    let touched: Vec<(&str, AlertChange)> =
        pulse.alerts.iter().map(|a| (a.rule.as_str(), a.change)).collect();
    assert_eq!(touched, [("weight-gain-3d", AlertChange::Unchanged)]);
    assert!(pulse.advice.is_empty());
    assert_eq!(search(&world, "Provenance", &[("target", &issue_ref)]).await.len(), 2);
    world.close().await;
}

async fn an_implausible_reading_is_kept_for_review_and_raises_nothing(engine: Engine) {
    let (world, monitoring) = enrolled(engine).await;
    let recorded = monitoring
        .record_reading(&gateway(), &heart_rate("alice", 400.0, "2026-11-26T09:00:00Z"), None)
        .await
        .unwrap();
    let Outcome::Review(reason) = &recorded.outcome else { panic!("{:?}", recorded.outcome) };
    assert_eq!(reason.code(), "implausible");
    let stored: Value = serde_json::from_str(
        &world.fhir.read("Observation", &recorded.observation).await.unwrap().content.unwrap(),
    )
    .unwrap();
    assert_eq!(stored["status"], "preliminary");
    assert_eq!(stored["valueQuantity"]["value"].as_f64(), Some(400.0), "the value is kept as sent");
    assert_eq!(stored["meta"]["tag"][0]["code"], "implausible");
    assert_eq!(stored["note"][0]["text"], "400 /min is outside the plausible range 20–250 /min");
    assert!(search(&world, "DetectedIssue", &[("patient", "Patient/alice")]).await.is_empty());
    // A plausible fast pulse from the same gateway raises the urgent alert.
    let fast = monitoring
        .record_reading(&gateway(), &heart_rate("alice", 130.0, "2026-11-26T09:05:00Z"), None)
        .await
        .unwrap();
    assert_eq!(
        fast.alerts.iter().map(|a| (a.rule.as_str(), a.severity)).collect::<Vec<_>>(),
        [("hr-very-high", Severity::High)]
    );
    let tasks = search(&world, "Task", &[("patient", "Patient/alice"), ("priority", "asap")]).await;
    assert_eq!(tasks.len(), 1);
    world.close().await;
}

async fn readings_that_cannot_be_placed_are_refused_with_nothing_stored(engine: Engine) {
    let (world, monitoring) = enrolled(engine).await;
    let before = search(&world, "Observation", &[]).await.len();
    // Dan follows no program.
    let e = monitoring
        .record_reading(&gateway(), &heart_rate("dan", 80.0, "2026-11-26T09:00:00Z"), None)
        .await
        .unwrap_err();
    assert_eq!((e.status(), e.issues()[0].error_code), (422, "not-enrolled"));
    // A reading without its measurement time cannot be placed.
    let mut undated: Value = serde_json::from_slice(&heart_rate("alice", 80.0, "x")).unwrap();
    undated.as_object_mut().unwrap().remove("effectiveDateTime");
    let e = monitoring.record_reading(&gateway(), undated.to_string().as_bytes(), None).await.unwrap_err();
    assert_eq!((e.status(), e.issues()[0].error_code), (400, "not-a-reading"));
    // Alice may not record a reading into bob's record.
    let e = monitoring
        .record_reading(&alice(&world).await, &heart_rate("bob", 80.0, "2026-11-26T09:00:00Z"), None)
        .await
        .unwrap_err();
    assert_eq!(e.status(), 403, "refused before anything about bob's programs is looked up");
    assert_eq!(search(&world, "Observation", &[]).await.len(), before);
    world.close().await;
}

async fn high_pressure_with_a_symptom_is_urgent_and_advises_the_patient(engine: Engine) {
    let (world, monitoring) = enrolled(engine).await;
    put(
        &world.fhir,
        json!({"resourceType": "QuestionnaireResponse", "id": "qr-1", "status": "completed",
            "questionnaire": "urn:relais:program:heart-failure:questionnaire:hf-daily",
            "subject": {"reference": "Patient/alice"}, "authored": "2026-11-26T09:00:00Z",
            "item": [{"linkId": "dyspnoea", "answer": [{"valueBoolean": true}]},
                     {"linkId": "oedema", "answer": [{"valueBoolean": false}]}]}),
    )
    .await;
    let panel = json!({"resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "subject": {"reference": "Patient/alice"}, "effectiveDateTime": "2026-11-26T09:30:00Z",
        "component": [
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
             "valueQuantity": {"value": 165, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
             "valueQuantity": {"value": 95, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}]});
    let recorded =
        monitoring.record_reading(&alice(&world).await, panel.to_string().as_bytes(), None).await.unwrap();
    let rules: Vec<(&str, Severity)> =
        recorded.alerts.iter().map(|a| (a.rule.as_str(), a.severity)).collect();
    assert_eq!(rules, [("symptoms", Severity::Moderate), ("sbp-high-with-symptoms", Severity::High)]);
    let composite = &recorded.alerts[1];
    let issue: Value = serde_json::from_str(
        &world.fhir.read("DetectedIssue", &composite.detected_issue).await.unwrap().content.unwrap(),
    )
    .unwrap();
    let implicated: Vec<&str> =
        issue["implicated"].as_array().unwrap().iter().map(|r| r["reference"].as_str().unwrap()).collect();
    assert_eq!(
        implicated,
        ["QuestionnaireResponse/qr-1".to_owned(), format!("Observation/{}", recorded.observation)]
    );
    assert_eq!(recorded.advice.len(), 2);
    world.close().await;
}

fn vital(code: &str, value: f64, unit: &str, at: &str) -> Vec<u8> {
    json!({"resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": "Patient/carol"}, "effectiveDateTime": at,
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}})
    .to_string()
    .into_bytes()
}

async fn a_worsening_news2_raises_the_open_alerts_severity_and_its_tasks_priority(engine: Engine) {
    let (world, monitoring) = enrolled(engine).await;
    put(
        &world.fhir,
        json!({"resourceType": "CarePlan", "id": "copd-carol", "status": "active", "intent": "plan",
            "instantiatesUri": ["urn:relais:program:copd"],
            "subject": {"reference": "Patient/carol"}, "period": {"start": "2026-11-25T00:00:00Z"}}),
    )
    .await;
    let gateway = gateway();
    // A complete set at 08:00 with a respiratory rate of 26 (NEWS2 3: low-medium).
    let set = [
        ("8867-4", 80.0, "/min"),
        ("59408-5", 96.0, "%"),
        ("8480-6", 125.0, "mm[Hg]"),
        ("8310-5", 37.0, "Cel"),
    ];
    for (code, value, unit) in set {
        monitoring
            .record_reading(&gateway, &vital(code, value, unit, "2026-11-26T08:00:00Z"), None)
            .await
            .unwrap();
    }
    let first = monitoring
        .record_reading(&gateway, &vital("9279-1", 26.0, "/min", "2026-11-26T08:00:00Z"), None)
        .await
        .unwrap();
    let news2 = first.alerts.iter().find(|a| a.rule == "news2").unwrap();
    assert_eq!((news2.change, news2.severity), (AlertChange::Raised, Severity::Moderate));
    let issue_ref = format!("DetectedIssue/{}", news2.detected_issue);
    assert_eq!(search(&world, "Task", &[("focus", &issue_ref)]).await[0]["priority"], "urgent");
    // Forty minutes later the pulse is 115 (NEWS2 5: medium): the same alert, now high.
    let worse = monitoring
        .record_reading(&gateway, &vital("8867-4", 115.0, "/min", "2026-11-26T08:40:00Z"), None)
        .await
        .unwrap();
    let news2 = worse.alerts.iter().find(|a| a.rule == "news2").unwrap();
    assert_eq!((news2.change, news2.severity), (AlertChange::Updated, Severity::High));
    assert_eq!(format!("DetectedIssue/{}", news2.detected_issue), issue_ref);
    let tasks = search(&world, "Task", &[("focus", &issue_ref)]).await;
    assert_eq!((tasks.len(), tasks[0]["priority"].as_str()), (1, Some("asap")));
    let issue: Value = serde_json::from_str(
        &world.fhir.read("DetectedIssue", &news2.detected_issue).await.unwrap().content.unwrap(),
    )
    .unwrap();
    assert_eq!(issue["severity"], "high");
    let detail: Value = serde_json::from_str(issue["extension"][0]["valueString"].as_str().unwrap()).unwrap();
    assert_eq!(
        (detail["score"]["total"].as_u64(), detail["score"]["band"].as_str()),
        (Some(5), Some("medium"))
    );
    world.close().await;
}

relais_testkit::engine_tests!(
    a_worsening_news2_raises_the_open_alerts_severity_and_its_tasks_priority,
    a_weight_gain_raises_one_alert_that_persisting_readings_update,
    an_implausible_reading_is_kept_for_review_and_raises_nothing,
    readings_that_cannot_be_placed_are_refused_with_nothing_stored,
    high_pressure_with_a_symptom_is_urgent_and_advises_the_patient
);
