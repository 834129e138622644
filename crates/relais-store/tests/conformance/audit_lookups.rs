//! The trail's lookups (by patient, agent, date) give the same answers whether or not they are
//! up to date. On SQLite they are tables filled off the request's path from a watermark
//! (sqlite-audit migration 0002): a record appended a moment ago is found by scanning past the
//! watermark, an indexed one through the tables, and never both. On PostgreSQL they are indexes
//! written with each append; the cases run there too.

use std::sync::Arc;

use relais_access::audit::{AuditDraft, AuditRecord, Outcome, action, seal, verify};
use relais_store::{AuditQuery, ResourceStore, StoreOptions};
use sqlx::{Connection, SqliteConnection};

use crate::audit::draft;
use crate::audit_move::{insert, migrate_below};
use crate::support::at;

/// Record `n` of twenty: actors, patients, actions, outcomes and instants in turn.
fn twenty(n: u64) -> AuditDraft {
    let mut d = draft(n);
    d.recorded = at(i64::try_from(n).expect("small") * 60).as_microsecond();
    d.actor = format!("nurse-{}", n % 2);
    d.on_behalf_of = (n == 5).then(|| "nurse-0".to_owned());
    d.patient_id = (!n.is_multiple_of(5)).then(|| format!("patient-{}", n % 3));
    d.action = [action::READ, action::SEARCH, action::HISTORY, action::UPDATE][(n % 4) as usize].into();
    d.outcome = if n.is_multiple_of(6) { Outcome::Denied } else { Outcome::Success };
    d
}

/// The seqs each lookup answers, newest first, in a fixed order of queries.
async fn lookups(store: &dyn ResourceStore) -> Vec<Vec<u64>> {
    let window = AuditQuery {
        recorded_from: Some(at(5 * 60).as_microsecond()),
        recorded_to: Some(at(8 * 60).as_microsecond()),
        ..AuditQuery::default()
    };
    let queries = [
        AuditQuery { patient: Some("patient-1".into()), ..AuditQuery::default() },
        AuditQuery { agent: Some("nurse-0".into()), ..AuditQuery::default() },
        AuditQuery { agent: Some("nurse-1".into()), before_seq: Some(10), limit: 3, ..AuditQuery::default() },
        window.clone(),
        AuditQuery { recorded_from: Some(at(18 * 60).as_microsecond()), ..AuditQuery::default() },
        AuditQuery { agent: Some("nurse-1".into()), patient: Some("patient-1".into()), ..window },
        AuditQuery { outcome: Some(Outcome::Denied), ..AuditQuery::default() },
    ];
    let mut out = Vec::new();
    for q in queries {
        let q = AuditQuery { limit: if q.limit == 0 { 100 } else { q.limit }, ..q };
        out.push(store.audit_search(&q).await.expect("search").into_iter().map(|r| r.seq).collect());
    }
    let own = store.audit_of_patient("patient-2", None, 100).await.expect("patient's own accesses");
    out.push(own.into_iter().map(|r| r.seq).collect());
    out
}

/// What [`lookups`] answers once records 1 to 20 are stored.
fn expected() -> Vec<Vec<u64>> {
    vec![
        vec![19, 16, 13, 7, 4, 1],
        vec![20, 18, 16, 14, 12, 10, 8, 6, 5, 4, 2],
        vec![9, 7, 5],
        vec![8, 7, 6, 5],
        vec![20, 19, 18],
        vec![7],
        vec![18, 12, 6],
        vec![17, 14, 11, 8, 2],
    ]
}

/// Both engines: records 1–12 indexed, 13–20 appended after; every lookup answers the same,
/// and the same again once everything is indexed; a record appended then is found at once.
pub async fn audit_lookups_are_the_same_before_and_after_indexing(store: Arc<dyn ResourceStore>) {
    store.append_audit_batch((1..=12).map(twenty).collect()).await.expect("batch");
    store.index_audit().await.expect("index");
    store.append_audit_batch((13..=20).map(twenty).collect()).await.expect("batch");
    assert_eq!(lookups(&*store).await, expected(), "partly indexed");
    store.index_audit().await.expect("index");
    assert_eq!(lookups(&*store).await, expected(), "wholly indexed");
    let just_now = store.append_audit(twenty(22)).await.expect("append");
    let own = store.audit_of_patient("patient-1", None, 1).await.expect("own accesses");
    assert_eq!(own, vec![just_now], "an access is listed to its patient as soon as it is recorded");
}

