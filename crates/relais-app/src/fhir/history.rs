//! History: instance, type and system, newest first, paged by write position so a page stays
//! correct while new versions are written.

use jiff::Timestamp;
use relais_access::policy::Principal;

use crate::access::Caller;
use crate::audit::{Access, Concerned};
use relais_access::audit::{Outcome, action};
use relais_fhir::validate::check_url_id;
use relais_fhir::{Issue, IssueType, id::etag, meta::instant};
use relais_store::{HistoryQuery, Method, ResourceRow};
use serde_json::{Value, json};

use super::audited::answer;
use super::{Fhir, FhirError};

/// Entries per page when `_count` is not given.
pub const DEFAULT_COUNT: u32 = 50;
/// Most entries per page, whatever `_count` asks.
pub const MAX_COUNT: u32 = 500;
/// The paging parameter Relais puts in `next` links.
const CURSOR_PARAM: &str = "_before";

/// Whose history.
#[derive(Debug, Clone)]
pub enum HistoryScope {
    System,
    Type(String),
    Instance(String, String),
}

/// The history parameters Relais understands.
#[derive(Debug, Clone, Default)]
pub struct HistoryParams {
    pub count: Option<u32>,
    pub since: Option<Timestamp>,
    pub before: Option<i64>,
}

impl HistoryParams {
    /// Reads `_count`, `_since` and the paging cursor; `_format` and `_pretty` are the web
    /// layer's. Anything else is refused by name.
    pub fn parse<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Result<HistoryParams, FhirError> {
        let mut params = HistoryParams::default();
        let bad = |name: &str, why: &str| {
            FhirError::Invalid(vec![
                Issue::error(IssueType::Invalid, "invalid-parameter", format!("Parameter '{name}': {why}"))
                    .at(name),
            ])
        };
        for (name, value) in pairs {
            match name {
                "_count" => {
                    params.count =
                        Some(value.parse().map_err(|_| bad(name, "must be a whole number of entries"))?);
                }
                "_since" => {
                    params.since = Some(
                        value
                            .parse()
                            .map_err(|_| bad(name, "must be a FHIR instant such as 2026-11-25T08:00:00Z"))?,
                    );
                }
                CURSOR_PARAM => {
                    params.before = Some(value.parse().map_err(|_| bad(name, "is not a valid page cursor"))?)
                }
                "_format" | "_pretty" => {}
                other => {
                    return Err(FhirError::Invalid(vec![
                        Issue::error(
                            IssueType::NotSupported,
                            "unsupported-parameter",
                            format!("History parameter '{other}' is not supported (use _count, _since)"),
                        )
                        .at(other),
                    ]));
                }
            }
        }
        Ok(params)
    }
}

impl Fhir {
    /// A page of history as a `history` Bundle. `base_url` is the FHIR base (`http://…/fhir`).
    ///
    /// The server's own, unrestricted history: the FHIR API calls it until requests are
    /// authenticated (issue 4); then every history read goes through [`Fhir::history_as`].
    pub async fn history(
        &self,
        scope: &HistoryScope,
        params: &HistoryParams,
        base_url: &str,
    ) -> Result<Value, FhirError> {
        self.history_within(None, scope, params, base_url).await.map(|(bundle, _)| bundle)
    }

    /// [`Fhir::history`] as `caller`: only the versions a read of each would be allowed (a
    /// deletion only to who could read the version before it). A page may hold fewer entries
    /// than `_count` — its `next` link still continues after everything it covered — and the
    /// history of a resource the person may not see at all answers 404, like a read.
    ///
    /// On the audit trail before it answers, like a search: one record per patient whose record
    /// a version shown is part of; a refused instance history as denied, for the resource's
    /// patients. If the trail cannot be written the history read fails.
    pub async fn history_as(
        &self,
        caller: &Caller,
        scope: &HistoryScope,
        params: &HistoryParams,
        base_url: &str,
    ) -> Result<Value, FhirError> {
        let principal = &caller.principal;
        let result = self.history_within(Some(principal), scope, params, base_url).await;
        let (resource_type, resource_id) = match scope {
            HistoryScope::System => (None, None),
            HistoryScope::Type(t) => (Some(t.as_str()), None),
            HistoryScope::Instance(t, id) => (Some(t.as_str()), Some(id.as_str())),
        };
        let (outcome, patients) = match (&result, resource_type, resource_id) {
            (Ok((_, shown)), _, _) => (Outcome::Success, self.concerned(principal, shown)),
            (Err(FhirError::NotFound(_)), Some(t), Some(id)) if self.known_type(t).is_ok() => {
                match self.store.current(t, id).await? {
                    // It exists: the 404 is a refusal, about the records it is part of.
                    Some(row) => {
                        let (_, patients) = self.judge_version(principal, &row).await?;
                        (Outcome::Denied, patients.into_iter().map(Concerned::plain).collect())
                    }
                    None => (Outcome::Failed, Vec::new()),
                }
            }
            _ => (Outcome::Failed, Vec::new()),
        };
        let access =
            Access { action: action::HISTORY, outcome, resource_type, resource_id, query: None, patients };
        let audited = self.audit(caller, access).await;
        answer(result, audited).map(|(bundle, _)| bundle)
    }

