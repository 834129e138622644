//! Operations: health, readiness, metrics, request ids, logs, security headers, configuration,
//! graceful shutdown.

use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::both_engines;
use crate::support::{Harness, binary, patient};

both_engines!(health_readiness_and_metrics, every_response_carries_security_headers_and_a_request_id);

async fn health_readiness_and_metrics(h: Harness) {
    assert_eq!(h.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(h.get("/readyz").await.status, StatusCode::OK);
    h.create(&patient("Métrique", "MET1")).await;
    let _ = h.get("/fhir/Patient/none").await;
    let metrics = h.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    let text = metrics.text;
    assert!(
        text.contains(r#"relais_http_requests_total{method="POST",route="/fhir/{type}",status="201"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"relais_http_requests_total{method="GET",route="/fhir/{type}/{id}",status="404"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(
            "relais_http_request_duration_seconds_bucket{method=\"POST\",route=\"/fhir/{type}\",le=\"0.005\"}"
        ),
        "{text}"
    );
    assert!(text.contains("relais_db_pool_connections{engine="), "{text}");
    assert!(!text.contains("MET1") && !text.contains("/fhir/Patient/none"), "no identifiers in metrics");
}

async fn every_response_carries_security_headers_and_a_request_id(h: Harness) {
    for answer in [
        h.get("/healthz").await,
        h.get("/fhir/metadata").await,
        h.get("/fhir/Nope/1").await,
        h.post("/fhir/Patient", &json!([])).await,
    ] {
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(answer.header("x-frame-options"), Some("DENY"));
        assert_eq!(answer.header("cache-control"), Some("no-store"));
        assert!(answer.header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));
        assert!(answer.header("x-request-id").is_some_and(|id| id.len() >= 32));
    }
    let traced =
        h.send(reqwest::Method::GET, "/fhir/metadata", &[("x-request-id", "trace-me-123")], None).await;
    assert_eq!(traced.header("x-request-id"), Some("trace-me-123"), "a proxy's request id is kept");
    let statement = traced.json();
    assert_eq!(statement["resourceType"], "CapabilityStatement");
    assert_eq!(statement["fhirVersion"], "4.0.1");
    assert_eq!(statement["rest"][0]["resource"].as_array().unwrap().len(), 146);
}

/// Log lines of a request carry its id, and never the personal data it carried.
#[tokio::test]
async fn logs_carry_request_ids_and_no_health_data() {
    let h = Harness::start_with(
        relais_testkit::Engine::Sqlite,
        &["--log-level", "debug,sqlx=warn,hyper=warn"],
        &[],
    )
    .await;
    let answer = h
        .send(
            reqwest::Method::POST,
            "/fhir/Patient",
            &[("content-type", "application/fhir+json"), ("x-request-id", "req-abc-42")],
            Some(patient("Zéphirin-Unique", "SECRET-RAMQ-77").to_string()),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    let bad = h
        .send(
            reqwest::Method::POST,
            "/fhir/Patient",
            &[("content-type", "application/fhir+json"), ("x-request-id", "req-bad-43")],
            Some(json!({"resourceType": "Patient", "colour": "Zéphirin-Unique"}).to_string()),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    h.wait_for_log(|l| l.contains("req-abc-42") && l.contains("status=201")).await;
    let logs = h.wait_for_log(|l| l.contains("req-bad-43")).await;
    for line in &logs {
        assert!(
            !line.contains("Zéphirin") && !line.contains("SECRET-RAMQ"),
            "health data in the logs: {line}"
        );
    }
}

/// An unknown configuration key stops the server with a message that names it.
#[tokio::test]
async fn unknown_configuration_keys_are_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("relais.toml"), "bind = \"127.0.0.1:0\"\ncolour = \"blue\"\n").unwrap();
    let out = Command::new(binary()).arg("serve").current_dir(dir.path()).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("colour"), "{stderr}");
    let out = Command::new(binary())
        .args(["migrate"])
        .current_dir(dir.path())
        .env("RELAIS_COLOUR", "x")
        .env("RELAIS_CONFIG", "/nonexistent.toml")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent.toml"));
    let example = Command::new(binary()).args(["config", "example"]).output().unwrap();
    assert!(String::from_utf8_lossy(&example.stdout).contains("database_url = \"\""));
}

