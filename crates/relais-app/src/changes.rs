//! Committed writes, announced to whoever follows them in this process: the live pages (a work
//! queue on a colleague's screen) learn that something changed without asking every second.
//!
//! An announcement carries only the type, id and version of what was written — never content —
//! and is sent after the transaction commits, so a follower that reads on hearing it sees the
//! write. Followers read through the use cases, which decide and audit as for any read: hearing
//! an announcement gives no access.
//!
//! In this process only: with several nodes, a write on one is not heard on another (the pages
//! also refresh on a timer, so they catch up). Fan-out across nodes goes through NATS when a
//! region runs several nodes (architecture.md, "Scale-out").

use relais_store::ResourceRow;
use tokio::sync::broadcast;

/// Announcements kept for a follower that is slow to read; one that falls further behind is
/// told it missed some (and refreshes everything).
const BACKLOG: usize = 1024;

/// One committed write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub resource_type: String,
    pub id: String,
    pub version: i64,
}

/// The announcements of one server process.
#[derive(Clone)]
pub struct Changes {
    sender: broadcast::Sender<Change>,
}

impl Default for Changes {
    fn default() -> Self {
        Self::new()
    }
}

impl Changes {
    pub fn new() -> Self {
        Self { sender: broadcast::channel(BACKLOG).0 }
    }

    /// Follows the writes committed from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.sender.subscribe()
    }

    /// Announces `row`, just committed. Nobody following is not an error.
    pub(crate) fn announce(&self, row: &ResourceRow) {
        let change =
            Change { resource_type: row.resource_type.clone(), id: row.id.clone(), version: row.version };
        let _ = self.sender.send(change);
    }
}
