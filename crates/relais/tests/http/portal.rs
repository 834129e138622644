//! The patient portal against a real server, on both engines: a patient's home lists her
//! upcoming appointments (with whom, soonest first; past ones and other patients' left out) and
//! her messages (newest first, sender named), in French and English.

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::Browser;
use crate::support::{Harness, PASSWORD, create_user, patient};

crate::both_engines!(http_portal_lists_my_appointments_and_messages);

fn appointment(
    patient: &str,
    practitioner: &str,
    start: &str,
    description: &str,
    status: &str,
) -> serde_json::Value {
    json!({
        "resourceType": "Appointment", "status": status, "description": description,
        "start": start, "end": start.replace("T10:00", "T10:30").replace("T09:00", "T09:30"),
        "participant": [
            {"actor": {"reference": format!("Patient/{patient}")}, "status": "accepted"},
            {"actor": {"reference": format!("Practitioner/{practitioner}")}, "status": "accepted"}
        ]
    })
}

async fn http_portal_lists_my_appointments_and_messages(h: Harness) {
    let lea = h.create(&patient("Gagné", "GAG-1")).await["id"].as_str().unwrap().to_owned();
    let other = h.create(&patient("Pelletier", "PEL-1")).await["id"].as_str().unwrap().to_owned();
    let doctor = h
        .create(&json!({"resourceType": "Practitioner", "name": [{"given": ["Amina"], "family": "Haddad", "prefix": ["Dre"]}]}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    h.create(&appointment(&lea, &doctor, "2099-03-02T10:00:00Z", "Suivi en oncologie (vidéo)", "booked"))
        .await;
    h.create(&appointment(
        &lea,
        &doctor,
        "2099-01-15T09:00:00Z",
        "Téléconsultation de dermatologie",
        "booked",
    ))
    .await;
    h.create(&appointment(&lea, &doctor, "2020-01-15T09:00:00Z", "Rendez-vous passé", "fulfilled")).await;
    h.create(&appointment(
        &other,
        &doctor,
        "2099-02-01T09:00:00Z",
        "Rendez-vous d’un autre patient",
        "booked",
    ))
    .await;
    for (who, sent, text) in [
        (&lea, "2026-11-20T15:00:00Z", "Vos résultats sont normaux."),
        (&lea, "2026-11-24T15:00:00Z", "N’oubliez pas votre pesée du matin."),
        (&other, "2026-11-25T15:00:00Z", "Message pour quelqu’un d’autre"),
    ] {
        h.create(&json!({
            "resourceType": "Communication", "status": "completed", "sent": sent,
            "subject": {"reference": format!("Patient/{who}")},
            "sender": {"reference": format!("Practitioner/{doctor}")},
            "payload": [{"contentString": text}]
        }))
        .await;
    }
    create_user(&h, "lea@example.org", "patient", &["--patient-id", &lea]);

    let mut browser = Browser::new(&h);
    browser.post("/sign-in", &[("email", "lea@example.org"), ("password", PASSWORD)]).await;
    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    let body = &home.body;
    let dermatology = body.find("Téléconsultation de dermatologie").expect(body);
    let oncology = body.find("Suivi en oncologie (vidéo)").unwrap();
    assert!(dermatology < oncology, "soonest first");
    assert!(body.contains("Avec Dre Amina Haddad"), "{body}");
    assert!(
        body.contains(r#"<time datetime="2099-01-15T09:00:00Z">2099-01-15 04:00</time> — Confirmé"#),
        "{body}"
    );
    assert!(!body.contains("Rendez-vous passé") && !body.contains("autre patient"));
    let recent = body.find("N’oubliez pas votre pesée du matin.").unwrap();
    let older = body.find("Vos résultats sont normaux.").unwrap();
    assert!(recent < older, "newest message first");
    assert!(!body.contains("Message pour quelqu’un d’autre"));

    browser.language = Some("en");
    browser.post("/language", &[("lang", "en"), ("back", "/")]).await;
    let english = browser.get("/").await;
    assert!(english.body.contains("My upcoming appointments") && english.body.contains("— Confirmed"));
    assert!(english.body.contains("With Dre Amina Haddad"));
}
