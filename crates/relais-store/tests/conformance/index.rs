//! The search index: entries of every kind are written with their version, replaced by the next
//! one, removed with a deletion, undone with a rolled-back transaction — on both engines and on
//! both write paths (a transaction, and `create`, which SQLite commits in groups).

use std::sync::Arc;

use relais_store::{IndexEntry, IndexValue, Method, ResourceStore};

use crate::support::{at, body, new_version, write};

fn entry(param: &str, value: IndexValue) -> IndexEntry {
    IndexEntry { param: param.to_owned(), value }
}

fn every_kind(marker: &str) -> Vec<IndexEntry> {
    vec![
        entry(
            "code",
            IndexValue::Token {
                system: Some("http://loinc.org".into()),
                code: Some("8867-4".into()),
                text: Some("heart rate".into()),
            },
        ),
        entry("code", IndexValue::Token { system: None, code: None, text: Some(marker.into()) }),
        entry(
            "name",
            IndexValue::String { value: format!("gagne {marker}"), exact: format!("Gagné {marker}") },
        ),
        entry("date", IndexValue::Date { lo: -86_400_000_000, hi: i64::MAX }),
        entry(
            "subject",
            IndexValue::Reference {
                target_type: Some("Patient".into()),
                id: Some("p1".into()),
                url: "Patient/p1".into(),
            },
        ),
        entry(
            "subject",
            IndexValue::Reference { target_type: None, id: None, url: "http://elsewhere.example/x".into() },
        ),
        entry(
            "value-quantity",
            IndexValue::Quantity {
                value: 72.5,
                system: Some("http://unitsofmeasure.org".into()),
                code: Some("/min".into()),
                unit: None,
                concept_system: Some("http://loinc.org".into()),
                concept_code: Some("8480-6".into()),
            },
        ),
        entry("probability", IndexValue::Number(0.25)),
        entry("url", IndexValue::Uri("http://example.org/fhir/Questionnaire/q".into())),
    ]
}

fn sorted(mut entries: Vec<IndexEntry>) -> Vec<String> {
    let mut out: Vec<String> = entries.drain(..).map(|e| format!("{e:?}")).collect();
    out.sort();
    out
}

pub async fn index_entries_follow_the_current_version(store: Arc<dyn ResourceStore>) {
    let s = store.as_ref();
    let v1 = body("Observation", "o1", 1, "v1");
    let first = every_kind("v1");
    store.create(&new_version("Observation", "o1", 1, at(0), Method::Post, Some(&v1), &first)).await.unwrap();
    assert_eq!(
        sorted(store.index_of("Observation", "o1").await.unwrap()),
        sorted(first.clone()),
        "create (grouped path)"
    );

    let v2 = body("Observation", "o1", 2, "v2");
    let second =
        vec![entry("name", IndexValue::String { value: "tremblay".into(), exact: "Tremblay".into() })];
    write(s, &new_version("Observation", "o1", 2, at(1), Method::Put, Some(&v2), &second)).await.unwrap();
    assert_eq!(
        sorted(store.index_of("Observation", "o1").await.unwrap()),
        sorted(second.clone()),
        "an update replaces them"
    );

    // A rolled-back update leaves the index as it was.
    let mut tx = store.begin().await.unwrap();
    let v3 = body("Observation", "o1", 3, "v3");
    tx.write(&new_version("Observation", "o1", 3, at(2), Method::Put, Some(&v3), &every_kind("v3")))
        .await
        .unwrap();
    drop(tx);
    assert_eq!(sorted(store.index_of("Observation", "o1").await.unwrap()), sorted(second), "rollback");

    write(s, &new_version("Observation", "o1", 3, at(3), Method::Delete, None, &[])).await.unwrap();
    assert!(
        store.index_of("Observation", "o1").await.unwrap().is_empty(),
        "a deleted resource is in no index"
    );

    // Through a transaction too, and without touching another resource's entries.
    let other = body("Observation", "o2", 1, "o2");
    write(s, &new_version("Observation", "o2", 1, at(4), Method::Post, Some(&other), &every_kind("o2")))
        .await
        .unwrap();
    assert_eq!(store.index_of("Observation", "o2").await.unwrap().len(), 9);
    assert!(store.index_of("Patient", "o2").await.unwrap().is_empty(), "entries belong to their type");
}
