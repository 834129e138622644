//! Home monitoring (issue 7): a patient's reading comes in, is normalised to their program's
//! units, stored through the FHIR write path as the caller (policy-checked and audited), and the
//! program's rules are evaluated on the patient's recent history; what they find becomes an
//! alert for the nurse queue (DetectedIssue + Task + Provenance), or updates the open alert of
//! the same condition.
//!
//! - A device message is counted once: its id is an identifier of the Observation, written with
//!   a conditional create, so a retransmission finds the first one and evaluates nothing.
//! - An implausible reading is stored, marked for review with the reason, and not evaluated.
//! - The rules engine acts as the server: its reads of the history and its alert writes are the
//!   system's own, named "Relais rules engine" in each alert's Provenance.
//!
//! The patient's program is the one their active CarePlan instantiates
//! (`instantiatesUri` = `urn:relais:program:{id}`), from enrolment (`period.start`).

mod alerts;
pub mod answers;
mod api_writes;
mod batch;
mod catalog;
pub mod cohort;
pub mod enrolment;
mod enrolment_cache;
mod evaluate;
mod history;
pub mod invitation;
pub(crate) mod observation;
pub mod overrides;
pub mod program_edit;
mod programs;
mod recent;
pub mod review;
pub mod schedule;
mod scheduler;
mod serial;
pub mod welcome;

use std::sync::Arc;

use jiff::Timestamp;
use relais_clinical::program::{Program, Severity, Text};
use relais_clinical::units::Rejection;
use relais_fhir::validate::parse_object;
use relais_fhir::{Issue, IssueType};
use serde_json::{Value, json};

pub use alerts::{ALERT_DETAIL, ALERT_KEY, ENGINE, priority, rule_uri};
pub use batch::{Batched, ReadingIn};
pub use catalog::{CatalogError, Programs, load_catalog};
pub use enrolment_cache::FRESH_FOR;
pub use observation::{ORIGINAL_QUANTITY, REVIEW_ACCEPTED, REVIEW_SYSTEM};
pub use scheduler::{ESCALATION_LEVEL, ESCALATION_ROLE, Escalated, Tick};

use crate::access::Caller;
use crate::fhir::{Fhir, FhirError, NewItem, WriteKind};

/// The FHIR base named in internal searches' links (never shown).
const BASE: &str = "https://relais.invalid/fhir";
/// The CarePlan `instantiatesUri` prefix of a program.
pub const PROGRAM_URI: &str = "urn:relais:program:";

/// A device's message: its id is never counted twice.
#[derive(Debug, Clone, Copy)]
pub struct DeviceMessage<'a> {
    /// The device (its Device id, or serial).
    pub device: &'a str,
    /// The message id the device gave.
    pub message: &'a str,
}

/// What became of a reading.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Stored and evaluated.
    Counted,
    /// The device sent this message before: nothing new stored or evaluated.
    Duplicate,
    /// Stored for review, not evaluated, for this reason.
    Review(Rejection),
}

/// What happened to an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertChange {
    /// A new alert (DetectedIssue, Task and Provenance).
    Raised,
    /// The open alert of the same condition, updated (new readings, or a new severity).
    Updated,
    /// The open alert already says this.
    Unchanged,
}

/// One alert the evaluation raised or touched.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertWrite {
    pub key: String,
    pub rule: String,
    pub rule_version: u32,
    pub severity: Severity,
    pub detected_issue: String,
    pub change: AlertChange,
}

/// The result of recording a reading.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The stored Observation's id (the first one's, for a duplicate).
    pub observation: String,
    pub outcome: Outcome,
    /// Alerts raised or updated by this reading's evaluation.
    pub alerts: Vec<AlertWrite>,
    /// Advice to show the patient at once (red flags), in both languages.
    pub advice: Vec<Text>,
}

