//! The patient's own account from the enrolment email's link, on real databases (SQLite and
//! PostgreSQL) and a real SMTP server: the email carries a single-use link; a password that
//! breaks the rule spends nothing; the right one creates a `patient` account linked to the
//! Patient (with their address and language), on the trail as an invitation use and an account
//! creation; the link then, or once expired or revoked, creates nothing; an address that already
//! has an account is told so and the link is left unused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use relais_access::policy::{Principal, Role};
use relais_access::token::token_hash;
use relais_app::access::{Caller, Identity, grants_for};
use relais_app::mail::{Mailer, Outbox};
use relais_app::monitoring::Monitoring;
use relais_app::monitoring::enrolment::Enrol;
use relais_app::monitoring::welcome::WelcomeError;
use relais_clinical::program::Catalog;
use relais_core::Clock;
use relais_store::{AccountRole, NewAccount};
use relais_testkit::{Engine, SmtpSink};
use serde_json::json;
use support::{Texts, World, put};

const KEY: [u8; 32] = [9; 32];
const PASSWORD: &str = "correct horse battery";

async fn nurse(world: &World) -> Caller {
    let identity = Identity {
        roles: BTreeSet::from([Role::Nurse]),
        practitioner: Some("nurse1".into()),
        ..Identity::default()
    };
    let grants = grants_for(world.store.as_ref(), &world.params, &identity).await.unwrap();
    Caller::new(Principal { id: "nurse1".into(), roles: identity.roles, grants, ..Principal::default() })
}

struct Env {
    world: World,
    monitoring: Monitoring,
    mailer: Mailer,
    sink: SmtpSink,
    sent: usize,
}

impl Env {
    async fn new(engine: Engine) -> Env {
        let world = World::new(engine).await;
        let outbox = Outbox::new(&KEY, Arc::new(Texts), "https://relais.example/", Default::default());
        let monitoring =
            Monitoring::new(world.fhir.clone(), Arc::new(Catalog::defaults().unwrap())).with_outbox(outbox);
        let sink = SmtpSink::start().await;
        let mailer = support::mailer(&world, sink.port, &KEY);
        Env { world, monitoring, mailer, sink, sent: 0 }
    }

    /// Gives `patient` (in `nurse1`'s care) an address and a language, enrols them and answers
    /// the token of the account link their email carries.
    async fn enrol(&mut self, patient: &str, email: &str) -> String {
        put(&self.world.fhir, support::care_team(&format!("team-{patient}"), patient, "nurse1", "active"))
            .await;
        put(
            &self.world.fhir,
            json!({"resourceType": "Patient", "id": patient,
                "name": [{"family": "Martin", "given": ["Alice"]}],
                "communication": [{"language": {"coding": [{"code": "en"}]}, "preferred": true}],
                "telecom": [{"system": "email", "value": email}]}),
        )
        .await;
        let enrol = Enrol { patient: patient.into(), program: "heart-failure".into(), devices: Vec::new() };
        self.monitoring.enrol_and_invite(&nurse(&self.world).await, &enrol).await.unwrap();
        assert_eq!(self.mailer.deliver_due().await.unwrap(), 1);
        self.sent += 1;
        let mail = self.sink.wait_for(self.sent, Duration::from_secs(5)).await.remove(self.sent - 1);
        assert_eq!(mail.to, [email]);
        let body = mail.body().replace("\r\n", "\n");
        assert!(body.contains("link: https://relais.example/my/readings"), "{body}");
        assert!(body.contains("days: 14"), "{body}");
        let line = body.lines().find(|l| l.starts_with("account_link: ")).expect("an account link");
        let token = line.strip_prefix("account_link: https://relais.example/my/welcome?token=");
        token.expect("the link to the welcome page").to_owned()
    }

    /// `(action, outcome, actor, query)` of every record of `action`.
    async fn trail(&self, action: &str) -> Vec<(String, String, Option<String>)> {
        let records = self.world.store.audit_records(0, 10_000).await.unwrap();
        records
            .into_iter()
            .filter(|r| r.action == action)
            .map(|r| (r.outcome.code().to_owned(), r.actor, r.query.or(r.purpose)))
            .collect()
    }
}

