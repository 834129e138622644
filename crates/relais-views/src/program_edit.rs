//! `/admin/programs/{id}/edit`: an administrator changes the values of a monitoring program a
//! clinician tunes (limits, windows, frequencies, plausible ranges, severities, titles and
//! advice texts), with the reason for the change.

use askama::Template;

use crate::pages::{Chrome, FormErrors};

/// One value of the form. Its name is the value's path in the program file
/// (`rules[3].when`), so a refusal of the file's checker lands next to it.
#[derive(Debug, Clone)]
pub struct EditField {
    pub name: String,
    /// The input's id: the path with `[`, `]` and `.` as dashes.
    pub id: String,
    pub label: String,
    /// As written in the file, or as typed.
    pub value: String,
    /// `limit`, `whole`, `decimal`, `line`, `text` (a paragraph) or `severity`.
    pub kind: &'static str,
    /// The language of a French or English text (`fr`, `en`), else empty.
    pub lang: &'static str,
    pub error: Option<String>,
}

/// A group of values: a measurement, a rule, an advice, an escalation step.
#[derive(Debug, Clone)]
pub struct EditGroup {
    pub id: String,
    pub legend: String,
    pub fields: Vec<EditField>,
    /// An error about the group as a whole (a plausible range's pair).
    pub error: Option<String>,
}

/// A section of the form (measurements, questionnaires, rules, advice, escalation).
#[derive(Debug, Clone)]
pub struct EditSection {
    pub id: String,
    pub title: String,
    pub groups: Vec<EditGroup>,
}

/// The edit form of one program.
#[derive(Template)]
#[template(path = "admin_program_edit.html")]
pub struct ProgramEditPage {
    pub chrome: Chrome,
    pub id: String,
    pub title: String,
    /// The version the form is made from (sent back: a save over a newer one is refused).
    pub version: u32,
    /// What saving does (translated, with the version).
    pub how: String,
    pub sections: Vec<EditSection>,
    /// Severity choices: (code, translated label).
    pub severities: Vec<(String, String)>,
    pub reason: String,
    pub errors: FormErrors,
}
