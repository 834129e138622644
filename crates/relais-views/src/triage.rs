//! The nurse's triage dashboard (`/triage`): open home-monitoring alerts as rows of the
//! work-queue component (`queues.js` refreshes `triage_rows.html` alone when an alert changes),
//! each with its actions: acknowledge, record a call, start a video visit, resolve.

use askama::Template;

use crate::i18n::Tr;
use crate::pages::Chrome;
use crate::queues::Choice;

/// One alert as a row.
#[derive(Debug, Clone)]
pub struct TriageRow {
    /// The Task id, and the version shown (sent back with acknowledge and resolve).
    pub id: String,
    pub version: String,
    /// `high`, `moderate`, `low` (a CSS class) and its translation.
    pub severity: String,
    pub severity_label: String,
    pub title: String,
    /// When it was found, for reading and for `<time datetime>`, and how long ago.
    pub identified: String,
    pub identified_iso: String,
    pub waiting: String,
    pub status_label: String,
    pub patient: Option<(String, String)>,
    pub owner: Option<String>,
    /// Nobody has it yet: it can be acknowledged.
    pub acknowledgeable: bool,
    /// The resolve form as it was sent back with an error (open, with what was typed).
    pub resolve: ResolveForm,
    /// The outcomes to choose from, the one typed selected.
    pub outcomes: Vec<Choice>,
}

/// The resolve form of one row.
#[derive(Debug, Clone, Default)]
pub struct ResolveForm {
    pub open: bool,
    pub note: String,
    /// Errors of the fields `outcome` and `note`, translated; empty when none.
    pub outcome_error: String,
    pub note_error: String,
}

/// `/triage`.
#[derive(Template)]
#[template(path = "triage.html")]
pub struct TriagePage {
    pub chrome: Chrome,
    pub rows: Vec<TriageRow>,
    /// A message above the alerts (an action refused), already translated.
    pub notice: String,
}

/// The rows alone, for the live update.
#[derive(Template)]
#[template(path = "triage_rows.html")]
pub struct TriageRows {
    pub tr: Tr,
    pub rows: Vec<TriageRow>,
}
