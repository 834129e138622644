//! The access checks of writes and of reads inside a write transaction (vread, create, update,
//! delete, conditional create, Bundle entries), over the same policy as `read_as` and
//! `search_as` (`relais_access::policy::decide`).
//!
//! `None` for the principal is the server's own use: no check at all. The checks on stored
//! content run inside the write transaction (`tx.current`, `tx.version`), so a concurrent
//! change cannot slip in between the decision and the write.
//!
//! A write must be allowed on **every** record the new content names, not on one of them as a
//! read is: otherwise naming one's own record beside another patient's (an Observation whose
//! subject is mine and whose performer is someone else) would write into a record one may not
//! write.
//!
//! A work item (`Task`) is in no record, so staff write the queue; but the patient it is `for`
//! is a grant: its owner may open that record (`access::grants_for`). Creating a Task for a
//! patient, or moving one to another patient, therefore needs a grant to write that patient's
//! record — else any clinician could assign themselves anyone's chart. Taking an item from the
//! queue as it stands (same patient, a new owner) stays a staff action.

use relais_access::policy::{Action, Decision, Denied, Principal, Target, decide};
use relais_fhir::compartment::PatientCompartment;
use relais_fhir::id::parse_version_id;
use relais_store::{ResourceRow, ResourceTx};
use serde_json::Value;

use super::{Fhir, FhirError, WriteKind};

impl Fhir {
    /// Whether `caller` may create `resource` — the decision [`Fhir::create_as`] takes on the
    /// new content — without writing or auditing anything: for a use case that must look
    /// something up before writing, and must not reveal it to someone the write would refuse.
    pub(crate) fn may_create(
        &self,
        caller: &crate::access::Caller,
        resource_type: &str,
        resource: &Value,
    ) -> bool {
        self.check_new(Some(&caller.principal), Action::Create, resource_type, resource, None, None).is_ok()
    }

    /// Refuses writing `resource` (the new content) as `action`: 403 with the denial's code,
    /// since the refusal depends on the content sent, not on anything stored. `own_id` is the
    /// id the resource will have when the client chose it (update): a Patient is part of its
    /// own record. A create's server-assigned id is a record no one holds a grant on yet, so a
    /// new Patient is decided as a registration (staff). `before` is the stored version an
    /// update replaces.
    pub(super) fn check_new(
        &self,
        principal: Option<&Principal>,
        action: Action,
        resource_type: &str,
        resource: &Value,
        own_id: Option<&str>,
        before: Option<&ResourceRow>,
    ) -> Result<(), FhirError> {
        let Some(principal) = principal else { return Ok(()) };
        let mut decision = self.write_decision(principal, action, resource_type, resource, own_id);
        if let (Decision::Allow { .. }, Some(patient)) =
            (decision, newly_for(resource_type, resource, before))
        {
            let patients = [patient];
            let target = Target { resource_type, in_compartment: true, patients: &patients, id: own_id };
            decision = decide(principal, action, &target, self.clock.now());
        }
        match decision {
            Decision::Allow { .. } => Ok(()),
            Decision::Deny(denied) => Err(FhirError::Forbidden(denied.code())),
        }
    }

    /// Refuses changing `current` (the stored version, read in the write transaction) as
    /// `action`: a resource the person may not see is answered as absent (404); one they see but
    /// may not change, 403. A deletion is judged by the version before it.
    pub(super) async fn check_current(
        &self,
        tx: &mut dyn ResourceTx,
        principal: Option<&Principal>,
        action: Action,
        current: Option<&ResourceRow>,
    ) -> Result<(), FhirError> {
        let (Some(principal), Some(row)) = (principal, current) else { return Ok(()) };
        let what = || format!("{}/{}", row.resource_type, row.id);
        let content = self.content_judged_in(tx, row).await?;
        let resource = parse_or_null(content.as_deref());
        match self.decision_on(principal, Action::Read, &row.resource_type, &resource) {
            Decision::Allow { .. } => {}
            Decision::Deny(denied) if denied.hides_existence() => return Err(FhirError::NotFound(what())),
            Decision::Deny(denied) => return Err(FhirError::Forbidden(denied.code())),
        }
        // A deletion is judged by the version before it, so that deleting again, or bringing it
        // back with an update, needs the same right as changing it did.
        match self.write_decision(principal, action, &row.resource_type, &resource, Some(&row.id)) {
            Decision::Allow { .. } => Ok(()),
            Decision::Deny(denied) => Err(FhirError::Forbidden(denied.code())),
        }
    }

    /// Whether `principal` may read `row`, read in `tx` (a deletion: by the version before it).
    pub(super) async fn readable_in(
        &self,
        tx: &mut dyn ResourceTx,
        principal: Option<&Principal>,
        row: &ResourceRow,
    ) -> Result<bool, FhirError> {
        let Some(principal) = principal else { return Ok(true) };
        let content = self.content_judged_in(tx, row).await?;
        let resource = parse_or_null(content.as_deref());
        Ok(matches!(
            self.decision_on(principal, Action::Read, &row.resource_type, &resource),
            Decision::Allow { .. }
        ))
    }

