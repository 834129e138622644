//! The writes of one visit transaction and their trail: each FHIR write's outcome is kept
//! while the transaction runs, then, once it committed or rolled back, put on the audit trail
//! (a write of a rolled-back transaction as failed) and announced to live pages.

use relais_access::audit::action;
use relais_fhir::validate::IdRule;
use relais_store::{ResourceRow, ResourceTx};
use serde_json::Value;

use super::{VisitError, Visits};
use crate::access::Caller;
use crate::{FhirError, Written};

/// The writes of one transaction, for the trail: (action, type, body sent, result).
pub(super) type Writes = Vec<(&'static str, &'static str, Vec<u8>, Result<Written, FhirError>)>;

impl Visits {
    /// Puts a transaction's writes on the trail (a write of a rolled-back transaction as failed),
    /// and announces the committed ones.
    pub(super) async fn record(
        &self,
        caller: &Caller,
        writes: Writes,
        committed: bool,
    ) -> Result<(), VisitError> {
        let mut audited = Ok(());
        for (what, resource_type, body, result) in writes {
            let result = match result {
                Ok(written) if !committed => {
                    Err(FhirError::Conflict(format!("{resource_type}/{} was not kept", written.row.id)))
                }
                other => other,
            };
            if let Ok(written) = &result {
                self.fhir.announce(written);
            }
            let id = result.as_ref().ok().map(|w| w.row.id.clone());
            let outcome =
                self.fhir.audit_write(caller, what, resource_type, id.as_deref(), Some(&body), &result).await;
            if outcome.is_err() {
                audited = outcome;
            }
        }
        audited.map_err(VisitError::from)
    }

    /// Writes `resource` over the stored `row` (of `resource_type`) as `caller` inside `tx`,
    /// against the version read (a change meanwhile is refused), keeping the outcome for the trail.
    pub(super) async fn update_kept(
        &self,
        tx: &mut dyn ResourceTx,
        caller: &Caller,
        writes: &mut Writes,
        resource_type: &'static str,
        row: &ResourceRow,
        resource: &Value,
    ) -> Result<Written, VisitError> {
        let body = resource.to_string().into_bytes();
        let checked = self.fhir.parse_checked(resource_type, &body, IdRule::MustBe(&row.id)).await?;
        let updated = self
            .fhir
            .update_in(tx, Some(&caller.principal), resource_type, &row.id, &checked, Some(row.version))
            .await;
        keep(writes, action::UPDATE, resource_type, body, updated)
    }

    /// Ends a visit transaction: commits it if `done` succeeded (otherwise dropping it rolls it
    /// back), puts its writes on the trail, wakes the email sender if asked and something was
    /// queued, and answers as [`settle`] does.
    pub(super) async fn conclude<T>(
        &self,
        tx: Box<dyn ResourceTx>,
        caller: &Caller,
        writes: Writes,
        done: Result<T, VisitError>,
        wake_mailer: bool,
    ) -> Result<T, VisitError> {
        let result = match done {
            Ok(value) => tx.commit().await.map(|()| value).map_err(VisitError::from),
            Err(e) => Err(e),
        };
        let audited = self.record(caller, writes, result.is_ok()).await;
        if wake_mailer && result.is_ok() {
            self.queued.notify_one();
        }
        settle(result, audited)
    }
}

/// A use case's answer once its writes went to the trail: a success whose record could not be
/// written answers `audit-unavailable`; a refusal is answered as it was.
pub(super) fn settle<T>(
    result: Result<T, VisitError>,
    audited: Result<(), VisitError>,
) -> Result<T, VisitError> {
    match (result, audited) {
        (Ok(value), Ok(())) => Ok(value),
        (Ok(_), Err(unrecorded)) => Err(unrecorded),
        (Err(e), _) => Err(e),
    }
}

/// Keeps a write's outcome for the trail and answers the written version (or the refusal).
pub(super) fn keep(
    writes: &mut Writes,
    what: &'static str,
    resource_type: &'static str,
    body: Vec<u8>,
    result: Result<Written, FhirError>,
) -> Result<Written, VisitError> {
    let answer = match &result {
        Ok(written) => Ok(written.clone()),
        Err(FhirError::Conflict(_)) => Err(VisitError::WrongState("visit-changed-meanwhile")),
        Err(e) => Err(VisitError::Fhir(clone_refusal(e))),
    };
    writes.push((what, resource_type, body, result));
    answer
}

/// A refusal to hand back while the original goes on the trail.
fn clone_refusal(e: &FhirError) -> FhirError {
    match e {
        FhirError::Forbidden(code) => FhirError::Forbidden(code),
        FhirError::NotFound(what) => FhirError::NotFound(what.clone()),
        FhirError::Invalid(issues) => FhirError::Invalid(issues.clone()),
        FhirError::Unprocessable(issues) => FhirError::Unprocessable(issues.clone()),
        FhirError::Conflict(why) => FhirError::Conflict(why.clone()),
        _ => FhirError::Conflict("the write failed".to_owned()),
    }
}

/// The matches of a searchset.
pub(super) fn matches(bundle: &Value) -> impl Iterator<Item = &Value> {
    bundle["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e.pointer("/search/mode").and_then(Value::as_str) != Some("include"))
        .filter_map(|e| e.get("resource"))
}
