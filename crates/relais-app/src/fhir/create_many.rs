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
use relais_store::{Created, Method, NewCreate, NewVersion, ResourceRow, Unless};
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
        if ready.iter().all(|(_, (_, c))| c.as_ref().is_none_or(|c| c.single_identifier().is_some())) {
            return self.create_together(principal, resource_type, ready).await;
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

    /// Creates whose conditions, if any, are one identifier each: stamped and indexed here,
    /// then written in one store call that looks each identifier up itself (an engine can make
    /// it a single hand-off to its writer). A match is then shown as the per-item path shows it
    /// (`Fhir::visible_matches`); an item whose matches are all in records the person has no
    /// business with is created after all, in a second call (the only case not written with
    /// the others).
    async fn create_together(
        &self,
        principal: Option<&Principal>,
        resource_type: &str,
        ready: Vec<(usize, (Value, Option<Condition>))>,
    ) -> Result<Vec<(usize, Written)>, FhirError> {
        // Stored with microsecond precision; stamp the same instant into meta.lastUpdated.
        let now = self.clock.now();
        let last_updated = Timestamp::from_microsecond(now.as_microsecond()).unwrap_or(now);
        let mut prepared = Vec::with_capacity(ready.len());
        for (index, (mut resource, condition)) in ready {
            let id = self.ids.new_id();
            let content = serialise_stamped(&mut resource, &id, 1, last_updated)?;
            let tokens = extract(&self.search, &resource);
            prepared.push(Prepared { index, id, content, tokens, condition });
        }
        let all: Vec<&Prepared> = prepared.iter().collect();
        let outcomes = self.store.create_all(&new_creates(resource_type, last_updated, &all, true)).await?;
        let mut written = Vec::with_capacity(prepared.len());
        let mut found = Vec::new();
        for (item, outcome) in prepared.iter().zip(outcomes) {
            match outcome {
                Created::Stored(seq) => {
                    written.push((item.index, item.created(resource_type, seq, last_updated)))
                }
                Created::Found(ids) => found.push((item, ids)),
            }
        }
        let mut again = Vec::new();
        if !found.is_empty() {
            let mut tx = self.store.begin().await?;
            for (item, ids) in found {
                let mut visible = self.visible_matches(tx.as_mut(), principal, resource_type, ids).await?;
                match visible.len() {
                    0 => again.push(item),
                    1 => {
                        let (row, kind) = visible.remove(0);
                        written.push((item.index, Written { kind, row }));
                    }
                    _ => return Err(multiple_matches(resource_type)),
                }
            }
            tx.commit().await?;
        }
        if !again.is_empty() {
            let outcomes =
                self.store.create_all(&new_creates(resource_type, last_updated, &again, false)).await?;
            for (item, outcome) in again.iter().zip(outcomes) {
                if let Created::Stored(seq) = outcome {
                    written.push((item.index, item.created(resource_type, seq, last_updated)));
                }
            }
        }
        written.sort_by_key(|(index, _)| *index);
        for (_, done) in &written {
            // A match found wrote nothing and is not announced.
            self.announce(done);
        }
        Ok(written)
    }
}

/// One create of a batch, stamped and indexed.
struct Prepared {
    index: usize,
    id: String,
    content: String,
    tokens: Vec<relais_store::IndexEntry>,
    condition: Option<Condition>,
}

impl Prepared {
    fn created(&self, resource_type: &str, seq: i64, last_updated: Timestamp) -> Written {
        let row = ResourceRow {
            seq,
            resource_type: resource_type.to_owned(),
            id: self.id.clone(),
            version: 1,
            last_updated,
            deleted: false,
            method: Method::Post,
            content: Some(self.content.clone()),
        };
        Written { kind: WriteKind::Created, row }
    }
}

/// The store's creates of `items`, each with its identifier to look up first if `conditional`.
fn new_creates<'a>(
    resource_type: &'a str,
    last_updated: Timestamp,
    items: &[&'a Prepared],
    conditional: bool,
) -> Vec<NewCreate<'a>> {
    items
        .iter()
        .map(|item| NewCreate {
            version: NewVersion {
                resource_type,
                id: &item.id,
                version: 1,
                previous: None,
                last_updated,
                method: Method::Post,
                content: Some(&item.content),
                index: &item.tokens,
            },
            unless: item.condition.as_ref().filter(|_| conditional).and_then(|c| {
                let (system, code) = c.single_identifier()?;
                Some(Unless { param: "identifier", system, code, key: c.key() })
            }),
        })
        .collect()
}

fn multiple_matches(resource_type: &str) -> FhirError {
    FhirError::PreconditionFailed(relais_fhir::Issue::error(
        relais_fhir::IssueType::MultipleMatches,
        "multiple-matches",
        format!("If-None-Exist matches more than one {resource_type}; nothing was created"),
    ))
}
