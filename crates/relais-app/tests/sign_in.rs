//! Signing in, on SQLite and PostgreSQL with a clock the test moves: a patient gets a session at
//! once; an unknown email and a wrong password get the same answer; repeated failures lock the
//! account until the lock ends; a nurse without a second factor can only set one up, then signs
//! in with her code, which cannot be used twice; sessions end when idle, at their absolute
//! expiry, at sign-out and everywhere at once; a hash made with weaker parameters is replaced.
//! Every step is in the audit trail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth_support;

use auth_support::{Env, NURSE_EMAIL, PASSWORD, PATIENT_EMAIL, add_account, stored_column};
use relais_access::totp;
use relais_app::auth::{AuthError, Stage};
use relais_testkit::Engine;

relais_testkit::engine_tests!(
    a_patient_signs_in_and_is_audited,
    unknown_email_and_wrong_password_are_one_answer,
    repeated_failures_lock_until_the_lock_ends,
    staff_must_set_up_a_second_factor_and_codes_work_once,
    sessions_end_when_idle_at_their_absolute_expiry_and_on_sign_out,
    sign_out_everywhere_ends_every_session_of_the_account,
    a_weak_hash_is_replaced_at_sign_in,
    a_provisioned_second_factor_is_sealed_and_asked_for_at_once,
);

async fn a_patient_signs_in_and_is_audited(engine: Engine) {
    let env = Env::new(engine).await;
    let signed_in = env.auth.sign_in(" Lea.Gagne@EXAMPLE.org ", PASSWORD, Some("192.0.2.7")).await.unwrap();
    assert_eq!(signed_in.stage, Stage::Full, "patients need no second factor by default");
    assert_eq!(env.auth.signed_in_account(signed_in.token.as_str()).await.unwrap(), env.patient);
    let audit = env.store.audit_records(0, 10).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!((audit[0].action.as_str(), audit[0].actor.as_str()), ("sign-in", env.patient.as_str()));
    assert_eq!(audit[0].source_address.as_deref(), Some("192.0.2.7"));
    // The token is not stored: only its hash is.
    let stored: Option<String> =
        stored_column(&env, "SELECT token_hash FROM sessions WHERE account_id = $1", &env.patient).await;
    assert_ne!(stored.as_deref(), Some(signed_in.token.as_str()));
    assert_eq!(stored.as_deref(), Some(signed_in.token.hash().as_str()));
    env.close().await;
}

async fn unknown_email_and_wrong_password_are_one_answer(engine: Engine) {
    let env = Env::new(engine).await;
    let unknown = env.auth.sign_in("nobody@example.org", PASSWORD, None).await.unwrap_err();
    let wrong = env.auth.sign_in(PATIENT_EMAIL, "not-the-password", None).await.unwrap_err();
    let empty = env.auth.sign_in(PATIENT_EMAIL, "", None).await.unwrap_err();
    for e in [&unknown, &wrong, &empty] {
        assert!(matches!(e, AuthError::SignInFailed), "{e:?}");
        assert_eq!((e.code(), e.status(), e.field()), ("sign-in-failed", 401, None));
    }
    let audit = env.audit().await;
    let expected = [
        ("sign-in-failed", "denied", "anonymous"),
        ("sign-in-failed", "denied", env.patient.as_str()),
        ("sign-in-failed", "denied", env.patient.as_str()),
    ];
    let audit: Vec<(&str, &str, &str)> =
        audit.iter().map(|(a, o, w)| (a.as_str(), o.as_str(), w.as_str())).collect();
    assert_eq!(audit, expected);
    env.close().await;
}

async fn repeated_failures_lock_until_the_lock_ends(engine: Engine) {
    let env = Env::new(engine).await; // locks after 3 failures, for 15 minutes
    for _ in 0..3 {
        env.auth.sign_in(PATIENT_EMAIL, "wrong-password-123", None).await.unwrap_err();
    }
    assert!(env.actions_since(0).await.contains(&"lock-out".to_owned()));
    // Locked: even the right password is refused, with the same answer as a wrong one.
    let locked = env.auth.sign_in(PATIENT_EMAIL, PASSWORD, None).await.unwrap_err();
    assert!(matches!(locked, AuthError::SignInFailed));
    env.advance(14 * 60);
    assert!(env.auth.sign_in(PATIENT_EMAIL, PASSWORD, None).await.is_err(), "still locked at 14 min");
    env.advance(61);
    let signed_in = env.auth.sign_in(PATIENT_EMAIL, PASSWORD, None).await.unwrap();
    assert_eq!(signed_in.stage, Stage::Full);
    // A success starts the count again: two more failures do not lock.
    for _ in 0..2 {
        env.auth.sign_in(PATIENT_EMAIL, "wrong-password-123", None).await.unwrap_err();
    }
    assert!(env.auth.sign_in(PATIENT_EMAIL, PASSWORD, None).await.is_ok());
    env.close().await;
}