/// The home-monitoring use cases.
#[derive(Clone)]
pub struct Monitoring {
    fhir: Fhir,
    /// The programs in force (an administrator may replace them while the server runs).
    programs: Programs,
    /// Enrolments looked up lately (forgotten on any CarePlan write).
    enrolments: Arc<enrolment_cache::Enrolments>,
    /// One evaluation of a patient at a time.
    locks: Arc<serial::PatientLocks>,
    /// The recent histories of the patients evaluated lately.
    recent: Arc<recent::Recent>,
    /// Who the rules engine's writes are decided and audited as.
    engine: Caller,
    /// Where the enrolment invitations go (none: not sent).
    outbox: Option<crate::mail::Outbox>,
}

fn invalid(code: &'static str, message: &str) -> FhirError {
    FhirError::Invalid(vec![Issue::error(IssueType::Invalid, code, message)])
}

impl Monitoring {
    /// Use cases over `fhir`, with `programs` (a fixed catalog, or [`Programs`] an
    /// administrator may change).
    pub fn new(fhir: Fhir, programs: impl Into<Programs>) -> Self {
        let enrolments = Arc::new(enrolment_cache::Enrolments::new(fhir.changes().subscribe()));
        let locks = Arc::new(serial::PatientLocks::new());
        let recent = Arc::new(recent::Recent::new(fhir.changes().subscribe()));
        Self {
            fhir,
            programs: programs.into(),
            enrolments,
            locks,
            recent,
            engine: engine_caller(),
            outbox: None,
        }
    }

    /// These use cases, inviting each enrolled patient by email through `outbox`.
    #[must_use]
    pub fn with_outbox(mut self, outbox: crate::mail::Outbox) -> Self {
        self.outbox = Some(outbox);
        self
    }

    /// The FHIR use cases underneath (for the scheduler's caller and the benchmark's followers).
    pub fn fhir(&self) -> &Fhir {
        &self.fhir
    }

    /// Records one reading (a FHIR Observation, `body`) as `caller`, then evaluates the
    /// patient's program and writes its alerts.
    ///
    /// # Errors
    /// 400 for a body that is not an Observation with a patient, a measurement time and a value
    /// (`not-a-reading`); 403 when the caller may not write this record (decided and audited
    /// before anything about the patient is looked up); 422 `not-enrolled` when the patient
    /// follows no program. Nothing is stored then.
    pub async fn record_reading(
        &self,
        caller: &Caller,
        body: &[u8],
        message: Option<DeviceMessage<'_>>,
    ) -> Result<Recorded, FhirError> {
        let Parsed { mut obs, patient, at, parts } = parse_reading(body)?;
        if !self.fhir.may_create(caller, "Observation", &obs) {
            // Refused by the write path itself, so the refusal is audited like any other, and
            // before the enrolment lookup, whose answer would tell which program the patient
            // follows to someone with no right to know.
            let refused = self.fhir.create_as(caller, "Observation", body, None).await;
            return Err(refused.err().unwrap_or(FhirError::Forbidden("not-entitled")));
        }
        let (program, enrolled_at) = self.enrolment(&patient).await?;
        let (rejection, condition) = prepare(&mut obs, &program, at, &parts, message);
        let body = obs.to_string();
        let written = match condition {
            // A plain create may be committed together with others by the store.
            None => self.fhir.create_as(caller, "Observation", body.as_bytes(), None).await?,
            // A device message: found again even by a gateway that may not read (batch.rs).
            Some(condition) => {
                let item = NewItem { body: body.into_bytes(), if_none_exist: Some(condition) };
                let mut one = self.fhir.create_many_as(caller, "Observation", &[item]).await?;
                one.pop().unwrap_or(Err(FhirError::Store(relais_store::StoreError::Closed)))?
            }
        };
        let observation = written.row.id.clone();
        let outcome = match (written.kind, rejection) {
            (WriteKind::Existing | WriteKind::ExistingHidden, _) => Outcome::Duplicate,
            (_, Some(rejection)) => Outcome::Review(rejection),
            _ => Outcome::Counted,
        };
        if outcome != Outcome::Counted {
            return Ok(Recorded { observation, outcome, alerts: Vec::new(), advice: Vec::new() });
        }
        obs["id"] = Value::String(observation.clone());
        self.remember_readings(vec![(patient.clone(), program.clone(), obs)]);
        let (alerts, advice) = self.evaluate(&patient, &program, enrolled_at).await?;
        Ok(Recorded { observation, outcome, alerts, advice })
    }

