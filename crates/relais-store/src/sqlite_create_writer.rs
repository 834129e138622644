//! The transaction of a group of SQLite creates (see `group_commit.rs`), run on a thread of its
//! own with a rusqlite connection.
//!
//! Through sqlx a group was a dozen statements or more — `BEGIN IMMEDIATE`, the multi-row insert
//! whose `RETURNING` rows came back one message each, one insert per kind of index row, `COMMIT`
//! — each a round trip to sqlx's connection thread and back. Here the whole transaction is one
//! hand-off to this thread and one answer back; the statements are prepared once and kept.
//!
//! The thread has a connection of its own, so it must never write while the store's sqlx writer
//! does: the group commit holds the writer pool's only connection for the whole group (see
//! `group_commit.rs`), which keeps every other in-process write out until the group is done.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use relais_fhir::search::{IndexEntry, IndexValue};
use rusqlite::{Connection, TransactionBehavior, params};
use tokio::sync::oneshot;

use crate::{Created, Method, StoreError};

/// Version 1 of a new resource, as the group commit stores it.
pub(crate) struct Create {
    pub(crate) resource_type: String,
    pub(crate) id: String,
    /// Microseconds since the epoch.
    pub(crate) last_updated: i64,
    pub(crate) content: Option<String>,
    pub(crate) index: Vec<IndexEntry>,
    /// Not stored if a current resource of the type carries this token.
    pub(crate) unless: Option<Lookup>,
}

/// A token to look up before a create (see `Create::unless`).
pub(crate) struct Lookup {
    pub(crate) param: String,
    pub(crate) system: Option<String>,
    pub(crate) code: String,
}

/// The creates given back with the outcome, so that a failed group can be retried one by one.
pub(crate) type Written = (Vec<Create>, Result<Vec<Created>, StoreError>);

struct Job {
    creates: Vec<Create>,
    reply: oneshot::Sender<Written>,
}

/// The handle on the thread; it ends when the handle is dropped.
pub(crate) struct CreateWriter {
    jobs: mpsc::Sender<Job>,
}

/// How the thread's connection is set up: as the store's writer is.
pub(crate) struct WriterSettings<'a> {
    pub(crate) path: &'a Path,
    /// `PRAGMA synchronous` value (`NORMAL` or `FULL`).
    pub(crate) synchronous: &'static str,
    pub(crate) busy_timeout: Duration,
}

impl CreateWriter {
    pub(crate) fn start(settings: &WriterSettings<'_>) -> Result<Self, StoreError> {
        let conn = Connection::open(settings.path).map_err(write_error)?;
        conn.busy_timeout(settings.busy_timeout).map_err(write_error)?;
        conn.pragma_update(None, "synchronous", settings.synchronous).map_err(write_error)?;
        conn.pragma_update(None, "foreign_keys", true).map_err(write_error)?;
        conn.pragma_update(None, "temp_store", "memory").map_err(write_error)?;
        conn.pragma_update(None, "cache_size", -16000).map_err(write_error)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("relais-creates".into())
            .spawn(move || {
                let mut conn = conn;
                while let Ok(job) = queue.recv() {
                    let outcome = insert_all(&mut conn, &job.creates);
                    let _ = job.reply.send((job.creates, outcome));
                }
            })
            .map_err(|e| StoreError::Write(format!("cannot start the create writer thread: {e}")))?;
        Ok(Self { jobs })
    }

    /// Stores `creates` in one transaction: each one's `seq`, in order, or nothing stored.
    pub(crate) async fn write(&self, creates: Vec<Create>) -> Written {
        let (reply, answer) = oneshot::channel();
        if let Err(mpsc::SendError(job)) = self.jobs.send(Job { creates, reply }) {
            return (job.creates, Err(StoreError::Closed));
        }
        match answer.await {
            Ok(written) => written,
            // The thread is gone (it panicked): nothing to give back, nothing stored.
            Err(_) => (Vec::new(), Err(StoreError::Closed)),
        }
    }
}

const VERSION: &str = "INSERT INTO resource_versions
     (res_type, res_id, version, is_current, deleted, last_updated, method, content)
     VALUES (?1, ?2, 1, 1, ?3, ?4, ?5, ?6)";
const TOKEN: &str = "INSERT INTO idx_token (res_type, res_id, param, ord, system, code, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const STRING: &str =
    "INSERT INTO idx_string (res_type, res_id, param, ord, value, exact) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
const DATE: &str =
    "INSERT INTO idx_date (res_type, res_id, param, ord, lo, hi) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
