//! A fresh store with a patient and a nurse account, the sign-in use cases over it with a clock
//! the test moves, and readers of what the audit trail and the database hold.

#![allow(dead_code)]

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use relais_access::password;
use relais_app::auth::{Auth, AuthSettings, SignedIn};
use relais_core::{Clock, FixedClock, SequentialIds};
use relais_store::{AccountRole, NewAccount, ResourceStore, StoreOptions};
use relais_testkit::{Engine, TestDb};

pub const PATIENT_EMAIL: &str = "lea.gagne@example.org";
pub const NURSE_EMAIL: &str = "infirmiere@cisss.example";
pub const PASSWORD: &str = "Bonjour-le-monde-42";
pub const KEY: [u8; 32] = [42u8; 32];

pub struct Env {
    pub auth: Auth,
    pub store: Arc<dyn ResourceStore>,
    pub clock: Arc<FixedClock>,
    pub patient: String,
    pub nurse: String,
    pub db: TestDb,
}

impl Env {
    pub async fn new(engine: Engine) -> Env {
        Self::with(engine, AuthSettings { lock_after_failures: 3, ..AuthSettings::default() }).await
    }

    pub async fn with(engine: Engine, settings: AuthSettings) -> Env {
        let db = TestDb::new(engine).await;
        let store = relais_store::open(db.url(), &StoreOptions::default()).await.unwrap();
        store.migrate().await.unwrap();
        let clock = Arc::new(FixedClock::new("2026-11-26T10:00:00Z".parse().unwrap()));
        let phc = password::hash(PASSWORD).unwrap();
        let patient = add_account(&*store, "p1", PATIENT_EMAIL, "patient", &phc).await;
        let nurse = add_account(&*store, "n1", NURSE_EMAIL, "nurse", &phc).await;
        let clock_dyn: Arc<dyn Clock> = clock.clone();
        let auth = Auth::new(store.clone(), clock_dyn, Arc::new(SequentialIds::new("m")), settings, &KEY);
        Env { auth, store, clock, patient, nurse, db }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn advance(&self, seconds: i64) {
        self.clock.advance(SignedDuration::from_secs(seconds));
    }

    /// `(action, outcome, actor)` of every audit record, in order.
    pub async fn audit(&self) -> Vec<(String, String, String)> {
        let records = self.store.audit_records(0, 1000).await.unwrap();
        records.into_iter().map(|r| (r.action, r.outcome.code().to_owned(), r.actor)).collect()
    }

    /// The actions recorded after the first `skip` records.
    pub async fn actions_since(&self, skip: usize) -> Vec<String> {
        self.audit().await.into_iter().skip(skip).map(|(action, _, _)| action).collect()
    }

    /// Signs the nurse in and sets up her second factor; answers her full session.
    pub async fn nurse_with_totp(&self) -> (SignedIn, relais_access::totp::TotpSecret) {
        let first = self.auth.sign_in(NURSE_EMAIL, PASSWORD, None).await.unwrap();
        let enrolment = self.auth.start_totp_enrolment(first.token.as_str()).await.unwrap();
        let secret = relais_access::totp::TotpSecret::from_base32(&enrolment.secret_base32).unwrap();
        let code = relais_access::totp::code_at(&secret, self.now()).unwrap();
        let full = self.auth.confirm_totp_enrolment(first.token.as_str(), &code, None).await.unwrap();
        (full, secret)
    }

    pub async fn close(self) {
        self.store.close().await;
    }
}

pub async fn add_account(store: &dyn ResourceStore, id: &str, email: &str, role: &str, phc: &str) -> String {
    let account = NewAccount {
        id: id.to_owned(),
        email: email.to_owned(),
        display_name: format!("Personne {id}"),
        password_hash: phc.to_owned(),
        organisation: None,
        practitioner_id: None,
        patient_id: None,
        related_person_id: None,
        locale: None,
        roles: vec![AccountRole { role: role.to_owned(), specialty: None }],
        created_at: "2026-01-01T00:00:00Z".parse().unwrap(),
    };
    store.create_account(&account).await.unwrap();
    account.id
}

/// A column of the accounts table, read with SQL outside the store.
pub async fn stored_column(env: &Env, sql: &'static str, id: &str) -> Option<String> {
    use sqlx::Connection;
    match env.store.engine() {
        "sqlite" => {
            let mut conn = sqlx::SqliteConnection::connect(env.db.url()).await.unwrap();
            sqlx::query_scalar(sql).bind(id).fetch_one(&mut conn).await.unwrap()
        }
        _ => {
            let mut conn = sqlx::PgConnection::connect(env.db.url()).await.unwrap();
            sqlx::query_scalar(sql).bind(id).fetch_one(&mut conn).await.unwrap()
        }
    }
}
