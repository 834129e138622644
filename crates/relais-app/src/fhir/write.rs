//! create, update and delete — alone, or as entries of a transaction (the `*_in` forms); as the
//! server itself, or as a person (the `*_as` forms, checked with `guard.rs`).
//! Parsing, validation and serialisation happen before the transaction where they can, so the
//! write lock is held for as short a time as possible.

use jiff::Timestamp;
use relais_access::audit::action;
use relais_access::policy::{Action, Principal};
use relais_fhir::search::extract;
use relais_fhir::validate::{IdRule, check_resource, check_rules, check_url_id, parse_object};
use relais_fhir::{Issue, IssueType, SchemaValidator, meta};
use relais_store::{Method, NewVersion, ResourceRow, ResourceTx};
use serde_json::Value;

use super::audited::answer;
use super::conditional::Condition;
use super::{Fhir, FhirError, WriteKind, Written};
use crate::access::Caller;

mod entries;

/// How many times an update without `If-Match` is retried after losing a race to another writer.
const UPDATE_ATTEMPTS: usize = 3;

impl Fhir {
    /// `POST /{type}`: stores a new resource with a server-assigned id, unless `if_none_exist`
    /// matches an existing one.
    ///
    /// The server's own, unrestricted create; the FHIR API calls [`Fhir::create_as`] once
    /// requests are authenticated (issue 4).
    pub async fn create(
        &self,
        resource_type: &str,
        body: &[u8],
        if_none_exist: Option<&str>,
    ) -> Result<Written, FhirError> {
        self.create_within(None, resource_type, body, if_none_exist).await
    }

    /// [`Fhir::create`] as `caller`: refused (403 with the policy's code, nothing written)
    /// unless they may write every record the new resource names. `If-None-Exist` looks only
    /// at what they may see: a hidden match is neither returned nor counted.
    pub async fn create_as(
        &self,
        caller: &Caller,
        resource_type: &str,
        body: &[u8],
        if_none_exist: Option<&str>,
    ) -> Result<Written, FhirError> {
        let result = self.create_within(Some(&caller.principal), resource_type, body, if_none_exist).await;
        let audited =
            self.audit_write(caller, action::CREATE, resource_type, None, Some(body), &result).await;
        answer(result, audited)
    }

    async fn create_within(
        &self,
        principal: Option<&Principal>,
        resource_type: &str,
        body: &[u8],
        if_none_exist: Option<&str>,
    ) -> Result<Written, FhirError> {
        self.known_type(resource_type)?;
        let resource = self.parse_checked(resource_type, body, IdRule::Assigned).await?;
        let condition = if_none_exist.map(|q| Condition::parse(resource_type, q)).transpose()?;
        if let Some(condition) = &condition {
            condition.check_indexed(resource_type, &self.search)?;
        }
        if condition.is_none() {
            // A plain create reads nothing first: the store may commit it together with others.
            // Its decision depends on the new content alone, so it needs no transaction.
            self.check_new(principal, Action::Create, resource_type, &resource, None, None)?;
            let id = self.ids.new_id();
            let written =
                self.write_version(None, resource_type, &id, None, Method::Post, Some(resource)).await?;
            self.announce(&written);
            return Ok(written);
        }
        let mut tx = self.store.begin().await?;
        let written =
            self.create_in(tx.as_mut(), principal, resource_type, resource, condition.as_ref(), None).await?;
        tx.commit().await?;
        self.announce(&written);
        Ok(written)
    }

    /// `PUT /{type}/{id}`: stores a new version, or creates the resource with that id.
    /// `if_match` is the version the client last read; a stale one fails with 412.
    ///
    /// The server's own, unrestricted update; the FHIR API calls [`Fhir::update_as`] once
    /// requests are authenticated (issue 4).
    pub async fn update(
        &self,
        resource_type: &str,
        id: &str,
        body: &[u8],
        if_match: Option<i64>,
    ) -> Result<Written, FhirError> {
        self.update_within(None, resource_type, id, body, if_match).await
    }

