//! batch and transaction. A transaction is one store transaction: every entry is applied or
//! none is. Entries are applied in the order the specification gives (DELETE, POST, PUT, GET),
//! `urn:uuid:` references between them are rewritten to the ids the server assigns, and the
//! response lists the entries in request order.

use std::collections::{HashMap, HashSet};

use relais_access::policy::Principal;
use relais_fhir::bundle::{
    BundleKind, EntryMethod, RequestBundle, RequestEntry, parse_request_bundle, rewrite_references,
};
use relais_fhir::validate::parse_object;
use relais_fhir::{Issue, IssueType, SchemaValidator};
use relais_store::{NewEmail, NewInvitation, ResourceTx};
use serde_json::{Value, json};

use super::audited::answer;
use super::bundle_response::{Done, failure_entry, success_entry};
use super::conditional::Condition;
use super::write::{INLINE_BODY_BYTES, off_thread};
use super::{Fhir, FhirError, Prefer, WriteKind, Written, parse_if_match};
use crate::access::Caller;

/// What a transaction Bundle writes besides its resources, in the same database transaction:
/// emails to queue and invitation links (whose tokens only those emails carry).
#[derive(Clone, Copy, Default)]
pub(crate) struct Along<'a> {
    pub emails: &'a [NewEmail],
    pub invitations: &'a [NewInvitation],
}

impl Along<'_> {
    fn is_empty(&self) -> bool {
        self.emails.is_empty() && self.invitations.is_empty()
    }
}

/// What a transaction decided for a POST entry before applying it.
enum Planned {
    Create(String),
    Existing(Written),
    /// Same `ifNoneExist` as an earlier entry of this transaction: that entry's id.
    SameAs(String),
}

impl Planned {
    fn id(&self) -> &str {
        match self {
            Planned::Create(id) | Planned::SameAs(id) => id,
            Planned::Existing(w) => &w.row.id,
        }
    }
}

impl Fhir {
    /// `POST /` with a batch or transaction Bundle; answers the response Bundle.
    ///
    /// The server's own, unrestricted Bundle; the FHIR API calls [`Fhir::bundle_as`] once
    /// requests are authenticated (issue 4).
    pub async fn bundle(&self, body: &[u8], prefer: Prefer, base_url: &str) -> Result<Value, FhirError> {
        self.bundle_within(None, body, prefer, base_url, Along::default()).await
    }

    /// [`Fhir::bundle`] as `caller`: each entry is decided as its own interaction by them (read
    /// and vread as `read_as`, writes as `create_as`/`update_as`/`delete_as`). A batch answers
    /// each entry's own status; a transaction with one refused entry fails as a whole, writes
    /// nothing, and names the entry — with "not found" where the entry touched a hidden record.
    pub async fn bundle_as(
        &self,
        caller: &Caller,
        body: &[u8],
        prefer: Prefer,
        base_url: &str,
    ) -> Result<Value, FhirError> {
        self.bundle_as_queuing(caller, body, prefer, base_url, Along::default()).await
    }

    /// [`Fhir::bundle_as`] with a transaction Bundle that also writes `along` (emails to queue,
    /// invitation links) in the same database transaction: they exist if and only if the
    /// writes do.
    pub(crate) async fn bundle_as_queuing(
        &self,
        caller: &Caller,
        body: &[u8],
        prefer: Prefer,
        base_url: &str,
        along: Along<'_>,
    ) -> Result<Value, FhirError> {
        let result = self.bundle_within(Some(&caller.principal), body, prefer, base_url, along).await;
        let audited = self.audit_bundle(caller, body, &result).await;
        answer(result, audited)
    }

