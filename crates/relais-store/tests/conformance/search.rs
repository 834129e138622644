//! Search on the store itself, both engines: a few resources written with the index entries
//! the use-case layer would extract, then searches parsed from URL parameters. The HTTP suite
//! (crates/relais/tests/http/search) covers the parameter semantics case by case; these cases
//! pin what the planner owns: aliases, composites, chains, `_has`, sorting with missing values,
//! keyset paging in both directions, totals and includes.

use std::sync::Arc;

use relais_fhir::SchemaValidator;
use relais_fhir::search::{ParseOptions, SearchParams, extract, parse_query};
use relais_store::{Method, NewVersion, ResourceStore, SearchPage, SearchSpec, StoreError};
use serde_json::{Value, json};

use crate::support::at;

pub fn params() -> Arc<SearchParams> {
    SearchParams::shared(SchemaValidator::shared().unwrap().resource_types()).unwrap()
}

pub async fn put(store: &dyn ResourceStore, resource: Value) {
    let params = params();
    let entries = extract(&params, &resource);
    let text = resource.to_string();
    let version = NewVersion {
        resource_type: resource["resourceType"].as_str().unwrap(),
        id: resource["id"].as_str().unwrap(),
        version: 1,
        previous: None,
        last_updated: at(0),
        method: Method::Put,
        content: Some(&text),
        index: &entries,
    };
    store.create(&version).await.unwrap();
}

async fn search(
    store: &dyn ResourceStore,
    resource_type: &str,
    query: &str,
    count: u32,
) -> Result<SearchPage, StoreError> {
    let params = params();
    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect();
    let options = ParseOptions { base_url: "http://relais.test/fhir", strict: true, max_count: 500 };
    let parsed =
        parse_query(&params, resource_type, pairs, &options).unwrap_or_else(|e| panic!("{query}: {e:?}"));
    store.search(&SearchSpec { query: &parsed, params: &params, count, total: true, visible: None }).await
}

async fn ids(store: &dyn ResourceStore, resource_type: &str, query: &str) -> Vec<String> {
    let page = search(store, resource_type, query, 100).await.unwrap();
    page.matches.into_iter().map(|r| r.id).collect()
}

pub fn patient(id: &str, family: &str, given: &str, birth: Option<&str>) -> Value {
    let mut p = json!({"resourceType": "Patient", "id": id, "name": [{"family": family, "given": [given]}]});
    if let Some(b) = birth {
        p["birthDate"] = json!(b);
    }
    p
}