/// `relais migrate` alone prepares the database; RELAIS_DATABASE_URL and relais.toml are read.
#[tokio::test]
async fn migrate_runs_alone_and_settings_come_from_file_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("from-env.db");
    let out = Command::new(binary())
        .arg("migrate")
        .current_dir(dir.path())
        .env("RELAIS_DATABASE_URL", format!("sqlite://{}", db.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("migrations applied to the sqlite database"));
    assert!(db.exists(), "the URL from RELAIS_DATABASE_URL was used");
    std::fs::write(dir.path().join("relais.toml"), "data_dir = \"from-file\"\n").unwrap();
    let out = Command::new(binary()).arg("migrate").current_dir(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("from-file/relais.db").exists(), "data_dir from relais.toml was used");
    let out = Command::new(binary())
        .args(["migrate", "--data-dir", "from-flag"])
        .current_dir(dir.path())
        .env("RELAIS_DATA_DIR", "from-env")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        dir.path().join("from-flag/relais.db").exists() && !dir.path().join("from-env").exists(),
        "flags win over the environment"
    );
}

/// SIGTERM lets a request that is already in flight finish, then the process exits cleanly.
#[tokio::test]
async fn graceful_shutdown_finishes_in_flight_requests() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let h = Harness::start(relais_testkit::Engine::Sqlite).await;
    let address = h.server().url.trim_start_matches("http://").to_owned();
    let body = patient("Lent", "SLOW1").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /fhir/Patient HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: application/fhir+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        h.token,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let (first, rest) = body.split_at(body.len() / 2);
    stream.write_all(first.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    h.server().send_sigterm();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let mut h = h;
    let status = h.server.take().unwrap().wait();
    assert!(status.success(), "{status:?}");
    // A new connection after shutdown is refused.
    assert!(tokio::net::TcpStream::connect(&address).await.is_err());
}

/// When the database goes away, `/readyz` says so (503) while `/healthz` stays up.
#[tokio::test]
async fn readiness_follows_the_database() {
    let h = Harness::start(relais_testkit::Engine::Postgres).await;
    assert_eq!(h.get("/readyz").await.status, StatusCode::OK);
    let name = h.db.url().rsplit('/').next().unwrap().to_owned();
    let mut admin =
        <sqlx::PgConnection as sqlx::Connection>::connect(&relais_testkit::pg_admin_url()).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
        .execute(&mut admin)
        .await
        .unwrap();
    let ready = h.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE, "{}", ready.text);
    assert_eq!(h.get("/healthz").await.status, StatusCode::OK);
    let failed = h.get("/fhir/Patient/any").await;
    assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(failed.error_code(), "internal-error");
    assert!(!failed.text.contains(&name), "database details are not sent to clients: {}", failed.text);
    // The server logs the cause with the request id.
    let id = failed.header("x-request-id").unwrap().to_owned();
    h.wait_for_log(|l| l.contains(&id) && l.contains("request failed")).await;
}

/// JSON logs: one JSON object per line, and a request's lines carry its request id.
#[tokio::test]
async fn json_logs_carry_the_request_id() {
    let h = Harness::start_with(relais_testkit::Engine::Sqlite, &["--log-format", "json"], &[]).await;
    let answer =
        h.send(reqwest::Method::GET, "/fhir/Patient/absent", &[("x-request-id", "json-req-7")], None).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let logs = h.wait_for_log(|l| l.contains("json-req-7") && l.contains("404")).await;
    let lines: Vec<serde_json::Value> = logs
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let request_lines: Vec<_> = lines.iter().filter(|l| l["span"]["request_id"] == "json-req-7").collect();
    assert!(!request_lines.is_empty(), "{logs:#?}");
    assert!(request_lines.iter().any(|l| l["status"] == 404), "{request_lines:#?}");
}

/// A request slower than `request_timeout_secs` (here: a body that never finishes) is answered 408.
#[tokio::test]
async fn slow_requests_time_out() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let h = Harness::start_with(relais_testkit::Engine::Sqlite, &[], &[("RELAIS_REQUEST_TIMEOUT_SECS", "1")])
        .await;
    let address = h.server().url.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /fhir/Patient HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: application/fhir+json\r\nContent-Length: 1000\r\n\r\n{{\"resourceType\"",
        h.token
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0; 1024];
    let read =
        tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request-timeout"), "the 408 says what happened: {answer}");
    assert!(
        answer.contains("cache-control: no-store") && answer.contains("x-content-type-options: nosniff"),
        "{answer}"
    );
    assert_eq!(h.get("/fhir/Patient/_history").await.json()["entry"].as_array().unwrap().len(), 0);
}
