//! Video visits through the pages of a real server, on both engines, with email going to a real
//! local SMTP server: a nurse books a patient into a slot (a second booking of the same slot is
//! refused next to the field), the patient gets the invitation with its calendar entry in her
//! language and sees the appointment in her portal; starting without the telehealth consent is
//! refused with the translated reason and the offer to record it; recorded, the visit starts and
//! the nurse goes to the room; the note is required to end it.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::{Browser, now, signed_in_staff};
use crate::support::{PASSWORD, create_user, with_smtp_sink};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_visits_book_invite_gate_and_start_sqlite() {
    http_visits_book_invite_gate_and_start(relais_testkit::Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_visits_book_invite_gate_and_start_postgres() {
    http_visits_book_invite_gate_and_start(relais_testkit::Engine::Postgres).await;
}

async fn http_visits_book_invite_gate_and_start(engine: relais_testkit::Engine) {
    let (sink, h) = with_smtp_sink(engine).await;
    let nurse = h
        .create(&json!({"resourceType": "Practitioner", "name": [{"given": ["Camille"], "family": "Roy"}]}))
        .await;
    let nurse = nurse["id"].as_str().unwrap().to_owned();
    let lea = h
        .create(&json!({"resourceType": "Patient", "name": [{"given": ["Léa"], "family": "Gagné"}],
            "telecom": [{"system": "email", "value": "lea@courriel.example"}],
            "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en-CA"}]}, "preferred": true}]}))
        .await;
    let lea = lea["id"].as_str().unwrap().to_owned();
    h.create(&json!({"resourceType": "CareTeam", "status": "active", "subject": {"reference": format!("Patient/{lea}")},
        "participant": [{"member": {"reference": format!("Practitioner/{nurse}")}}]}))
    .await;
    let schedule = h
        .create(&json!({"resourceType": "Schedule", "active": true,
            "actor": [{"reference": format!("Practitioner/{nurse}")}], "comment": "Suivi vidéo en soins infirmiers"}))
        .await;
    let schedule = schedule["id"].as_str().unwrap().to_owned();
    let start = now().checked_add(jiff::SignedDuration::from_hours(72)).unwrap();
    let start_text = start.strftime("%Y-%m-%dT%H:00:00Z").to_string();
    let start: jiff::Timestamp = start_text.parse().unwrap();
    let end = start.checked_add(jiff::SignedDuration::from_mins(30)).unwrap();
    let slot = h
        .create(&json!({"resourceType": "Slot", "schedule": {"reference": format!("Schedule/{schedule}")},
            "status": "free", "start": start_text, "end": end.to_string()}))
        .await;
    let slot = slot["id"].as_str().unwrap().to_owned();
    create_user(&h, "camille@cisss.example", "nurse", &["--practitioner-id", &nurse]);
    create_user(&h, "lea@example.org", "patient", &["--patient-id", &lea]);

    let (mut staff, _) = signed_in_staff(&h, "camille@cisss.example").await;
    let list = staff.get("/visits").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("Suivi vidéo en soins infirmiers") && list.body.contains(&slot));

    // Opening a run of slots from the page: a refusal next to its field, with what was typed.
    let day =
        now().checked_add(jiff::SignedDuration::from_hours(24 * 5)).unwrap().strftime("%Y-%m-%d").to_string();
    let opening = |minutes: &'static str| -> Vec<(&str, &str)> {
        vec![("schedule", &schedule), ("date", &day), ("time", "09:00"), ("minutes", minutes), ("count", "4")]
    };
    let short = staff.post("/visits/slots", &opening("3")).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert_eq!(short.by_id("minutes-error"), "Entrez une durée de 5 à 240 minutes.");
    assert!(short.body.contains(&format!(r#"value="{day}""#)), "the day typed is kept");
    let fields = opening("20");
    let opened = staff.post("/visits/slots", &fields).await;
    assert_eq!(opened.location.as_deref(), Some(format!("/visits?schedule={schedule}&done=opened").as_str()));
    let list = staff.get(&format!("/visits?schedule={schedule}&done=opened")).await;
    assert!(list.body.contains("Les plages sont ouvertes à la réservation."));
    let open_slots = h.get(&format!("/fhir/Slot?schedule=Schedule/{schedule}&status=free")).await.json();
    assert_eq!(open_slots["total"], 5, "the four opened and the one created before");
    let again = staff.post("/visits/slots", &fields).await;
    assert_eq!(
        again.by_id("time-error"),
        "Ces plages chevaucheraient une plage déjà ouverte à cet horaire. Choisissez un autre moment."
    );

    let unchosen =
        staff.post("/visits/book", &[("slot", &slot), ("patient", ""), ("schedule", &schedule)]).await;
    assert_eq!(unchosen.status, StatusCode::BAD_REQUEST);
    assert_eq!(unchosen.by_id("patient-error"), "Choisissez un patient de la liste.");
    assert!(
        unchosen.body.contains(&format!(r#"<option value="{slot}" selected>"#)),
        "the chosen slot is kept"
    );

    let booked =
        staff.post("/visits/book", &[("slot", &slot), ("patient", &lea), ("schedule", &schedule)]).await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.body);
    let location = booked.location.clone().unwrap();
    assert!(location.ends_with("?done=booked"), "{location}");
    let appointment = location.trim_start_matches("/visits/").trim_end_matches("?done=booked").to_owned();
    let again =
        staff.post("/visits/book", &[("slot", &slot), ("patient", &lea), ("schedule", &schedule)]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(!again.body.contains(&format!(r#"<option value="{slot}""#)), "no longer offered");
    let stored_slot = h.get(&format!("/fhir/Slot/{slot}")).await.json();
    assert_eq!(stored_slot["status"], "busy");

    // The invitation, in English as the patient's record asks, with the calendar entry.
    let mail = sink.wait_for(1, Duration::from_secs(20)).await.remove(0);
    assert_eq!(mail.to, ["lea@courriel.example"]);
    assert!(mail.data.contains("Subject: Relais: your video visit on"), "{}", mail.data);
    let link = mail.link_containing("/i/").expect("join link");
    assert!(link.starts_with(&h.server().url));
    let ics = mail.part("text/calendar").expect(".ics");
    let unfolded = ics.replace("\r\n ", "");
    assert!(unfolded.contains("\r\nMETHOD:REQUEST\r\n"));
    assert!(unfolded.contains(&format!("\r\nDTSTART:{}\r\n", start.strftime("%Y%m%dT%H%M%SZ"))));
    assert!(unfolded.contains(&format!("\r\nDTEND:{}\r\n", end.strftime("%Y%m%dT%H%M%SZ"))));
    assert!(unfolded.contains(&format!("\r\nURL:{link}\r\n")));

    // The patient sees it in her portal.
    let mut patient = Browser::new(&h);
    patient.post("/sign-in", &[("email", "lea@example.org"), ("password", PASSWORD)]).await;
    let home = patient.get("/").await;
    assert!(home.body.contains("Suivi vidéo en soins infirmiers"), "{}", home.body);

    // The consent gate.
    let page = staff.get(&format!("/visits/{appointment}")).await;
    assert_eq!(page.by_id("visit-consent"), "Jamais donné");
    let refused = staff.post(&format!("/visits/{appointment}/start"), &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused
            .by_id("form-error")
            .starts_with("La visite ne peut pas commencer : ce service exige le consentement")
    );
    assert!(
        refused.body.contains(&format!(r#"action="/visits/{appointment}/consent""#)),
        "offers to record it"
    );
    let recorded = staff.post(&format!("/visits/{appointment}/consent"), &[]).await;
    assert_eq!(recorded.location.as_deref(), Some(format!("/visits/{appointment}?done=consent").as_str()));
    let started = staff.post(&format!("/visits/{appointment}/start"), &[]).await;
    assert_eq!(
        started.location.as_deref(),
        Some(format!("/rooms/{appointment}").as_str()),
        "{}",
        started.body
    );
    let running = staff.get(&format!("/visits/{appointment}")).await;
    assert_eq!(running.by_id("visit-status"), "Arrivé");

    let unwritten =
        staff.post(&format!("/visits/{appointment}/end"), &[("note", " "), ("outcome", "completed")]).await;
    assert_eq!(unwritten.status, StatusCode::BAD_REQUEST);
    assert_eq!(unwritten.by_id("note-error"), "Écrivez la note de visite.");
    let ended = staff
        .post(
            &format!("/visits/{appointment}/end"),
            &[("note", "Va bien, revoir dans un mois."), ("outcome", "follow-up")],
        )
        .await;
    assert_eq!(ended.location.as_deref(), Some(format!("/visits/{appointment}?done=ended").as_str()));
    let encounters = h.get(&format!("/fhir/Encounter?appointment=Appointment/{appointment}")).await.json();
    let encounter = &encounters["entry"][0]["resource"];
    assert_eq!(
        (encounter["status"].as_str(), encounter["class"]["code"].as_str()),
        (Some("finished"), Some("VR"))
    );
    assert!(encounter["period"]["end"].is_string());
    let appointment_now = h.get(&format!("/fhir/Appointment/{appointment}")).await.json();
    assert_eq!(appointment_now["status"], "fulfilled");

    // Someone who is not care staff never sees the pages.
    let closed = patient.get("/visits").await;
    assert_eq!(closed.status, StatusCode::FORBIDDEN);
}
