//! What every case needs: a fresh migrated store, instants, resource bodies, one-shot writes and
//! row comparisons that look at what a user of the store sees.

use std::sync::Arc;

use jiff::Timestamp;
use relais_store::{
    HistoryQuery, IndexEntry, Method, NewVersion, ResourceRow, ResourceStore, StoreError, StoreOptions,
};
use relais_testkit::{Engine, TestDb};
use serde_json::{Value, json};

/// A migrated store on a database of its own; the database lives as long as this value.
pub struct Fresh {
    pub store: Arc<dyn ResourceStore>,
    pub db: TestDb,
}

pub async fn fresh(engine: Engine) -> Fresh {
    let db = TestDb::new(engine).await;
    let store = relais_store::open(db.url(), &StoreOptions::default()).await.expect("open the store");
    let expected = match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    assert_eq!(store.engine(), expected, "open() picked the engine named by the URL");
    store.migrate().await.expect("migrate a new database");
    Fresh { store, db }
}

/// An instant `seconds` after 2026-11-25T08:00:00.123456Z (microsecond precision, as stored).
pub fn at(seconds: i64) -> Timestamp {
    let base: Timestamp = "2026-11-25T08:00:00.123456Z".parse().expect("base instant");
    Timestamp::from_microsecond(base.as_microsecond() + seconds * 1_000_000).expect("instant in range")
}

/// The JSON a store would be handed for `version` of `resource_type/id`, with a marker.
pub fn body(resource_type: &str, id: &str, version: i64, marker: &str) -> String {
    json!({
        "resourceType": resource_type,
        "id": id,
        "meta": { "versionId": version.to_string(), "lastUpdated": "2026-11-25T08:00:00.123456Z" },
        "active": true,
        "name": [{ "family": "Chalmers", "given": ["Peter", "James"], "text": marker }],
        "note": "unicode: é ü 中文 ✓, quote \" and backslash \\",
        "multipleBirthInteger": version
    })
    .to_string()
}

/// The marker of a body written by [`body`].
pub fn marker(row: &ResourceRow) -> String {
    let content: Value = serde_json::from_str(row.content.as_deref().expect("content")).expect("stored JSON");
    content["name"][0]["text"].as_str().expect("marker").to_owned()
}

pub fn token(param: &str, system: Option<&str>, code: &str) -> IndexEntry {
    IndexEntry {
        param: param.to_owned(),
        value: relais_store::IndexValue::Token {
            system: system.map(str::to_owned),
            code: Some(code.to_owned()),
            text: None,
        },
    }
}

/// A version whose `previous` is the one before it (`None` for version 1).
pub fn new_version<'a>(
    resource_type: &'a str,
    id: &'a str,
    version: i64,
    last_updated: Timestamp,
    method: Method,
    content: Option<&'a str>,
    index: &'a [IndexEntry],
) -> NewVersion<'a> {
    NewVersion {
        resource_type,
        id,
        version,
        previous: (version > 1).then_some(version - 1),
        last_updated,
        method,
        content,
        index,
    }
}

/// Writes one version in a transaction of its own and commits it; returns its `seq`.
pub async fn write(store: &dyn ResourceStore, version: &NewVersion<'_>) -> Result<i64, StoreError> {
    let mut tx = store.begin().await?;
    let seq = tx.write(version).await?;
    tx.commit().await?;
    Ok(seq)
}

/// Writes versions `1..=versions` of a resource (POST, then PUTs), each with its [`body`]
/// marked `"{id} v{n}"` and written at `at(first_second + n - 1)`; returns the `seq`s.
pub async fn write_chain(
    store: &dyn ResourceStore,
    resource_type: &str,
    id: &str,
    versions: i64,
    first_second: i64,
) -> Vec<i64> {
    let mut seqs = Vec::new();
    for n in 1..=versions {
        let content = body(resource_type, id, n, &format!("{id} v{n}"));
        let method = if n == 1 { Method::Post } else { Method::Put };
        let v = new_version(resource_type, id, n, at(first_second + n - 1), method, Some(&content), &[]);
        seqs.push(write(store, &v).await.expect("write a version"));
    }
    seqs
}

/// The row a store should report for `version`, written at `seq`.
pub fn expected_row(version: &NewVersion<'_>, seq: i64) -> ResourceRow {
    ResourceRow {
        seq,
        resource_type: version.resource_type.to_owned(),
        id: version.id.to_owned(),
        version: version.version,
        last_updated: version.last_updated,
        deleted: version.content.is_none(),
        method: version.method,
        content: version.content.map(str::to_owned),
    }
}

/// Asserts that `got` is `want`, the content compared as JSON (PostgreSQL stores JSONB, which
/// keeps the value but not the spelling: key order and white space change).
#[track_caller]
pub fn assert_row(got: &ResourceRow, want: &ResourceRow) {
    let without_content = |r: &ResourceRow| ResourceRow { content: None, ..r.clone() };
    assert_eq!(without_content(got), without_content(want), "stored row");
    let parse =
        |c: &Option<String>| c.as_deref().map(|c| serde_json::from_str::<Value>(c).expect("stored JSON"));
    assert_eq!(
        parse(&got.content),
        parse(&want.content),
        "stored content of {}/{} v{}",
        got.resource_type,
        got.id,
        got.version
    );
}

pub fn instance_history(resource_type: &str, id: &str) -> HistoryQuery {
    HistoryQuery {
        resource_type: Some(resource_type.to_owned()),
        id: Some(id.to_owned()),
        since: None,
        before_seq: None,
        limit: 1000,
    }
}

pub fn type_history(resource_type: &str) -> HistoryQuery {
    HistoryQuery { resource_type: Some(resource_type.to_owned()), limit: 1000, ..HistoryQuery::default() }
}

pub fn system_history() -> HistoryQuery {
    HistoryQuery { limit: 1000, ..HistoryQuery::default() }
}

/// `(type/id, version)` of each row, in order.
pub fn keys(rows: &[ResourceRow]) -> Vec<(String, i64)> {
    rows.iter().map(|r| (format!("{}/{}", r.resource_type, r.id), r.version)).collect()
}

/// `(type/id, version)` for a literal list.
pub fn want_keys(list: &[(&str, i64)]) -> Vec<(String, i64)> {
    list.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}
