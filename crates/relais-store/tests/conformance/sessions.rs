//! Signing in (migration 0007): sessions read back, are touched and revoked one by one or all at
//! once; failures are counted (also concurrently) and lock at the threshold; a TOTP step is
//! accepted once (also when two requests race with it); a reset token is used once, sets the
//! password and revokes every session in one go; the outbox hands a message to one sender at a
//! time, retries it, and drops its body once sent.

use std::sync::Arc;

use jiff::SignedDuration;
use relais_store::{
    AccountRole, NewAccount, NewEmail, NewPasswordReset, NewSession, ResourceStore, SessionRow,
};

use crate::support::at;

async fn account(store: &dyn ResourceStore, id: &str) -> String {
    let new = NewAccount {
        id: id.to_owned(),
        email: format!("{id}@example.org"),
        display_name: format!("Infirmière {id}"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$old".to_owned(),
        organisation: None,
        practitioner_id: None,
        patient_id: None,
        related_person_id: None,
        locale: None,
        roles: vec![AccountRole { role: "nurse".to_owned(), specialty: None }],
        created_at: at(1),
    };
    store.create_account(&new).await.expect("create the account");
    new.id
}

fn session(hash: &str, account_id: &str, stage: &str) -> NewSession {
    NewSession {
        token_hash: hash.to_owned(),
        account_id: account_id.to_owned(),
        stage: stage.to_owned(),
        created_at: at(10),
        expires_at: at(1000),
    }
}

fn email(id: &str) -> NewEmail {
    NewEmail {
        id: id.to_owned(),
        recipient: "nurse@example.org".to_owned(),
        subject: "Relais".to_owned(),
        body_sealed: format!("v1.sealed-{id}"),
        attachment_sealed: None,
        topic: None,
        created_at: at(20),
        due_at: None,
    }
}

pub async fn sessions_read_back_touch_and_revoke(store: Arc<dyn ResourceStore>) {
    let a = account(&*store, "a").await;
    let b = account(&*store, "b").await;
    for (hash, owner, stage) in [("h1", &a, "full"), ("h2", &a, "second-factor"), ("h3", &b, "full")] {
        store.create_session(&session(hash, owner, stage)).await.unwrap();
    }
    let read = store.session("h2").await.unwrap().unwrap();
    let want = SessionRow {
        token_hash: "h2".into(),
        account_id: a.clone(),
        stage: "second-factor".into(),
        created_at: at(10),
        last_seen_at: at(10),
        expires_at: at(1000),
        revoked_at: None,
    };
    assert_eq!(read, want);
    assert!(store.session("nope").await.unwrap().is_none());

    store.touch_session("h1", at(50)).await.unwrap();
    store.touch_session("h1", at(40)).await.unwrap(); // late and older: ignored
    assert_eq!(store.session("h1").await.unwrap().unwrap().last_seen_at, at(50));

    assert!(store.revoke_session("h1", at(60)).await.unwrap());
    assert!(!store.revoke_session("h1", at(61)).await.unwrap(), "already revoked");
    assert_eq!(store.session("h1").await.unwrap().unwrap().revoked_at, Some(at(60)));

    // Everywhere: the account's other open session, not the other account's.
    assert_eq!(store.revoke_sessions_of(&a, at(70)).await.unwrap(), 1);
    assert_eq!(store.session("h2").await.unwrap().unwrap().revoked_at, Some(at(70)));
    assert_eq!(store.session("h1").await.unwrap().unwrap().revoked_at, Some(at(60)), "kept");
    assert_eq!(store.session("h3").await.unwrap().unwrap().revoked_at, None);
}

pub async fn failures_lock_at_the_threshold_and_clear(store: Arc<dyn ResourceStore>) {
    let a = account(&*store, "a").await;
    let lock_for = SignedDuration::from_mins(15);
    assert_eq!(store.security(&a).await.unwrap().failed_attempts, 0);
    for n in 1..=2 {
        let r = store.record_sign_in_failure(&a, at(n), 3, lock_for).await.unwrap();
        assert_eq!((r.failed_attempts, r.locked_until), (u32::try_from(n).unwrap(), None));
    }
    let locked = store.record_sign_in_failure(&a, at(3), 3, lock_for).await.unwrap();
    let until = at(3).checked_add(lock_for).unwrap();
    assert_eq!(locked.locked_until, Some(until));
    let state = store.security(&a).await.unwrap();
    assert_eq!((state.failed_attempts, state.locked_until), (0, Some(until)));

    store.clear_sign_in_failures(&a).await.unwrap();
    let state = store.security(&a).await.unwrap();
    assert_eq!((state.failed_attempts, state.locked_until), (0, None));
}

pub async fn concurrent_failures_are_all_counted(store: Arc<dyn ResourceStore>) {
    let a = account(&*store, "a").await;
    let tries = (0..12).map(|i| {
        let (store, a) = (store.clone(), a.clone());
        tokio::spawn(async move {
            store.record_sign_in_failure(&a, at(i), 100, SignedDuration::from_mins(1)).await.unwrap()
        })
    });
    for t in futures::future::join_all(tries).await {
        t.unwrap();
    }
    assert_eq!(store.security(&a).await.unwrap().failed_attempts, 12);
}

pub async fn a_totp_step_is_accepted_once(store: Arc<dyn ResourceStore>) {
    let a = account(&*store, "a").await;
    store.set_totp_pending(&a, Some("v1.pending")).await.unwrap();
    assert_eq!(store.security(&a).await.unwrap().totp_pending.as_deref(), Some("v1.pending"));
    store.confirm_totp(&a, "v1.pending", 100).await.unwrap();
    let state = store.security(&a).await.unwrap();
    assert_eq!((state.totp_pending, state.totp_last_step), (None, Some(100)));
    assert_eq!(store.account_by_id(&a).await.unwrap().unwrap().totp_secret.as_deref(), Some("v1.pending"));

    assert!(!store.accept_totp_step(&a, 100).await.unwrap(), "the confirming code's step is used");
    assert!(!store.accept_totp_step(&a, 99).await.unwrap());
    assert!(store.accept_totp_step(&a, 101).await.unwrap());
    // Two requests with the same code: exactly one is accepted.
    let racers = (0..6).map(|_| {
        let (store, a) = (store.clone(), a.clone());
        tokio::spawn(async move { store.accept_totp_step(&a, 102).await.unwrap() })
    });
    let accepted =
        futures::future::join_all(racers).await.into_iter().filter(|r| *r.as_ref().unwrap()).count();
    assert_eq!(accepted, 1);
    // An account never seen by this table accepts its first step.
    let b = account(&*store, "b").await;
    assert!(store.accept_totp_step(&b, 5).await.unwrap());
}

pub async fn a_reset_token_works_once_and_ends_every_session(store: Arc<dyn ResourceStore>) {
    let a = account(&*store, "a").await;
    store.create_session(&session("s1", &a, "full")).await.unwrap();
    store.create_session(&session("s2", &a, "full")).await.unwrap();
    store.record_sign_in_failure(&a, at(5), 1, SignedDuration::from_mins(15)).await.unwrap();
    let reset = NewPasswordReset {
        token_hash: "r1".into(),
        account_id: a.clone(),
        created_at: at(20),
        expires_at: at(200),
    };
    store.create_password_reset(&reset, &email("m1")).await.unwrap();
    let outbox = store.outbox().await.unwrap();
    assert_eq!(outbox.len(), 1, "the email is queued with the token");
    assert_eq!(outbox[0].body_sealed.as_deref(), Some("v1.sealed-m1"));

    assert_eq!(store.complete_password_reset("other", at(30), "$new").await.unwrap(), None);
    assert_eq!(store.complete_password_reset("r1", at(200), "$new").await.unwrap(), None, "expired");
    assert_eq!(store.complete_password_reset("r1", at(30), "$new").await.unwrap(), Some(a.clone()));
    assert_eq!(store.account_by_id(&a).await.unwrap().unwrap().password_hash, "$new");
    for s in ["s1", "s2"] {
        assert_eq!(store.session(s).await.unwrap().unwrap().revoked_at, Some(at(30)), "{s}");
    }
    assert_eq!(store.security(&a).await.unwrap().locked_until, None, "the lock is lifted");
    assert_eq!(store.complete_password_reset("r1", at(31), "$again").await.unwrap(), None, "used");
    assert_eq!(store.account_by_id(&a).await.unwrap().unwrap().password_hash, "$new");

    // Two uses racing: one sets its password, the other nothing.
    let reset = NewPasswordReset {
        token_hash: "r2".into(),
        account_id: a.clone(),
        created_at: at(40),
        expires_at: at(400),
    };
    store.create_password_reset(&reset, &email("m2")).await.unwrap();
    let racers = (0..4).map(|i| {
        let store = store.clone();
        tokio::spawn(async move {
            store.complete_password_reset("r2", at(50), &format!("$race{i}")).await.unwrap()
        })
    });
    let won =
        futures::future::join_all(racers).await.into_iter().filter(|r| r.as_ref().unwrap().is_some()).count();
    assert_eq!(won, 1);
}

pub async fn the_outbox_hands_each_message_to_one_sender_and_retries(store: Arc<dyn ResourceStore>) {
    for id in ["m1", "m2", "m3"] {
        store.enqueue_email(&email(id)).await.unwrap();
    }
    let claimed = store.claim_due_emails(at(20), at(320), 2).await.unwrap();
    assert_eq!(claimed.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["m1", "m2"]);
    assert!(claimed.iter().all(|e| e.attempts == 1 && e.next_attempt_at == at(320)));
    let rest = store.claim_due_emails(at(21), at(321), 10).await.unwrap();
    assert_eq!(
        rest.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        ["m3"],
        "leased ones are not handed out again"
    );

    store.email_sent("m1", at(22)).await.unwrap();
    store.email_failed("m2", "smtp-transient", Some(at(100))).await.unwrap();
    store.email_failed("m3", "smtp-permanent", None).await.unwrap();
    assert!(store.claim_due_emails(at(99), at(399), 10).await.unwrap().is_empty());
    let retried = store.claim_due_emails(at(100), at(400), 10).await.unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!((retried[0].id.as_str(), retried[0].attempts), ("m2", 2));
    assert_eq!(retried[0].last_error.as_deref(), Some("smtp-transient"));
    store.email_sent("m2", at(101)).await.unwrap();

    let outbox = store.outbox().await.unwrap();
    assert_eq!(
        (outbox[0].sent_at, outbox[0].body_sealed.as_deref()),
        (Some(at(22)), None),
        "body dropped once sent"
    );
    assert_eq!(outbox[2].last_error.as_deref(), Some("smtp-permanent"));
    assert!(
        store.claim_due_emails(at(1_000_000), at(1_000_300), 10).await.unwrap().is_empty(),
        "sent or given up: never again"
    );
}

pub async fn concurrent_senders_never_share_a_message(store: Arc<dyn ResourceStore>) {
    for i in 0..30 {
        store.enqueue_email(&email(&format!("m{i:02}"))).await.unwrap();
    }
    let senders = (0..4).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store.claim_due_emails(at(30), at(330), 3).await.unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|e| e.id));
            }
        })
    });
    let mut all: Vec<String> =
        futures::future::join_all(senders).await.into_iter().flat_map(|r| r.unwrap()).collect();
    all.sort();
    let count = all.len();
    all.dedup();
    assert_eq!((count, all.len()), (30, 30), "each message claimed exactly once");
}
