//! The token index behind conditional create: `find_by_token` inside a transaction.

use std::sync::Arc;

use relais_store::{IndexEntry, Method, ResourceStore};

use crate::support::{at, body, new_version, token, write};

const SYS1: &str = "urn:oid:1.2.36.146.595.217.0.1";
const SYS2: &str = "http://hl7.org/fhir/sid/us-ssn";

/// `find_by_token` in a transaction of its own, sorted.
async fn find(
    store: &dyn ResourceStore,
    resource_type: &str,
    param: &str,
    system: Option<&str>,
    code: &str,
) -> Vec<String> {
    let mut tx = store.begin().await.expect("begin");
    let mut ids = tx.find_by_token(resource_type, param, system, code).await.expect("find_by_token");
    ids.sort();
    ids
}

async fn create(store: &dyn ResourceStore, resource_type: &str, id: &str, tokens: &[IndexEntry]) {
    let content = body(resource_type, id, 1, id);
    write(store, &new_version(resource_type, id, 1, at(0), Method::Post, Some(&content), tokens))
        .await
        .expect("create");
}

pub async fn tokens_are_found_by_code_and_system(store: Arc<dyn ResourceStore>) {
    let s = &*store;
    create(s, "Patient", "a", &[token("identifier", Some(SYS1), "X"), token("identifier", Some(SYS2), "Y")])
        .await;
    create(s, "Patient", "b", &[token("identifier", Some(SYS2), "X"), token("identifier", None, "Z")]).await;
    create(s, "Patient", "c", &[token("identifier", Some(SYS1), "X"), token("identifier", Some(SYS2), "X")])
        .await;
    create(s, "Observation", "o", &[token("identifier", Some(SYS1), "X")]).await;
    create(s, "Patient", "d", &[token("other", Some(SYS1), "X")]).await;

    // With a system: only entries in that system.
    assert_eq!(find(s, "Patient", "identifier", Some(SYS1), "X").await, ["a", "c"]);
    assert_eq!(find(s, "Patient", "identifier", Some(SYS2), "X").await, ["b", "c"]);
    assert_eq!(find(s, "Patient", "identifier", Some(SYS2), "Y").await, ["a"]);
    assert!(find(s, "Patient", "identifier", Some(SYS1), "Y").await.is_empty());
    assert!(
        find(s, "Patient", "identifier", Some(SYS1), "Z").await.is_empty(),
        "a system never matches no system"
    );
    // Without a system: any system, and entries without one; each id once, all of them.
    assert_eq!(find(s, "Patient", "identifier", None, "X").await, ["a", "b", "c"]);
    assert_eq!(find(s, "Patient", "identifier", None, "Z").await, ["b"]);
    // Codes match exactly; other parameters and other types stay apart.
    assert!(find(s, "Patient", "identifier", None, "x").await.is_empty());
    assert!(find(s, "Patient", "identifier", None, "").await.is_empty());
    assert_eq!(find(s, "Patient", "other", None, "X").await, ["d"]);
    assert_eq!(find(s, "Observation", "identifier", Some(SYS1), "X").await, ["o"]);
    assert!(find(s, "Encounter", "identifier", None, "X").await.is_empty());
}

pub async fn tokens_follow_updates_and_deletes(store: Arc<dyn ResourceStore>) {
    let s = &*store;
    let a = [token("identifier", Some(SYS1), "A")];
    let b = [token("identifier", Some(SYS1), "B")];
    create(s, "Patient", "p", &a).await;
    create(s, "Patient", "q", &a).await;
    assert_eq!(find(s, "Patient", "identifier", Some(SYS1), "A").await, ["p", "q"]);

    // An update replaces the version's tokens.
    let v2 = body("Patient", "p", 2, "p v2");
    write(s, &new_version("Patient", "p", 2, at(1), Method::Put, Some(&v2), &b)).await.expect("update");
    assert_eq!(find(s, "Patient", "identifier", Some(SYS1), "A").await, ["q"], "the dropped token is gone");
    assert_eq!(find(s, "Patient", "identifier", None, "B").await, ["p"]);

    // An update with the same tokens keeps them (once).
    let v3 = body("Patient", "p", 3, "p v3");
    let tokens = [b[0].clone(), token("identifier", Some(SYS2), "B")];
    write(s, &new_version("Patient", "p", 3, at(2), Method::Put, Some(&v3), &tokens)).await.expect("update");
    assert_eq!(find(s, "Patient", "identifier", None, "B").await, ["p"]);
    assert_eq!(find(s, "Patient", "identifier", Some(SYS2), "B").await, ["p"]);

    // A deleted resource is found by none of its tokens.
    write(s, &new_version("Patient", "p", 4, at(3), Method::Delete, None, &[])).await.expect("delete");
    assert!(find(s, "Patient", "identifier", None, "B").await.is_empty());
    assert!(find(s, "Patient", "identifier", Some(SYS2), "B").await.is_empty());
    assert_eq!(find(s, "Patient", "identifier", Some(SYS1), "A").await, ["q"], "other resources keep theirs");

    // Brought back, it is found by the tokens of the new version.
    let v5 = body("Patient", "p", 5, "p v5");
    write(s, &new_version("Patient", "p", 5, at(4), Method::Put, Some(&v5), &a)).await.expect("revive");
    assert_eq!(find(s, "Patient", "identifier", Some(SYS1), "A").await, ["p", "q"]);
    assert!(find(s, "Patient", "identifier", None, "B").await.is_empty());
}

pub async fn tokens_written_in_a_transaction_are_seen_by_it_and_roll_back(store: Arc<dyn ResourceStore>) {
    let t = [token("identifier", Some(SYS1), "T")];
    let u = [token("identifier", Some(SYS1), "U")];
    let (c1, c2) = (body("Patient", "p", 1, "v1"), body("Patient", "p", 2, "v2"));
    {
        let mut tx = store.begin().await.expect("begin");
        tx.write(&new_version("Patient", "p", 1, at(0), Method::Post, Some(&c1), &t)).await.expect("v1");
        assert_eq!(tx.find_by_token("Patient", "identifier", Some(SYS1), "T").await.expect("find"), ["p"]);
        tx.write(&new_version("Patient", "p", 2, at(1), Method::Put, Some(&c2), &u)).await.expect("v2");
        assert!(tx.find_by_token("Patient", "identifier", Some(SYS1), "T").await.expect("find").is_empty());
        assert_eq!(tx.find_by_token("Patient", "identifier", Some(SYS1), "U").await.expect("find"), ["p"]);
        // Dropped without commit.
    }
    assert!(find(&*store, "Patient", "identifier", None, "T").await.is_empty());
    assert!(find(&*store, "Patient", "identifier", None, "U").await.is_empty());
    assert_eq!(store.current("Patient", "p").await.expect("current"), None);
}
