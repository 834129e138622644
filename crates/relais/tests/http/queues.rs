//! Work queues against a real server, on both engines, as two nurses' browsers use them: what
//! each queue holds (only what the nurse may see), the live announcement when a task is
//! written, claiming (and a colleague's stale claim refused), assigning to a colleague, and the
//! queues closed to a patient and to someone not signed in.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::signed_in_staff;
use crate::support::{Harness, create_user};

crate::both_engines!(http_queues_show_claim_assign_and_announce);

fn task(patient: &str, description: &str, priority: &str, owner: Option<&str>) -> Value {
    let mut task = json!({
        "resourceType": "Task", "status": "requested", "intent": "order", "priority": priority,
        "description": description, "for": {"reference": format!("Patient/{patient}")},
        "authoredOn": "2026-11-25T14:00:00Z",
        "restriction": {"period": {"end": "2030-01-01T12:00:00Z"}}
    });
    if let Some(owner) = owner {
        task["owner"] = json!({"reference": format!("Practitioner/{owner}")});
        task["status"] = json!("accepted");
    }
    task
}

fn practitioner(given: &str, family: &str) -> Value {
    json!({"resourceType": "Practitioner", "name": [{"given": [given], "family": family}]})
}

/// The body of a queue's rows fragment.
async fn rows(browser: &mut crate::browser::Browser, kind: &str) -> String {
    let page = browser.get(&format!("/queues/{kind}/rows")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.body
}

async fn http_queues_show_claim_assign_and_announce(h: Harness) {
    let camille = h.create(&practitioner("Camille", "Roy")).await["id"].as_str().unwrap().to_owned();
    let samuel = h.create(&practitioner("Samuel", "Côté")).await["id"].as_str().unwrap().to_owned();
    let ours = h.create(&crate::support::patient("Gagné", "GAG-1")).await["id"].as_str().unwrap().to_owned();
    let theirs =
        h.create(&crate::support::patient("Pelletier", "PEL-1")).await["id"].as_str().unwrap().to_owned();
    h.create(&json!({
        "resourceType": "CareTeam", "status": "active", "subject": {"reference": format!("Patient/{ours}")},
        "participant": [{"member": {"reference": format!("Practitioner/{camille}")}},
                        {"member": {"reference": format!("Practitioner/{samuel}")}}]
    }))
    .await;
    let weight = h.create(&task(&ours, "Rappeler : poids +2 kg en 3 jours", "urgent", None)).await;
    h.create(&task(&theirs, "Tâche d’une autre équipe", "stat", None)).await;
    let mine = h.create(&task(&ours, "Revoir le plan de soins", "routine", Some(&camille))).await;
    create_user(&h, "camille@cisss.example", "nurse", &["--practitioner-id", &camille]);
    create_user(&h, "samuel@cisss.example", "nurse", &["--practitioner-id", &samuel]);
    create_user(&h, "lea@example.org", "patient", &["--patient-id", &ours]);

    let (mut camille_browser, _) = signed_in_staff(&h, "camille@cisss.example").await;
    let (mut samuel_browser, _) = signed_in_staff(&h, "samuel@cisss.example").await;
    let home = camille_browser.get("/").await;
    assert!(
        home.body.contains("<h2 id=\"queue-mine-title\">Mes tâches <span class=\"count\">(1)</span></h2>"),
        "{}",
        home.body
    );
    assert!(
        home.body
            .contains("<h2 id=\"queue-unclaimed-title\">À prendre <span class=\"count\">(1)</span></h2>"),
        "{}",
        home.body
    );
    assert!(home.body.contains("Rappeler : poids +2 kg en 3 jours"));
    assert!(
        home.body.contains(&format!(r#"<a href="/patients/{ours}">Léa Gagné</a>"#)),
        "the patient is named"
    );
    assert!(!home.body.contains("Tâche d’une autre équipe"), "another team's task is not shown");
    assert!(home.body.contains(r#"<span class="badge badge-urgent">Urgente</span>"#));
    assert!(home.body.contains(r#"src="/assets/queues.js""#));

    // A colleague's screen hears of a new task at once.
    let events = samuel_browser.stream("/queues/events").await;
    assert_eq!(events.headers().get("content-type").unwrap(), "text/event-stream");
    let created = h.create(&task(&ours, "Appeler la famille", "asap", None)).await;
    let heard = next_event(events).await;
    assert!(heard.contains("event: change"), "{heard}");
    assert!(!heard.contains(created["id"].as_str().unwrap()), "an announcement carries no content");
    assert!(rows(&mut samuel_browser, "unclaimed").await.contains("Appeler la famille"));

    // Camille claims the weight task; Samuel, who saw the same version, is told it changed.
    let id = weight["id"].as_str().unwrap();
    let claimed = camille_browser.post(&format!("/queues/tasks/{id}/claim"), &[("version", "1")]).await;
    assert_eq!(claimed.location.as_deref(), Some("/"));
    let late = samuel_browser.post(&format!("/queues/tasks/{id}/claim"), &[("version", "1")]).await;
    assert_eq!(late.location.as_deref(), Some("/?notice=task-changed"));
    let told = samuel_browser.get("/?notice=task-changed").await;
    assert!(told.by_id("form-error").starts_with("Quelqu’un a modifié cette tâche entre-temps"));
    let samuel_unclaimed = rows(&mut samuel_browser, "unclaimed").await;
    assert!(!samuel_unclaimed.contains("Rappeler : poids"), "claimed: gone from the queue to claim");
    let camille_mine = rows(&mut camille_browser, "mine").await;
    assert!(camille_mine.contains("Rappeler : poids") && camille_mine.contains("Camille Roy"));
    let stored = h.get(&format!("/fhir/Task/{id}")).await.json();
    assert_eq!(
        (stored["status"].as_str(), stored["owner"]["reference"].as_str()),
        (Some("accepted"), Some(format!("Practitioner/{camille}").as_str()))
    );

    // Camille hands her care-plan review to Samuel.
    let review = mine["id"].as_str().unwrap();
    let given = camille_browser
        .post(&format!("/queues/tasks/{review}/assign"), &[("version", "1"), ("to", &samuel)])
        .await;
    assert_eq!(given.location.as_deref(), Some("/"));
    assert!(rows(&mut samuel_browser, "mine").await.contains("Revoir le plan de soins"));
    assert!(!rows(&mut camille_browser, "mine").await.contains("Revoir le plan de soins"));

    // A service's queue: an e-consult for a patient neither nurse cares for waits for the
    // dermatology service. Samuel works from it (a PractitionerRole naming the service) and sees
    // it to take, with whom it is for but not the rest of that record (its other tasks are not
    // his to take); Camille does not see it.
    let service = h
        .create(&json!({"resourceType": "HealthcareService", "active": true, "name": "Dermatologie"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    h.create(&json!({
        "resourceType": "PractitionerRole", "active": true,
        "practitioner": {"reference": format!("Practitioner/{samuel}")},
        "healthcareService": [{"reference": format!("HealthcareService/{service}")}]
    }))
    .await;
    let mut econsult = task(&theirs, "Répondre à une e-consultation de dermatologie", "routine", None);
    econsult["owner"] = json!({"reference": format!("HealthcareService/{service}")});
    let econsult = h.create(&econsult).await;
    let waiting = rows(&mut samuel_browser, "unclaimed").await;
    assert!(waiting.contains("e-consultation de dermatologie") && waiting.contains("Pelletier"), "{waiting}");
    assert!(!waiting.contains("Tâche d’une autre équipe"), "not his to take");
    assert!(!rows(&mut camille_browser, "unclaimed").await.contains("e-consultation"), "not her queue");
    h.create(&json!({"resourceType": "Observation", "status": "final", "code": {"text": "Poids"},
        "subject": {"reference": format!("Patient/{theirs}")}, "effectiveDateTime": "2026-11-25T08:00:00Z",
        "valueQuantity": {"value": 80, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}}))
        .await;
    let readings =
        samuel_browser.get(&format!("/fhir/Observation?subject=Patient/{theirs}&_format=json")).await;
    assert_eq!(readings.status, StatusCode::OK, "{}", readings.body);
    let bundle: Value = serde_json::from_str(&readings.body).unwrap();
    assert_eq!(bundle["total"], 0, "nothing else of the record: {}", readings.body);
    let named = samuel_browser.get(&format!("/fhir/Patient/{theirs}?_format=json")).await;
    assert_eq!(named.status, StatusCode::OK, "whom the item is for");
    let id = econsult["id"].as_str().unwrap();
    let taken = samuel_browser.post(&format!("/queues/tasks/{id}/claim"), &[("version", "1")]).await;
    assert_eq!(taken.location.as_deref(), Some("/"));
    assert!(rows(&mut samuel_browser, "mine").await.contains("e-consultation de dermatologie"));
    assert!(!rows(&mut samuel_browser, "unclaimed").await.contains("e-consultation de dermatologie"));

    // The queues are for clinicians only.
    let mut patient = crate::browser::Browser::new(&h);
    patient.post("/sign-in", &[("email", "lea@example.org"), ("password", crate::support::PASSWORD)]).await;
    assert_eq!(patient.get("/queues/mine/rows").await.status, StatusCode::FORBIDDEN);
    assert_eq!(patient.get("/queues/events").await.status, StatusCode::FORBIDDEN);
    let mut nobody = crate::browser::Browser::new(&h);
    assert_eq!(nobody.get("/queues/unclaimed/rows").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(nobody.get("/queues/events").await.status, StatusCode::UNAUTHORIZED);
}

/// The first event of a stream (until a blank line), within two seconds.
pub(crate) async fn next_event(mut response: reqwest::Response) -> String {
    let mut text = String::new();
    let read = async {
        while let Some(chunk) = response.chunk().await.unwrap() {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.contains("event: change") && text.contains("\n\n") {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(2), read).await.expect("an event within two seconds");
    text
}