    async fn history_within(
        &self,
        principal: Option<&Principal>,
        scope: &HistoryScope,
        params: &HistoryParams,
        base_url: &str,
    ) -> Result<(Value, Vec<ResourceRow>), FhirError> {
        let (resource_type, id, path) = match scope {
            HistoryScope::System => (None, None, "_history".to_owned()),
            HistoryScope::Type(t) => {
                self.known_type(t)?;
                (Some(t.clone()), None, format!("{t}/_history"))
            }
            HistoryScope::Instance(t, id) => {
                self.known_type(t)?;
                check_url_id(id).map_err(|_| FhirError::NotFound(format!("{t}/{id}")))?;
                (Some(t.clone()), Some(id.clone()), format!("{t}/{id}/_history"))
            }
        };
        let count = params.count.unwrap_or(DEFAULT_COUNT).min(MAX_COUNT);
        let mut rows = self
            .store
            .history(&HistoryQuery {
                resource_type,
                id,
                since: params.since,
                before_seq: params.before,
                limit: count + 1,
            })
            .await?;
        if let HistoryScope::Instance(t, id) = scope
            && rows.is_empty()
            && params.before.is_none()
            && self.store.current(t, id).await?.is_none()
        {
            return Err(FhirError::NotFound(format!("{t}/{id}")));
        }
        let more = rows.len() > count as usize;
        rows.truncate(count as usize);
        // The next link continues after the last row read, whether or not it is shown.
        let last_seq = rows.last().map(|r| r.seq);
        if let Some(principal) = principal {
            let mut shown = Vec::with_capacity(rows.len());
            for row in rows {
                if self.may_read_version(principal, &row).await? {
                    shown.push(row);
                }
            }
            if let HistoryScope::Instance(t, id) = scope
                && shown.is_empty()
                && params.before.is_none()
            {
                return Err(FhirError::NotFound(format!("{t}/{id}")));
            }
            rows = shown;
        }
        let query = |before: Option<i64>| {
            let mut q = vec![format!("_count={count}")];
            if let Some(since) = params.since {
                q.push(format!("_since={}", instant(since)));
            }
            if let Some(before) = before {
                q.push(format!("{CURSOR_PARAM}={before}"));
            }
            format!("{base_url}/{path}?{}", q.join("&"))
        };
        let mut links = vec![json!({"relation": "self", "url": query(params.before)})];
        if more && let Some(last) = last_seq {
            links.push(json!({"relation": "next", "url": query(Some(last))}));
        }
        let entries: Vec<Value> = rows.iter().map(|row| history_entry(row, base_url)).collect();
        let bundle = json!({
            "resourceType": "Bundle",
            "type": "history",
            "link": links,
            "entry": entries,
        });
        Ok((bundle, rows))
    }
}

fn history_entry(row: &ResourceRow, base_url: &str) -> Value {
    let (status, url) = match row.method {
        Method::Post => ("201 Created", row.resource_type.clone()),
        Method::Put if row.version == 1 => ("201 Created", format!("{}/{}", row.resource_type, row.id)),
        Method::Put => ("200 OK", format!("{}/{}", row.resource_type, row.id)),
        Method::Delete => ("204 No Content", format!("{}/{}", row.resource_type, row.id)),
    };
    let mut entry = json!({
        "fullUrl": format!("{base_url}/{}/{}", row.resource_type, row.id),
        "request": {"method": row.method.as_str(), "url": url},
        "response": {"status": status, "etag": etag(row.version), "lastModified": instant(row.last_updated)},
    });
    if let (Some(content), Value::Object(map)) = (&row.content, &mut entry)
        && let Ok(resource) = serde_json::from_str::<Value>(content)
    {
        map.insert("resource".to_owned(), resource);
    }
    entry
}
