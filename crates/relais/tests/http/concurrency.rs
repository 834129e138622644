//! Concurrent updates of one resource never lose an update.

use reqwest::StatusCode;
use serde_json::json;

use crate::both_engines;
use crate::support::{Harness, patient};

both_engines!(if_match_race_has_one_winner, blind_updates_are_all_kept);

/// 16 clients holding version 1 all try to write: exactly one wins, the others get 412.
async fn if_match_race_has_one_winner(h: Harness) {
    let created = h.create(&patient("Course", "RACE1")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/fhir/Patient/{id}");
    let attempts = (0..16).map(|i| {
        let mut body = created.clone();
        body["name"][0]["given"] = json!([format!("client-{i}")]);
        let path = path.clone();
        let h = &h;
        async move { h.put_if_match(&path, &body, "W/\"1\"").await }
    });
    let answers = futures::future::join_all(attempts).await;
    let winners: Vec<_> = answers.iter().filter(|a| a.status == StatusCode::OK).collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        answers.iter().map(|a| (a.status, a.text.clone())).collect::<Vec<_>>()
    );
    assert!(
        answers.iter().all(|a| a.status == StatusCode::OK || a.status == StatusCode::PRECONDITION_FAILED)
    );
    let current = h.get(&path).await.json();
    assert_eq!(current["meta"]["versionId"], "2");
    assert_eq!(
        current["name"][0]["given"],
        winners[0].json()["name"][0]["given"],
        "the winner's write is the one kept"
    );
}

/// Updates without If-Match: each one that was acknowledged is a version in the history.
async fn blind_updates_are_all_kept(h: Harness) {
    let created = h.create(&patient("Aveugle", "BLIND1")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/fhir/Patient/{id}");
    let attempts = (0..12).map(|i| {
        let mut body = created.clone();
        body["name"][0]["given"] = json!([format!("writer-{i}")]);
        let path = path.clone();
        let h = &h;
        async move { h.put(&path, &body).await }
    });
    let answers = futures::future::join_all(attempts).await;
    let ok: Vec<String> = answers
        .iter()
        .filter(|a| a.status == StatusCode::OK)
        .map(|a| a.json()["name"][0]["given"][0].as_str().unwrap().to_owned())
        .collect();
    assert!(
        answers.iter().all(|a| a.status == StatusCode::OK || a.status == StatusCode::CONFLICT),
        "only 200 or 409"
    );
    let history = h.get(&format!("{path}/_history?_count=100")).await.json();
    let entries = history["entry"].as_array().unwrap();
    assert_eq!(entries.len(), ok.len() + 1, "every acknowledged update is a version");
    let mut versions: Vec<i64> = entries
        .iter()
        .map(|e| e["resource"]["meta"]["versionId"].as_str().unwrap().parse().unwrap())
        .collect();
    versions.sort_unstable();
    assert_eq!(versions, (1..=versions.len() as i64).collect::<Vec<_>>(), "no gaps, no duplicates");
    let mut written: Vec<String> = entries[..ok.len()]
        .iter()
        .map(|e| e["resource"]["name"][0]["given"][0].as_str().unwrap().to_owned())
        .collect();
    let mut acknowledged = ok.clone();
    written.sort();
    acknowledged.sort();
    assert_eq!(written, acknowledged);
}
