//! Many creates of one type as one person in one store transaction, each decided on its own and
//! all put on the audit trail in one batch: what a device gateway's batch of readings needs,
//! where one transaction and one audit commit per reading was most of the cost.
//!
//! Each item is decided as [`Fhir::create_as`] would: an item the person may not write, or whose
//! condition does not parse, is refused alone (its own error, audited as denied or failed) and
//! the others go ahead. Conditional items (`If-None-Exist`) see the items before them in the same
//! transaction, so a duplicate within one batch finds the first. A store failure writes nothing
//! and fails every item.
//!
//! A condition counts what `create_as`'s does: the matches the person may see or could have
//! written themselves. Monitoring's conditions are a device's own message ids
//! (`urn:relais:device:{device}:message`), which a write-only gateway finds again to count a
//! retransmission once.

use std::collections::HashMap;

use jiff::Timestamp;
use relais_access::audit::{Outcome, action};
use relais_access::policy::{Action, Principal};
use relais_fhir::search::extract;
use relais_fhir::validate::IdRule;
use relais_store::{Method, NewVersion, ResourceRow};
use serde_json::Value;

use super::conditional::Condition;
use super::write::serialise_stamped;
use super::{Fhir, FhirError, WriteKind, Written};
use crate::access::Caller;
use crate::audit::{Access, Concerned};

/// One create of a batch: a body and its optional `If-None-Exist` query.
#[derive(Debug, Clone)]
pub(crate) struct NewItem {
    pub body: Vec<u8>,
    pub if_none_exist: Option<String>,
}

