//! Searches restricted to what the person asking may see (`SearchSpec::visible`), both engines:
//! matches, totals, chains, `_has`, `_include` and `_revinclude` all stay inside the patients'
//! records the policy allows, by the official patient compartment.

use std::sync::Arc;

use relais_fhir::search::{ParseOptions, parse_query};
use relais_store::{ResourceStore, SearchPage, Visible};
use serde_json::json;

use crate::search::{heart_rate, params, patient, put};

async fn load(store: &dyn ResourceStore) {
    put(store, patient("p1", "Gagné", "Élodie", None)).await;
    put(store, patient("p2", "Côté", "François", None)).await;
    put(store, heart_rate("o1", "p1", 72.0, "2026-01-10")).await;
    put(store, heart_rate("o2", "p2", 80.0, "2026-01-11")).await;
    // A device's reading that names no patient.
    let mut orphan = heart_rate("o3", "x", 60.0, "2026-01-12");
    orphan.as_object_mut().unwrap().remove("subject");
    put(store, orphan).await;
    // In p1's record through `subject` and in p2's through `performer`.
    let mut shared = heart_rate("o4", "p1", 90.0, "2026-01-13");
    shared["performer"] = json!([{"reference": "Patient/p2"}]);
    put(store, shared).await;
    // An absolute reference names another server's patient: in nobody's record here.
    let mut elsewhere = heart_rate("o5", "p1", 99.0, "2026-01-14");
    elsewhere["subject"] = json!({"reference": "https://elsewhere.example/fhir/Patient/p1"});
    put(store, elsewhere).await;
}

/// Searches `query` on `resource_type` as someone who sees, of each type, what `visible` says.
async fn search_as(
    store: &dyn ResourceStore,
    visible: &(dyn Fn(&str) -> Visible + Send + Sync),
    resource_type: &str,
    query: &str,
) -> SearchPage {
    let params = params();
    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())).unwrap())
        .collect();
    let options = ParseOptions { base_url: "http://relais.test/fhir", strict: true, max_count: 500 };
    let parsed = parse_query(&params, resource_type, pairs, &options).unwrap();
    let spec = relais_store::SearchSpec {
        query: &parsed,
        params: &params,
        count: 100,
        total: true,
        visible: Some(visible),
    };
    store.search(&spec).await.unwrap()
}

fn ids(page: &SearchPage) -> Vec<String> {
    let mut ids: Vec<String> = page.matches.iter().map(|r| r.id.clone()).collect();
    ids.sort();
    ids
}

fn included(page: &SearchPage) -> Vec<String> {
    let mut refs: Vec<String> =
        page.included.iter().map(|r| format!("{}/{}", r.resource_type, r.id)).collect();
    refs.sort();
    refs
}

fn only(patients: &[&str], unattached: bool) -> impl Fn(&str) -> Visible + Send + Sync {
    let ids: Vec<String> = patients.iter().map(|p| (*p).to_owned()).collect();
    move |_: &str| Visible::Patients { ids: ids.clone(), unattached, resources: Vec::new() }
}

pub async fn search_shows_only_the_records_the_person_may_see(store: Arc<dyn ResourceStore>) {
    let s = store.as_ref();
    load(s).await;
    // p1 herself: her record only, the shared reading included, counted as such.
    let p1 = only(&["p1"], false);
    let page = search_as(s, &p1, "Observation", "code=8867-4").await;
    assert_eq!(ids(&page), ["o1", "o4"]);
    assert_eq!(page.total, Some(2));
    assert_eq!(ids(&search_as(s, &p1, "Patient", "").await), ["p1"]);
    assert_eq!(ids(&search_as(s, &p1, "Observation", "subject=Patient/p2").await), Vec::<String>::new());
    // p2 sees the reading they performed, not p1's others.
    assert_eq!(ids(&search_as(s, &only(&["p2"], false), "Observation", "").await), ["o2", "o4"]);
    // A clinician of both with the unattached readings: the device's and the foreign one too.
    let staff = only(&["p1", "p2"], true);
    assert_eq!(ids(&search_as(s, &staff, "Observation", "").await), ["o1", "o2", "o3", "o4", "o5"]);
    // A single resource opened by id (a queue item), whoever's record it is in.
    let item =
        |_: &str| Visible::Patients { ids: Vec::new(), unattached: false, resources: vec!["o2".into()] };
    assert_eq!(ids(&search_as(s, &item, "Observation", "").await), ["o2"]);
    let item_and_p1 = |_: &str| Visible::Patients {
        ids: vec!["p1".into()],
        unattached: false,
        resources: vec!["o2".into()],
    };
    assert_eq!(ids(&search_as(s, &item_and_p1, "Observation", "").await), ["o1", "o2", "o4"]);
    // Nothing, and everything.
    let nothing = |_: &str| Visible::Nothing;
    let page = search_as(s, &nothing, "Observation", "").await;
    assert!(page.matches.is_empty());
    assert_eq!(page.total, Some(0));
    let all = |_: &str| Visible::All;
    assert_eq!(ids(&search_as(s, &all, "Patient", "").await), ["p1", "p2"]);
}

pub async fn includes_chains_and_has_stay_inside_what_may_be_seen(store: Arc<dyn ResourceStore>) {
    let s = store.as_ref();
    load(s).await;
    let p1 = only(&["p1"], false);
    // o4's performer p2 is not included for p1; p1 is.
    let page =
        search_as(s, &p1, "Observation", "_include=Observation:performer&_include=Observation:subject").await;
    assert_eq!(ids(&page), ["o1", "o4"]);
    assert_eq!(included(&page), ["Patient/p1"]);
    // Reverse: p1's Observations, not p2's.
    let page = search_as(s, &p1, "Patient", "_revinclude=Observation:subject").await;
    assert_eq!(ids(&page), ["p1"]);
    assert_eq!(included(&page), ["Observation/o1", "Observation/o4"]);
    // A chain does not find a hidden patient by name (unrestricted, it does).
    let everyone = only(&["p1", "p2"], false);
    assert_eq!(ids(&search_as(s, &everyone, "Observation", "subject:Patient.family=Côté").await), ["o2"]);
    let without_p2 = |t: &str| {
        if t == "Patient" {
            Visible::Patients { ids: vec!["p1".into()], unattached: false, resources: Vec::new() }
        } else {
            Visible::All
        }
    };
    assert!(search_as(s, &without_p2, "Observation", "subject:Patient.family=Côté").await.matches.is_empty());
    // `_has` tests only Observations that may be seen: patients all visible, Observations p1's.
    let observations_of_p1 = |t: &str| {
        if t == "Observation" {
            Visible::Patients { ids: vec!["p1".into()], unattached: false, resources: Vec::new() }
        } else {
            Visible::All
        }
    };
    let page = search_as(s, &observations_of_p1, "Patient", "_has:Observation:subject:code=8867-4").await;
    assert_eq!(ids(&page), ["p1"], "p2's own reading must not reveal itself through _has");
    let page = search_as(s, &|_: &str| Visible::All, "Patient", "_has:Observation:subject:code=8867-4").await;
    assert_eq!(ids(&page), ["p1", "p2"]);
}
