//! Checkpoints a SQLite file's WAL from a thread of its own, off its writer's path.
//!
//! By default the connection whose commit takes the WAL past 1,000 pages copies the WAL into the
//! database file then and there, with two `fsync`s (`synchronous = NORMAL` syncs at checkpoints):
//! a few milliseconds on our disk, during which the writer, and every request waiting for its
//! commit, sleeps. The audit trail's writer commits for every read, so this happened several
//! times a second, on the critical path of whichever reads were waiting (docs/performance.md,
//! "the p99 sleep").
//!
//! Here the writer's automatic checkpoint is raised to [`WRITER_CHECKPOINT_PAGES`] and this
//! thread runs a `PASSIVE` checkpoint every [`EVERY`]: it copies and syncs without taking the
//! write lock, so appends go on meanwhile. The writer's own checkpoint stays as a bound on the
//! WAL's size: under a load that never pauses the passive checkpoints never find the WAL wholly
//! copied, so SQLite cannot start it over, and the writer's checkpoint (which then has little left
//! to copy) lets it.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::Connection;

use crate::StoreError;

/// How often the thread checkpoints.
const EVERY: Duration = Duration::from_millis(50);
/// The writer's `wal_autocheckpoint`: the WAL's bound, in pages (40 MB of 4 KB pages).
pub(crate) const WRITER_CHECKPOINT_PAGES: i64 = 10_000;

/// The handle on the thread: it ends when the handle is dropped.
pub(crate) struct Checkpointer {
    _stop: mpsc::Sender<()>,
}

impl Checkpointer {
    /// Starts checkpointing the WAL of the database file at `path` (which must exist).
    pub(crate) fn start(path: &Path, busy_timeout: Duration, name: &str) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(checkpoint_error)?;
        conn.busy_timeout(busy_timeout).map_err(checkpoint_error)?;
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                    // (busy, WAL pages, pages copied): nothing to act on; a failure (the file
                    // locked by a restore, say) is retried at the next turn.
                    let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                    if let Err(error) = done {
                        tracing::debug!(%error, "WAL checkpoint skipped");
                    }
                }
            })
            .map_err(|e| StoreError::Write(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Self { _stop: stop })
    }
}

fn checkpoint_error(e: rusqlite::Error) -> StoreError {
    StoreError::Write(format!("checkpointer: {e}"))
}
