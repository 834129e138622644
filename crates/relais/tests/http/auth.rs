//! Authentication of the FHIR API: no interaction without a valid access token (401 with a
//! challenge), the OAuth2 client credentials grant at `/auth/token` (client authentication,
//! scope narrowing, RFC 6749 errors), tokens that lapse or come from another server, scopes
//! that limit what a token does, a person's token limited to their own record, and every token
//! request on the audit trail.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Row;

use crate::both_engines;
use crate::support::{Answer, Harness, binary, create_user, heart_rate, patient, read};

both_engines!(
    auth_every_interaction_needs_a_token,
    auth_bad_tokens_are_refused_with_a_challenge,
    auth_token_endpoint_authenticates_the_client_and_narrows_scopes,
    auth_scopes_limit_what_a_token_does,
    auth_a_patients_token_reaches_only_their_record,
    auth_token_requests_are_audited,
);

/// A request with no credentials, or with `authorization` as given.
async fn anonymous(
    h: &Harness,
    method: Method,
    path: &str,
    authorization: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let mut request = reqwest::Client::new().request(method, h.url(path));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    if let Some(body) = body {
        request = request.header("content-type", "application/fhir+json").body(body.to_string());
    }
    read(request.send().await.unwrap()).await
}

/// POST /auth/token with `form` (and HTTP Basic credentials if given).
async fn token_request(h: &Harness, basic: Option<(&str, &str)>, form: &str) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .post(h.url("/auth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_owned());
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let answer = read(request.send().await.unwrap()).await;
    (answer.status, answer.json())
}

/// A client with `scope`, and a token for it (asking for `asked`, or everything).
async fn token(h: &Harness, scope: &str, account: Option<&str>, asked: Option<&str>) -> String {
    let credentials = relais_testkit::create_client(binary(), &h.db, scope, account);
    let form = match asked {
        Some(scope) => format!("grant_type=client_credentials&scope={}", scope.replace(' ', "+")),
        None => "grant_type=client_credentials".to_owned(),
    };
    let (status, body) = token_request(h, Some((&credentials.id, &credentials.secret)), &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

async fn auth_every_interaction_needs_a_token(h: Harness) {
    let stored = h.create(&patient("Tremblay", "TREM-1")).await;
    let id = stored["id"].as_str().unwrap();
    let bundle = json!({"resourceType": "Bundle", "type": "batch", "entry": []});
    let cases = [
        (Method::GET, format!("/fhir/Patient/{id}"), None),
        (Method::GET, format!("/fhir/Patient/{id}/_history/1"), None),
        (Method::GET, "/fhir/Patient?name=Tremblay".to_owned(), None),
        (Method::GET, "/fhir/Patient/_history".to_owned(), None),
        (Method::GET, "/fhir/_history".to_owned(), None),
        (Method::POST, "/fhir/Patient".to_owned(), Some(patient("Roy", "ROY-1"))),
        (Method::PUT, format!("/fhir/Patient/{id}"), Some(patient("Roy", "ROY-1"))),
        (Method::DELETE, format!("/fhir/Patient/{id}"), None),
        (Method::POST, "/fhir".to_owned(), Some(bundle)),
    ];
    for (method, path, body) in cases {
        let answer = anonymous(&h, method.clone(), &path, None, body).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method} {path}: {}", answer.text);
        assert_eq!(answer.header("www-authenticate"), Some("Bearer realm=\"relais\""), "{method} {path}");
        assert_eq!(answer.error_code(), "authentication-required");
        assert!(!answer.text.contains("Tremblay"), "nothing of the record leaks: {}", answer.text);
    }
    // Nothing was changed by the refused writes.
    let after = h.get(&format!("/fhir/Patient/{id}")).await;
    assert_eq!(after.json()["meta"]["versionId"], "1");
    assert_eq!(h.get("/fhir/Patient?family=Roy&_total=accurate").await.json()["total"], 0);

    // Discovery stays open: a client must learn how to authenticate before it can.
    let metadata = anonymous(&h, Method::GET, "/fhir/metadata", None, None).await;
    assert_eq!(metadata.status, StatusCode::OK);
    let smart = anonymous(&h, Method::GET, "/fhir/.well-known/smart-configuration", None, None).await;
    assert_eq!(smart.status, StatusCode::OK, "{}", smart.text);
    assert_eq!(smart.json()["token_endpoint"], h.url("/auth/token"));
    assert_eq!(smart.json()["grant_types_supported"], json!(["client_credentials"]));
}

async fn auth_bad_tokens_are_refused_with_a_challenge(h: Harness) {
    let path = "/fhir/Patient?name=x";
    let malformed = anonymous(&h, Method::GET, path, Some("Token abc"), None).await;
    assert_eq!(malformed.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        malformed.header("www-authenticate"),
        Some("Bearer realm=\"relais\", error=\"invalid_request\"")
    );
    let garbage = anonymous(&h, Method::GET, path, Some("Bearer not.a.token"), None).await;
    assert_eq!(garbage.status, StatusCode::UNAUTHORIZED);
    assert_eq!(garbage.header("www-authenticate"), Some("Bearer realm=\"relais\", error=\"invalid_token\""));
    assert_eq!(garbage.error_code(), "invalid-token");

    // A token of another Relais (its own secret) is worth nothing here.
    let other = Harness::start(h.db.engine).await;
    let foreign = anonymous(&h, Method::GET, path, Some(&format!("Bearer {}", other.token)), None).await;
    assert_eq!(foreign.status, StatusCode::UNAUTHORIZED, "{}", foreign.text);
    assert_eq!(foreign.error_code(), "invalid-token");

    // A token past its lifetime.
    let short = Harness::start_with(h.db.engine, &[], &[("RELAIS_ACCESS_TOKEN_LIFETIME_SECS", "1")]).await;
    assert_eq!(short.get(path).await.status, StatusCode::OK, "valid at first");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let lapsed = short.get(path).await;
    assert_eq!(lapsed.status, StatusCode::UNAUTHORIZED);
    assert_eq!(lapsed.error_code(), "expired-token");
}

async fn auth_token_endpoint_authenticates_the_client_and_narrows_scopes(h: Harness) {
    let client =
        relais_testkit::create_client(binary(), &h.db, "system/Observation.write system/Patient.read", None);
    let grant = "grant_type=client_credentials";
    let wrong = token_request(&h, Some((&client.id, "wrong-secret")), grant).await;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.1["error"], "invalid_client");
    let unknown = token_request(&h, Some(("no-such-client", &client.secret)), grant).await;
    assert_eq!(unknown, wrong, "an unknown id and a wrong secret answer alike");
    let unsupported = token_request(&h, Some((&client.id, &client.secret)), "grant_type=password").await;
    assert_eq!(
        (unsupported.0, unsupported.1["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
    let twice = format!("{grant}&client_id={}&client_secret={}", client.id, client.secret);
    let both = token_request(&h, Some((&client.id, &client.secret)), &twice).await;
    assert_eq!(both.1["error"], "invalid_request", "two ways of authenticating at once");

    // client_secret_post works too; everything registered by default.
    let posted = token_request(&h, None, &twice).await;
    assert_eq!(posted.0, StatusCode::OK, "{}", posted.1);
    assert_eq!(posted.1["token_type"], "Bearer");
    assert_eq!(posted.1["expires_in"], 300);
    assert_eq!(posted.1["scope"], "system/Observation.write system/Patient.read");

    // Asking for more than registered yields only what is registered; nothing registered → refused.
    let asked = format!("{grant}&scope=system/Observation.write+system/Condition.read");
    let narrowed = token_request(&h, Some((&client.id, &client.secret)), &asked).await;
    assert_eq!(narrowed.1["scope"], "system/Observation.write");
    let nothing = token_request(
        &h,
        Some((&client.id, &client.secret)),
        &format!("{grant}&scope=system/Condition.read"),
    )
    .await;
    assert_eq!((nothing.0, nothing.1["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_scope")));
    let junk = token_request(&h, Some((&client.id, &client.secret)), &format!("{grant}&scope=openid")).await;
    assert_eq!(junk.1["error"], "invalid_scope");
}

async fn auth_scopes_limit_what_a_token_does(h: Harness) {
    let stored = h.create(&patient("Gagnon", "GAG-1")).await;
    let subject = format!("Patient/{}", stored["id"].as_str().unwrap());
    let gateway = format!("Bearer {}", token(&h, "system/Observation.write", None, None).await);
    let created =
        anonymous(&h, Method::POST, "/fhir/Observation", Some(&gateway), Some(heart_rate(&subject, 72)))
            .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let read_back = anonymous(&h, Method::GET, &format!("/fhir/{subject}"), Some(&gateway), None).await;
    assert_eq!(
        read_back.status,
        StatusCode::FORBIDDEN,
        "a write-only device reads nothing: {}",
        read_back.text
    );
    assert_eq!(read_back.error_code(), "insufficient-scope");
    let search = anonymous(&h, Method::GET, "/fhir/Observation?code=8867-4", Some(&gateway), None).await;
    assert_eq!(search.status, StatusCode::FORBIDDEN, "{}", search.text);
    assert_eq!(search.error_code(), "insufficient-scope");
    assert!(!search.text.contains("Gagnon"));

    // The gateway sends a message twice (If-None-Exist on its message id): stored once; the
    // second answer says it exists, with the id, but not what it holds — even when the
    // representation is asked for.
    let mut message = heart_rate(&subject, 88);
    message["identifier"] = serde_json::json!([{"system": "urn:relais:gateway", "value": "M-1"}]);
    let send = || {
        reqwest::Client::new()
            .post(h.url("/fhir/Observation"))
            .header("authorization", &gateway)
            .header("content-type", "application/fhir+json")
            .header("if-none-exist", "identifier=urn:relais:gateway|M-1")
            .header("prefer", "return=representation")
            .body(message.to_string())
            .send()
    };
    let first = read(send().await.unwrap()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let again = read(send().await.unwrap()).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.json()["resourceType"], "OperationOutcome", "{}", again.text);
    assert!(!again.text.contains("valueQuantity") && !again.text.contains("Gagnon"), "{}", again.text);
    let id = first.json()["id"].as_str().unwrap().to_owned();
    assert!(again.header("content-location").unwrap().contains(&id));

    let reader = format!("Bearer {}", token(&h, "system/*.read", None, None).await);
    let found =
        anonymous(&h, Method::GET, "/fhir/Observation?code=8867-4&_total=accurate", Some(&reader), None)
            .await;
    assert_eq!(found.json()["total"], 2, "{}", found.text);
}

async fn auth_a_patients_token_reaches_only_their_record(h: Harness) {
    let mine = h.create(&patient("Côté", "COTE-1")).await;
    let other = h.create(&patient("Roy", "ROY-2")).await;
    let (mine_id, other_id) = (mine["id"].as_str().unwrap(), other["id"].as_str().unwrap());
    h.create(&heart_rate(&format!("Patient/{mine_id}"), 64)).await;
    h.create(&heart_rate(&format!("Patient/{other_id}"), 99)).await;
    create_user(&h, "lea.cote@example.org", "patient", &["--patient-id", mine_id]);
    let bearer = format!("Bearer {}", token(&h, "patient/*.read", Some("lea.cote@example.org"), None).await);
    let own = anonymous(&h, Method::GET, &format!("/fhir/Patient/{mine_id}"), Some(&bearer), None).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    let theirs = anonymous(&h, Method::GET, &format!("/fhir/Patient/{other_id}"), Some(&bearer), None).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "another patient's record does not exist for her");
    let search = anonymous(&h, Method::GET, "/fhir/Observation?_total=accurate", Some(&bearer), None).await;
    assert_eq!(search.json()["total"], 1, "{}", search.text);
    assert!(search.text.contains("64") && !search.text.contains("Roy"));
}

async fn auth_token_requests_are_audited(h: Harness) {
    let stored = h.create(&patient("Bélanger", "BEL-1")).await;
    let id = stored["id"].as_str().unwrap();
    let client = relais_testkit::create_client(binary(), &h.db, "system/Patient.read", None);
    token_request(&h, Some((&client.id, "wrong")), "grant_type=client_credentials").await;
    let (_, granted) =
        token_request(&h, Some((&client.id, &client.secret)), "grant_type=client_credentials").await;
    let bearer = format!("Bearer {}", granted["access_token"].as_str().unwrap());
    let read = anonymous(&h, Method::GET, &format!("/fhir/Patient/{id}"), Some(&bearer), None).await;
    assert_eq!(read.status, StatusCode::OK);
    let write =
        anonymous(&h, Method::POST, "/fhir/Patient", Some(&bearer), Some(patient("Roy", "ROY-3"))).await;
    assert_eq!(write.status, StatusCode::FORBIDDEN, "read-only token");
    let rows = audit_rows(&h).await;
    let actor = format!("client:{}", client.id);
    let mine: Vec<_> =
        rows.iter().filter(|r| r.0 == actor).map(|r| (r.1.as_str(), r.2.as_str(), r.3.as_deref())).collect();
    assert_eq!(
        mine,
        [
            ("sign-in-failed", "denied", None),
            ("sign-in", "success", None),
            ("read", "success", Some(id)),
            ("create", "denied", None),
        ],
        "every exchange and every access through the API is on the trail, refusals too"
    );
    // The harness's own create is on the trail as well, about the patient it created.
    assert!(rows.iter().any(|r| r.1 == "create" && r.2 == "success" && r.3.as_deref() == Some(id)));
}

/// (actor, action, outcome, patient) of every audit record, in order.
async fn audit_rows(h: &Harness) -> Vec<(String, String, String, Option<String>)> {
    let sql = "SELECT actor, action, outcome, patient_id FROM audit_log ORDER BY seq";
    let rows: Vec<(String, String, String, Option<String>)> = match h.db.engine {
        relais_testkit::Engine::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&relais_store::audit_url(h.db.url())).await.unwrap();
            let rows = sqlx::query(sql).fetch_all(&pool).await.unwrap();
            rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect()
        }
        relais_testkit::Engine::Postgres => {
            let pool = sqlx::PgPool::connect(h.db.url()).await.unwrap();
            let rows = sqlx::query(sql).fetch_all(&pool).await.unwrap();
            rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect()
        }
    };
    rows
}