const REFERENCE: &str =
    "INSERT INTO idx_reference (res_type, res_id, param, ord, target_type, target_id, url)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const QUANTITY: &str = "INSERT INTO idx_quantity
     (res_type, res_id, param, ord, value, system, code, unit, concept_system, concept_code)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
const NUMBER: &str =
    "INSERT INTO idx_number (res_type, res_id, param, ord, value) VALUES (?1, ?2, ?3, ?4, ?5)";
const URI: &str = "INSERT INTO idx_uri (res_type, res_id, param, ord, value) VALUES (?1, ?2, ?3, ?4, ?5)";

/// The ids of current resources carrying a token (as `find_by_token`, whose plan notes apply).
const FIND: &str = "SELECT DISTINCT res_id FROM idx_token
     WHERE res_type = ?1 AND param = ?2 AND code = ?3 AND (?4 IS NULL OR system = ?4)
     ORDER BY +res_id";

fn found(
    tx: &rusqlite::Transaction<'_>,
    resource_type: &str,
    lookup: &Lookup,
) -> rusqlite::Result<Vec<String>> {
    let mut find = tx.prepare_cached(FIND)?;
    let rows =
        find.query_map(params![resource_type, lookup.param, lookup.code, lookup.system], |row| row.get(0))?;
    rows.collect()
}

fn insert_all(conn: &mut Connection, creates: &[Create]) -> Result<Vec<Created>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(write_error)?;
    let mut seqs = Vec::with_capacity(creates.len());
    for create in creates {
        if let Some(lookup) = &create.unless {
            let ids = found(&tx, &create.resource_type, lookup).map_err(write_error)?;
            if !ids.is_empty() {
                seqs.push(Created::Found(ids));
                continue;
            }
        }
        tx.prepare_cached(VERSION)
            .and_then(|mut insert| {
                insert.execute(params![
                    create.resource_type,
                    create.id,
                    create.content.is_none(),
                    create.last_updated,
                    Method::Post.as_str(),
                    create.content,
                ])
            })
            .map_err(write_error)?;
        seqs.push(Created::Stored(tx.last_insert_rowid()));
        insert_index(&tx, create).map_err(write_error)?;
    }
    tx.commit().map_err(write_error)?;
    Ok(seqs)
}

/// The index rows of one resource; `ord` numbers a resource's entries of each kind from 0, as
/// `index::of_kind` does for the sqlx writes.
fn insert_index(tx: &rusqlite::Transaction<'_>, create: &Create) -> rusqlite::Result<()> {
    let (t, id) = (create.resource_type.as_str(), create.id.as_str());
    let mut ords = [0_i64; 7];
    for entry in &create.index {
        let param = entry.param.as_str();
        let kind = match &entry.value {
            IndexValue::Token { .. } => 0,
            IndexValue::String { .. } => 1,
            IndexValue::Date { .. } => 2,
            IndexValue::Reference { .. } => 3,
            IndexValue::Quantity { .. } => 4,
            IndexValue::Number(_) => 5,
            IndexValue::Uri(_) => 6,
        };
        let ord = ords[kind];
        ords[kind] += 1;
        match &entry.value {
            IndexValue::Token { system, code, text } => {
                tx.prepare_cached(TOKEN)?.execute(params![t, id, param, ord, system, code, text])?
            }
            IndexValue::String { value, exact } => {
                tx.prepare_cached(STRING)?.execute(params![t, id, param, ord, value, exact])?
            }
            IndexValue::Date { lo, hi } => {
                tx.prepare_cached(DATE)?.execute(params![t, id, param, ord, lo, hi])?
            }
            IndexValue::Reference { target_type, id: target, url } => {
                tx.prepare_cached(REFERENCE)?.execute(params![t, id, param, ord, target_type, target, url])?
            }
            IndexValue::Quantity { value, system, code, unit, concept_system, concept_code } => {
                tx.prepare_cached(QUANTITY)?.execute(params![
                    t,
                    id,
                    param,
                    ord,
                    value,
                    system,
                    code,
                    unit,
                    concept_system,
                    concept_code
                ])?
            }
            IndexValue::Number(value) => {
                tx.prepare_cached(NUMBER)?.execute(params![t, id, param, ord, value])?
            }
            IndexValue::Uri(value) => tx.prepare_cached(URI)?.execute(params![t, id, param, ord, value])?,
        };
    }
    Ok(())
}

/// A resource that already exists is the conflict the caller tells apart; anything else is a
/// write error.
fn write_error(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(failure, _)
            if matches!(
                failure.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ) =>
        {
            StoreError::Conflict
        }
        _ => StoreError::Write(e.to_string()),
    }
}
