use std::sync::Arc;

use super::*;
use crate::SchemaValidator;

pub(super) const BASE: &str = "https://relais.example/fhir";

pub(super) fn params() -> Arc<SearchParams> {
    SearchParams::shared(SchemaValidator::shared().unwrap().resource_types()).unwrap()
}

pub(super) fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            (n.to_owned(), v.to_owned())
        })
        .collect()
}

pub(super) fn parse_as(resource_type: &str, query: &str, strict: bool) -> Result<SearchQuery, Vec<Issue>> {
    let options = ParseOptions { base_url: BASE, strict, max_count: 100 };
    parse_query(&params(), resource_type, pairs(query), &options)
}

#[allow(clippy::unwrap_used)]
pub(super) fn ok(resource_type: &str, query: &str) -> SearchQuery {
    parse_as(resource_type, query, true).unwrap_or_else(|e| panic!("{resource_type}?{query}: {e:?}"))
}

pub(super) fn filter(param: &str, modifier: Option<Modifier>, values: Vec<FilterValue>) -> Filter {
    Filter { param: param.to_owned(), chain: None, has: None, modifier, values }
}

pub(super) fn tok(system: TokenSystem, code: Option<&str>) -> FilterValue {
    FilterValue::Token { system, code: code.map(str::to_owned) }
}

pub(super) fn any(code: &str) -> FilterValue {
    tok(TokenSystem::Any, Some(code))
}

pub(super) fn s(text: &str) -> FilterValue {
    FilterValue::String(text.to_owned())
}

pub(super) fn is(system: &str) -> TokenSystem {
    TokenSystem::Is(system.to_owned())
}

pub(super) fn day(date: &str) -> (i64, i64) {
    crate::search::extract::range_of(date).unwrap()
}

pub(super) fn date(prefix: Prefix, text: &str) -> FilterValue {
    let (lo, hi) = day(text);
    FilterValue::Date { prefix, lo, hi }
}

pub(super) fn reference(target_type: Option<&str>, id: &str) -> FilterValue {
    FilterValue::Reference { target_type: target_type.map(str::to_owned), id: id.to_owned() }
}

pub(super) fn quantity(
    prefix: Prefix,
    value: f64,
    (lo, hi): (f64, f64),
    system: Option<&str>,
    code: Option<&str>,
) -> FilterValue {
    FilterValue::Quantity {
        prefix,
        value,
        lo,
        hi,
        system: system.map(str::to_owned),
        code: code.map(str::to_owned),
    }
}

pub(super) fn chained(param: &str, target_type: &str, inner: Filter) -> Filter {
    Filter {
        param: param.to_owned(),
        chain: Some(Chain { target_type: target_type.to_owned(), filter: Box::new(inner) }),
        has: None,
        modifier: None,
        values: Vec::new(),
    }
}

