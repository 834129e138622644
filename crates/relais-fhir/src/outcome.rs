//! OperationOutcome: how every FHIR error (and some successes) is told to the client.

use serde_json::{Value, json};

/// The system of the `details` coding that carries Relais's stable error code.
pub const ERROR_CODE_SYSTEM: &str = "urn:relais:error-code";

/// `OperationOutcome.issue.severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Fatal,
    Error,
    Warning,
    Information,
}

impl Severity {
    /// The FHIR code.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Fatal => "fatal",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
        }
    }
}

/// `OperationOutcome.issue.code` (the IssueType value set; the codes Relais uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueType {
    Invalid,
    Structure,
    Required,
    Value,
    Invariant,
    Processing,
    NotSupported,
    Duplicate,
    MultipleMatches,
    NotFound,
    Deleted,
    TooLong,
    Conflict,
    Exception,
    Timeout,
    Informational,
    BusinessRule,
    Forbidden,
    /// No or invalid credentials: the client must authenticate (HTTP 401).
    Login,
}

impl IssueType {
    /// The FHIR code.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueType::Invalid => "invalid",
            IssueType::Structure => "structure",
            IssueType::Required => "required",
            IssueType::Value => "value",
            IssueType::Invariant => "invariant",
            IssueType::Processing => "processing",
            IssueType::NotSupported => "not-supported",
            IssueType::Duplicate => "duplicate",
            IssueType::MultipleMatches => "multiple-matches",
            IssueType::NotFound => "not-found",
            IssueType::Deleted => "deleted",
            IssueType::TooLong => "too-long",
            IssueType::Conflict => "conflict",
            IssueType::Exception => "exception",
            IssueType::Timeout => "timeout",
            IssueType::Informational => "informational",
            IssueType::BusinessRule => "business-rule",
            IssueType::Forbidden => "forbidden",
            IssueType::Login => "login",
        }
    }
}

/// One issue of an OperationOutcome. `diagnostics` never contains values from the resource, so
/// an issue can be logged without leaking personal health information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub severity: Severity,
    pub code: IssueType,
    /// Relais's stable error code (`unknown-element`, `version-conflict`…), documented in docs/api.md.
    pub error_code: &'static str,
    pub diagnostics: String,
    /// FHIRPath of the element at fault, e.g. `Observation.code.coding[0].system`.
    pub expression: Option<String>,
}

impl Issue {
    /// An error issue.
    pub fn error(code: IssueType, error_code: &'static str, diagnostics: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            error_code,
            diagnostics: diagnostics.into(),
            expression: None,
        }
    }

    /// An informational issue.
    pub fn information(error_code: &'static str, diagnostics: impl Into<String>) -> Self {
        Self {
            severity: Severity::Information,
            code: IssueType::Informational,
            error_code,
            diagnostics: diagnostics.into(),
            expression: None,
        }
    }

    /// The same issue, pointing at an element.
    pub fn at(mut self, expression: impl Into<String>) -> Self {
        self.expression = Some(expression.into());
        self
    }

    fn to_json(&self) -> Value {
        let mut issue = json!({
            "severity": self.severity.as_str(),
            "code": self.code.as_str(),
            "details": {"coding": [{"system": ERROR_CODE_SYSTEM, "code": self.error_code}]},
            "diagnostics": self.diagnostics,
        });
        if let (Some(expression), Value::Object(map)) = (&self.expression, &mut issue) {
            map.insert("expression".to_owned(), json!([expression]));
        }
        issue
    }
}

/// An OperationOutcome resource holding `issues` (at least one; an empty list gets an
/// informational "all ok" issue so the resource stays valid).
pub fn operation_outcome(issues: &[Issue]) -> Value {
    let issues: Vec<Value> = if issues.is_empty() {
        vec![Issue::information("ok", "All OK").to_json()]
    } else {
        issues.iter().map(Issue::to_json).collect()
    };
    json!({"resourceType": "OperationOutcome", "issue": issues})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_carries_code_details_and_expression() {
        let oo = operation_outcome(&[Issue::error(
            IssueType::Structure,
            "unknown-element",
            "Unknown element 'colour'",
        )
        .at("Observation.colour")]);
        assert_eq!(oo["resourceType"], "OperationOutcome");
        assert_eq!(oo["issue"][0]["severity"], "error");
        assert_eq!(oo["issue"][0]["code"], "structure");
        assert_eq!(oo["issue"][0]["details"]["coding"][0]["code"], "unknown-element");
        assert_eq!(oo["issue"][0]["expression"][0], "Observation.colour");
    }

    #[test]
    fn empty_outcome_is_still_valid() {
        let oo = operation_outcome(&[]);
        assert_eq!(oo["issue"][0]["severity"], "information");
    }
}
