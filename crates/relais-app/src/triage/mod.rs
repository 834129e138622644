//! The nurse's triage (issue 7): the open home-monitoring alerts — DetectedIssue + Task, as the
//! rules engine writes them — of the patients the nurse may see, most severe first and then
//! longest waiting; and what the nurse does with one: acknowledge it (take the Task), record a
//! call (a Communication about the alert), resolve it with an outcome and a note (the Task
//! completed and the DetectedIssue final with a mitigation, in one transaction).
//!
//! Everything is read and written as the nurse, through the FHIR use cases: the policy decides
//! (an alert of a patient outside the nurse's care teams and queues is not shown) and every read
//! and write is on the audit trail. The alerts are the Tasks whose code is a program's rule
//! (`urn:relais:program:{id}:rule`), so other work items never mix in.

mod alert;

use std::sync::Arc;

use relais_clinical::program::Catalog;
use serde_json::{Value, json};

pub(crate) use alert::alerts_of;
pub use alert::{Alert, Outcome, severity_rank};

use crate::access::Caller;
use crate::fhir::{Fhir, FhirError, Prefer};
use crate::queues::{OPEN, QueueError};

/// The most alerts the dashboard shows at once.
pub const MAX_ALERTS: usize = 200;
/// The longest note kept with a call or a resolution.
pub const MAX_NOTE_CHARS: usize = 2000;

/// Why a triage action was refused.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    /// A form field is wrong: the field and a stable code (translated next to it).
    #[error("{code}")]
    Field { field: &'static str, code: &'static str },
    /// Not an open alert (closed meanwhile, or not an alert). `alert-not-open`.
    #[error("alert-not-open")]
    NotOpen,
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl TriageError {
    pub fn code(&self) -> &'static str {
        match self {
            TriageError::Field { code, .. } => code,
            TriageError::NotOpen => "alert-not-open",
            TriageError::Queue(e) => e.code(),
        }
    }
}

impl From<FhirError> for TriageError {
    fn from(e: FhirError) -> Self {
        TriageError::Queue(QueueError::Fhir(e))
    }
}

/// The triage use cases.
#[derive(Clone)]
pub struct Triage {
    fhir: Fhir,
    catalog: Arc<Catalog>,
}

impl Triage {
    pub fn new(fhir: Fhir, catalog: Arc<Catalog>) -> Self {
        Self { fhir, catalog }
    }

    /// The open alerts `caller` may see, most severe first, then oldest first.
    ///
    /// # Errors
    /// The search's.
    pub async fn alerts(&self, caller: &Caller) -> Result<Vec<Alert>, TriageError> {
        let Some(mut pairs) = open_alerts_query(&self.catalog) else { return Ok(Vec::new()) };
        for (k, v) in [
            ("_include", "Task:patient".to_owned()),
            ("_include", "Task:owner".to_owned()),
            ("_count", MAX_ALERTS.to_string()),
        ] {
            pairs.push((k.to_owned(), v));
        }
        let bundle = self.fhir.search_as(caller, "Task", &pairs, true, "").await?;
        let mut alerts = alert::alerts_of(&bundle);
        alerts.sort_by(|a, b| {
            severity_rank(&b.severity)
                .cmp(&severity_rank(&a.severity))
                .then(a.identified.cmp(&b.identified))
                .then_with(|| a.task.cmp(&b.task))
        });
        Ok(alerts)
    }

    /// Acknowledges (takes) the alert whose Task is `task`, as seen at `version`.
    ///
    /// # Errors
    /// As [`Fhir::claim_task`].
    pub async fn acknowledge(&self, caller: &Caller, task: &str, version: i64) -> Result<(), TriageError> {
        Ok(self.fhir.claim_task(caller, task, version).await?)
    }

    /// Records that `caller` called the patient about the alert `task`, with `note`.
    ///
    /// # Errors
    /// [`TriageError::Field`] for a note too long; [`TriageError::NotOpen`]; the reads' and the
    /// write's refusals.
    pub async fn record_call(&self, caller: &Caller, task: &str, note: &str) -> Result<(), TriageError> {
        let note = checked_note(note, false)?;
        let (task, _) = self.open_alert(caller, task).await?;
        let me = self.practitioner(caller).await?;
        let mut communication = json!({
            "resourceType": "Communication",
            "status": "completed",
            "medium": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode", "code": "PHONE"}]}],
            "subject": task.get("for").cloned().unwrap_or(Value::Null),
            "about": [{"reference": format!("Task/{}", text(&task, "/id"))}, task.get("focus").cloned().unwrap_or(Value::Null)],
            "sent": self.fhir.clock().now().to_string(),
            "sender": {"reference": format!("Practitioner/{me}")},
        });
        if !note.is_empty() {
            communication["payload"] = json!([{"contentString": note}]);
        }
        self.fhir.create_as(caller, "Communication", communication.to_string().as_bytes(), None).await?;
        Ok(())
    }