async fn staff_must_set_up_a_second_factor_and_codes_work_once(engine: Engine) {
    let env = Env::new(engine).await;
    let first = env.auth.sign_in(NURSE_EMAIL, PASSWORD, None).await.unwrap();
    assert_eq!(first.stage, Stage::EnrolOnly);
    let limited = env.auth.signed_in_account(first.token.as_str()).await.unwrap_err();
    assert!(matches!(limited, AuthError::SecondFactorRequired), "{limited:?}");

    let enrolment = env.auth.start_totp_enrolment(first.token.as_str()).await.unwrap();
    assert!(enrolment.otpauth_uri.starts_with("otpauth://totp/Relais:"), "{}", enrolment.otpauth_uri);
    assert!(enrolment.otpauth_uri.contains(&format!("secret={}", enrolment.secret_base32)));
    let secret = totp::TotpSecret::from_base32(&enrolment.secret_base32).unwrap();
    let wrong = env.auth.confirm_totp_enrolment(first.token.as_str(), "000000", None).await.unwrap_err();
    assert_eq!((wrong.code(), wrong.field()), ("second-factor-invalid", Some("code")));
    let code = totp::code_at(&secret, env.now()).unwrap();
    let full = env.auth.confirm_totp_enrolment(first.token.as_str(), &code, None).await.unwrap();
    assert_eq!(full.stage, Stage::Full);
    assert_eq!(env.auth.signed_in_account(full.token.as_str()).await.unwrap(), env.nurse);
    assert!(
        env.auth.session(first.token.as_str()).await.unwrap().is_none(),
        "the enrol-only session is replaced"
    );
    // Encrypted at rest: the stored column holds no trace of the secret.
    let stored =
        stored_column(&env, "SELECT totp_secret FROM accounts WHERE id = $1", &env.nurse).await.unwrap();
    assert!(stored.starts_with("v1.") && !stored.contains(&enrolment.secret_base32), "{stored}");

    // Next sign-in: password, then code. The code that confirmed enrolment is spent.
    let pending = env.auth.sign_in(NURSE_EMAIL, PASSWORD, None).await.unwrap();
    assert_eq!(pending.stage, Stage::SecondFactor);
    assert!(env.auth.signed_in_account(pending.token.as_str()).await.is_err());
    let replay = env.auth.second_factor(pending.token.as_str(), &code, None).await.unwrap_err();
    assert!(matches!(replay, AuthError::SecondFactorInvalid), "{replay:?}");
    env.advance(30);
    let next = totp::code_at(&secret, env.now()).unwrap();
    let signed_in = env.auth.second_factor(pending.token.as_str(), &next, None).await.unwrap();
    assert_eq!(signed_in.stage, Stage::Full);
    assert!(
        env.auth.session(pending.token.as_str()).await.unwrap().is_none(),
        "the password-step session is replaced"
    );
    let again = env.auth.sign_in(NURSE_EMAIL, PASSWORD, None).await.unwrap();
    assert!(
        env.auth.second_factor(again.token.as_str(), &next, None).await.is_err(),
        "same code, same step: refused"
    );
    let actions = env.actions_since(0).await;
    assert_eq!(
        actions,
        ["sign-in", "sign-in-failed", "totp-enrol", "sign-in-failed", "sign-in", "sign-in-failed"]
    );
    env.close().await;
}