    /// A read or vread inside a Bundle, in `tx`, decided as `read_as`/`vread_as` decide: a
    /// resource or version the person may not see is not found, deleted or not.
    pub(super) async fn read_in(
        &self,
        tx: &mut dyn ResourceTx,
        principal: Option<&Principal>,
        resource_type: &str,
        id: &str,
        version: Option<&str>,
    ) -> Result<ResourceRow, FhirError> {
        let what = match version {
            Some(v) => format!("{resource_type}/{id}/_history/{v}"),
            None => format!("{resource_type}/{id}"),
        };
        let row = match version {
            Some(v) => {
                let v = parse_version_id(v).ok_or_else(|| FhirError::NotFound(what.clone()))?;
                tx.version(resource_type, id, v).await?
            }
            None => tx.current(resource_type, id).await?,
        };
        let Some(row) = row else { return Err(FhirError::NotFound(what)) };
        if let Some(principal) = principal {
            let content = self.content_judged_in(tx, &row).await?;
            let resource = parse_or_null(content.as_deref());
            match self.decision_on(principal, Action::Read, resource_type, &resource) {
                Decision::Allow { .. } => {}
                Decision::Deny(denied) if denied.hides_existence() || row.deleted => {
                    return Err(FhirError::NotFound(what));
                }
                Decision::Deny(denied) => return Err(FhirError::Forbidden(denied.code())),
            }
        }
        if row.deleted { Err(FhirError::Gone(what)) } else { Ok(row) }
    }

    /// Of the `ids` a conditional create matched, those that count for the person — at most
    /// two, which is all the caller needs (none, one, or "more than one"):
    ///
    /// - the current resources the person may see;
    /// - and those they may not see but could have written themselves (the policy would let
    ///   them create that very content), as [`WriteKind::ExistingHidden`]: the answer shows
    ///   that they exist and their id, **never their content**. A write-only
    ///   client — a device gateway, an integration engine — must find the message it sent
    ///   before, or a retransmission would be stored twice; what it learns is that something it
    ///   may write is there, and its id, never what it holds.
    ///
    /// Other matches are left out before counting, so that neither "already exists" nor
    /// "multiple matches" reveals a resource in a record the person has no business with.
    pub(super) async fn visible_matches(
        &self,
        tx: &mut dyn ResourceTx,
        principal: Option<&Principal>,
        resource_type: &str,
        ids: Vec<String>,
    ) -> Result<Vec<(ResourceRow, WriteKind)>, FhirError> {
        let mut found = Vec::new();
        for id in ids {
            let Some(row) = tx.current(resource_type, &id).await? else { continue };
            if row.deleted {
                continue;
            }
            if self.readable_in(tx, principal, &row).await? {
                found.push((row, WriteKind::Existing));
            } else if self.could_have_written(principal, &row) {
                found.push((row, WriteKind::ExistingHidden));
            }
            if found.len() == 2 {
                break;
            }
        }
        Ok(found)
    }

    /// Whether the person may create `row`'s content as it stands (see [`Fhir::visible_matches`]).
    fn could_have_written(&self, principal: Option<&Principal>, row: &ResourceRow) -> bool {
        let resource = parse_or_null(row.content.as_deref());
        !resource.is_null()
            && self.check_new(principal, Action::Create, &row.resource_type, &resource, None, None).is_ok()
    }

    /// The content a decision on `row` looks at: its own, or for a deletion the version before.
    async fn content_judged_in(
        &self,
        tx: &mut dyn ResourceTx,
        row: &ResourceRow,
    ) -> Result<Option<String>, FhirError> {
        if !row.deleted {
            return Ok(row.content.clone());
        }
        if row.version <= 1 {
            return Ok(None);
        }
        Ok(tx.version(&row.resource_type, &row.id, row.version - 1).await?.and_then(|r| r.content))
    }

    /// The policy's answer for a write: allowed only if allowed on each record the content
    /// names (or, naming none, on the resource as it is).
    fn write_decision(
        &self,
        principal: &Principal,
        action: Action,
        resource_type: &str,
        resource: &Value,
        own_id: Option<&str>,
    ) -> Decision {
        let Ok(compartment) = PatientCompartment::shared() else {
            return Decision::Deny(Denied::NotEntitled);
        };
        let mut patients = compartment.patients_of(&self.search, resource);
        if resource_type == "Patient" {
            // The body's id of a create is ignored (the server assigns one); an update's is the
            // URL's, given as `own_id`.
            if let Some(body_id) = resource.get("id").and_then(Value::as_str) {
                patients.retain(|p| p != body_id);
            }
            patients.extend(own_id.map(str::to_owned));
        }
        let in_compartment = compartment.includes(resource_type);
        let now = self.clock.now();
        let decide_on = |patients: &[String]| {
            decide(principal, action, &Target { resource_type, in_compartment, patients, id: own_id }, now)
        };
        if patients.is_empty() {
            return decide_on(&[]);
        }
        let (mut basis, mut flagged) = (None, false);
        for patient in patients {
            match decide_on(std::slice::from_ref(&patient)) {
                // The weakest basis among them is what the write rests on (break-the-glass last).
                Decision::Allow { basis: b, flagged: f } => (basis, flagged) = (basis.max(b), flagged | f),
                deny => return deny,
            }
        }
        Decision::Allow { basis, flagged }
    }
}

/// The patient a work item is now `for` when it was not before (a new Task, or one moved to
/// another patient).
fn newly_for(resource_type: &str, resource: &Value, before: Option<&ResourceRow>) -> Option<String> {
    if resource_type != "Task" {
        return None;
    }
    let patient_of = |task: &Value| task.pointer("/for/reference").and_then(Value::as_str).map(str::to_owned);
    let now = patient_of(resource)?;
    let was = before.and_then(|row| row.content.as_deref()).and_then(|c| serde_json::from_str(c).ok());
    if was.as_ref().and_then(patient_of).as_deref() == Some(now.as_str()) {
        return None;
    }
    now.strip_prefix("Patient/").map(str::to_owned)
}

fn parse_or_null(content: Option<&str>) -> Value {
    content.and_then(|c| serde_json::from_str(c).ok()).unwrap_or(Value::Null)
}
