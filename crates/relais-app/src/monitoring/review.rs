//! The nurse's review queue (issue 7): readings kept for review — stored `preliminary` with a
//! [`REVIEW_SYSTEM`] tag because the program could not count them — of the patients the nurse
//! may read, newest measured first; and what she decides for one:
//!
//! - **accept as measured** (only an `implausible` one: the value is real, a true very high
//!   pulse): `final`, the tag kept and a [`REVIEW_ACCEPTED`] extension saying by whom and when;
//!   it counts from then on ([`super::observation::readings_of`]) and the patient is evaluated
//!   at once, so an alert it warrants reaches the triage dashboard;
//! - **entered in error** (any reason), with her note: never counted.
//!
//! Everything goes through the FHIR use cases as the nurse (the policy decides, the audit trail
//! records), and each decision is an update over the version she was shown: of two nurses
//! deciding together, the second is told, nothing is overwritten.

use jiff::Timestamp;
use relais_access::audit::{Outcome, action};
use relais_access::policy::Denied;
use serde_json::{Value, json};

use super::observation::{REVIEW_ACCEPTED, REVIEW_SYSTEM, effective, is_accepted, parts, subject_patient};
use super::{AlertWrite, Monitoring};
use crate::access::Caller;
use crate::audit::Access;
use crate::fhir::FhirError;
use crate::queues::human_name;

/// The most readings the queue shows at once (the page says when there are more).
pub const MAX_REVIEW: usize = 100;
/// The longest note kept with a reading marked entered in error.
pub const MAX_REVIEW_NOTE_CHARS: usize = 1000;
/// The only reason whose reading may be accepted: the others the program cannot read at all.
pub const ACCEPTABLE: &str = "implausible";

/// One reading awaiting review.
#[derive(Debug, Clone, PartialEq)]
pub struct AwaitingReview {
    /// The Observation's id and the version shown (sent back with the decision).
    pub observation: String,
    pub version: i64,
    /// The patient's id and name (empty when the record has none).
    pub patient: (String, String),
    /// The LOINC code, and the program's name of the measurement where one knows it.
    pub code: String,
    pub name: Option<relais_clinical::program::Text>,
    /// As the device sent them.
    pub value: Option<f64>,
    pub unit: String,
    /// The reason's code (`implausible`, `unit`, `unknown-code`, `not-a-number`) and message.
    pub reason: String,
    pub message: String,
    pub measured: Option<Timestamp>,
    /// The device, where the reading names one.
    pub device: Option<String>,
}

impl AwaitingReview {
    /// Whether it may be accepted as measured.
    pub fn acceptable(&self) -> bool {
        self.reason == ACCEPTABLE
    }
}

/// A page of the queue: up to [`MAX_REVIEW`] readings, newest measured first, and the next
/// page's cursor.
#[derive(Debug, Clone, Default)]
pub struct ReviewQueue {
    pub readings: Vec<AwaitingReview>,
    /// The next page's cursor (older readings), when more wait.
    pub older: Option<String>,
}

/// Why a decision was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// A form field is wrong: the field and a stable code (translated next to it).
    #[error("{code}")]
    Field { field: &'static str, code: &'static str },
    /// The reading's reason is not `implausible`: the program cannot read it. `review-not-acceptable`.
    #[error("review-not-acceptable")]
    NotAcceptable,
    /// Someone decided already (named as the record says). `review-already-done`.
    #[error("review-already-done")]
    AlreadyReviewed { by: String },
    /// Changed since it was shown, still awaiting review. `review-changed`.
    #[error("review-changed")]
    Changed,
    #[error(transparent)]
    Fhir(#[from] FhirError),
}

impl ReviewError {
    /// Stable code, as the translations name it.
    pub fn code(&self) -> &'static str {
        match self {
            ReviewError::Field { code, .. } => code,
            ReviewError::NotAcceptable => "review-not-acceptable",
            ReviewError::AlreadyReviewed { .. } => "review-already-done",
            ReviewError::Changed => "review-changed",
            ReviewError::Fhir(FhirError::NotFound(_)) => "review-not-found",
            ReviewError::Fhir(FhirError::Forbidden(_)) => "review-forbidden",
            ReviewError::Fhir(_) => "server-error",
        }
    }
}