async fn sessions_end_when_idle_at_their_absolute_expiry_and_on_sign_out(engine: Engine) {
    let env = Env::new(engine).await; // idle 30 min, absolute 12 h
    let idle = env.auth.sign_in(PATIENT_EMAIL, PASSWORD, None).await.unwrap();
    let kept = env.auth.sign_in(PATIENT_EMAIL, PASSWORD, None).await.unwrap();
    for _ in 0..2 {
        env.advance(20 * 60);
        assert!(env.auth.session(kept.token.as_str()).await.unwrap().is_some(), "used every 20 min");
    }
    assert!(env.auth.session(idle.token.as_str()).await.unwrap().is_none(), "unused for 40 min");
    // Used every 20 minutes, the session still ends 12 hours after sign-in.
    for _ in 0..((12 * 60 - 40) / 20 - 1) {
        env.advance(20 * 60);
        assert!(env.auth.session(kept.token.as_str()).await.unwrap().is_some());
    }
    env.advance(20 * 60);
    assert!(env.auth.session(kept.token.as_str()).await.unwrap().is_none(), "past 12 h");

    let fresh = env.auth.sign_in(PATIENT_EMAIL, PASSWORD, None).await.unwrap();
    env.auth.sign_out(fresh.token.as_str(), None).await.unwrap();
    assert!(env.auth.session(fresh.token.as_str()).await.unwrap().is_none());
    env.auth.sign_out(fresh.token.as_str(), None).await.unwrap(); // twice: no error, no record
    assert!(env.auth.session("not-a-token").await.unwrap().is_none());
    assert_eq!(env.actions_since(3).await, ["sign-out"]);
    env.close().await;
}

async fn sign_out_everywhere_ends_every_session_of_the_account(engine: Engine) {
    let env = Env::new(engine).await;
    let phone = env.auth.sign_in(PATIENT_EMAIL, PASSWORD, None).await.unwrap();
    let laptop = env.auth.sign_in(PATIENT_EMAIL, PASSWORD, None).await.unwrap();
    let (nurse, _) = env.nurse_with_totp().await;
    assert_eq!(env.auth.sign_out_everywhere(laptop.token.as_str(), None).await.unwrap(), 2);
    for s in [&phone, &laptop] {
        assert!(env.auth.session(s.token.as_str()).await.unwrap().is_none());
    }
    assert!(env.auth.session(nurse.token.as_str()).await.unwrap().is_some(), "another account's session");
    let again = env.auth.sign_out_everywhere(laptop.token.as_str(), None).await.unwrap_err();
    assert!(matches!(again, AuthError::SessionInvalid));
    assert!(env.actions_since(0).await.contains(&"sign-out-everywhere".to_owned()));
    env.close().await;
}

async fn a_weak_hash_is_replaced_at_sign_in(engine: Engine) {
    use argon2::password_hash::PasswordHasher;
    let env = Env::new(engine).await;
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(1024, 1, 1, None).unwrap(),
    )
    .hash_password_with_salt(PASSWORD.as_bytes(), b"0123456789abcdef")
    .unwrap()
    .to_string();
    let id = add_account(&*env.store, "old", "ancien@example.org", "patient", &weak).await;
    env.auth.sign_in("ancien@example.org", PASSWORD, None).await.unwrap();
    let stored = env.store.account_by_id(&id).await.unwrap().unwrap().password_hash;
    assert_ne!(stored, weak);
    assert_eq!(
        relais_access::password::verify(PASSWORD, &stored).unwrap(),
        relais_access::password::Verified::Ok { needs_rehash: false }
    );
    env.close().await;
}

/// The demo world's way: a known secret provisioned by the operator. The account is asked for
/// its code straight away (no enrolment step), the secret is sealed like an enrolled one, the
/// provisioning is on the trail, and a second provisioning is refused.
async fn a_provisioned_second_factor_is_sealed_and_asked_for_at_once(engine: Engine) {
    let env = Env::new(engine).await;
    let secret = totp::TotpSecret::from_base32("RELAISDEMOTOTPSECRETFORSTAFFAAAA").unwrap();
    env.auth.provision_totp(&env.nurse, &secret).await.unwrap();
    let again = env.auth.provision_totp(&env.nurse, &secret).await.unwrap_err();
    assert!(matches!(again, AuthError::TotpAlreadyEnrolled), "{again:?}");
    let stored =
        stored_column(&env, "SELECT totp_secret FROM accounts WHERE id = $1", &env.nurse).await.unwrap();
    assert!(stored.starts_with("v1.") && !stored.contains("RELAISDEMO"), "{stored}");

    let pending = env.auth.sign_in(NURSE_EMAIL, PASSWORD, None).await.unwrap();
    assert_eq!(pending.stage, Stage::SecondFactor, "no enrolment step");
    let code = totp::code_at(&secret, env.now()).unwrap();
    let signed_in = env.auth.second_factor(pending.token.as_str(), &code, None).await.unwrap();
    assert_eq!(signed_in.stage, Stage::Full);
    assert_eq!(env.actions_since(0).await, ["totp-enrol", "sign-in"]);
    env.close().await;
}
