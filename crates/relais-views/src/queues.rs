//! The work-queue component: one or more queues of tasks on a page, each a table whose rows
//! are re-rendered alone (`queue_rows.html`) when the queue changes, so the page updates in
//! place without a reload.

use askama::Template;

use crate::i18n::Tr;
use crate::pages::Chrome;

/// One task as a row.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub id: String,
    /// The version shown, sent back with a claim or an assignment.
    pub version: String,
    pub title: String,
    /// `stat`, `asap`, `urgent`, `routine` (a CSS class) and its translation.
    pub priority: String,
    pub priority_label: String,
    pub status_label: String,
    /// The due time for reading, for `<time datetime>`, and how long is left (or how late).
    pub due: String,
    pub due_iso: String,
    pub time_left: String,
    pub overdue: bool,
    /// The patient's id and name.
    pub patient: Option<(String, String)>,
    pub owner: Option<String>,
    /// Nobody owns it: it can be claimed.
    pub claimable: bool,
}

/// One queue.
#[derive(Debug, Clone)]
pub struct QueueSection {
    /// `mine`, `unclaimed`: the section's id and its rows' address.
    pub kind: String,
    pub title: String,
    pub rows: Vec<QueueRow>,
    /// Where the rows are fetched again (`/queues/mine/rows?…`).
    pub src: String,
}

/// One option of a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A page of queues (a clinician's home).
#[derive(Template)]
#[template(path = "queues.html")]
pub struct QueuesPage {
    pub chrome: Chrome,
    pub sections: Vec<QueueSection>,
    /// People a task can be given to: (Practitioner id, name).
    pub colleagues: Vec<(String, String)>,
    /// The priority filter's choices (the first: all) and the orders, the ones in force
    /// selected.
    pub priorities: Vec<Choice>,
    pub sorts: Vec<Choice>,
    /// A message above the queues (a claim refused), already translated.
    pub notice: String,
}

/// The rows of one queue alone, for the live update.
#[derive(Template)]
#[template(path = "queue_rows.html")]
pub struct QueueRows {
    pub tr: Tr,
    pub section: QueueSection,
    pub colleagues: Vec<(String, String)>,
}
