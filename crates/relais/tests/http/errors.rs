//! Bad input: each answered with an OperationOutcome and the status the spec gives, and
//! nothing stored.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::both_engines;
use crate::support::{FHIR_JSON, Harness, heart_rate, patient};

both_engines!(bad_bodies_store_nothing, bad_urls_and_methods, media_types, impossible_dates_are_422);

/// Nothing of type `t` was stored: its history is empty.
async fn assert_nothing_stored(h: &Harness, t: &str) {
    let history = h.get(&format!("/fhir/{t}/_history")).await.json();
    assert_eq!(history["entry"].as_array().map(Vec::len), Some(0), "{history}");
}

async fn bad_bodies_store_nothing(h: Harness) {
    let post =
        |body: String| h.send(Method::POST, "/fhir/Observation", &[("content-type", FHIR_JSON)], Some(body));

    let malformed = post("{\"resourceType\": \"Observation\",\n \"status\": fin".into()).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.error_code(), "malformed-json");
    assert!(malformed.json()["issue"][0]["diagnostics"].as_str().unwrap().contains("line 2"));

    let wrong_type = post(patient("X", "X1").to_string()).await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong_type.error_code(), "resource-type-mismatch");

    let mut unknown = heart_rate("Patient/1", 70);
    unknown["code"]["colour"] = json!("red");
    let unknown = post(unknown.to_string()).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.error_code(), "unknown-element");
    assert_eq!(unknown.json()["issue"][0]["expression"][0], "Observation.code.colour");

    let mut wrong_value = heart_rate("Patient/1", 70);
    wrong_value["valueQuantity"]["value"] = json!("seventy");
    let wrong_value = post(wrong_value.to_string()).await;
    assert_eq!(wrong_value.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong_value.json()["issue"][0]["expression"][0], "Observation.valueQuantity.value");
    assert!(!wrong_value.text.contains("seventy"), "values are not echoed: {}", wrong_value.text);

    let bad_inner_id = post(json!({"resourceType": "Observation", "id": "no spaces allowed", "status": "final", "code": {"text": "x"}}).to_string()).await;
    assert_eq!(bad_inner_id.status, StatusCode::BAD_REQUEST);

    assert_eq!(post("[]".into()).await.error_code(), "not-a-resource");
    assert_eq!(post(String::new()).await.error_code(), "empty-body");
    assert_eq!(post(json!({"status": "final"}).to_string()).await.error_code(), "missing-resource-type");
    assert_nothing_stored(&h, "Observation").await;

    // Updates: the body must carry the URL's id.
    let mut p = patient("Id", "ID1");
    let no_id = h.put("/fhir/Patient/abc", &p).await;
    assert_eq!((no_id.status, no_id.error_code()), (StatusCode::BAD_REQUEST, "id-missing".into()));
    p["id"] = json!("xyz");
    let mismatch = h.put("/fhir/Patient/abc", &p).await;
    assert_eq!((mismatch.status, mismatch.error_code()), (StatusCode::BAD_REQUEST, "id-mismatch".into()));
    let bad_id = h.put("/fhir/Patient/a%20b", &p).await;
    assert_eq!((bad_id.status, bad_id.error_code()), (StatusCode::BAD_REQUEST, "invalid-id".into()));
    assert_nothing_stored(&h, "Patient").await;
}

async fn bad_urls_and_methods(h: Harness) {
    let unknown_type = h.post("/fhir/UserSession", &json!({"resourceType": "UserSession"})).await;
    assert_eq!(unknown_type.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown_type.error_code(), "unknown-resource-type");
    assert_eq!(h.get("/fhir/patient/1").await.status, StatusCode::NOT_FOUND, "types are case-sensitive");
    assert_eq!(h.get("/fhir/Patient/1/extra/segments/here").await.error_code(), "unknown-path");
    let wrong_method = h.delete("/fhir/Patient").await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.error_code(), "method-not-allowed");
    assert_eq!(
        h.send(Method::PATCH, "/fhir/Patient/1", &[], None).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(
        h.send(Method::POST, "/fhir/Patient/1", &[("content-type", FHIR_JSON)], Some("{}".into()))
            .await
            .status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

async fn media_types(h: Harness) {
    let body = patient("Media", "M1").to_string();
    let xml = h
        .send(Method::POST, "/fhir/Patient", &[("content-type", "application/fhir+xml")], Some(body.clone()))
        .await;
    assert_eq!(xml.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(xml.error_code(), "media-type-not-supported");
    let form = h
        .send(
            Method::POST,
            "/fhir/Patient",
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(body.clone()),
        )
        .await;
    assert_eq!(form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let none = h.send(Method::POST, "/fhir/Patient", &[], Some(body)).await;
    assert_eq!(none.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_nothing_stored(&h, "Patient").await;
}

async fn impossible_dates_are_422(h: Harness) {
    let mut obs = heart_rate("Patient/1", 70);
    obs["effectiveDateTime"] = json!("2026-02-30T08:00:00Z");
    let answer = h.post("/fhir/Observation", &obs).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.text);
    assert_eq!(answer.error_code(), "impossible-date");
    assert_eq!(answer.json()["issue"][0]["expression"][0], "Observation.effectiveDateTime");
    let mut p = patient("Leap", "L1");
    p["birthDate"] = json!("2023-02-29");
    assert_eq!(h.post("/fhir/Patient", &p).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    p["birthDate"] = json!("2024-02-29");
    assert_eq!(h.post("/fhir/Patient", &p).await.status, StatusCode::CREATED);
    assert_nothing_stored(&h, "Observation").await;
}

/// An oversize body is refused with 413 before it is read whole; nothing is stored.
#[tokio::test]
async fn oversize_body_is_413() {
    let h = Harness::start_with(relais_testkit::Engine::Sqlite, &[], &[("RELAIS_BODY_LIMIT_BYTES", "65536")])
        .await;
    let mut p = patient("Big", "BIG1");
    p["name"][0]["text"] = json!("x".repeat(100_000));
    let answer = h.post("/fhir/Patient", &p).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.text);
    assert_eq!(answer.error_code(), "body-too-large");
    p["name"][0]["text"] = json!("x".repeat(1000));
    assert_eq!(
        h.post("/fhir/Patient", &p).await.status,
        StatusCode::CREATED,
        "a body under the limit is fine"
    );
    assert_eq!(h.get("/fhir/Patient/_history").await.json()["entry"].as_array().unwrap().len(), 1);
}
