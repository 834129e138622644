//! An alert as the dashboard shows it, read from a Task search Bundle that includes each
//! Task's DetectedIssue (`focus`), patient and owner; and the outcomes a nurse resolves with.

use std::collections::HashMap;

use jiff::Timestamp;
use serde_json::Value;

use crate::queues::human_name;

/// The code system of triage outcomes (`Task.statusReason`, `DetectedIssue.mitigation.action`).
pub const OUTCOME_SYSTEM: &str = "urn:relais:triage-outcome";

/// How a nurse closed an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Advice given by phone; nothing more needed.
    AdviceGiven,
    /// The patient's treatment was adjusted (by protocol or with the physician).
    TreatmentAdjusted,
    /// Passed to the physician or specialist (a note says what for).
    Escalated,
    /// Sent to the emergency department.
    Emergency,
    /// A measurement error or a reading that needs nothing.
    NoActionNeeded,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::AdviceGiven,
        Outcome::TreatmentAdjusted,
        Outcome::Escalated,
        Outcome::Emergency,
        Outcome::NoActionNeeded,
    ];

    /// Stable code, as stored and as the translations name it (`triage-outcome-escalated`).
    pub fn code(self) -> &'static str {
        match self {
            Outcome::AdviceGiven => "advice-given",
            Outcome::TreatmentAdjusted => "treatment-adjusted",
            Outcome::Escalated => "escalated",
            Outcome::Emergency => "emergency",
            Outcome::NoActionNeeded => "no-action-needed",
        }
    }

    pub fn from_code(code: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.code() == code)
    }
}

/// One open alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The Task's id and the version read (sent back with acknowledge and resolve).
    pub task: String,
    pub version: i64,
    /// The Task status (`requested`: nobody has it yet; `accepted`, `in-progress`).
    pub status: String,
    /// `high`, `moderate`, `low` (the DetectedIssue's).
    pub severity: String,
    /// What the rule found, as the program words it (French: the engine writes it so).
    pub title: String,
    /// When the condition was first found.
    pub identified: Option<Timestamp>,
    /// When the Task falls to the next person of the escalation chain.
    pub due: Option<Timestamp>,
    /// The patient's id and name.
    pub patient: Option<(String, String)>,
    /// Who took it: Practitioner id and name.
    pub owner: Option<(String, String)>,
    pub issue: String,
}

/// Sort key: high before moderate before low.
pub fn severity_rank(severity: &str) -> u8 {
    match severity {
        "high" => 3,
        "moderate" => 2,
        "low" => 1,
        _ => 0,
    }
}

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn instant(value: &Value, pointer: &str) -> Option<Timestamp> {
    text(value, pointer).and_then(|t| t.parse().ok())
}

/// The alerts of a Task search Bundle: each matched Task whose focus, an included
/// DetectedIssue, is still open. A Task whose DetectedIssue the reader may not see is left out.
pub fn alerts_of(bundle: &Value) -> Vec<Alert> {
    let entries: Vec<&Value> = bundle
        .get("entry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("resource"))
        .collect();
    let included: HashMap<String, &Value> = entries
        .iter()
        .filter_map(|r| Some((format!("{}/{}", text(r, "/resourceType")?, text(r, "/id")?), *r)))
        .collect();
    let named = |reference: Option<&str>| {
        // Named when the reader may see the resource; still known by id when not.
        let reference = reference?;
        let id = reference.split_once('/')?.1.to_owned();
        Some((id, included.get(reference).and_then(|r| human_name(r)).unwrap_or_default()))
    };
    entries
        .iter()
        .filter(|r| text(r, "/resourceType") == Some("Task"))
        .filter_map(|task| {
            let issue_ref = text(task, "/focus/reference")?;
            let issue = included.get(issue_ref)?;
            if text(issue, "/status") != Some("preliminary") {
                return None;
            }
            let owner = text(task, "/owner/reference").filter(|r| r.starts_with("Practitioner/"));
            Some(Alert {
                task: text(task, "/id")?.to_owned(),
                version: text(task, "/meta/versionId").and_then(|v| v.parse().ok()).unwrap_or(1),
                status: text(task, "/status").unwrap_or_default().to_owned(),
                severity: text(issue, "/severity").unwrap_or_default().to_owned(),
                title: text(issue, "/code/text")
                    .or_else(|| text(task, "/description"))
                    .unwrap_or_default()
                    .to_owned(),
                identified: instant(issue, "/identifiedDateTime"),
                due: instant(task, "/restriction/period/end"),
                patient: named(text(task, "/for/reference")),
                owner: named(owner),
                issue: issue_ref.trim_start_matches("DetectedIssue/").to_owned(),
            })
        })
        .collect()
}
