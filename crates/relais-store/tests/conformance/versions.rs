//! Writing versions and reading them back: create, update, delete, roll back, conflicts.

use std::sync::Arc;

use relais_store::{Method, NewVersion, ResourceStore, StoreError};

use crate::support::{
    assert_row, at, body, expected_row, instance_history, keys, marker, new_version, token, want_keys, write,
    write_chain,
};

pub async fn created_version_reads_back_exactly(store: Arc<dyn ResourceStore>) {
    let content = body("Patient", "p1", 1, "first");
    let v1 = new_version("Patient", "p1", 1, at(0), Method::Post, Some(&content), &[]);
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(tx.current("Patient", "p1").await.expect("current in tx"), None);
    let seq = tx.write(&v1).await.expect("write");
    let want = expected_row(&v1, seq);
    let in_tx = tx.current("Patient", "p1").await.expect("current in tx").expect("the tx sees its write");
    assert_row(&in_tx, &want);
    tx.commit().await.expect("commit");

    let current = store.current("Patient", "p1").await.expect("current").expect("committed");
    assert_row(&current, &want);
    let first = store.version("Patient", "p1", 1).await.expect("version").expect("version 1");
    assert_row(&first, &want);
    assert_eq!(current.last_updated.to_string(), "2026-11-25T08:00:00.123456Z", "microseconds kept");
    assert_eq!(current.method, Method::Post);
    assert!(!current.deleted);
    let history = store.history(&instance_history("Patient", "p1")).await.expect("history");
    assert_eq!(history.len(), 1);
    assert_row(&history[0], &want);

    // A second write comes later in the global order.
    let other = body("Patient", "p2", 1, "second");
    let seq2 = write(&*store, &new_version("Patient", "p2", 1, at(1), Method::Post, Some(&other), &[]))
        .await
        .expect("write p2");
    assert!(seq2 > seq, "seq grows: {seq2} after {seq}");
}

pub async fn unknown_resources_and_versions_read_as_none(store: Arc<dyn ResourceStore>) {
    assert_eq!(store.current("Patient", "nobody").await.expect("current"), None);
    assert_eq!(store.version("Patient", "nobody", 1).await.expect("version"), None);
    assert!(store.history(&instance_history("Patient", "nobody")).await.expect("history").is_empty());

    write_chain(&*store, "Patient", "p1", 2, 0).await;
    assert_eq!(store.version("Patient", "p1", 0).await.expect("version 0"), None);
    assert_eq!(store.version("Patient", "p1", 3).await.expect("version 3"), None);
    // Same id, other type: a different resource.
    assert_eq!(store.current("Observation", "p1").await.expect("current"), None);
    assert_eq!(store.version("Observation", "p1", 1).await.expect("version"), None);
    assert!(store.history(&instance_history("Observation", "p1")).await.expect("history").is_empty());
    // Ids are compared exactly.
    assert_eq!(store.current("Patient", "P1").await.expect("current"), None);
    assert_eq!(store.current("patient", "p1").await.expect("current"), None);
}

pub async fn dropped_transaction_stores_nothing(store: Arc<dyn ResourceStore>) {
    let content = body("Patient", "p1", 1, "rolled back");
    let tokens = [token("identifier", Some("urn:oid:1.2.36.146.595.217.0.1"), "12345")];
    let v1 = new_version("Patient", "p1", 1, at(0), Method::Post, Some(&content), &tokens);
    {
        let mut tx = store.begin().await.expect("begin");
        tx.write(&v1).await.expect("write");
        assert!(tx.current("Patient", "p1").await.expect("current").is_some(), "visible inside the tx");
        // Dropped here without commit.
    }
    assert_eq!(store.current("Patient", "p1").await.expect("current"), None);
    assert_eq!(store.version("Patient", "p1", 1).await.expect("version"), None);
    assert!(store.history(&instance_history("Patient", "p1")).await.expect("history").is_empty());

    // The next transaction starts clean: nothing left behind, not even the token.
    let mut tx = store.begin().await.expect("begin after rollback");
    assert_eq!(tx.current("Patient", "p1").await.expect("current"), None);
    assert!(tx.find_by_token("Patient", "identifier", None, "12345").await.expect("find").is_empty());
    // The same version 1 can be written again: the rolled-back one holds no place.
    let kept = body("Patient", "p1", 1, "kept");
    let v1 = new_version("Patient", "p1", 1, at(1), Method::Post, Some(&kept), &tokens);
    let seq = tx.write(&v1).await.expect("write version 1 again");
    tx.commit().await.expect("commit");
    let current = store.current("Patient", "p1").await.expect("current").expect("stored");
    assert_row(&current, &expected_row(&v1, seq));
    assert_eq!(marker(&current), "kept");
}

