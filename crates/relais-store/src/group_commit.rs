//! Group commit for SQLite creates. SQLite has one writer; under concurrent load, creates waiting
//! for it are taken together and stored in one transaction, then each caller is answered after
//! the commit. If the group fails (a duplicate id), each create is retried alone so that only the
//! faulty one fails.
//!
//! The transaction runs on the create writer's thread (`sqlite_create_writer.rs`), one hand-off
//! per group. While it runs, this task holds the store's sqlx writer connection — the pool has
//! only that one — so no other write of this process (an update, a transaction, an account
//! change) can take SQLite's write lock in between and make either side wait on the lock.

use sqlx::SqlitePool;
use tokio::sync::{mpsc, oneshot};

use crate::sqlite_create_writer::{Create, CreateWriter};
use crate::{NewVersion, StoreError, micros};

/// Most creates stored in one transaction.
const MAX_GROUP: usize = 64;

/// A create waiting for the writer.
struct Job {
    create: Create,
    done: oneshot::Sender<Result<i64, StoreError>>,
}

/// The queue in front of the writer.
pub(crate) struct GroupCommit {
    jobs: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the task that drains the queue into `thread`, holding `writer` (the store's
    /// single sqlx writer connection) while each group is written.
    pub(crate) fn start(writer: SqlitePool, thread: CreateWriter) -> GroupCommit {
        let (jobs, queue) = mpsc::channel(4 * MAX_GROUP);
        tokio::spawn(drain(writer, thread, queue));
        GroupCommit { jobs }
    }

    /// Whether the task that drains the queue is gone (then no create can succeed).
    pub(crate) fn is_stopped(&self) -> bool {
        self.jobs.is_closed()
    }

    /// Stores version 1 of a new resource; answers its `seq` once committed.
    pub(crate) async fn create(&self, v: &NewVersion<'_>) -> Result<i64, StoreError> {
        let (done, answer) = oneshot::channel();
        let create = Create {
            resource_type: v.resource_type.to_owned(),
            id: v.id.to_owned(),
            last_updated: micros(v.last_updated),
            content: v.content.map(str::to_owned),
            index: v.index.to_vec(),
        };
        self.jobs.send(Job { create, done }).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

async fn drain(writer: SqlitePool, thread: CreateWriter, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let (creates, mut dones): (Vec<Create>, Vec<_>) =
            group.into_iter().map(|j| (j.create, j.done)).unzip();
        let (creates, written) = write_holding_the_writer(&writer, &thread, creates).await;
        match written {
            Ok(seqs) => {
                for (done, seq) in dones.into_iter().zip(seqs) {
                    let _ = done.send(Ok(seq));
                }
            }
            Err(_) if creates.len() > 1 => {
                for (create, done) in creates.into_iter().zip(dones) {
                    let (_, alone) = write_holding_the_writer(&writer, &thread, vec![create]).await;
                    let seq = alone.and_then(|seqs| seqs.first().copied().ok_or(StoreError::Closed));
                    let _ = done.send(seq);
                }
            }
            Err(e) => {
                if let Some(done) = dones.pop() {
                    let _ = done.send(Err(e));
                }
            }
        }
    }
}

/// Writes `creates` on the thread while holding the sqlx writer connection.
async fn write_holding_the_writer(
    writer: &SqlitePool,
    thread: &CreateWriter,
    creates: Vec<Create>,
) -> (Vec<Create>, Result<Vec<i64>, StoreError>) {
    let held = match writer.acquire().await {
        Ok(held) => held,
        Err(e) => return (creates, Err(e.into())),
    };
    let written = thread.write(creates).await;
    drop(held);
    written
}
