//! What happens without a reading coming in, on a timer (`relais serve`'s
//! `monitoring_tick_secs`): every enrolled patient's program is evaluated at the clock's now, so
//! that "no weight for 48 h" is raised although nothing arrived; and every alert not yet
//! acknowledged is moved along its severity's escalation chain when its time is up.
//!
//! An alert's Task is unacknowledged while its status is `requested` or `received`; any other
//! status (accepted, in progress, done, cancelled) means someone took it, and stops the clock
//! (relais-clinical's `escalation::step`). Escalating writes the Task again, as the rules engine
//! and version-checked: its level in the chain ([`ESCALATION_LEVEL`]), the person it now belongs
//! to in `performerType` (a role of the chain, system [`ESCALATION_ROLE`]), its new due time,
//! and a note saying why — the nurse queue then shows it as its own again, to the next person.

use std::collections::BTreeSet;
use std::time::Duration;

use relais_clinical::escalation::step;
use relais_clinical::program::Severity;
use serde_json::{Value, json};

use super::evaluate::{put, version_of};
use super::{AlertWrite, BASE, Monitoring};
use crate::fhir::{FhirError, Prefer};

/// Extension of an alert's Task: how far along its escalation chain it is (0: the first person).
pub const ESCALATION_LEVEL: &str = "http://relais.invalid/fhir/StructureDefinition/escalation-level";
/// The language of the escalation note: the server's default, French.
const NOTE_LOCALE: &str = "fr";
/// Code system of the roles named in escalation chains (`Task.performerType`).
pub const ESCALATION_ROLE: &str = "urn:relais:escalation-role";

/// An alert passed to the next person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalated {
    pub task: String,
    pub level: usize,
    pub assignee: String,
}

/// What one run of the scheduler did.
#[derive(Debug, Clone, Default)]
pub struct Tick {
    /// Enrolled patients evaluated.
    pub evaluated: usize,
    /// Alerts raised or touched by those evaluations (missing data, mostly).
    pub alerts: Vec<AlertWrite>,
    pub escalated: Vec<Escalated>,
    /// Patients or alerts that could not be handled this time (tried again next tick).
    pub failed: usize,
}

/// The severity an alert Task's priority stands for.
fn severity_of(priority: &str) -> Option<Severity> {
    [Severity::High, Severity::Moderate, Severity::Low].into_iter().find(|s| super::priority(*s) == priority)
}

/// The program of an alert Task, from its code's system (`urn:relais:program:{id}:rule`).
fn program_of_task(task: &Value) -> Option<&str> {
    let codings = task.get("code")?.get("coding")?.as_array()?;
    codings
        .iter()
        .filter_map(|c| c.get("system").and_then(Value::as_str))
        .find_map(|s| s.strip_prefix(super::PROGRAM_URI)?.strip_suffix(":rule"))
}

fn level_of(task: &Value) -> usize {
    let extensions = task.get("extension").and_then(Value::as_array).into_iter().flatten();
    extensions
        .filter(|e| e.get("url").and_then(Value::as_str) == Some(ESCALATION_LEVEL))
        .find_map(|e| e.get("valueInteger").and_then(Value::as_u64))
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(0)
}

impl Monitoring {
    /// One run: missing data for every enrolled patient, then escalation of every
    /// unacknowledged alert, at the clock's now. A patient or alert that fails is counted and
    /// left for the next run; the others go ahead.
    ///
    /// # Errors
    /// Only when the enrolments or the open alerts cannot be listed at all.
    pub async fn tick(&self) -> Result<Tick, FhirError> {
        let mut done = Tick::default();
        let plans = self
            .search_all("CarePlan", &[("status", "active".to_owned()), ("_count", "500".to_owned())])
            .await?;
        let patients: BTreeSet<String> = plans
            .iter()
            .filter(|plan| self.program_of(plan).is_some())
            .filter_map(|plan| plan.pointer("/subject/reference").and_then(Value::as_str))
            .filter_map(|r| r.strip_prefix("Patient/"))
            .map(str::to_owned)
            .collect();
        for patient in patients {
            match self.evaluate_patient(&patient).await {
                Ok(alerts) => {
                    done.evaluated += 1;
                    done.alerts.extend(alerts);
                }
                Err(_) => done.failed += 1,
            }
        }
        let open = self
            .search_all("Task", &[("status", "requested,received".to_owned()), ("_count", "500".to_owned())])
            .await?;
        for task in open {
            match self.escalate(task).await {
                Ok(Some(escalated)) => done.escalated.push(escalated),
                Ok(None) => {}
                Err(_) => done.failed += 1,
            }
        }
        Ok(done)
    }

