//! batch and transaction Bundles.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Harness, heart_rate, patient};

both_engines!(
    transaction_conditional_creates_follow_the_processing_order,
    transaction_assigns_ids_and_rewrites_references,
    transaction_is_all_or_nothing,
    batch_entries_stand_alone,
    bundle_requests_are_checked
);

fn entry(full_url: &str, resource: Value, method: &str, url: &str) -> Value {
    json!({"fullUrl": full_url, "resource": resource, "request": {"method": method, "url": url}})
}

async fn transaction_assigns_ids_and_rewrites_references(h: Harness) {
    let existing = h.create(&patient("Existant", "EX1")).await;
    let existing_id = existing["id"].as_str().unwrap();
    let mut update = existing.clone();
    update["active"] = json!(true);
    let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        entry("urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a", heart_rate("urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0", 88), "POST", "Observation"),
        entry("urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0", patient("Nouveau", "NEW1"), "POST", "Patient"),
        entry(&format!("Patient/{existing_id}"), update, "PUT", &format!("Patient/{existing_id}")),
        {"request": {"method": "GET", "url": format!("Patient/{existing_id}")}},
        {"request": {"method": "GET", "url": format!("Patient/{existing_id}/_history/2")}},
    ]});
    let answer = h.post("/fhir", &bundle).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let response = answer.json();
    assert_eq!(response["type"], "transaction-response");
    let entries = response["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 5, "one response entry per request entry, in order");
    assert_eq!(entries[4]["resource"]["active"], true, "a vread sees the transaction's own write");
    assert_eq!(entries[0]["response"]["status"], "201 Created");
    assert_eq!(entries[1]["response"]["status"], "201 Created");
    assert_eq!(entries[2]["response"]["status"], "200 OK");
    assert_eq!(entries[2]["response"]["etag"], "W/\"2\"");
    assert_eq!(entries[3]["response"]["status"], "200 OK");
    assert_eq!(entries[3]["resource"]["active"], true, "GET runs after the PUT");
    let patient_location = entries[1]["response"]["location"].as_str().unwrap();
    let patient_id = patient_location.split('/').nth(1).unwrap();
    assert!(
        patient_location.starts_with("Patient/") && patient_location.ends_with("/_history/1"),
        "{patient_location}"
    );
    let observation_id = entries[0]["resource"]["id"].as_str().unwrap();
    let stored = h.get(&format!("/fhir/Observation/{observation_id}")).await.json();
    assert_eq!(
        stored["subject"]["reference"],
        format!("Patient/{patient_id}"),
        "urn:uuid reference rewritten"
    );
    assert_eq!(h.get(&format!("/fhir/Patient/{patient_id}")).await.json()["name"][0]["family"], "Nouveau");
}

async fn transaction_is_all_or_nothing(h: Harness) {
    let keep = h.create(&patient("Garde", "KEEP1")).await;
    let keep_id = keep["id"].as_str().unwrap();
    let mut bad = heart_rate("Patient/1", 70);
    bad["colour"] = json!("red");
    let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        entry("urn:uuid:a", patient("Jamais", "NEVER1"), "POST", "Patient"),
        {"request": {"method": "DELETE", "url": format!("Patient/{keep_id}")}},
        entry("urn:uuid:b", bad, "POST", "Observation"),
    ]});
    let answer = h.post("/fhir", &bundle).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert_eq!(answer.json()["issue"][0]["expression"][0], "Bundle.entry[2].resource.colour");
    // A failure found only while applying (a stale If-Match, after the DELETE and the POST have
    // been applied) undoes the earlier entries too.
    let other = h.create(&patient("Autre", "OTHER9")).await;
    let other_id = other["id"].as_str().unwrap();
    let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        entry("urn:uuid:a", patient("Jamais", "NEVER1"), "POST", "Patient"),
        {"request": {"method": "DELETE", "url": format!("Patient/{keep_id}")}},
        {"resource": other, "request": {"method": "PUT", "url": format!("Patient/{other_id}"), "ifMatch": "W/\"7\""}},
    ]});
    let answer = h.post("/fhir", &bundle).await;
    assert_eq!(answer.status, StatusCode::PRECONDITION_FAILED, "{}", answer.text);
    assert_eq!(answer.error_code(), "version-mismatch");
    let mut stale = keep.clone();
    stale["id"] = json!(keep_id);
    let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        entry("urn:uuid:a", patient("Jamais", "NEVER1"), "POST", "Patient"),
        {"resource": stale, "request": {"method": "PUT", "url": format!("Patient/{keep_id}"), "ifMatch": "W/\"7\""}},
    ]});
    let answer = h.post("/fhir", &bundle).await;
    assert_eq!(answer.status, StatusCode::PRECONDITION_FAILED, "{}", answer.text);
    assert!(answer.json()["issue"][0]["diagnostics"].as_str().unwrap().starts_with("Bundle.entry[1]"));
    let unresolved = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        entry("urn:uuid:a", heart_rate("urn:uuid:nowhere", 60), "POST", "Observation"),
    ]});
    let answer = h.post("/fhir", &unresolved).await;
    assert_eq!(
        (answer.status, answer.error_code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "unresolved-reference".into())
    );
    // Nothing of any of these transactions was kept.
    let patients = h.get("/fhir/Patient/_history").await.json();
    assert_eq!(patients["entry"].as_array().unwrap().len(), 2, "only the two created outside: {patients}");
    assert_eq!(h.get(&format!("/fhir/Patient/{keep_id}")).await.status, StatusCode::OK);
    assert_eq!(h.get("/fhir/Observation/_history").await.json()["entry"].as_array().unwrap().len(), 0);
}

