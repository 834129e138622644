//! The validated shape of a program, as the engine and the app read it.

use std::collections::BTreeMap;

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use super::Limit;
use crate::news2::Band;

/// How urgent an alert is; the FHIR DetectedIssue severities, ordered low < moderate < high.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Follow up within a business day.
    Low,
    /// Follow up the same day.
    Moderate,
    /// Follow up within hours; escalates when nobody acknowledges it.
    High,
}

impl Severity {
    /// The FHIR code (`DetectedIssue.severity`).
    pub fn code(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Moderate => "moderate",
            Severity::High => "high",
        }
    }
}

/// A text in both interface languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// French (the default language).
    pub fr: String,
    /// English.
    pub en: String,
}

impl Text {
    /// The text in `lang` (`"en"`), French otherwise.
    pub fn get(&self, lang: &str) -> &str {
        if lang.starts_with("en") { &self.en } else { &self.fr }
    }
}

/// A monitoring program (heart failure, COPD, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// Stable identifier, also the file name (`heart-failure`).
    pub id: String,
    /// Bumped by the clinicians whenever the program changes.
    pub version: u32,
    /// Shown to patients and staff.
    pub title: Text,
    /// What the patient measures.
    pub measurements: Vec<Measurement>,
    /// What the patient answers.
    pub questionnaires: Vec<Questionnaire>,
    /// The alert rules, in file order.
    pub rules: Vec<Rule>,
    /// Advice texts by id, shown to the patient when a rule names them.
    pub advice: BTreeMap<String, Text>,
    /// Who is told, and after how long, when an alert of a severity is not acknowledged.
    pub escalation: BTreeMap<Severity, Escalation>,
}

impl Program {
    /// The measurement a LOINC code belongs to: its own code or one it accepts and converts.
    pub fn measurement_for(&self, code: &str) -> Option<&Measurement> {
        self.measurements.iter().find(|m| m.code == code || m.also_codes.iter().any(|c| c == code))
    }

    /// A questionnaire by id.
    pub fn questionnaire(&self, id: &str) -> Option<&Questionnaire> {
        self.questionnaires.iter().find(|q| q.id == id)
    }

    /// A rule by id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// How far back an evaluation needs history: the longest window, recency or missing-data
    /// delay of any rule, so the caller loads that much and no more. Windows are anchored at
    /// the latest reading, so one window is added to the longest delay for safety.
    pub fn lookback(&self) -> SignedDuration {
        let mut longest = SignedDuration::from_hours(24);
        let mut delay = SignedDuration::ZERO;
        for rule in &self.rules {
            match &rule.condition {
                Condition::Threshold { .. } => {}
                Condition::Average { window, .. } | Condition::Change { window, .. } => {
                    longest = longest.max(*window)
                }
                Condition::News2 { set_window, .. } => longest = longest.max(*set_window),
                Condition::Symptom { within, .. } | Condition::Composite { within, .. } => {
                    longest = longest.max(*within)
                }
                Condition::Missing { after, .. } => delay = delay.max(*after),
            }
        }
        longest.checked_add(delay).unwrap_or(SignedDuration::MAX)
    }
}

/// One measurement of a program.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// The LOINC code readings are stored under.
    pub code: String,
    /// Other LOINC codes accepted for it and converted (mass glucose for molar glucose, ...).
    pub also_codes: Vec<String>,
    /// The panel it is measured with (blood pressure: 85354-9), for forms that group them.
    pub panel: Option<String>,
    /// Shown on forms.
    pub name: Text,
    /// The UCUM unit readings are converted to.
    pub unit: String,
    /// How often a reading is expected.
    pub every: SignedDuration,
    /// Values outside this inclusive range are refused as implausible (and kept for review).
    pub plausible: (f64, f64),
}

/// A questionnaire (rendered as a FHIR Questionnaire).
#[derive(Debug, Clone, PartialEq)]
pub struct Questionnaire {
    /// Stable identifier (`hf-daily`).
    pub id: String,
    /// Shown on forms.
    pub title: Text,
    /// How often answers are expected.
    pub every: SignedDuration,
    /// The questions.
    pub items: Vec<Item>,
}

impl Questionnaire {
    /// An item by link id.
    pub fn item(&self, link_id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.link_id == link_id)
    }
}

/// One question.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The FHIR `linkId`.
    pub link_id: String,
    /// The question.
    pub text: Text,
    /// Yes/no, or one of the options.
    pub kind: ItemKind,
    /// The options of a choice question.
    pub options: Vec<AnswerOption>,
}

/// The type of a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    /// Yes or no (`valueBoolean`).
    Boolean,
    /// One coded option (`valueCoding`).
    Choice,
}

/// An option of a choice question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerOption {
    /// The code stored in the answer.
    pub code: String,
    /// Shown on the form.
    pub display: Text,
}

/// An answer value: yes/no, or an option's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    /// A yes/no answer.
    Bool(bool),
    /// A choice answer.
    Code(String),
}

/// An alert rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Stable identifier, unique in its program.
    pub id: String,
    /// Bumped when the rule changes; recorded with every alert (Provenance).
    pub version: u32,
    /// Shown to the nurse.
    pub title: Text,
    /// Severity of the alert (for NEWS2, the highest of its bands).
    pub severity: Severity,
    /// False for a building block that only composite rules use.
    pub alert: bool,
    /// Advice shown to the patient at once when the rule fires.
    pub advice: Option<String>,
    /// What the rule looks for.
    pub condition: Condition,
}

/// What a rule looks for. Windows are anchored at the latest reading of the code.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The latest reading meets the limit.
    Threshold { code: String, when: Limit },
    /// The mean of the readings in the window meets the limit (with at least `min_readings`).
    Average { code: String, when: Limit, window: SignedDuration, min_readings: usize },
    /// The latest reading minus the window's minimum (rise), or the window's maximum minus the
    /// latest (fall), meets the limit.
    Change { code: String, direction: Direction, when: Limit, window: SignedDuration },
    /// NEWS2 from the latest set of vitals; each listed band raises its severity.
    News2 {
        bands: BTreeMap<Band, Severity>,
        set_window: SignedDuration,
        confusion_from: Option<ItemRef>,
        oxygen_from: Option<ItemRef>,
    },
    /// The latest answer to one of `items` (within `within` of now) is one of `answers`.
    Symptom { questionnaire: String, items: Vec<String>, answers: Vec<AnswerValue>, within: SignedDuration },
    /// Every listed rule holds, on readings and answers no older than `within`.
    Composite { all: Vec<String>, within: SignedDuration },
    /// Nothing received for longer than `after` (since enrolment when nothing ever came).
    Missing { source: Source, after: SignedDuration },
}

/// Rise or fall over a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Latest minus the window's minimum.
    Rise,
    /// The window's maximum minus latest.
    Fall,
}

/// A question of a questionnaire, written `questionnaire#linkId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRef {
    /// The questionnaire id.
    pub questionnaire: String,
    /// The item's link id.
    pub item: String,
}

/// What a missing-data rule watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Readings of a measurement (LOINC code).
    Measurement(String),
    /// Responses to a questionnaire.
    Questionnaire(String),
}

/// The escalation chain of one severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    /// Minutes each person has to acknowledge before the next one is told.
    pub after_minutes: u32,
    /// Who is told, in order (roles or named on-call lists).
    pub chain: Vec<String>,
}
