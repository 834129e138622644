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
//! thread runs a `PASSIVE` checkpoint at most every [`EVERY`] while there is something to copy:
//! it copies and syncs without taking the write lock, so appends go on meanwhile. The writer's
//! own checkpoint stays as a bound on the WAL's size: under a load that never pauses the passive
//! checkpoints never find the WAL wholly copied, so SQLite cannot start it over, and the writer's
//! checkpoint (which then has little left to copy) lets it.
//!
//! The writer tells the thread when it commits ([`Checkpointer::committed`]); once the WAL is
//! wholly copied the thread sleeps until the next commit. What the WAL holds when the thread
//! starts (migrations, a crash) is copied first. It used to run every 50 ms whatever
//! happened: twenty wake-ups a second on an idle server, a cost charged to everything else the
//! machine does (the video node's CPU figure counts the whole process).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::StoreError;

/// The shortest time between two checkpoints: commits meanwhile are copied together.
const EVERY: Duration = Duration::from_millis(50);
/// The writer's `wal_autocheckpoint`: the WAL's bound, in pages (40 MB of 4 KB pages).
pub(crate) const WRITER_CHECKPOINT_PAGES: i64 = 10_000;

/// The writer's handle on the thread: it ends when the handle is dropped.
pub(crate) struct Checkpointer {
    /// One pending "something was committed" at most: more add nothing.
    commits: mpsc::SyncSender<()>,
    /// Checkpoints run so far: how tests see that an idle file is left alone.
    #[cfg_attr(not(test), allow(dead_code))]
    runs: Arc<AtomicU64>,
}

impl Checkpointer {
    /// Starts checkpointing the WAL of the database file at `path` (which must exist).
    pub(crate) fn start(path: &Path, busy_timeout: Duration, name: &str) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(checkpoint_error)?;
        conn.busy_timeout(busy_timeout).map_err(checkpoint_error)?;
        let (commits, committed) = mpsc::sync_channel::<()>(1);
        // What is in the WAL already (migrations, a crash, another process) is copied first.
        let _ = commits.try_send(());
        let runs = Arc::new(AtomicU64::new(0));
        let counted = runs.clone();
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                // Asleep until a commit; then copies, pausing between tries, until nothing is
                // left to copy.
                while committed.recv().is_ok() {
                    loop {
                        if !pause(&committed) {
                            return;
                        }
                        counted.fetch_add(1, Ordering::Relaxed);
                        if wholly_copied(&conn) {
                            break;
                        }
                    }
                }
            })
            .map_err(|e| StoreError::Write(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Self { commits, runs })
    }

    /// Tells the thread the writer committed: the WAL has pages to copy.
    pub(crate) fn committed(&self) {
        // Full means a signal is already pending; disconnected cannot happen while the handle
        // lives (the thread ends only when every sender is gone).
        let _ = self.commits.try_send(());
    }

    #[cfg(test)]
    fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }
}

/// Waits [`EVERY`], taking in the commits that come meanwhile; false when the handle is gone.
fn pause(committed: &mpsc::Receiver<()>) -> bool {
    let until = Instant::now() + EVERY;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        match committed.recv_timeout(left) {
            Ok(()) => {}
            Err(RecvTimeoutError::Timeout) => return true,
            Err(RecvTimeoutError::Disconnected) => return false,
        }
    }
}

/// Runs a passive checkpoint; true when the WAL is now wholly in the database file. Another
/// connection checkpointing (busy), readers holding old pages, or a failure (the file locked by
/// a restore, say) leave work: retried after the pause.
fn wholly_copied(conn: &Connection) -> bool {
    // (busy, frames in the WAL, frames copied): busy comes as (1, -1, -1), not as an error.
    let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
    });
    match done {
        Ok((busy, frames, copied)) => busy == 0 && frames == copied,
        Err(error) => {
            tracing::debug!(%error, "WAL checkpoint skipped");
            false
        }
    }
}

fn checkpoint_error(e: rusqlite::Error) -> StoreError {
    StoreError::Write(format!("checkpointer: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database in WAL mode with a writer that checkpoints only when told to.
    fn wal_database(dir: &tempfile::TempDir) -> (std::path::PathBuf, Connection) {
        let path = dir.path().join("trail.db");
        let writer = Connection::open(&path).expect("opens");
        writer.pragma_update(None, "journal_mode", "WAL").expect("WAL");
        writer.pragma_update(None, "wal_autocheckpoint", 0).expect("no automatic checkpoint");
        writer.execute_batch("CREATE TABLE t (x BLOB)").expect("creates");
        (path, writer)
    }

    fn file_size(path: &Path) -> u64 {
        std::fs::metadata(path).expect("the database file").len()
    }

    /// Whether `done` comes true within `within`, looking every 10 ms (a blocking test: the
    /// thread under test is a plain thread).
    fn within(within: Duration, mut done: impl FnMut() -> bool) -> bool {
        let (_keep, tick) = mpsc::channel::<()>();
        let until = Instant::now() + within;
        while Instant::now() < until {
            if done() {
                return true;
            }
            let _ = tick.recv_timeout(Duration::from_millis(10));
        }
        done()
    }

    /// Six times the pause between checkpoints: a checkpoint due would have run.
    const QUIET: Duration = Duration::from_millis(300);

    #[test]
    fn the_wal_is_copied_at_start_and_after_a_commit_and_an_idle_file_is_left_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (path, writer) = wal_database(&dir);
        writer.execute("INSERT INTO t VALUES (zeroblob(50000))", []).expect("inserts");
        let before = file_size(&path);
        let checkpointer = Checkpointer::start(&path, Duration::from_secs(1), "test-wal").expect("starts");
        // What the WAL held when it started is copied (most of the blob's bytes reach the file:
        // part of it shares a page with the row); then, nothing committed, it sleeps.
        let copied = within(Duration::from_secs(5), || file_size(&path) >= before + 45_000);
        assert!(copied, "what the WAL held at start was not copied");
        let runs = checkpointer.runs();
        assert!(!within(QUIET, || checkpointer.runs() > runs), "checkpointed with nothing committed");

        let before = file_size(&path);
        writer.execute("INSERT INTO t VALUES (zeroblob(100000))", []).expect("inserts");
        assert_eq!(file_size(&path), before, "the commit is in the WAL only");
        checkpointer.committed();
        assert!(
            within(Duration::from_secs(5), || file_size(&path) >= before + 90_000),
            "the commit was not copied"
        );

        // Copied: it sleeps again until the next commit.
        let runs = checkpointer.runs();
        assert!(!within(QUIET, || checkpointer.runs() > runs), "checkpointed again with nothing new");
    }
}
