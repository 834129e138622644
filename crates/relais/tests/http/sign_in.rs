//! Signing in over HTTP against a real server, on both engines, with accounts made by
//! `relais admin create-user`: the session cookie and its flags, a patient without and a nurse
//! with a second factor (set up, then used; a wrong code refused), lock-out, an idle session
//! ending, sign-out everywhere, a password reset through a real SMTP server, and a cross-site
//! POST refused.

use std::time::Duration;

use relais_access::totp::{self, TotpSecret};
use relais_testkit::Engine;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{Harness, PASSWORD, create_user};

const PATIENT: &str = "lea.gagne@example.org";
/// The Patient id the patient account is linked to (a patient account needs one; the sign-in
/// tests read no record, so it need not exist).
const PATIENT_RECORD: &str = "lea-gagne";
const NURSE: &str = "infirmiere@cisss.example";

crate::both_engines!(
    http_sign_in_without_second_factor_sets_a_session_cookie,
    http_sign_in_with_totp_enrolment_then_code,
    http_sign_in_wrong_code_is_refused_with_its_field,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_lock_out_sqlite() {
    lock_out(Engine::Sqlite).await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_lock_out_postgres() {
    lock_out(Engine::Postgres).await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_throttled_per_address_sqlite() {
    throttled_per_address(Engine::Sqlite).await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_throttled_per_address_postgres() {
    throttled_per_address(Engine::Postgres).await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_idle_session_ends_sqlite() {
    idle_session_ends(Engine::Sqlite).await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_idle_session_ends_postgres() {
    idle_session_ends(Engine::Postgres).await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_password_reset_through_smtp_sqlite() {
    password_reset(Engine::Sqlite).await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_password_reset_through_smtp_postgres() {
    password_reset(Engine::Postgres).await;
}

crate::both_engines!(
    http_sign_out_everywhere_ends_every_session,
    http_cross_site_post_is_refused,
    http_a_session_reaches_the_fhir_api_as_its_person,
);

/// A client as a browser is: no access token, cookies only where the test sets them.
fn browser() -> reqwest::Client {
    reqwest::Client::new()
}

/// The wall clock, as the server reads it.
fn now() -> jiff::Timestamp {
    use relais_core::Clock;
    relais_core::SystemClock.now()
}

/// A POST of form fields, with the session cookie if given; answers (status, JSON or Null,
/// the cookie value set, the whole Set-Cookie line).
async fn post(h: &Harness, path: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Reply {
    let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let mut request = browser()
        .post(format!("{}{path}", h.server().url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(cookie) = cookie {
        request = request.header("cookie", format!("relais-session={cookie}"));
    }
    reply(request.send().await.unwrap()).await
}

async fn session(h: &Harness, cookie: &str) -> Reply {
    let request = browser()
        .get(format!("{}/auth/session", h.server().url))
        .header("cookie", format!("relais-session={cookie}"));
    reply(request.send().await.unwrap()).await
}

struct Reply {
    status: StatusCode,
    json: Value,
    set_cookie: Option<String>,
}

impl Reply {
    fn cookie(&self) -> String {
        let line = self.set_cookie.as_deref().unwrap_or_else(|| panic!("no cookie set: {:?}", self.json));
        line.split(';').next().unwrap().split_once('=').unwrap().1.to_owned()
    }
}

async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let set_cookie = response.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply { status, json, set_cookie }
}

async fn sign_in(h: &Harness, email: &str, password: &str) -> Reply {
    post(h, "/auth/sign-in", &[("email", email), ("password", password)], None).await
}

async fn http_sign_in_without_second_factor_sets_a_session_cookie(h: Harness) {
    create_user(&h, PATIENT, "patient", &["--patient-id", PATIENT_RECORD]);
    let signed_in = sign_in(&h, PATIENT, PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{:?}", signed_in.json);
    assert_eq!(signed_in.json["stage"], "full");
    let line = signed_in.set_cookie.clone().unwrap();
    assert!(line.starts_with("relais-session="), "{line}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(line.contains(flag), "{flag} missing: {line}");
    }
    let max_age: u64 = line.split("Max-Age=").nth(1).unwrap().split(';').next().unwrap().parse().unwrap();
    assert!((43_190..=43_200).contains(&max_age), "the cookie lasts as long as the session (12 h): {line}");
    assert!(!line.contains("Secure"), "the test server is plain http: {line}");
    let cookie = signed_in.cookie();
    let current = session(&h, &cookie).await;
    assert_eq!((current.status, current.json["stage"].as_str()), (StatusCode::OK, Some("full")));

    let out = post(&h, "/auth/sign-out", &[], Some(&cookie)).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.set_cookie.unwrap().contains("Max-Age=0"), "the cookie is dropped");
    let after = session(&h, &cookie).await;
    assert_eq!(
        (after.status, after.json["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("session-invalid"))
    );
}

/// The nurse sets up her second factor; answers her secret.
async fn enrol_nurse(h: &Harness) -> TotpSecret {
    create_user(h, NURSE, "nurse", &[]);
    let first = sign_in(h, NURSE, PASSWORD).await;
    assert_eq!(first.json["stage"], "enrol-only", "staff need a second factor");
    let enrol = post(h, "/auth/totp/enrol", &[], Some(&first.cookie())).await;
    assert_eq!(enrol.status, StatusCode::OK, "{:?}", enrol.json);
    let uri = enrol.json["otpauthUri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Relais:infirmiere%40cisss.example?"), "{uri}");
    let secret = TotpSecret::from_base32(enrol.json["secret"].as_str().unwrap()).unwrap();
    let code = totp::code_at(&secret, now()).unwrap();
    let confirmed = post(h, "/auth/totp/enrol/confirm", &[("code", &code)], Some(&first.cookie())).await;
    assert_eq!((confirmed.status, confirmed.json["stage"].as_str()), (StatusCode::OK, Some("full")));
    assert_ne!(confirmed.cookie(), first.cookie(), "a new session after the second factor");
    assert_eq!(session(h, &first.cookie()).await.status, StatusCode::UNAUTHORIZED);
    secret
}

async fn http_sign_in_with_totp_enrolment_then_code(h: Harness) {
    let secret = enrol_nurse(&h).await;
    let pending = sign_in(&h, NURSE, PASSWORD).await;
    assert_eq!(pending.json["stage"], "second-factor");
    // The next step's code: the current one was spent confirming the enrolment.
    let code = totp::code_at(&secret, now() + jiff::SignedDuration::from_secs(30)).unwrap();
    let done = post(&h, "/auth/second-factor", &[("code", &code)], Some(&pending.cookie())).await;
    assert_eq!((done.status, done.json["stage"].as_str()), (StatusCode::OK, Some("full")), "{:?}", done.json);
    assert_eq!(session(&h, &done.cookie()).await.json["stage"], "full");
}

async fn http_sign_in_wrong_code_is_refused_with_its_field(h: Harness) {
    let secret = enrol_nurse(&h).await;
    let pending = sign_in(&h, NURSE, PASSWORD).await;
    let right = totp::code_at(&secret, now()).unwrap();
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    let refused = post(&h, "/auth/second-factor", &[("code", &wrong)], Some(&pending.cookie())).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.json, serde_json::json!({"error": "second-factor-invalid", "field": "code"}));
    assert_eq!(
        session(&h, &pending.cookie()).await.json["stage"],
        "second-factor",
        "still waiting for the code"
    );
}

async fn lock_out(engine: Engine) {
    let h = Harness::start_with(engine, &[], &[("RELAIS_SIGN_IN_LOCK_AFTER", "3")]).await;
    create_user(&h, PATIENT, "patient", &["--patient-id", PATIENT_RECORD]);
    let unknown = sign_in(&h, "personne@example.org", PASSWORD).await;
    for _ in 0..3 {
        let wrong = sign_in(&h, PATIENT, "pas-le-bon-mot-de-passe").await;
        assert_eq!((wrong.status, &wrong.json), (unknown.status, &unknown.json), "one answer for both");
    }
    let locked = sign_in(&h, PATIENT, PASSWORD).await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED);
    assert_eq!(locked.json, serde_json::json!({"error": "sign-in-failed"}));
    assert!(locked.set_cookie.is_none());
}

async fn throttled_per_address(engine: Engine) {
    let h = Harness::start_with(engine, &[], &[("RELAIS_SIGN_IN_ATTEMPTS_PER_MINUTE", "2")]).await;
    create_user(&h, PATIENT, "patient", &["--patient-id", PATIENT_RECORD]);
    for email in ["a@example.org", "b@example.org"] {
        assert_eq!(sign_in(&h, email, PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    }
    // A third try within the minute, even with the right password, waits.
    let response = browser()
        .post(format!("{}/auth/sign-in", h.server().url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("email={PATIENT}&password={PASSWORD}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"error": "too-many-attempts"}));
    // Reading the session is not throttled.
    assert_eq!(session(&h, "none").await.status, StatusCode::UNAUTHORIZED);
}

async fn idle_session_ends(engine: Engine) {
    let h = Harness::start_with(engine, &[], &[("RELAIS_SESSION_IDLE_SECS", "2")]).await;
    create_user(&h, PATIENT, "patient", &["--patient-id", PATIENT_RECORD]);
    let cookie = sign_in(&h, PATIENT, PASSWORD).await.cookie();
    assert_eq!(session(&h, &cookie).await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let expired = session(&h, &cookie).await;
    assert_eq!(
        (expired.status, expired.json["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("session-invalid"))
    );
}

async fn http_sign_out_everywhere_ends_every_session(h: Harness) {
    create_user(&h, PATIENT, "patient", &["--patient-id", PATIENT_RECORD]);
    let phone = sign_in(&h, PATIENT, PASSWORD).await.cookie();
    let laptop = sign_in(&h, PATIENT, PASSWORD).await.cookie();
    let everywhere = post(&h, "/auth/sign-out-everywhere", &[], Some(&laptop)).await;
    assert_eq!((everywhere.status, everywhere.json["ended"].as_u64()), (StatusCode::OK, Some(2)));
    for cookie in [&phone, &laptop] {
        assert_eq!(session(&h, cookie).await.status, StatusCode::UNAUTHORIZED);
    }
}

async fn password_reset(engine: Engine) {
    let (sink, h) = crate::support::with_smtp_sink(engine).await;
    create_user(&h, PATIENT, "patient", &["--patient-id", PATIENT_RECORD]);
    let old_session = sign_in(&h, PATIENT, PASSWORD).await.cookie();
    let unknown = post(&h, "/auth/password-reset", &[("email", "personne@example.org")], None).await;
    let known = post(&h, "/auth/password-reset", &[("email", PATIENT)], None).await;
    assert_eq!((known.status, &known.json), (StatusCode::ACCEPTED, &unknown.json), "one answer for both");

    let mail = sink.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(mail.len(), 1, "exactly one message, to the account");
    assert_eq!(mail[0].to, [PATIENT]);
    let link = mail[0].link_containing("/password-reset?token=").expect("the link");
    assert!(link.starts_with(&format!("{}/password-reset?token=", h.server().url)), "{link}");
    let token = link.rsplit_once("token=").unwrap().1.to_owned();

    let new_password = "Un-nouveau-mot-de-passe-7";
    let short =
        post(&h, "/auth/password-reset/complete", &[("token", &token), ("password", "court")], None).await;
    assert_eq!(short.json, serde_json::json!({"error": "password-too-short", "field": "password"}));
    let done =
        post(&h, "/auth/password-reset/complete", &[("token", &token), ("password", new_password)], None)
            .await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.json);
    assert_eq!(session(&h, &old_session).await.status, StatusCode::UNAUTHORIZED, "signed out everywhere");
    assert_eq!(sign_in(&h, PATIENT, new_password).await.status, StatusCode::OK);
    let again =
        post(&h, "/auth/password-reset/complete", &[("token", &token), ("password", new_password)], None)
            .await;
    assert_eq!(again.json, serde_json::json!({"error": "reset-token-invalid", "field": "token"}));
    let logs = h.server().logs().join("\n");
    assert!(!logs.contains(&token) && !logs.contains(PASSWORD), "a secret in the logs");
}

async fn http_cross_site_post_is_refused(h: Harness) {
    create_user(&h, PATIENT, "patient", &["--patient-id", PATIENT_RECORD]);
    let url = format!("{}/auth/sign-in", h.server().url);
    let form = format!("email={PATIENT}&password={PASSWORD}");
    let send = |headers: &'static [(&'static str, &'static str)]| {
        let mut request = browser()
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.clone());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        async move { reply(request.send().await.unwrap()).await }
    };
    for headers in [
        &[("sec-fetch-site", "cross-site"), ("origin", "https://evil.example")][..],
        &[("origin", "https://evil.example")][..],
    ] {
        let refused = send(headers).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert_eq!(refused.json, serde_json::json!({"error": "csrf-rejected"}));
        assert!(refused.set_cookie.is_none(), "no session for a forged request");
    }
    // The same form from the page itself, and a request authenticated by a bearer token, pass.
    assert_eq!(send(&[("sec-fetch-site", "same-origin")]).await.status, StatusCode::OK);
    let bearer = send(&[("sec-fetch-site", "cross-site"), ("authorization", "Bearer abc")]).await;
    assert_eq!(bearer.status, StatusCode::OK, "not cookie-authenticated: no CSRF check");
}

/// A signed-in patient's browser reads her own record through the FHIR API with its session
/// cookie — and only hers; a cross-site write with the cookie is refused; signed out, nothing.
async fn http_a_session_reaches_the_fhir_api_as_its_person(h: Harness) {
    let mine = h.create(&crate::support::patient("Lavoie", "LAV-1")).await;
    let other = h.create(&crate::support::patient("Pelletier", "PEL-1")).await;
    let mine_id = mine["id"].as_str().unwrap();
    create_user(&h, PATIENT, "patient", &["--patient-id", mine_id]);
    let cookie = sign_in(&h, PATIENT, PASSWORD).await.cookie();
    let get = |path: String, cookie: Option<String>| {
        let mut request = browser().get(format!("{}/fhir/{path}", h.server().url));
        if let Some(cookie) = cookie {
            request = request.header("cookie", format!("relais-session={cookie}"));
        }
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(get(format!("Patient/{mine_id}"), Some(cookie.clone())).await, StatusCode::OK);
    let theirs = format!("Patient/{}", other["id"].as_str().unwrap());
    assert_eq!(get(theirs, Some(cookie.clone())).await, StatusCode::NOT_FOUND, "another patient's record");
    let forged = browser()
        .put(format!("{}/fhir/Patient/{mine_id}", h.server().url))
        .header("cookie", format!("relais-session={cookie}"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/fhir+json")
        .body(crate::support::patient("Lavoie", "LAV-2").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN, "a cross-site write riding on the cookie");
    assert_eq!(h.get(&format!("/fhir/Patient/{mine_id}")).await.json()["meta"]["versionId"], "1");
    post(&h, "/auth/sign-out", &[], Some(&cookie)).await;
    assert_eq!(get(format!("Patient/{mine_id}"), Some(cookie)).await, StatusCode::UNAUTHORIZED);
}
