//! A server per test, and a client that speaks FHIR JSON to it.

use std::path::Path;

use relais_testkit::{Engine, Server, TestDb};
use reqwest::{Method, Response, StatusCode};
use serde_json::Value;

pub const FHIR_JSON: &str = "application/fhir+json";

/// Generates one `#[tokio::test]` per engine for an `async fn(Harness)`.
#[macro_export]
macro_rules! both_engines {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$case($crate::support::Harness::start(relais_testkit::Engine::Sqlite).await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$case($crate::support::Harness::start(relais_testkit::Engine::Postgres).await).await;
            }
        }
    )*};
}

pub fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_relais"))
}

/// A fresh database, a server on it, and a client authenticated as a system client with every
/// scope (`system/*.*`), as an integration engine would be.
pub struct Harness {
    pub db: TestDb,
    pub server: Option<Server>,
    pub http: reqwest::Client,
    /// The access token `http` presents.
    pub token: String,
    credentials: relais_testkit::ClientCredentials,
}

/// A response read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The stable error code of the first OperationOutcome issue.
    pub fn error_code(&self) -> String {
        let oo = self.json();
        assert_eq!(oo["resourceType"], "OperationOutcome", "{}", self.text);
        oo["issue"][0]["details"]["coding"][0]["code"].as_str().unwrap_or_default().to_owned()
    }
}

impl Harness {
    pub async fn start(engine: Engine) -> Harness {
        Self::start_with(engine, &[], &[]).await
    }

    pub async fn start_with(engine: Engine, args: &[&str], env: &[(&str, &str)]) -> Harness {
        let db = TestDb::new(engine).await;
        let credentials = relais_testkit::create_client(binary(), &db, "system/*.*", None);
        let server = Server::start(binary(), &db, args, env);
        let token = relais_testkit::access_token(&server.url, &credentials).await;
        Harness { db, server: Some(server), http: authorized(&token), token, credentials }
    }

    pub fn server(&self) -> &Server {
        self.server.as_ref().expect("server running")
    }

    /// Kills the server (SIGKILL) and starts a new one on the same database, with a new token
    /// (the new server listens on another port, so its URL, the tokens' issuer, changed).
    pub async fn restart_after_kill(&mut self) {
        if let Some(server) = self.server.take() {
            server.kill();
        }
        let server = Server::start(binary(), &self.db, &[], &[]);
        self.token = relais_testkit::access_token(&server.url, &self.credentials).await;
        self.http = authorized(&self.token);
        self.server = Some(server);
    }

    /// Waits (up to 10 s) until a log line satisfies `wanted`; returns every line so far.
    pub async fn wait_for_log(&self, wanted: impl Fn(&str) -> bool) -> Vec<String> {
        for _ in 0..200 {
            let logs = self.server().logs();
            if logs.iter().any(|l| wanted(l)) {
                return logs;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no such log line in:\n{}", self.server().logs().join("\n"));
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server().url)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Answer {
        let mut request = self.http.request(method, self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        read(request.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, &[], None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(Method::POST, path, &[("content-type", FHIR_JSON)], Some(body.to_string())).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        self.send(Method::PUT, path, &[("content-type", FHIR_JSON)], Some(body.to_string())).await
    }

    /// PUT with `If-Match: {etag}`.
    pub async fn put_if_match(&self, path: &str, body: &Value, etag: &str) -> Answer {
        self.send(
            Method::PUT,
            path,
            &[("content-type", FHIR_JSON), ("if-match", etag)],
            Some(body.to_string()),
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, &[], None).await
    }

    /// Creates a resource and returns it as stored.
    pub async fn create(&self, resource: &Value) -> Value {
        let t = resource["resourceType"].as_str().expect("resourceType");
        let answer = self.post(&format!("/fhir/{t}"), resource).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        answer.json()
    }
}

/// A local SMTP sink and a server sending its email there.
pub async fn with_smtp_sink(engine: relais_testkit::Engine) -> (relais_testkit::SmtpSink, Harness) {
    let sink = relais_testkit::SmtpSink::start().await;
    let port = sink.port.to_string();
    let env = [
        ("RELAIS_SMTP_HOST", "127.0.0.1"),
        ("RELAIS_SMTP_PORT", port.as_str()),
        ("RELAIS_SMTP_SECURITY", "none"),
    ];
    let h = Harness::start_with(engine, &[], &env).await;
    (sink, h)
}

/// The password every test account is created with.
pub const PASSWORD: &str = "Bonjour-le-monde-42";

/// Creates an account with `role` (and `extra` flags such as `--patient-id P`) with the real
/// `relais admin create-user`, the password on standard input as an operator types it.
pub fn create_user(h: &Harness, email: &str, role: &str, extra: &[&str]) {
    create_named_user(h, email, "Personne", role, extra);
}

/// [`create_user`] with the person's display name.
pub fn create_named_user(h: &Harness, email: &str, name: &str, role: &str, extra: &[&str]) {
    use std::io::Write;
    let mut child = std::process::Command::new(binary())
        .args(["admin", "create-user", "--database-url", h.db.url(), "--email", email, "--name", name])
        .args(["--role", role])
        .args(extra)
        .current_dir(h.db.dir())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("relais admin create-user");
    child.stdin.take().expect("stdin").write_all(format!("{PASSWORD}\n").as_bytes()).expect("password");
    let out = child.wait_with_output().expect("create-user exits");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// An access token of a client acting for the account `email` with `scope`.
pub async fn person_token(h: &Harness, email: &str, scope: &str) -> String {
    let credentials = relais_testkit::create_client(binary(), &h.db, scope, Some(email));
    relais_testkit::access_token(&h.server().url, &credentials).await
}

/// A client that presents `token` with every request.
fn authorized(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let bearer = format!("Bearer {token}").parse().expect("header value");
    headers.insert(reqwest::header::AUTHORIZATION, bearer);
    reqwest::Client::builder().default_headers(headers).build().expect("HTTP client")
}

pub async fn read(response: Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("response body");
    Answer { status, headers, text }
}

/// A patient with a name and an identifier.
pub fn patient(family: &str, identifier: &str) -> Value {
    serde_json::json!({
        "resourceType": "Patient",
        "identifier": [{"system": "https://relais.example/ramq", "value": identifier}],
        "name": [{"family": family, "given": ["Léa"]}],
        "birthDate": "1948-03-14"
    })
}

/// A heart-rate observation for `patient_ref`.
pub fn heart_rate(patient_ref: &str, value: u32) -> Value {
    serde_json::json!({
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4", "display": "Heart rate"}]},
        "subject": {"reference": patient_ref},
        "effectiveDateTime": "2026-11-25T08:00:00-05:00",
        "valueQuantity": {"value": value, "unit": "beats/minute", "system": "http://unitsofmeasure.org", "code": "/min"}
    })
}

/// The resource without the elements the server owns, for comparisons.
pub fn without_server_fields(mut resource: Value) -> Value {
    if let Some(map) = resource.as_object_mut() {
        map.remove("id");
        if let Some(Value::Object(meta)) = map.get_mut("meta") {
            meta.remove("versionId");
            meta.remove("lastUpdated");
            if meta.is_empty() {
                map.remove("meta");
            }
        }
    }
    resource
}