pub async fn update_chain_keeps_every_version(store: Arc<dyn ResourceStore>) {
    let seqs = write_chain(&*store, "Patient", "p1", 3, 10).await;
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "seqs grow: {seqs:?}");

    let current = store.current("Patient", "p1").await.expect("current").expect("exists");
    assert_eq!((current.version, current.seq, current.method), (3, seqs[2], Method::Put));
    assert_eq!(marker(&current), "p1 v3");
    for n in 1..=3_i64 {
        let row = store.version("Patient", "p1", n).await.expect("version").expect("every version is kept");
        let i = usize::try_from(n - 1).expect("index");
        assert_eq!(
            (row.version, row.seq, row.last_updated, row.deleted),
            (n, seqs[i], at(10 + n - 1), false)
        );
        assert_eq!(marker(&row), format!("p1 v{n}"));
    }

    let history = store.history(&instance_history("Patient", "p1")).await.expect("history");
    let summary: Vec<(i64, i64, &str)> =
        history.iter().map(|r| (r.version, r.seq, r.method.as_str())).collect();
    assert_eq!(summary, [(3, seqs[2], "PUT"), (2, seqs[1], "PUT"), (1, seqs[0], "POST")], "newest first");
    for row in &history {
        assert_eq!(marker(row), format!("p1 v{}", row.version), "history carries each version's content");
    }
}

pub async fn delete_writes_a_tombstone_and_update_revives(store: Arc<dyn ResourceStore>) {
    let seqs = write_chain(&*store, "Patient", "p1", 2, 0).await;
    let tombstone = new_version("Patient", "p1", 3, at(5), Method::Delete, None, &[]);
    let seq = write(&*store, &tombstone).await.expect("delete");
    assert!(seq > seqs[1]);

    let current = store.current("Patient", "p1").await.expect("current").expect("the tombstone is current");
    assert_row(&current, &expected_row(&tombstone, seq));
    assert!(current.deleted && current.content.is_none() && current.method == Method::Delete);
    let v3 = store.version("Patient", "p1", 3).await.expect("version").expect("tombstone by version");
    assert_row(&v3, &expected_row(&tombstone, seq));
    let v2 = store.version("Patient", "p1", 2).await.expect("version").expect("older versions stay");
    assert_eq!(marker(&v2), "p1 v2");

    let history = store.history(&instance_history("Patient", "p1")).await.expect("history");
    let summary: Vec<(i64, &str, bool)> =
        history.iter().map(|r| (r.version, r.method.as_str(), r.deleted)).collect();
    assert_eq!(summary, [(3, "DELETE", true), (2, "PUT", false), (1, "POST", false)]);

    // An update after a delete brings the resource back as the next version.
    let revived = body("Patient", "p1", 4, "revived");
    let v4 = new_version("Patient", "p1", 4, at(6), Method::Put, Some(&revived), &[]);
    let seq4 = write(&*store, &v4).await.expect("update after delete");
    let current = store.current("Patient", "p1").await.expect("current").expect("back");
    assert_row(&current, &expected_row(&v4, seq4));
    assert!(!current.deleted);
}

pub async fn stale_previous_version_conflicts(store: Arc<dyn ResourceStore>) {
    write_chain(&*store, "Patient", "p1", 2, 0).await;
    let before = store.current("Patient", "p1").await.expect("current").expect("v2");
    let content = body("Patient", "p1", 3, "stale");

    for previous in [1, 3, 0] {
        let stale = NewVersion {
            previous: Some(previous),
            ..new_version("Patient", "p1", 3, at(9), Method::Put, Some(&content), &[])
        };
        let mut tx = store.begin().await.expect("begin");
        let result = tx.write(&stale).await;
        assert!(
            matches!(result, Err(StoreError::Conflict)),
            "previous {previous} when current is 2 must conflict, got {result:?}"
        );
    }
    // A conflict that is committed anyway changes nothing either.
    let mut tx = store.begin().await.expect("begin");
    let stale = NewVersion {
        previous: Some(1),
        ..new_version("Patient", "p1", 3, at(9), Method::Put, Some(&content), &[])
    };
    assert!(matches!(tx.write(&stale).await, Err(StoreError::Conflict)));
    let _ = tx.commit().await;

    assert_eq!(store.current("Patient", "p1").await.expect("current"), Some(before), "nothing changed");
    assert_eq!(store.version("Patient", "p1", 3).await.expect("version"), None);
    let history = store.history(&instance_history("Patient", "p1")).await.expect("history");
    assert_eq!(keys(&history), want_keys(&[("Patient/p1", 2), ("Patient/p1", 1)]));

    // With the right previous version the same write goes through.
    let good = new_version("Patient", "p1", 3, at(9), Method::Put, Some(&content), &[]);
    write(&*store, &good).await.expect("write on top of the current version");
    assert_eq!(store.current("Patient", "p1").await.expect("current").expect("v3").version, 3);
}

