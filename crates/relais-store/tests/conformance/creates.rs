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

/// `create_all`, next to single creates running at the same time: each batch is stored whole
/// with its tokens and its seqs in order; a batch holding an id that exists stores none of its
/// resources (and the single creates beside it are unaffected).
pub async fn batches_of_creates_are_all_or_nothing(store: Arc<dyn ResourceStore>) {
    let existing = body("Observation", "taken", 1, "first");
    store
        .create(&new_version("Observation", "taken", 1, at(0), Method::Post, Some(&existing), &[]))
        .await
        .unwrap();
    let batch = |name: &'static str, ids: Vec<String>| {
        let store = store.clone();
        tokio::spawn(async move {
            let contents: Vec<(String, String)> =
                ids.iter().map(|id| (id.clone(), body("Observation", id, 1, name))).collect();
            let tokens: Vec<_> = ids
                .iter()
                .map(|id| [token("identifier", Some("urn:batch"), &format!("{name}-{id}"))])
                .collect();
            let versions: Vec<_> = contents
                .iter()
                .zip(&tokens)
                .map(|((id, content), tokens)| {
                    new_version("Observation", id, 1, at(1), Method::Post, Some(content), tokens)
                })
                .collect();
            let result = store.create_all(&versions).await;
            result.map(|seqs| {
                versions.iter().zip(seqs).map(|(v, seq)| expected_row(v, seq)).collect::<Vec<_>>()
            })
        })
    };
    let good = batch("good", (0..50).map(|i| format!("good-{i}")).collect());
    let bad = batch("bad", vec!["bad-0".into(), "taken".into(), "bad-2".into()]);
    let singles: Vec<_> = (0..10)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let id = format!("single-{i}");
                let content = body("Observation", &id, 1, "single");
                store
                    .create(&new_version("Observation", &id, 1, at(2), Method::Post, Some(&content), &[]))
                    .await
            })
        })
        .collect();
    let stored = good.await.unwrap().expect("the good batch is stored");
    assert_eq!(stored.len(), 50);
    assert!(stored.windows(2).all(|w| w[0].seq < w[1].seq), "seqs in the batch's order");
    for want in &stored {
        let got = store.current("Observation", &want.id).await.unwrap().expect("stored");
        assert_row(&got, want);
    }
    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        tx.find_by_token("Observation", "identifier", Some("urn:batch"), "good-good-49").await.unwrap(),
        vec!["good-49".to_owned()]
    );
    drop(tx);
    assert!(matches!(bad.await.unwrap(), Err(StoreError::Conflict)), "the batch with a taken id conflicts");
    for id in ["bad-0", "bad-2"] {
        assert!(
            store.current("Observation", id).await.unwrap().is_none(),
            "{id}: nothing of that batch stored"
        );
    }
    assert_eq!(marker(&store.current("Observation", "taken").await.unwrap().unwrap()), "first");
    for single in singles {
        single.await.unwrap().expect("single creates beside the batches are stored");
    }
}