/// What makes a reading one awaiting review: kept `preliminary` with a review tag.
fn awaiting_review() -> Vec<(String, String)> {
    vec![("status".to_owned(), "preliminary".to_owned()), ("_tag".to_owned(), format!("{REVIEW_SYSTEM}|"))]
}

/// The search of readings awaiting review, a page of them with their patients, newest measured
/// first (`GET /fhir/Observation?…` gives the same).
pub fn review_query() -> Vec<(String, String)> {
    let mut query = awaiting_review();
    query.extend(
        [
            ("_sort", "-date".to_owned()),
            ("_include", "Observation:subject".to_owned()),
            ("_count", MAX_REVIEW.to_string()),
        ]
        .map(|(k, v)| (k.to_owned(), v)),
    );
    query
}

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// The `_cursor` of the search Bundle's link `relation`, if it has one.
fn link_cursor(bundle: &Value, relation: &str) -> Option<String> {
    let links = bundle.get("link")?.as_array()?;
    let url = links.iter().find(|l| text(l, "/relation") == Some(relation)).and_then(|l| text(l, "/url"))?;
    let (_, query) = url.split_once('?')?;
    form_urlencoded::parse(query.as_bytes()).find(|(name, _)| name == "_cursor").map(|(_, c)| c.into_owned())
}

/// The review tag of a stored Observation: its code and message.
fn review_tag(obs: &Value) -> Option<(&str, &str)> {
    let tags = obs.pointer("/meta/tag")?.as_array()?;
    let tag = tags.iter().find(|t| text(t, "/system") == Some(REVIEW_SYSTEM))?;
    Some((text(tag, "/code")?, text(tag, "/display").unwrap_or_default()))
}

/// The device a reading came from: its `device`, else the device its message id names.
fn device_of(obs: &Value) -> Option<String> {
    if let Some(device) = text(obs, "/device/display").or_else(|| text(obs, "/device/reference")) {
        return Some(device.trim_start_matches("Device/").to_owned());
    }
    obs.get("identifier")?.as_array()?.iter().find_map(|i| {
        let system = text(i, "/system")?.strip_prefix("urn:relais:device:")?;
        Some(system.strip_suffix(":message")?.to_owned())
    })
}

/// Who decided a reading already, as its stored version says.
fn reviewer_of(obs: &Value) -> String {
    let accepted = obs.get("extension").and_then(Value::as_array).and_then(|list| {
        let ext = list.iter().find(|e| text(e, "/url") == Some(REVIEW_ACCEPTED))?;
        let by = ext.get("extension")?.as_array()?.iter().find(|e| text(e, "/url") == Some("by"))?;
        text(by, "/valueReference/display").or_else(|| text(by, "/valueReference/reference"))
    });
    let noted = || {
        let note = obs.get("note")?.as_array()?.last()?;
        text(note, "/authorReference/display").or_else(|| text(note, "/authorString"))
    };
    accepted.or_else(noted).unwrap_or_default().to_owned()
}