pub async fn creating_an_existing_resource_conflicts(store: Arc<dyn ResourceStore>) {
    write_chain(&*store, "Patient", "p1", 1, 0).await;
    let before = store.current("Patient", "p1").await.expect("current").expect("v1");
    let again = body("Patient", "p1", 1, "duplicate");
    let create = new_version("Patient", "p1", 1, at(5), Method::Post, Some(&again), &[]);
    let result = write(&*store, &create).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "version 1 over an existing resource: {result:?}");
    assert_eq!(store.current("Patient", "p1").await.expect("current"), Some(before.clone()));

    // Not only the same version number: any "new resource" write over an existing one.
    let jump = NewVersion {
        previous: None,
        ..new_version("Patient", "p1", 7, at(5), Method::Put, Some(&again), &[])
    };
    let result = write(&*store, &jump).await;
    assert!(
        matches!(result, Err(StoreError::Conflict)),
        "previous None over an existing resource: {result:?}"
    );
    assert_eq!(store.current("Patient", "p1").await.expect("current"), Some(before));
    assert_eq!(store.version("Patient", "p1", 7).await.expect("version"), None);

    // A deleted resource still exists as a tombstone: creating it anew conflicts too.
    write(&*store, &new_version("Patient", "p1", 2, at(6), Method::Delete, None, &[])).await.expect("delete");
    let result = write(&*store, &create).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "version 1 over a tombstone: {result:?}");
    let history = store.history(&instance_history("Patient", "p1")).await.expect("history");
    assert_eq!(keys(&history), want_keys(&[("Patient/p1", 2), ("Patient/p1", 1)]));
}

pub async fn transaction_writes_several_resources_atomically(store: Arc<dyn ResourceStore>) {
    write_chain(&*store, "Patient", "c", 1, 0).await;
    let (a, b, c2) =
        (body("Patient", "a", 1, "a"), body("Observation", "b", 1, "b"), body("Patient", "c", 2, "c2"));

    // All or nothing: a failing write makes the whole transaction go away.
    let mut tx = store.begin().await.expect("begin");
    tx.write(&new_version("Patient", "a", 1, at(1), Method::Post, Some(&a), &[])).await.expect("write a");
    tx.write(&new_version("Observation", "b", 1, at(1), Method::Post, Some(&b), &[])).await.expect("write b");
    let stale = NewVersion {
        previous: Some(5),
        ..new_version("Patient", "c", 6, at(1), Method::Put, Some(&c2), &[])
    };
    assert!(matches!(tx.write(&stale).await, Err(StoreError::Conflict)));
    drop(tx);
    assert_eq!(store.current("Patient", "a").await.expect("current"), None);
    assert_eq!(store.current("Observation", "b").await.expect("current"), None);
    assert_eq!(store.current("Patient", "c").await.expect("current").expect("c").version, 1);

    // Committed together: all three visible, in write order.
    let mut tx = store.begin().await.expect("begin");
    let va = new_version("Patient", "a", 1, at(2), Method::Post, Some(&a), &[]);
    let vb = new_version("Observation", "b", 1, at(2), Method::Post, Some(&b), &[]);
    let vc = new_version("Patient", "c", 2, at(2), Method::Put, Some(&c2), &[]);
    let seqs =
        [tx.write(&va).await.expect("a"), tx.write(&vb).await.expect("b"), tx.write(&vc).await.expect("c")];
    tx.commit().await.expect("commit");
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "seqs follow write order: {seqs:?}");
    assert_row(&store.current("Patient", "a").await.expect("a").expect("a"), &expected_row(&va, seqs[0]));
    assert_row(&store.current("Observation", "b").await.expect("b").expect("b"), &expected_row(&vb, seqs[1]));
    assert_row(&store.current("Patient", "c").await.expect("c").expect("c"), &expected_row(&vc, seqs[2]));
}
