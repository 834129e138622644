//! Point reads on SQLite (`current`, `version`) without a thread hand-off.
//!
//! sqlx runs each SQLite connection on a worker thread and passes every command and row over a
//! channel; profiling the read benchmark showed about a third of the server's CPU in those
//! channel wake-ups, against microseconds for the lookup itself. So the two point lookups run
//! inline, on a small pool of read-only rusqlite connections to the same file (the same bundled
//! SQLite library as sqlx). A primary-key lookup in WAL mode never waits for the writer, so
//! running it on the async worker thread is as short as the channel round trip it replaces.
//! Scans (history) stay on sqlx's pool.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::{Method, ResourceRow, StoreError, from_micros};

const CURRENT: &str = "SELECT seq, res_type, res_id, version, last_updated, deleted, method, content
     FROM resource_versions WHERE res_type = ?1 AND res_id = ?2 AND is_current = 1";
const VERSION: &str = "SELECT seq, res_type, res_id, version, last_updated, deleted, method, content
     FROM resource_versions WHERE res_type = ?1 AND res_id = ?2 AND version = ?3";

/// Idle read-only connections, taken for one lookup and put back.
pub(crate) struct PointReads {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    keep: usize,
}

impl PointReads {
    pub(crate) fn new(path: &Path, keep: usize) -> PointReads {
        PointReads { path: path.to_owned(), idle: Mutex::new(Vec::new()), keep: keep.max(1) }
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(read_error)?;
        // These reads run on an async worker: never wait long. A WAL reader is only ever busy in
        // rare moments (recovery after a crash); the request then fails fast instead of stalling
        // the worker.
        conn.busy_timeout(std::time::Duration::from_millis(200)).map_err(read_error)?;
        conn.pragma_update(None, "cache_size", -16000).map_err(read_error)?;
        conn.pragma_update(None, "mmap_size", crate::sqlite::MMAP_BYTES).map_err(read_error)?;
        Ok(conn)
    }

    fn with_connection<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let taken = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match taken {
            Some(conn) => conn,
            None => self.open()?,
        };
        let result = f(&conn).map_err(read_error);
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < self.keep {
            idle.push(conn);
        }
        result
    }

    pub(crate) fn current(&self, resource_type: &str, id: &str) -> Result<Option<ResourceRow>, StoreError> {
        self.with_connection(|conn| {
            conn.prepare_cached(CURRENT)?.query_row(params![resource_type, id], row).optional()
        })
    }

    pub(crate) fn version(
        &self,
        resource_type: &str,
        id: &str,
        version: i64,
    ) -> Result<Option<ResourceRow>, StoreError> {
        self.with_connection(|conn| {
            conn.prepare_cached(VERSION)?.query_row(params![resource_type, id, version], row).optional()
        })
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ResourceRow> {
    let method: String = r.get(6)?;
    Ok(ResourceRow {
        seq: r.get(0)?,
        resource_type: r.get(1)?,
        id: r.get(2)?,
        version: r.get(3)?,
        last_updated: from_micros(r.get(4)?),
        deleted: r.get(5)?,
        method: Method::parse(&method),
        content: r.get(7)?,
    })
}

fn read_error(e: rusqlite::Error) -> StoreError {
    StoreError::Read(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bundled SQLite must be built with the settings of `.cargo/config.toml`: without them
    /// every reader waits on one global page-cache lock and search is several times slower
    /// (docs/performance.md). A build that lost them fails here rather than in production.
    #[test]
    fn sqlite_is_built_with_private_page_caches_and_a_large_mmap_cap() {
        let conn = Connection::open_in_memory().unwrap();
        let options: Vec<String> = conn
            .prepare("PRAGMA compile_options")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"), "{options:?}");
        assert!(options.iter().any(|o| o == "MAX_MMAP_SIZE=68719476736"), "{options:?}");
    }

    #[test]
    fn point_readers_map_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relais.db");
        Connection::open(&path).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
        let reads = PointReads::new(&path, 1);
        let mapped: i64 =
            reads.with_connection(|c| c.query_row("PRAGMA mmap_size", [], |r| r.get(0))).unwrap();
        assert_eq!(mapped, crate::sqlite::MMAP_BYTES);
    }
}
