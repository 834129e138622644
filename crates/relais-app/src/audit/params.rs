//! The search parameters of `GET /fhir/AuditEvent`, read into the store's `AuditQuery`:
//! `patient`, `agent` (the actor, or whom they acted for), `action` (C, R, U, D, E),
//! `outcome` (0, 4, 8), `date` (eq, ge, gt, le, lt on `recorded`, at any precision), `_count`,
//! and `_cursor` (the paging position, a record number). Pure: no IO.

use relais_access::audit::{Outcome, action};
use relais_fhir::search::extract::date_range;
use relais_fhir::{Issue, IssueType};
use relais_store::AuditQuery;
use serde_json::Value;

use super::event::action_code;

/// Records per page when `_count` is not given.
pub const DEFAULT_COUNT: u32 = 50;
/// Most records per page, whatever `_count` asks.
pub const MAX_COUNT: u32 = 500;

/// Every action code Relais records, to map AuditEvent's C/R/U/D/E onto.
pub const KNOWN_ACTIONS: [&str; 30] = [
    action::READ,
    action::VREAD,
    action::HISTORY,
    action::SEARCH,
    action::CREATE,
    action::UPDATE,
    action::DELETE,
    action::EXPORT,
    action::SIGN_IN,
    action::SIGN_IN_FAILED,
    action::SIGN_OUT,
    action::SIGN_OUT_EVERYWHERE,
    action::LOCK_OUT,
    action::PASSWORD_RESET_REQUEST,
    action::PASSWORD_RESET,
    action::TOTP_ENROL,
    action::INVITATION_USE,
    action::BREAK_GLASS,
    action::BREAK_GLASS_REVIEW_LIST,
    action::BREAK_GLASS_REVIEW,
    action::ACCOUNT_CREATE,
    action::ACCOUNT_LIST,
    action::ACCOUNT_DISABLE,
    action::ACCOUNT_ENABLE,
    action::ACCOUNT_RESET_SECOND_FACTOR,
    action::ACCOUNT_SET_ROLES,
    action::ACCOUNT_SET_LOCALE,
    action::CLIENT_DISABLE,
    action::DEVICE_TOKEN_ISSUE,
    action::DEVICE_TOKEN_REVOKE,
];

/// A parsed AuditEvent search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSearch {
    /// What to ask the store; `limit` is one more than the page, to know if there is a next.
    pub query: AuditQuery,
    /// The page size.
    pub count: u32,
    /// Parameters ignored (lenient handling), by name.
    pub ignored: Vec<String>,
    /// No record can match (contradictory criteria): answer an empty page without asking.
    pub impossible: bool,
}

fn bad(name: &str, why: &str) -> Issue {
    Issue::error(IssueType::Invalid, "invalid-parameter", format!("Parameter '{name}': {why}")).at(name)
}

