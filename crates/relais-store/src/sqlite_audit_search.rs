//! Searching the SQLite trail through its lookup tables (sqlite-audit migration 0002), which the
//! writer thread fills in batches up to a watermark (`sqlite_audit_index.rs`).
//!
//! A search with a patient, an agent or a date is one statement of two parts: the records up to
//! the watermark found through a lookup table, and the records after it found by scanning
//! `audit_log` by seq (a short scan: the indexer keeps up). The watermark is read inside the
//! statement, so both parts see the same snapshot, and the lookup tables hold nothing after it,
//! so no record is counted twice. Each part applies every condition of the query to the
//! `audit_log` row itself: a lookup table only narrows which rows are read, so the answer is
//! exactly the records that match, whether the indexer ran a moment ago or not for an hour.
//!
//! The patient's lookup comes first, then the agent's, then the date's (the most selective first);
//! a query with none of them scans `audit_log` newest first, as it always did.

use sqlx::{QueryBuilder, Sqlite};

use crate::audit::{AuditQuery, audit_columns, push_conditions};

/// The statement answering `q`, newest first.
pub(crate) fn search_statement(q: &AuditQuery) -> QueryBuilder<Sqlite> {
    let before = q.before_seq.map_or(i64::MAX, |seq| i64::try_from(seq).unwrap_or(i64::MAX));
    let mut b =
        QueryBuilder::<Sqlite>::new(concat!("SELECT ", audit_columns!(), " FROM audit_log WHERE seq < "));
    b.push_bind(before);
    if push_lookup(&mut b, q) {
        push_conditions(&mut b, q);
        // The records after the watermark: not in the lookup tables yet.
        b.push(concat!(
            " UNION ALL SELECT ",
            audit_columns!(),
            " FROM audit_log WHERE seq > (SELECT COALESCE(MAX(indexed_seq), 0) FROM audit_index_state)",
            " AND seq < "
        ));
        b.push_bind(before);
    }
    push_conditions(&mut b, q);
    b.push(" ORDER BY 1 DESC LIMIT ").push_bind(i64::from(q.limit));
    b
}

/// Adds ` AND seq IN (…)` from the best lookup table for `q`; false (nothing added) when `q` has
/// nothing to look up by.
fn push_lookup(b: &mut QueryBuilder<Sqlite>, q: &AuditQuery) -> bool {
    if let Some(patient) = &q.patient {
        b.push(" AND seq IN (SELECT seq FROM audit_by_patient WHERE patient_id = ")
            .push_bind(patient.clone());
    } else if let Some(agent) = &q.agent {
        b.push(" AND seq IN (SELECT seq FROM audit_by_agent WHERE agent = ").push_bind(agent.clone());
    } else if q.recorded_from.is_some() || q.recorded_to.is_some() {
        b.push(" AND seq IN (SELECT seq FROM audit_by_recorded WHERE recorded >= ")
            .push_bind(q.recorded_from.unwrap_or(i64::MIN))
            .push(" AND recorded <= ")
            .push_bind(q.recorded_to.unwrap_or(i64::MAX));
    } else {
        return false;
    }
    b.push(")");
    true
}
