//! Appends to the SQLite audit trail from a thread of its own, on a rusqlite connection.
//!
//! Every read of a record waits for its audit record to be stored (fail closed), so the time an
//! append takes is part of every request's latency. Through sqlx an append group was four
//! statements (`BEGIN IMMEDIATE`, read the last record, insert, `COMMIT`), each a round trip to
//! sqlx's connection thread and back: eight thread wake-ups per group, during which the other
//! requests' records waited. An off-CPU profile of the read benchmark showed the server's
//! threads mostly parked in those hand-offs with half a core idle (docs/performance.md). Here
//! one thread owns the connection and does the whole group in one go: one wake-up in, one
//! answer out.
//!
//! The thread takes every job already queued (up to [`MAX_GROUP`] records) into one
//! transaction, so it groups on its own as well; a request with more records is written alone,
//! whole. The transaction is `IMMEDIATE`, so another process appending to the same file (a CLI
//! command while the server runs) cannot seal after the same record.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use relais_access::audit::{AuditDraft, AuditRecord, seal_after};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tokio::sync::oneshot;

use crate::StoreError;

/// The most records one transaction takes from the queue.
const MAX_GROUP: usize = 512;

type Reply = oneshot::Sender<Result<Vec<AuditRecord>, StoreError>>;

struct Job {
    drafts: Vec<AuditDraft>,
    reply: Reply,
}

/// The handle on the writer thread. The thread ends, after writing what was queued, when the
/// handle is dropped.
pub(crate) struct AuditAppender {
    jobs: mpsc::Sender<Job>,
}

/// How the thread's connection is set up: as the store's own connections are.
pub(crate) struct AppenderSettings<'a> {
    pub(crate) path: &'a Path,
    /// `PRAGMA synchronous` value (`NORMAL` or `FULL`).
    pub(crate) synchronous: &'static str,
    pub(crate) busy_timeout: Duration,
}

impl AuditAppender {
    /// Opens the connection (the file must exist, migrated) and starts the thread.
    pub(crate) fn start(settings: &AppenderSettings<'_>) -> Result<Self, StoreError> {
        let conn = Connection::open(settings.path).map_err(write_error)?;
        conn.busy_timeout(settings.busy_timeout).map_err(write_error)?;
        conn.pragma_update(None, "synchronous", settings.synchronous).map_err(write_error)?;
        conn.pragma_update(None, "cache_size", -4000).map_err(write_error)?;
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("relais-audit".into())
            .spawn(move || run(conn, queue))
            .map_err(|e| StoreError::Write(format!("cannot start the audit writer thread: {e}")))?;
        Ok(Self { jobs })
    }

    /// Seals and stores `drafts` in one transaction, after whatever is queued before them.
    pub(crate) async fn append(&self, drafts: Vec<AuditDraft>) -> Result<Vec<AuditRecord>, StoreError> {
        if drafts.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job { drafts, reply }).map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

fn run(mut conn: Connection, queue: mpsc::Receiver<Job>) {
    let mut held: Option<Job> = None;
    loop {
        let first = match held.take() {
            Some(job) => job,
            None => match queue.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
        };
        let mut size = first.drafts.len();
        let mut group = vec![first];
        while size < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) if size + job.drafts.len() > MAX_GROUP => {
                    held = Some(job);
                    break;
                }
                Ok(job) => {
                    size += job.drafts.len();
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        write_group(&mut conn, group, size);
    }
}

fn write_group(conn: &mut Connection, group: Vec<Job>, size: usize) {
    let mut drafts = Vec::with_capacity(size);
    let mut replies = Vec::with_capacity(group.len());
    for job in group {
        replies.push((job.drafts.len(), job.reply));
        drafts.extend(job.drafts);
    }
    match append_all(conn, drafts) {
        Ok(records) => {
            let mut records = records.into_iter();
            for (count, reply) in replies {
                // A request that gave up waiting no longer needs its answer.
                let _ = reply.send(Ok(records.by_ref().take(count).collect()));
            }
        }
        Err(error) => {
            // What the database refused, never the records' contents.
            tracing::error!(%error, records = size, "audit trail append failed");
            for (_, reply) in replies {
                let _ = reply.send(Err(same_error(&error)));
            }
        }
    }
}

const LAST: &str = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";
const INSERT: &str = concat!(
    "INSERT INTO audit_log (",
    crate::audit::audit_columns!(),
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
);

/// Seals `drafts` after the last stored record and inserts them, all or none.
fn append_all(conn: &mut Connection, drafts: Vec<AuditDraft>) -> Result<Vec<AuditRecord>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(write_error)?;
    let last: Option<(i64, String)> = tx
        .prepare_cached(LAST)
        .and_then(|mut last| last.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .map_err(write_error)?;
    let mut head = match last {
        // A negative seq was written behind Relais's back: refuse to extend such a chain.
        Some((seq, hash)) => {
            Some((u64::try_from(seq).map_err(|_| StoreError::AuditUnreadable { seq })?, hash))
        }
        None => None,
    };
    let mut records = Vec::with_capacity(drafts.len());
    {
        let mut insert = tx.prepare_cached(INSERT).map_err(write_error)?;
        for draft in drafts {
            let record = seal_after(head.as_ref().map(|(seq, hash)| (*seq, hash.as_str())), draft);
            let seq = i64::try_from(record.seq).map_err(|_| StoreError::Unstorable)?;
            insert
                .execute(params![
                    seq,
                    record.recorded,
                    record.actor,
                    record.on_behalf_of,
                    record.action,
                    record.outcome.code(),
                    record.resource_type,
                    record.resource_id,
                    record.patient_id,
                    record.query,
                    record.source_address,
                    record.purpose,
                    record.prev_hash,
                    record.hash,
                    record.break_glass,
                ])
                .map_err(write_error)?;
            head = Some((record.seq, record.hash.clone()));
            records.push(record);
        }
    }
    tx.commit().map_err(write_error)?;
    Ok(records)
}

/// The group's error, once for each request of the group.
fn same_error(error: &StoreError) -> StoreError {
    match error {
        StoreError::AuditUnreadable { seq } => StoreError::AuditUnreadable { seq: *seq },
        StoreError::Unstorable => StoreError::Unstorable,
        other => StoreError::Write(other.to_string()),
    }
}

fn write_error(e: rusqlite::Error) -> StoreError {
    StoreError::Write(e.to_string())
}