async fn the_enrolment_link_creates_the_patients_account_once(engine: Engine) {
    let mut env = Env::new(engine).await;
    let token = env.enrol("alice", "Alice@Example.org").await;
    let monitoring = env.monitoring.clone();
    monitoring.welcome(&token).await.unwrap();

    // A short password spends nothing.
    let short = monitoring.create_patient_account(&token, "short", Some("127.0.0.1")).await;
    assert!(matches!(short, Err(WelcomeError::Password(_))), "{short:?}");
    monitoring.welcome(&token).await.unwrap();
    assert!(env.trail("invitation-use").await.is_empty());

    let done = monitoring.create_patient_account(&token, PASSWORD, Some("127.0.0.1")).await.unwrap();
    assert_eq!(done.email, "alice@example.org");
    let account = env.world.store.account_by_email("alice@example.org").await.unwrap().unwrap();
    assert_eq!(account.id, done.account_id);
    assert_eq!(account.patient_id.as_deref(), Some("alice"));
    assert_eq!(account.locale.as_deref(), Some("en"));
    assert_eq!(account.display_name, "Alice Martin");
    let roles: Vec<_> = account.roles.iter().map(|r| r.role.as_str()).collect();
    assert_eq!(roles, ["patient"]);
    assert!(account.password_hash.starts_with("$argon2id$"), "argon2id");
    assert!(!account.password_hash.contains(PASSWORD));

    let uses = env.trail("invitation-use").await;
    assert_eq!(uses.len(), 1);
    assert_eq!(uses[0].0, "success");
    assert!(uses[0].1.starts_with("invitation:"));
    let created = env.trail("account-create").await;
    assert_eq!(created, [("success".to_owned(), uses[0].1.clone(), Some("roles=patient".to_owned()))]);

    // Used: nothing more, on the trail as used up.
    assert!(matches!(monitoring.welcome(&token).await, Err(WelcomeError::InvalidLink)));
    let again = monitoring.create_patient_account(&token, "another long password", None).await;
    assert!(matches!(again, Err(WelcomeError::InvalidLink)), "{again:?}");
    let uses = env.trail("invitation-use").await;
    assert_eq!(uses.last().unwrap().2.as_deref(), Some("invitation-used-up"));
    assert_eq!(env.trail("account-create").await.len(), 1);
    env.world.close().await;
}

async fn expired_revoked_and_existing_accounts_create_nothing(engine: Engine) {
    let mut env = Env::new(engine).await;
    let monitoring = env.monitoring.clone();
    let store = env.world.store.clone();

    // Revoked: says so, creates nothing.
    let revoked = env.enrol("bob", "bob@example.org").await;
    let row = store.invitation_by_token(&token_hash(&revoked)).await.unwrap().unwrap();
    store.revoke_invitation(&row.id, env.world.clock.now()).await.unwrap();
    assert!(matches!(monitoring.welcome(&revoked).await, Err(WelcomeError::InvalidLink)));
    let refused = monitoring.create_patient_account(&revoked, PASSWORD, None).await;
    assert!(matches!(refused, Err(WelcomeError::InvalidLink)), "{refused:?}");
    assert!(store.account_by_email("bob@example.org").await.unwrap().is_none());

    // An address with an account already: told so, the link left for nothing else.
    let taken = env.enrol("carol", "carol@example.org").await;
    let existing = NewAccount {
        id: "carol-account".into(),
        email: "carol@example.org".into(),
        display_name: "Carol".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$x$y".into(),
        organisation: None,
        practitioner_id: None,
        patient_id: Some("carol".into()),
        related_person_id: None,
        locale: None,
        roles: vec![AccountRole { role: "patient".into(), specialty: None }],
        created_at: env.world.clock.now(),
    };
    store.create_account(&existing).await.unwrap();
    let refused = monitoring.create_patient_account(&taken, PASSWORD, None).await;
    assert!(matches!(refused, Err(WelcomeError::AccountExists)), "{refused:?}");
    monitoring.welcome(&taken).await.unwrap();

    // Expired: at fourteen days exactly.
    let expiring = env.enrol("dan", "dan@example.org").await;
    env.world.clock.advance(SignedDuration::from_hours(24 * 14 - 1));
    monitoring.welcome(&expiring).await.unwrap();
    env.world.clock.advance(SignedDuration::from_hours(1));
    assert!(matches!(monitoring.welcome(&expiring).await, Err(WelcomeError::InvalidLink)));
    let refused = monitoring.create_patient_account(&expiring, PASSWORD, None).await;
    assert!(matches!(refused, Err(WelcomeError::InvalidLink)), "{refused:?}");
    assert!(store.account_by_email("dan@example.org").await.unwrap().is_none());
    let reasons: Vec<_> = env.trail("invitation-use").await.into_iter().filter_map(|u| u.2).collect();
    assert_eq!(reasons, ["invitation-revoked", "invitation-expired"]);

    // Nonsense creates nothing either.
    let refused = monitoring.create_patient_account("not-a-token", PASSWORD, None).await;
    assert!(matches!(refused, Err(WelcomeError::InvalidLink)), "{refused:?}");
    assert!(env.trail("account-create").await.is_empty());
    env.world.close().await;
}

relais_testkit::engine_tests!(
    the_enrolment_link_creates_the_patients_account_once,
    expired_revoked_and_existing_accounts_create_nothing
);
