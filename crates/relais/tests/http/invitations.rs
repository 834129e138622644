//! Invitation links over HTTP against a real server, on both engines: a nurse's token creates a
//! single-use link (201 with the link once), anyone without an account uses it once (200 with
//! the pass), then it answers 404 `invitation-invalid`, as an unknown or revoked link does; a
//! patient may not invite; the token never appears in the server's logs, and each use is on the
//! audit trail.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Harness, create_user};

crate::both_engines!(http_invitation_link_works_once_and_never_reaches_the_logs);

/// A bearer token acting for a new account of `role`.
async fn person_token(h: &Harness, email: &str, role: &str) -> String {
    // A patient account needs its Patient (here one without a record: it invites no one).
    let extra: &[&str] = if role == "patient" { &["--patient-id", "lea-gagne"] } else { &[] };
    create_user(h, email, role, extra);
    crate::support::person_token(h, email, "user/*.*").await
}

async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn http_invitation_link_works_once_and_never_reaches_the_logs(h: Harness) {
    let url = h.server().url.clone();
    let nurse = person_token(&h, "infirmiere@cisss.example", "nurse").await;
    let client = reqwest::Client::new();
    let body = json!({"purpose": "room", "target": "Encounter/visite-1", "invitee": "Jeanne Gagné", "valid_for_secs": 3600});
    let (status, created) =
        send(client.post(format!("{url}/api/invitations")).bearer_auth(&nurse).json(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let link = created["link"].as_str().unwrap().to_owned();
    let path = link.strip_prefix(&url).expect("the link is on the server's public URL");
    let token = path.strip_prefix("/i/").unwrap().to_owned();
    assert_eq!(token.len(), 43);
    assert!(created["expires_at"].as_str().is_some());

    // Used without any account: once.
    let (status, pass) = send(client.post(format!("{url}{path}"))).await;
    assert_eq!(status, StatusCode::OK, "{pass}");
    assert_eq!(
        pass,
        json!({"id": created["id"], "purpose": "room", "target": "Encounter/visite-1", "patient": null})
    );
    let (status, again) = send(client.post(format!("{url}{path}"))).await;
    assert_eq!((status, again), (StatusCode::NOT_FOUND, json!({"error": "invitation-invalid"})), "used up");
    let unknown = format!("{url}/i/{}", "A".repeat(43));
    let (status, nothing) = send(client.post(unknown)).await;
    assert_eq!((status, nothing), (StatusCode::NOT_FOUND, json!({"error": "invitation-invalid"})));

    // Revoked: the creator's DELETE closes a multi-use link.
    let body =
        json!({"purpose": "appointment", "target": "Appointment/a1", "invitee": "Paul", "max_uses": 5});
    let (_, second) =
        send(client.post(format!("{url}/api/invitations")).bearer_auth(&nurse).json(&body)).await;
    let id = second["id"].as_str().unwrap();
    let revoked =
        client.delete(format!("{url}/api/invitations/{id}")).bearer_auth(&nurse).send().await.unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let (status, refused) = send(client.post(second["link"].as_str().unwrap())).await;
    assert_eq!((status, refused), (StatusCode::NOT_FOUND, json!({"error": "invitation-invalid"})), "revoked");

    // A patient may not invite; nobody without credentials may.
    let patient = person_token(&h, "lea.gagne@example.org", "patient").await;
    let (status, forbidden) =
        send(client.post(format!("{url}/api/invitations")).bearer_auth(&patient).json(&body)).await;
    assert_eq!((status, forbidden["error"].as_str()), (StatusCode::FORBIDDEN, Some("invitation-forbidden")));
    let anonymous = client.post(format!("{url}/api/invitations")).json(&body).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // Every use and refusal is on the trail, with the address and the real reason.
    let store = relais_store::open(h.db.url(), &relais_store::StoreOptions::default()).await.unwrap();
    let records = store.audit_records(0, 10_000).await.unwrap();
    let uses: Vec<_> = records
        .iter()
        .filter(|r| r.action == "invitation-use")
        .map(|r| (r.outcome.code(), r.purpose.clone().unwrap_or_default(), r.source_address.clone()))
        .collect();
    store.close().await;
    let at = Some("127.0.0.1".to_owned());
    let want = vec![
        ("success", "room".to_owned(), at.clone()),
        ("denied", "invitation-used-up".to_owned(), at.clone()),
        ("denied", "invitation-unknown".to_owned(), at.clone()),
        ("denied", "invitation-revoked".to_owned(), at),
    ];
    assert_eq!(uses, want);

    let logs = h.server().logs().join("\n");
    assert!(logs.contains("/i/…"), "the redeem requests are logged, redacted");
    assert!(!logs.contains(&token), "the invitation token is in the logs");
    assert!(!logs.contains(second["link"].as_str().unwrap().rsplit('/').next().unwrap()));
}
