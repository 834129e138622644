//! Group commit for SQLite creates. SQLite has one writer, and every statement is a hand-off to
//! that connection's thread; under concurrent load, creates waiting for the writer are taken
//! together and stored in one transaction with one multi-row `INSERT`, then each caller is
//! answered after the commit. If the group fails (a duplicate id), each create is retried alone
//! so that only the faulty one fails.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, Row, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use crate::index::Indexed;
use crate::{IndexEntry, Method, NewVersion, StoreError, micros};

crate::index::insert_index!(insert_index, sqlx::Sqlite);

/// Most creates stored in one transaction.
const MAX_GROUP: usize = 64;

/// A create waiting for the writer.
struct Job {
    resource_type: String,
    id: String,
    last_updated: i64,
    content: Option<String>,
    index: Vec<IndexEntry>,
    done: oneshot::Sender<Result<i64, StoreError>>,
}

/// The queue in front of the writer connection.
pub(crate) struct GroupCommit {
    jobs: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the task that drains the queue into `writer`.
    pub(crate) fn start(writer: SqlitePool) -> GroupCommit {
        let (jobs, queue) = mpsc::channel(4 * MAX_GROUP);
        tokio::spawn(drain(writer, queue));
        GroupCommit { jobs }
    }

    /// Whether the task that drains the queue is gone (then no create can succeed).
    pub(crate) fn is_stopped(&self) -> bool {
        self.jobs.is_closed()
    }

    /// Stores version 1 of a new resource; answers its `seq` once committed.
    pub(crate) async fn create(&self, v: &NewVersion<'_>) -> Result<i64, StoreError> {
        let (done, answer) = oneshot::channel();
        let job = Job {
            resource_type: v.resource_type.to_owned(),
            id: v.id.to_owned(),
            last_updated: micros(v.last_updated),
            content: v.content.map(str::to_owned),
            index: v.index.to_vec(),
            done,
        };
        self.jobs.send(job).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

async fn drain(writer: SqlitePool, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        match insert(&writer, &group).await {
            Ok(seqs) => {
                for job in group {
                    let seq = seqs.get(&(job.resource_type.clone(), job.id.clone())).copied();
                    let _ = job.done.send(seq.ok_or(StoreError::Closed));
                }
            }
            Err(_) if group.len() > 1 => {
                for job in group {
                    let alone = insert(&writer, std::slice::from_ref(&job)).await;
                    let seq = alone.and_then(|seqs| seqs.into_values().next().ok_or(StoreError::Closed));
                    let _ = job.done.send(seq);
                }
            }
            Err(e) => {
                if let Some(job) = group.pop() {
                    let _ = job.done.send(Err(e));
                }
            }
        }
    }
}

/// Inserts the group in one transaction; the `seq` of each (type, id).
async fn insert(writer: &SqlitePool, group: &[Job]) -> Result<HashMap<(String, String), i64>, StoreError> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
    // The statement text depends only on the group's size; every value is bound.
    let rows = vec!["(?, ?, 1, 1, ?, ?, ?, ?)"; group.len()].join(", ");
    let sql = format!(
        "INSERT INTO resource_versions (res_type, res_id, version, is_current, deleted, last_updated, method, content)
         VALUES {rows} RETURNING res_type, res_id, seq"
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for job in group {
        query = query
            .bind(&job.resource_type)
            .bind(&job.id)
            .bind(job.content.is_none())
            .bind(job.last_updated)
            .bind(Method::Post.as_str())
            .bind(&job.content);
    }
    let mut seqs = HashMap::with_capacity(group.len());
    for row in query.fetch_all(&mut *tx).await? {
        seqs.insert((row.try_get(0)?, row.try_get(1)?), row.try_get(2)?);
    }
    let indexed: Vec<Indexed<'_>> = group
        .iter()
        .map(|job| Indexed { resource_type: &job.resource_type, id: &job.id, entries: &job.index })
        .collect();
    insert_index(&mut tx, &indexed).await?;
    tx.commit().await?;
    Ok(seqs)
}
