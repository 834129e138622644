//! Password reset by email, on SQLite and PostgreSQL, through a real SMTP server on loopback:
//! asking answers the same for any email and queues a message only for an account; the sender
//! delivers it (retrying after a refusal); the link's token sets a new password once, checks the
//! password rule first, ends every session and lifts a lock; an expired link does nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth_support;

use std::sync::Arc;
use std::time::Duration;

use auth_support::{Env, KEY, PASSWORD, PATIENT_EMAIL};
use relais_app::auth::AuthError;
use relais_app::mail::{Mailer, SmtpSecurity, SmtpSettings};
use relais_core::Clock;
use relais_testkit::{Engine, SmtpSink};

relais_testkit::engine_tests!(
    a_reset_link_arrives_by_email_and_works_once,
    an_expired_link_does_nothing,
    a_refused_message_is_retried_later,
);

fn mailer(env: &Env, sink: &SmtpSink) -> Mailer {
    let smtp = SmtpSettings {
        host: "127.0.0.1".into(),
        port: sink.port,
        from: "Relais <relais@cisss.example>".into(),
        security: SmtpSecurity::None,
        username: None,
        password: None,
    };
    let clock: Arc<dyn Clock> = env.clock.clone();
    Mailer::new(env.store.clone(), clock, &smtp, &KEY).unwrap()
}

/// The token in the link of the only message received.
async fn token_from_mail(sink: &SmtpSink) -> String {
    let mail = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, [PATIENT_EMAIL]);
    let link = mail[0].link_containing("/password-reset?token=").expect("a reset link in the message");
    assert!(link.starts_with("http://127.0.0.1:8080/password-reset?token="), "{link}");
    assert!(mail[0].body().contains("Bonjour"), "French first: {}", mail[0].body());
    link.rsplit_once("token=").unwrap().1.to_owned()
}

async fn a_reset_link_arrives_by_email_and_works_once(engine: Engine) {
    let env = Env::new(engine).await;
    let sink = SmtpSink::start().await;
    let session = env.auth.sign_in(PATIENT_EMAIL, PASSWORD, None).await.unwrap();
    for _ in 0..3 {
        env.auth.sign_in(PATIENT_EMAIL, "wrong-password-123", None).await.unwrap_err(); // locked
    }

    env.auth.request_password_reset("nobody@example.org", None).await.unwrap();
    assert!(env.store.outbox().await.unwrap().is_empty(), "nothing is sent for an unknown email");
    env.auth.request_password_reset(" LEA.GAGNE@example.org", None).await.unwrap();
    let outbox = env.store.outbox().await.unwrap();
    assert_eq!(outbox.len(), 1);
    let sealed = outbox[0].body_sealed.clone().unwrap();
    assert!(!sealed.contains("token=") && !sealed.contains("Bonjour"), "the body is sealed at rest");

    assert_eq!(mailer(&env, &sink).deliver_due().await.unwrap(), 1);
    let token = token_from_mail(&sink).await;
    assert!(env.store.outbox().await.unwrap()[0].body_sealed.is_none(), "dropped once sent");

    let short = env.auth.complete_password_reset(&token, "court", None).await.unwrap_err();
    assert_eq!((short.code(), short.field()), ("password-too-short", Some("password")));
    let new_password = "Un-nouveau-mot-de-passe-7";
    env.auth.complete_password_reset(&token, new_password, None).await.unwrap();
    assert!(env.auth.session(session.token.as_str()).await.unwrap().is_none(), "every session ends");
    assert!(env.auth.sign_in(PATIENT_EMAIL, PASSWORD, None).await.is_err(), "old password");
    env.auth.sign_in(PATIENT_EMAIL, new_password, None).await.expect("new password, and the lock is lifted");
    let reused = env.auth.complete_password_reset(&token, "Encore-un-autre-mot-9", None).await.unwrap_err();
    assert!(matches!(reused, AuthError::ResetTokenInvalid), "{reused:?}");
    assert_eq!((reused.code(), reused.field()), ("reset-token-invalid", Some("token")));
    let actions = env.actions_since(0).await;
    for expected in ["password-reset-request", "password-reset"] {
        assert!(actions.contains(&expected.to_owned()), "{expected} in {actions:?}");
    }
    env.close().await;
}

async fn an_expired_link_does_nothing(engine: Engine) {
    let env = Env::new(engine).await; // links last 30 minutes
    let sink = SmtpSink::start().await;
    env.auth.request_password_reset(PATIENT_EMAIL, None).await.unwrap();
    mailer(&env, &sink).deliver_due().await.unwrap();
    let token = token_from_mail(&sink).await;
    env.advance(30 * 60);
    let expired =
        env.auth.complete_password_reset(&token, "Un-nouveau-mot-de-passe-7", None).await.unwrap_err();
    assert!(matches!(expired, AuthError::ResetTokenInvalid));
    env.auth.sign_in(PATIENT_EMAIL, PASSWORD, None).await.expect("the password did not change");
    let junk = env.auth.complete_password_reset("junk", "Un-nouveau-mot-de-passe-7", None).await.unwrap_err();
    assert!(matches!(junk, AuthError::ResetTokenInvalid));
    env.close().await;
}

async fn a_refused_message_is_retried_later(engine: Engine) {
    let env = Env::new(engine).await;
    let sink = SmtpSink::start().await;
    sink.fail_next(1);
    env.auth.request_password_reset(PATIENT_EMAIL, None).await.unwrap();
    let mailer = mailer(&env, &sink);
    assert_eq!(mailer.deliver_due().await.unwrap(), 0);
    let row = env.store.outbox().await.unwrap().remove(0);
    assert_eq!((row.attempts, row.last_error.as_deref(), row.sent_at), (1, Some("smtp-transient"), None));
    assert_eq!(mailer.deliver_due().await.unwrap(), 0, "not before the retry delay");
    env.advance(30);
    assert_eq!(mailer.deliver_due().await.unwrap(), 1);
    assert_eq!(sink.received().len(), 1);
    assert!(env.store.outbox().await.unwrap()[0].sent_at.is_some());
    env.close().await;
}
