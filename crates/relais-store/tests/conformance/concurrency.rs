//! Concurrent writers on one resource: every write either lands on top of the one before or fails
//! with a conflict; none is lost. PostgreSQL locks the current row (`FOR UPDATE`), SQLite has a
//! single writer: the outcome must be the same.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use relais_store::{Method, NewVersion, ResourceStore, StoreError};
use tokio::sync::Barrier;

use crate::support::{at, body, instance_history, marker, token, write, write_chain};

const WRITERS: usize = 16;

/// What one writer task saw.
#[derive(Debug)]
enum Outcome {
    /// Committed this version.
    Wrote(i64),
    /// The store answered [`StoreError::Conflict`].
    Conflict,
    /// `current` inside the transaction said the resource does not exist although it does.
    LostCurrent,
}

/// Begin, read the current version, write the next one on top of it, commit.
async fn write_next(
    store: Arc<dyn ResourceStore>,
    id: &'static str,
    task: usize,
    must_exist: bool,
) -> Result<Outcome, StoreError> {
    let mut tx = store.begin().await?;
    let current = tx.current("Patient", id).await?;
    if must_exist && current.is_none() {
        return Ok(Outcome::LostCurrent);
    }
    // Let the other writers run between the read and the write.
    tokio::task::yield_now().await;
    let version = current.as_ref().map_or(1, |c| c.version + 1);
    let content = body("Patient", id, version, &format!("task {task}"));
    let second = i64::try_from(task).expect("small");
    let result = tx
        .write(&NewVersion {
            resource_type: "Patient",
            id,
            version,
            previous: current.as_ref().map(|c| c.version),
            last_updated: at(second),
            method: if current.is_some() { Method::Put } else { Method::Post },
            content: Some(&content),
            index: &[],
        })
        .await;
    match result {
        Ok(_) => {}
        Err(StoreError::Conflict) => return Ok(Outcome::Conflict),
        Err(e) => return Err(e),
    }
    match tx.commit().await {
        Ok(()) => Ok(Outcome::Wrote(version)),
        Err(StoreError::Conflict) => Ok(Outcome::Conflict),
        Err(e) => Err(e),
    }
}

/// Runs [`WRITERS`] concurrent [`write_next`]; returns version → task of the committed writes
/// and the number of conflicts.
async fn race(
    store: &Arc<dyn ResourceStore>,
    id: &'static str,
    must_exist: bool,
) -> (BTreeMap<i64, usize>, usize) {
    let barrier = Arc::new(Barrier::new(WRITERS));
    let tasks: Vec<_> = (0..WRITERS)
        .map(|task| {
            let (store, barrier) = (Arc::clone(store), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                write_next(store, id, task, must_exist).await
            })
        })
        .collect();
    let mut wrote = BTreeMap::new();
    let (mut conflicts, mut lost) = (0, 0);
    for (task, joined) in futures::future::join_all(tasks).await.into_iter().enumerate() {
        match joined.expect("writer task").expect("a writer fails only with a conflict") {
            Outcome::Wrote(version) => {
                let earlier = wrote.insert(version, task);
                assert_eq!(earlier, None, "two writers both committed version {version}");
            }
            Outcome::Conflict => conflicts += 1,
            Outcome::LostCurrent => lost += 1,
        }
    }
    assert_eq!(
        lost, 0,
        "{lost} of {WRITERS} transactions read an existing resource as missing while waiting for its lock"
    );
    assert!(!wrote.is_empty(), "at least one writer wins");
    assert_eq!(wrote.len() + conflicts, WRITERS);
    (wrote, conflicts)
}

/// The resource's versions are exactly 1..=last, each the write its writer committed.
async fn assert_chain(store: &dyn ResourceStore, id: &str, last: i64, wrote: &BTreeMap<i64, usize>) {
    let current = store.current("Patient", id).await.expect("current").expect("exists");
    assert_eq!(current.version, last, "one version per committed write, no lost update");
    let history = store.history(&instance_history("Patient", id)).await.expect("history");
    let versions: Vec<i64> = history.iter().map(|r| r.version).collect();
    let want: Vec<i64> = (1..=last).rev().collect();
    assert_eq!(versions, want, "history has every version, no gap");
    assert!(history.windows(2).all(|w| w[0].seq > w[1].seq), "versions in write order");
    for row in &history {
        if let Some(task) = wrote.get(&row.version) {
            assert_eq!(
                marker(row),
                format!("task {task}"),
                "version {} holds its writer's content",
                row.version
            );
        }
    }
}

