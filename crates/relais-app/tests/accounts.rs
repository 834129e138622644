//! Account administration on SQLite and PostgreSQL: the operator creates the first administrator,
//! who then creates, lists, disables, enables, resets and re-roles accounts; anyone else is
//! refused; an administrator cannot lock themself (or everyone) out; bad fields are named with
//! their codes and store nothing; a disabled account cannot sign in and its sessions end at once;
//! a reset second factor must be set up again; a person chooses their language. Every call is on
//! the audit trail with who, on which account, what, the outcome and the address.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth_support;

use std::sync::Arc;

use auth_support::{Env, NURSE_EMAIL, PASSWORD, PATIENT_EMAIL};
use relais_access::audit::AuditRecord;
use relais_app::accounts::{AccountAdmin, AccountError, Actor, NewAccountForm};
use relais_app::audit::AuditWriter;
use relais_app::auth::{AuthError, Stage};
use relais_core::SequentialIds;
use relais_store::AccountRole;
use relais_testkit::Engine;

relais_testkit::engine_tests!(
    the_operator_creates_the_first_administrator_who_manages_accounts,
    anyone_but_an_active_administrator_is_refused_and_recorded,
    an_administrator_cannot_lock_themself_or_everyone_out,
    bad_fields_are_named_with_their_codes_and_store_nothing,
    a_disabled_account_cannot_sign_in_and_its_sessions_end,
    a_reset_second_factor_must_be_set_up_again,
    roles_are_replaced_and_a_person_chooses_their_language,
);

const ADMIN_EMAIL: &str = "admin@cisss.example";
const ADDRESS: &str = "192.0.2.44";

struct Admin {
    env: Env,
    admin: AccountAdmin,
    /// The administrator created by the operator, acting from [`ADDRESS`].
    actor: Actor,
}

impl Admin {
    async fn new(engine: Engine) -> Admin {
        let env = Env::new(engine).await;
        let writer = AuditWriter::start(env.store.clone());
        let admin = AccountAdmin::new(
            env.store.clone(),
            env.clock.clone(),
            Arc::new(SequentialIds::new("acct")),
            writer,
        );
        let created =
            admin.create_account(&Actor::Operator, form(ADMIN_EMAIL, &["administrator"])).await.unwrap();
        let actor = Actor::Account { id: created.id, address: Some(ADDRESS.into()) };
        Admin { env, admin, actor }
    }

    fn actor_id(&self) -> &str {
        match &self.actor {
            Actor::Account { id, .. } => id,
            Actor::Operator => unreachable!(),
        }
    }

    /// The audit records after the first `skip`.
    async fn records_since(&self, skip: usize) -> Vec<AuditRecord> {
        self.env.store.audit_records(0, 1000).await.unwrap().into_iter().skip(skip).collect()
    }

    async fn record_count(&self) -> usize {
        self.env.store.audit_records(0, 1000).await.unwrap().len()
    }
}

fn form(email: &str, roles: &[&str]) -> NewAccountForm {
    NewAccountForm {
        email: email.into(),
        display_name: "Julie Roy".into(),
        password: PASSWORD.into(),
        roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        ..NewAccountForm::default()
    }
}

fn nurse_actor(env: &Env) -> Actor {
    Actor::Account { id: env.nurse.clone(), address: Some("198.51.100.9".into()) }
}

/// (actor, action, outcome, target, address, detail) of a record.
fn row(r: &AuditRecord) -> (&str, &str, &str, Option<&str>, Option<&str>, Option<&str>) {
    (
        r.actor.as_str(),
        r.action.as_str(),
        r.outcome.code(),
        r.resource_id.as_deref(),
        r.source_address.as_deref(),
        r.query.as_deref(),
    )
}

