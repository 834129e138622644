//! Break-the-glass over HTTP against a real server: a nurse's token (`relais admin create-user`
//! and `create-client --account`) gets 404 on a chart outside her care, breaks the glass with
//! `POST /api/break-glass` (201 with the expiry), then reads it; bad input is 400 with its field;
//! the privacy officer lists the grant (`GET /api/break-glass/review`) and marks it reviewed,
//! which the nurse may not.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Answer, Harness, create_user, heart_rate, patient, read};

both_engines!(http_break_glass_opens_a_chart_and_is_reviewed);

/// A bearer token for a client acting for `email` with `scope`.
async fn bearer(h: &Harness, email: &str, scope: &str) -> String {
    format!("Bearer {}", crate::support::person_token(h, email, scope).await)
}

async fn call(h: &Harness, method: Method, path: &str, bearer: &str, body: Option<(&str, String)>) -> Answer {
    let mut request = reqwest::Client::new().request(method, h.url(path)).header("authorization", bearer);
    if let Some((content_type, body)) = body {
        request = request.header("content-type", content_type).body(body);
    }
    read(request.send().await.unwrap()).await
}

fn json_body(value: &Value) -> Option<(&'static str, String)> {
    Some(("application/json", value.to_string()))
}

async fn http_break_glass_opens_a_chart_and_is_reviewed(h: Harness) {
    let stored = h.create(&patient("Lavoie", "LAV-1")).await;
    let id = stored["id"].as_str().unwrap().to_owned();
    let observation = h.create(&heart_rate(&format!("Patient/{id}"), 131)).await;
    let chart = format!("/fhir/Observation/{}", observation["id"].as_str().unwrap());
    create_user(&h, "nurse@example.org", "nurse", &[]);
    create_user(&h, "privacy@example.org", "privacy-officer", &[]);
    let nurse = bearer(&h, "nurse@example.org", "user/*.*").await;
    let officer = bearer(&h, "privacy@example.org", "user/AuditEvent.read").await;

    let hidden = call(&h, Method::GET, &chart, &nurse, None).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.text);

    // Bad input: 400 with the field, and still no access.
    let cases = [
        (json!({"patient": id, "reason": "", "minutes": 30}), "break-glass-reason-required", "reason"),
        (
            json!({"patient": id, "reason": "Urgence cardiaque", "minutes": 721}),
            "break-glass-minutes-invalid",
            "minutes",
        ),
        (
            json!({"patient": id, "reason": "Urgence cardiaque", "minutes": "soon"}),
            "break-glass-minutes-invalid",
            "minutes",
        ),
        (json!({"reason": "Urgence cardiaque"}), "patient-invalid", "patient"),
    ];
    for (body, code, field) in cases {
        let refused = call(&h, Method::POST, "/api/break-glass", &nurse, json_body(&body)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}: {}", refused.text);
        assert_eq!(refused.json(), json!({"error": code, "field": field}));
    }
    assert_eq!(call(&h, Method::GET, &chart, &nurse, None).await.status, StatusCode::NOT_FOUND);

    // The officer's token does not act on charts (and she is no clinician).
    let form = format!("patient={id}&reason=Urgence+cardiaque&minutes=30");
    let not_clinician = call(
        &h,
        Method::POST,
        "/api/break-glass",
        &officer,
        Some(("application/x-www-form-urlencoded", form.clone())),
    )
    .await;
    assert_eq!(not_clinician.status, StatusCode::FORBIDDEN, "{}", not_clinician.text);
    assert_eq!(not_clinician.json()["error"], "insufficient-scope");

    // A form works as well as JSON.
    let broken =
        call(&h, Method::POST, "/api/break-glass", &nurse, Some(("application/x-www-form-urlencoded", form)))
            .await;
    assert_eq!(broken.status, StatusCode::CREATED, "{}", broken.text);
    let grant = broken.json();
    assert_eq!(grant["patient"], id.as_str());
    let granted: jiff::Timestamp = grant["grantedAt"].as_str().unwrap().parse().unwrap();
    let expires: jiff::Timestamp = grant["expiresAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires.duration_since(granted), jiff::SignedDuration::from_mins(30));

    let opened = call(&h, Method::GET, &chart, &nurse, None).await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.text);
    assert!(opened.text.contains("131"));

    // Review: the nurse may not; the officer lists and marks it, once.
    let forbidden = call(&h, Method::GET, "/api/break-glass/review", &nurse, None).await;
    assert_eq!(
        (forbidden.status, forbidden.json()["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("role-forbids"))
    );
    let list = call(&h, Method::GET, "/api/break-glass/review", &officer, None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let listed = &list.json()["grants"];
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["reason"], "Urgence cardiaque");
    assert_eq!(listed[0]["reviewedAt"], Value::Null);
    let grant_id = grant["id"].as_str().unwrap();
    let path = format!("/api/break-glass/{grant_id}/review");
    let review = json!({"note": "Justifié"});
    let done = call(&h, Method::POST, &path, &officer, json_body(&review)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(done.json()["reviewNote"], "Justifié");
    let twice = call(&h, Method::POST, &path, &officer, json_body(&review)).await;
    assert_eq!(
        (twice.status, twice.json()["error"].as_str()),
        (StatusCode::CONFLICT, Some("break-glass-already-reviewed"))
    );

    // The trail, as the officer reads it: the breaking of the glass and the flagged read.
    let trail =
        call(&h, Method::GET, &format!("/fhir/AuditEvent?patient={id}&_count=100"), &officer, None).await;
    assert_eq!(trail.status, StatusCode::OK, "{}", trail.text);
    let body = trail.json();
    let flagged = body["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["purposeOfEvent"][0]["coding"][0]["code"] == "BTG")
        .count();
    assert!(flagged >= 2, "the breaking of the glass and the read through it are flagged: {}", trail.text);
}
