//! read and vread.

use relais_access::audit::{Outcome, action};
use relais_access::policy::{Action, Decision, Principal};
use relais_fhir::id::parse_version_id;
use relais_fhir::validate::check_url_id;
use relais_store::ResourceRow;
use serde_json::Value;

use super::audit_events::AUDIT_EVENT;
use super::audited::answer;
use super::{Fhir, FhirError};
use crate::access::Caller;
use crate::audit::Access;

impl Fhir {
    /// `GET /{type}/{id}`: the current version; 410 once deleted.
    pub async fn read(&self, resource_type: &str, id: &str) -> Result<ResourceRow, FhirError> {
        self.known_type(resource_type)?;
        check_url_id(id).map_err(|_| FhirError::NotFound(format!("{resource_type}/{id}")))?;
        match self.store.current(resource_type, id).await? {
            None => Err(FhirError::NotFound(format!("{resource_type}/{id}"))),
            Some(row) if row.deleted => Err(FhirError::Gone(format!("{resource_type}/{id}"))),
            Some(row) => Ok(row),
        }
    }

    /// `GET /{type}/{id}/_history/{vid}`: one version; 410 for the version that deleted it.
    pub async fn vread(
        &self,
        resource_type: &str,
        id: &str,
        version_id: &str,
    ) -> Result<ResourceRow, FhirError> {
        self.known_type(resource_type)?;
        let what = format!("{resource_type}/{id}/_history/{version_id}");
        check_url_id(id).map_err(|_| FhirError::NotFound(what.clone()))?;
        let version = parse_version_id(version_id).ok_or_else(|| FhirError::NotFound(what.clone()))?;
        match self.store.version(resource_type, id, version).await? {
            None => Err(FhirError::NotFound(what)),
            Some(row) if row.deleted => Err(FhirError::Gone(what)),
            Some(row) => Ok(row),
        }
    }

    /// [`Fhir::read`] as `caller`: a resource in a patient's record they are not entitled to
    /// answers 404 as if it did not exist, deleted or not; a role that never allows it, 403.
    ///
    /// Every read is on the audit trail before it answers (one record per patient whose record
    /// the resource is part of; denied reads too, and reads of what does not exist as failed);
    /// if the trail cannot be written the read fails. `AuditEvent` reads come from the trail.
    pub async fn read_as(
        &self,
        caller: &Caller,
        resource_type: &str,
        id: &str,
    ) -> Result<ResourceRow, FhirError> {
        if resource_type == AUDIT_EVENT {
            return self.read_audit_event(caller, id).await;
        }
        let principal = &caller.principal;
        let what = || format!("{resource_type}/{id}");
        let (result, judged) = match self.read(resource_type, id).await {
            Ok(row) => {
                let (decision, patients) =
                    self.judge(principal, Action::Read, resource_type, row.content.as_deref());
                let result = match decision {
                    Decision::Allow { .. } => Ok(row),
                    Decision::Deny(denied) if denied.hides_existence() => Err(FhirError::NotFound(what())),
                    Decision::Deny(denied) => Err(FhirError::Forbidden(denied.code())),
                };
                (result, Some((decision, patients)))
            }
            Err(FhirError::Gone(gone)) => {
                // Only someone who could read the version before the deletion may learn of it.
                match self.store.current(resource_type, id).await? {
                    Some(tombstone) => {
                        let (decision, patients) = self.judge_version(principal, &tombstone).await?;
                        let result = match decision {
                            Decision::Allow { .. } => Err(FhirError::Gone(gone)),
                            Decision::Deny(_) => Err(FhirError::NotFound(what())),
                        };
                        (result, Some((decision, patients)))
                    }
                    None => (Err(FhirError::NotFound(what())), None),
                }
            }
            Err(e) => (Err(e), None),
        };
        let audited = match &judged {
            Some((decision, patients)) => {
                self.audit_decision(caller, action::READ, resource_type, Some(id), patients, decision).await
            }
            None => {
                let access = Access {
                    action: action::READ,
                    outcome: Outcome::Failed,
                    resource_type: Some(resource_type),
                    resource_id: Some(id),
                    query: None,
                    patients: Vec::new(),
                };
                self.audit(caller, access).await
            }
        };
        answer(result, audited)
    }

    /// [`Fhir::vread`] as `principal`, as [`Fhir::read_as`] decides: a version in a record they
    /// are not entitled to answers 404, and so does a deletion unless they could read the
    /// version before it. Each version is judged by its own content, as `history_as` does.
    pub async fn vread_as(
        &self,
        caller: &Caller,
        resource_type: &str,
        id: &str,
        version_id: &str,
    ) -> Result<ResourceRow, FhirError> {
        let result = self.vread_decided(caller, resource_type, id, version_id).await;
        let audited = self.audit_vread(caller, resource_type, id, &result).await;
        answer(result, audited)
    }

    async fn vread_decided(
        &self,
        caller: &Caller,
        resource_type: &str,
        id: &str,
        version_id: &str,
    ) -> Result<ResourceRow, FhirError> {
        let principal = &caller.principal;
        let what = || format!("{resource_type}/{id}/_history/{version_id}");
        match self.vread(resource_type, id, version_id).await {
            Ok(row) => match self.decision(principal, Action::Read, resource_type, row.content.as_deref()) {
                Decision::Allow { .. } => Ok(row),
                Decision::Deny(denied) if denied.hides_existence() => Err(FhirError::NotFound(what())),
                Decision::Deny(denied) => Err(FhirError::Forbidden(denied.code())),
            },
            Err(FhirError::Gone(gone)) => {
                let tombstone = match parse_version_id(version_id) {
                    Some(v) => self.store.version(resource_type, id, v).await?,
                    None => None,
                };
                match tombstone {
                    Some(t) if self.may_read_version(principal, &t).await? => Err(FhirError::Gone(gone)),
                    _ => Err(FhirError::NotFound(what())),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Whether `principal` may read this version: by its content, or for a deletion by the
    /// version before it.
    pub(super) async fn may_read_version(
        &self,
        principal: &Principal,
        row: &ResourceRow,
    ) -> Result<bool, FhirError> {
        let (decision, _) = self.judge_version(principal, row).await?;
        Ok(matches!(decision, Decision::Allow { .. }))
    }

    /// The read decision on this version, and whose record it is part of: by its content, or
    /// for a deletion by the version before it.
    pub(super) async fn judge_version(
        &self,
        principal: &Principal,
        row: &ResourceRow,
    ) -> Result<(Decision, Vec<String>), FhirError> {
        let previous;
        let content = if row.deleted {
            previous = match row.version {
                v if v > 1 => self.store.version(&row.resource_type, &row.id, v - 1).await?,
                _ => None,
            };
            previous.as_ref().and_then(|r| r.content.as_deref())
        } else {
            row.content.as_deref()
        };
        Ok(self.judge(principal, Action::Read, &row.resource_type, content))
    }

    /// The policy's answer for `action` on a resource of `resource_type` with `content`.
    fn decision(
        &self,
        principal: &Principal,
        action: Action,
        resource_type: &str,
        content: Option<&str>,
    ) -> Decision {
        self.judge(principal, action, resource_type, content).0
    }

    /// [`Fhir::decision`] on parsed content.
    pub(super) fn decision_on(
        &self,
        principal: &Principal,
        action: Action,
        resource_type: &str,
        resource: &Value,
    ) -> Decision {
        self.judge_resource(principal, action, resource_type, resource).0
    }
}
