//! The rules engine: a patient's readings and answers, their program and their overrides in;
//! the alerts that hold at `now` out.
//!
//! Evaluation is a pure function of its input, so the app can run it after each reading and
//! from a scheduler (missing data) alike, and a test can replay any history. Readings are placed
//! by their measurement time, whatever order they arrived in; a reading sent twice (same id and
//! code, or same code, instant and value) counts once. Every finding carries a stable `key`
//! (subject, program, rule): while a condition persists, evaluation keeps producing the same key,
//! and the caller updates the open alert of that key instead of raising another.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::news2::{News2, SpO2Scale};
use crate::program::{AnswerValue, Limit, Program, Severity};

mod history;
mod rules;

/// A reading in its program's code and unit (see [`crate::units::normalise`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Its id (the Observation's); a blood-pressure panel gives one reading per component, under
    /// the same id and different codes.
    pub id: String,
    /// LOINC code.
    pub code: String,
    /// Value in the program's unit.
    pub value: f64,
    /// When it was measured.
    pub at: Timestamp,
}

/// One answer of a questionnaire response.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The QuestionnaireResponse id (shared by the answers of one response).
    pub id: String,
    /// The questionnaire id in the program.
    pub questionnaire: String,
    /// The question's link id.
    pub item: String,
    /// The answer.
    pub value: AnswerValue,
    /// When it was answered.
    pub at: Timestamp,
}

/// What a clinician set for one patient; it wins over the program's defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PatientOverrides {
    /// A new limit for a threshold, average or change rule, by rule id.
    pub limits: BTreeMap<String, Limit>,
    /// NEWS2 SpO2 scale (Scale 2 only with a documented hypercapnic target).
    pub spo2_scale: SpO2Scale,
}

/// Everything one evaluation reads.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The patient, as the caller names them (a FHIR reference); part of every finding's key.
    pub subject: &'a str,
    /// Their program.
    pub program: &'a Program,
    /// Their overrides.
    pub overrides: &'a PatientOverrides,
    /// Their readings, in any order, duplicates allowed.
    pub readings: &'a [Reading],
    /// Their answers, in any order.
    pub answers: &'a [Answer],
    /// When they were enrolled: missing data counts from there until a first reading arrives.
    pub enrolled_at: Timestamp,
    /// The instant of evaluation (from the caller's clock).
    pub now: Timestamp,
}

/// A rule that holds: an alert to raise, or to update if one with the same key is open.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// `subject/program/rule` (`Patient/p1/copd/news2`): the same while the condition persists.
    pub key: String,
    /// Program id.
    pub program: String,
    /// Program version.
    pub program_version: u32,
    /// Rule id.
    pub rule: String,
    /// Rule version (recorded in the alert's Provenance).
    pub rule_version: u32,
    /// How urgent.
    pub severity: Severity,
    /// Ids of the readings and responses that made the rule hold, oldest first.
    pub triggers: Vec<String>,
    /// What was found, for the nurse.
    pub detail: Detail,
    /// Advice to show the patient at once (an id in the program's `[advice]`).
    pub advice: Option<String>,
}

/// What a rule found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Detail {
    /// The latest reading met the limit.
    Threshold { value: f64, limit: Limit, overridden: bool },
    /// The window's mean met the limit.
    Average { mean: f64, count: usize, limit: Limit, overridden: bool },
    /// Latest against the window's minimum (rise) or maximum (fall).
    Change { delta: f64, latest: f64, reference: f64, limit: Limit, overridden: bool },
    /// The NEWS2 of the latest set; `assumed` names parameters taken as normal for want of an
    /// answer (consciousness "alert", "air").
    News2 { score: News2, assumed: Vec<&'static str> },
    /// Red-flag answers: (question, answer).
    Symptom { answers: Vec<(String, AnswerValue)> },
    /// Every listed rule held.
    Composite { rules: Vec<String> },
    /// Nothing since `last` (or ever, when `None`).
    Missing { last: Option<Timestamp> },
}

/// A condition that holds, before it becomes a finding (composites combine them).
#[derive(Debug, Clone)]
struct Hit {
    severity: Severity,
    triggers: Vec<(Timestamp, String)>,
    detail: Detail,
}

/// `t - d`, or the earliest instant rather than a panic on absurd durations.
fn before(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_sub(d).unwrap_or(Timestamp::MIN)
}

/// Evaluates every rule of the patient's program. Findings come in the program's rule order;
/// building-block rules (`alert = false`) only feed composites and are not returned.
pub fn evaluate(input: &Input<'_>) -> Vec<Finding> {
    let history = history::History::new(input.readings, input.answers);
    let mut hits: BTreeMap<&str, Hit> = BTreeMap::new();
    for rule in &input.program.rules {
        if let Some(hit) = rules::check(rule, input, &history) {
            hits.insert(&rule.id, hit);
        }
    }
    // Composites after the simple rules they combine (validation forbids nesting).
    for rule in &input.program.rules {
        if let Some(hit) = rules::composite(rule, input, &hits) {
            hits.insert(&rule.id, hit);
        }
    }
    let program = input.program;
    program
        .rules
        .iter()
        .filter(|rule| rule.alert)
        .filter_map(|rule| {
            let mut hit = hits.remove(rule.id.as_str())?;
            hit.triggers.sort();
            let mut triggers: Vec<String> = Vec::with_capacity(hit.triggers.len());
            for (_, id) in hit.triggers {
                if !triggers.contains(&id) {
                    triggers.push(id);
                }
            }
            Some(Finding {
                key: format!("{}/{}/{}", input.subject, program.id, rule.id),
                program: program.id.clone(),
                program_version: program.version,
                rule: rule.id.clone(),
                rule_version: rule.version,
                severity: hit.severity,
                triggers,
                detail: hit.detail,
                advice: rule.advice.clone(),
            })
        })
        .collect()
}

/// The NEWS2 of the patient's latest complete set of vitals, whatever its band, when their
/// program scores NEWS2 (has a `news2` rule): what a cohort view sorts by. `None` when the
/// program does not score it or no complete set was measured.
pub fn latest_news2(input: &Input<'_>) -> Option<News2> {
    let history = history::History::new(input.readings, input.answers);
    input.program.rules.iter().find_map(|rule| match &rule.condition {
        crate::program::Condition::News2 { set_window, confusion_from, oxygen_from, .. } => {
            rules::news2_set(input, &history, *set_window, confusion_from.as_ref(), oxygen_from.as_ref())
                .map(|set| set.score)
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests;