    /// Resolves the alert `task` (as seen at `version`) with `outcome` and `note`: the Task is
    /// completed and the DetectedIssue final with the outcome as its mitigation, together.
    ///
    /// # Errors
    /// [`TriageError::Field`] (`outcome-required`, `note-too-long`); [`TriageError::NotOpen`];
    /// `task-changed` if a colleague changed it since `version`; the writes' refusals.
    pub async fn resolve(
        &self,
        caller: &Caller,
        task: &str,
        version: i64,
        outcome: &str,
        note: &str,
    ) -> Result<(), TriageError> {
        let outcome = Outcome::from_code(outcome)
            .ok_or(TriageError::Field { field: "outcome", code: "outcome-required" })?;
        let note = checked_note(note, outcome == Outcome::Escalated)?;
        let (mut task, row_version) = self.open_alert(caller, task).await?;
        if row_version != version {
            return Err(QueueError::Changed.into());
        }
        let issue_ref = text(&task, "/focus/reference").to_owned();
        let issue_id = issue_ref.strip_prefix("DetectedIssue/").ok_or(TriageError::NotOpen)?.to_owned();
        let issue_row = self.fhir.read_as(caller, "DetectedIssue", &issue_id).await?;
        let mut issue: Value = issue_row
            .content
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
            .ok_or(TriageError::NotOpen)?;
        let me = format!("Practitioner/{}", self.practitioner(caller).await?);
        let now = self.fhir.clock().now().to_string();
        let mut coded = json!({"coding": [{"system": alert::OUTCOME_SYSTEM, "code": outcome.code()}]});
        // FHIR strings are never empty: an outcome resolved without a note has no text.
        if !note.is_empty() {
            coded["text"] = json!(note);
        }
        task["status"] = json!("completed");
        task["statusReason"] = coded.clone();
        task["lastModified"] = json!(now);
        if !note.is_empty() {
            task["note"] = json!([{"authorReference": {"reference": me}, "time": now, "text": note}]);
        }
        issue["status"] = json!("final");
        issue["mitigation"] = json!([{"action": coded, "date": now, "author": {"reference": me}}]);
        for resource in [&mut task, &mut issue] {
            if let Some(map) = resource.as_object_mut() {
                map.remove("meta");
            }
        }
        let task_id = text(&task, "/id").to_owned();
        let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
            {"resource": task, "request": {"method": "PUT", "url": format!("Task/{task_id}"), "ifMatch": format!("W/\"{version}\"")}},
            {"resource": issue, "request": {"method": "PUT", "url": issue_ref, "ifMatch": format!("W/\"{}\"", issue_row.version)}},
        ]});
        match self.fhir.bundle_as(caller, bundle.to_string().as_bytes(), Prefer::Minimal, "").await {
            Ok(_) => Ok(()),
            Err(FhirError::PreconditionFailed(_) | FhirError::Conflict(_)) => Err(QueueError::Changed.into()),
            Err(e) => Err(e.into()),
        }
    }

    /// The Task of an open alert, and its version, read as `caller`.
    async fn open_alert(&self, caller: &Caller, task: &str) -> Result<(Value, i64), TriageError> {
        let row = self.fhir.read_as(caller, "Task", task).await?;
        let value: Value =
            row.content.as_deref().and_then(|c| serde_json::from_str(c).ok()).ok_or(TriageError::NotOpen)?;
        let open = OPEN.split(',').any(|s| s == text(&value, "/status"));
        let alert = text(&value, "/focus/reference").starts_with("DetectedIssue/");
        if !open || !alert {
            return Err(TriageError::NotOpen);
        }
        Ok((value, row.version))
    }

    async fn practitioner(&self, caller: &Caller) -> Result<String, TriageError> {
        let account = self.fhir.store().account_by_id(&caller.principal.id).await.map_err(FhirError::from)?;
        account.and_then(|a| a.practitioner_id).ok_or(TriageError::Queue(QueueError::NotLinked))
    }
}

/// The Task search of open alerts — Tasks whose code is a rule of one of `catalog`'s programs,
/// with their DetectedIssue (`focus`) — or `None` when there is no program.
pub(crate) fn open_alerts_query(catalog: &Catalog) -> Option<Vec<(String, String)>> {
    let systems: Vec<String> =
        catalog.programs().map(|p| format!("urn:relais:program:{}:rule|", p.id)).collect();
    if systems.is_empty() {
        return None;
    }
    Some(vec![
        ("status".to_owned(), OPEN.to_owned()),
        ("code".to_owned(), systems.join(",")),
        ("_include".to_owned(), "Task:focus".to_owned()),
    ])
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

/// The note trimmed; refused when too long, or empty where one is `required`.
fn checked_note(note: &str, required: bool) -> Result<String, TriageError> {
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(TriageError::Field { field: "note", code: "note-too-long" });
    }
    if required && note.is_empty() {
        return Err(TriageError::Field { field: "note", code: "note-required" });
    }
    Ok(note.to_owned())
}
