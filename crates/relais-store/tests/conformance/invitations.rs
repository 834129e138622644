//! Invitation links (migration 0010): an invitation reads back by id and by token hash; a use is
//! counted only while it is open (not revoked, not expired, not used up); a single-use link used
//! many times at once is used exactly once; revoking twice revokes once.

use std::sync::Arc;

use relais_store::{InvitationRow, NewInvitation, ResourceStore};

use crate::support::at;

fn invitation(id: &str, hash: &str, max_uses: u32) -> NewInvitation {
    NewInvitation {
        id: id.to_owned(),
        token_hash: hash.to_owned(),
        purpose: "appointment".to_owned(),
        target: "Appointment/a1".to_owned(),
        patient_id: Some("p1".to_owned()),
        invitee: "Jeanne Gagné".to_owned(),
        created_by: "nurse-1".to_owned(),
        created_at: at(0),
        expires_at: at(100),
        max_uses,
    }
}

pub async fn invitation_reads_back_and_is_used_while_open(store: Arc<dyn ResourceStore>) {
    store.create_invitation(&invitation("i1", "h1", 2)).await.unwrap();
    let want = InvitationRow {
        id: "i1".into(),
        purpose: "appointment".into(),
        target: "Appointment/a1".into(),
        patient_id: Some("p1".into()),
        invitee: "Jeanne Gagné".into(),
        created_by: "nurse-1".into(),
        created_at: at(0),
        expires_at: at(100),
        revoked_at: None,
        max_uses: 2,
        uses: 0,
        last_used_at: None,
    };
    assert_eq!(store.invitation("i1").await.unwrap(), Some(want.clone()));
    assert_eq!(store.invitation_by_token("h1").await.unwrap(), Some(want.clone()));
    assert_eq!(store.invitation("nope").await.unwrap(), None);
    assert_eq!(store.invitation_by_token("nope").await.unwrap(), None);
    assert_eq!(store.use_invitation("nope", at(1)).await.unwrap(), None, "an unknown token is not used");

    let first = store.use_invitation("h1", at(10)).await.unwrap().expect("first use");
    assert_eq!((first.uses, first.last_used_at), (1, Some(at(10))));
    let second = store.use_invitation("h1", at(20)).await.unwrap().expect("second use");
    assert_eq!((second.uses, second.last_used_at), (2, Some(at(20))));
    assert_eq!(store.use_invitation("h1", at(30)).await.unwrap(), None, "used up after two");
    assert_eq!(store.invitation("i1").await.unwrap().unwrap().uses, 2, "a refused use is not counted");

    // Expiry: open until just before expires_at.
    store.create_invitation(&invitation("i2", "h2", 5)).await.unwrap();
    assert_eq!(store.use_invitation("h2", at(100)).await.unwrap(), None, "expired at expires_at");
    assert!(store.use_invitation("h2", at(99)).await.unwrap().is_some());

    // Revocation: once, and the link is closed.
    store.create_invitation(&invitation("i3", "h3", 5)).await.unwrap();
    assert!(store.revoke_invitation("i3", at(5)).await.unwrap());
    assert!(!store.revoke_invitation("i3", at(6)).await.unwrap(), "already revoked");
    assert!(!store.revoke_invitation("nope", at(6)).await.unwrap());
    assert_eq!(store.invitation("i3").await.unwrap().unwrap().revoked_at, Some(at(5)));
    assert_eq!(store.use_invitation("h3", at(7)).await.unwrap(), None, "revoked");
}

pub async fn invitation_duplicate_token_is_refused(store: Arc<dyn ResourceStore>) {
    store.create_invitation(&invitation("i1", "h1", 1)).await.unwrap();
    assert!(store.create_invitation(&invitation("i2", "h1", 1)).await.is_err(), "token hashes are unique");
    assert_eq!(store.invitation("i2").await.unwrap(), None);
}

pub async fn invitation_single_use_raced_succeeds_once(store: Arc<dyn ResourceStore>) {
    store.create_invitation(&invitation("i1", "h1", 1)).await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move { store.use_invitation("h1", at(10 + n)).await.unwrap() })
        })
        .collect();
    let mut used = 0;
    for task in tasks {
        used += usize::from(task.await.unwrap().is_some());
    }
    assert_eq!(used, 1, "exactly one of eight concurrent uses succeeds");
    assert_eq!(store.invitation("i1").await.unwrap().unwrap().uses, 1);
}