impl Monitoring {
    /// The readings awaiting review that `caller` may read, newest measured first: the first
    /// page, or the one `page` (a cursor from [`ReviewQueue::older`]) starts.
    ///
    /// # Errors
    /// 403 `role-forbids` for anyone but a clinician (on the audit trail); 400
    /// `invalid-cursor` for a cursor that is not one of this search's (it may only narrow
    /// what the caller may read, never widen it); the search's errors.
    pub async fn review_queue(&self, caller: &Caller, page: Option<&str>) -> Result<ReviewQueue, FhirError> {
        self.clinicians_only(caller, "Observation", "monitoring-review").await?;
        let mut query = review_query();
        if let Some(cursor) = page {
            query.push(("_cursor".to_owned(), cursor.to_owned()));
        }
        let bundle = self.fhir.search_as(caller, "Observation", &query, true, super::BASE).await?;
        let older = link_cursor(&bundle, "next");
        let found: Vec<&Value> = super::evaluate::resources(&bundle).collect();
        let catalog = self.catalog();
        let name_of = |patient: &str| {
            found
                .iter()
                .find(|r| text(r, "/resourceType") == Some("Patient") && text(r, "/id") == Some(patient))
                .and_then(|p| human_name(p))
                .unwrap_or_default()
        };
        let readings = found
            .iter()
            .filter(|r| text(r, "/resourceType") == Some("Observation"))
            .filter_map(|obs| {
                let (reason, message) = review_tag(obs)?;
                let patient = subject_patient(obs)?.to_owned();
                let first = parts(obs).into_iter().next();
                let code = first.as_ref().map(|p| p.code.clone()).unwrap_or_default();
                let name = catalog.programs().find_map(|p| p.measurement_for(&code)).map(|m| m.name.clone());
                Some(AwaitingReview {
                    observation: text(obs, "/id")?.to_owned(),
                    version: text(obs, "/meta/versionId").and_then(|v| v.parse().ok()).unwrap_or(1),
                    patient: (patient.clone(), name_of(&patient)),
                    code,
                    name,
                    value: first.as_ref().map(|p| p.value),
                    unit: first.map(|p| p.unit).unwrap_or_default(),
                    reason: reason.to_owned(),
                    message: message.to_owned(),
                    measured: effective(obs),
                    device: device_of(obs),
                })
            })
            .collect();
        Ok(ReviewQueue { readings, older })
    }

    /// How many readings await review that `caller` may read: a count, no reading sent, so
    /// the trail records a count search, not an access to each patient whose reading waits.
    ///
    /// # Errors
    /// As [`Monitoring::review_queue`].
    pub async fn review_count(&self, caller: &Caller) -> Result<u64, FhirError> {
        self.clinicians_only(caller, "Observation", "monitoring-review").await?;
        let mut query = awaiting_review();
        query.push(("_summary".to_owned(), "count".to_owned()));
        let bundle = self.fhir.search_as(caller, "Observation", &query, true, super::BASE).await?;
        Ok(bundle.get("total").and_then(Value::as_u64).unwrap_or_default())
    }

    /// 403 `role-forbids` for anyone but a clinician, on the audit trail as a refused search
    /// of `resource_type` named `list` (`monitoring-review`).
    pub(super) async fn clinicians_only(
        &self,
        caller: &Caller,
        resource_type: &str,
        list: &str,
    ) -> Result<(), FhirError> {
        if caller.principal.roles.iter().any(|r| r.is_clinical()) {
            return Ok(());
        }
        let access = Access {
            action: action::SEARCH,
            outcome: Outcome::Denied,
            resource_type: Some(resource_type),
            resource_id: None,
            query: Some(list.to_owned()),
            patients: Vec::new(),
        };
        self.fhir.audit(caller, access).await?;
        Err(FhirError::Forbidden(Denied::RoleForbids.code()))
    }

