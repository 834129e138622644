//! Home-monitoring pages (issue 7, and issue 5's programs administration): the patient's own
//! readings forms (`/my/readings`), the clinician's enrolment and thresholds page
//! (`/patients/{id}/monitoring`) and the programs in force (`/admin/programs`).

use askama::Template;

use crate::pages::{Chrome, FormErrors};
use crate::queues::Choice;

/// One number to type on a measurement form.
#[derive(Debug, Clone)]
pub struct NumberField {
    /// The input's name and id (`m-8867-4`).
    pub name: String,
    pub label: String,
    pub unit: String,
    /// The plausible range, as a hint.
    pub hint: String,
    /// What was typed (kept on an error).
    pub value: String,
}

/// One question of a questionnaire form.
#[derive(Debug, Clone)]
pub struct Question {
    /// The input name (`q-dyspnoea`).
    pub name: String,
    pub text: String,
    /// Yes/no, or the options; the typed one selected.
    pub options: Vec<Choice>,
}

/// One form of the patient's page.
#[derive(Debug, Clone)]
pub struct ReadingForm {
    /// The anchor and form id (`form-8867-4`).
    pub id: String,
    /// Where it posts.
    pub action: String,
    pub title: String,
    /// Due now (nothing received this period).
    pub due: bool,
    /// The status line: due / done, missed count, last received (translated).
    pub status: String,
    pub numbers: Vec<NumberField>,
    pub questions: Vec<Question>,
    pub errors: FormErrors,
}

/// `/my/readings`.
#[derive(Template)]
#[template(path = "my_readings.html")]
pub struct MyReadingsPage {
    pub chrome: Chrome,
    /// The program's title; empty when the patient follows none.
    pub program: String,
    /// Advice to act on at once (red flags), in the visitor's language.
    pub advice: Vec<String>,
    pub notice: String,
    pub forms: Vec<ReadingForm>,
}

/// The current enrolment, as shown to the clinician.
#[derive(Debug, Clone)]
pub struct EnrolledView {
    pub program: String,
    pub since: String,
    pub devices: Vec<String>,
}

/// One override as a row.
#[derive(Debug, Clone)]
pub struct OverrideRow {
    pub id: String,
    pub rule: String,
    pub limit: String,
    pub default_limit: String,
    pub reason: String,
    pub by: String,
    pub at: String,
}

/// `/patients/{id}/monitoring`.
#[derive(Template)]
#[template(path = "homecare_patient.html")]
pub struct HomecarePatientPage {
    pub chrome: Chrome,
    pub notice: String,
    pub errors: FormErrors,
    pub patient_id: String,
    pub patient_name: String,
    pub enrolled: Option<EnrolledView>,
    /// Programs to enrol in, the typed one selected.
    pub programs: Vec<Choice>,
    /// Serial numbers as typed, one a line.
    pub devices: String,
    pub overrides: Vec<OverrideRow>,
    /// Rules whose limit may be overridden (label with the program's limit).
    pub rules: Vec<Choice>,
    pub limit: String,
    pub reason: String,
}

/// One rule of a program, for the administration page.
#[derive(Debug, Clone)]
pub struct RuleView {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub kind: String,
    /// The condition as written in the file (`change of 29463-7 > 2 in 72 h`).
    pub condition: String,
    pub severity: String,
    pub advice: String,
    pub alert: bool,
}

/// One program, for the administration page.
#[derive(Debug, Clone)]
pub struct ProgramView {
    pub id: String,
    pub title: String,
    pub version: u32,
    /// Where it comes from (translated: shipped default, or the data folder's file).
    pub source: String,
    pub measurements: Vec<MeasurementView>,
    pub questionnaires: Vec<QuestionnaireView>,
    pub rules: Vec<RuleView>,
    pub advice: Vec<AdviceView>,
    /// One line per severity: severity, minutes, chain.
    pub escalation: Vec<String>,
}

/// One measurement of a program.
#[derive(Debug, Clone)]
pub struct MeasurementView {
    pub name: String,
    pub code: String,
    pub unit: String,
    pub every: String,
    pub plausible: String,
}

/// One questionnaire of a program.
#[derive(Debug, Clone)]
pub struct QuestionnaireView {
    pub title: String,
    pub every: String,
    pub items: Vec<String>,
}

/// One advice text, in both languages.
#[derive(Debug, Clone)]
pub struct AdviceView {
    pub id: String,
    pub fr: String,
    pub en: String,
}

/// `/admin/programs`.
#[derive(Template)]
#[template(path = "admin_programs.html")]
pub struct ProgramsPage {
    pub chrome: Chrome,
    pub programs: Vec<ProgramView>,
    /// Where the data folder's programs live, for the "how to change" note.
    pub folder: String,
    /// Administrators change programs here (others read).
    pub can_edit: bool,
    /// What was just saved (translated), or empty.
    pub notice: String,
}
