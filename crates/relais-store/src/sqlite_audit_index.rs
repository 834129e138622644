//! The SQLite trail's lookups (by patient, by agent, by date), kept off the request's path.
//!
//! An audited request waits for its record's commit. With the lookups as indexes of `audit_log`,
//! each commit also wrote a leaf of each of four indexes: about five WAL pages a record, since
//! the groups stay small (docs/performance.md). Here `audit_log` keeps only its primary key and
//! the trail's writer thread fills the lookup tables of sqlite-audit migration 0002 in large
//! batches, between appends, from a watermark (`audit_index_state.indexed_seq`): a leaf touched
//! by a thousand records is written once, not a thousand times.
//!
//! The indexer runs on the writer thread itself, on its connection, so it never waits on the
//! write lock nor makes an append wait on it: an append queued during a batch is written right
//! after it. Each batch's rows and its new watermark commit in one transaction (crash-safe), and
//! the transaction is `IMMEDIATE` and reads the watermark inside it, so a second process indexing
//! the same file (a CLI command) cannot index a record twice.
//!
//! Searches (`sqlite_audit_search.rs`) read the lookup tables up to the watermark and the records
//! after it by seq: the indexer's timing changes their cost, never their results.

use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior, params};

use crate::StoreError;

/// The most records one indexing transaction takes: bounds how long an append may wait behind it.
pub(crate) const INDEX_BATCH: i64 = 4096;
/// With the queue empty and at least this many records not indexed, index at once.
pub(crate) const INDEX_SOON: u64 = 1024;
/// With fewer waiting, index once no append has come for this long.
pub(crate) const INDEX_IDLE: Duration = Duration::from_millis(100);
/// Even if appends never pause, never leave more than this many records for searches to scan.
pub(crate) const INDEX_FORCE: u64 = 16_384;

/// What one batch did.
pub(crate) struct Indexed {
    /// Records indexed by this batch.
    pub(crate) records: u64,
    /// Records still after the watermark when it committed.
    pub(crate) remaining: u64,
}

/// Indexes at most `most` records after the watermark, in one transaction.
pub(crate) fn index_batch(conn: &mut Connection, most: i64) -> Result<Indexed, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(index_error)?;
    let watermark: i64 = tx
        .query_row("SELECT indexed_seq FROM audit_index_state WHERE id = 1", [], |r| r.get(0))
        .map_err(index_error)?;
    let mut last = watermark;
    let mut records = 0u64;
    {
        let mut pending = tx
            .prepare_cached(
                "SELECT seq, recorded, actor, on_behalf_of, patient_id FROM audit_log
                 WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )
            .map_err(index_error)?;
        let mut by_patient = tx
            .prepare_cached("INSERT INTO audit_by_patient (patient_id, seq) VALUES (?1, ?2)")
            .map_err(index_error)?;
        let mut by_agent = tx
            .prepare_cached("INSERT INTO audit_by_agent (agent, seq) VALUES (?1, ?2)")
            .map_err(index_error)?;
        let mut by_recorded = tx
            .prepare_cached("INSERT INTO audit_by_recorded (recorded, seq) VALUES (?1, ?2)")
            .map_err(index_error)?;
        let mut rows = pending.query(params![watermark, most]).map_err(index_error)?;
        while let Some(row) = rows.next().map_err(index_error)? {
            let seq: i64 = row.get(0).map_err(index_error)?;
            let recorded: i64 = row.get(1).map_err(index_error)?;
            let actor: String = row.get(2).map_err(index_error)?;
            let on_behalf_of: Option<String> = row.get(3).map_err(index_error)?;
            let patient: Option<String> = row.get(4).map_err(index_error)?;
            if let Some(patient) = patient {
                by_patient.execute(params![patient, seq]).map_err(index_error)?;
            }
            by_agent.execute(params![actor, seq]).map_err(index_error)?;
            // Acting for oneself is one agent, one row (the key refuses a second).
            if let Some(other) = on_behalf_of.filter(|other| *other != actor) {
                by_agent.execute(params![other, seq]).map_err(index_error)?;
            }
            by_recorded.execute(params![recorded, seq]).map_err(index_error)?;
            last = seq;
            records += 1;
        }
    }
    if records > 0 {
        tx.execute("UPDATE audit_index_state SET indexed_seq = ?1 WHERE id = 1", params![last])
            .map_err(index_error)?;
    }
    let head: i64 =
        tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM audit_log", [], |r| r.get(0)).map_err(index_error)?;
    tx.commit().map_err(index_error)?;
    Ok(Indexed { records, remaining: u64::try_from(head.saturating_sub(last)).unwrap_or(0) })
}

/// Indexes every record after the watermark, batch after batch; answers how many.
pub(crate) fn index_all(conn: &mut Connection) -> Result<u64, StoreError> {
    let mut total = 0;
    loop {
        let batch = index_batch(conn, INDEX_BATCH)?;
        total += batch.records;
        if batch.records == 0 || batch.remaining == 0 {
            return Ok(total);
        }
    }
}

fn index_error(e: rusqlite::Error) -> StoreError {
    StoreError::Write(format!("audit trail indexing: {e}"))
}
