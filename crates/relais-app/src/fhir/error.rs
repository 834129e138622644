//! Why a FHIR use case failed. Each variant has one HTTP status, mapped in relais-web and listed
//! in docs/api.md; the issues never contain resource values, so they can be logged.

use relais_fhir::{Issue, IssueType};
use relais_store::StoreError;

/// A failed FHIR use case.
#[derive(Debug, thiserror::Error)]
pub enum FhirError {
    /// 400: the input is not a well-formed, schema-valid resource or request.
    #[error("invalid request")]
    Invalid(Vec<Issue>),
    /// 404: no such resource type.
    #[error("unknown resource type")]
    UnknownType(String),
    /// 404: no such resource or version — or one in a patient's record the person may not see,
    /// answered alike so that a refusal does not reveal that the record exists.
    #[error("not found")]
    NotFound(String),
    /// 403: the person's roles never allow this (the code says which rule, e.g. `role-forbids`).
    #[error("forbidden")]
    Forbidden(&'static str),
    /// 403: [`FhirError::Forbidden`] for one entry of a Bundle (its index).
    #[error("forbidden")]
    ForbiddenEntry(&'static str, usize),
    /// 410: the resource was deleted.
    #[error("deleted")]
    Gone(String),
    /// 409: a concurrent write changed the resource first.
    #[error("version conflict")]
    Conflict(String),
    /// 412: `If-Match` names a version that is not current, or a conditional create matched
    /// more than one resource.
    #[error("precondition failed")]
    PreconditionFailed(Issue),
    /// 422: well-formed, but against a server rule.
    #[error("unprocessable")]
    Unprocessable(Vec<Issue>),
    /// 500: the store failed. The cause is logged with the request id, never sent.
    #[error("store failure: {0}")]
    Store(StoreError),
    /// 503: the access could not be recorded on the audit trail, so it was not done (fail
    /// closed). The cause is logged by the audit writer.
    #[error("audit trail unavailable")]
    AuditUnavailable,
}

impl From<StoreError> for FhirError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => FhirError::Conflict(
                "The resource was changed by another request; read it again and retry".into(),
            ),
            StoreError::BadCursor => FhirError::Invalid(vec![
                Issue::error(
                    IssueType::Invalid,
                    "invalid-cursor",
                    "The paging cursor is not valid for this search; start again from the first page",
                )
                .at("_cursor"),
            ]),
            other => FhirError::Store(other),
        }
    }
}

impl From<Issue> for FhirError {
    fn from(issue: Issue) -> Self {
        FhirError::Invalid(vec![issue])
    }
}

impl FhirError {
    /// The OperationOutcome issues that describe this error to the client.
    pub fn issues(&self) -> Vec<Issue> {
        match self {
            FhirError::Invalid(issues) | FhirError::Unprocessable(issues) => issues.clone(),
            FhirError::UnknownType(t) => vec![Issue::error(
                IssueType::NotSupported,
                "unknown-resource-type",
                format!("'{t}' is not a FHIR R4 resource type"),
            )],
            FhirError::NotFound(what) => {
                vec![Issue::error(IssueType::NotFound, "not-found", format!("{what} does not exist"))]
            }
            FhirError::Gone(what) => {
                vec![Issue::error(IssueType::Deleted, "deleted", format!("{what} has been deleted"))]
            }
            FhirError::Forbidden(code) => vec![forbidden(code)],
            FhirError::ForbiddenEntry(code, index) => {
                let mut issue = forbidden(code);
                issue.diagnostics = format!("Bundle.entry[{index}]: {}", issue.diagnostics);
                issue.expression = Some(format!("Bundle.entry[{index}]"));
                vec![issue]
            }
            FhirError::Conflict(why) => {
                vec![Issue::error(IssueType::Conflict, "version-conflict", why.clone())]
            }
            FhirError::PreconditionFailed(issue) => vec![issue.clone()],
            FhirError::Store(_) => vec![Issue::error(
                IssueType::Exception,
                "internal-error",
                "The server could not complete the request; nothing was changed. Quote the X-Request-Id header when reporting it",
            )],
            FhirError::AuditUnavailable => vec![Issue::error(
                IssueType::Exception,
                "audit-unavailable",
                "The access could not be recorded on the audit trail, so it was not done; try again later",
            )],
        }
    }

