//! The audit trail through the FHIR API: `GET /fhir/AuditEvent` (search) and
//! `GET /fhir/AuditEvent/{id}` (read) answer from the audit trail, not from stored resources,
//! each record rendered by `audit::audit_event` with its `seq` as id — for the privacy officer
//! only (`relais_access::policy` says who), newest first, paged by record number. Reading the
//! trail is itself recorded. Writes to AuditEvent stay refused by the policy.

use jiff::Timestamp;
use relais_access::audit::{AuditRecord, Outcome, action};
use relais_access::policy::{Action, Decision, Target, decide};
use relais_fhir::outcome::operation_outcome;
use relais_fhir::{Issue, IssueType, Severity};
use relais_store::{Method, ResourceRow};
use serde_json::{Value, json};

use super::search::query_text;
use super::search_bundle::encode;
use super::{Fhir, FhirError};
use crate::access::Caller;
use crate::audit::{Access, audit_event, params};

/// The resource type the trail is read as.
pub(super) const AUDIT_EVENT: &str = "AuditEvent";

/// Who the AuditEvents say observed the event.
const OBSERVER: &str = "Relais";

impl Fhir {
    /// Whether `caller` may read the trail; a refusal is recorded and answered 403 (the trail's
    /// existence is no secret).
    async fn trail_allowed(
        &self,
        caller: &Caller,
        act: &'static str,
        access: Access<'_>,
    ) -> Result<(), FhirError> {
        let target = Target { resource_type: AUDIT_EVENT, in_compartment: true, patients: &[], id: None };
        match decide(&caller.principal, Action::Read, &target, self.clock.now()) {
            Decision::Allow { .. } => Ok(()),
            Decision::Deny(denied) => {
                self.audit(caller, Access { action: act, outcome: Outcome::Denied, ..access }).await?;
                Err(FhirError::Forbidden(denied.code()))
            }
        }
    }

    /// `GET /AuditEvent/{id}` as `caller`: the record numbered `id`, as an AuditEvent.
    pub(super) async fn read_audit_event(&self, caller: &Caller, id: &str) -> Result<ResourceRow, FhirError> {
        let access = Access {
            action: action::READ,
            outcome: Outcome::Success,
            resource_type: Some(AUDIT_EVENT),
            resource_id: Some(id),
            query: None,
            patients: Vec::new(),
        };
        self.trail_allowed(caller, action::READ, access.clone()).await?;
        let seq = id.parse::<u64>().ok().filter(|s| *s > 0);
        let record = match seq {
            Some(seq) => self.store.audit_records(seq - 1, 1).await?.into_iter().find(|r| r.seq == seq),
            None => None,
        };
        let outcome = if record.is_some() { Outcome::Success } else { Outcome::Failed };
        self.audit(caller, Access { outcome, ..access }).await?;
        let record = record.ok_or_else(|| FhirError::NotFound(format!("{AUDIT_EVENT}/{id}")))?;
        Ok(event_row(&record))
    }

    /// `GET /AuditEvent?…` as `caller`: a `searchset` of the matching records, newest first.
    pub(super) async fn search_audit_events(
        &self,
        caller: &Caller,
        pairs: &[(String, String)],
        strict: bool,
        base_url: &str,
    ) -> Result<Value, FhirError> {
        let access = Access {
            action: action::SEARCH,
            outcome: Outcome::Success,
            resource_type: Some(AUDIT_EVENT),
            resource_id: None,
            query: Some(query_text(pairs)),
            patients: Vec::new(),
        };
        self.trail_allowed(caller, action::SEARCH, access.clone()).await?;
        let search = match params::parse(pairs, strict) {
            Ok(search) => search,
            Err(issues) => {
                self.audit(caller, Access { outcome: Outcome::Failed, ..access }).await?;
                return Err(FhirError::Invalid(issues));
            }
        };
        let mut records =
            if search.impossible { Vec::new() } else { self.store.audit_search(&search.query).await? };
        self.audit(caller, access).await?;
        let more = records.len() > search.count as usize;
        records.truncate(search.count as usize);
        let kept: Vec<(&str, String)> = pairs
            .iter()
            .filter(|(k, _)| k != "_cursor" && k != "_count" && !search.ignored.contains(k))
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let url = |cursor: Option<u64>| {
            let mut parts: Vec<String> =
                kept.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
            parts.push(format!("_count={}", search.count));
            if let Some(cursor) = cursor {
                parts.push(format!("_cursor={cursor}"));
            }
            format!("{base_url}/{AUDIT_EVENT}?{}", parts.join("&"))
        };
        let mut links = vec![json!({"relation": "self", "url": url(search.query.before_seq)})];
        if more && let Some(last) = records.last() {
            links.push(json!({"relation": "next", "url": url(Some(last.seq))}));
        }
        let mut entries = Vec::new();
        if !search.ignored.is_empty() {
            entries.push(json!({"resource": ignored(&search.ignored), "search": {"mode": "outcome"}}));
        }
        for record in &records {
            entries.push(json!({
                "fullUrl": format!("{base_url}/{AUDIT_EVENT}/{}", record.seq),
                "resource": audit_event(record, OBSERVER),
                "search": {"mode": "match"},
            }));
        }
        let mut bundle = json!({"resourceType": "Bundle", "type": "searchset", "link": links});
        if !entries.is_empty() {
            bundle["entry"] = Value::Array(entries);
        }
        Ok(bundle)
    }
}

/// A record as the row a read answers: version 1 (a record never changes), last updated when it
/// was recorded.
fn event_row(record: &AuditRecord) -> ResourceRow {
    ResourceRow {
        seq: i64::try_from(record.seq).unwrap_or(i64::MAX),
        resource_type: AUDIT_EVENT.to_owned(),
        id: record.seq.to_string(),
        version: 1,
        last_updated: Timestamp::from_microsecond(record.recorded).unwrap_or(Timestamp::UNIX_EPOCH),
        deleted: false,
        method: Method::Post,
        content: Some(audit_event(record, OBSERVER).to_string()),
    }
}

/// A warning per ignored parameter, by name only.
fn ignored(names: &[String]) -> Value {
    let issues: Vec<Issue> = names
        .iter()
        .map(|name| Issue {
            severity: Severity::Warning,
            code: IssueType::NotSupported,
            error_code: "parameter-ignored",
            diagnostics: format!(
                "The search parameter {name} is not supported on AuditEvent; it was ignored."
            ),
            expression: Some(name.clone()),
        })
        .collect();
    operation_outcome(&issues)
}
