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
//!
//! Between groups the same thread fills the trail's lookup tables (`sqlite_audit_index.rs`):
//! when the queue is empty and enough records wait, after a quiet moment, or, if appends never
//! pause, once too many wait. It starts doing so once the file is migrated ([`AuditAppender::
//! index_in_background`]); [`AuditAppender::index_now`] indexes everything at once.

use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::time::Duration;

use relais_access::audit::{AuditDraft, AuditRecord, seal_after};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tokio::sync::oneshot;

use crate::StoreError;
use crate::sqlite_audit_index::{INDEX_BATCH, INDEX_FORCE, INDEX_IDLE, INDEX_SOON, index_all, index_batch};
use crate::sqlite_checkpointer::{Checkpointer, WRITER_CHECKPOINT_PAGES};

/// The most records one transaction takes from the queue.
const MAX_GROUP: usize = 512;

type Reply = oneshot::Sender<Result<Vec<AuditRecord>, StoreError>>;

struct Job {
    drafts: Vec<AuditDraft>,
    reply: Reply,
}

/// What the writer thread is asked to do.
enum Message {
    Append(Job),
    /// Index every record not indexed yet, now; answers how many.
    IndexNow(oneshot::Sender<Result<u64, StoreError>>),
    /// Index between appends from now on (the file has its lookup tables).
    IndexInBackground,
}

/// The handle on the writer thread. The thread ends, after writing what was queued, when the
/// handle is dropped.
pub(crate) struct AuditAppender {
    jobs: mpsc::Sender<Message>,
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
        conn.pragma_update(None, "wal_autocheckpoint", WRITER_CHECKPOINT_PAGES).map_err(write_error)?;
        let checkpointer = Checkpointer::start(settings.path, settings.busy_timeout, "relais-audit-wal")?;
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("relais-audit".into())
            .spawn(move || run(conn, queue, &checkpointer))
            .map_err(|e| StoreError::Write(format!("cannot start the audit writer thread: {e}")))?;
        Ok(Self { jobs })
    }

    /// Seals and stores `drafts` in one transaction, after whatever is queued before them.
    pub(crate) async fn append(&self, drafts: Vec<AuditDraft>) -> Result<Vec<AuditRecord>, StoreError> {
        if drafts.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Message::Append(Job { drafts, reply })).map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Indexes, after what is queued before it, every record not indexed yet; answers how many.
    pub(crate) async fn index_now(&self) -> Result<u64, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Message::IndexNow(reply)).map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Lets the thread index between appends. Sent once the trail's file is migrated: before
    /// that its lookup tables may not exist.
    pub(crate) fn index_in_background(&self) -> Result<(), StoreError> {
        self.jobs.send(Message::IndexInBackground).map_err(|_| StoreError::Closed)
    }
}

/// The thread's indexing state.
struct Indexer {
    background: bool,
    /// About how many records are not indexed yet (this thread's appends since its last batch).
    pending: u64,
}

impl Indexer {
    /// One batch in the background. A failure (say, another process holding the lock past the
    /// busy timeout) is logged and retried later: searches stay exact without the lookups.
    fn batch(&mut self, conn: &mut Connection) {
        match index_batch(conn, INDEX_BATCH) {
            Ok(done) => self.pending = done.remaining,
            Err(error) => {
                tracing::warn!(%error, "audit trail indexing failed; retrying later");
                self.pending = 0;
            }
        }
    }
}

/// The writer thread. `checkpointer` copies the trail's WAL into its file off this thread's path;
/// it is told after every write and ends with this thread.
fn run(mut conn: Connection, queue: mpsc::Receiver<Message>, checkpointer: &Checkpointer) {
    let mut indexer = Indexer { background: false, pending: 0 };
    let mut held: Option<Job> = None;
    loop {
        let first = match held.take() {
            Some(job) => job,
            None => match next_job(&mut conn, &queue, &mut indexer, checkpointer) {
                Some(job) => job,
                None => return,
            },
        };
        let mut size = first.drafts.len();
        let mut group = vec![first];
        let mut index_requests = Vec::new();
        while size < MAX_GROUP {
            match queue.try_recv() {
                Ok(Message::Append(job)) if size + job.drafts.len() > MAX_GROUP => {
                    held = Some(job);
                    break;
                }
                Ok(Message::Append(job)) => {
                    size += job.drafts.len();
                    group.push(job);
                }
                Ok(Message::IndexNow(reply)) => index_requests.push(reply),
                Ok(Message::IndexInBackground) => indexer.background = true,
                Err(_) => break,
            }
        }
        if write_group(&mut conn, group, size) {
            indexer.pending += size as u64;
        }
        for reply in index_requests {
            let _ = reply.send(index_all(&mut conn));
        }
        if indexer.background && indexer.pending >= INDEX_FORCE {
            indexer.batch(&mut conn);
        }
        checkpointer.committed();
    }
}

/// Waits for the next append; meanwhile answers index requests and, when the queue is empty,
/// indexes in the background. `None` once the handle is dropped and the queue drained.
fn next_job(
    conn: &mut Connection,
    queue: &mpsc::Receiver<Message>,
    indexer: &mut Indexer,
    checkpointer: &Checkpointer,
) -> Option<Job> {
    loop {
        let message = if !indexer.background || indexer.pending == 0 {
            queue.recv().ok()?
        } else if indexer.pending >= INDEX_SOON {
            match queue.try_recv() {
                Ok(message) => message,
                Err(TryRecvError::Empty) => {
                    indexer.batch(conn);
                    checkpointer.committed();
                    continue;
                }
                Err(TryRecvError::Disconnected) => return None,
            }
        } else {
            match queue.recv_timeout(INDEX_IDLE) {
                Ok(message) => message,
                Err(RecvTimeoutError::Timeout) => {
                    indexer.batch(conn);
                    checkpointer.committed();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        };
        match message {
            Message::Append(job) => return Some(job),
            Message::IndexNow(reply) => {
                let _ = reply.send(index_all(conn));
                checkpointer.committed();
            }
            Message::IndexInBackground => indexer.background = true,
        }
    }
}

/// Writes the group's records in one transaction and answers each request; true if stored.
fn write_group(conn: &mut Connection, group: Vec<Job>, size: usize) -> bool {
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
            true
        }
        Err(error) => {
            // What the database refused, never the records' contents.
            tracing::error!(%error, records = size, "audit trail append failed");
            for (_, reply) in replies {
                let _ = reply.send(Err(same_error(&error)));
            }
            false
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
