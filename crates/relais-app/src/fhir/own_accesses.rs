//! "Who accessed my record": a patient's own view of the audit trail about their record, newest
//! first, ready to display — who (the account's display name when the actor is an account),
//! when, what they did, why, and whether they broke the glass.
//!
//! Only for a person holding an own-record grant, and only about that record. Looking at this
//! list is not itself recorded: it shows the trail about the person to that same person, and
//! recording it would fill their list with their own visits.

use std::collections::HashMap;

use jiff::Timestamp;
use relais_access::audit::Outcome;

use super::{Fhir, FhirError};
use crate::access::Caller;

/// Most entries per page, whatever `limit` asks.
pub const MAX_OWN_ACCESSES: u32 = 200;

/// One access to the patient's record, as the patient sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnAccess {
    /// The record's number: pass the last one as `before` for the next page.
    pub seq: u64,
    pub when: Timestamp,
    /// The actor's id (an account id, an OAuth client id, or `anonymous`).
    pub actor: String,
    /// The account's display name, when the actor is an account.
    pub actor_name: Option<String>,
    /// The application's name, when the actor is an API client (an integration, a device
    /// gateway): the patient sees which system read their record.
    pub application: Option<String>,
    /// One of `relais_access::audit::action` (a stable code for the page to translate).
    pub action: String,
    /// What kind of resource was concerned (`Observation`), if any.
    pub resource_type: Option<String>,
    /// Whether it was done or refused.
    pub outcome: Outcome,
    /// The stated purpose of use (an ActReason code such as `TREAT`).
    pub purpose: Option<String>,
    /// The person broke the glass to reach the record (flagged for the privacy officer).
    pub break_glass: bool,
}

impl Fhir {
    /// The accesses to `caller`'s own record with a record number below `before` (all when
    /// `None`), at most `limit` (capped at [`MAX_OWN_ACCESSES`]), newest first.
    ///
    /// # Errors
    /// [`FhirError::Forbidden`] (`role-forbids`) for anyone without an own-record grant as a
    /// patient.
    pub async fn accesses_of_own_record(
        &self,
        caller: &Caller,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<OwnAccess>, FhirError> {
        let Some(patient) = caller.own_record(self.clock.now()) else {
            return Err(FhirError::Forbidden("role-forbids"));
        };
        let records = self.store.audit_of_patient(patient, before, limit.min(MAX_OWN_ACCESSES)).await?;
        // Per actor: (account name, application name).
        let mut names: HashMap<String, (Option<String>, Option<String>)> = HashMap::new();
        let mut out = Vec::with_capacity(records.len());
        for record in records {
            let (actor_name, application) = match names.get(&record.actor) {
                Some(known) => known.clone(),
                None => {
                    let account = self.store.account_by_id(&record.actor).await?.map(|a| a.display_name);
                    let application = match account {
                        Some(_) => None,
                        // A system client acts as `client:<id>` (access::tokens).
                        None => match record.actor.strip_prefix("client:") {
                            Some(client) => self.store.client_by_id(client).await?.map(|c| c.name),
                            None => None,
                        },
                    };
                    names.insert(record.actor.clone(), (account.clone(), application.clone()));
                    (account, application)
                }
            };
            out.push(OwnAccess {
                seq: record.seq,
                when: Timestamp::from_microsecond(record.recorded).unwrap_or(Timestamp::UNIX_EPOCH),
                actor: record.actor,
                actor_name,
                application,
                action: record.action,
                resource_type: record.resource_type,
                outcome: record.outcome,
                purpose: record.purpose,
                break_glass: record.break_glass,
            });
        }
        Ok(out)
    }
}
