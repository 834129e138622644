//! The audit trail: appends form one chain (seq 1..n, each record linked to the one before),
//! also under concurrent appends; the database itself refuses to change or remove a record;
//! paging returns every record once, in order.

use std::sync::Arc;

use relais_access::audit::{AuditDraft, AuditRecord, GENESIS_HASH, Outcome, action, verify};
use relais_store::{ResourceStore, StoreError};
use tokio::sync::Barrier;

use crate::support::at;

/// A draft that differs from every other by `n`, with optional fields present or absent by `n`,
/// non-ASCII text, and a patient id tests can look for.
pub fn draft(n: u64) -> AuditDraft {
    let i = i64::try_from(n).expect("small");
    let some = |on: bool, text: String| on.then_some(text);
    AuditDraft {
        recorded: at(i).as_microsecond(),
        actor: format!("user-{}", n % 3),
        on_behalf_of: some(n.is_multiple_of(4), format!("related-{n}")),
        action: [action::READ, action::SEARCH, action::UPDATE, action::SIGN_IN][(n % 4) as usize].to_owned(),
        outcome: Outcome::ALL[(n % 3) as usize],
        resource_type: some(!n.is_multiple_of(5), "Observation".to_owned()),
        resource_id: some(!n.is_multiple_of(5), format!("obs-{n}")),
        patient_id: Some(format!("patient-{n}")),
        query: some(n.is_multiple_of(2), format!("code=8867-4&note=é中✓{n}")),
        source_address: some(n % 3 != 1, "203.0.113.7".to_owned()),
        purpose: some(n.is_multiple_of(7), "break-glass: urgence".to_owned()),
        break_glass: n.is_multiple_of(7),
    }
}

/// Every record, read in pages of `page`.
async fn all_records(store: &dyn ResourceStore, page: u32) -> Vec<AuditRecord> {
    let mut out: Vec<AuditRecord> = Vec::new();
    loop {
        let after = out.last().map_or(0, |r| r.seq);
        let next = store.audit_records(after, page).await.expect("read a page");
        if next.is_empty() {
            return out;
        }
        assert!(next.len() <= page as usize, "a page holds at most `limit` records");
        out.extend(next);
    }
}

/// Runs SQL on the audit trail's database (on SQLite its own file, `relais_store::audit_url`) on
/// a connection of its own, outside the store: what an operator with a SQL shell could do. The
/// error message if the database refused.
pub async fn raw_sql(store: &dyn ResourceStore, url: &str, sql: &'static str) -> Result<(), String> {
    use sqlx::Connection;
    let result = match store.engine() {
        "sqlite" => {
            let mut conn = sqlx::SqliteConnection::connect(&relais_store::audit_url(url))
                .await
                .expect("connect to SQLite");
            sqlx::query(sql).execute(&mut conn).await.map(drop)
        }
        _ => {
            let mut conn = sqlx::PgConnection::connect(url).await.expect("connect to PostgreSQL");
            sqlx::query(sql).execute(&mut conn).await.map(drop)
        }
    };
    result.map_err(|e| e.to_string())
}

/// Appends one after another: seq 1..n, each linked to the one before, read back exactly as
/// sealed, and the head is the last one.
pub async fn audit_appends_form_one_chain(store: Arc<dyn ResourceStore>) {
    assert_eq!(store.audit_head().await.expect("head"), None, "a new trail is empty");
    assert!(store.audit_records(0, 10).await.expect("read").is_empty());
    let mut appended = Vec::new();
    for n in 1..=30 {
        let record = store.append_audit(draft(n)).await.expect("append");
        assert_eq!(record.seq, n, "numbered from 1 without gaps");
        let want_prev = appended.last().map_or(GENESIS_HASH, |r: &AuditRecord| r.hash.as_str());
        assert_eq!(record.prev_hash, want_prev, "record {n} links to the one before");
        let d = draft(n);
        assert_eq!(
            (record.recorded, &record.actor, &record.patient_id, &record.query, record.outcome),
            (d.recorded, &d.actor, &d.patient_id, &d.query, d.outcome),
            "the draft's contents are kept"
        );
        appended.push(record);
    }
    let stored = all_records(&*store, 1000).await;
    assert_eq!(stored, appended, "read back exactly as sealed, every field");
    assert_eq!(verify(stored), Ok(30), "the stored chain verifies");
    let last = appended.last().expect("records");
    assert_eq!(store.audit_head().await.expect("head"), Some((30, last.hash.clone())));
}

const TASKS: u64 = 6;
const PER_TASK: u64 = 5;

/// 30 appends from 6 tasks at once: every one gets its own seq, 1..30 with no gap or repeat,
/// and the stored chain verifies (no fork: no two records sealed after the same one).
pub async fn audit_concurrent_appends_never_fork(store: Arc<dyn ResourceStore>) {
    let barrier = Arc::new(Barrier::new(TASKS as usize));
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let store = store.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut mine = Vec::new();
            for k in 0..PER_TASK {
                mine.push(store.append_audit(draft(100 + task * PER_TASK + k)).await.expect("append"));
                tokio::task::yield_now().await;
            }
            mine
        }));
    }
    let mut answered = Vec::new();
    for task in tasks {
        answered.extend(task.await.expect("task"));
    }
    answered.sort_by_key(|r| r.seq);
    let seqs: Vec<u64> = answered.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=TASKS * PER_TASK).collect::<Vec<_>>(), "each append its own seq, no gap");
    let stored = all_records(&*store, 7).await;
    assert_eq!(stored, answered, "what each append answered is what is stored");
    assert_eq!(verify(stored.clone()), Ok(TASKS * PER_TASK), "one chain, no fork");
    let mut patients: Vec<_> = stored.iter().filter_map(|r| r.patient_id.clone()).collect();
    patients.sort();
    patients.dedup();
    assert_eq!(patients.len(), (TASKS * PER_TASK) as usize, "every draft stored once");
}

