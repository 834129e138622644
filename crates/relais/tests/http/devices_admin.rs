//! The device tokens page against a real server, on both engines: an administrator finds a home
//! device by its serial number, issues a token (shown once, on that answer only) that the
//! device then authenticates with, sees it listed by label, revokes it (the device is refused at
//! once); both are on the audit trail; an unknown device is named next to the
//! field; a nurse may not open the page.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::signed_in_staff;
use crate::support::{Harness, create_named_user, create_user};

crate::both_engines!(http_an_administrator_issues_and_revokes_a_device_token);

async fn post_readings(h: &Harness, token: &str) -> (StatusCode, Value) {
    let at = crate::browser::now().checked_sub(jiff::SignedDuration::from_mins(5)).unwrap().to_string();
    let body = json!({"message_id": "m-1", "code": "29463-7", "value": 70.2, "unit": "kg", "at": at});
    let response = reqwest::Client::new()
        .post(h.url("/devices/readings"))
        .bearer_auth(token)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn http_an_administrator_issues_and_revokes_a_device_token(h: Harness) {
    let device = h
        .create(&json!({"resourceType": "Device", "status": "active", "serialNumber": "BAL-77",
            "identifier": [{"system": "urn:relais:device-serial", "value": "BAL-77"}]}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    create_named_user(&h, "admin@cisss.example", "Julie Fortin", "administrator", &[]);
    create_user(&h, "nurse@cisss.example", "nurse", &[]);
    let (mut admin, _) = signed_in_staff(&h, "admin@cisss.example").await;

    let page = admin.get("/admin/devices").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(r#"<a href="/admin/devices" aria-current="page">Appareils</a>"#),
        "{}",
        page.body
    );
    // Unknown: said next to the field, what was typed kept.
    let unknown = admin.get("/admin/devices?device=NOPE-1").await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.by_id("device-error"), "Aucun appareil n’a cet identifiant.");
    assert!(unknown.body.contains(r#"value="NOPE-1""#));

    // Found by its serial number: no token yet.
    let found = admin.get("/admin/devices?device=BAL-77").await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.body.contains("Cet appareil n’a aucun jeton."), "{}", found.body);
    assert!(found.body.contains(&format!(r#"<input type="hidden" name="device" value="{device}">"#)));

    // Issued: the token on this answer only.
    let issued =
        admin.post("/admin/devices/tokens", &[("device", &device), ("label", "balance, salon")]).await;
    assert_eq!(issued.status, StatusCode::OK);
    assert_eq!(issued.by_id("devices-notice"), "Le jeton est émis.");
    let start = issued.body.find(r#"id="issued-token""#).expect("the token, shown once");
    let value = &issued.body[start..];
    let value = &value[value.find("value=\"").unwrap() + 7..];
    let token = value[..value.find('"').unwrap()].to_owned();
    assert_eq!(token.len(), 43, "{token}");
    // The device authenticates with it (it is lent to nobody yet, so its readings are refused
    // for that reason, not for the token).
    let (status, body) = post_readings(&h, &token).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("device-not-assigned"))
    );
    let listed = admin.get(&format!("/admin/devices?device={device}")).await;
    assert!(!listed.body.contains(&token), "never shown again");
    assert!(listed.body.contains("balance, salon"));
    assert!(listed.body.contains("<td>actif</td>"));
    let row_at = listed.body.find(r#"<tr id="token-"#).unwrap();
    let token_id = &listed.body[row_at + r#"<tr id="token-"#.len()..];
    let token_id = token_id[..token_id.find('"').unwrap()].to_owned();

    // Revoked: refused at once, shown revoked.
    let revoked =
        admin.post(&format!("/admin/devices/tokens/{token_id}/revoke"), &[("device", &device)]).await;
    assert_eq!(
        revoked.location.as_deref(),
        Some(format!("/admin/devices?device={device}&done=revoked").as_str())
    );
    let (status, body) = post_readings(&h, &token).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("token-invalid")));
    let after = admin.get(&format!("/admin/devices?device={device}&done=revoked")).await;
    assert_eq!(after.by_id("devices-notice"), "Le jeton est révoqué : l’appareil est refusé dès maintenant.");
    assert!(after.body.contains("<td>révoqué le "), "{}", after.body);
    let again = admin.post(&format!("/admin/devices/tokens/{token_id}/revoke"), &[("device", &device)]).await;
    assert_eq!(
        again.location.as_deref(),
        Some(format!("/admin/devices?device={device}&done=unknown-token").as_str())
    );

    // On the trail, both, about the device.
    create_user(&h, "privacy@cisss.example", "privacy-officer", &[]);
    let officer = crate::support::person_token(&h, "privacy@cisss.example", "user/AuditEvent.read").await;
    let trail: Value = reqwest::Client::new()
        .get(h.url("/fhir/AuditEvent?_count=500"))
        .header("authorization", format!("Bearer {officer}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events: Vec<String> =
        trail["entry"].as_array().into_iter().flatten().map(|e| e["resource"].to_string()).collect();
    // Security attributes changed (DICOM 110137), an update: the issue names the device, the
    // revocation the token.
    let changes: Vec<&String> =
        events.iter().filter(|e| e.contains("110137") && e.contains(r#""action":"U""#)).collect();
    assert!(changes.iter().any(|e| e.contains(&format!("Device/{device}"))), "the issue: {trail}");
    assert!(
        changes.iter().any(|e| !e.contains("Device/") && e.contains(r#""outcome":"0""#)),
        "the revocation"
    );

    // Not a nurse's page.
    let (mut nurse, _) = signed_in_staff(&h, "nurse@cisss.example").await;
    assert_eq!(nurse.get("/admin/devices").await.status, StatusCode::FORBIDDEN);
    let refused = nurse.post("/admin/devices/tokens", &[("device", &device), ("label", "x")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
