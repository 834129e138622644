//! Signing in (issue 4 "Identity"): email and password, the TOTP second factor (required for
//! staff by default), sessions with idle and absolute expiry, sign-out and sign-out everywhere,
//! lock-out after repeated failures, password reset by a single-use emailed link, and the
//! password rehash when Argon2 parameters were raised.
//!
//! The web layer hands over what the person typed and the cookie's token; everything is decided
//! here. Refusals that could tell an attacker whether an email has an account (unknown email,
//! wrong password, disabled or locked account) are one answer, `sign-in-failed`, and cost the
//! same Argon2 verification. Every sign-in, failure, lock-out, sign-out, reset and enrolment is
//! appended to the audit trail; if the trail cannot be written, the operation fails.
//!
//! A session changes stage only by being replaced: the token that passed the password is revoked
//! when the second factor is given, and a new one is handed out (no session fixation).

mod error;
mod profile;
mod reset;
mod session;
mod sign_in;
mod totp;

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use relais_access::audit::{AuditDraft, Outcome};
use relais_access::policy::Role;
use relais_access::sealed::SealingKey;
use relais_access::token::Token;
use relais_core::{Clock, IdGenerator};
use relais_store::{Account, NewSession, ResourceStore};
use tokio::sync::Notify;

pub use error::AuthError;
pub use profile::Profile;
pub use session::SessionInfo;
pub use totp::Enrolment;

/// Sign-in settings (see docs/operations.md, "Signing in").
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Consecutive failures (wrong password or code) that lock an account.
    pub lock_after_failures: u32,
    /// How long a lock lasts.
    pub lock_for: SignedDuration,
    /// A session unused this long is over.
    pub session_idle: SignedDuration,
    /// A session is over this long after sign-in, used or not.
    pub session_absolute: SignedDuration,
    /// How long the password step waits for its second factor.
    pub second_factor_window: SignedDuration,
    /// How long an emailed reset link works.
    pub reset_valid_for: SignedDuration,
    /// Whether staff (every role but patient and caregiver) must have a second factor: without
    /// one, their session can only set one up.
    pub totp_required_for_staff: bool,
    /// The URL people reach the server at, for the link in reset emails (no trailing slash).
    pub public_url: String,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            lock_after_failures: 5,
            lock_for: SignedDuration::from_mins(15),
            session_idle: SignedDuration::from_mins(30),
            session_absolute: SignedDuration::from_hours(12),
            second_factor_window: SignedDuration::from_mins(5),
            reset_valid_for: SignedDuration::from_mins(30),
            totp_required_for_staff: true,
            public_url: "http://127.0.0.1:8080".to_owned(),
        }
    }
}

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Signed in.
    Full,
    /// The password was right; the TOTP code is awaited (`/auth/second-factor`).
    SecondFactor,
    /// A staff member without a second factor: may only set one up (`/auth/totp/enrol`).
    EnrolOnly,
}

impl Stage {
    /// Stable code, as stored and as answered.
    pub const fn code(self) -> &'static str {
        match self {
            Stage::Full => "full",
            Stage::SecondFactor => "second-factor",
            Stage::EnrolOnly => "enrol-only",
        }
    }

    /// The stage whose [`Stage::code`] is `code`.
    pub fn from_code(code: &str) -> Option<Stage> {
        [Stage::Full, Stage::SecondFactor, Stage::EnrolOnly].into_iter().find(|s| s.code() == code)
    }
}

/// A new session handed out: the cookie value (never log it) and what it allows.
pub struct SignedIn {
    pub token: Token,
    pub account_id: String,
    pub stage: Stage,
    /// When the session ends at the latest.
    pub expires_at: Timestamp,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("token", &self.token)
            .field("account_id", &self.account_id)
            .field("stage", &self.stage)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The sign-in use cases over one store.
#[derive(Clone)]
pub struct Auth {
    store: Arc<dyn ResourceStore>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    settings: Arc<AuthSettings>,
    key: Arc<SealingKey>,
    mail_queued: Arc<Notify>,
}

impl Auth {
    /// Use cases over `store`. `sealing_key` encrypts TOTP secrets and queued mail at rest: 32
    /// bytes derived from the server's secret, the same on every node.
    pub fn new(
        store: Arc<dyn ResourceStore>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        settings: AuthSettings,
        sealing_key: &[u8; 32],
    ) -> Self {
        Self {
            store,
            clock,
            ids,
            settings: Arc::new(settings),
            key: Arc::new(SealingKey::new(sealing_key)),
            mail_queued: Arc::new(Notify::new()),
        }
    }

    /// The current instant, from the use cases' clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The settings in force.
    pub fn settings(&self) -> &AuthSettings {
        &self.settings
    }

    /// Woken whenever an email is queued, so the sender need not wait for its next round.
    pub fn mail_queued(&self) -> Arc<Notify> {
        self.mail_queued.clone()
    }

    /// Creates a session of `stage` for `account_id`, ending at the absolute expiry (or at the
    /// end of the second-factor window for that stage).
    async fn open_session(&self, account_id: &str, stage: Stage) -> Result<SignedIn, AuthError> {
        let now = self.clock.now();
        let lasts = match stage {
            Stage::SecondFactor => self.settings.second_factor_window,
            Stage::Full | Stage::EnrolOnly => self.settings.session_absolute,
        };
        let expires_at = now.checked_add(lasts).unwrap_or(now);
        let token = Token::generate().map_err(|_| AuthError::Internal("entropy-unavailable"))?;
        let session = NewSession {
            token_hash: token.hash(),
            account_id: account_id.to_owned(),
            stage: stage.code().to_owned(),
            created_at: now,
            expires_at,
        };
        self.store.create_session(&session).await?;
        Ok(SignedIn { token, account_id: account_id.to_owned(), stage, expires_at })
    }

    /// Appends one record to the audit trail.
    async fn audit(
        &self,
        action: &str,
        outcome: Outcome,
        actor: &str,
        address: Option<&str>,
    ) -> Result<(), AuthError> {
        let draft = AuditDraft {
            recorded: self.clock.now().as_microsecond(),
            actor: actor.to_owned(),
            on_behalf_of: None,
            action: action.to_owned(),
            outcome,
            resource_type: None,
            resource_id: None,
            patient_id: None,
            query: None,
            source_address: address.map(str::to_owned),
            purpose: None,
            break_glass: false,
        };
        self.store.append_audit(draft).await?;
        Ok(())
    }
}

/// Whether the account must have a second factor: anyone holding a role other than patient or
/// caregiver (an unknown role code counts as staff: the safer reading).
fn is_staff(account: &Account) -> bool {
    account.roles.iter().any(|r| !matches!(Role::from_code(&r.role), Some(Role::Patient | Role::Caregiver)))
}

/// The associated data a TOTP secret is sealed with: it opens for this account only.
fn totp_context(account_id: &str) -> String {
    format!("totp:{account_id}")
}

/// The associated data a queued email body is sealed with.
pub(crate) fn mail_context(email_id: &str) -> String {
    format!("mail:{email_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_read_back_from_their_codes() {
        for stage in [Stage::Full, Stage::SecondFactor, Stage::EnrolOnly] {
            assert_eq!(Stage::from_code(stage.code()), Some(stage));
        }
        assert_eq!(Stage::from_code("admin"), None);
    }
}
