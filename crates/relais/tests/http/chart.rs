//! Patient search and the patient chart against a real server, on both engines, as a browser
//! uses them: a nurse on the patient's care team finds her by name and by health card number
//! and sees her chart (identity header, allergies and flags, a heart-rate chart whose points are
//! the Observations written, the timeline); a nurse not on the care team gets the 404 page and
//! an empty search; a patient is refused the search; and the patient's "who accessed my record"
//! then names the nurse.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::{Browser, Page};
use crate::support::{Harness, PASSWORD, create_named_user};

crate::both_engines!(http_chart_care_team_nurse_sees_the_chart_others_do_not);

/// The default `health_card_system`.
const RAMQ: &str = "https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id";
const NURSE: &str = "camille.roy@cisss.example";
const OUTSIDER: &str = "marc.lebel@cisss.example";
const PATIENT: &str = "lea.gagne@example.org";

fn heart_rate(patient: &str, when: &str, value: u32) -> Value {
    json!({
        "resourceType": "Observation", "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4", "display": "Heart rate"}], "text": "Fréquence cardiaque"},
        "subject": {"reference": patient},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}
    })
}

/// The `data-value`s of the circles inside the figure `id`, in time order.
fn points_of(page: &Page, id: &str) -> Vec<String> {
    let start = page.body.find(&format!(r#"<figure class="trend-chart" id="{id}">"#)).unwrap_or_else(|| {
        panic!("no chart {id}: {}", page.body);
    });
    let figure = &page.body[start..start + page.body[start..].find("</figure>").unwrap()];
    figure
        .match_indices("data-value=\"")
        .map(|(i, m)| {
            let rest = &figure[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

async fn http_chart_care_team_nurse_sees_the_chart_others_do_not(h: Harness) {
    let patient = h
        .create(&json!({
            "resourceType": "Patient",
            "identifier": [{"system": RAMQ, "value": "GAGL48531401"}],
            "name": [{"use": "official", "family": "Gagné", "given": ["Léa"]}],
            "gender": "female",
            "birthDate": "1948-03-14"
        }))
        .await;
    let id = patient["id"].as_str().unwrap().to_owned();
    let subject = format!("Patient/{id}");
    let nurse = h
        .create(&json!({"resourceType": "Practitioner", "name": [{"family": "Roy", "given": ["Camille"]}]}))
        .await;
    let outsider = h.create(&json!({"resourceType": "Practitioner", "name": [{"family": "Lebel"}]})).await;
    let nurse_id = nurse["id"].as_str().unwrap();
    h.create(&json!({
        "resourceType": "CareTeam", "status": "active",
        "subject": {"reference": subject},
        "participant": [{"member": {"reference": format!("Practitioner/{nurse_id}")}}]
    }))
    .await;
    // Written out of order: the chart draws them in time order.
    for (when, value) in
        [("2026-11-10T13:00:00Z", 135), ("2026-11-03T13:00:00Z", 72), ("2026-11-06T13:00:00Z", 96)]
    {
        h.create(&heart_rate(&subject, when, value)).await;
    }
    h.create(&json!({
        "resourceType": "AllergyIntolerance", "patient": {"reference": subject},
        "code": {"text": "Pénicilline"}, "criticality": "high"
    }))
    .await;
    h.create(&json!({
        "resourceType": "Flag", "status": "active", "subject": {"reference": subject},
        "code": {"text": "Risque de chute"}
    }))
    .await;
    h.create(&json!({
        "resourceType": "Encounter", "status": "finished", "subject": {"reference": subject},
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "VR", "display": "virtual"},
        "type": [{"text": "Téléconsultation de suivi"}],
        "period": {"start": "2026-11-04T15:00:00Z"}
    }))
    .await;
    // A second patient of the same care team, with nothing in her record yet.
    let quiet = h
        .create(&json!({"resourceType": "Patient", "name": [{"family": "Tremblay", "given": ["Rose"]}]}))
        .await;
    let quiet_id = quiet["id"].as_str().unwrap().to_owned();
    h.create(&json!({
        "resourceType": "CareTeam", "status": "active",
        "subject": {"reference": format!("Patient/{quiet_id}")},
        "participant": [{"member": {"reference": format!("Practitioner/{nurse_id}")}}]
    }))
    .await;
    create_named_user(&h, NURSE, "Camille Roy", "nurse", &["--practitioner-id", nurse_id]);
    let outsider_id = outsider["id"].as_str().unwrap();
    create_named_user(&h, OUTSIDER, "Marc Lebel", "nurse", &["--practitioner-id", outsider_id]);
    create_named_user(&h, PATIENT, "Léa Gagné", "patient", &["--patient-id", &id]);

    // Not signed in: to the sign-in page, and back afterwards.
    let mut browser = Browser::new(&h);
    let asked = browser.get(&format!("/patients/{id}")).await;
    assert_eq!(asked.location, Some(format!("/sign-in?next=%2Fpatients%2F{id}")));

    browser.sign_in_staff(NURSE).await;
    let home = browser.get("/").await;
    assert!(home.body.contains(r#"<a href="/patients">Patients</a>"#), "the header links to the search");
    let form = browser.get("/patients").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(r#"<a href="/patients" aria-current="page">Patients</a>"#));
    assert!(!form.body.contains("patients-caption"), "nothing listed before a search");
    let short = browser.get("/patients?q=G").await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert_eq!(short.by_id("q-error"), "Entrez au moins 2 caractères.");
    assert!(short.body.contains(r#"value="G""#), "what was typed is kept");
    for query in ["gagn", "GAGL 4853 1401", "gagl48531401"] {
        let found = browser.get(&format!("/patients?q={}", query.replace(' ', "+"))).await;
        assert_eq!(found.status, StatusCode::OK, "{query}");
        assert!(
            found.body.contains(&format!(r#"<td><a href="/patients/{id}">Léa Gagné</a></td>"#)),
            "{query}: {}",
            found.body
        );
        assert!(found.body.contains("<td>1948-03-14</td>") && found.body.contains("<td>GAGL48531401</td>"));
    }

    // Characters with a meaning in FHIR search are searched for as typed, not obeyed.
    for odd in ["Gagn%C3%A9%2C+L%C3%A9a", "x%7C1%24", "%5C%24%2C"] {
        let answer = browser.get(&format!("/patients?q={odd}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{odd}: {}", answer.body);
        assert!(answer.body.contains("Aucun patient auquel vous avez accès"), "{odd}");
    }

    let chart = browser.get(&format!("/patients/{id}")).await;
    assert_eq!(chart.status, StatusCode::OK, "{}", chart.body);
    assert!(chart.body.contains(r#"<h1 id="patient-name">Léa Gagné</h1>"#));
    assert!(chart.body.contains("1948-03-14 ("), "date of birth and age");
    assert_eq!(chart.by_id("health-card"), "GAGL48531401");
    assert!(
        chart.body.contains("<li><strong>Pénicilline</strong> — criticité élevée</li>"),
        "{}",
        chart.body
    );
    assert!(chart.body.contains("<li><strong>Risque de chute</strong></li>"));
    assert!(chart.body.contains(
        r#"<svg class="trend" role="img" aria-label="Fréquence cardiaque (/min), 2026-11-03 – 2026-11-10 — nombre de mesures : 3""#
    ));
    assert_eq!(points_of(&chart, "vital-heart-rate"), ["72", "96", "135"], "the points are the Observations");
    assert!(chart.body.contains("<title>NEWS2 3 : ≥ 131</title>"), "the threshold 135 crosses is drawn");
    assert!(!chart.body.contains("vital-blood-pressure"), "no chart of what was not measured");
    let timeline = &chart.body[chart.body.find(r#"id="timeline""#).unwrap()..];
    let newest = timeline.find("Fréquence cardiaque : 135 /min").unwrap();
    let visit = timeline.find("Téléconsultation de suivi").unwrap();
    let oldest = timeline.find("Fréquence cardiaque : 72 /min").unwrap();
    assert!(newest < visit && visit < oldest, "newest first");
    assert!(
        timeline.contains(r#"<time datetime="2026-11-04T15:00:00Z">2026-11-04 10:00</time>"#),
        "local time"
    );

    let empty = browser.get(&format!("/patients/{quiet_id}")).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(
        empty.body.contains("<p class=\"notice\">Aucun signe vital mesuré pour l’instant.</p>"),
        "{}",
        empty.body
    );
    assert!(empty.body.contains("<p class=\"notice\">Rien au dossier pour l’instant.</p>"));
    assert!(empty.body.contains("<p id=\"allergies\">Aucune allergie consignée.</p>"));
    assert_eq!(empty.by_id("health-card"), "Non consigné");
    assert!(!empty.body.contains("<svg"), "no chart without measurements");

    browser.language = Some("en");
    let english = browser.get(&format!("/patients/{id}")).await;
    assert!(english.body.contains(r#"<html lang="en">"#) && english.body.contains("Heart rate (/min)"));
    assert!(english.body.contains("— high criticality"));

    // Not on the care team: as if the record did not exist.
    let mut other = Browser::new(&h);
    other.sign_in_staff(OUTSIDER).await;
    let refused = other.get(&format!("/patients/{id}")).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(refused.body.contains("<h1>Dossier non disponible</h1>"));
    assert!(
        refused.body.contains(&format!(r#"action="/patients/{id}/break-glass""#)),
        "emergency access offered"
    );
    assert!(!refused.body.contains("Gagné") && !refused.body.contains("Pénicilline"));
    let unknown = other.get("/patients/no-such-patient").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let same = unknown.body.replace("/patients/no-such-patient", &format!("/patients/{id}"));
    assert_eq!(refused.body, same, "a refusal reads exactly as nothing there");
    let search = other.get("/patients?q=gagn").await;
    assert_eq!(search.status, StatusCode::OK);
    assert!(search.body.contains("Aucun patient auquel vous avez accès ne correspond à cette recherche."));
    assert!(!search.body.contains(&format!("/patients/{id}")) && !search.body.contains("Léa"));

    // In an emergency he opens it by giving a reason; without one he is told what is missing.
    let path = format!("/patients/{id}/break-glass");
    let no_reason = other.post(&path, &[("reason", " "), ("minutes", "60")]).await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        no_reason.by_id("reason-error"),
        "Indiquez la raison de l’accès d’urgence (quelques mots au moins)."
    );
    let opened = other
        .post(
            &path,
            &[("reason", "Patiente inconsciente à l’urgence, allergies à vérifier"), ("minutes", "60")],
        )
        .await;
    assert_eq!(opened.location.as_deref(), Some(format!("/patients/{id}").as_str()));
    let chart = other.get(&format!("/patients/{id}")).await;
    assert_eq!(chart.status, StatusCode::OK);
    assert!(chart.body.contains("Pénicilline"), "the record is open to him now");

    // A patient has no patient search; her accesses name the nurse who opened the chart.
    let mut own = Browser::new(&h);
    let signed = own.post("/sign-in", &[("email", PATIENT), ("password", PASSWORD)]).await;
    assert_eq!(signed.location.as_deref(), Some("/"));
    assert!(!own.get("/").await.body.contains(r#"href="/patients""#));
    assert_eq!(own.get("/patients").await.status, StatusCode::FORBIDDEN);
    let accesses = own.get("/me/accesses").await;
    let rows: Vec<&str> =
        accesses.body.split("<tr").filter(|row| row.contains("<td>Camille Roy</td>")).collect();
    assert!(
        rows.iter().any(|r| r.contains("<td>Consultation — Patient</td>") && r.contains("<td>Effectué</td>")),
        "{}",
        accesses.body
    );
    assert!(rows.iter().any(|r| r.contains("<td>Recherche — Observation</td>")));
    let lebel: Vec<&str> =
        accesses.body.split("<tr").filter(|row| row.contains("<td>Marc Lebel</td>")).collect();
    assert!(lebel.iter().any(|r| r.contains("<td>Refusé</td>")), "the refused read: {lebel:?}");
    assert!(
        lebel.iter().any(|r| r.contains(r#"class="flagged""#) && r.contains("Accès d’urgence")),
        "his emergency access is flagged to her: {lebel:?}"
    );
}
