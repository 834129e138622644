//! The FHIR search conformance suite (issue 3): a fixed set of hand-written resources
//! (`testdata/search/fixtures.json`, then `changes.json`: an update and deletes), and a table
//! of several hundred searches with what each must return (`testdata/search/cases.txt`), run
//! on both engines. Every case runs; the test fails once, listing each failing case.
//!
//! Also here: the table checked against the query parser (no server), and paging while
//! resources are being written (`paging.rs`).

mod paging;
mod run;
mod table;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::Harness;
use run::Placeholders;
use table::Expected;

both_engines!(search_conformance_cases);

fn testdata(name: &str) -> Value {
    let path = relais_testkit::testdata().join("search").join(name);
    serde_json::from_slice(&std::fs::read(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A resource no case searches for; its `meta.lastUpdated` marks a moment of the server clock.
async fn clock_mark(h: &Harness) -> String {
    let basic = json!({"resourceType": "Basic", "code": {"text": "clock mark"}});
    let created = h.create(&basic).await;
    created["meta"]["lastUpdated"].as_str().unwrap().to_owned()
}

async fn post_transaction(h: &Harness, bundle: &Value) {
    let answer = h.post("/fhir", bundle).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
}

/// Loads the fixtures and applies the changes; returns the placeholders of the case table.
pub async fn load_fixtures(h: &Harness) -> Placeholders {
    let before = clock_mark(h).await;
    post_transaction(h, &testdata("fixtures.json")).await;
    post_transaction(h, &testdata("changes.json")).await;
    let after = clock_mark(h).await;
    Placeholders { base: h.server().fhir(), before, after }
}

async fn search_conformance_cases(h: Harness) {
    let values = load_fixtures(&h).await;
    let cases = table::cases();
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(why) = run::run(&h, case, &values).await {
            failures.push(format!("{case}\n      {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} search cases failed ({:?}):\n{}",
        failures.len(),
        cases.len(),
        h.db.engine,
        failures.join("\n")
    );
}

/// Every query of the table is one the parser reads as the table expects: an error where an
/// error is expected (naming the parameter), a query otherwise, with the ignored parameters
/// noted. This catches mistakes in the table without a server.
#[test]
fn the_table_agrees_with_the_parser() {
    use relais_fhir::search::{ParseOptions, SearchParams, parse_query};
    let params =
        SearchParams::shared(relais_fhir::SchemaValidator::shared().unwrap().resource_types()).unwrap();
    let values = Placeholders {
        base: "http://127.0.0.1:9/fhir".into(),
        before: "2026-01-01T00:00:00.000Z".into(),
        after: "2026-01-02T00:00:00.000Z".into(),
    };
    let cases = table::cases();
    assert!(cases.len() >= 300, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let url = reqwest::Url::parse(&format!("{}/{}", values.base, values.fill(&case.query))).unwrap();
        let pairs: Vec<(String, String)> =
            url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let options = ParseOptions { base_url: &values.base, strict: case.strict, max_count: 1000 };
        let parsed = parse_query(&params, case.resource_type(), pairs, &options);
        match (&case.expected, parsed) {
            (Expected::Error { param, .. }, Err(issues)) => {
                let named = issues.iter().any(|i| {
                    i.expression.as_deref() == Some(param.as_str()) || i.diagnostics.contains(param.as_str())
                });
                if !named {
                    failures.push(format!("{case}: the errors do not name {param}: {issues:?}"));
                }
            }
            (Expected::Error { .. }, Ok(query)) => failures.push(format!("{case}: parsed as {query:?}")),
            (_, Err(issues)) => failures.push(format!("{case}: {issues:?}")),
            (Expected::Ignored { param, .. }, Ok(query)) => {
                if !query.ignored.contains(param) {
                    failures.push(format!("{case}: {param} not ignored: {:?}", query.ignored));
                }
            }
            (_, Ok(query)) => {
                if !query.ignored.is_empty() {
                    failures.push(format!("{case}: ignores {:?}", query.ignored));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases disagree with the parser:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