async fn the_operator_creates_the_first_administrator_who_manages_accounts(engine: Engine) {
    let t = Admin::new(engine).await;
    let first = t.records_since(0).await;
    assert_eq!(first.len(), 1);
    assert_eq!(
        row(&first[0]),
        ("system:cli", "account-create", "success", Some(t.actor_id()), None, Some("roles=administrator"))
    );

    let caregiver = NewAccountForm {
        related_person_id: Some("daughter".into()),
        locale: Some("en".into()),
        ..form(" Fille@Example.ORG ", &["caregiver"])
    };
    let created = t.admin.create_account(&t.actor, caregiver).await.unwrap();
    assert_eq!(created.email, "fille@example.org");
    assert_eq!(created.related_person_id.as_deref(), Some("daughter"));
    assert_eq!(created.locale.as_deref(), Some("en"));
    assert!(!created.second_factor);
    // The person can sign in with the password given.
    let signed_in = t.env.auth.sign_in("fille@example.org", PASSWORD, None).await.unwrap();
    assert_eq!(signed_in.stage, Stage::Full, "a caregiver needs no second factor by default");

    let listed = t.admin.list_accounts(&t.actor).await.unwrap();
    let emails: Vec<&str> = listed.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(emails, [ADMIN_EMAIL, "fille@example.org", NURSE_EMAIL, PATIENT_EMAIL]);

    let actions: Vec<_> =
        t.records_since(1).await.iter().map(|r| (r.action.clone(), r.actor.clone())).collect();
    let me = t.actor_id().to_owned();
    assert_eq!(
        actions,
        [
            ("account-create".to_owned(), me.clone()),
            ("sign-in".to_owned(), created.id.clone()),
            ("account-list".to_owned(), me)
        ]
    );
    let create = &t.records_since(1).await[0];
    assert_eq!(create.resource_id.as_deref(), Some(created.id.as_str()));
    assert_eq!(create.source_address.as_deref(), Some(ADDRESS));
    t.env.close().await;
}

async fn anyone_but_an_active_administrator_is_refused_and_recorded(engine: Engine) {
    let t = Admin::new(engine).await;
    let nurse = nurse_actor(&t.env);
    let patient = t.env.patient.clone();
    let before = t.record_count().await;
    let refusals = [
        t.admin.create_account(&nurse, form("x@example.org", &["administrator"])).await.map(|_| ()),
        t.admin.list_accounts(&nurse).await.map(|_| ()),
        t.admin.disable_account(&nurse, &patient).await.map(|_| ()),
        t.admin.enable_account(&nurse, &patient).await.map(|_| ()),
        t.admin.reset_second_factor(&nurse, &patient).await.map(|_| ()),
        t.admin.set_roles(&nurse, &t.env.nurse, &["administrator".into()], None).await.map(|_| ()),
    ];
    for refused in refusals {
        let e = refused.unwrap_err();
        assert!(matches!(e, AccountError::NotAdministrator), "{e:?}");
        assert_eq!((e.code(), e.status(), e.field()), ("not-administrator", 403, None));
    }
    // Nothing changed: the nurse did not make herself an administrator, no account appeared, the
    // patient is not disabled.
    let nurse_now = t.env.store.account_by_id(&t.env.nurse).await.unwrap().unwrap();
    assert_eq!(nurse_now.roles, [AccountRole { role: "nurse".into(), specialty: None }]);
    assert!(t.env.store.account_by_email("x@example.org").await.unwrap().is_none());
    assert!(t.env.store.account_by_id(&patient).await.unwrap().unwrap().disabled_at.is_none());

    let records = t.records_since(before).await;
    let actions: Vec<&str> = records.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "account-create",
            "account-list",
            "account-disable",
            "account-enable",
            "account-reset-second-factor",
            "account-set-roles"
        ]
    );
    for r in &records {
        assert_eq!((r.actor.as_str(), r.outcome.code()), (t.env.nurse.as_str(), "denied"));
        assert_eq!(r.query.as_deref(), Some("refused=not-administrator"));
        assert_eq!(r.source_address.as_deref(), Some("198.51.100.9"));
    }
    assert_eq!(records[2].resource_id.as_deref(), Some(patient.as_str()), "on which account");

    // An administrator whose account was disabled is no administrator any more.
    let second =
        t.admin.create_account(&t.actor, form("admin2@cisss.example", &["administrator"])).await.unwrap();
    t.admin.disable_account(&t.actor, &second.id).await.unwrap();
    let disabled_admin = Actor::Account { id: second.id, address: None };
    let e = t.admin.list_accounts(&disabled_admin).await.unwrap_err();
    assert!(matches!(e, AccountError::NotAdministrator), "{e:?}");
    t.env.close().await;
}