    /// Accepts the implausible reading `id` (as shown at `version`) as really measured, then
    /// evaluates its patient; returns the alerts that raised or updated.
    ///
    /// # Errors
    /// [`ReviewError::NotAcceptable`] for another reason; [`ReviewError::AlreadyReviewed`] /
    /// [`ReviewError::Changed`] when someone acted first; the read's and write's refusals.
    pub async fn accept_reading(
        &self,
        caller: &Caller,
        id: &str,
        version: i64,
    ) -> Result<Vec<AlertWrite>, ReviewError> {
        let mut obs = self.awaiting(caller, id, version).await?;
        if review_tag(&obs).map(|(code, _)| code) != Some(ACCEPTABLE) {
            return Err(ReviewError::NotAcceptable);
        }
        let (by, _) = self.reviewer(caller).await;
        obs["status"] = json!("final");
        let accepted = json!({"url": REVIEW_ACCEPTED, "extension": [
            {"url": "by", "valueReference": by},
            {"url": "at", "valueDateTime": self.fhir.clock().now().to_string()},
        ]});
        match obs.get_mut("extension").and_then(Value::as_array_mut) {
            Some(list) => list.push(accepted),
            None => obs["extension"] = json!([accepted]),
        }
        debug_assert!(is_accepted(&obs));
        self.decide(caller, id, version, &obs).await?;
        let patient = subject_patient(&obs).unwrap_or_default().to_owned();
        let (program, enrolled_at) = match self.enrolment(&patient).await {
            Ok(found) => found,
            // No longer enrolled: the reading is accepted, there is nothing to evaluate.
            Err(FhirError::Unprocessable(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        // An own write, added to the patient's remembered history at once (as a recorded
        // reading is) rather than waiting for its announcement to be heard and read back.
        self.remember_readings(vec![(patient.clone(), program.clone(), obs)]);
        Ok(self.evaluate(&patient, &program, enrolled_at).await?.0)
    }

    /// Marks the reading `id` (as shown at `version`) entered in error, with `note`.
    ///
    /// # Errors
    /// [`ReviewError::Field`] `note` (`review-note-required`, `review-note-too-long`); as
    /// [`Monitoring::accept_reading`] otherwise.
    pub async fn mark_entered_in_error(
        &self,
        caller: &Caller,
        id: &str,
        version: i64,
        note: &str,
    ) -> Result<(), ReviewError> {
        let note = note.trim();
        if note.is_empty() {
            return Err(ReviewError::Field { field: "note", code: "review-note-required" });
        }
        if note.chars().count() > MAX_REVIEW_NOTE_CHARS {
            return Err(ReviewError::Field { field: "note", code: "review-note-too-long" });
        }
        let mut obs = self.awaiting(caller, id, version).await?;
        let (by, name) = self.reviewer(caller).await;
        obs["status"] = json!("entered-in-error");
        let mut annotation = json!({"time": self.fhir.clock().now().to_string(), "text": note});
        if by.get("reference").is_some() {
            annotation["authorReference"] = by;
        } else {
            annotation["authorString"] = json!(name);
        }
        match obs.get_mut("note").and_then(Value::as_array_mut) {
            Some(list) => list.push(annotation),
            None => obs["note"] = json!([annotation]),
        }
        self.decide(caller, id, version, &obs).await
    }

    /// The reading `id` read as `caller`, still awaiting review at `version`.
    async fn awaiting(&self, caller: &Caller, id: &str, version: i64) -> Result<Value, ReviewError> {
        let row = self.fhir.read_as(caller, "Observation", id).await?;
        let obs: Value = row
            .content
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
            .ok_or_else(|| FhirError::NotFound(format!("Observation/{id}")))?;
        if text(&obs, "/status") != Some("preliminary") || review_tag(&obs).is_none() {
            return Err(ReviewError::AlreadyReviewed { by: reviewer_of(&obs) });
        }
        if row.version != version {
            return Err(ReviewError::Changed);
        }
        Ok(obs)
    }

    /// Writes the decided reading over `version`; a lost race says who won it.
    async fn decide(&self, caller: &Caller, id: &str, version: i64, obs: &Value) -> Result<(), ReviewError> {
        let mut obs = obs.clone();
        // The store sets the version and time; the tags are kept.
        if let Some(meta) = obs.get_mut("meta").and_then(Value::as_object_mut) {
            meta.remove("versionId");
            meta.remove("lastUpdated");
        }
        match self.fhir.update_as(caller, "Observation", id, obs.to_string().as_bytes(), Some(version)).await
        {
            Ok(_) => Ok(()),
            Err(FhirError::PreconditionFailed(_) | FhirError::Conflict(_)) => {
                Err(self.awaiting(caller, id, version + 1).await.err().unwrap_or(ReviewError::Changed))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Who `caller` is on the record: their Practitioner (named) when their account has one,
    /// else their account; and their name.
    async fn reviewer(&self, caller: &Caller) -> (Value, String) {
        let account = self.fhir.store().account_by_id(&caller.principal.id).await.ok().flatten();
        let name = account.as_ref().map_or_else(|| caller.principal.id.clone(), |a| a.display_name.clone());
        match account.and_then(|a| a.practitioner_id) {
            Some(practitioner) => {
                (json!({"reference": format!("Practitioner/{practitioner}"), "display": name}), name)
            }
            None => (json!({"display": name}), name),
        }
    }
}