    /// Evaluates a patient's program at the clock's now and writes its alerts: what a scheduler
    /// calls for missing data.
    ///
    /// # Errors
    /// 422 `not-enrolled`; storage errors.
    pub async fn evaluate_patient(&self, patient: &str) -> Result<Vec<AlertWrite>, FhirError> {
        let (program, enrolled_at) = self.enrolment(patient).await?;
        Ok(self.evaluate(patient, &program, enrolled_at).await?.0)
    }
}

/// The rules engine as a caller: a system client that may write alerts (DetectedIssue, Task,
/// Provenance: read to update them) and nothing else, so its writes are decided and on the audit trail under its name.
fn engine_caller() -> Caller {
    let scopes = relais_access::scopes::Scopes::parse(
        "system/DetectedIssue.* system/Task.* system/Provenance.*",
        |_| true,
    )
    .unwrap_or_default();
    Caller::new(relais_access::policy::Principal {
        id: ENGINE.to_owned(),
        scopes: Some(scopes),
        ..relais_access::policy::Principal::default()
    })
}

/// A reading's body, parsed and checked for what every reading needs.
pub(super) struct Parsed {
    pub obs: Value,
    pub patient: String,
    pub at: Timestamp,
    pub parts: Vec<observation::Part>,
}

/// Parses a reading: an Observation with a patient, a measurement time and a coded value.
pub(super) fn parse_reading(body: &[u8]) -> Result<Parsed, FhirError> {
    let obs = parse_object(body)?;
    if obs.get("resourceType").and_then(Value::as_str) != Some("Observation") {
        return Err(invalid("not-a-reading", "A reading must be an Observation"));
    }
    let patient = observation::subject_patient(&obs)
        .ok_or_else(|| invalid("not-a-reading", "A reading must name its patient (subject: Patient/…)"))?
        .to_owned();
    let at = observation::effective(&obs).ok_or_else(|| {
        invalid("not-a-reading", "A reading must say when it was measured (effectiveDateTime with a time)")
    })?;
    let parts = observation::parts(&obs);
    if parts.is_empty() {
        return Err(invalid("not-a-reading", "A reading must carry a LOINC-coded valueQuantity"));
    }
    Ok(Parsed { obs, patient, at, parts })
}

/// Normalises the reading to `program`'s units (or marks it for review) and names the device
/// message in its identifiers; returns why it awaits review, if it does, and the `If-None-Exist`
/// query that finds the same message stored before.
pub(super) fn prepare(
    obs: &mut Value,
    program: &Program,
    at: Timestamp,
    parts: &[observation::Part],
    message: Option<DeviceMessage<'_>>,
) -> (Option<Rejection>, Option<String>) {
    let rejection = match observation::normalise_parts(program, "new", at, parts) {
        Ok(normalised) => {
            observation::rewrite(obs, &normalised);
            None
        }
        Err(rejection) => {
            observation::mark_for_review(obs, &rejection);
            Some(rejection)
        }
    };
    let condition = message.map(|m| {
        let system = format!("urn:relais:device:{}:message", m.device);
        if let Some(map) = obs.as_object_mut() {
            let identifiers = map.entry("identifier").or_insert_with(|| json!([]));
            if let Some(list) = identifiers.as_array_mut() {
                list.push(json!({"system": system, "value": m.message}));
            }
        }
        let token = format!("{system}|{}", m.message);
        format!("identifier={}", form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>())
    });
    (rejection, condition)
}