async fn an_administrator_cannot_lock_themself_or_everyone_out(engine: Engine) {
    let t = Admin::new(engine).await;
    let me = t.actor_id().to_owned();
    let e = t.admin.disable_account(&t.actor, &me).await.unwrap_err();
    assert_eq!((e.code(), e.status()), ("cannot-disable-self", 409));
    let e = t.admin.set_roles(&t.actor, &me, &["nurse".into()], None).await.unwrap_err();
    assert_eq!((e.code(), e.field()), ("cannot-remove-own-administrator", Some("roles")));
    // The operator may not leave the installation without an active administrator either.
    let e = t.admin.disable_account(&Actor::Operator, &me).await.unwrap_err();
    assert_eq!(e.code(), "last-administrator");
    let e = t.admin.set_roles(&Actor::Operator, &me, &["nurse".into()], None).await.unwrap_err();
    assert_eq!(e.code(), "last-administrator");
    let account = t.env.store.account_by_id(&me).await.unwrap().unwrap();
    assert!(account.disabled_at.is_none());
    assert_eq!(account.roles, [AccountRole { role: "administrator".into(), specialty: None }]);
    let outcomes: Vec<String> =
        t.records_since(1).await.iter().map(|r| r.outcome.code().to_owned()).collect();
    assert_eq!(outcomes, ["denied"; 4]);

    // With a second administrator, the operator can disable the first; the second can keep
    // their own role while adding others to it.
    let second =
        t.admin.create_account(&t.actor, form("admin2@cisss.example", &["administrator"])).await.unwrap();
    let disabled = t.admin.disable_account(&Actor::Operator, &me).await.unwrap();
    assert!(disabled.disabled_at.is_some());
    let second_actor = Actor::Account { id: second.id.clone(), address: None };
    let roles = ["administrator".into(), "privacy-officer".into()];
    let changed = t.admin.set_roles(&second_actor, &second.id, &roles, None).await.unwrap();
    assert_eq!(changed.roles.len(), 2);
    t.env.close().await;
}

async fn bad_fields_are_named_with_their_codes_and_store_nothing(engine: Engine) {
    let t = Admin::new(engine).await;
    let before = t.record_count().await;
    let cases: [(NewAccountForm, &str, &str, u16); 8] = [
        (form("not-an-email", &["nurse"]), "email", "email-invalid", 400),
        (form(&NURSE_EMAIL.to_uppercase(), &["nurse"]), "email", "email-taken", 409),
        (
            NewAccountForm { display_name: " ".into(), ..form("a@example.org", &["nurse"]) },
            "display_name",
            "display-name-required",
            400,
        ),
        (
            NewAccountForm { password: "court".into(), ..form("a@example.org", &["nurse"]) },
            "password",
            "password-too-short",
            400,
        ),
        (form("a@example.org", &["nurse", "surgeon"]), "roles", "role-unknown", 400),
        (
            NewAccountForm { specialty: Some("dermatology".into()), ..form("a@example.org", &["nurse"]) },
            "specialty",
            "specialty-without-specialist",
            400,
        ),
        (form("a@example.org", &["patient"]), "patient_id", "patient-id-required", 400),
        (form("a@example.org", &["caregiver"]), "related_person_id", "related-person-id-required", 400),
    ];
    for (bad, field, code, status) in cases {
        let e = t.admin.create_account(&t.actor, bad).await.unwrap_err();
        assert_eq!((e.field(), e.code(), e.status()), (Some(field), code, status), "{e:?}");
    }
    assert_eq!(t.env.store.list_accounts().await.unwrap().len(), 3, "nothing was stored");
    let records = t.records_since(before).await;
    assert_eq!(records.len(), 8);
    assert_eq!(
        row(&records[0]),
        (t.actor_id(), "account-create", "failed", None, Some(ADDRESS), Some("refused=email-invalid"))
    );
    assert_eq!(records[1].query.as_deref(), Some("refused=email-taken"));

    // Roles are checked the same way when they are changed.
    let e = t.admin.set_roles(&t.actor, &t.env.nurse, &[], None).await.unwrap_err();
    assert_eq!((e.field(), e.code()), (Some("roles"), "roles-required"));
    let e = t.admin.disable_account(&t.actor, "no-such-account").await.unwrap_err();
    assert_eq!((e.code(), e.status()), ("account-not-found", 404));
    t.env.close().await;
}