    /// The same error with every issue's expression placed under a Bundle entry.
    pub(crate) fn in_entry(self, index: usize) -> FhirError {
        let prefix = |issues: Vec<Issue>| -> Vec<Issue> {
            issues
                .into_iter()
                .map(|mut i| {
                    let at = format!("Bundle.entry[{index}]");
                    i.diagnostics = format!("{at}: {}", i.diagnostics);
                    if i.expression.is_none() {
                        i.expression = Some(at);
                    }
                    i
                })
                .collect()
        };
        match self {
            FhirError::Invalid(issues) => FhirError::Invalid(prefix(issues)),
            FhirError::Unprocessable(issues) => FhirError::Unprocessable(prefix(issues)),
            FhirError::PreconditionFailed(mut issue) => {
                issue.diagnostics = format!("Bundle.entry[{index}]: {}", issue.diagnostics);
                FhirError::PreconditionFailed(issue)
            }
            FhirError::NotFound(what) => FhirError::NotFound(format!("Bundle.entry[{index}]: {what}")),
            FhirError::Gone(what) => FhirError::Gone(format!("Bundle.entry[{index}]: {what}")),
            FhirError::Conflict(why) => FhirError::Conflict(format!("Bundle.entry[{index}]: {why}")),
            FhirError::Forbidden(code) => FhirError::ForbiddenEntry(code, index),
            other => other,
        }
    }
}

impl FhirError {
    /// The HTTP status the FHIR specification gives this error; also used for the status of a
    /// failed Bundle entry.
    pub fn status(&self) -> u16 {
        match self {
            FhirError::Invalid(_) => 400,
            FhirError::Forbidden(_) | FhirError::ForbiddenEntry(..) => 403,
            FhirError::UnknownType(_) | FhirError::NotFound(_) => 404,
            FhirError::Gone(_) => 410,
            FhirError::Conflict(_) => 409,
            FhirError::PreconditionFailed(_) => 412,
            FhirError::Unprocessable(_) => 422,
            FhirError::Store(_) => 500,
            FhirError::AuditUnavailable => 503,
        }
    }
}

/// The issue of a refusal. The words never name the patient or the resource: the code says which
/// rule refused.
fn forbidden(code: &'static str) -> Issue {
    let why = match code {
        "not-entitled" => "You may not change this patient's record",
        "insufficient-scope" => {
            "The access token's scopes do not include this; request a token with the scope it needs"
        }
        _ => "Your role does not allow this; ask an administrator if you need it",
    };
    Issue::error(IssueType::Forbidden, code, why)
}

/// `"404 Not Found"`: a status line as Bundle entries carry it.
pub(crate) fn status_line(status: u16) -> String {
    let reason = match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        410 => "Gone",
        412 => "Precondition Failed",
        422 => "Unprocessable Entity",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };
    format!("{status} {reason}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_its_documented_status_and_a_stable_code() {
        let issue = || Issue::error(IssueType::Invalid, "x", "x");
        let cases = [
            (FhirError::Invalid(vec![issue()]), 400, "x"),
            (FhirError::UnknownType("UserSession".into()), 404, "unknown-resource-type"),
            (FhirError::NotFound("Patient/1".into()), 404, "not-found"),
            (FhirError::Gone("Patient/1".into()), 410, "deleted"),
            (FhirError::Forbidden("role-forbids"), 403, "role-forbids"),
            (FhirError::from(StoreError::Conflict), 409, "version-conflict"),
            (FhirError::PreconditionFailed(issue()), 412, "x"),
            (FhirError::Unprocessable(vec![issue()]), 422, "x"),
            (FhirError::from(StoreError::Closed), 500, "internal-error"),
            (FhirError::AuditUnavailable, 503, "audit-unavailable"),
        ];
        for (error, status, code) in cases {
            assert_eq!(error.status(), status, "{error:?}");
            assert_eq!(error.issues()[0].error_code, code, "{error:?}");
        }
    }

    #[test]
    fn entry_errors_name_their_entry() {
        let e = FhirError::PreconditionFailed(Issue::error(IssueType::Conflict, "version-mismatch", "stale"))
            .in_entry(3);
        assert_eq!(e.issues()[0].diagnostics, "Bundle.entry[3]: stale");
        let e = FhirError::Invalid(vec![Issue::error(IssueType::Invalid, "x", "bad")]).in_entry(1);
        assert_eq!(e.issues()[0].expression.as_deref(), Some("Bundle.entry[1]"));
        assert_eq!(status_line(e.status()), "400 Bad Request");
        let e = FhirError::Forbidden("not-entitled").in_entry(2);
        assert_eq!(e.status(), 403);
        let issue = &e.issues()[0];
        assert_eq!(
            (issue.error_code, issue.expression.as_deref()),
            ("not-entitled", Some("Bundle.entry[2]"))
        );
    }
}
