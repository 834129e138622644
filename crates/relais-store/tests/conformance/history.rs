//! History reads: instance, type and system scope, newest first, `_since`, paging by `seq`.

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use relais_store::{HistoryQuery, Method, ResourceRow, ResourceStore};

use crate::support::{
    at, body, instance_history, keys, new_version, system_history, type_history, want_keys, write,
};

/// Writes `version` of `resource_type/id` (a tombstone when `deleted`) at `when`; returns `seq`.
async fn put(
    store: &dyn ResourceStore,
    resource_type: &str,
    id: &str,
    version: i64,
    when: Timestamp,
    deleted: bool,
) -> i64 {
    let content = body(resource_type, id, version, &format!("{id} v{version}"));
    let method = match (deleted, version) {
        (true, _) => Method::Delete,
        (false, 1) => Method::Post,
        (false, _) => Method::Put,
    };
    let content = (!deleted).then_some(content.as_str());
    write(store, &new_version(resource_type, id, version, when, method, content, &[])).await.expect("write")
}

fn limited(query: HistoryQuery, limit: u32) -> HistoryQuery {
    HistoryQuery { limit, ..query }
}

fn seqs(rows: &[ResourceRow]) -> Vec<i64> {
    rows.iter().map(|r| r.seq).collect()
}

#[track_caller]
fn assert_newest_first(rows: &[ResourceRow]) {
    assert!(rows.windows(2).all(|w| w[0].seq > w[1].seq), "seq strictly decreasing: {:?}", seqs(rows));
}

pub async fn history_scopes_and_order(store: Arc<dyn ResourceStore>) {
    let s = &*store;
    put(s, "Patient", "a", 1, at(0), false).await;
    put(s, "Observation", "o", 1, at(1), false).await;
    put(s, "Patient", "b", 1, at(2), false).await;
    put(s, "Patient", "a", 2, at(3), false).await;
    put(s, "Observation", "o", 2, at(4), true).await;
    put(s, "Patient", "b", 2, at(5), false).await;
    // Written last with the oldest instant: history follows write order, not lastUpdated.
    put(s, "Patient", "c", 1, at(-100), false).await;

    let all = s.history(&system_history()).await.expect("system history");
    assert_eq!(
        keys(&all),
        want_keys(&[
            ("Patient/c", 1),
            ("Patient/b", 2),
            ("Observation/o", 2),
            ("Patient/a", 2),
            ("Patient/b", 1),
            ("Observation/o", 1),
            ("Patient/a", 1),
        ])
    );
    assert_newest_first(&all);
    let methods: Vec<&str> = all.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["POST", "PUT", "DELETE", "PUT", "POST", "POST", "POST"]);
    assert!(all[2].deleted && all[2].content.is_none(), "tombstones are in history");

    let patients = s.history(&type_history("Patient")).await.expect("type history");
    assert_eq!(
        keys(&patients),
        want_keys(&[
            ("Patient/c", 1),
            ("Patient/b", 2),
            ("Patient/a", 2),
            ("Patient/b", 1),
            ("Patient/a", 1)
        ])
    );
    assert_newest_first(&patients);
    let observations = s.history(&type_history("Observation")).await.expect("type history");
    assert_eq!(keys(&observations), want_keys(&[("Observation/o", 2), ("Observation/o", 1)]));
    assert!(s.history(&type_history("Encounter")).await.expect("type history").is_empty());
    let a = s.history(&instance_history("Patient", "a")).await.expect("instance history");
    assert_eq!(keys(&a), want_keys(&[("Patient/a", 2), ("Patient/a", 1)]));
    // The rows are the versions themselves.
    for row in &all {
        let version =
            s.version(&row.resource_type, &row.id, row.version).await.expect("version").expect("exists");
        assert_eq!(&version, row);
    }

    // limit takes the newest.
    let two = s.history(&limited(system_history(), 2)).await.expect("limited");
    assert_eq!(seqs(&two), seqs(&all[..2]));
    let one = s.history(&limited(type_history("Patient"), 1)).await.expect("limited");
    assert_eq!(seqs(&one), seqs(&patients[..1]));
    assert!(s.history(&limited(system_history(), 0)).await.expect("limit 0").is_empty());
}

