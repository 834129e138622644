//! Home monitoring through the pages against a real server, on both engines: the nurse of the
//! patient's care team enrols him from his chart (a nurse of another team is refused), sets his
//! own limit (a malformed one refused next to its field, the reason kept); the patient's
//! "My readings" lists his forms with what is due, refuses an impossible pulse next to the
//! field with the range (in French, then English), and answers a red flag with the program's
//! advice on the answer page itself; the administrator reads the programs page, a patient may
//! not, and changes a threshold (a wrong one refused on its field, then the new version written
//! to the data folder; a form made from the old version refused); the nurse discharges him.

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::{Browser, signed_in_staff};
use crate::support::{Harness, PASSWORD, create_named_user, create_user, patient, with_smtp_sink};

crate::both_engines!(http_a_nurse_enrols_and_the_patient_is_advised_at_once);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_enrolment_emails_the_patient_sqlite() {
    http_enrolment_emails_the_patient(relais_testkit::Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_enrolment_emails_the_patient_postgres() {
    http_enrolment_emails_the_patient(relais_testkit::Engine::Postgres).await;
}

const NURSE: &str = "lucie.gauthier@cisss.example";

async fn http_a_nurse_enrols_and_the_patient_is_advised_at_once(h: Harness) {
    let gerard = h.create(&patient("Roy", "ROYG-1")).await["id"].as_str().unwrap().to_owned();
    let nurse = h.create(&json!({"resourceType": "Practitioner", "name": [{"family": "Gauthier"}]})).await;
    let nurse_id = nurse["id"].as_str().unwrap();
    let outsider = h.create(&json!({"resourceType": "Practitioner", "name": [{"family": "Lebel"}]})).await;
    h.create(&json!({"resourceType": "CareTeam", "status": "active",
        "subject": {"reference": format!("Patient/{gerard}")},
        "participant": [{"member": {"reference": format!("Practitioner/{nurse_id}")}}]}))
        .await;
    create_named_user(&h, NURSE, "Lucie Gauthier", "nurse", &["--practitioner-id", nurse_id]);
    create_user(&h, "lebel@cisss.example", "nurse", &["--practitioner-id", outsider["id"].as_str().unwrap()]);
    create_user(&h, "gerard@example.org", "patient", &["--patient-id", &gerard]);
    create_user(&h, "admin@cisss.example", "administrator", &[]);

    let (mut lucie, _) = signed_in_staff(&h, NURSE).await;
    let chart = lucie.get(&format!("/patients/{gerard}")).await;
    assert!(chart.body.contains(&format!(r#"<a href="/patients/{gerard}/monitoring">"#)), "{}", chart.body);
    let page = lucie.get(&format!("/patients/{gerard}/monitoring")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"<option value="heart-failure">Insuffisance cardiaque</option>"#));
    let path = format!("/patients/{gerard}/monitoring/enrol");
    // Another team's nurse cannot enrol him: nothing is written.
    let (mut lebel, _) = signed_in_staff(&h, "lebel@cisss.example").await;
    let refused = lebel.post(&path, &[("program", "heart-failure"), ("devices", "")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "refused before anything about him is looked up");
    assert_eq!(lebel.get(&format!("/patients/{gerard}/monitoring")).await.status, StatusCode::NOT_FOUND);
    let done = lucie.post(&path, &[("program", "heart-failure"), ("devices", "BALANCE-1\nOXY-2")]).await;
    assert_eq!(
        done.location.as_deref(),
        Some(format!("/patients/{gerard}/monitoring?done=enrolled-no-address").as_str())
    );
    let page = lucie.get(&format!("/patients/{gerard}/monitoring?done=enrolled-no-address")).await;
    assert!(
        page.by_id("homecare-notice").contains("aucune invitation n’a pu lui être envoyée"),
        "his record has no email address: {}",
        page.by_id("homecare-notice")
    );
    assert_eq!(page.by_id("enrolled-program"), "Insuffisance cardiaque (v1)");
    assert_eq!(page.by_id("enrolled-devices"), "BALANCE-1, OXY-2");
    // A limit without its operator: next to the field, the reason kept.
    let overrides = format!("/patients/{gerard}/monitoring/overrides");
    let bad = lucie
        .post(&overrides, &[("rule", "hr-very-high"), ("limit", "120"), ("reason", "Bêtabloquant suspendu")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.by_id("limit-error"), "Écrivez un opérateur puis un nombre, par exemple « &#62; 120 ».");
    assert!(bad.body.contains(">Bêtabloquant suspendu</textarea>"));
    let set = lucie
        .post(
            &overrides,
            &[("rule", "hr-very-high"), ("limit", "> 120"), ("reason", "Bêtabloquant suspendu")],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    let page = lucie.get(&format!("/patients/{gerard}/monitoring")).await;
    assert!(page.body.contains("<strong>&#62; 120</strong></td><td>&#62; 110</td>"), "{}", page.body);

    // Gérard's own page: his forms, what is due.
    let mut browser = Browser::new(&h);
    browser.post("/sign-in", &[("email", "gerard@example.org"), ("password", PASSWORD)]).await;
    let mine = browser.get("/my/readings").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains(r#"aria-current="page">Mes relevés</a>"#));
    assert!(
        mine.by_id("form-8867-4-status").starts_with("À faire aujourd’hui"),
        "{}",
        mine.by_id("form-8867-4-status")
    );
    // Blood pressure: one form of two fields.
    assert!(mine.body.contains(r#"id="m-8480-6""#) && mine.body.contains(r#"id="m-8462-4""#));
    let impossible = browser.post("/my/readings/8867-4", &[("m-8867-4", "400")]).await;
    assert_eq!(impossible.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        impossible.by_id("m-8867-4-error"),
        "Cette valeur semble impossible : elle devrait être entre 20 et 250 /min. Mesurez de nouveau et vérifiez ce que vous avez tapé."
    );
    assert!(impossible.body.contains(r#"value="400""#), "what he typed is kept");
    // 115 is over the program's 110 but under his own 120: recorded, no advice.
    let fine = browser.post("/my/readings/8867-4", &[("m-8867-4", "115")]).await;
    assert_eq!(fine.location.as_deref(), Some("/my/readings?done=recorded"));
    let after = browser.get("/my/readings?done=recorded").await;
    assert!(after.by_id("form-8867-4-status").starts_with("Fait pour aujourd’hui"));
    // Very short of breath at rest: the call-911 advice on the answer itself.
    let mut answers: Vec<(&str, &str)> =
        ["q-dyspnoea", "q-orthopnoea", "q-night-breathless", "q-oedema", "q-dizziness"]
            .iter()
            .map(|q| (*q, "no"))
            .collect();
    let missing = browser.post("/my/readings/q-hf-daily", &answers).await;
    assert_eq!(missing.by_id("q-breathless-at-rest-error"), "Répondez à cette question ou tapez la valeur.");
    answers.push(("q-breathless-at-rest", "yes"));
    let advised = browser.post("/my/readings/q-hf-daily", &answers).await;
    assert_eq!(advised.status, StatusCode::OK);
    assert!(advised.body.contains("<strong>Appelez le 911 maintenant. N&#39;attendez pas l&#39;appel de l&#39;infirmière.</strong>")
        || advised.body.contains("<strong>Appelez le 911 maintenant. N&#x27;attendez pas l&#x27;appel de l&#x27;infirmière.</strong>"), "{}", advised.body);
    // In English, the range too.
    browser.language = Some("en");
    browser.post("/language", &[("lang", "en"), ("back", "/my/readings")]).await;
    let english = browser.post("/my/readings/29463-7", &[("m-29463-7", "abc")]).await;
    assert_eq!(english.by_id("m-29463-7-error"), "Type a number, for example 72 or 72.5.");
    // Not his to see: the programs page.
    assert_eq!(browser.get("/admin/programs").await.status, StatusCode::FORBIDDEN);

    let (mut admin, _) = signed_in_staff(&h, "admin@cisss.example").await;
    let programs = admin.get("/admin/programs").await;
    assert_eq!(programs.status, StatusCode::OK);
    for id in ["heart-failure", "copd", "hypertension", "diabetes", "post-operative"] {
        assert!(programs.body.contains(&format!(r#"id="program-{id}""#)), "{id}");
    }
    assert!(programs.body.contains("fourni avec Relais"));
    assert!(programs.body.contains("Call 911 now. Do not wait for the nurse to call you."));

    // The administrator changes COPD's fast-breathing threshold; the patient may not.
    assert_eq!(browser.get("/admin/programs/copd/edit").await.status, StatusCode::FORBIDDEN);
    let form = admin.get("/admin/programs/copd/edit").await;
    assert_eq!(form.status, StatusCode::OK);
    let copd = relais_clinical::program::Catalog::defaults().unwrap().get("copd").unwrap().clone();
    let i = copd.rules.iter().position(|r| r.id == "rr-high").unwrap();
    let when = format!("rules[{i}].when");
    assert!(form.body.contains(&format!(r#"name="{when}" type="text" value="&#62; 24""#)), "{}", form.body);
    let post = |version: &'static str, limit: &'static str| {
        vec![("from_version", version), (when.as_str(), limit), ("reason", "Protocole révisé")]
    };
    let refused = admin.post("/admin/programs/copd/edit", &post("1", "26")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.by_id(&format!("f-rules-{i}-when-error")).starts_with("Écrivez le seuil avec son opérateur")
    );
    assert!(refused.body.contains("Protocole révisé"), "the reason typed is kept");
    let file = h.db.dir().join("programs").join("copd.toml");
    assert!(!file.exists(), "nothing written");
    assert_eq!(
        browser.post("/admin/programs/copd/edit", &post("1", "> 26")).await.status,
        StatusCode::FORBIDDEN
    );
    let saved = admin.post("/admin/programs/copd/edit", &post("1", "> 26")).await;
    assert_eq!(saved.location.as_deref(), Some("/admin/programs?saved=copd&version=2#copd"));
    assert!(std::fs::read_to_string(&file).unwrap().contains(r#"when = "> 26""#));
    let programs = admin.get("/admin/programs?saved=copd&version=2").await;
    assert_eq!(programs.by_id("version-copd"), "2");
    assert!(programs.by_id("programs-notice").contains("version 2, en vigueur dès maintenant"));
    // Another administrator's form, made from version 1, does not undo it.
    let stale = admin.post("/admin/programs/copd/edit", &post("1", "> 30")).await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stale.by_id("form-error").starts_with("Quelqu"), "{}", stale.body);
    assert!(std::fs::read_to_string(&file).unwrap().contains(r#"when = "> 26""#));

    // Discharged: his page says he follows no program.
    let out = lucie.post(&format!("/patients/{gerard}/monitoring/discharge"), &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let none = browser.get("/my/readings").await;
    assert!(none.body.contains(r#"id="readings-none""#));
}

/// Enrolling a patient whose record has an address sends him, through the outbox and a real
/// SMTP server, his program, what to measure and how often, and the link to "My readings", in
/// French; the clinician is told so.
async fn http_enrolment_emails_the_patient(engine: relais_testkit::Engine) {
    let (sink, h) = with_smtp_sink(engine).await;
    let gerard = h
        .create(&json!({"resourceType": "Patient", "name": [{"given": ["Gérard"], "family": "Roy"}],
            "telecom": [{"system": "email", "value": "gerard@courriel.example"}]}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let nurse = h.create(&json!({"resourceType": "Practitioner", "name": [{"family": "Gauthier"}]})).await;
    let nurse_id = nurse["id"].as_str().unwrap();
    h.create(&json!({"resourceType": "CareTeam", "status": "active",
        "subject": {"reference": format!("Patient/{gerard}")},
        "participant": [{"member": {"reference": format!("Practitioner/{nurse_id}")}}]}))
        .await;
    create_named_user(&h, NURSE, "Lucie Gauthier", "nurse", &["--practitioner-id", nurse_id]);
    let (mut lucie, _) = signed_in_staff(&h, NURSE).await;
    let done = lucie
        .post(
            &format!("/patients/{gerard}/monitoring/enrol"),
            &[("program", "hypertension"), ("devices", "")],
        )
        .await;
    let back = format!("/patients/{gerard}/monitoring?done=enrolled-invited");
    assert_eq!(done.location.as_deref(), Some(back.as_str()));
    let page = lucie.get(&back).await;
    assert!(page.by_id("homecare-notice").starts_with("Le patient est inscrit. Il recevra un courriel"));

    let mail = sink.wait_for(1, std::time::Duration::from_secs(20)).await.remove(0);
    assert_eq!(mail.to, ["gerard@courriel.example"]);
    let body = mail.body().replace("\r\n", "\n");
    assert!(body.starts_with("Bonjour Gérard Roy,"), "{body}");
    assert!(body.contains("au programme de suivi à domicile « Hypertension artérielle »"), "{body}");
    assert!(
        body.contains("– Pression systolique / Pression diastolique : une fois toutes les 12 heures"),
        "{body}"
    );
    let link = mail.link_containing("/my/readings").expect("the link to My readings");
    assert_eq!(link, format!("{}/my/readings", h.server().url));
    assert!(body.contains("valable 14 jours, une seule fois"), "{body}");

    // The personal link: opening it spends nothing; a short password is refused next to the
    // field; the right one creates his account, signs him in and lands on "My readings".
    let link = mail.link_containing("/my/welcome?token=").expect("the account link");
    let path = link.strip_prefix(&h.server().url).expect("under the public URL").to_owned();
    let token = path.split_once("token=").map(|(_, t)| t.to_owned()).unwrap();
    let mut gerard_browser = Browser::new(&h);
    let form = gerard_browser.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Créer votre compte"), "{}", form.body);
    let short = gerard_browser
        .post("/my/welcome", &[("token", &token), ("password", "court"), ("confirm", "court")])
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(short.body.contains("au moins 12 caractères"), "{}", short.body);
    assert_eq!(gerard_browser.get(&path).await.status, StatusCode::OK, "nothing spent");
    let done = gerard_browser
        .post("/my/welcome", &[("token", &token), ("password", PASSWORD), ("confirm", PASSWORD)])
        .await;
    assert_eq!(done.location.as_deref(), Some("/my/readings"), "{}", done.body);
    assert!(gerard_browser.has_session());
    let readings = gerard_browser.get("/my/readings").await;
    assert_eq!(readings.status, StatusCode::OK);
    assert!(readings.body.contains("Pression systolique"), "his own forms: {}", readings.body);

    // Used: the link says so and creates nothing.
    let mut other = Browser::new(&h);
    let used = other.get(&path).await;
    assert_eq!(used.status, StatusCode::NOT_FOUND);
    assert!(used.body.contains("il a déjà servi, il a expiré ou il a été annulé"), "{}", used.body);
    let again =
        other.post("/my/welcome", &[("token", &token), ("password", PASSWORD), ("confirm", PASSWORD)]).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(!other.has_session());
}