    /// [`Fhir::update`] as `caller`, decided in the write transaction on the stored version
    /// (one they may not see answers 404 as if absent; one they see but may not change, 403) and
    /// on the new content (403 unless they may write every record it names). Nothing is
    /// written when refused.
    pub async fn update_as(
        &self,
        caller: &Caller,
        resource_type: &str,
        id: &str,
        body: &[u8],
        if_match: Option<i64>,
    ) -> Result<Written, FhirError> {
        let result = self.update_within(Some(&caller.principal), resource_type, id, body, if_match).await;
        let audited =
            self.audit_write(caller, action::UPDATE, resource_type, Some(id), Some(body), &result).await;
        answer(result, audited)
    }

    async fn update_within(
        &self,
        principal: Option<&Principal>,
        resource_type: &str,
        id: &str,
        body: &[u8],
        if_match: Option<i64>,
    ) -> Result<Written, FhirError> {
        self.known_type(resource_type)?;
        check_url_id(id)?;
        let resource = self.parse_checked(resource_type, body, IdRule::MustBe(id)).await?;
        let mut attempt = 1;
        loop {
            let mut tx = self.store.begin().await?;
            match self.update_in(tx.as_mut(), principal, resource_type, id, &resource, if_match).await {
                Err(FhirError::Conflict(_)) if if_match.is_none() && attempt < UPDATE_ATTEMPTS => {
                    attempt += 1
                }
                Err(e) => return Err(e),
                Ok(written) => match tx.commit().await {
                    Err(relais_store::StoreError::Conflict)
                        if if_match.is_none() && attempt < UPDATE_ATTEMPTS =>
                    {
                        attempt += 1;
                    }
                    Err(e) => return Err(e.into()),
                    Ok(()) => {
                        self.announce(&written);
                        return Ok(written);
                    }
                },
            }
        }
    }

    /// `DELETE /{type}/{id}`.
    /// `if_match` is the version the client last read; a stale one fails with 412.
    ///
    /// The server's own, unrestricted delete; the FHIR API calls [`Fhir::delete_as`] once
    /// requests are authenticated (issue 4).
    pub async fn delete(
        &self,
        resource_type: &str,
        id: &str,
        if_match: Option<i64>,
    ) -> Result<Written, FhirError> {
        self.delete_within(None, resource_type, id, if_match).await
    }

    /// [`Fhir::delete`] as `caller`, decided in the write transaction on the stored version: one
    /// they may not see answers 404 (a deletion: unless they could read the version before it),
    /// one they see but may not delete 403, and nothing is written.
    pub async fn delete_as(
        &self,
        caller: &Caller,
        resource_type: &str,
        id: &str,
        if_match: Option<i64>,
    ) -> Result<Written, FhirError> {
        let result = self.delete_within(Some(&caller.principal), resource_type, id, if_match).await;
        let audited = self.audit_write(caller, action::DELETE, resource_type, Some(id), None, &result).await;
        answer(result, audited)
    }

    async fn delete_within(
        &self,
        principal: Option<&Principal>,
        resource_type: &str,
        id: &str,
        if_match: Option<i64>,
    ) -> Result<Written, FhirError> {
        self.known_type(resource_type)?;
        check_url_id(id)?;
        let mut tx = self.store.begin().await?;
        let written = self.delete_in(tx.as_mut(), principal, resource_type, id, if_match).await?;
        tx.commit().await?;
        self.announce(&written);
        Ok(written)
    }

    /// Parses a body and checks it for `resource_type` under `id_rule`. A large body is parsed
    /// and validated on the blocking pool, so that it does not stall the requests sharing this
    /// async worker.
    pub(crate) async fn parse_checked(
        &self,
        resource_type: &str,
        body: &[u8],
        id_rule: IdRule<'_>,
    ) -> Result<Value, FhirError> {
        if body.len() <= INLINE_BODY_BYTES {
            return parse_and_check(&self.schema, resource_type, body, id_rule);
        }
        let (schema, resource_type, body) = (self.schema.clone(), resource_type.to_owned(), body.to_vec());
        let url_id = match id_rule {
            IdRule::Assigned => None,
            IdRule::MustBe(id) => Some(id.to_owned()),
        };
        off_thread(move || {
            let rule = url_id.as_deref().map_or(IdRule::Assigned, IdRule::MustBe);
            parse_and_check(&schema, &resource_type, &body, rule)
        })
        .await
    }