pub async fn concurrent_updates_lose_nothing(store: Arc<dyn ResourceStore>) {
    write_chain(&*store, "Patient", "c", 1, 0).await;
    let (wrote, _conflicts) = race(&store, "c", true).await;
    let last = 1 + i64::try_from(wrote.len()).expect("small");
    let want: Vec<i64> = (2..=last).collect();
    assert_eq!(
        wrote.keys().copied().collect::<Vec<_>>(),
        want,
        "the committed writes are versions 2..={last}"
    );
    assert_chain(&*store, "c", last, &wrote).await;
}

pub async fn concurrent_creates_keep_one_chain(store: Arc<dyn ResourceStore>) {
    let (wrote, _conflicts) = race(&store, "new", false).await;
    let last = i64::try_from(wrote.len()).expect("small");
    let want: Vec<i64> = (1..=last).collect();
    assert_eq!(
        wrote.keys().copied().collect::<Vec<_>>(),
        want,
        "the committed writes are versions 1..={last}"
    );
    assert_chain(&*store, "new", last, &wrote).await;
    let history = store.history(&instance_history("Patient", "new")).await.expect("history");
    let posts = history.iter().filter(|r| r.method == Method::Post).count();
    assert_eq!(posts, 1, "created once");
    assert_eq!(history.last().map(|r| r.method), Some(Method::Post));
}

pub async fn same_lock_key_serialises_transactions(store: Arc<dyn ResourceStore>) {
    const KEY: &str = "Patient?identifier=urn:oid:1.2.36.146.595.217.0.1|12345";
    const SYSTEM: &str = "urn:oid:1.2.36.146.595.217.0.1";

    // A transaction that takes a key and goes away without commit releases it.
    {
        let mut tx = store.begin().await.expect("begin");
        tx.lock_key(KEY).await.expect("lock_key");
    }

    // Conditional create, twice at once: the second waits for the first and then sees its write.
    let mut first = store.begin().await.expect("begin");
    tokio::time::timeout(Duration::from_secs(10), first.lock_key(KEY))
        .await
        .expect("a key released by a rolled-back transaction is free")
        .expect("lock_key");
    first.lock_key(KEY).await.expect("taking the same key again in one transaction");
    first.lock_key("Patient?identifier=other").await.expect("a second key");
    assert!(
        first.find_by_token("Patient", "identifier", Some(SYSTEM), "12345").await.expect("find").is_empty()
    );

    let second = tokio::spawn({
        let store = Arc::clone(&store);
        async move {
            let mut tx = store.begin().await?;
            tx.lock_key(KEY).await?;
            let found = tx.find_by_token("Patient", "identifier", Some(SYSTEM), "12345").await?;
            tx.commit().await?;
            Ok::<_, StoreError>(found)
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!second.is_finished(), "the second transaction waits while the first holds the key");

    let content = body("Patient", "first", 1, "first");
    let tokens = [token("identifier", Some(SYSTEM), "12345")];
    let v1 = NewVersion {
        resource_type: "Patient",
        id: "first",
        version: 1,
        previous: None,
        last_updated: at(0),
        method: Method::Post,
        content: Some(&content),
        index: &tokens,
    };
    first.write(&v1).await.expect("write under the key");
    first.commit().await.expect("commit");

    let found = tokio::time::timeout(Duration::from_secs(10), second)
        .await
        .expect("the second transaction goes on once the first commits")
        .expect("task")
        .expect("second transaction");
    assert_eq!(found, ["first"], "after the wait, the first transaction's write is visible");

    // Keys are free again afterwards.
    let mut tx = store.begin().await.expect("begin");
    tokio::time::timeout(Duration::from_secs(10), tx.lock_key(KEY)).await.expect("free").expect("lock_key");
    tx.commit().await.expect("commit");
    write(&*store, &NewVersion { version: 2, previous: Some(1), method: Method::Put, ..v1 })
        .await
        .expect("update");
}