async fn batch_entries_stand_alone(h: Harness) {
    let mut bad = heart_rate("Patient/1", 70);
    bad["effectiveDateTime"] = json!("2026-02-31T00:00:00Z");
    let bundle = json!({"resourceType": "Bundle", "type": "batch", "entry": [
        entry("urn:uuid:a", patient("Lot", "BATCH1"), "POST", "Patient"),
        entry("urn:uuid:b", bad, "POST", "Observation"),
        {"request": {"method": "GET", "url": "Patient/nobody"}},
        entry("urn:uuid:c", heart_rate("Patient/1", 71), "POST", "Observation"),
    ]});
    let answer = h.post("/fhir", &bundle).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let response = answer.json();
    assert_eq!(response["type"], "batch-response");
    let statuses: Vec<&str> = response["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["response"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["201 Created", "422 Unprocessable Entity", "404 Not Found", "201 Created"]);
    let outcome = &response["entry"][1]["response"]["outcome"];
    assert_eq!(outcome["issue"][0]["expression"][0], "Observation.effectiveDateTime");
    assert_eq!(h.get("/fhir/Observation/_history").await.json()["entry"].as_array().unwrap().len(), 1);
}

async fn bundle_requests_are_checked(h: Harness) {
    let collection = json!({"resourceType": "Bundle", "type": "collection"});
    assert_eq!(h.post("/fhir", &collection).await.error_code(), "bundle-type-not-supported");
    assert_eq!(h.post("/fhir", &patient("P", "P1")).await.error_code(), "resource-type-mismatch");
    let patch = json!({"resourceType": "Bundle", "type": "transaction", "entry": [{"request": {"method": "PATCH", "url": "Patient/1"}}]});
    let answer = h.post("/fhir", &patch).await;
    assert_eq!(
        (answer.status, answer.error_code()),
        (StatusCode::BAD_REQUEST, "method-not-supported".into()),
        "{}",
        answer.text
    );
    let twice = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"request": {"method": "DELETE", "url": "Patient/1"}}, {"request": {"method": "DELETE", "url": "Patient/1"}}]});
    assert_eq!(h.post("/fhir", &twice).await.error_code(), "duplicate-entry");
    let same_full_url = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        entry("urn:uuid:a", patient("A", "A1"), "POST", "Patient"), entry("urn:uuid:a", patient("B", "B1"), "POST", "Patient")]});
    assert_eq!(h.post("/fhir", &same_full_url).await.error_code(), "duplicate-entry");
    let conditional_reference = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        entry("urn:uuid:o", heart_rate("Patient?identifier=https://relais.example/ramq|X", 60), "POST", "Observation")]});
    let answer = h.post("/fhir", &conditional_reference).await;
    assert_eq!(
        (answer.status, answer.error_code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "unresolved-reference".into())
    );
    let minimal = json!({"resourceType": "Bundle", "type": "transaction", "entry": [entry("urn:uuid:a", patient("M", "M1"), "POST", "Patient")]});
    let answer = h
        .send(
            reqwest::Method::POST,
            "/fhir",
            &[("content-type", "application/fhir+json"), ("prefer", "return=minimal")],
            Some(minimal.to_string()),
        )
        .await;
    assert!(answer.json()["entry"][0].get("resource").is_none());
}

/// Conditional creates in a transaction see the transaction's DELETEs (which come first), and
/// two entries with the same condition make one resource.
async fn transaction_conditional_creates_follow_the_processing_order(h: Harness) {
    let old = h.create(&patient("Ancien", "COND1")).await;
    let old_id = old["id"].as_str().unwrap();
    let condition = "identifier=https://relais.example/ramq|COND1";
    let post = |full_url: &str| {
        json!({"fullUrl": full_url, "resource": patient("Nouveau", "COND1"),
        "request": {"method": "POST", "url": "Patient", "ifNoneExist": condition}})
    };
    let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        post("urn:uuid:11111111-1111-4111-8111-111111111111"),
        {"request": {"method": "DELETE", "url": format!("Patient/{old_id}")}},
        entry("urn:uuid:22222222-2222-4222-8222-222222222222", heart_rate("urn:uuid:11111111-1111-4111-8111-111111111111", 70), "POST", "Observation"),
        post("urn:uuid:33333333-3333-4333-8333-333333333333"),
    ]});
    let answer = h.post("/fhir", &bundle).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let entries = answer.json()["entry"].as_array().unwrap().clone();
    assert_eq!(entries[0]["response"]["status"], "201 Created", "the deleted match no longer counts");
    assert_eq!(entries[1]["response"]["status"], "204 No Content");
    assert_eq!(entries[3]["response"]["status"], "200 OK", "the same condition again: the same resource");
    let new_id = entries[0]["resource"]["id"].as_str().unwrap();
    assert_ne!(new_id, old_id);
    assert_eq!(entries[3]["response"]["location"], entries[0]["response"]["location"]);
    assert_eq!(entries[2]["resource"]["subject"]["reference"], format!("Patient/{new_id}"));
    assert_eq!(h.get(&format!("/fhir/Patient/{old_id}")).await.status, StatusCode::GONE);
    let patients = h.get("/fhir/Patient/_history").await.json();
    assert_eq!(patients["entry"].as_array().unwrap().len(), 3, "old v1, its deletion, one new patient");
}