async fn a_disabled_account_cannot_sign_in_and_its_sessions_end(engine: Engine) {
    let t = Admin::new(engine).await;
    let patient = t.env.patient.clone();
    let phone = t.env.auth.sign_in(PATIENT_EMAIL, PASSWORD, None).await.unwrap();
    let laptop = t.env.auth.sign_in(PATIENT_EMAIL, PASSWORD, None).await.unwrap();
    assert!(t.env.auth.session(phone.token.as_str()).await.unwrap().is_some());

    let disabled = t.admin.disable_account(&t.actor, &patient).await.unwrap();
    assert_eq!(disabled.disabled_at, Some(t.env.now()));
    for session in [&phone, &laptop] {
        assert!(t.env.auth.session(session.token.as_str()).await.unwrap().is_none(), "the session ended");
        let e = t.env.auth.signed_in_account(session.token.as_str()).await.unwrap_err();
        assert!(matches!(e, AuthError::SessionInvalid), "{e:?}");
    }
    let e = t.env.auth.sign_in(PATIENT_EMAIL, PASSWORD, None).await.unwrap_err();
    assert!(matches!(e, AuthError::SignInFailed), "{e:?}");
    // Disabling twice is not an error and keeps the first instant.
    t.env.advance(60);
    let again = t.admin.disable_account(&t.actor, &patient).await.unwrap();
    assert_eq!(again.disabled_at, disabled.disabled_at);

    let enabled = t.admin.enable_account(&t.actor, &patient).await.unwrap();
    assert_eq!(enabled.disabled_at, None);
    assert!(t.env.auth.session(phone.token.as_str()).await.unwrap().is_none(), "ended sessions stay ended");
    t.env.auth.sign_in(PATIENT_EMAIL, PASSWORD, None).await.unwrap();

    let mine: Vec<_> =
        t.records_since(1).await.into_iter().filter(|r| r.action.starts_with("account-")).collect();
    let mine: Vec<_> =
        mine.iter().map(|r| (r.action.as_str(), r.outcome.code(), r.resource_id.as_deref())).collect();
    assert_eq!(
        mine,
        [
            ("account-disable", "success", Some(patient.as_str())),
            ("account-disable", "success", Some(patient.as_str())),
            ("account-enable", "success", Some(patient.as_str())),
        ]
    );
    t.env.close().await;
}

async fn a_reset_second_factor_must_be_set_up_again(engine: Engine) {
    let t = Admin::new(engine).await;
    let (full, _secret) = t.env.nurse_with_totp().await;
    let nurse = t.env.nurse.clone();
    assert!(t.admin.list_accounts(&t.actor).await.unwrap().iter().any(|a| a.id == nurse && a.second_factor));

    let reset = t.admin.reset_second_factor(&t.actor, &nurse).await.unwrap();
    assert!(!reset.second_factor);
    assert!(t.env.auth.session(full.token.as_str()).await.unwrap().is_none(), "her session ended");
    let next = t.env.auth.sign_in(NURSE_EMAIL, PASSWORD, None).await.unwrap();
    assert_eq!(next.stage, Stage::EnrolOnly, "she must set up a second factor again");
    // And she can: a new enrolment works from scratch.
    t.env.advance(60);
    let enrolment = t.env.auth.start_totp_enrolment(next.token.as_str()).await.unwrap();
    let secret = relais_access::totp::TotpSecret::from_base32(&enrolment.secret_base32).unwrap();
    let code = relais_access::totp::code_at(&secret, t.env.now()).unwrap();
    let again = t.env.auth.confirm_totp_enrolment(next.token.as_str(), &code, None).await.unwrap();
    assert_eq!(again.stage, Stage::Full);

    let records = t.records_since(0).await;
    let r = records.iter().find(|r| r.action == "account-reset-second-factor").unwrap();
    assert_eq!(
        row(r),
        (t.actor_id(), "account-reset-second-factor", "success", Some(nurse.as_str()), Some(ADDRESS), None)
    );
    t.env.close().await;
}

async fn roles_are_replaced_and_a_person_chooses_their_language(engine: Engine) {
    let t = Admin::new(engine).await;
    let nurse = t.env.nurse.clone();
    let roles = ["physician".into(), " specialist ".into(), "physician".into()];
    let changed = t.admin.set_roles(&t.actor, &nurse, &roles, Some("dermatology")).await.unwrap();
    assert_eq!(
        changed.roles,
        [
            AccountRole { role: "physician".into(), specialty: None },
            AccountRole { role: "specialist".into(), specialty: Some("dermatology".into()) },
        ]
    );
    let records = t.records_since(0).await;
    assert_eq!(records.last().unwrap().query.as_deref(), Some("roles=physician,specialist:dermatology"));

    let patient = t.env.patient.clone();
    t.admin.set_locale(&patient, " EN ", Some("203.0.113.5")).await.unwrap();
    assert_eq!(t.env.store.account_by_id(&patient).await.unwrap().unwrap().locale.as_deref(), Some("en"));
    let e = t.admin.set_locale(&patient, "de", None).await.unwrap_err();
    assert_eq!((e.field(), e.code(), e.status()), (Some("locale"), "locale-unsupported", 400));
    assert_eq!(t.env.store.account_by_id(&patient).await.unwrap().unwrap().locale.as_deref(), Some("en"));
    let records = t.records_since(0).await;
    let n = records.len();
    assert_eq!(
        row(&records[n - 2]),
        (
            patient.as_str(),
            "account-set-locale",
            "success",
            Some(patient.as_str()),
            Some("203.0.113.5"),
            Some("locale=en")
        )
    );
    assert_eq!(row(&records[n - 1]).2, "failed");
    t.env.close().await;
}