/// Reads `pairs`; `strict` refuses parameters it does not know instead of ignoring them.
///
/// # Errors
/// Every malformed or (when strict) unknown parameter, as issues.
pub fn parse(pairs: &[(String, String)], strict: bool) -> Result<AuditSearch, Vec<Issue>> {
    let mut query = AuditQuery::default();
    let mut count = DEFAULT_COUNT;
    let mut ignored = Vec::new();
    let mut issues = Vec::new();
    let mut impossible = false;
    for (name, value) in pairs {
        match name.as_str() {
            "patient" => {
                let id = value.strip_prefix("Patient/").unwrap_or(value).to_owned();
                impossible |= one(&mut query.patient, name, id, &mut issues);
            }
            "agent" => impossible |= one(&mut query.agent, name, value.clone(), &mut issues),
            "action" => {
                let mut codes = Vec::new();
                for code in value.split(',') {
                    if !["C", "R", "U", "D", "E"].contains(&code) {
                        issues.push(bad(name, "must be C, R, U, D or E"));
                    }
                    codes.extend(KNOWN_ACTIONS.iter().filter(|a| action_code(a) == code).map(|a| (*a).to_owned()));
                }
                if query.actions.is_empty() {
                    query.actions = codes;
                } else {
                    query.actions.retain(|a| codes.contains(a));
                    impossible |= query.actions.is_empty();
                }
            }
            "outcome" => {
                let outcome = match value.as_str() {
                    "0" => Outcome::Success,
                    "4" => Outcome::Denied,
                    "8" => Outcome::Failed,
                    _ => {
                        issues.push(bad(name, "must be 0 (success), 4 (refused) or 8 (failed)"));
                        continue;
                    }
                };
                impossible |= query.outcome.is_some_and(|o| o != outcome);
                query.outcome = Some(outcome);
            }
            "date" => match date_bounds(value) {
                Some((from, to)) => {
                    query.recorded_from = max_opt(query.recorded_from, from);
                    query.recorded_to = min_opt(query.recorded_to, to);
                }
                None => issues.push(bad(name, "must be a date with an optional eq, ge, gt, le or lt prefix")),
            },
            "_count" => match value.parse::<u32>() {
                Ok(n) => count = n.min(MAX_COUNT),
                Err(_) => issues.push(bad(name, "must be a whole number of entries")),
            },
            "_cursor" => match value.parse::<u64>() {
                Ok(seq) => query.before_seq = Some(seq),
                Err(_) => issues.push(bad(name, "is not a valid page cursor")),
            },
            "_format" | "_pretty" | "_total" => {}
            other if strict => issues.push(
                Issue::error(
                    IssueType::NotSupported,
                    "unsupported-parameter",
                    format!(
                        "AuditEvent search parameter '{other}' is not supported (use patient, agent, action, outcome, date, _count)"
                    ),
                )
                .at(other),
            ),
            other => ignored.push(other.to_owned()),
        }
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    if let (Some(from), Some(to)) = (query.recorded_from, query.recorded_to) {
        impossible |= from > to;
    }
    query.limit = count.saturating_add(1);
    Ok(AuditSearch { query, count, ignored, impossible })
}

/// Sets a single-valued criterion; a second, different value makes the search match nothing
/// (the answer: `true`).
fn one(slot: &mut Option<String>, name: &str, value: String, issues: &mut Vec<Issue>) -> bool {
    match slot {
        Some(old) => *old != value,
        None if value.is_empty() => {
            issues.push(bad(name, "needs a value"));
            false
        }
        None => {
            *slot = Some(value);
            false
        }
    }
}

/// `(from, to)` bounds on `recorded` (microseconds, both inclusive) of one `date` value.
fn date_bounds(value: &str) -> Option<(Option<i64>, Option<i64>)> {
    let (prefix, date) = match value.get(..2) {
        Some(p @ ("eq" | "ge" | "gt" | "le" | "lt")) => (p, &value[2..]),
        _ => ("eq", value),
    };
    let (lo, hi) = date_range(&Value::String(date.to_owned()))?;
    Some(match prefix {
        "ge" => (Some(lo), None),
        "gt" => (Some(hi.saturating_add(1)), None),
        "le" => (None, Some(hi)),
        "lt" => (None, Some(lo.saturating_sub(1))),
        _ => (Some(lo), Some(hi)),
    })
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    a.max(b)
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn micros(instant: &str) -> i64 {
        instant.parse::<jiff::Timestamp>().map(|t| t.as_microsecond()).unwrap_or_default()
    }

    #[test]
    fn every_parameter_reads_into_the_query() {
        let s = parse(
            &pairs(&[
                ("patient", "Patient/alice"),
                ("agent", "nurse-1"),
                ("action", "R"),
                ("outcome", "4"),
                ("date", "ge2026-11-01"),
                ("date", "lt2026-11-26T10:00:00Z"),
                ("_count", "2000"),
                ("_cursor", "77"),
            ]),
            true,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let q = &s.query;
        assert_eq!((q.patient.as_deref(), q.agent.as_deref()), (Some("alice"), Some("nurse-1")));
        assert_eq!(
            q.actions,
            ["read", "vread", "history", "export", "break-glass-review-list", "account-list"]
        );
        assert_eq!(q.outcome, Some(Outcome::Denied));
        assert_eq!(q.recorded_from, Some(micros("2026-11-01T00:00:00Z")));
        assert_eq!(q.recorded_to, Some(micros("2026-11-26T10:00:00Z") - 1));
        assert_eq!((s.count, q.limit, q.before_seq), (MAX_COUNT, MAX_COUNT + 1, Some(77)));
        assert!(!s.impossible);
    }

    #[test]
    fn a_bare_date_covers_its_precision_and_gt_le_use_its_end() {
        let q = parse(&pairs(&[("date", "2026-11-25")]), true).unwrap_or_else(|e| panic!("{e:?}")).query;
        assert_eq!(q.recorded_from, Some(micros("2026-11-25T00:00:00Z")));
        assert_eq!(q.recorded_to, Some(micros("2026-11-26T00:00:00Z") - 1));
        let q = parse(&pairs(&[("date", "gt2026-11")]), true).unwrap_or_else(|e| panic!("{e:?}")).query;
        assert_eq!(q.recorded_from, Some(micros("2026-12-01T00:00:00Z")));
        let q = parse(&pairs(&[("date", "le2026")]), true).unwrap_or_else(|e| panic!("{e:?}")).query;
        assert_eq!(q.recorded_to, Some(micros("2027-01-01T00:00:00Z") - 1));
    }

    #[test]
    fn malformed_and_unknown_parameters_are_refused_or_ignored() {
        for bad in
            [("date", "sa2026"), ("date", "yesterday"), ("outcome", "1"), ("action", "X"), ("_count", "-1")]
        {
            let issues = parse(&pairs(&[bad]), false).expect_err(bad.0);
            assert_eq!(issues[0].expression.as_deref(), Some(bad.0));
        }
        assert!(parse(&pairs(&[("entity", "Patient/1")]), true).is_err(), "strict refuses unknown");
        let lenient = parse(&pairs(&[("entity", "Patient/1")]), false).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(lenient.ignored, ["entity"]);
    }

    #[test]
    fn contradictions_match_nothing() {
        for list in [
            &[("patient", "a"), ("patient", "b")][..],
            &[("outcome", "0"), ("outcome", "4")],
            &[("action", "C"), ("action", "R")],
            &[("date", "ge2026-12-01"), ("date", "le2026-11-01")],
        ] {
            assert!(parse(&pairs(list), true).unwrap_or_else(|e| panic!("{e:?}")).impossible, "{list:?}");
        }
    }
}