/// A SQLite trail whose two files are migrated but whose store was not asked to migrate: it
/// never indexes in the background, only when told ([`ResourceStore::index_audit`]).
async fn unindexed_store(url: &str) -> Arc<dyn ResourceStore> {
    migrate_below(url, "migrations/sqlite", i64::MAX).await;
    migrate_below(&relais_store::audit_url(url), "migrations/sqlite-audit", i64::MAX).await;
    relais_store::open(url, &StoreOptions::default()).await.expect("open")
}

/// The watermark and the number of rows of each lookup table (patient, agent, date).
async fn index_state(url: &str) -> (i64, i64, i64, i64) {
    let mut conn = SqliteConnection::connect(&relais_store::audit_url(url)).await.expect("open the trail");
    let state = sqlx::query_as(
        "SELECT (SELECT indexed_seq FROM audit_index_state), (SELECT COUNT(*) FROM audit_by_patient),
                (SELECT COUNT(*) FROM audit_by_agent), (SELECT COUNT(*) FROM audit_by_recorded)",
    )
    .fetch_one(&mut conn)
    .await
    .expect("read the index state");
    conn.close().await.expect("close");
    state
}

/// Rows the lookup tables hold for records 1..=n of [`twenty`]: a patient in 4 of 5, one agent
/// each plus record 5's on-behalf-of, one date each.
fn rows_for(n: i64) -> (i64, i64, i64, i64) {
    (n, n - n / 5, n + i64::from(n >= 5), n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_finds_records_before_the_indexer_ran_and_after() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("relais.db").display());
    let store = unindexed_store(&url).await;
    store.append_audit_batch((1..=20).map(twenty).collect()).await.unwrap();
    assert_eq!(index_state(&url).await, (0, 0, 0, 0), "nothing indexed yet");
    assert_eq!(lookups(&*store).await, expected(), "found past the watermark");
    assert_eq!(store.index_audit().await.unwrap(), 20);
    assert_eq!(index_state(&url).await, rows_for(20), "indexed, each record once");
    assert_eq!(lookups(&*store).await, expected(), "found through the lookup tables");
    assert_eq!(store.index_audit().await.unwrap(), 0, "nothing left to index");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_indexer_resumes_from_its_watermark() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("relais.db").display());
    let store = unindexed_store(&url).await;
    store.append_audit_batch((1..=12).map(twenty).collect()).await.unwrap();
    assert_eq!(store.index_audit().await.unwrap(), 12);
    store.append_audit_batch((13..=20).map(twenty).collect()).await.unwrap();
    store.close().await;
    assert_eq!(index_state(&url).await, rows_for(12), "the watermark survives a restart");

    let store = relais_store::open(&url, &StoreOptions::default()).await.unwrap();
    assert_eq!(lookups(&*store).await, expected(), "after a restart, before indexing");
    assert_eq!(store.index_audit().await.unwrap(), 8, "only the records after the watermark");
    assert_eq!(index_state(&url).await, rows_for(20));
    assert_eq!(lookups(&*store).await, expected());
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_upgrade_indexes_an_existing_trail() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("relais.db").display());
    // A trail as sqlite-audit migration 0001 left it, with records in it.
    let audit_url = relais_store::audit_url(&url);
    migrate_below(&audit_url, "migrations/sqlite-audit", 2).await;
    let mut sealed: Vec<AuditRecord> = Vec::new();
    for n in 1..=20 {
        sealed.push(seal(sealed.last(), twenty(n)));
    }
    insert(&audit_url, &sealed).await;

    let store = relais_store::open(&url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(index_state(&url).await, rows_for(20), "the migration indexed the old records");
    assert_eq!(lookups(&*store).await, expected());
    assert_eq!(verify(store.audit_records(0, 100).await.unwrap()), Ok(20), "the chain is untouched");
    store.close().await;
}