    /// Moves one unacknowledged alert Task to where its chain says it belongs now, if further.
    async fn escalate(&self, mut task: Value) -> Result<Option<Escalated>, FhirError> {
        let catalog = self.programs.current();
        let Some(program) = program_of_task(&task).and_then(|id| catalog.get(id)) else {
            return Ok(None);
        };
        let severity = task.get("priority").and_then(Value::as_str).and_then(severity_of);
        let Some(policy) = severity.and_then(|s| program.escalation.get(&s)) else { return Ok(None) };
        let raised = task.get("authoredOn").and_then(Value::as_str).and_then(|t| t.parse().ok());
        let (Some(raised), Some(id)) = (raised, task.get("id").and_then(Value::as_str).map(str::to_owned))
        else {
            return Ok(None);
        };
        let now = self.fhir.clock().now();
        let at = step(policy, raised, None, now);
        if at.level <= level_of(&task) {
            return Ok(None);
        }
        let version = version_of(&task).map(str::to_owned);
        let Some(map) = task.as_object_mut() else { return Ok(None) };
        let mut extensions: Vec<Value> = map
            .get("extension")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|e| e.get("url").and_then(Value::as_str) != Some(ESCALATION_LEVEL))
            .cloned()
            .collect();
        extensions.push(json!({"url": ESCALATION_LEVEL, "valueInteger": at.level}));
        map.insert("extension".into(), json!(extensions));
        map.insert(
            "performerType".into(),
            json!([{"coding": [{"system": ESCALATION_ROLE, "code": at.assignee}], "text": at.assignee}]),
        );
        match at.next_at {
            Some(next) => {
                map.insert("restriction".into(), json!({"period": {"end": next.to_string()}}));
            }
            None => {
                map.remove("restriction");
            }
        }
        let mut notes = map.get("note").and_then(Value::as_array).cloned().unwrap_or_default();
        let minutes = policy.after_minutes.to_string();
        let text = match self.outbox() {
            // The server's translations, in its default language (the note is one text for
            // everyone who reads the Task).
            Some(outbox) => outbox.text(
                NOTE_LOCALE,
                "homecare-escalated-note",
                &[("minutes", minutes.as_str()), ("assignee", at.assignee)],
            ),
            // Use cases without the server's texts (the command line's): both languages.
            None => format!(
                "Non pris en charge dans les {minutes} min : transmis à {0} / Not acknowledged within {minutes} min: passed to {0}",
                at.assignee
            ),
        };
        notes.push(json!({"time": now.to_string(), "authorString": super::ENGINE, "text": text}));
        map.insert("note".into(), json!(notes));
        map.insert("lastModified".into(), json!(now.to_string()));
        map.remove("meta");
        let body = json!({"resourceType": "Bundle", "type": "transaction", "entry": [put(task, &id, version.as_deref())]});
        self.fhir.bundle_as(&self.engine, body.to_string().as_bytes(), Prefer::Minimal, BASE).await?;
        Ok(Some(Escalated { task: id, level: at.level, assignee: at.assignee.to_owned() }))
    }

    /// Runs [`Monitoring::tick`] every `every` until the task is aborted; each run's counts are
    /// logged (never who), a failed run is logged and the next one tried.
    pub fn spawn_scheduler(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let monitoring = self.clone();
        tokio::spawn(async move {
            let mut timer = tokio::time::interval(every);
            timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                timer.tick().await;
                match monitoring.tick().await {
                    Ok(run) => tracing::debug!(
                        evaluated = run.evaluated,
                        alerts = run.alerts.len(),
                        escalated = run.escalated.len(),
                        failed = run.failed,
                        "monitoring scheduler ran"
                    ),
                    Err(e) => tracing::warn!(status = e.status(), "monitoring scheduler could not run"),
                }
            }
        })
    }
}
