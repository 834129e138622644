//! What the patient search (`/patients`) and the patient chart (`/patients/{id}`) are filled
//! with: rows and items already translated and formatted by `relais-web`, and the trend charts
//! already drawn ([`crate::chart`]).

use askama::Template;

use crate::pages::{Chrome, FormErrors};

/// One patient found, ready to show.
#[derive(Debug, Clone)]
pub struct PatientRow {
    /// The Patient's id, for the link to the chart.
    pub id: String,
    pub name: String,
    pub birth_date: String,
    pub health_card: String,
}

/// `/patients?q=…`: find a patient by name or health card number.
#[derive(Template)]
#[template(path = "patients.html")]
pub struct PatientSearchPage {
    pub chrome: Chrome,
    pub errors: FormErrors,
    /// What was typed, shown again.
    pub query: String,
    /// A search was made (the list or its empty state is shown).
    pub searched: bool,
    pub rows: Vec<PatientRow>,
}

/// An allergy in the chart's header.
#[derive(Debug, Clone)]
pub struct Allergy {
    pub text: String,
    /// `criticality` is `high`: shown as such.
    pub high: bool,
}

/// Who the patient is, at the top of the chart.
#[derive(Debug, Clone)]
pub struct ChartHeader {
    pub name: String,
    /// `1948-03-14`, or the "not recorded" text.
    pub birth_date: String,
    /// `78 ans`, if the date of birth is known.
    pub age: Option<String>,
    pub sex: String,
    pub health_card: String,
    pub allergies: Vec<Allergy>,
    /// Active Flags.
    pub flags: Vec<String>,
}

/// One entry of the chart's timeline.
#[derive(Debug, Clone)]
pub struct TimelineItem {
    /// Local date and time, for reading.
    pub when: String,
    /// RFC 3339, for `<time datetime>`.
    pub when_iso: String,
    /// `encounter`, `measurement`, `questionnaire`, `photo`, `note` or `alert`: its class.
    pub kind_code: &'static str,
    /// The kind, translated.
    pub kind: String,
    pub summary: String,
}

/// `/patients/{id}`: the chart.
#[derive(Template)]
#[template(path = "chart.html")]
pub struct ChartPage {
    pub chrome: Chrome,
    pub header: ChartHeader,
    /// Each trend chart as HTML (an SVG figure and its table), drawn by [`crate::chart`].
    pub charts: Vec<String>,
    pub timeline: Vec<TimelineItem>,
    /// Said when the timeline shows only the most recent items.
    pub timeline_note: Option<String>,
}

/// The most recent value of one vital sign, ready to show.
#[derive(Debug, Clone)]
pub struct LatestValue {
    /// The vital sign, translated.
    pub name: String,
    /// `128/82 mmHg`, written as the language writes numbers.
    pub value: String,
    /// Local date and time, for reading.
    pub when: String,
    /// RFC 3339, for `<time datetime>`.
    pub when_iso: String,
}

/// `/me/measurements`: a patient's own latest values and trend charts.
#[derive(Template)]
#[template(path = "my_measurements.html")]
pub struct MyMeasurementsPage {
    pub chrome: Chrome,
    pub latest: Vec<LatestValue>,
    /// Each trend chart as HTML, drawn by [`crate::chart`] as on the clinician's chart.
    pub charts: Vec<String>,
}
