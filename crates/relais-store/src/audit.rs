//! The audit trail's storage: the `audit_log` table (migration 0003), append-only and
//! hash-chained. Sealing and verifying are `relais_access::audit`'s; this module stores what it
//! seals, in order, and reads it back in pages.
//!
//! An append reads the last record and inserts the next one in a single transaction that holds
//! the engine's audit lock (SQLite's one write lock, a PostgreSQL advisory lock), so two appends
//! never seal after the same record: the chain cannot fork and no `seq` is used twice or skipped.
//! The primary key on `seq` is the last line of defence: a second record at the same place is
//! refused, not stored.
//!
//! A batch (`append_audit_batch`) seals a group of drafts one after another in the same
//! transaction and inserts them with multi-row statements: the lock is taken once and the chain
//! stays linear, so the trail costs one transaction per group of accesses, not per access.
//!
//! The append is written as `append_locked(connection, draft)` on a connection already inside
//! such a transaction, so that a resource write and its audit record can later share one
//! transaction (see `ResourceTx`): the use case calls it on the resource transaction, last,
//! before committing.

use async_trait::async_trait;
use relais_access::audit::{AuditDraft, AuditRecord, Outcome};

use crate::StoreError;

/// The audit trail: append a record, read the chain back in `seq` order.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Seals `draft` after the last stored record (or as record 1) and stores it, in a
    /// transaction of its own; answers the record as stored. Concurrent appends are serialised:
    /// each gets the next `seq` and links to the record before it.
    async fn append_audit(&self, draft: AuditDraft) -> Result<AuditRecord, StoreError>;

    /// Seals `drafts`, in order, after the last stored record and stores them all in one
    /// transaction holding the audit lock: the records answered are consecutive, each linked to
    /// the one before, and either all of them are stored or none is. An empty batch stores
    /// nothing and answers nothing.
    async fn append_audit_batch(&self, drafts: Vec<AuditDraft>) -> Result<Vec<AuditRecord>, StoreError>;

    /// The records that match `query`, newest first (see [`AuditQuery`]).
    async fn audit_search(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError>;

    /// At most `limit` records with `seq > after_seq`, in `seq` order: page through the whole
    /// chain by passing the last `seq` of each page as the next `after_seq` (0 for the first).
    /// [`StoreError::AuditUnreadable`] if a stored record holds a value Relais never writes.
    async fn audit_records(&self, after_seq: u64, limit: u32) -> Result<Vec<AuditRecord>, StoreError>;

    /// The last record's `seq` and `hash`; `None` for an empty trail.
    async fn audit_head(&self) -> Result<Option<(u64, String)>, StoreError>;

    /// At most `limit` records about `patient_id`, newest first, with `seq < before_seq` (all
    /// when `None`): who accessed a patient's record, page by page.
    async fn audit_of_patient(
        &self,
        patient_id: &str,
        before_seq: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError>;

    /// Brings the trail's lookups (by patient, agent, date) up to date now; answers how many
    /// records it indexed. Searches never need it (their results are the same before and after):
    /// on SQLite the lookups are filled in the background, off the request's path; this is for
    /// tests and tools. PostgreSQL maintains its indexes in each append: nothing to do.
    async fn index_audit(&self) -> Result<u64, StoreError> {
        Ok(0)
    }
}

/// Which records [`AuditLog::audit_search`] returns: those matching every condition given, with
/// `seq < before_seq`, at most `limit`, newest (highest `seq`) first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Records about this patient's record.
    pub patient: Option<String>,
    /// Records where this id acted, or was acted for (`actor` or `on_behalf_of`).
    pub agent: Option<String>,
    /// Records of any of these action codes (none given: any action).
    pub actions: Vec<String>,
    /// Records with this outcome.
    pub outcome: Option<Outcome>,
    /// Records at or after this instant (microseconds since the epoch).
    pub recorded_from: Option<i64>,
    /// Records at or before this instant (microseconds since the epoch).
    pub recorded_to: Option<i64>,
    /// Only records before this one (the paging cursor); `None` from the newest.
    pub before_seq: Option<u64>,
    /// The most records answered.
    pub limit: u32,
}

/// The most rows in one multi-row INSERT: 15 values each stays under SQLite's 32,766 bound
/// parameters (and PostgreSQL's 65,535).
pub(crate) const INSERT_CHUNK: usize = 1000;

/// The columns of `audit_log`, in the order `audit_record` reads them.
macro_rules! audit_columns {
    () => {
        "seq, recorded, actor, on_behalf_of, action, outcome, resource_type, resource_id, patient_id, \
         query, source_address, purpose, prev_hash, hash, break_glass"
    };
}
pub(crate) use audit_columns;

/// A `seq` as the databases store it (both hold a signed 64-bit integer).
pub(crate) fn stored_seq(seq: u64) -> Result<i64, StoreError> {
    i64::try_from(seq).map_err(|_| StoreError::Unstorable)
}

