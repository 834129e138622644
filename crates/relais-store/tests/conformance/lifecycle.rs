//! Opening, migrating, pool figures, closing and reopening.

use std::sync::Arc;

use relais_store::{Method, ResourceStore, StoreOptions};

use crate::support::{
    assert_row, at, body, expected_row, instance_history, keys, new_version, want_keys, write,
};

pub async fn migrate_is_idempotent_and_ping_answers(store: Arc<dyn ResourceStore>) {
    store.ping().await.expect("ping a migrated store");
    let content = body("Patient", "p1", 1, "before");
    let v1 = new_version("Patient", "p1", 1, at(0), Method::Post, Some(&content), &[]);
    let seq = write(&*store, &v1).await.expect("write");

    // Migrating again (twice) is a no-op that keeps the data.
    store.migrate().await.expect("second migrate");
    store.migrate().await.expect("third migrate");
    store.ping().await.expect("ping after migrating again");
    let current = store.current("Patient", "p1").await.expect("read").expect("still there");
    assert_row(&current, &expected_row(&v1, seq));
}

pub async fn engine_and_pool_stats(store: Arc<dyn ResourceStore>) {
    store.ping().await.expect("ping");
    let _ = store.current("Patient", "none").await.expect("a read");
    let _ = store.audit_head().await.expect("a read of the trail");
    let stats = store.pool_stats();
    let names: Vec<&str> = stats.iter().map(|s| s.name).collect();
    match store.engine() {
        // SQLite keeps the audit trail in a file of its own, with its own connections.
        "sqlite" => assert_eq!(names, ["writer", "reader", "audit-writer", "audit-reader"]),
        "postgres" => assert_eq!(names, ["main"]),
        other => panic!("unknown engine {other}"),
    }
    let max_connections = StoreOptions::default().max_connections;
    for s in &stats {
        assert!(s.max >= 1, "{s:?}: a pool allows at least one connection");
        assert!(s.size >= 1, "{s:?}: a pool that has answered has a connection open");
        assert!(s.size <= s.max && s.idle <= s.size, "{s:?}: figures are consistent");
        match s.name {
            "writer" | "audit-writer" => assert_eq!(s.max, 1, "SQLite has one writer per file"),
            "audit-reader" => {}
            _ => assert_eq!(s.max, max_connections, "{s:?}: the configured maximum"),
        }
    }
}

pub async fn committed_data_survives_reopen(store: Arc<dyn ResourceStore>, url: &str) {
    let c1 = body("Patient", "p1", 1, "one");
    let c2 = body("Patient", "p1", 2, "two");
    let v1 = new_version("Patient", "p1", 1, at(0), Method::Post, Some(&c1), &[]);
    let v2 = new_version("Patient", "p1", 2, at(1), Method::Put, Some(&c2), &[]);
    let s1 = write(&*store, &v1).await.expect("write v1");
    let s2 = write(&*store, &v2).await.expect("write v2");
    store.close().await;
    assert!(store.ping().await.is_err(), "a closed store does not answer");
    drop(store);

    let reopened = relais_store::open(url, &StoreOptions::default()).await.expect("reopen");
    reopened.migrate().await.expect("migrate an up-to-date database");
    let current = reopened.current("Patient", "p1").await.expect("read").expect("survived the reopen");
    assert_row(&current, &expected_row(&v2, s2));
    let first = reopened.version("Patient", "p1", 1).await.expect("read").expect("v1 survived");
    assert_row(&first, &expected_row(&v1, s1));
    let history = reopened.history(&instance_history("Patient", "p1")).await.expect("history");
    assert_eq!(keys(&history), want_keys(&[("Patient/p1", 2), ("Patient/p1", 1)]));

    // And the reopened store writes after what was there.
    let c3 = body("Patient", "p1", 3, "three");
    let v3 = new_version("Patient", "p1", 3, at(2), Method::Put, Some(&c3), &[]);
    let s3 = write(&*reopened, &v3).await.expect("write v3 after reopening");
    assert!(s3 > s2, "seq keeps growing across a reopen ({s3} after {s2})");
    reopened.close().await;
}
