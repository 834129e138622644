//! Readings written through the FHIR API — an Observation posted by a gateway, a transaction
//! Bundle of them — are evaluated by home monitoring like those from devices or the patient's
//! page: the nurse's queue gets the alert. Readings of a patient who follows no program raise
//! nothing. Both engines.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::browser::now;
use crate::support::{Harness, heart_rate, patient};

crate::both_engines!(http_readings_posted_through_the_fhir_api_raise_alerts);

/// The DetectedIssues about `patient`, waited for up to 10 s until there are `count`.
async fn alerts_about(h: &Harness, patient: &str, count: usize) -> Vec<Value> {
    let began = Instant::now();
    loop {
        let found = h.get(&format!("/fhir/DetectedIssue?patient=Patient/{patient}")).await.json();
        let issues: Vec<Value> =
            found["entry"].as_array().into_iter().flatten().map(|e| e["resource"].clone()).collect();
        if issues.len() >= count || began.elapsed() > Duration::from_secs(10) {
            return issues;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn rule_of(issue: &Value) -> String {
    let code = issue["code"]["coding"][0]["code"].as_str().unwrap_or("");
    code.rsplit('/').next().unwrap_or(code).to_owned()
}

async fn http_readings_posted_through_the_fhir_api_raise_alerts(h: Harness) {
    let enrolled = h.create(&patient("Roy", "ROYG-1")).await["id"].as_str().unwrap().to_owned();
    let other = h.create(&patient("Lebel", "LEBM-2")).await["id"].as_str().unwrap().to_owned();
    h.create(&json!({"resourceType": "CarePlan", "status": "active", "intent": "plan",
        "instantiatesUri": ["urn:relais:program:heart-failure"],
        "subject": {"reference": format!("Patient/{enrolled}")},
        // Enrolled just now: no measurement is overdue yet.
        "period": {"start": now().to_string()}}))
        .await;

    // A pulse of 135 posted as a plain FHIR create: the hr-very-high rule holds.
    let mut pulse = heart_rate(&format!("Patient/{enrolled}"), 135);
    pulse["effectiveDateTime"] = json!(now().to_string());
    h.create(&pulse).await;
    let issues = alerts_about(&h, &enrolled, 1).await;
    assert_eq!(issues.iter().map(rule_of).collect::<Vec<_>>(), ["hr-very-high"], "{issues:#?}");

    // A transaction Bundle with a low saturation: its alert too.
    let measured = now().to_string();
    let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [{
        "request": {"method": "POST", "url": "Observation"},
        "resource": {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "59408-5"}]},
            "subject": {"reference": format!("Patient/{enrolled}")}, "effectiveDateTime": measured,
            "valueQuantity": {"value": 89, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}}}]});
    assert_eq!(h.post("/fhir", &bundle).await.status, reqwest::StatusCode::OK);
    let issues = alerts_about(&h, &enrolled, 2).await;
    let mut rules: Vec<String> = issues.iter().map(rule_of).collect();
    rules.sort();
    assert_eq!(rules, ["hr-very-high", "spo2-low"], "{issues:#?}");

    // The same pulse for a patient in no program: stored, nothing raised.
    let mut pulse = heart_rate(&format!("Patient/{other}"), 135);
    pulse["effectiveDateTime"] = json!(now().to_string());
    h.create(&pulse).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(alerts_about(&h, &other, 0).await.is_empty());
}
