//! Group commit for SQLite creates. SQLite has one writer; under concurrent load, creates waiting
//! for it are taken together and stored in one transaction, then each caller is answered after
//! the commit. If the group fails (a duplicate id), each caller's creates are retried alone so
//! that only the faulty caller fails. A caller may hand in many creates at once (`create_all`):
//! they are written together, all or nothing.
//!
//! The transaction runs on the create writer's thread (`sqlite_create_writer.rs`), one hand-off
//! per group. While it runs, this task holds the store's sqlx writer connection — the pool has
//! only that one — so no other write of this process (an update, a transaction, an account
//! change) can take SQLite's write lock in between and make either side wait on the lock.

use sqlx::SqlitePool;
use tokio::sync::{mpsc, oneshot};

use crate::sqlite_create_writer::{Create, CreateWriter, Lookup};
use crate::{Created, NewCreate, NewVersion, StoreError, micros};

/// Creates gathered into one transaction at most (one caller's many are never split).
const MAX_GROUP: usize = 64;

/// One caller's creates waiting for the writer, to be stored all or nothing.
struct Job {
    creates: Vec<Create>,
    done: oneshot::Sender<Result<Vec<Created>, StoreError>>,
}

fn create_of(v: &NewVersion<'_>, unless: Option<Lookup>) -> Create {
    Create {
        resource_type: v.resource_type.to_owned(),
        id: v.id.to_owned(),
        last_updated: micros(v.last_updated),
        content: v.content.map(str::to_owned),
        index: v.index.to_vec(),
        unless,
    }
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
        match self.submit(vec![create_of(v, None)]).await?.first() {
            Some(Created::Stored(seq)) => Ok(*seq),
            _ => Err(StoreError::Closed),
        }
    }

    /// Stores each of `creates` unless its token is found, in one transaction, all or nothing
    /// (the writer thread is the only writer, so the lookups need no lock).
    pub(crate) async fn create_all(&self, creates: &[NewCreate<'_>]) -> Result<Vec<Created>, StoreError> {
        if creates.is_empty() {
            return Ok(Vec::new());
        }
        let creates = creates
            .iter()
            .map(|c| {
                let unless = c.unless.map(|u| Lookup {
                    param: u.param.to_owned(),
                    system: u.system.map(str::to_owned),
                    code: u.code.to_owned(),
                });
                create_of(&c.version, unless)
            })
            .collect();
        self.submit(creates).await
    }

    async fn submit(&self, creates: Vec<Create>) -> Result<Vec<Created>, StoreError> {
        let (done, answer) = oneshot::channel();
        self.jobs.send(Job { creates, done }).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

async fn drain(writer: SqlitePool, thread: CreateWriter, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut total = first.creates.len();
        let mut group = vec![first];
        while total < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => {
                    total += job.creates.len();
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        let sizes: Vec<usize> = group.iter().map(|j| j.creates.len()).collect();
        let (creates, dones): (Vec<Vec<Create>>, Vec<_>) =
            group.into_iter().map(|j| (j.creates, j.done)).unzip();
        let (creates, written) =
            write_holding_the_writer(&writer, &thread, creates.into_iter().flatten().collect()).await;
        match written {
            Ok(seqs) => {
                let mut seqs = seqs.into_iter();
                for (done, size) in dones.into_iter().zip(sizes) {
                    let _ = done.send(Ok(seqs.by_ref().take(size).collect()));
                }
            }
            Err(_) if dones.len() > 1 && creates.len() == sizes.iter().sum::<usize>() => {
                // Someone's create failed the group: each caller's again, alone.
                let mut creates = creates.into_iter();
                for (done, size) in dones.into_iter().zip(sizes) {
                    let own: Vec<Create> = creates.by_ref().take(size).collect();
                    let (_, alone) = write_holding_the_writer(&writer, &thread, own).await;
                    let _ = done.send(alone);
                }
            }
            Err(e) => {
                // One caller (whose error it is), or the thread is gone (nothing given back).
                let mut dones = dones.into_iter();
                if let Some(done) = dones.next() {
                    let _ = done.send(Err(e));
                }
                for done in dones {
                    let _ = done.send(Err(StoreError::Closed));
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
) -> (Vec<Create>, Result<Vec<Created>, StoreError>) {
    let held = match writer.acquire().await {
        Ok(held) => held,
        Err(e) => return (creates, Err(e.into())),
    };
    let written = thread.write(creates).await;
    drop(held);
    written
}