pub fn heart_rate(id: &str, patient: &str, value: f64, when: &str) -> Value {
    json!({"resourceType": "Observation", "id": id, "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "system": "http://unitsofmeasure.org", "code": "/min"}})
}

fn blood_pressure(id: &str, patient: &str, systolic: f64, diastolic: f64) -> Value {
    let component = |code: &str, value: f64| {
        json!({"code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "valueQuantity": {"value": value, "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}})
    };
    json!({"resourceType": "Observation", "id": id, "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": "2026-03-01",
        "component": [component("8480-6", systolic), component("8462-4", diastolic)]})
}

async fn load(store: &dyn ResourceStore) {
    put(store, patient("p1", "Gagné", "Élodie", Some("1950-04-02"))).await;
    put(store, patient("p2", "Côté", "François", None)).await;
    put(store, patient("p3", "Gagnon", "Marc", Some("1988"))).await;
    put(store, heart_rate("o1", "p1", 72.0, "2026-01-10T08:00:00Z")).await;
    put(store, heart_rate("o2", "p1", 110.0, "2026-02-10T08:00:00Z")).await;
    put(store, heart_rate("o3", "p2", 55.0, "2026-02-11")).await;
    put(store, blood_pressure("bp1", "p1", 150.0, 90.0)).await;
    put(store, blood_pressure("bp2", "p2", 120.0, 150.0)).await;
    put(
        store,
        json!({"resourceType": "Provenance", "id": "prov1", "recorded": "2026-01-10T08:00:00Z",
        "target": [{"reference": "Observation/o1"}], "agent": [{"who": {"reference": "Patient/p1"}}]}),
    )
    .await;
}

pub async fn search_answers_aliases_composites_chains_and_has(store: Arc<dyn ResourceStore>) {
    let s = store.as_ref();
    load(s).await;
    assert_eq!(ids(s, "Patient", "name=gagn&_sort=_id").await, ["p1", "p3"], "accent-insensitive prefix");
    assert_eq!(ids(s, "Patient", "name:exact=Gagné").await, ["p1"]);
    assert!(ids(s, "Patient", "name:exact=gagne").await.is_empty(), ":exact is case- and accent-sensitive");
    assert_eq!(ids(s, "Patient", "family:contains=agn&_sort=_id").await, ["p1", "p3"]);
    assert_eq!(
        ids(s, "Observation", "patient=p1&code=8867-4&_sort=date").await,
        ["o1", "o2"],
        "patient is subject"
    );
    assert_eq!(ids(s, "Observation", "subject=Patient/p2&_sort=_id").await, ["bp2", "o3"]);
    assert_eq!(ids(s, "Observation", "combo-code=8480-6").await.len(), 2, "component codes");
    assert_eq!(
        ids(s, "Observation", "component-code-value-quantity=http://loinc.org|8480-6$gt140").await,
        ["bp1"],
        "the systolic of bp2 is 120; its diastolic of 150 must not pair with the systolic code"
    );
    assert_eq!(ids(s, "Observation", "component-value-quantity=gt140&_sort=_id").await, ["bp1", "bp2"]);
    assert_eq!(ids(s, "Observation", "code-value-quantity=8867-4$gt100").await, ["o2"]);
    assert_eq!(ids(s, "Observation", "value-quantity=72").await, ["o1"]);
    assert_eq!(ids(s, "Observation", "subject:Patient.name=cote&_sort=_id").await, ["bp2", "o3"], "chain");
    assert_eq!(ids(s, "Patient", "_has:Observation:patient:code=85354-9&_sort=_id").await, ["p1", "p2"]);
    assert_eq!(ids(s, "Observation", "date=ge2026-02&code=8867-4&_sort=_id").await, ["o2", "o3"]);
    assert_eq!(ids(s, "Observation", "code:not=8867-4&_sort=_id").await, ["bp1", "bp2"]);
    assert_eq!(ids(s, "Patient", "birthdate:missing=true").await, ["p2"]);
    assert_eq!(ids(s, "Patient", "_id=p2,p3&_sort=-_id").await, ["p3", "p2"]);
}

pub async fn search_sorts_missing_values_last_and_pages_both_ways(store: Arc<dyn ResourceStore>) {
    let s = store.as_ref();
    load(s).await;
    assert_eq!(ids(s, "Patient", "_sort=birthdate").await, ["p1", "p3", "p2"]);
    assert_eq!(ids(s, "Patient", "_sort=-birthdate").await, ["p3", "p1", "p2"], "missing last both ways");

    let all = ids(s, "Observation", "_sort=-date,_id").await;
    assert_eq!(all.len(), 5);
    let mut forward = Vec::new();
    let mut query = "_sort=-date,_id".to_owned();
    let mut pages = Vec::new();
    loop {
        let page = search(s, "Observation", &query, 2).await.unwrap();
        forward.extend(page.matches.iter().map(|r| r.id.clone()));
        pages.push(query.clone());
        match page.next {
            Some(next) => query = format!("_sort=-date,_id&_cursor={next}"),
            None => break,
        }
    }
    assert_eq!(forward, all, "next links walk every match once, in order");
    assert_eq!(pages.len(), 3);

    let last = search(s, "Observation", pages.last().unwrap(), 2).await.unwrap();
    let previous = last.previous.expect("the last page has a previous page");
    let back = search(s, "Observation", &format!("_sort=-date,_id&_cursor={previous}"), 2).await.unwrap();
    assert_eq!(back.matches.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), &all[2..4]);

    let page = search(s, "Observation", "_sort=_id", 2).await.unwrap();
    assert_eq!(page.total, Some(5), "total across pages");
    assert!(page.previous.is_none());
    let foreign = search(s, "Patient", &format!("_sort=_id&_cursor={}", page.next.unwrap()), 2).await;
    assert!(matches!(foreign, Err(StoreError::BadCursor)), "another query's cursor is refused");
}

pub async fn search_includes_and_revincludes_once(store: Arc<dyn ResourceStore>) {
    let s = store.as_ref();
    load(s).await;
    let page = search(
        s,
        "Observation",
        "code=8867-4&_include=Observation:subject&_revinclude=Provenance:target",
        100,
    )
    .await
    .unwrap();
    let mut included: Vec<String> =
        page.included.iter().map(|r| format!("{}/{}", r.resource_type, r.id)).collect();
    included.sort();
    assert_eq!(included, ["Patient/p1", "Patient/p2", "Provenance/prov1"]);
    let iterate =
        search(s, "Provenance", "_include=Provenance:target&_include:iterate=Observation:subject", 100)
            .await
            .unwrap();
    let mut included: Vec<String> =
        iterate.included.iter().map(|r| format!("{}/{}", r.resource_type, r.id)).collect();
    included.sort();
    assert_eq!(included, ["Observation/o1", "Patient/p1"]);
}
