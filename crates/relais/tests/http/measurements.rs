//! "My measurements" (`/me/measurements`) against a real server, on both engines: a patient
//! sees her latest value of each vital sign and the same trend charts as her chart (only final
//! values, in the canonical unit), never another patient's; a patient with nothing measured
//! sees the translated empty state; a nurse is refused the page; the read is on her "who
//! accessed my record" trail; and the page is in English when she chooses it.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::{Browser, Page, signed_in_staff};
use crate::support::{Harness, PASSWORD, create_user, patient};

crate::both_engines!(http_my_measurements_shows_only_my_own);

const LOINC: &str = "http://loinc.org";

fn coded(code: &str) -> Value {
    json!({"coding": [{"system": LOINC, "code": code}]})
}

fn measurement(subject: &str, code: &str, when: &str, value: f64, ucum: &str, status: &str) -> Value {
    json!({
        "resourceType": "Observation", "status": status,
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "code": coded(code), "subject": {"reference": subject}, "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": ucum, "system": "http://unitsofmeasure.org", "code": ucum}
    })
}

fn blood_pressure(subject: &str, when: &str, systolic: u32, diastolic: u32) -> Value {
    let mmhg =
        |v: u32| json!({"value": v, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"});
    json!({
        "resourceType": "Observation", "status": "final", "code": coded("85354-9"),
        "subject": {"reference": subject}, "effectiveDateTime": when,
        "component": [{"code": coded("8480-6"), "valueQuantity": mmhg(systolic)},
                      {"code": coded("8462-4"), "valueQuantity": mmhg(diastolic)}]
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

/// The list of latest values, as HTML.
fn latest_of(page: &Page) -> String {
    let start = page.body.find(r#"id="latest""#).unwrap_or_else(|| panic!("no latest values: {}", page.body));
    page.body[start..start + page.body[start..].find("</ul>").unwrap()].to_owned()
}

async fn http_my_measurements_shows_only_my_own(h: Harness) {
    let lea = h.create(&patient("Gagné", "GAG-1")).await["id"].as_str().unwrap().to_owned();
    let marc = h.create(&patient("Pelletier", "PEL-1")).await["id"].as_str().unwrap().to_owned();
    let (lea_ref, marc_ref) = (format!("Patient/{lea}"), format!("Patient/{marc}"));
    for resource in [
        measurement(&lea_ref, "8867-4", "2026-11-20T13:00:00Z", 72.0, "/min", "final"),
        measurement(&lea_ref, "8867-4", "2026-11-24T13:00:00Z", 88.0, "/min", "final"),
        // Preliminary: neither drawn nor her latest value.
        measurement(&lea_ref, "8867-4", "2026-11-25T13:00:00Z", 151.0, "/min", "preliminary"),
        blood_pressure(&lea_ref, "2026-11-24T13:05:00Z", 128, 82),
        measurement(&lea_ref, "8310-5", "2026-11-24T13:10:00Z", 37.2, "Cel", "final"),
        // Another patient's: never on her page.
        measurement(&marc_ref, "8867-4", "2026-11-25T08:00:00Z", 133.0, "/min", "final"),
        measurement(&marc_ref, "29463-7", "2026-11-25T08:00:00Z", 99.9, "kg", "final"),
    ] {
        h.create(&resource).await;
    }
    create_user(&h, "lea@example.org", "patient", &["--patient-id", &lea]);
    create_user(&h, "marc@example.org", "patient", &["--patient-id", &marc]);
    create_user(&h, "sans@example.org", "patient", &["--patient-id", "nobody-measured"]);
    create_user(&h, "nurse@cisss.example", "nurse", &[]);

    // Not signed in: the sign-in page, coming back here afterwards.
    let mut anonymous = Browser::new(&h);
    let away = anonymous.get("/me/measurements").await;
    assert_eq!(away.location.as_deref(), Some("/sign-in?next=%2Fme%2Fmeasurements"));

    let mut browser = Browser::new(&h);
    browser.post("/sign-in", &[("email", "lea@example.org"), ("password", PASSWORD)]).await;
    let home = browser.get("/").await;
    assert!(home.body.contains(r#"<a href="/me/measurements">Mes mesures</a>"#), "{}", home.body);
    let page = browser.get("/me/measurements").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"aria-current="page">Mes mesures</a>"#), "its nav link is current");
    let latest = latest_of(&page);
    assert!(
        latest.contains("Fréquence cardiaque") && latest.contains("<strong class=\"value\">88 /min</strong>")
    );
    assert!(latest.contains("<strong class=\"value\">128/82 mmHg</strong>"), "{latest}");
    assert!(latest.contains("<strong class=\"value\">37,2 °C</strong>"), "French decimal comma: {latest}");
    assert!(latest.contains(r#"<time datetime="2026-11-24T13:00:00Z">2026-11-24 08:00</time>"#), "{latest}");
    assert_eq!(points_of(&page, "vital-heart-rate"), ["72", "88"]);
    assert_eq!(points_of(&page, "vital-blood-pressure"), ["128", "82"]);
    assert!(page.body.contains("NEWS2 3"), "the same thresholds as the clinician's chart");
    assert!(!page.body.contains("151") && !page.body.contains("133"), "{}", page.body);
    assert!(!page.body.contains("vital-weight"), "no chart of another patient's weight");

    // Marc sees his own only.
    let mut marc_browser = Browser::new(&h);
    marc_browser.post("/sign-in", &[("email", "marc@example.org"), ("password", PASSWORD)]).await;
    let his = marc_browser.get("/me/measurements").await;
    assert_eq!(points_of(&his, "vital-heart-rate"), ["133"]);
    assert!(latest_of(&his).contains("99,9 kg"));
    assert!(!his.body.contains(">88 /min<") && !his.body.contains("128/82"), "{}", his.body);

    // Nothing measured: the empty state, no chart.
    let mut empty = Browser::new(&h);
    empty.post("/sign-in", &[("email", "sans@example.org"), ("password", PASSWORD)]).await;
    let none = empty.get("/me/measurements").await;
    assert_eq!(none.status, StatusCode::OK);
    assert_eq!(
        none.by_id("measurements-none"),
        "Aucune mesure n’a encore été enregistrée dans votre dossier."
    );
    assert!(!none.body.contains("trend-chart"));

    // A nurse has no measurements of her own: refused.
    let (mut nurse, _) = signed_in_staff(&h, "nurse@cisss.example").await;
    assert_eq!(nurse.get("/me/measurements").await.status, StatusCode::FORBIDDEN);

    // The read is on her trail of accesses to her record.
    let trail = browser.get("/me/accesses").await;
    assert!(trail.body.contains("Recherche — Observation"), "{}", trail.body);

    browser.language = Some("en");
    browser.post("/language", &[("lang", "en"), ("back", "/me/measurements")]).await;
    let english = browser.get("/me/measurements").await;
    assert!(english.body.contains("<h1>My measurements</h1>") && english.body.contains("Heart rate"));
    assert!(latest_of(&english).contains("37.2 °C"));
}
