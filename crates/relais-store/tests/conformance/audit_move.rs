//! Upgrading a SQLite database whose audit trail is still in `relais.db` (before main migration
//! 0014): the records move to `relais-audit.db` unchanged, the chain still verifies and goes on
//! from the same head, and a move interrupted half-way is finished without a record twice.
//! SQLite only: PostgreSQL keeps the trail in its one database.

use std::path::Path;

use relais_access::audit::{AuditRecord, seal, verify};
use relais_store::StoreOptions;
use sqlx::migrate::Migrator;
use sqlx::{Connection, SqliteConnection};

use crate::audit::draft;

const COLUMNS: &str = "seq, recorded, actor, on_behalf_of, action, outcome, resource_type, resource_id, \
     patient_id, query, source_address, purpose, prev_hash, hash, break_glass";

/// Runs the migrations of `dir` numbered below `below` on the SQLite file at `url`.
pub(crate) async fn migrate_below(url: &str, dir: &str, below: i64) {
    let mut migrator = Migrator::new(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).await.unwrap();
    migrator.migrations = migrator.migrations.iter().filter(|m| m.version < below).cloned().collect();
    let mut conn = SqliteConnection::connect(&format!("{url}?mode=rwc")).await.unwrap();
    migrator.run(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}

/// Inserts `records` into the `audit_log` table of the file at `url`, as an older Relais did.
pub(crate) async fn insert(url: &str, records: &[AuditRecord]) {
    let mut conn = SqliteConnection::connect(url).await.unwrap();
    for r in records {
        let sql =
            format!("INSERT INTO audit_log ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(i64::try_from(r.seq).unwrap())
            .bind(r.recorded)
            .bind(&r.actor)
            .bind(&r.on_behalf_of)
            .bind(&r.action)
            .bind(r.outcome.code())
            .bind(&r.resource_type)
            .bind(&r.resource_id)
            .bind(&r.patient_id)
            .bind(&r.query)
            .bind(&r.source_address)
            .bind(&r.purpose)
            .bind(&r.prev_hash)
            .bind(&r.hash)
            .bind(r.break_glass)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    conn.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_trail_moves_to_its_own_file_and_the_chain_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("relais.db").display());
    let mut sealed: Vec<AuditRecord> = Vec::new();
    for n in 1..=25 {
        let record = seal(sealed.last(), draft(n));
        sealed.push(record);
    }
    // A database as Relais left it before migration 0014, its trail inside relais.db …
    migrate_below(&url, "migrations/sqlite", 14).await;
    insert(&url, &sealed).await;
    // … and a move that stopped after copying the first ten records.
    let audit_url = relais_store::audit_url(&url);
    migrate_below(&audit_url, "migrations/sqlite-audit", i64::MAX).await;
    insert(&audit_url, &sealed[..10]).await;

    let store = relais_store::open(&url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let moved = store.audit_records(0, 100).await.unwrap();
    assert_eq!(moved, sealed, "every record moved once, unchanged");
    assert_eq!(verify(moved), Ok(25), "the chain verifies across the move");
    let next = store.append_audit(draft(26)).await.unwrap();
    assert_eq!((next.seq, next.prev_hash.as_str()), (26, sealed[24].hash.as_str()), "the chain goes on");
    store.close().await;

    let mut main = SqliteConnection::connect(&url).await.unwrap();
    let left: Option<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'")
            .fetch_optional(&mut main)
            .await
            .unwrap();
    assert_eq!(left, None, "relais.db no longer holds a trail");
    main.close().await.unwrap();

    // Starting again moves nothing twice.
    let store = relais_store::open(&url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.audit_head().await.unwrap().map(|h| h.0), Some(26));
    store.close().await;
}