/// UPDATE, DELETE (and on PostgreSQL TRUNCATE) of audit records are refused by the database
/// itself, whoever runs them; the records stay as they were.
pub async fn audit_database_refuses_changes_to_the_trail(store: Arc<dyn ResourceStore>, url: &str) {
    for n in 1..=3 {
        store.append_audit(draft(n)).await.expect("append");
    }
    let before = all_records(&*store, 100).await;
    let mut statements = vec![
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2",
        "UPDATE audit_log SET hash = prev_hash",
        "DELETE FROM audit_log WHERE seq = 3",
        "DELETE FROM audit_log",
    ];
    if store.engine() == "postgres" {
        statements.push("TRUNCATE audit_log");
    }
    for sql in statements {
        let refused = raw_sql(&*store, url, sql).await.expect_err(sql);
        assert!(refused.contains("audit_log is append-only"), "{sql}: {refused}");
    }
    assert_eq!(all_records(&*store, 100).await, before, "nothing changed");
    assert_eq!(store.append_audit(draft(4)).await.expect("append still works").seq, 4);
}

/// Pages of any size return every record once, in seq order, and end with an empty page.
pub async fn audit_pages_return_every_record_once_in_order(store: Arc<dyn ResourceStore>) {
    for n in 1..=25 {
        store.append_audit(draft(n)).await.expect("append");
    }
    let whole = store.audit_records(0, 1000).await.expect("read");
    assert_eq!(whole.iter().map(|r| r.seq).collect::<Vec<_>>(), (1..=25).collect::<Vec<_>>());
    for page in [1, 7, 25, 26] {
        assert_eq!(all_records(&*store, page).await, whole, "pages of {page}");
    }
    let middle = store.audit_records(10, 3).await.expect("read");
    assert_eq!(middle.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![11, 12, 13]);
    assert!(store.audit_records(25, 10).await.expect("read").is_empty(), "nothing after the head");
    assert!(store.audit_records(u64::MAX, 10).await.expect("read").is_empty());
    assert!(store.audit_records(0, 0).await.expect("read").is_empty(), "limit 0");
}

/// A record edited to hold an outcome Relais never writes is reported by its seq, not as a
/// generic database error and not skipped.
pub async fn audit_edited_outcome_is_reported_by_seq(store: Arc<dyn ResourceStore>, url: &str) {
    for n in 1..=6 {
        store.append_audit(draft(n)).await.expect("append");
    }
    let drop = match store.engine() {
        "sqlite" => "DROP TRIGGER audit_log_no_update",
        _ => "DROP TRIGGER audit_log_no_update ON audit_log",
    };
    raw_sql(&*store, url, drop).await.expect("drop the trigger");
    raw_sql(&*store, url, "UPDATE audit_log SET outcome = 'fine' WHERE seq = 4").await.expect("edit");
    match store.audit_records(0, 100).await {
        Err(StoreError::AuditUnreadable { seq: 4 }) => {}
        other => panic!("expected record 4 unreadable, got {other:?}"),
    }
    assert_eq!(store.audit_records(0, 3).await.expect("records before it still read").len(), 3);
}

pub async fn audit_of_a_patient_lists_their_records_newest_first(store: Arc<dyn ResourceStore>) {
    // Records 1..=12 about patients a, b, c in turn; every fourth about nobody (a sign-in).
    for n in 1..=12u64 {
        let mut d = draft(n);
        d.patient_id =
            (n % 4 != 0).then(|| ["patient-a", "patient-b", "patient-c"][(n % 3) as usize].to_owned());
        store.append_audit(d).await.expect("append");
    }
    let seqs = |records: Vec<AuditRecord>| records.into_iter().map(|r| r.seq).collect::<Vec<_>>();
    // n % 3 == 0 → patient-a: 3, 6, 9 (12 is a sign-in about nobody).
    assert_eq!(seqs(store.audit_of_patient("patient-a", None, 100).await.unwrap()), [9, 6, 3]);
    assert_eq!(seqs(store.audit_of_patient("patient-b", None, 100).await.unwrap()), [10, 7, 1]);
    // Paging backwards from a seq.
    assert_eq!(seqs(store.audit_of_patient("patient-b", None, 2).await.unwrap()), [10, 7]);
    assert_eq!(seqs(store.audit_of_patient("patient-b", Some(7), 2).await.unwrap()), [1]);
    assert!(store.audit_of_patient("patient-b", Some(1), 2).await.unwrap().is_empty());
    assert!(store.audit_of_patient("patient-z", None, 100).await.unwrap().is_empty());
    assert!(store.audit_of_patient("", None, 100).await.unwrap().is_empty(), "sign-ins belong to nobody");
    let record = store.audit_of_patient("patient-c", None, 1).await.unwrap().remove(0);
    assert_eq!((record.seq, record.patient_id.as_deref()), (11, Some("patient-c")));
}