/// `audit_append_ops!(Db)` defines, for one engine, `append_locked` and `append_batch_locked`
/// (PostgreSQL's appends; SQLite appends on a thread of its own, `sqlite_audit_writer.rs`).
macro_rules! audit_append_ops {
    ($db:ty) => {
        /// Seals `draft` after the last record and inserts it, on `conn`, which must be inside a
        /// transaction holding the engine's audit lock (otherwise two appends could read the
        /// same last record; the primary key would then refuse the second).
        pub(crate) async fn append_locked(
            conn: &mut <$db as sqlx::Database>::Connection,
            draft: relais_access::audit::AuditDraft,
        ) -> Result<relais_access::audit::AuditRecord, crate::StoreError> {
            let mut records = append_batch_locked(conn, vec![draft]).await?;
            records.pop().ok_or(crate::StoreError::Unstorable)
        }

        /// Seals `drafts` one after another after the last record and inserts them, on `conn`,
        /// under the same conditions as [`append_locked`].
        pub(crate) async fn append_batch_locked(
            conn: &mut <$db as sqlx::Database>::Connection,
            drafts: Vec<relais_access::audit::AuditDraft>,
        ) -> Result<Vec<relais_access::audit::AuditRecord>, crate::StoreError> {
            if drafts.is_empty() {
                return Ok(Vec::new());
            }
            let last: Option<(i64, String)> =
                sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *conn)
                    .await?;
            let mut head = match last {
                Some((seq, hash)) => {
                    Some((u64::try_from(seq).map_err(|_| crate::StoreError::AuditUnreadable { seq })?, hash))
                }
                None => None,
            };
            let mut records: Vec<relais_access::audit::AuditRecord> = Vec::with_capacity(drafts.len());
            for draft in drafts {
                let record = relais_access::audit::seal_after(
                    head.as_ref().map(|(seq, hash)| (*seq, hash.as_str())),
                    draft,
                );
                head = Some((record.seq, record.hash.clone()));
                records.push(record);
            }
            for chunk in records.chunks(crate::audit::INSERT_CHUNK) {
                let seqs =
                    chunk.iter().map(|r| crate::audit::stored_seq(r.seq)).collect::<Result<Vec<i64>, _>>()?;
                let mut insert = sqlx::QueryBuilder::<$db>::new(concat!(
                    "INSERT INTO audit_log (",
                    crate::audit::audit_columns!(),
                    ") "
                ));
                insert.push_values(chunk.iter().zip(seqs), |mut row, (record, seq)| {
                    row.push_bind(seq)
                        .push_bind(record.recorded)
                        .push_bind(record.actor.clone())
                        .push_bind(record.on_behalf_of.clone())
                        .push_bind(record.action.clone())
                        .push_bind(record.outcome.code())
                        .push_bind(record.resource_type.clone())
                        .push_bind(record.resource_id.clone())
                        .push_bind(record.patient_id.clone())
                        .push_bind(record.query.clone())
                        .push_bind(record.source_address.clone())
                        .push_bind(record.purpose.clone())
                        .push_bind(record.prev_hash.clone())
                        .push_bind(record.hash.clone())
                        .push_bind(record.break_glass);
                });
                insert.build().execute(&mut *conn).await?;
            }
            Ok(records)
        }
    };
}
pub(crate) use audit_append_ops;

