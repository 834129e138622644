//! Search on one resource type (`GET /fhir/{type}?…`, `POST /fhir/{type}/_search`): parses the
//! parameters, decides the page size and what to count, asks the store for one page, and builds
//! the `searchset` Bundle (see `search_bundle.rs`).
//!
//! `_summary=true` and `_summary=text` are not honoured: they need the `isSummary` flags and the
//! minimum cardinalities of the StructureDefinitions, which Relais does not embed (the JSON schema
//! has neither, and its `required` lists leave out mandatory primitives). Rather than return a
//! guess, a strict search refuses them and a lenient one ignores them and says so.

use relais_access::audit::{Outcome, action};
use relais_access::policy::{Action, Denied};

use crate::access::Caller;
use crate::audit::Access;
use relais_fhir::search::{ParseOptions, SearchQuery, Summary, TotalMode, parse_query};
use relais_fhir::{Issue, IssueType};
use relais_store::{SearchPage, SearchSpec, Visibility, Visible};
use serde_json::Value;

use super::audit_events::AUDIT_EVENT;
use super::audited::answer;
use super::search_bundle::{encode, searchset};
use super::{Fhir, FhirError};

/// Matches per page when `_count` is not given.
pub const DEFAULT_COUNT: u32 = 50;
/// Most matches per page, whatever `_count` asks (the parser lowers larger values).
pub const MAX_COUNT: u32 = 500;

impl Fhir {
    /// One page of a search on `resource_type`, as a `searchset` Bundle. `pairs` are the
    /// percent-decoded parameters (URL and form body), without the web layer's `_format` and
    /// `_pretty`; `strict` refuses unknown parameters instead of ignoring them; `base_url` is the
    /// FHIR base (`http://…/fhir`).
    ///
    /// This is the server's own, unrestricted search: the FHIR API calls it until requests are
    /// authenticated (issue 4); then every search goes through [`Fhir::search_as`].
    pub async fn search(
        &self,
        resource_type: &str,
        pairs: &[(String, String)],
        strict: bool,
        base_url: &str,
    ) -> Result<Value, FhirError> {
        self.search_within(None, resource_type, pairs, strict, base_url).await
    }

    /// [`Fhir::search`] as `caller`: matches, totals, chains, `_has` and includes hold only
    /// what the access policy lets them see (`relais_access::policy`), at this moment.
    ///
    /// Every search is on the audit trail, with its parameters, before it answers: one record
    /// per patient whose record a returned resource is part of (break-the-glass flagged), one
    /// about no patient if none; denied when the person's role may see nothing of the type. If
    /// the trail cannot be written the search fails. `AuditEvent` searches read the trail.
    pub async fn search_as(
        &self,
        caller: &Caller,
        resource_type: &str,
        pairs: &[(String, String)],
        strict: bool,
        base_url: &str,
    ) -> Result<Value, FhirError> {
        if !caller.principal.token_reaches(resource_type, Action::Search) {
            let access = Access {
                action: action::SEARCH,
                outcome: Outcome::Denied,
                resource_type: Some(resource_type),
                resource_id: None,
                query: Some(query_text(pairs)),
                patients: Vec::new(),
            };
            self.audit(caller, access).await?;
            return Err(FhirError::Forbidden(Denied::OutOfScope.code()));
        }
        if resource_type == AUDIT_EVENT {
            return self.search_audit_events(caller, pairs, strict, base_url).await;
        }
        self.search_within(Some(caller), resource_type, pairs, strict, base_url).await
    }

