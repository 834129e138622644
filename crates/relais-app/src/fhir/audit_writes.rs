//! The trail of vread, writes and Bundles: each is recorded once its outcome is known, with the
//! records it concerned — the patients of the version read or written (a deletion: of the version
//! before it), or for a refused write, of the content that was sent — so that a patient's "who
//! accessed my record" also lists who changed it or tried to.
//!
//! Outcomes: success; `denied` when the policy refused (403); `failed` otherwise — including a
//! 404, which the policy also answers for a hidden resource: either way nothing was disclosed or
//! changed. A write is recorded after it commits; if the trail then cannot be written the client
//! is told `503 audit-unavailable` although the change is stored (the message says to read before
//! retrying), rather than being told of a success that left no trace.

use relais_access::audit::{Outcome, action};
use relais_fhir::compartment::PatientCompartment;
use relais_store::ResourceRow;
use serde_json::Value;

use super::{Fhir, FhirError, Written};
use crate::access::Caller;
use crate::audit::{Access, Concerned, access::drafts};

impl Fhir {
    /// Records several accesses by `caller` at once (one batch), returning once they are stored.
    pub(super) async fn audit_many(
        &self,
        caller: &Caller,
        accesses: Vec<Access<'_>>,
    ) -> Result<(), FhirError> {
        let now = self.clock.now().as_microsecond();
        let all = accesses.into_iter().flat_map(|a| drafts(caller, a, now)).collect();
        self.audit_writer().record_all(all).await.map(drop).map_err(|_| FhirError::AuditUnavailable)
    }

    /// Records a vread as it ended.
    pub(super) async fn audit_vread(
        &self,
        caller: &Caller,
        resource_type: &str,
        id: &str,
        result: &Result<ResourceRow, FhirError>,
    ) -> Result<(), FhirError> {
        let patients = match result {
            Ok(row) => self.concerned(&caller.principal, [row]),
            Err(_) => Vec::new(),
        };
        let access = Access {
            action: action::VREAD,
            outcome: outcome_of(result.as_ref().err()),
            resource_type: Some(resource_type),
            resource_id: Some(id),
            query: None,
            patients,
        };
        self.audit(caller, access).await
    }

    /// Records a create, update or delete (`action`) as it ended; `sent` is the body of a
    /// create or update.
    pub(crate) async fn audit_write(
        &self,
        caller: &Caller,
        action: &'static str,
        resource_type: &str,
        id: Option<&str>,
        sent: Option<&[u8]>,
        result: &Result<Written, FhirError>,
    ) -> Result<(), FhirError> {
        let (id, patients) = match result {
            Ok(written) => {
                let row = &written.row;
                let patients = if row.deleted {
                    let (_, patients) = self.judge_version(&caller.principal, row).await?;
                    patients.into_iter().map(Concerned::plain).collect()
                } else {
                    self.concerned(&caller.principal, [row])
                };
                (Some(row.id.as_str()), patients)
            }
            Err(_) => (id, sent.map(|body| self.patients_named(body)).unwrap_or_default()),
        };
        let access = Access {
            action,
            outcome: outcome_of(result.as_ref().err()),
            resource_type: Some(resource_type),
            resource_id: id,
            query: None,
            patients,
        };
        self.audit(caller, access).await
    }

