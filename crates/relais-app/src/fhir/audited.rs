//! Putting accesses on the trail from the use cases: [`Fhir::audit`] writes an [`Access`] (one
//! record per patient concerned) through the batching writer and returns once it is durable, so
//! that data leaves the server only after its access is recorded, and a trail that cannot be
//! written refuses the request. [`Fhir::audit_decision`] does the same from a policy decision,
//! for a use case about one resource.

use std::collections::BTreeMap;

use relais_access::audit::Outcome;
use relais_access::policy::{Action, Basis, Decision, Principal, Target, decide};
use relais_fhir::compartment::PatientCompartment;
use relais_store::ResourceRow;
use serde_json::Value;

use super::{Fhir, FhirError};
use crate::access::Caller;
use crate::audit::{Access, AuditWriter, Concerned, access::drafts};

/// A use case's answer once its access went to the trail: data leaves the server only with its
/// record (a trail that cannot be written turns a success into `503 audit-unavailable`); a
/// refusal or failure disclosed nothing and is answered as it was, its unrecorded attempt logged.
pub(super) fn answer<T>(
    result: Result<T, FhirError>,
    audited: Result<(), FhirError>,
) -> Result<T, FhirError> {
    match (result, audited) {
        (Ok(value), Ok(())) => Ok(value),
        (Ok(_), Err(unrecorded)) => Err(unrecorded),
        (Err(e), Ok(())) => Err(e),
        (Err(e), Err(_)) => {
            tracing::error!(status = e.status(), "a refused or failed access could not be recorded");
            Err(e)
        }
    }
}

impl Fhir {
    /// The writer of this store's audit trail, started on first use; for use cases outside this
    /// type (sign-in, sign-out) that record with `record(draft).await`.
    pub fn audit_writer(&self) -> &AuditWriter {
        self.audit.get_or_init(|| AuditWriter::start(self.store.clone()))
    }

    /// Records `access` by `caller` (one record per concerned patient, or one about no patient)
    /// and returns once the records are stored.
    ///
    /// # Errors
    /// [`FhirError::AuditUnavailable`] if the trail cannot be written: the access must not go
    /// ahead.
    pub async fn audit(&self, caller: &Caller, access: Access<'_>) -> Result<(), FhirError> {
        let drafts = drafts(caller, access, self.clock.now().as_microsecond());
        self.audit_writer().record_all(drafts).await.map(drop).map_err(|_| FhirError::AuditUnavailable)
    }

    /// Records `action` (one of `relais_access::audit::action`) on `resource_type/resource_id`
    /// by `caller`, as `decision` answered it, for the records of `patients` (those the resource
    /// belongs to; empty for a resource in no record): success or denied, break-the-glass when
    /// the decision was flagged, on the patient's behalf when reached as their caregiver.
    ///
    /// # Errors
    /// As [`Fhir::audit`].
    pub async fn audit_decision(
        &self,
        caller: &Caller,
        action: &'static str,
        resource_type: &str,
        resource_id: Option<&str>,
        patients: &[String],
        decision: &Decision,
    ) -> Result<(), FhirError> {
        let (outcome, break_glass, caregiver) = match decision {
            Decision::Allow { basis, flagged } => {
                (Outcome::Success, *flagged, *basis == Some(Basis::Caregiver))
            }
            Decision::Deny(_) => (Outcome::Denied, false, false),
        };
        let patients =
            patients.iter().map(|p| Concerned { patient: p.clone(), break_glass, caregiver }).collect();
        let access = Access {
            action,
            outcome,
            resource_type: Some(resource_type),
            resource_id,
            query: None,
            patients,
        };
        self.audit(caller, access).await
    }

    /// The policy's answer for `action` on a resource of `resource_type` with `content`, and the
    /// patients whose record it is part of (read from its compartment references). Without the
    /// compartment definition, nothing of a patient's record is shown.
    pub(super) fn judge(
        &self,
        principal: &Principal,
        action: Action,
        resource_type: &str,
        content: Option<&str>,
    ) -> (Decision, Vec<String>) {
        let resource: Value = content.and_then(|c| serde_json::from_str(c).ok()).unwrap_or(Value::Null);
        self.judge_resource(principal, action, resource_type, &resource)
    }

    /// [`Fhir::judge`] on parsed content. Without the compartment definition, nothing of a
    /// patient's record is shown.
    pub(super) fn judge_resource(
        &self,
        principal: &Principal,
        action: Action,
        resource_type: &str,
        resource: &Value,
    ) -> (Decision, Vec<String>) {
        let Ok(compartment) = PatientCompartment::shared() else {
            return (Decision::Deny(relais_access::policy::Denied::NotEntitled), Vec::new());
        };
        let patients = compartment.patients_of(&self.search, resource);
        let target = Target {
            resource_type,
            in_compartment: compartment.includes(resource_type),
            patients: &patients,
            id: resource.get("id").and_then(Value::as_str),
        };
        let decision = decide(principal, action, &target, self.clock.now());
        (decision, patients)
    }

    /// The patients whose records `rows` (returned to `principal`) belong to, each once, with the
    /// footing on which `principal` reaches each: break-the-glass or caregiver if any of the rows
    /// was reached so.
    pub(super) fn concerned<'r>(
        &self,
        principal: &Principal,
        rows: impl IntoIterator<Item = &'r ResourceRow>,
    ) -> Vec<Concerned> {
        let Ok(compartment) = PatientCompartment::shared() else { return Vec::new() };
        let now = self.clock.now();
        let mut seen: BTreeMap<String, Concerned> = BTreeMap::new();
        for row in rows {
            let Some(resource) = row.content.as_deref().and_then(|c| serde_json::from_str::<Value>(c).ok())
            else {
                continue;
            };
            let in_compartment = compartment.includes(&row.resource_type);
            for patient in compartment.patients_of(&self.search, &resource) {
                // The footing for this patient's record alone: a resource shared by two records
                // may be reached through one of them only.
                let one = [patient.clone()];
                let target = Target {
                    resource_type: &row.resource_type,
                    in_compartment,
                    patients: &one,
                    id: Some(&row.id),
                };
                let (break_glass, caregiver) = match decide(principal, Action::Read, &target, now) {
                    Decision::Allow { basis, flagged } => (flagged, basis == Some(Basis::Caregiver)),
                    Decision::Deny(_) => (false, false),
                };
                let entry = seen.entry(patient).or_insert_with_key(|p| Concerned::plain(p.clone()));
                entry.break_glass |= break_glass;
                entry.caregiver |= caregiver;
            }
        }
        seen.into_values().collect()
    }
}