#[test]
fn filters_parse_as_the_spec_says() {
    use FilterValue::*;
    use Prefix as P;
    let cases: Vec<(&str, &str, Vec<Filter>)> = vec![
        // string
        ("Patient", "name=Gagné", vec![filter("name", None, vec![s("gagne")])]),
        ("Patient", "name=  ÉLODIE  Côté ", vec![filter("name", None, vec![s("elodie cote")])]),
        ("Patient", "name:exact=Gagné", vec![filter("name", Some(Modifier::Exact), vec![s("Gagné")])]),
        ("Patient", "name:contains=agn", vec![filter("name", Some(Modifier::Contains), vec![s("agn")])]),
        ("Patient", "family=a\\,b", vec![filter("family", None, vec![s("a,b")])]),
        ("Patient", "family=a,b", vec![filter("family", None, vec![s("a"), s("b")])]),
        ("Patient", "family=a\\\\,b", vec![filter("family", None, vec![s("a\\"), s("b")])]),
        // token
        (
            "Observation",
            "code=http://loinc.org|8867-4",
            vec![filter("code", None, vec![tok(is("http://loinc.org"), Some("8867-4"))])],
        ),
        ("Observation", "code=|x", vec![filter("code", None, vec![tok(TokenSystem::NoSystem, Some("x"))])]),
        (
            "Observation",
            "code=http://loinc.org|",
            vec![filter("code", None, vec![tok(is("http://loinc.org"), None)])],
        ),
        ("Observation", "code=8867-4", vec![filter("code", None, vec![any("8867-4")])]),
        ("Observation", "code=a\\|b", vec![filter("code", None, vec![any("a|b")])]),
        (
            "Observation",
            "status=final,amended",
            vec![filter("status", None, vec![any("final"), any("amended")])],
        ),
        ("Observation", "status:not=final", vec![filter("status", Some(Modifier::Not), vec![any("final")])]),
        (
            "Observation",
            "code:text=Heart Rate",
            vec![filter("code", Some(Modifier::Text), vec![Text("heart rate".into())])],
        ),
        (
            "Observation",
            "code:missing=true",
            vec![filter("code", Some(Modifier::Missing), vec![Missing(true)])],
        ),
        (
            "Patient",
            "birthdate:missing=false",
            vec![filter("birthdate", Some(Modifier::Missing), vec![Missing(false)])],
        ),
        ("Patient", "_id=abc-1", vec![filter("_id", None, vec![any("abc-1")])]),
        // AND
        (
            "Observation",
            "status=final&status:not=amended",
            vec![
                filter("status", None, vec![any("final")]),
                filter("status", Some(Modifier::Not), vec![any("amended")]),
            ],
        ),
        (
            "Observation",
            "date=ge2026&date=lt2027",
            vec![
                filter("date", None, vec![date(P::Ge, "2026")]),
                filter("date", None, vec![date(P::Lt, "2027")]),
            ],
        ),
        // date
        ("Observation", "date=2026-11-25", vec![filter("date", None, vec![date(P::Eq, "2026-11-25")])]),
        ("Observation", "date=eq2026-11", vec![filter("date", None, vec![date(P::Eq, "2026-11")])]),
        (
            "Observation",
            "date=sa2026-11-25T08:00:00Z",
            vec![filter("date", None, vec![date(P::Sa, "2026-11-25T08:00:00Z")])],
        ),
        (
            "Observation",
            "date=ne2026,eb2020,ap2024,gt2001,le2002",
            vec![filter(
                "date",
                None,
                vec![
                    date(P::Ne, "2026"),
                    date(P::Eb, "2020"),
                    date(P::Ap, "2024"),
                    date(P::Gt, "2001"),
                    date(P::Le, "2002"),
                ],
            )],
        ),
        (
            "Patient",
            "_lastUpdated=ge2026-01-01T00:00:00.5+01:00",
            vec![filter("_lastUpdated", None, vec![date(P::Ge, "2026-01-01T00:00:00.5+01:00")])],
        ),
        // quantity
        (
            "Observation",
            "value-quantity=5.4",
            vec![filter("value-quantity", None, vec![quantity(P::Eq, 5.4, (5.35, 5.45), None, None)])],
        ),
        (
            "Observation",
            "value-quantity=gt5.40|http://unitsofmeasure.org|mg",
            vec![filter(
                "value-quantity",
                None,
                vec![quantity(P::Gt, 5.4, (5.395, 5.405), Some("http://unitsofmeasure.org"), Some("mg"))],
            )],
        ),
        (
            "Observation",
            "value-quantity=le100||mg",
            vec![filter(
                "value-quantity",
                None,
                vec![quantity(P::Le, 100.0, (99.5, 100.5), None, Some("mg"))],
            )],
        ),
        // number
        (
            "RiskAssessment",
            "probability=gt0.8",
            vec![filter("probability", None, vec![Number { prefix: P::Gt, value: 0.8, lo: 0.75, hi: 0.85 }])],
        ),
        (
            "RiskAssessment",
            "probability=1e2",
            vec![filter(
                "probability",
                None,
                vec![Number { prefix: P::Eq, value: 100.0, lo: 100.0 - 50.0, hi: 100.0 + 50.0 }],
            )],
        ),
        // reference
        (
            "Observation",
            "subject=Patient/123",
            vec![filter("subject", None, vec![reference(Some("Patient"), "123")])],
        ),
        ("Observation", "subject=123", vec![filter("subject", None, vec![reference(None, "123")])]),
        (
            "Patient",
            "organization=123",
            vec![filter("organization", None, vec![reference(Some("Organization"), "123")])],
        ),
        (
            "Observation",
            "subject:Patient=123",
            vec![filter(
                "subject",
                Some(Modifier::Type("Patient".into())),
                vec![reference(Some("Patient"), "123")],
            )],
        ),
        (
            "Observation",
            "subject=https://relais.example/fhir/Patient/9",
            vec![filter("subject", None, vec![reference(Some("Patient"), "9")])],
        ),
        (
            "Observation",
            "subject=https://other.example/fhir/Patient/9",
            vec![filter("subject", None, vec![ReferenceUrl("https://other.example/fhir/Patient/9".into())])],
        ),
        (
            "Observation",
            "subject=Patient/1/_history/2",
            vec![filter("subject", None, vec![reference(Some("Patient"), "1")])],
        ),
        (
            "Observation",
            "subject:missing=true",
            vec![filter("subject", Some(Modifier::Missing), vec![Missing(true)])],
        ),
        // chains
        (
            "Observation",
            "subject:Patient.name=peter",
            vec![chained("subject", "Patient", filter("name", None, vec![s("peter")]))],
        ),
        (
            "Observation",
            "patient.name:exact=Peter",
            vec![chained("patient", "Patient", filter("name", Some(Modifier::Exact), vec![s("Peter")]))],
        ),
        (
            "Observation",
            "subject.birthdate=2000",
            vec![chained("subject", "Patient", filter("birthdate", None, vec![date(P::Eq, "2000")]))],
        ),
        // uri
        (
            "Questionnaire",
            "url=http://x.org/q|1.0",
            vec![filter("url", None, vec![Uri("http://x.org/q|1.0".into())])],
        ),
        (
            "Questionnaire",
            "url:below=http://x.org/",
            vec![filter("url", Some(Modifier::Below), vec![Uri("http://x.org/".into())])],
        ),
        // composite
        (
            "Observation",
            "component-code-value-quantity=http://loinc.org|8480-6$gt100",
            vec![filter(
                "component-code-value-quantity",
                None,
                vec![Composite(vec![
                    tok(is("http://loinc.org"), Some("8480-6")),
                    quantity(P::Gt, 100.0, (99.5, 100.5), None, None),
                ])],
            )],
        ),
        (
            "Observation",
            "code-value-concept=a$b,c$d",
            vec![filter(
                "code-value-concept",
                None,
                vec![Composite(vec![any("a"), any("b")]), Composite(vec![any("c"), any("d")])],
            )],
        ),
    ];
    let count = cases.len();
    for (resource_type, query, expected) in cases {
        assert_eq!(ok(resource_type, query).filters, expected, "{resource_type}?{query}");
    }
    assert!(count >= 40, "{count} cases");
}

#[test]
fn reverse_chains_name_the_referring_type() {
    let query = ok("Patient", "_has:Observation:patient:code=1234-5");
    let inner = filter("code", None, vec![any("1234-5")]);
    let has = Has {
        resource_type: "Observation".into(),
        reference_param: "patient".into(),
        filter: Box::new(inner),
    };
    assert_eq!(
        query.filters,
        vec![Filter { param: "_has".into(), chain: None, has: Some(has), modifier: None, values: vec![] }]
    );
}