    /// Records every entry of a batch or transaction `body` as its own interaction, with the
    /// status the response gave it (all alike when the whole Bundle was refused).
    pub(super) async fn audit_bundle(
        &self,
        caller: &Caller,
        body: &[u8],
        result: &Result<Value, FhirError>,
    ) -> Result<(), FhirError> {
        let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let entries = request.get("entry").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let answers = result.as_ref().ok().and_then(|r| r.get("entry")).and_then(Value::as_array);
        let mut accesses = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            let answer = answers.and_then(|a| a.get(index));
            let method = entry.pointer("/request/method").and_then(Value::as_str).unwrap_or("");
            let url = entry.pointer("/request/url").and_then(Value::as_str).unwrap_or("");
            let (resource_type, resource_id) = type_and_id(url, entry.get("resource"));
            let outcome = match (result, answer) {
                (Err(e), _) => outcome_of(Some(e)),
                (Ok(_), Some(answer)) => outcome_of_status(answer.pointer("/response/status")),
                (Ok(_), None) => Outcome::Failed,
            };
            // Whose records: what the server answered with, else what was sent.
            let shown = answer.and_then(|a| a.get("resource")).or_else(|| entry.get("resource"));
            let patients = match (shown, resource_type) {
                (Some(resource), Some(_)) => self.patients_of_value(resource),
                _ => Vec::new(),
            };
            accesses.push(Access {
                action: entry_action(method, url),
                outcome,
                resource_type,
                resource_id,
                query: None,
                patients,
            });
        }
        if accesses.is_empty() {
            return Ok(());
        }
        self.audit_many(caller, accesses).await
    }

    /// The patients whose records a sent body names (nothing if it is not JSON).
    fn patients_named(&self, body: &[u8]) -> Vec<Concerned> {
        serde_json::from_slice::<Value>(body).map(|v| self.patients_of_value(&v)).unwrap_or_default()
    }

    /// The patients whose records `resource` is part of (its patient-compartment references).
    pub(super) fn patients_of_value(&self, resource: &Value) -> Vec<Concerned> {
        let Ok(compartment) = PatientCompartment::shared() else { return Vec::new() };
        compartment.patients_of(&self.search, resource).into_iter().map(Concerned::plain).collect()
    }
}

/// The outcome of a use case that ended with `error` (or none).
fn outcome_of(error: Option<&FhirError>) -> Outcome {
    match error {
        None => Outcome::Success,
        Some(FhirError::Forbidden(_) | FhirError::ForbiddenEntry(..)) => Outcome::Denied,
        Some(_) => Outcome::Failed,
    }
}

/// The outcome of a Bundle entry from its response status (`"201 Created"`).
fn outcome_of_status(status: Option<&Value>) -> Outcome {
    let code = status.and_then(Value::as_str).and_then(|s| s.get(..3)).and_then(|c| c.parse::<u16>().ok());
    match code {
        Some(200..=299) => Outcome::Success,
        Some(403) => Outcome::Denied,
        _ => Outcome::Failed,
    }
}

/// The interaction an entry asks for.
fn entry_action(method: &str, url: &str) -> &'static str {
    let path = url.split('?').next().unwrap_or("");
    match method {
        "POST" => action::CREATE,
        "PUT" | "PATCH" => action::UPDATE,
        "DELETE" => action::DELETE,
        "GET" if url.contains('?') || !path.contains('/') => action::SEARCH,
        "GET" if path.contains("/_history/") => action::VREAD,
        "GET" if path.ends_with("/_history") => action::HISTORY,
        _ => action::READ,
    }
}

/// The resource type and id an entry is about, from its URL (`Patient/123`, `Patient?…`) or its
/// resource.
fn type_and_id<'a>(url: &'a str, resource: Option<&'a Value>) -> (Option<&'a str>, Option<&'a str>) {
    let path = url.split('?').next().unwrap_or("");
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    let from_url = segments.next();
    let id = segments.next().filter(|s| !s.starts_with('_'));
    let from_resource = resource.and_then(|r| r.get("resourceType")).and_then(Value::as_str);
    (from_url.or(from_resource), id)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn entries_read_as_the_interactions_they_ask_for() {
        assert_eq!(entry_action("POST", "Observation"), action::CREATE);
        assert_eq!(entry_action("PUT", "Patient/p1"), action::UPDATE);
        assert_eq!(entry_action("DELETE", "Patient/p1"), action::DELETE);
        assert_eq!(entry_action("GET", "Patient/p1"), action::READ);
        assert_eq!(entry_action("GET", "Patient/p1/_history/2"), action::VREAD);
        assert_eq!(entry_action("GET", "Patient/p1/_history"), action::HISTORY);
        assert_eq!(entry_action("GET", "Observation?code=8867-4"), action::SEARCH);
        assert_eq!(type_and_id("Patient/p1/_history/2", None), (Some("Patient"), Some("p1")));
        let resource = json!({"resourceType": "Observation"});
        assert_eq!(type_and_id("", Some(&resource)), (Some("Observation"), None));
        assert_eq!(outcome_of_status(Some(&json!("201 Created"))), Outcome::Success);
        assert_eq!(outcome_of_status(Some(&json!("403 Forbidden"))), Outcome::Denied);
        assert_eq!(outcome_of_status(Some(&json!("404 Not Found"))), Outcome::Failed);
        assert_eq!(outcome_of_status(None), Outcome::Failed);
    }
}
