//! `relais audit verify`, the real binary against a real SQLite file and a real PostgreSQL
//! database: an intact trail prints its count and head (exit 0); a record changed or removed
//! behind Relais's back (its triggers dropped first) is named (exit 1); `--expect-head` catches
//! what the chain alone cannot — the newest records removed, the tail re-sealed. No output ever
//! shows a patient id.

// Test code: a failed unwrap is a failed test, with its line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;
use std::sync::Arc;

use relais_access::audit::{AuditDraft, Outcome, action};
use relais_store::{ResourceStore, StoreOptions};
use relais_testkit::{Engine, TestDb};
use sqlx::Connection;

/// Every test record's patient id starts with this; no output may contain it.
const PATIENT: &str = "PATIENT-7Q4X";

relais_testkit::engine_tests!(
    audit_verify_intact_trail_prints_count_and_head,
    audit_verify_names_a_changed_record,
    audit_verify_names_a_removed_record,
    audit_verify_expect_head_catches_removed_newest_and_resealed_tail,
    audit_verify_reads_past_one_page_and_reports_the_first_break,
);

/// A migrated database holding `n` audit records; the store is closed again (the binary opens
/// its own).
async fn trail(engine: Engine, n: u64) -> TestDb {
    let db = TestDb::new(engine).await;
    let store = open(&db).await;
    store.migrate().await.unwrap();
    append(&store, 1..=n).await;
    store.close().await;
    db
}

async fn open(db: &TestDb) -> Arc<dyn ResourceStore> {
    relais_store::open(db.url(), &StoreOptions::default()).await.unwrap()
}

async fn append(store: &Arc<dyn ResourceStore>, numbers: std::ops::RangeInclusive<u64>) {
    for n in numbers {
        store
            .append_audit(AuditDraft {
                recorded: 1_795_000_000_000_000 + i64::try_from(n).unwrap(),
                actor: format!("nurse-{}", n % 3),
                on_behalf_of: None,
                action: if n.is_multiple_of(2) { action::SEARCH } else { action::READ }.to_owned(),
                outcome: Outcome::Success,
                resource_type: Some("Observation".to_owned()),
                resource_id: Some(format!("obs-{n}")),
                patient_id: Some(format!("{PATIENT}-{n}")),
                query: n.is_multiple_of(2).then(|| format!("patient={PATIENT}-{n}&code=8867-4")),
                source_address: Some("198.51.100.20".to_owned()),
                purpose: None,
                break_glass: false,
            })
            .await
            .unwrap();
    }
}

/// `(seq, hash)` of the last record.
async fn head(db: &TestDb) -> (u64, String) {
    let store = open(db).await;
    let head = store.audit_head().await.unwrap().expect("a head");
    store.close().await;
    head
}

/// Runs SQL on the database behind Relais's back, first dropping the append-only triggers.
async fn tamper(db: &TestDb, sql: &'static str) {
    let drops: [&'static str; 2] = match db.engine {
        Engine::Sqlite => {
            ["DROP TRIGGER IF EXISTS audit_log_no_update", "DROP TRIGGER IF EXISTS audit_log_no_delete"]
        }
        Engine::Postgres => [
            "DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log",
            "DROP TRIGGER IF EXISTS audit_log_no_delete ON audit_log",
        ],
    };
    for statement in drops.into_iter().chain([sql]) {
        match db.engine {
            Engine::Sqlite => {
                let mut conn =
                    sqlx::SqliteConnection::connect(&relais_store::audit_url(db.url())).await.unwrap();
                sqlx::query(statement).execute(&mut conn).await.unwrap();
                conn.close().await.unwrap();
            }
            Engine::Postgres => {
                let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
                sqlx::query(statement).execute(&mut conn).await.unwrap();
                conn.close().await.unwrap();
            }
        }
    }
}

