//! `relais admin list-users | disable-user | enable-user | reset-second-factor | disable-client`
//! and `create-user --related-person-id`, the real binary against a real SQLite file and a real
//! PostgreSQL database: what the operator asks is what the store then holds, a disabled account's
//! sessions end, the last administrator cannot be disabled, a disabled API client gets no new
//! token from the running server, and every command is on the audit trail as `system:cli`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use relais_store::{NewSession, ResourceStore, StoreOptions};
use relais_testkit::{Engine, Server, TestDb};

const PASSWORD: &str = "Corr3ct-h0rse-BATTERY-9";

relais_testkit::engine_tests!(
    admin_manages_users_from_the_command_line,
    admin_disable_client_stops_new_tokens
);

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_relais"))
}

/// Exit code, stdout and stderr of `relais admin <args> --database-url …` with `stdin`.
fn admin(db: &TestDb, args: &[&str], stdin: &str) -> (Option<i32>, String, String) {
    let mut child = Command::new(binary())
        .arg("admin")
        .args(args)
        .args(["--database-url", db.url()])
        .current_dir(db.dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD), "the password in the output");
    (out.status.code(), stdout, stderr)
}

fn create(db: &TestDb, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["create-user"];
    all.extend_from_slice(args);
    admin(db, &all, &format!("{PASSWORD}\n"))
}

async fn open(db: &TestDb) -> Arc<dyn ResourceStore> {
    relais_store::open(db.url(), &StoreOptions::default()).await.unwrap()
}

/// The list-users line of `email`, split on tabs.
fn listed(db: &TestDb, email: &str) -> Vec<String> {
    let (code, out, err) = admin(db, &["list-users"], "");
    assert_eq!(code, Some(0), "{err}");
    let line = out.lines().find(|l| l.split('\t').nth(1) == Some(email)).unwrap_or_else(|| panic!("{out}"));
    line.split('\t').map(str::to_owned).collect()
}

async fn admin_manages_users_from_the_command_line(engine: Engine) {
    let db = TestDb::new(engine).await;
    let (code, _, err) =
        create(&db, &["--email", "admin@example.org", "--name", "Admin", "--role", "administrator"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, _, err) = create(&db, &["--email", "nurse@example.org", "--name", "Inf", "--role", "nurse"]);
    assert_eq!(code, Some(0), "{err}");

    // A caregiver account needs its RelatedPerson, and keeps it.
    let caregiver = ["--email", "fille@example.org", "--name", "Fille", "--role", "caregiver"];
    let (code, _, err) = create(&db, &caregiver);
    assert_eq!(code, Some(1));
    assert!(err.contains("needs --related-person-id"), "{err}");
    let (code, _, err) =
        create(&db, &[&caregiver[..], &["--related-person-id", "daughter", "--locale", "en"][..]].concat());
    assert_eq!(code, Some(0), "{err}");
    let store = open(&db).await;
    let fille = store.account_by_email("fille@example.org").await.unwrap().unwrap();
    assert_eq!((fille.related_person_id.as_deref(), fille.locale.as_deref()), (Some("daughter"), Some("en")));

    // The nurse has a second factor and a session open.
    let nurse = store.account_by_email("nurse@example.org").await.unwrap().unwrap();
    store.confirm_totp(&nurse.id, "v1.sealed", 1).await.unwrap();
    let session = NewSession {
        token_hash: "h-nurse".into(),
        account_id: nurse.id.clone(),
        stage: "full".into(),
        created_at: "2026-11-26T06:00:00Z".parse().unwrap(),
        expires_at: "2099-01-01T00:00:00Z".parse().unwrap(),
    };
    store.create_session(&session).await.unwrap();
    store.close().await;
    let line = listed(&db, "nurse@example.org");
    assert_eq!(line[0], nurse.id);
    assert_eq!(line[2..], ["nurse", "active", "2fa", "Inf"]);
    assert_eq!(listed(&db, "fille@example.org")[2..4], ["caregiver", "active"]);

    let (code, out, err) = admin(&db, &["reset-second-factor", "NURSE@example.org"], "");
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("second factor removed"), "{out}");
    assert_eq!(listed(&db, "nurse@example.org")[4], "no-2fa");

    let (code, out, err) = admin(&db, &["disable-user", "nurse@example.org"], "");
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("disabled user") && out.contains("nurse@example.org"), "{out}");
    assert_eq!(listed(&db, "nurse@example.org")[3], "disabled");
    let store = open(&db).await;
    assert!(store.session("h-nurse").await.unwrap().unwrap().revoked_at.is_some(), "her session ended");
    store.close().await;
    let (code, _, err) = admin(&db, &["enable-user", "nurse@example.org"], "");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(listed(&db, "nurse@example.org")[3], "active");

    // Refusals: an unknown email, and disabling the only administrator.
    let (code, _, err) = admin(&db, &["disable-user", "nobody@example.org"], "");
    assert_eq!(code, Some(1));
    assert!(err.contains("no account has the email nobody@example.org"), "{err}");
    let (code, _, err) = admin(&db, &["disable-user", "admin@example.org"], "");
    assert_eq!(code, Some(1));
    assert!(err.contains("last-administrator"), "{err}");
    assert_eq!(listed(&db, "admin@example.org")[3], "active");

    let store = open(&db).await;
    let trail = store.audit_records(0, 100).await.unwrap();
    store.close().await;
    let ours: Vec<(&str, &str)> = trail
        .iter()
        .filter(|r| r.action != "account-list")
        .map(|r| (r.action.as_str(), r.outcome.code()))
        .collect();
    assert_eq!(
        ours,
        [
            ("account-create", "success"),
            ("account-create", "success"),
            ("account-create", "failed"),
            ("account-create", "success"),
            ("account-reset-second-factor", "success"),
            ("account-disable", "success"),
            ("account-enable", "success"),
            ("account-disable", "denied"),
        ]
    );
    assert!(trail.iter().all(|r| r.actor == "system:cli"));
}

async fn admin_disable_client_stops_new_tokens(engine: Engine) {
    let db = TestDb::new(engine).await;
    let credentials = relais_testkit::create_client(binary(), &db, "system/Observation.read", None);
    let server = Server::start(binary(), &db, &[], &[]);
    relais_testkit::access_token(&server.url, &credentials).await;

    let (code, out, err) = admin(&db, &["disable-client", &credentials.id], "");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.trim(), format!("disabled client {} (it gets no new token)", credentials.id));
    let refused = reqwest::Client::new()
        .post(format!("{}/auth/token", server.url))
        .basic_auth(&credentials.id, Some(&credentials.secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");

    let (code, out, _) = admin(&db, &["disable-client", &credentials.id], "");
    assert_eq!(code, Some(0));
    assert!(out.contains("was already disabled"), "{out}");
    let (code, _, err) = admin(&db, &["disable-client", "no-such-client"], "");
    assert_eq!(code, Some(1));
    assert!(err.contains("no client has the id no-such-client"), "{err}");

    let store = open(&db).await;
    let trail = store.audit_records(0, 100).await.unwrap();
    store.close().await;
    let disables: Vec<(&str, Option<&str>, &str)> = trail
        .iter()
        .filter(|r| r.action == "client-disable")
        .map(|r| (r.actor.as_str(), r.resource_id.as_deref(), r.outcome.code()))
        .collect();
    let id = credentials.id.as_str();
    assert_eq!(
        disables,
        [
            ("system:cli", Some(id), "success"),
            ("system:cli", Some(id), "success"),
            ("system:cli", Some("no-such-client"), "failed")
        ]
    );
    server.kill();
}
