//! Errors, diagnostics and result parameters of the search parser.

use super::tests::*;
use super::*;

#[test]
fn malformed_values_are_errors_naming_the_parameter_not_the_value() {
    let cases: &[(&str, &str, &str, &str)] = &[
        ("Observation", "date=2026-13", "invalid-parameter-value", "date"),
        ("Observation", "date=xx2026", "invalid-parameter-value", "date"),
        ("Observation", "date=", "invalid-parameter-value", "date"),
        ("Observation", "date=2026,", "invalid-parameter-value", "date"),
        ("Observation", "value-quantity=abc", "invalid-parameter-value", "value-quantity"),
        ("Observation", "value-quantity=NaN", "invalid-parameter-value", "value-quantity"),
        ("Observation", "value-quantity=1|x", "invalid-parameter-value", "value-quantity"),
        ("RiskAssessment", "probability=inf", "invalid-parameter-value", "probability"),
        ("RiskAssessment", "probability=1.", "invalid-parameter-value", "probability"),
        ("RiskAssessment", "probability=ge", "invalid-parameter-value", "probability"),
        ("Observation", "code=a|b|c", "invalid-parameter-value", "code"),
        ("Observation", "code=|", "invalid-parameter-value", "code"),
        ("Observation", "code:missing=maybe", "invalid-parameter-value", "code:missing"),
        ("Observation", "subject=Patient/bad id", "invalid-parameter-value", "subject"),
        ("Observation", "subject=Medication/1", "invalid-parameter-value", "subject"),
        ("Observation", "subject:Patient=Group/1", "invalid-parameter-value", "subject:Patient"),
        (
            "Observation",
            "component-code-value-quantity=a",
            "invalid-parameter-value",
            "component-code-value-quantity",
        ),
        ("Observation", "subject.name=x", "invalid-parameter-value", "subject.name"),
        ("Patient", "name=   ", "invalid-parameter-value", "name"),
        ("Patient", "_count=abc", "invalid-parameter-value", "_count"),
        ("Patient", "_count=-1", "invalid-parameter-value", "_count"),
        ("Patient", "_sort=nonsense", "invalid-parameter-value", "_sort"),
        ("Patient", "_total=some", "invalid-parameter-value", "_total"),
        ("Patient", "_summary=all", "invalid-parameter-value", "_summary"),
        ("Patient", "_include=Observation:subject", "invalid-parameter-value", "_include"),
        ("Patient", "_include=Patient:name", "invalid-parameter-value", "_include"),
        ("Patient", "_revinclude=Observation:performer:Medication", "invalid-parameter-value", "_revinclude"),
        ("Patient", "_elements=a b", "invalid-parameter-value", "_elements"),
        ("Patient", "name:exactly=x", "unsupported-modifier", "name:exactly"),
        ("Observation", "code:below=x", "unsupported-modifier", "code:below"),
        ("Observation", "date:exact=2026", "unsupported-modifier", "date:exact"),
        ("Observation", "subject:Medication=1", "unsupported-modifier", "subject:Medication"),
        ("Patient", "_count:x=1", "unsupported-modifier", "_count:x"),
        (
            "Observation",
            "subject:Patient.organization.name=x",
            "unsupported-chain",
            "subject:Patient.organization.name",
        ),
        ("Observation", "code.name=x", "unsupported-chain", "code.name"),
        ("Patient", "nonsense=1", "unknown-parameter", "nonsense"),
        ("Observation", "patient.nonsense=1", "unknown-parameter", "patient.nonsense"),
    ];
    for (resource_type, query, code, expression) in cases {
        let issues = parse_as(resource_type, query, true).expect_err(query);
        assert_eq!(issues.len(), 1, "{query}: {issues:?}");
        assert_eq!(issues[0].error_code, *code, "{query}");
        assert_eq!(issues[0].expression.as_deref(), Some(*expression), "{query}");
        let name = expression.split([':', '.']).next().unwrap();
        assert!(issues[0].diagnostics.contains(name), "{query}: {}", issues[0].diagnostics);
    }
}

#[test]
fn diagnostics_never_quote_the_value() {
    let issues = parse_as("Patient", "birthdate=Gagné-secret&_count=Gagné-secret", true).unwrap_err();
    assert_eq!(issues.len(), 2, "every error is collected");
    assert!(issues.iter().all(|i| !i.diagnostics.contains("secret")));
}

#[test]
fn unknown_parameters_are_refused_when_strict_and_noted_when_lenient() {
    let lenient = parse_as("Patient", "nonsense=1&name=x&_text=y&_format=json&_pretty=true", false).unwrap();
    assert_eq!(lenient.ignored, vec!["nonsense".to_owned(), "_text".to_owned()]);
    assert_eq!(lenient.filters.len(), 1);
    let strict = parse_as("Patient", "nonsense=1&_text=y", true).unwrap_err();
    assert_eq!(
        strict.iter().map(|i| i.error_code).collect::<Vec<_>>(),
        ["unknown-parameter", "unknown-parameter"]
    );
    // A malformed value is an error even when lenient.
    assert!(parse_as("Patient", "birthdate=soon", false).is_err());
}

#[test]
fn result_parameters() {
    let q = ok(
        "Observation",
        "_count=500&_sort=-date,status&_total=accurate&_summary=count&_elements=id,status&_cursor=opaque-1\
         &_include=Observation:subject:Patient&_include:iterate=Patient:general-practitioner\
         &_revinclude=Provenance:target",
    );
    assert_eq!(q.count, Some(100), "clamped to the server maximum");
    let key = |p: &str, d| SortKey { param: p.into(), descending: d };
    assert_eq!(q.sort, vec![key("date", true), key("status", false)]);
    assert_eq!(q.total, Some(TotalMode::Accurate));
    assert_eq!(q.summary, Some(Summary::Count));
    assert_eq!(q.elements, ["id", "status"]);
    assert_eq!(q.cursor.as_deref(), Some("opaque-1"));
    let include = |s: &str, p: &str, t: Option<&str>, iterate| Include {
        source_type: s.into(),
        param: p.into(),
        target_type: t.map(Into::into),
        iterate,
    };
    assert_eq!(
        q.includes,
        vec![
            include("Observation", "subject", Some("Patient"), false),
            include("Patient", "general-practitioner", None, true)
        ]
    );
    assert_eq!(q.revincludes, vec![include("Provenance", "target", None, false)]);
    assert!(q.filters.is_empty());
    assert_eq!(ok("Patient", "_count=0").count, Some(0));
    assert_eq!(ok("Patient", "_sort=_lastUpdated,-_id").sort.len(), 2);
    assert_eq!(ok("Patient", "").count, None);
}

#[test]
fn number_precision_bounds_are_the_doubles_of_the_exact_decimals() {
    let bounds = |text: &str| {
        let (_, lo, hi) = values::decimal(text).unwrap();
        (lo, hi)
    };
    assert_eq!(bounds("0.4"), (0.35, 0.45), "a stored 0.35 is inside 0.4's range");
    assert_eq!(bounds("100"), (99.5, 100.5));
    assert_eq!(bounds("1.50"), (1.495, 1.505));
    assert_eq!(bounds("-0.3"), (-0.35, -0.25));
    assert_eq!(bounds("1e2"), (50.0, 150.0), "one significant digit");
    assert_eq!(bounds("72.0"), (71.95, 72.05));
}
