//! The sign-in pages against a real server, on both engines, as a browser uses them (forms,
//! cookies, 303 redirects): French by default and English on request, errors next to their
//! field with what was typed kept, a nurse setting up and then using her second factor, a
//! patient's "who accessed my record", a password reset through a real SMTP server, the
//! throttle and not-found pages, and a forged cross-site form refused.

use std::time::Duration;

use relais_access::totp::{self, TotpSecret};
use relais_testkit::Engine;
use reqwest::StatusCode;

use crate::browser::{Browser, now};
use crate::support::{Harness, PASSWORD, create_user};

const PATIENT: &str = "lea.gagne@example.org";
const NURSE: &str = "infirmiere@cisss.example";

crate::both_engines!(
    http_pages_sign_in_in_french_errors_next_to_the_field_then_english,
    http_pages_nurse_sets_up_then_uses_the_second_factor,
    http_pages_patient_sees_who_accessed_the_record,
    http_pages_unknown_path_and_forged_form,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_pages_password_reset_through_smtp_sqlite() {
    password_reset(Engine::Sqlite).await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_pages_password_reset_through_smtp_postgres() {
    password_reset(Engine::Postgres).await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_pages_throttled_sign_in_is_a_translated_page() {
    let h = Harness::start_with(Engine::Sqlite, &[], &[("RELAIS_SIGN_IN_ATTEMPTS_PER_MINUTE", "2")]).await;
    let mut browser = Browser::new(&h);
    for _ in 0..2 {
        let page = browser.post("/sign-in", &[("email", PATIENT), ("password", "non")]).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let page = browser.post("/sign-in", &[("email", PATIENT), ("password", "non")]).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.body.contains("<h1>Trop de tentatives</h1>"), "{}", page.body);
    assert!(page.header("retry-after").is_some());
}

async fn http_pages_sign_in_in_french_errors_next_to_the_field_then_english(h: Harness) {
    create_user(&h, PATIENT, "patient", &["--patient-id", "lea-gagne"]);
    let mut browser = Browser::new(&h);
    let home = browser.get("/").await;
    assert_eq!((home.status, home.location.as_deref()), (StatusCode::SEE_OTHER, Some("/sign-in")));
    let page = browser.get("/sign-in").await;
    assert!(page.body.contains(r#"<html lang="fr">"#) && page.body.contains("<h1>Connexion</h1>"));

    let empty = browser.post("/sign-in", &[("email", PATIENT), ("password", "")]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert_eq!(empty.by_id("password-error"), "Ce champ est obligatoire.");
    assert!(empty.body.contains(&format!(r#"value="{PATIENT}""#)), "the email typed is kept");

    let wrong = browser.post("/sign-in", &[("email", PATIENT), ("password", "pas le bon")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.by_id("form-error").starts_with("L’adresse courriel ou le mot de passe est incorrect"));
    assert!(!wrong.body.contains("pas le bon"), "a password is never sent back");
    assert!(!browser.has_session());

    // Asked for /me/accesses, signed in, sent there.
    let signed = browser.post("/sign-in", &[("email", PATIENT), ("password", PASSWORD), ("next", "/")]).await;
    assert_eq!((signed.status, signed.location.as_deref()), (StatusCode::SEE_OTHER, Some("/")));
    assert!(browser.has_session());
    let home = browser.get("/").await;
    assert!(home.body.contains("<h1>Bonjour, Personne</h1>"), "{}", home.body);
    assert!(home.body.contains("Vos rôles : Patient"));

    // English: from the switch (remembered in a cookie), and from the browser's language.
    let switched = browser.post("/language", &[("lang", "en"), ("back", "/")]).await;
    assert_eq!((switched.status, switched.location.as_deref()), (StatusCode::SEE_OTHER, Some("/")));
    let home = browser.get("/").await;
    assert!(home.body.contains(r#"<html lang="en">"#) && home.body.contains("<h1>Hello, Personne</h1>"));
    let mut english = Browser::new(&h);
    english.language = Some("en-CA,en;q=0.9,fr;q=0.5");
    let page = english.get("/sign-in").await;
    assert!(page.body.contains("<h1>Sign in</h1>"));
    let wrong = english.post("/sign-in", &[("email", PATIENT), ("password", "nope")]).await;
    assert!(wrong.by_id("form-error").starts_with("The email address or password is wrong"));

    // A sign-in link cannot send anyone to another site.
    let mut other = Browser::new(&h);
    let away = other
        .post("/sign-in", &[("email", PATIENT), ("password", PASSWORD), ("next", "//evil.example/")])
        .await;
    assert_eq!(away.location.as_deref(), Some("/"));

    let out = browser.post("/sign-out", &[]).await;
    assert_eq!(out.location.as_deref(), Some("/sign-in?notice=signed-out"));
    assert!(!browser.has_session());
    let page = browser.get("/sign-in?notice=signed-out").await;
    assert!(page.body.contains("You are signed out."), "still in English: {}", page.body);
}

async fn http_pages_nurse_sets_up_then_uses_the_second_factor(h: Harness) {
    create_user(&h, NURSE, "nurse", &[]);
    let mut browser = Browser::new(&h);
    let password = browser.post("/sign-in", &[("email", NURSE), ("password", PASSWORD)]).await;
    assert_eq!(password.location.as_deref(), Some("/sign-in/enrol"), "staff must set up a second factor");
    let home = browser.get("/").await;
    assert_eq!(home.location.as_deref(), Some("/sign-in"), "nothing else before it is set up");

    let setup = browser.get("/sign-in/enrol").await;
    assert_eq!(setup.status, StatusCode::OK);
    assert!(setup.body.contains(r#"<svg role="img" aria-label="Code QR"#), "a QR code is drawn");
    let key = setup.by_id("totp-secret");
    let secret = TotpSecret::from_base32(&key.replace(' ', "")).unwrap();

    let wrong = browser.post("/sign-in/enrol", &[("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.by_id("code-error").starts_with("Ce code n’est pas valide"));
    assert_eq!(wrong.by_id("totp-secret"), key, "the same key is shown again");

    let code = totp::code_at(&secret, now()).unwrap();
    let done = browser.post("/sign-in/enrol", &[("code", &code)]).await;
    assert_eq!((done.status, done.location.as_deref()), (StatusCode::SEE_OTHER, Some("/")));
    let home = browser.get("/").await;
    assert!(home.body.contains("Infirmière ou infirmier"), "{}", home.body);
    browser.post("/sign-out", &[]).await;

    // Next time: password, then the code from the app.
    let password = browser.post("/sign-in", &[("email", NURSE), ("password", PASSWORD), ("next", "/")]).await;
    assert_eq!(password.location.as_deref(), Some("/sign-in/code"));
    let ask = browser.get("/sign-in/code").await;
    assert!(ask.body.contains(r#"autocomplete="one-time-code""#));
    let wrong = browser.post("/sign-in/code", &[("code", "12")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains(r#"aria-invalid="true" aria-describedby="code-hint code-error""#));
    // The code of the enrolment was used: the app's next one.
    let code = totp::code_at(&secret, now() + jiff::SignedDuration::from_secs(30)).unwrap();
    let done = browser.post("/sign-in/code", &[("code", &code), ("next", "/")]).await;
    assert_eq!(done.location.as_deref(), Some("/"));
    assert!(browser.get("/").await.body.contains("Infirmière ou infirmier"));
}

async fn http_pages_patient_sees_who_accessed_the_record(h: Harness) {
    let mine = h.create(&crate::support::patient("Gagné", "GAG-1")).await;
    let id = mine["id"].as_str().unwrap();
    create_user(&h, PATIENT, "patient", &["--patient-id", id]);
    let theirs = h.create(&crate::support::patient("Pelletier", "PEL-1")).await;
    create_user(&h, "autre@example.org", "patient", &["--patient-id", theirs["id"].as_str().unwrap()]);
    // The integration client reads her record once.
    assert_eq!(h.get(&format!("/fhir/Patient/{id}")).await.status, StatusCode::OK);

    let mut browser = Browser::new(&h);
    let asked = browser.get("/me/accesses").await;
    assert_eq!(asked.location.as_deref(), Some("/sign-in?next=%2Fme%2Faccesses"));
    let signed = browser
        .post("/sign-in", &[("email", PATIENT), ("password", PASSWORD), ("next", "/me/accesses")])
        .await;
    assert_eq!(signed.location.as_deref(), Some("/me/accesses"));
    let page = browser.get("/me/accesses").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<td>Consultation — Patient</td>"), "{}", page.body);
    // The integration that read it is named, as the operator registered it.
    assert!(page.body.contains("<td>Application « "), "{}", page.body);
    assert!(page.body.contains("<td>Effectué</td>"));

    // Another patient sees the accesses to her own record only: hers was created, never read.
    let mut other = Browser::new(&h);
    other.post("/sign-in", &[("email", "autre@example.org"), ("password", PASSWORD)]).await;
    let theirs = other.get("/me/accesses").await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(theirs.body.contains("<td>Ajout — Patient</td>"), "{}", theirs.body);
    assert!(!theirs.body.contains("<td>Consultation — Patient</td>"), "Léa’s accesses are not shown to her");

    // Staff have no record of their own here: refused, not shown one.
    create_user(&h, NURSE, "nurse", &[]);
    let (mut nurse, _) = crate::browser::signed_in_staff(&h, NURSE).await;
    let refused = nurse.get("/me/accesses").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("<h1>Accès refusé</h1>"));
}

async fn http_pages_unknown_path_and_forged_form(h: Harness) {
    create_user(&h, PATIENT, "patient", &["--patient-id", "lea-gagne"]);
    let mut browser = Browser::new(&h);
    let missing = browser.get("/nulle-part").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("<h1>Page introuvable</h1>"));
    let css = browser.get("/assets/relais.css").await;
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(css.body.contains(":focus-visible"));

    let forged = reqwest::Client::new()
        .post(format!("{}/sign-in", h.server().url))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .body(format!("email={PATIENT}&password={PASSWORD}"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(forged.headers().get("set-cookie").is_none(), "no session for a forged form");
}

async fn password_reset(engine: Engine) {
    let (sink, h) = crate::support::with_smtp_sink(engine).await;
    create_user(&h, PATIENT, "patient", &["--patient-id", "lea-gagne"]);
    let mut browser = Browser::new(&h);
    let form = browser.get("/password-reset").await;
    assert!(form.body.contains("<h1>Mot de passe oublié</h1>"));
    let invalid = browser.post("/password-reset", &[("email", "pas-une-adresse")]).await;
    assert_eq!(
        invalid.by_id("email-error"),
        "Entrez une adresse courriel valide, par exemple nom@exemple.ca."
    );
    let sent = browser.post("/password-reset", &[("email", PATIENT)]).await;
    assert_eq!(sent.status, StatusCode::OK);
    assert!(sent.body.contains("Le lien est valide 30 minutes"), "{}", sent.body);

    let mail = sink.wait_for(1, Duration::from_secs(20)).await;
    let link = mail[0].link_containing("/password-reset?token=").expect("the link");
    let path = link.strip_prefix(&h.server().url).unwrap().to_owned();
    let token = path.rsplit_once("token=").unwrap().1.to_owned();
    let choose = browser.get(&path).await;
    assert!(choose.body.contains("<h1>Choisir un nouveau mot de passe</h1>"));
    assert!(choose.body.contains(&format!(r#"name="token" value="{token}""#)));

    let new_password = "Un-nouveau-mot-de-passe-7";
    let differ = browser
        .post(
            "/password-reset/complete",
            &[("token", &token), ("password", new_password), ("confirm", "autre")],
        )
        .await;
    assert_eq!(differ.by_id("confirm-error"), "Les deux mots de passe ne sont pas identiques.");
    let short = browser
        .post("/password-reset/complete", &[("token", &token), ("password", "court"), ("confirm", "court")])
        .await;
    assert_eq!(short.by_id("password-error"), "Le mot de passe doit contenir au moins 12 caractères.");
    let done = browser
        .post(
            "/password-reset/complete",
            &[("token", &token), ("password", new_password), ("confirm", new_password)],
        )
        .await;
    assert_eq!(done.location.as_deref(), Some("/sign-in?notice=password-changed"));
    let again = browser
        .post(
            "/password-reset/complete",
            &[("token", &token), ("password", new_password), ("confirm", new_password)],
        )
        .await;
    assert!(again.by_id("form-error").starts_with("Ce lien de réinitialisation n’est plus valide"));
    let signed = browser.post("/sign-in", &[("email", PATIENT), ("password", new_password)]).await;
    assert_eq!(signed.location.as_deref(), Some("/"));
    let logs = h.server().logs().join("\n");
    assert!(!logs.contains(&token) && !logs.contains(new_password), "a secret in the logs");
}