/// What one run of `relais audit verify` showed.
struct Run {
    ok: bool,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `relais audit verify --database-url … [extra]` in the database's folder, and checks
/// that no patient id shows anywhere in what it printed.
fn verify(db: &TestDb, extra: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(["audit", "verify", "--database-url", db.url()])
        .args(extra)
        .current_dir(db.dir())
        .output()
        .unwrap();
    let run = Run {
        ok: out.status.success(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(PATIENT), "a patient id in the output: {text}");
        assert!(!text.contains("obs-"), "a resource id in the output: {text}");
    }
    run
}

async fn audit_verify_intact_trail_prints_count_and_head(engine: Engine) {
    let empty = trail(engine, 0).await;
    let run = verify(&empty, &[]);
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(
        run.stdout.trim(),
        format!("audit trail intact: 0 records; head seq 0 hash {}", "0".repeat(64))
    );

    let db = trail(engine, 12).await;
    let (seq, hash) = head(&db).await;
    assert_eq!(seq, 12);
    let run = verify(&db, &[]);
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(run.code, Some(0));
    assert_eq!(run.stdout.trim(), format!("audit trail intact: 12 records; head seq 12 hash {hash}"));

    // The head written down now, checked later: still there, and an older one too.
    let run = verify(&db, &["--expect-head", &format!("12:{hash}")]);
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stdout.contains(&format!("expected head found: record 12 has hash {hash}")),
        "{}",
        run.stdout
    );
    let store = open(&db).await;
    let seven = store.audit_records(6, 1).await.unwrap().remove(0);
    store.close().await;
    let run = verify(&db, &["--expect-head", &format!("7:{}", seven.hash.to_uppercase())]);
    assert!(run.ok, "an earlier head still matches: {}", run.stderr);

    let run = verify(&db, &["--expect-head", "12:nothex"]);
    assert!(!run.ok && run.stderr.contains("64 hexadecimal digits"), "{}", run.stderr);
}

async fn audit_verify_names_a_changed_record(engine: Engine) {
    let db = trail(engine, 9).await;
    tamper(&db, "UPDATE audit_log SET actor = 'nobody' WHERE seq = 5").await;
    let run = verify(&db, &[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "no intact line: {}", run.stdout);
    assert!(run.stderr.contains("audit trail broken at record 5: the record was changed"), "{}", run.stderr);
    assert!(run.stderr.contains("[audit-record-changed]"), "{}", run.stderr);
}

async fn audit_verify_names_a_removed_record(engine: Engine) {
    let db = trail(engine, 9).await;
    tamper(&db, "DELETE FROM audit_log WHERE seq = 5").await;
    let run = verify(&db, &[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("records are missing after record 4 (the next record present is 6)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("[audit-record-missing]"), "{}", run.stderr);
}

async fn audit_verify_expect_head_catches_removed_newest_and_resealed_tail(engine: Engine) {
    let db = trail(engine, 12).await;
    let (seq, hash) = head(&db).await;
    let written_down = format!("{seq}:{hash}");
    tamper(&db, "DELETE FROM audit_log WHERE seq > 10").await;

    // The chain alone cannot tell: what is left is a valid, shorter chain.
    let run = verify(&db, &[]);
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stdout.starts_with("audit trail intact: 10 records; head seq 10 "), "{}", run.stdout);

    let run = verify(&db, &["--expect-head", &written_down]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stderr.contains("it ends at record 10, the expected head is record 12")
            && run.stderr.contains("[audit-head-missing]"),
        "{}",
        run.stderr
    );

    // Two new records sealed in their place: 12 records again, a valid chain, another head.
    let store = open(&db).await;
    append(&store, 13..=14).await;
    store.close().await;
    assert!(verify(&db, &[]).stdout.starts_with("audit trail intact: 12 records; head seq 12 "));
    let run = verify(&db, &["--expect-head", &written_down]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stderr.contains("record 12 has hash ") && run.stderr.contains(&format!("expected {hash}")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("[audit-head-mismatch]"), "{}", run.stderr);
}

async fn audit_verify_reads_past_one_page_and_reports_the_first_break(engine: Engine) {
    // The command reads 1,000 records per query: these 1,003 take two pages.
    let db = trail(engine, 1003).await;
    let (_, hash) = head(&db).await;
    let run = verify(&db, &[]);
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(run.stdout.trim(), format!("audit trail intact: 1003 records; head seq 1003 hash {hash}"));

    // An outcome Relais never writes cannot even be read as a record: still named, as changed.
    tamper(&db, "UPDATE audit_log SET outcome = 'fine' WHERE seq = 1002").await;
    let run = verify(&db, &[]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stderr.contains("audit trail broken at record 1002: the record was changed")
            && run.stderr.contains("[audit-record-changed]"),
        "{}",
        run.stderr
    );
    // A break before it in the same page is the one reported: a changed record, a gap.
    tamper(&db, "UPDATE audit_log SET actor = 'nobody' WHERE seq = 1001").await;
    let run = verify(&db, &[]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stderr.contains("audit trail broken at record 1001: the record was changed"),
        "{}",
        run.stderr
    );
    tamper(&db, "DELETE FROM audit_log WHERE seq = 1001").await;
    let run = verify(&db, &[]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stderr.contains("records are missing after record 1000 (the next record present is 1002)"),
        "{}",
        run.stderr
    );
}
