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
    /// "3 relevés à vérifier", linking to the review queue; empty when none waits.
    pub review_waiting: String,
}

/// The rows alone, for the live update.
#[derive(Template)]
#[template(path = "triage_rows.html")]
pub struct TriageRows {
    pub tr: Tr,
    pub rows: Vec<TriageRow>,
}

/// One patient of the cohort, as its card shows them.
#[derive(Debug, Clone)]
pub struct CohortCard {
    pub id: String,
    pub name: String,
    /// The program's title, in the visitor's language.
    pub program: String,
    /// Open alerts: severity (a CSS class), its translation, and the alert's title.
    pub alerts: Vec<(String, String, String)>,
    /// `3 (faible)`, or why there is none.
    pub news2: String,
    /// `5 sur 7 (71 %)`, or that nothing was expected yet.
    pub adherence: String,
    /// When the last reading came (empty: none this week), for reading and `<time>`.
    pub last: String,
    pub last_iso: String,
    pub charts: Vec<CohortChart>,
}

/// One small trend chart and what it says in words.
#[derive(Debug, Clone)]
pub struct CohortChart {
    /// The chart (an SVG figure from [`crate::chart::trend_chart`]), or empty when there is no
    /// reading to draw.
    pub html: String,
    /// Its name (for the empty state).
    pub title: String,
    /// Last value, range, readings received of those expected.
    pub summary: String,
}

/// `/triage/cohort`.
#[derive(Template)]
#[template(path = "cohort.html")]
pub struct CohortPage {
    pub chrome: Chrome,
    pub cards: Vec<CohortCard>,
}