    /// Writes the version after `current` (stamping `id` and `meta`), or a tombstone when
    /// `resource` is `None`; in `tx`, or as a create of its own when there is none.
    async fn write_version(
        &self,
        tx: Option<&mut dyn ResourceTx>,
        resource_type: &str,
        id: &str,
        current: Option<&ResourceRow>,
        method: Method,
        resource: Option<Value>,
    ) -> Result<Written, FhirError> {
        let version = current.map_or(1, |c| c.version + 1);
        // Stored with microsecond precision; stamp the same instant into meta.lastUpdated.
        let now = self.clock.now();
        let last_updated = Timestamp::from_microsecond(now.as_microsecond()).unwrap_or(now);
        let (content, tokens) = match resource {
            Some(mut resource) => {
                let content = serialise_stamped(&mut resource, id, version, last_updated)?;
                (Some(content), extract(&self.search, &resource))
            }
            None => (None, Vec::new()),
        };
        let new = NewVersion {
            resource_type,
            id,
            version,
            previous: current.map(|c| c.version),
            last_updated,
            method,
            content: content.as_deref(),
            index: &tokens,
        };
        let seq = match tx {
            Some(tx) => tx.write(&new).await?,
            None => self.store.create(&new).await?,
        };
        let kind = match (method, current) {
            (Method::Delete, _) => WriteKind::Deleted,
            (_, Some(c)) if !c.deleted => WriteKind::Updated,
            _ => WriteKind::Created,
        };
        Ok(Written {
            kind,
            row: ResourceRow {
                seq,
                resource_type: resource_type.to_owned(),
                id: id.to_owned(),
                version,
                last_updated,
                deleted: content.is_none(),
                method,
                content,
            },
        })
    }
}

/// `If-Match`: the version the client last read must still be the current one.
fn check_if_match(
    if_match: Option<i64>,
    current: Option<&ResourceRow>,
    resource_type: &str,
    id: &str,
) -> Result<(), FhirError> {
    let Some(expected) = if_match else { return Ok(()) };
    let found = current.map(|c| c.version);
    if found == Some(expected) {
        return Ok(());
    }
    let found = found
        .map_or_else(|| "the resource does not exist".to_owned(), |v| format!("the current version is {v}"));
    Err(FhirError::PreconditionFailed(Issue::error(
        IssueType::Conflict,
        "version-mismatch",
        format!("If-Match asked for version {expected} of {resource_type}/{id} but {found}; read it again"),
    )))
}

/// Bodies up to this size are parsed inline (a few hundred microseconds at most).
pub(crate) const INLINE_BODY_BYTES: usize = 256 * 1024;

fn parse_and_check(
    schema: &SchemaValidator,
    resource_type: &str,
    body: &[u8],
    id_rule: IdRule<'_>,
) -> Result<Value, FhirError> {
    let resource = parse_object(body)?;
    check_resource(schema, &resource, resource_type, id_rule).map_err(FhirError::Invalid)?;
    check_rules(schema, &resource).map_err(FhirError::Unprocessable)?;
    Ok(resource)
}

/// Runs CPU-heavy work on the blocking pool.
pub(crate) async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, FhirError> + Send + 'static,
) -> Result<T, FhirError> {
    tokio::task::spawn_blocking(work).await.map_err(|_| FhirError::Store(relais_store::StoreError::Closed))?
}

pub(super) fn serialise_stamped(
    resource: &mut Value,
    id: &str,
    version: i64,
    at: Timestamp,
) -> Result<String, FhirError> {
    if let Some(map) = resource.as_object_mut() {
        meta::stamp(map, id, version, at);
    }
    serde_json::to_string(resource).map_err(|_| {
        FhirError::Invalid(vec![Issue::error(
            IssueType::Structure,
            "not-a-resource",
            "The resource could not be serialised",
        )])
    })
}
