//! The nurse's review queue (`/triage/review`): readings kept for review because the program
//! could not count them, each with what the nurse may decide: accept it as measured (only an
//! implausible value; the others say why not) or mark it entered in error with a note.

use askama::Template;

use crate::pages::Chrome;

/// One reading awaiting review, as a row.
#[derive(Debug, Clone, Default)]
pub struct ReviewRow {
    /// The Observation id, and the version shown (sent back with the decision).
    pub id: String,
    pub version: String,
    /// The patient's id and name (the id when the record has no name).
    pub patient: (String, String),
    /// The measurement's name in the visitor's language, else its LOINC code.
    pub measurement: String,
    /// Value and unit as the device sent them.
    pub value: String,
    /// The reason, translated, and the message stored with the reading.
    pub reason: String,
    pub message: String,
    /// When it was measured, for reading and for `<time datetime>`.
    pub measured: String,
    pub measured_iso: String,
    pub device: String,
    /// It may be accepted as measured; else `not_acceptable` says why not (translated).
    pub acceptable: bool,
    pub not_acceptable: String,
    /// The note typed and its error (translated), when the form came back refused.
    pub note: String,
    pub note_error: String,
}

/// `/triage/review`.
#[derive(Template)]
#[template(path = "review.html")]
pub struct ReviewPage {
    pub chrome: Chrome,
    pub rows: Vec<ReviewRow>,
    /// The link to the next page (older readings), when more wait than the page shows.
    pub older: Option<String>,
    /// The cursor this page starts at, empty on the first; a page after the first links back
    /// to the newest readings, and its forms send it so their answer shows this page again.
    pub after: String,
    /// A message above the table (a decision done or refused), already translated.
    pub notice: String,
}
