//! The audit writer: one background task that appends whatever accesses are queued as one batch
//! (`AuditLog::append_audit_batch`), so that the trail costs one transaction per group of
//! concurrent requests instead of one per request, and the chain's lock is taken once per group.
//!
//! [`AuditWriter::record`] returns only once the records are durable: a use case awaits it
//! before its data leaves the server, and a failure to write the trail fails the request (fail
//! closed). The queue is bounded, so a slow database slows requests down rather than letting
//! unwritten records pile up in memory.

use std::sync::Arc;

use relais_access::audit::{AuditDraft, AuditRecord};
use relais_store::ResourceStore;
use tokio::sync::{mpsc, oneshot};

/// The most records written in one transaction. A request with more (a search touching many
/// patients' records) is written alone, whole.
pub const MAX_BATCH: usize = 256;

/// Requests waiting for the writer before `record` itself waits for room.
const QUEUE: usize = 4096;

/// The trail could not be written: the access must not go ahead. The cause is logged by the
/// writer (never with the records' contents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("audit-unavailable: the audit trail could not be written")]
pub struct AuditUnavailable;

type Reply = oneshot::Sender<Result<Vec<AuditRecord>, AuditUnavailable>>;

/// Drafts of one request and where to answer.
struct Job {
    drafts: Vec<AuditDraft>,
    reply: Reply,
}

/// A handle on the writer task; clones share it. The task ends when the last handle is dropped,
/// after writing what was queued.
#[derive(Clone)]
pub struct AuditWriter {
    queue: mpsc::Sender<Job>,
}

impl std::fmt::Debug for AuditWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditWriter").finish_non_exhaustive()
    }
}

impl AuditWriter {
    /// Starts the writer task on the current Tokio runtime, appending to `store`.
    pub fn start(store: Arc<dyn ResourceStore>) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, jobs));
        Self { queue }
    }

    /// Appends `draft` to the trail and returns once it is stored.
    ///
    /// # Errors
    /// [`AuditUnavailable`] if the store refused or the writer has stopped.
    pub async fn record(&self, draft: AuditDraft) -> Result<AuditRecord, AuditUnavailable> {
        self.record_all(vec![draft]).await?.pop().ok_or(AuditUnavailable)
    }

    /// Appends `drafts` to the trail, all in the same transaction, and returns once they are
    /// stored (consecutive records, in order). Nothing to write answers at once.
    ///
    /// # Errors
    /// [`AuditUnavailable`] if the store refused or the writer has stopped: then none of them is
    /// stored.
    pub async fn record_all(&self, drafts: Vec<AuditDraft>) -> Result<Vec<AuditRecord>, AuditUnavailable> {
        if drafts.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = oneshot::channel();
        self.queue.send(Job { drafts, reply }).await.map_err(|_| AuditUnavailable)?;
        answer.await.map_err(|_| AuditUnavailable)?
    }
}

/// Waits for a job, takes every job already queued behind it up to [`MAX_BATCH`] records, writes
/// them in one transaction and answers each request with its own records.
async fn run(store: Arc<dyn ResourceStore>, mut jobs: mpsc::Receiver<Job>) {
    let mut held: Option<Job> = None;
    loop {
        let first = match held.take() {
            Some(job) => job,
            None => match jobs.recv().await {
                Some(job) => job,
                None => return,
            },
        };
        let mut group = vec![first];
        let mut size = group[0].drafts.len();
        while size < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) if size + job.drafts.len() > MAX_BATCH => {
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
        write(&*store, group, size).await;
    }
}

async fn write(store: &dyn ResourceStore, group: Vec<Job>, size: usize) {
    let mut drafts = Vec::with_capacity(size);
    let mut replies = Vec::with_capacity(group.len());
    for job in group {
        replies.push((job.drafts.len(), job.reply));
        drafts.extend(job.drafts);
    }
    match store.append_audit_batch(drafts).await {
        Ok(records) => {
            let mut records = records.into_iter();
            for (count, reply) in replies {
                // A request that gave up waiting no longer needs its answer.
                let _ = reply.send(Ok(records.by_ref().take(count).collect()));
            }
        }
        Err(error) => {
            // The error says what the database refused, never the records' contents.
            tracing::error!(%error, records = size, "audit trail append failed; the requests are refused");
            for (_, reply) in replies {
                let _ = reply.send(Err(AuditUnavailable));
            }
        }
    }
}