pub async fn history_since_is_inclusive(store: Arc<dyn ResourceStore>) {
    let s = &*store;
    for (i, (id, version)) in
        [("a", 1), ("b", 1), ("a", 2), ("b", 2), ("a", 3), ("b", 3)].into_iter().enumerate()
    {
        let second = i64::try_from(i).expect("small");
        put(s, "Patient", id, version, at(second * 10), false).await;
    }
    put(s, "Observation", "o", 1, at(45), false).await;

    let since = |query: HistoryQuery, when: Timestamp| HistoryQuery { since: Some(when), ..query };
    // At exactly the instant of a version: included.
    let rows = s.history(&since(system_history(), at(30))).await.expect("since");
    assert_eq!(
        keys(&rows),
        want_keys(&[("Observation/o", 1), ("Patient/b", 3), ("Patient/a", 3), ("Patient/b", 2)])
    );
    // One microsecond later: that version is out.
    let later = at(30).checked_add(SignedDuration::from_micros(1)).expect("instant");
    let rows = s.history(&since(system_history(), later)).await.expect("since");
    assert_eq!(keys(&rows), want_keys(&[("Observation/o", 1), ("Patient/b", 3), ("Patient/a", 3)]));
    // In every scope.
    let rows = s.history(&since(type_history("Patient"), at(30))).await.expect("since");
    assert_eq!(keys(&rows), want_keys(&[("Patient/b", 3), ("Patient/a", 3), ("Patient/b", 2)]));
    let rows = s.history(&since(instance_history("Patient", "a"), at(20))).await.expect("since");
    assert_eq!(keys(&rows), want_keys(&[("Patient/a", 3), ("Patient/a", 2)]));
    // Before everything: everything; after everything: nothing.
    assert_eq!(s.history(&since(system_history(), at(-1))).await.expect("since").len(), 7);
    assert!(s.history(&since(system_history(), at(51))).await.expect("since").is_empty());
    // With a limit, the newest of those since.
    let rows = s.history(&limited(since(type_history("Patient"), at(10)), 2)).await.expect("since");
    assert_eq!(keys(&rows), want_keys(&[("Patient/b", 3), ("Patient/a", 3)]));
}

/// Reads `query` page by page (`limit` each, `before_seq` = the last seq of the page before).
async fn pages(store: &dyn ResourceStore, query: &HistoryQuery, limit: u32) -> Vec<Vec<ResourceRow>> {
    let mut pages = Vec::new();
    let mut before_seq = None;
    loop {
        let page =
            store.history(&HistoryQuery { before_seq, limit, ..query.clone() }).await.expect("history page");
        assert!(page.len() <= usize::try_from(limit).expect("limit"), "a page holds at most `limit` rows");
        let Some(last) = page.last() else { break };
        before_seq = Some(last.seq);
        pages.push(page);
        assert!(pages.len() < 100, "paging ends");
    }
    pages
}

#[track_caller]
fn assert_pages_cover(pages: &[Vec<ResourceRow>], sizes: &[usize], everything: &[ResourceRow]) {
    let got: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(got, sizes, "page sizes");
    let joined: Vec<ResourceRow> = pages.concat();
    assert_eq!(joined, everything, "the pages, one after the other, are the whole history");
    let distinct: BTreeSet<i64> = joined.iter().map(|r| r.seq).collect();
    assert_eq!(distinct.len(), joined.len(), "pages are disjoint");
}

pub async fn history_pages_are_disjoint_and_complete(store: Arc<dyn ResourceStore>) {
    let s = &*store;
    let mut second = 0;
    for version in 1..=3 {
        for id in ["a", "b", "c"] {
            put(s, "Patient", id, version, at(second), false).await;
            second += 1;
        }
        if version < 3 {
            put(s, "Observation", "o", version, at(second), false).await;
            second += 1;
        }
    }
    let all = s.history(&system_history()).await.expect("system history");
    assert_eq!(all.len(), 11);
    assert_newest_first(&all);

    assert_pages_cover(&pages(s, &system_history(), 4).await, &[4, 4, 3], &all);
    assert_pages_cover(&pages(s, &system_history(), 11).await, &[11], &all);
    assert_pages_cover(&pages(s, &system_history(), 1).await, &[1; 11], &all);

    let patients = s.history(&type_history("Patient")).await.expect("type history");
    assert_eq!(patients.len(), 9);
    assert_pages_cover(&pages(s, &type_history("Patient"), 2).await, &[2, 2, 2, 2, 1], &patients);

    let b = s.history(&instance_history("Patient", "b")).await.expect("instance history");
    assert_eq!(keys(&b), want_keys(&[("Patient/b", 3), ("Patient/b", 2), ("Patient/b", 1)]));
    assert_pages_cover(&pages(s, &instance_history("Patient", "b"), 2).await, &[2, 1], &b);

    // The cursor itself is exclusive, and combines with _since.
    let below =
        s.history(&HistoryQuery { before_seq: Some(all[3].seq), ..system_history() }).await.expect("page");
    assert_eq!(below, all[4..]);
    let since = HistoryQuery { since: Some(at(4)), ..system_history() };
    let newest_since = s.history(&since).await.expect("since");
    let since_pages = pages(s, &since, 3).await;
    assert_pages_cover(&since_pages, &[3, 3, 1], &newest_since);
    assert_eq!(newest_since.len(), 7, "versions written at 4s..10s");
    assert!(
        s.history(&HistoryQuery { before_seq: Some(all[10].seq), ..system_history() })
            .await
            .expect("page")
            .is_empty()
    );
}
