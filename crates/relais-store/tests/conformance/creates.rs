//! `ResourceStore::create`: a new resource in a transaction of its own. SQLite commits concurrent
//! creates together (group commit); the outcome must be the same as one by one.

use std::sync::Arc;

use relais_store::{Created, Method, NewCreate, ResourceStore, StoreError, Unless};

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
            let creates: Vec<NewCreate<'_>> = contents
                .iter()
                .zip(&tokens)
                .map(|((id, content), tokens)| NewCreate {
                    version: new_version("Observation", id, 1, at(1), Method::Post, Some(content), tokens),
                    unless: None,
                })
                .collect();
            store.create_all(&creates).await.map(|done| {
                creates
                    .iter()
                    .zip(done)
                    .map(|(c, done)| expected_row(&c.version, stored(&done)))
                    .collect::<Vec<_>>()
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
    let stored_rows = good.await.unwrap().expect("the good batch is stored");
    assert_eq!(stored_rows.len(), 50);
    assert!(stored_rows.windows(2).all(|w| w[0].seq < w[1].seq), "seqs in the batch's order");
    for want in &stored_rows {
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

fn stored(done: &Created) -> i64 {
    match done {
        Created::Stored(seq) => *seq,
        Created::Found(ids) => panic!("not stored: found {ids:?}"),
    }
}

/// `create_all` with `unless`: a create whose token a current resource carries is not made and
/// answers that resource; so is a second create of the same token in the same call; a token
/// nobody carries is created.
pub async fn creates_unless_a_token_is_found(store: Arc<dyn ResourceStore>) {
    let message = |m: &str| [token("identifier", Some("urn:device:scale"), m)];
    let (m1, m2) = (message("m1"), message("m2"));
    let first = body("Observation", "o-1", 1, "first");
    store
        .create(&new_version("Observation", "o-1", 1, at(0), Method::Post, Some(&first), &m1))
        .await
        .unwrap();
    let contents: Vec<String> =
        ["o-2", "o-3", "o-4"].iter().map(|id| body("Observation", id, 1, "batch")).collect();
    let unless =
        |code| Some(Unless { param: "identifier", system: Some("urn:device:scale"), code, key: code });
    let creates = [
        NewCreate {
            version: new_version("Observation", "o-2", 1, at(1), Method::Post, Some(&contents[0]), &m1),
            unless: unless("m1"),
        },
        NewCreate {
            version: new_version("Observation", "o-3", 1, at(1), Method::Post, Some(&contents[1]), &m2),
            unless: unless("m2"),
        },
        NewCreate {
            version: new_version("Observation", "o-4", 1, at(1), Method::Post, Some(&contents[2]), &m2),
            unless: unless("m2"),
        },
    ];
    let done = store.create_all(&creates).await.unwrap();
    assert_eq!(done[0], Created::Found(vec!["o-1".into()]), "stored before: not made again");
    assert!(matches!(done[1], Created::Stored(_)), "a new message is stored: {:?}", done[1]);
    assert_eq!(done[2], Created::Found(vec!["o-3".into()]), "the same message twice in one call: once");
    assert!(store.current("Observation", "o-2").await.unwrap().is_none());
    assert!(store.current("Observation", "o-4").await.unwrap().is_none());
    assert_eq!(marker(&store.current("Observation", "o-3").await.unwrap().unwrap()), "batch");
}
