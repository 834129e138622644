//! `/api/me/accesses`: a patient sees who accessed her record — a clinician's integration reading
//! it appears, with what was done — and no one else may list it.

use reqwest::StatusCode;
use serde_json::Value;

use crate::both_engines;
use crate::support::{Harness, create_user, patient, person_token};

both_engines!(me_a_patient_sees_who_accessed_her_record);

async fn accesses(h: &Harness, bearer: &str, query: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(h.url(&format!("/api/me/accesses{query}")))
        .header("authorization", format!("Bearer {bearer}"))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn me_a_patient_sees_who_accessed_her_record(h: Harness) {
    let rose = h.create(&patient("Gagnon", "GAG-9")).await;
    let rose_id = rose["id"].as_str().unwrap();
    create_user(&h, "rose@example.org", "patient", &["--patient-id", rose_id]);
    let token = person_token(&h, "rose@example.org", "patient/*.read").await;

    // The harness's integration (a system client) reads her record twice.
    for _ in 0..2 {
        assert_eq!(h.get(&format!("/fhir/Patient/{rose_id}")).await.status, StatusCode::OK);
    }
    let (status, page) = accesses(&h, &token, "?limit=2").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let entries = page["accesses"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert!(entries.iter().all(|e| e["action"] == "read" && e["resourceType"] == "Patient"), "{page}");
    assert!(entries.iter().all(|e| e["actor"].as_str().unwrap().starts_with("client:")));
    assert!(entries[0]["seq"].as_u64() > entries[1]["seq"].as_u64(), "newest first");
    // The next page holds the create, the oldest access.
    let next = page["next"].as_str().unwrap().trim_start_matches("/api/me/accesses").to_owned();
    let (_, older) = accesses(&h, &token, &next).await;
    assert!(older["accesses"].as_array().unwrap().iter().any(|e| e["action"] == "create"), "{older}");

    // An integration's token is no patient: no list; nor junk paging.
    let (refused, body) = accesses(&h, &h.token, "").await;
    assert_eq!((refused, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("role-forbids")));
    let (bad, body) = accesses(&h, &token, "?before=soon").await;
    assert_eq!((bad, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("before")));
    let (anonymous, _) = accesses(&h, "not-a-token", "").await;
    assert_eq!(anonymous, StatusCode::UNAUTHORIZED);
}
