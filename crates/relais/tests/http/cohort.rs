//! The nurse's cohort page against a real server, on both engines: the nurse of the patient's
//! care team finds him on `/triage/cohort` (from the menu and the triage page) with his program,
//! the high alert his pulse raised, his adherence, and a trend chart of his pulse that says its
//! last value and range in words and shades his limits; another team's patient is not listed;
//! the page is in English for an English visitor; a patient may not open it.

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::{Browser, signed_in_staff};
use crate::support::{Harness, PASSWORD, create_named_user, create_user, patient};

crate::both_engines!(http_the_cohort_lists_the_nurse_s_enrolled_patients_with_their_trends);

const NURSE: &str = "lucie.gauthier@cisss.example";

async fn http_the_cohort_lists_the_nurse_s_enrolled_patients_with_their_trends(h: Harness) {
    let gerard = h.create(&patient("Roy", "ROYG-1")).await["id"].as_str().unwrap().to_owned();
    let other = h.create(&patient("Lebel", "LEBL-1")).await["id"].as_str().unwrap().to_owned();
    let nurse = h.create(&json!({"resourceType": "Practitioner", "name": [{"family": "Gauthier"}]})).await;
    let nurse_id = nurse["id"].as_str().unwrap();
    let outsider = h.create(&json!({"resourceType": "Practitioner", "name": [{"family": "Lebel"}]})).await;
    let outsider_id = outsider["id"].as_str().unwrap();
    for (patient, member) in [(&gerard, nurse_id), (&other, outsider_id)] {
        h.create(&json!({"resourceType": "CareTeam", "status": "active",
            "subject": {"reference": format!("Patient/{patient}")},
            "participant": [{"member": {"reference": format!("Practitioner/{member}")}}]}))
            .await;
    }
    create_named_user(&h, NURSE, "Lucie Gauthier", "nurse", &["--practitioner-id", nurse_id]);
    create_user(&h, "lebel@cisss.example", "nurse", &["--practitioner-id", outsider_id]);
    create_user(&h, "gerard@example.org", "patient", &["--patient-id", &gerard]);

    let (mut lucie, _) = signed_in_staff(&h, NURSE).await;
    let (mut lebel, _) = signed_in_staff(&h, "lebel@cisss.example").await;
    let empty = lucie.get("/triage/cohort").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("Aucun patient inscrit parmi ceux que vous suivez."), "{}", empty.body);
    for (browser, patient) in [(&mut lucie, &gerard), (&mut lebel, &other)] {
        let done = browser
            .post(
                &format!("/patients/{patient}/monitoring/enrol"),
                &[("program", "heart-failure"), ("devices", "")],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
    }
    // Gérard sends a pulse of 130: a high alert.
    let mut gerard_browser = Browser::new(&h);
    gerard_browser.post("/sign-in", &[("email", "gerard@example.org"), ("password", PASSWORD)]).await;
    let sent = gerard_browser.post("/my/readings/8867-4", &[("m-8867-4", "130")]).await;
    assert_eq!(sent.location.as_deref(), Some("/my/readings?done=recorded"));

    // The menu and the triage page lead to the cohort.
    let triage = lucie.get("/triage").await;
    assert!(triage.body.contains(r#"<a href="/triage/cohort">Cohorte</a>"#), "{}", triage.body);
    assert!(triage.body.contains(r#"<a href="/triage/cohort">Voir la cohorte"#));
    let page = lucie.get("/triage/cohort").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"<a href="/triage/cohort" aria-current="page">Cohorte</a>"#));
    assert!(page.body.contains(r#"<a href="/triage">Triage</a>"#), "the triage link is not the current one");
    assert!(page.body.contains(&format!(r#"id="cohort-{gerard}""#)));
    assert!(!page.body.contains(&format!(r#"id="cohort-{other}""#)), "another team's patient");
    assert!(page.body.contains(&format!(r#"<a href="/patients/{gerard}">Léa Roy</a>"#)), "{}", page.body);
    assert!(page.body.contains("<dd>Insuffisance cardiaque</dd>"));
    assert!(page.body.contains(r#"<span class="badge badge-high">Élevée</span> Pouls au-dessus de 110"#));
    assert!(page.body.contains("<dd>Non calculé par ce programme</dd>"), "heart failure scores no NEWS2");
    // Enrolled today, the pulse in: one of one expected so far.
    assert!(page.body.contains("<dd>1 sur 1 attendues (100 %)</dd>"), "{}", page.body);
    // The pulse chart: drawn, with his limits shaded, and said in words.
    let chart = format!(r#"<figure class="trend-chart" id="cohort-{gerard}-8867-4">"#);
    assert!(page.body.contains(&chart), "{}", page.body);
    assert!(page.body.contains("<title>Alerte : ≥ 111</title>"), "the program's limit > 110, as a band");
    assert!(page.body.contains("Dernière valeur : 130 /min ("), "{}", page.body);
    assert!(page.body.contains("étendue sur 7 jours : 130–130 /min ; 1 sur 1 attendues."));
    // Measurements not sent yet: said, not drawn.
    assert!(!page.body.contains(&format!(r#"id="cohort-{gerard}-29463-7""#)));
    assert!(page.body.contains("Aucune mesure sur 7 jours ; 0 sur 0 attendues."));

    // The other nurse sees her own patient only.
    let theirs = lebel.get("/triage/cohort").await;
    assert!(theirs.body.contains(&format!(r#"id="cohort-{other}""#)));
    assert!(!theirs.body.contains(&format!(r#"id="cohort-{gerard}""#)));

    // In English.
    lucie.language = Some("en");
    lucie.post("/language", &[("lang", "en"), ("back", "/triage/cohort")]).await;
    let english = lucie.get("/triage/cohort").await;
    assert!(english.body.contains("<h1>Home-monitoring cohort</h1>"), "{}", english.body);
    assert!(english.body.contains("<dd>1 of 1 expected (100%)</dd>"));
    assert!(english.body.contains("Last value: 130 /min ("));

    // Not a patient's page.
    assert_eq!(gerard_browser.get("/triage/cohort").await.status, StatusCode::FORBIDDEN);
}