    async fn search_within(
        &self,
        caller: Option<&Caller>,
        resource_type: &str,
        pairs: &[(String, String)],
        strict: bool,
        base_url: &str,
    ) -> Result<Value, FhirError> {
        let visibility = caller.map(|c| crate::access::visibility(&c.principal, self.clock.now()));
        let visible = visibility.as_ref().map(|v| v as Visibility<'_>);
        let found = self.search_page(visible, resource_type, pairs, strict, base_url).await;
        let Some(caller) = caller else {
            return found.and_then(|(query, page)| searchset(&query, pairs, page, base_url));
        };
        let (outcome, patients) = match &found {
            Ok((query, page)) => {
                let refused = visible.is_some_and(|v| v(resource_type) == Visible::Nothing);
                let outcome = if refused { Outcome::Denied } else { Outcome::Success };
                // `_summary=count` sends no resource, only how many there are.
                let rows = page.matches.iter().chain(&page.included);
                let patients = if query.summary == Some(Summary::Count) {
                    Vec::new()
                } else {
                    self.concerned(&caller.principal, rows)
                };
                (outcome, patients)
            }
            Err(_) => (Outcome::Failed, Vec::new()),
        };
        let access = Access {
            action: action::SEARCH,
            outcome,
            resource_type: Some(resource_type),
            resource_id: None,
            query: Some(query_text(pairs)),
            patients,
        };
        let audited = self.audit(caller, access).await;
        let (query, page) = answer(found, audited)?;
        searchset(&query, pairs, page, base_url)
    }

    /// The store's page for a search, and the query as parsed.
    async fn search_page(
        &self,
        visible: Option<Visibility<'_>>,
        resource_type: &str,
        pairs: &[(String, String)],
        strict: bool,
        base_url: &str,
    ) -> Result<(SearchQuery, SearchPage), FhirError> {
        self.known_type(resource_type)?;
        let options = ParseOptions { base_url, strict, max_count: MAX_COUNT };
        let mut query = parse_query(&self.search, resource_type, pairs.iter().map(|(k, v)| (k, v)), &options)
            .map_err(FhirError::Invalid)?;
        honour_summary(&mut query, strict)?;
        let only_count = query.summary == Some(Summary::Count);
        let count = if only_count { 0 } else { query.count.unwrap_or(DEFAULT_COUNT) };
        let total = only_count || matches!(query.total, Some(TotalMode::Accurate | TotalMode::Estimate));
        let page = self
            .store
            .search(&SearchSpec { query: &query, params: &self.search, count, total, visible })
            .await?;
        Ok((query, page))
    }
}

/// The search parameters as the trail keeps them: `name=value` pairs percent-encoded as in a
/// query string, in the client's order.
pub(super) fn query_text(pairs: &[(String, String)]) -> String {
    let parts: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
    parts.join("&")
}

/// Refuses (strict) or drops and records (lenient) the `_summary` modes Relais cannot honour.
fn honour_summary(query: &mut SearchQuery, strict: bool) -> Result<(), FhirError> {
    if !matches!(query.summary, Some(Summary::True | Summary::Text)) {
        return Ok(());
    }
    if strict {
        return Err(FhirError::Invalid(vec![
            Issue::error(
                IssueType::NotSupported,
                "unsupported-summary",
                "The search parameter _summary is supported as count, data or false only.",
            )
            .at("_summary"),
        ]));
    }
    query.summary = None;
    query.ignored.push("_summary".to_owned());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_true_and_text_are_refused_when_strict_and_dropped_when_lenient() {
        for mode in [Summary::True, Summary::Text] {
            let mut q = SearchQuery { summary: Some(mode), ..SearchQuery::default() };
            let e = honour_summary(&mut q, true).unwrap_err();
            assert_eq!(e.status(), 400);
            assert_eq!(e.issues()[0].expression.as_deref(), Some("_summary"));
            honour_summary(&mut q, false).unwrap();
            assert_eq!(q.summary, None);
            assert_eq!(q.ignored, ["_summary"]);
        }
        for mode in [Summary::Count, Summary::Data, Summary::False] {
            let mut q = SearchQuery { summary: Some(mode), ..SearchQuery::default() };
            honour_summary(&mut q, true).unwrap();
            assert_eq!(q.summary, Some(mode));
        }
    }
}
