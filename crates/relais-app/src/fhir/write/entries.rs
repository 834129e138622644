//! The writes as entries of a transaction (`*_in`): the caller holds the transaction (a
//! Bundle, or a write of its own) and each entry is decided, checked and written inside it.

use relais_access::policy::{Action, Principal};
use relais_fhir::{Issue, IssueType};
use relais_store::{Method, ResourceTx};
use serde_json::Value;

use super::check_if_match;
use crate::fhir::conditional::Condition;
use crate::fhir::{Fhir, FhirError, WriteKind, Written};

impl Fhir {
    /// A create in `tx`; `principal` (`None`: the server itself) must be allowed to write the
    /// new content, and its condition sees only what they may see.
    pub(crate) async fn create_in(
        &self,
        tx: &mut dyn ResourceTx,
        principal: Option<&Principal>,
        resource_type: &str,
        resource: Value,
        condition: Option<&Condition>,
        assigned_id: Option<String>,
    ) -> Result<Written, FhirError> {
        if let Some(condition) = condition {
            let ids = condition.matches(tx, resource_type).await?;
            let mut found = self.visible_matches(tx, principal, resource_type, ids).await?;
            match found.len() {
                0 => {}
                1 => {
                    let (row, kind) = found.remove(0);
                    return Ok(Written { kind, row });
                }
                _ => {
                    return Err(FhirError::PreconditionFailed(Issue::error(
                        IssueType::MultipleMatches,
                        "multiple-matches",
                        format!("If-None-Exist matches more than one {resource_type}; nothing was created"),
                    )));
                }
            }
        }
        self.check_new(principal, Action::Create, resource_type, &resource, None, None)?;
        let id = assigned_id.unwrap_or_else(|| self.ids.new_id());
        self.write_version(Some(tx), resource_type, &id, None, Method::Post, Some(resource)).await
    }

    /// An update in `tx`, decided before anything else (even `If-Match`, whose answer would
    /// reveal the version of a resource the person may not see).
    pub(crate) async fn update_in(
        &self,
        tx: &mut dyn ResourceTx,
        principal: Option<&Principal>,
        resource_type: &str,
        id: &str,
        resource: &Value,
        if_match: Option<i64>,
    ) -> Result<Written, FhirError> {
        let current = tx.current(resource_type, id).await?;
        self.check_current(tx, principal, Action::Update, current.as_ref()).await?;
        let action =
            if current.as_ref().is_some_and(|c| !c.deleted) { Action::Update } else { Action::Create };
        self.check_new(principal, action, resource_type, resource, Some(id), current.as_ref())?;
        check_if_match(if_match, current.as_ref(), resource_type, id)?;
        let conflict = |e: FhirError| match (e, if_match) {
            (FhirError::Conflict(why), Some(_)) => {
                FhirError::PreconditionFailed(Issue::error(IssueType::Conflict, "version-mismatch", why))
            }
            (e, _) => e,
        };
        self.write_version(Some(tx), resource_type, id, current.as_ref(), Method::Put, Some(resource.clone()))
            .await
            .map_err(conflict)
    }

    /// A delete in `tx`, decided before anything else (as [`Fhir::update_in`]).
    pub(crate) async fn delete_in(
        &self,
        tx: &mut dyn ResourceTx,
        principal: Option<&Principal>,
        resource_type: &str,
        id: &str,
        if_match: Option<i64>,
    ) -> Result<Written, FhirError> {
        let current = tx.current(resource_type, id).await?;
        self.check_current(tx, principal, Action::Delete, current.as_ref()).await?;
        check_if_match(if_match, current.as_ref(), resource_type, id)?;
        match current {
            None => Err(FhirError::NotFound(format!("{resource_type}/{id}"))),
            Some(row) if row.deleted => Ok(Written { kind: WriteKind::Deleted, row }),
            Some(row) => {
                self.write_version(Some(tx), resource_type, id, Some(&row), Method::Delete, None).await
            }
        }
    }
}