    async fn bundle_within(
        &self,
        principal: Option<&Principal>,
        body: &[u8],
        prefer: Prefer,
        base_url: &str,
        along: Along<'_>,
    ) -> Result<Value, FhirError> {
        let check = |schema: &SchemaValidator, body: &[u8]| -> Result<Value, FhirError> {
            let bundle = parse_object(body)?;
            if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
                return Err(FhirError::Invalid(vec![Issue::error(
                    IssueType::Invalid,
                    "resource-type-mismatch",
                    "A POST to the FHIR base must carry a batch or transaction Bundle",
                )]));
            }
            schema.check(&bundle).map_err(FhirError::Invalid)?;
            Ok(bundle)
        };
        let bundle = if body.len() <= INLINE_BODY_BYTES {
            check(&self.schema, body)?
        } else {
            let (schema, body) = (self.schema.clone(), body.to_vec());
            off_thread(move || check(&schema, &body)).await?
        };
        let request = parse_request_bundle(bundle).map_err(FhirError::Invalid)?;
        let entries = match request.kind {
            BundleKind::Transaction => self.transaction(principal, &request, prefer, base_url, along).await?,
            // Email goes only with a transaction: a batch's entries commit one by one.
            BundleKind::Batch if along.is_empty() => self.batch(principal, &request, prefer, base_url).await,
            BundleKind::Batch => {
                return Err(FhirError::Invalid(vec![Issue::error(
                    IssueType::Invalid,
                    "not-a-transaction",
                    "Email is queued only with a transaction Bundle",
                )]));
            }
        };
        Ok(json!({"resourceType": "Bundle", "type": request.kind.response_type(), "entry": entries}))
    }

    async fn batch(
        &self,
        principal: Option<&Principal>,
        request: &RequestBundle,
        prefer: Prefer,
        base_url: &str,
    ) -> Vec<Value> {
        let mut responses = Vec::with_capacity(request.entries.len());
        for entry in &request.entries {
            let outcome = async {
                let mut resource = self.checked_entry_resource(entry)?;
                // Entries of a batch stand alone: a urn:uuid reference has nothing to point to.
                if let Some(resource) = resource.as_mut() {
                    refuse_unresolved(rewrite_references(resource, &HashMap::new()))?;
                }
                let mut tx = self.store.begin().await?;
                let done = self.apply(tx.as_mut(), principal, entry, resource).await?;
                tx.commit().await?;
                if let Done::Written(written) = &done {
                    self.announce(written);
                }
                Ok::<Done, FhirError>(done)
            }
            .await;
            responses.push(match outcome {
                Ok(done) => success_entry(done, prefer, base_url),
                Err(error) => {
                    if error.status() >= 500 {
                        tracing::error!(entry = entry.index, error = %error, "batch entry failed");
                    }
                    failure_entry(&error.in_entry(entry.index))
                }
            });
        }
        responses
    }

    async fn transaction(
        &self,
        principal: Option<&Principal>,
        request: &RequestBundle,
        prefer: Prefer,
        base_url: &str,
        along: Along<'_>,
    ) -> Result<Vec<Value>, FhirError> {
        let mut resources = Vec::with_capacity(request.entries.len());
        let mut targets = HashSet::new();
        let mut full_urls = HashSet::new();
        for entry in &request.entries {
            if let Some(full_url) = &entry.full_url
                && !full_urls.insert(full_url.as_str())
            {
                return Err(FhirError::Invalid(vec![Issue::error(
                    IssueType::Duplicate,
                    "duplicate-entry",
                    "Two entries of the transaction have the same fullUrl",
                )])
                .in_entry(entry.index));
            }
            resources.push(self.checked_entry_resource(entry).map_err(|e| e.in_entry(entry.index))?);
            // A resource may be read several times, but changed by one entry only.
            if let Some(id) = &entry.target.id
                && entry.method != EntryMethod::Get
                && !targets.insert((entry.target.resource_type.clone(), id.clone()))
            {
                return Err(FhirError::Invalid(vec![Issue::error(
                    IssueType::Duplicate,
                    "duplicate-entry",
                    format!(
                        "{}/{id} appears in more than one entry of the transaction",
                        entry.target.resource_type
                    ),
                )])
                .in_entry(entry.index));
            }
        }
        let mut tx = self.store.begin().await?;
        let mut done: Vec<Option<Done>> = (0..request.entries.len()).map(|_| None).collect();
        // DELETEs come first (FHIR R4 §3.1.0.11.2), so conditional creates below see them.
        for (i, entry) in request.entries.iter().enumerate().filter(|(_, e)| e.method == EntryMethod::Delete)
        {
            done[i] = Some(
                self.apply(tx.as_mut(), principal, entry, None).await.map_err(|e| e.in_entry(entry.index))?,
            );
        }
        // Decide every POST's id next, so references to it can be rewritten anywhere.
        let mut assigned: HashMap<String, String> = HashMap::new();
        let mut planned: HashMap<usize, Planned> = HashMap::new();
        let mut conditions: HashMap<String, usize> = HashMap::new();
        for (i, entry) in request.entries.iter().enumerate() {
            let t = &entry.target.resource_type;
            let local = match entry.method {
                EntryMethod::Post => {
                    let plan = self
                        .plan_create(tx.as_mut(), principal, entry, &conditions, &planned)
                        .await
                        .map_err(|e| e.in_entry(entry.index))?;
                    if let (Some(query), Planned::Create(_)) = (&entry.if_none_exist, &plan) {
                        conditions.insert(Condition::parse(t, query)?.key().to_owned(), i);
                    }
                    let id = plan.id().to_owned();
                    planned.insert(i, plan);
                    Some(format!("{t}/{id}"))
                }
                EntryMethod::Put => entry.target.id.as_ref().map(|id| format!("{t}/{id}")),
                _ => None,
            };
            if let (Some(full_url), Some(local)) = (&entry.full_url, local) {
                assigned.insert(full_url.clone(), local);
            }
        }
        for (entry, resource) in request.entries.iter().zip(resources.iter_mut()) {
            if let Some(resource) = resource.as_mut() {
                refuse_unresolved(rewrite_references(resource, &assigned))
                    .map_err(|e| e.in_entry(entry.index))?;
            }
        }
        let mut order: Vec<usize> = (0..request.entries.len())
            .filter(|&i| request.entries[i].method != EntryMethod::Delete)
            .collect();
        order.sort_by_key(|&i| request.entries[i].method.processing_rank());
        for i in order {
            let entry = &request.entries[i];
            let result = match planned.remove(&i) {
                Some(Planned::Existing(written)) => Done::Written(written),
                // The earlier entry with the same condition has already created it.
                Some(Planned::SameAs(id)) => {
                    let t = &entry.target.resource_type;
                    let row =
                        tx.current(t, &id).await?.ok_or_else(|| FhirError::NotFound(format!("{t}/{id}")))?;
                    Done::Written(Written { kind: WriteKind::Existing, row })
                }
                Some(Planned::Create(id)) => {
                    let resource = resources[i].take().unwrap_or(Value::Null);
                    Done::Written(
                        self.create_in(
                            tx.as_mut(),
                            principal,
                            &entry.target.resource_type,
                            resource,
                            None,
                            Some(id),
                        )
                        .await
                        .map_err(|e| e.in_entry(entry.index))?,
                    )
                }
                None => self
                    .apply(tx.as_mut(), principal, entry, resources[i].take())
                    .await
                    .map_err(|e| e.in_entry(entry.index))?,
            };
            done[i] = Some(result);
        }
        for email in along.emails {
            tx.enqueue_email(email).await?;
        }
        for invitation in along.invitations {
            tx.create_invitation(invitation).await?;
        }
        tx.commit().await?;
        for written in done.iter().flatten().filter_map(|d| match d {
            Done::Written(written) => Some(written),
            _ => None,
        }) {
            self.announce(written);
        }
        Ok(done.into_iter().flatten().map(|d| success_entry(d, prefer, base_url)).collect())
    }

    async fn plan_create(
        &self,
        tx: &mut dyn ResourceTx,
        principal: Option<&Principal>,
        entry: &RequestEntry,
        earlier: &HashMap<String, usize>,
        planned: &HashMap<usize, Planned>,
    ) -> Result<Planned, FhirError> {
        let t = &entry.target.resource_type;
        if let Some(query) = &entry.if_none_exist {
            let condition = Condition::parse(t, query)?;
            condition.check_indexed(t, &self.search)?;
            if let Some(&first) = earlier.get(condition.key())
                && let Some(plan) = planned.get(&first)
            {
                return Ok(Planned::SameAs(plan.id().to_owned()));
            }
            let ids = condition.matches(tx, t).await?;
            let mut found = self.visible_matches(tx, principal, t, ids).await?;
            if found.len() == 1 {
                let (row, kind) = found.remove(0);
                return Ok(Planned::Existing(Written { kind, row }));
            }
            if found.len() > 1 {
                return Err(FhirError::PreconditionFailed(Issue::error(
                    IssueType::MultipleMatches,
                    "multiple-matches",
                    format!("ifNoneExist matches more than one {t}"),
                )));
            }
        }
        Ok(Planned::Create(self.ids.new_id()))
    }

    async fn apply(
        &self,
        tx: &mut dyn ResourceTx,
        principal: Option<&Principal>,
        entry: &RequestEntry,
        resource: Option<Value>,
    ) -> Result<Done, FhirError> {
        let t = &entry.target.resource_type;
        let id = entry.target.id.as_deref().unwrap_or_default();
        match entry.method {
            EntryMethod::Post => {
                let condition = entry.if_none_exist.as_deref().map(|q| Condition::parse(t, q)).transpose()?;
                let resource = resource.unwrap_or(Value::Null);
                Ok(Done::Written(self.create_in(tx, principal, t, resource, condition.as_ref(), None).await?))
            }
            EntryMethod::Put => {
                let if_match = entry.if_match.as_deref().map(parse_if_match).transpose()?;
                let resource = resource.unwrap_or(Value::Null);
                Ok(Done::Written(self.update_in(tx, principal, t, id, &resource, if_match).await?))
            }
            EntryMethod::Delete => {
                let if_match = entry.if_match.as_deref().map(parse_if_match).transpose()?;
                Ok(Done::Written(self.delete_in(tx, principal, t, id, if_match).await?))
            }
            EntryMethod::Get => {
                Ok(Done::Read(self.read_in(tx, principal, t, id, entry.target.version.as_deref()).await?))
            }
        }
    }
}

fn refuse_unresolved(unresolved: Vec<String>) -> Result<(), FhirError> {
    if unresolved.is_empty() {
        return Ok(());
    }
    Err(FhirError::Unprocessable(vec![Issue::error(
        IssueType::NotFound,
        "unresolved-reference",
        format!(
            "{} reference(s) name no entry of this Bundle (urn:uuid:/urn:oid:) or are conditional (Type?query), which Relais does not resolve",
            unresolved.len()
        ),
    )]))
}