impl Fhir {
    /// Creates `items` of `resource_type` as `caller` in one transaction; one result per item,
    /// in order.
    ///
    /// # Errors
    /// A store failure (nothing written) or an audit trail that cannot be written (written, but
    /// not answered as a success: `503 audit-unavailable`).
    pub(crate) async fn create_many_as(
        &self,
        caller: &Caller,
        resource_type: &str,
        items: &[NewItem],
    ) -> Result<Vec<Result<Written, FhirError>>, FhirError> {
        self.known_type(resource_type)?;
        let principal = Some(&caller.principal);
        let mut results: Vec<Option<Result<Written, FhirError>>> = Vec::with_capacity(items.len());
        let mut ready = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let checked = async {
                let resource = self.parse_checked(resource_type, &item.body, IdRule::Assigned).await?;
                let condition =
                    item.if_none_exist.as_deref().map(|q| Condition::parse(resource_type, q)).transpose()?;
                if let Some(condition) = &condition {
                    condition.check_indexed(resource_type, &self.search)?;
                }
                self.check_new(principal, Action::Create, resource_type, &resource, None, None)?;
                Ok::<_, FhirError>((resource, condition))
            };
            match checked.await {
                Ok(checked) => {
                    ready.push((index, checked));
                    results.push(None);
                }
                Err(e) => results.push(Some(Err(e))),
            }
        }
        let stored = self.create_ready(principal, resource_type, ready).await;
        let written = match stored {
            Ok(written) => written,
            Err(e) => {
                let failed: Vec<Result<Written, FhirError>> = results
                    .into_iter()
                    .map(|r| r.unwrap_or_else(|| Err(FhirError::Store(relais_store::StoreError::Closed))))
                    .collect();
                let audited = self.audit_created(caller, resource_type, items, &failed).await;
                return super::audited::answer(Err(e), audited);
            }
        };
        for (index, done) in written {
            if let Some(slot) = results.get_mut(index) {
                *slot = Some(Ok(done));
            }
        }
        let results: Vec<Result<Written, FhirError>> = results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(FhirError::Store(relais_store::StoreError::Closed))))
            .collect();
        self.audit_created(caller, resource_type, items, &results).await?;
        Ok(results)
    }

    /// Writes the checked items in one transaction and announces them once committed.
    async fn create_ready(
        &self,
        principal: Option<&Principal>,
        resource_type: &str,
        ready: Vec<(usize, (Value, Option<Condition>))>,
    ) -> Result<Vec<(usize, Written)>, FhirError> {
        if ready.is_empty() {
            return Ok(Vec::new());
        }
        if ready.iter().all(|(_, (_, condition))| condition.is_none()) {
            let plain = ready.into_iter().map(|(index, (resource, _))| (index, resource)).collect();
            return self.create_plain(resource_type, plain).await;
        }
        let mut tx = self.store.begin().await?;
        let mut written = Vec::with_capacity(ready.len());
        // What each condition found or created earlier in this batch: the store's lookup sees
        // only committed index rows, so a repeat within the batch is answered from here.
        let mut seen: HashMap<String, ResourceRow> = HashMap::new();
        for (index, (resource, condition)) in ready {
            if let Some(row) = condition.as_ref().and_then(|c| seen.get(c.key())) {
                // Shown as a match of the store would be: only if the person may read it.
                let kind = if self.readable_in(tx.as_mut(), principal, row).await? {
                    WriteKind::Existing
                } else {
                    WriteKind::ExistingHidden
                };
                written.push((index, Written { kind, row: row.clone() }));
                continue;
            }
            // Decided for the person already (`check_new` above, on this same content); the
            // condition counts the matches they may see or could have written themselves, so a
            // write-only gateway finds the message it sent before (`Fhir::visible_matches`).
            let done = self
                .create_in(tx.as_mut(), principal, resource_type, resource, condition.as_ref(), None)
                .await?;
            if let Some(condition) = &condition {
                seen.insert(condition.key().to_owned(), done.row.clone());
            }
            written.push((index, done));
        }
        tx.commit().await?;
        for (_, done) in &written {
            // An `Existing` answer wrote nothing and is not announced.
            self.announce(done);
        }
        Ok(written)
    }

    /// Puts every item's create on the trail in one batch, with the records it concerned.
    async fn audit_created(
        &self,
        caller: &Caller,
        resource_type: &str,
        items: &[NewItem],
        results: &[Result<Written, FhirError>],
    ) -> Result<(), FhirError> {
        let mut accesses = Vec::with_capacity(results.len());
        for (item, result) in items.iter().zip(results) {
            let (id, patients): (Option<&str>, Vec<Concerned>) = match result {
                Ok(written) => {
                    (Some(written.row.id.as_str()), self.concerned(&caller.principal, [&written.row]))
                }
                Err(_) => {
                    let sent: Value = serde_json::from_slice(&item.body).unwrap_or(Value::Null);
                    (None, self.patients_of_value(&sent))
                }
            };
            let outcome = match result {
                Ok(_) => Outcome::Success,
                Err(FhirError::Forbidden(_) | FhirError::ForbiddenEntry(..)) => Outcome::Denied,
                Err(_) => Outcome::Failed,
            };
            accesses.push(Access {
                action: action::CREATE,
                outcome,
                resource_type: Some(resource_type),
                resource_id: id,
                query: None,
                patients,
            });
        }
        if accesses.is_empty() {
            return Ok(());
        }
        self.audit_many(caller, accesses).await
    }

    /// Plain creates (no condition to look up first): stamped and indexed here, then written
    /// in one store call, which an engine can make a single hand-off to its writer.
    async fn create_plain(
        &self,
        resource_type: &str,
        ready: Vec<(usize, Value)>,
    ) -> Result<Vec<(usize, Written)>, FhirError> {
        // Stored with microsecond precision; stamp the same instant into meta.lastUpdated.
        let now = self.clock.now();
        let last_updated = Timestamp::from_microsecond(now.as_microsecond()).unwrap_or(now);
        let mut prepared = Vec::with_capacity(ready.len());
        for (index, mut resource) in ready {
            let id = self.ids.new_id();
            let content = serialise_stamped(&mut resource, &id, 1, last_updated)?;
            let tokens = extract(&self.search, &resource);
            prepared.push((index, id, content, tokens));
        }
        let versions: Vec<NewVersion<'_>> = prepared
            .iter()
            .map(|(_, id, content, tokens)| NewVersion {
                resource_type,
                id,
                version: 1,
                previous: None,
                last_updated,
                method: Method::Post,
                content: Some(content),
                index: tokens,
            })
            .collect();
        let seqs = self.store.create_all(&versions).await?;
        let written: Vec<(usize, Written)> = prepared
            .into_iter()
            .zip(seqs)
            .map(|((index, id, content, _), seq)| {
                let row = ResourceRow {
                    seq,
                    resource_type: resource_type.to_owned(),
                    id,
                    version: 1,
                    last_updated,
                    deleted: false,
                    method: Method::Post,
                    content: Some(content),
                };
                (index, Written { kind: WriteKind::Created, row })
            })
            .collect();
        for (_, done) in &written {
            self.announce(done);
        }
        Ok(written)
    }
}
