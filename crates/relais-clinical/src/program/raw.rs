//! The program file exactly as written, before validation. Unknown keys are refused so a typo
//! (`windows_hours`) is an error rather than a rule silently using a default.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::model::{AnswerOption, AnswerValue, Direction, ItemKind, Severity, Text};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProgram {
    pub id: String,
    pub version: u32,
    pub title: Text,
    #[serde(default)]
    pub measurements: Vec<RawMeasurement>,
    #[serde(default)]
    pub questionnaires: Vec<RawQuestionnaire>,
    #[serde(default)]
    pub rules: Vec<RawRule>,
    #[serde(default)]
    pub advice: BTreeMap<String, Text>,
    #[serde(default)]
    pub escalation: Vec<RawEscalation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMeasurement {
    pub code: String,
    #[serde(default)]
    pub also_codes: Vec<String>,
    pub panel: Option<String>,
    pub name: Text,
    pub unit: String,
    pub every_hours: u32,
    pub plausible: [f64; 2],
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawQuestionnaire {
    pub id: String,
    pub title: Text,
    pub every_hours: u32,
    pub items: Vec<RawItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawItem {
    pub link_id: String,
    pub text: Text,
    #[serde(rename = "type")]
    pub kind: ItemKind,
    #[serde(default)]
    pub options: Vec<AnswerOption>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum RawKind {
    Threshold,
    Average,
    Change,
    News2,
    Symptom,
    Composite,
    Missing,
}

/// Every key any rule kind may use; validation checks which ones the rule's kind needs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub id: String,
    pub version: u32,
    pub kind: RawKind,
    pub title: Text,
    pub severity: Option<Severity>,
    #[serde(default = "yes")]
    pub alert: bool,
    pub advice: Option<String>,
    pub code: Option<String>,
    pub when: Option<String>,
    pub window_hours: Option<u32>,
    pub min_readings: Option<u32>,
    pub direction: Option<Direction>,
    pub bands: Option<BTreeMap<String, Severity>>,
    pub set_window_minutes: Option<u32>,
    pub confusion_from: Option<String>,
    pub oxygen_from: Option<String>,
    pub questionnaire: Option<String>,
    pub items: Option<Vec<String>>,
    pub answers: Option<Vec<AnswerValue>>,
    pub within_hours: Option<u32>,
    pub all: Option<Vec<String>>,
    pub after_hours: Option<u32>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEscalation {
    pub severity: Severity,
    pub after_minutes: u32,
    pub chain: Vec<String>,
}