/// `audit_read_ops!(Db)` defines, for one engine, the trail's reads in seq order: `read_records`
/// and `read_head`, and `audit_record` (a row of [`audit_columns!`] as a record). The statements
/// are the same on both engines.
macro_rules! audit_read_ops {
    ($db:ty) => {
        /// See [`crate::AuditLog::audit_records`].
        pub(crate) async fn read_records<'e>(
            executor: impl sqlx::Executor<'e, Database = $db>,
            after_seq: u64,
            limit: u32,
        ) -> Result<Vec<relais_access::audit::AuditRecord>, crate::StoreError> {
            // Past the largest stored seq there is nothing to read.
            let after = i64::try_from(after_seq).unwrap_or(i64::MAX);
            let rows = sqlx::query(concat!(
                "SELECT ",
                crate::audit::audit_columns!(),
                " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
            ))
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(executor)
            .await?;
            rows.iter().map(audit_record).collect()
        }

        /// See [`crate::AuditLog::audit_head`].
        pub(crate) async fn read_head<'e>(
            executor: impl sqlx::Executor<'e, Database = $db>,
        ) -> Result<Option<(u64, String)>, crate::StoreError> {
            let head: Option<(i64, String)> =
                sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(executor)
                    .await?;
            head.map(|(seq, hash)| {
                u64::try_from(seq)
                    .map(|seq| (seq, hash))
                    .map_err(|_| crate::StoreError::AuditUnreadable { seq })
            })
            .transpose()
        }

        /// The record in a row of [`audit_columns!`], or [`crate::StoreError::AuditUnreadable`]
        /// for a negative `seq` or an outcome code Relais never writes (a row edited behind its
        /// back).
        pub(crate) fn audit_record(
            r: &<$db as sqlx::Database>::Row,
        ) -> Result<relais_access::audit::AuditRecord, crate::StoreError> {
            use sqlx::Row;
            let stored_seq: i64 = r.try_get(0)?;
            let outcome: String = r.try_get(5)?;
            let unreadable = crate::StoreError::AuditUnreadable { seq: stored_seq };
            let (Ok(seq), Some(outcome)) =
                (u64::try_from(stored_seq), relais_access::audit::Outcome::from_code(&outcome))
            else {
                return Err(unreadable);
            };
            Ok(relais_access::audit::AuditRecord {
                seq,
                recorded: r.try_get(1)?,
                actor: r.try_get(2)?,
                on_behalf_of: r.try_get(3)?,
                action: r.try_get(4)?,
                outcome,
                resource_type: r.try_get(6)?,
                resource_id: r.try_get(7)?,
                patient_id: r.try_get(8)?,
                query: r.try_get(9)?,
                source_address: r.try_get(10)?,
                purpose: r.try_get(11)?,
                prev_hash: r.try_get(12)?,
                hash: r.try_get(13)?,
                break_glass: r.try_get(14)?,
            })
        }
    };
}
pub(crate) use audit_read_ops;

/// `audit_lookup_ops!(Db)` defines the trail's lookups on an engine that indexes `audit_log`
/// itself (PostgreSQL): `search_records` and `read_patient_records`. SQLite looks up through
/// tables filled off the request's path instead (`sqlite_audit_search.rs`). Needs
/// [`audit_read_ops!`] in the same module.
macro_rules! audit_lookup_ops {
    ($db:ty) => {
        /// See [`crate::AuditLog::audit_search`].
        pub(crate) async fn search_records<'e>(
            executor: impl sqlx::Executor<'e, Database = $db>,
            q: &crate::audit::AuditQuery,
        ) -> Result<Vec<relais_access::audit::AuditRecord>, crate::StoreError> {
            let before = q.before_seq.map_or(i64::MAX, |seq| i64::try_from(seq).unwrap_or(i64::MAX));
            let mut b = sqlx::QueryBuilder::<$db>::new(concat!(
                "SELECT ",
                crate::audit::audit_columns!(),
                " FROM audit_log WHERE seq < "
            ));
            b.push_bind(before);
            crate::audit::push_conditions(&mut b, q);
            b.push(" ORDER BY seq DESC LIMIT ").push_bind(i64::from(q.limit));
            let rows = b.build().fetch_all(executor).await?;
            rows.iter().map(audit_record).collect()
        }

        /// See [`crate::AuditLog::audit_of_patient`].
        pub(crate) async fn read_patient_records<'e>(
            executor: impl sqlx::Executor<'e, Database = $db>,
            patient_id: &str,
            before_seq: Option<u64>,
            limit: u32,
        ) -> Result<Vec<relais_access::audit::AuditRecord>, crate::StoreError> {
            let before = before_seq.map_or(i64::MAX, |seq| i64::try_from(seq).unwrap_or(i64::MAX));
            let rows = sqlx::query(concat!(
                "SELECT ",
                crate::audit::audit_columns!(),
                " FROM audit_log WHERE patient_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"
            ))
            .bind(patient_id)
            .bind(before)
            .bind(i64::from(limit))
            .fetch_all(executor)
            .await?;
            rows.iter().map(audit_record).collect()
        }
    };
}
pub(crate) use audit_lookup_ops;

/// Every condition of `q` on the `audit_log` row, appended as ` AND …` (both engines' searches).
pub(crate) fn push_conditions<DB: sqlx::Database>(b: &mut sqlx::QueryBuilder<DB>, q: &AuditQuery)
where
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> &'static str: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    if let Some(patient) = &q.patient {
        b.push(" AND patient_id = ").push_bind(patient.clone());
    }
    if let Some(agent) = &q.agent {
        b.push(" AND (actor = ").push_bind(agent.clone());
        b.push(" OR on_behalf_of = ").push_bind(agent.clone()).push(")");
    }
    if !q.actions.is_empty() {
        b.push(" AND action IN (");
        let mut list = b.separated(", ");
        for action in &q.actions {
            list.push_bind(action.clone());
        }
        b.push(")");
    }
    if let Some(outcome) = q.outcome {
        b.push(" AND outcome = ").push_bind(outcome.code());
    }
    if let Some(from) = q.recorded_from {
        b.push(" AND recorded >= ").push_bind(from);
    }
    if let Some(to) = q.recorded_to {
        b.push(" AND recorded <= ").push_bind(to);
    }
}
