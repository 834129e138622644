//! `ResourceStore::create`: a new resource in a transaction of its own. SQLite commits concurrent
//! creates together (group commit); the outcome must be the same as one by one.

use std::sync::Arc;

use relais_store::{Method, ResourceStore, StoreError};

use crate::support::{assert_row, at, body, expected_row, marker, new_version, token};

/// Many concurrent creates, one of them a duplicate id: every other one is stored exactly, the
/// duplicate alone fails with a conflict, and tokens are indexed.
pub async fn concurrent_creates_are_each_stored_once(store: Arc<dyn ResourceStore>) {
    let existing = body("Observation", "obs-dup", 1, "first");
    store
        .create(&new_version("Observation", "obs-dup", 1, at(0), Method::Post, Some(&existing), &[]))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let id = if i == 17 { "obs-dup".to_owned() } else { format!("obs-{i}") };
                let content = body("Observation", &id, 1, &format!("create {i}"));
                let tokens = [token("identifier", Some("urn:device"), &format!("msg-{i}"))];
                let version =
                    new_version("Observation", &id, 1, at(i), Method::Post, Some(&content), &tokens);
                let result = store.create(&version).await.map(|seq| expected_row(&version, seq));
                (i, id, result)
            })
        })
        .collect();
    for task in tasks {
        let (i, id, result) = task.await.unwrap();
        if i == 17 {
            assert!(matches!(result, Err(StoreError::Conflict)), "the duplicate id conflicts: {result:?}");
            continue;
        }
        let want = result.unwrap_or_else(|e| panic!("create {i} failed: {e}"));
        let got = store.current("Observation", &id).await.unwrap().expect("stored");
        assert_row(&got, &want);
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            tx.find_by_token("Observation", "identifier", Some("urn:device"), &format!("msg-{i}"))
                .await
                .unwrap(),
            vec![id]
        );
    }
    let first = store.current("Observation", "obs-dup").await.unwrap().unwrap();
    assert_eq!(marker(&first), "first", "the existing resource was not overwritten");
}
