//! The changes an administrator makes to an account (migration 0011): disabling revokes every
//! open session with it and enabling does not bring them back; clearing the second factor drops
//! the secret, a pending enrolment and the sessions; roles are replaced whole; the language and
//! the caregiver's RelatedPerson read back. An unknown account answers `false` and nothing is
//! written.

use std::sync::Arc;

use relais_store::{AccountRole, NewAccount, NewSession, ResourceStore};

use crate::support::at;

const ID: &str = "0193a1b2-0000-7000-8000-000000000501";
const OTHER: &str = "0193a1b2-0000-7000-8000-000000000502";
const UNKNOWN: &str = "0193a1b2-0000-7000-8000-000000000599";

fn role(code: &str, specialty: Option<&str>) -> AccountRole {
    AccountRole { role: code.to_owned(), specialty: specialty.map(str::to_owned) }
}

async fn add(store: &dyn ResourceStore, id: &str, email: &str) {
    let account = NewAccount {
        id: id.to_owned(),
        email: email.to_owned(),
        display_name: "Julie Roy".to_owned(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$hash".to_owned(),
        organisation: None,
        practitioner_id: None,
        patient_id: None,
        related_person_id: Some("rp-julie".to_owned()),
        locale: Some("en".to_owned()),
        roles: vec![role("caregiver", None)],
        created_at: at(1),
    };
    store.create_account(&account).await.expect("create");
}

async fn open_session(store: &dyn ResourceStore, hash: &str, account_id: &str) {
    let session = NewSession {
        token_hash: hash.to_owned(),
        account_id: account_id.to_owned(),
        stage: "full".to_owned(),
        created_at: at(2),
        expires_at: at(100_000),
    };
    store.create_session(&session).await.expect("create a session");
}

async fn revoked_at(store: &dyn ResourceStore, hash: &str) -> Option<jiff::Timestamp> {
    store.session(hash).await.expect("read the session").expect("the session exists").revoked_at
}

pub async fn account_related_person_and_locale_read_back(store: Arc<dyn ResourceStore>) {
    add(&*store, ID, "julie@example.org").await;
    let account = store.account_by_id(ID).await.unwrap().expect("stored");
    assert_eq!(account.related_person_id.as_deref(), Some("rp-julie"));
    assert_eq!(account.locale.as_deref(), Some("en"));

    assert!(store.set_account_locale(ID, Some("fr")).await.unwrap());
    let listed = store.list_accounts().await.unwrap();
    assert_eq!(listed[0].locale.as_deref(), Some("fr"));
    assert!(store.set_account_locale(ID, None).await.unwrap());
    assert_eq!(store.account_by_email("julie@example.org").await.unwrap().unwrap().locale, None);
    assert!(!store.set_account_locale(UNKNOWN, Some("fr")).await.unwrap());
}

pub async fn account_disabling_revokes_its_sessions_and_only_its(store: Arc<dyn ResourceStore>) {
    add(&*store, ID, "julie@example.org").await;
    add(&*store, OTHER, "marc@example.org").await;
    open_session(&*store, "h-julie-1", ID).await;
    open_session(&*store, "h-julie-2", ID).await;
    open_session(&*store, "h-marc", OTHER).await;

    assert!(store.set_account_disabled(ID, Some(at(50))).await.unwrap());
    assert_eq!(store.account_by_id(ID).await.unwrap().unwrap().disabled_at, Some(at(50)));
    assert_eq!(revoked_at(&*store, "h-julie-1").await, Some(at(50)));
    assert_eq!(revoked_at(&*store, "h-julie-2").await, Some(at(50)));
    assert_eq!(revoked_at(&*store, "h-marc").await, None, "another account's session stays open");

    // Enabling lets the person sign in again; the sessions ended stay ended.
    assert!(store.set_account_disabled(ID, None).await.unwrap());
    assert_eq!(store.account_by_id(ID).await.unwrap().unwrap().disabled_at, None);
    assert_eq!(revoked_at(&*store, "h-julie-1").await, Some(at(50)));

    assert!(!store.set_account_disabled(UNKNOWN, Some(at(60))).await.unwrap());
    assert!(store.account_by_id(UNKNOWN).await.unwrap().is_none());
}

pub async fn account_clearing_the_second_factor_drops_secret_enrolment_and_sessions(
    store: Arc<dyn ResourceStore>,
) {
    add(&*store, ID, "julie@example.org").await;
    store.confirm_totp(ID, "v1.sealed-secret", 100).await.unwrap();
    store.set_totp_pending(ID, Some("v1.pending")).await.unwrap();
    open_session(&*store, "h-julie", ID).await;
    assert!(store.account_by_id(ID).await.unwrap().unwrap().totp_secret.is_some());

    assert!(store.clear_totp_secret(ID, at(70)).await.unwrap());
    let account = store.account_by_id(ID).await.unwrap().unwrap();
    assert_eq!(account.totp_secret, None);
    let security = store.security(ID).await.unwrap();
    assert_eq!((security.totp_pending, security.totp_last_step), (None, None));
    assert_eq!(revoked_at(&*store, "h-julie").await, Some(at(70)));
    // A new secret's first step is accepted, whatever steps the old one used.
    assert!(store.accept_totp_step(ID, 5).await.unwrap());

    assert!(!store.clear_totp_secret(UNKNOWN, at(71)).await.unwrap());
}

pub async fn account_roles_are_replaced_whole(store: Arc<dyn ResourceStore>) {
    add(&*store, ID, "julie@example.org").await;
    let roles = [role("specialist", Some("dermatology")), role("physician", None)];
    assert!(store.set_account_roles(ID, &roles).await.unwrap());
    let account = store.account_by_id(ID).await.unwrap().unwrap();
    assert_eq!(account.roles, [role("physician", None), role("specialist", Some("dermatology"))]);

    assert!(store.set_account_roles(ID, &[role("administrator", None)]).await.unwrap());
    assert_eq!(store.account_by_id(ID).await.unwrap().unwrap().roles, [role("administrator", None)]);

    assert!(!store.set_account_roles(UNKNOWN, &[role("nurse", None)]).await.unwrap());
    assert!(store.account_by_id(UNKNOWN).await.unwrap().is_none());
    // A role held twice breaks the primary key: nothing of the change is kept.
    assert!(store.set_account_roles(ID, &[role("nurse", None), role("nurse", None)]).await.is_err());
    assert_eq!(store.account_by_id(ID).await.unwrap().unwrap().roles, [role("administrator", None)]);
}
