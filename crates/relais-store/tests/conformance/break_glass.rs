//! Break-the-glass grants (migration 0009): stored and read back, active ones listed for their
//! clinician at an instant (expired and other people's left out), the review list with
//! unreviewed ones first, newest first, in pages that together hold each grant once, and a
//! review that is taken once and never overwritten.

use std::sync::Arc;

use relais_store::{AccountRole, BreakGlassRow, NewAccount, ResourceStore, StoreError};

use crate::support::at;

async fn account(store: &dyn ResourceStore, id: &str, role: &str) {
    let new = NewAccount {
        id: id.to_owned(),
        email: format!("{id}@example.org"),
        display_name: format!("Personne {id}"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$old".to_owned(),
        organisation: None,
        practitioner_id: None,
        patient_id: None,
        related_person_id: None,
        locale: None,
        roles: vec![AccountRole { role: role.to_owned(), specialty: None }],
        created_at: at(0),
    };
    store.create_account(&new).await.expect("create the account");
}

fn grant(id: &str, account: &str, patient: &str, granted: i64, lasts: i64) -> BreakGlassRow {
    BreakGlassRow {
        id: id.to_owned(),
        account_id: account.to_owned(),
        patient_id: patient.to_owned(),
        reason: format!("Urgence: patiente inconsciente ({id}) — « é »"),
        granted_at: at(granted),
        expires_at: at(granted + lasts),
        reviewed_at: None,
        reviewed_by: None,
        review_note: None,
    }
}

fn ids(rows: &[BreakGlassRow]) -> Vec<&str> {
    rows.iter().map(|r| r.id.as_str()).collect()
}

pub async fn break_glass_grants_are_active_until_they_lapse(store: Arc<dyn ResourceStore>) {
    let s = &*store;
    account(s, "nurse", "nurse").await;
    account(s, "doctor", "physician").await;
    let first = grant("g1", "nurse", "carol", 100, 3600);
    s.insert_break_glass(&first).await.unwrap();
    s.insert_break_glass(&grant("g2", "nurse", "dan", 200, 60)).await.unwrap();
    s.insert_break_glass(&grant("g3", "doctor", "carol", 150, 3600)).await.unwrap();

    assert_eq!(s.break_glass_by_id("g1").await.unwrap().as_ref(), Some(&first), "reads back exactly");
    assert_eq!(s.break_glass_by_id("nope").await.unwrap(), None);
    assert!(matches!(s.insert_break_glass(&first).await, Err(StoreError::Conflict)), "one id, one grant");

    assert_eq!(ids(&s.active_break_glass("nurse", at(210)).await.unwrap()), ["g1", "g2"], "oldest first");
    assert_eq!(ids(&s.active_break_glass("nurse", at(259)).await.unwrap()), ["g1", "g2"]);
    assert_eq!(
        ids(&s.active_break_glass("nurse", at(260)).await.unwrap()),
        ["g1"],
        "a grant has lapsed at its expiry instant"
    );
    assert!(s.active_break_glass("nurse", at(3700)).await.unwrap().is_empty());
    assert_eq!(ids(&s.active_break_glass("doctor", at(210)).await.unwrap()), ["g3"], "each their own");
    assert!(s.active_break_glass("nobody", at(210)).await.unwrap().is_empty());

    // Only an existing account can hold one.
    let stray = grant("g9", "ghost", "carol", 100, 60);
    assert!(s.insert_break_glass(&stray).await.is_err(), "the account must exist");
    assert_eq!(s.break_glass_by_id("g9").await.unwrap(), None);
}

pub async fn break_glass_review_lists_unreviewed_first_newest_first_and_marks_once(
    store: Arc<dyn ResourceStore>,
) {
    let s = &*store;
    account(s, "nurse", "nurse").await;
    account(s, "officer", "privacy-officer").await;
    // Seven grants; g4 and g5 at the same instant (the id breaks the tie).
    for (id, second) in [("g1", 10), ("g2", 20), ("g3", 30), ("g4", 40), ("g5", 40), ("g6", 60), ("g7", 70)] {
        s.insert_break_glass(&grant(id, "nurse", "carol", second, 600)).await.unwrap();
    }
    assert!(s.mark_break_glass_reviewed("g6", "officer", at(1000), "Justifié").await.unwrap());
    assert!(s.mark_break_glass_reviewed("g2", "officer", at(1001), "Vu").await.unwrap());
    // Once only: a second review changes nothing.
    assert!(!s.mark_break_glass_reviewed("g6", "officer", at(2000), "Autre avis").await.unwrap());
    assert!(!s.mark_break_glass_reviewed("nope", "officer", at(2000), "x").await.unwrap());
    let g6 = s.break_glass_by_id("g6").await.unwrap().unwrap();
    assert_eq!(
        (g6.reviewed_at, g6.reviewed_by.as_deref(), g6.review_note.as_deref()),
        (Some(at(1000)), Some("officer"), Some("Justifié"))
    );

    let want = ["g7", "g5", "g4", "g3", "g1", "g6", "g2"];
    let all = s.break_glass_for_review(None, 100).await.unwrap();
    assert_eq!(ids(&all), want, "unreviewed first, each part newest first");

    // Pages of two, each starting after the last of the previous one: every grant once.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = s.break_glass_for_review(after.as_ref(), 2).await.unwrap();
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = Some(last.position());
        paged.extend(page.iter().map(|r| r.id.clone()));
    }
    assert_eq!(paged, want);
}
