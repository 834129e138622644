//! Signing in (migration 0007): browser sessions, sign-in failures and lock-out, the second
//! factor's secret and replay guard, single-use password reset tokens, and the email outbox.
//!
//! The store keeps what the use-case layer (`relais_app::auth`) hands it and decides nothing: it
//! never sees a token, only its SHA-256 (`relais_access::token`), never a TOTP secret, only its
//! sealed form, and never a mail body in clear. What must not race is one statement or one
//! transaction here: a failure count is incremented in the database, a TOTP step and a reset
//! token are accepted by a conditional `UPDATE`, and completing a reset marks the token used,
//! sets the password and revokes every session together.

use std::fmt;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

use crate::StoreError;

/// Storage for signing in. See the module documentation.
#[async_trait]
pub trait Sessions: Send + Sync {
    /// Stores a new session.
    async fn create_session(&self, session: &NewSession) -> Result<(), StoreError>;

    /// The session whose token hashes to `token_hash`, revoked or expired ones included (the
    /// caller decides what is still valid).
    async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError>;

    /// Records that the session was used at `at` (its idle expiry counts from there).
    async fn touch_session(&self, token_hash: &str, at: Timestamp) -> Result<(), StoreError>;

    /// Revokes one session; `true` if it was open until now.
    async fn revoke_session(&self, token_hash: &str, at: Timestamp) -> Result<bool, StoreError>;

    /// Revokes every open session of an account; answers how many were open.
    async fn revoke_sessions_of(&self, account_id: &str, at: Timestamp) -> Result<u64, StoreError>;

    /// The account's failures, lock and TOTP state (all empty for an account never seen here).
    async fn security(&self, account_id: &str) -> Result<AccountSecurity, StoreError>;

    /// Counts one more consecutive sign-in failure at `at`. When the count reaches `lock_after`,
    /// locks the account until `at + lock_for` and starts counting again from zero. Answers the
    /// state after the failure; concurrent failures are all counted.
    async fn record_sign_in_failure(
        &self,
        account_id: &str,
        at: Timestamp,
        lock_after: u32,
        lock_for: SignedDuration,
    ) -> Result<FailureRecorded, StoreError>;

    /// Forgets the failures after a successful sign-in (a lock that is over is cleared too).
    async fn clear_sign_in_failures(&self, account_id: &str) -> Result<(), StoreError>;

    /// Replaces the account's password hash (a rehash with current parameters).
    async fn set_password_hash(&self, account_id: &str, password_hash: &str) -> Result<(), StoreError>;

    /// Keeps a sealed TOTP secret waiting for its first code (`None` drops it).
    async fn set_totp_pending(&self, account_id: &str, sealed: Option<&str>) -> Result<(), StoreError>;

    /// Makes `sealed` the account's second factor (`accounts.totp_secret`), drops the pending one
    /// and records `step` as used, in one transaction.
    async fn confirm_totp(&self, account_id: &str, sealed: &str, step: u64) -> Result<(), StoreError>;

    /// Accepts TOTP time step `step` for the account if it is later than the last one accepted;
    /// `false` if it is not (a replayed code), also when two requests race with the same code.
    async fn accept_totp_step(&self, account_id: &str, step: u64) -> Result<bool, StoreError>;

    /// Stores a reset token and the email that carries it, in one transaction.
    async fn create_password_reset(
        &self,
        reset: &NewPasswordReset,
        email: &NewEmail,
    ) -> Result<(), StoreError>;

    /// Uses the reset token hashing to `token_hash` if it is unused and not expired at `at`: marks
    /// it used, sets the account's password hash, revokes all its sessions and clears its
    /// failures and lock, in one transaction. Answers the account, or `None` (nothing changed)
    /// for an unknown, used or expired token.
    async fn complete_password_reset(
        &self,
        token_hash: &str,
        at: Timestamp,
        password_hash: &str,
    ) -> Result<Option<String>, StoreError>;

    /// Queues an email on its own.
    async fn enqueue_email(&self, email: &NewEmail) -> Result<(), StoreError>;

    /// Claims at most `limit` unsent emails due at `at`, oldest first, by moving their next
    /// attempt to `lease_until` and counting the attempt: a concurrent sender does not get them.
    async fn claim_due_emails(
        &self,
        at: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<OutboxEmail>, StoreError>;

    /// Marks an email sent and drops its body.
    async fn email_sent(&self, id: &str, at: Timestamp) -> Result<(), StoreError>;

    /// Records a failed attempt (`error`: a short code, never the body) and when to try again;
    /// `None` gives up on the email.
    async fn email_failed(
        &self,
        id: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<(), StoreError>;

    /// Every email in the outbox, oldest first (operations and tests).
    async fn outbox(&self) -> Result<Vec<OutboxEmail>, StoreError>;
}

/// A session to store.
#[derive(Clone)]
pub struct NewSession {
    /// SHA-256 hex of the cookie value (`relais_access::token::Token::hash`).
    pub token_hash: String,
    pub account_id: String,
    /// `full`, `second-factor` or `enrol-only` (the use-case layer's codes).
    pub stage: String,
    pub created_at: Timestamp,
    /// The absolute expiry.
    pub expires_at: Timestamp,
}

/// A stored session.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub token_hash: String,
    pub account_id: String,
    pub stage: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// Sign-in failures, lock and TOTP state of an account.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AccountSecurity {
    /// Consecutive failures since the last success or lock.
    pub failed_attempts: u32,
    pub locked_until: Option<Timestamp>,
    /// A sealed TOTP secret waiting for its first code.
    pub totp_pending: Option<String>,
    /// The last TOTP step accepted.
    pub totp_last_step: Option<u64>,
}

/// What [`Sessions::record_sign_in_failure`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureRecorded {
    /// Consecutive failures now counted (0 right after a lock starts).
    pub failed_attempts: u32,
    /// Set when this failure locked the account: until when.
    pub locked_until: Option<Timestamp>,
}

/// A reset token to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPasswordReset {
    /// SHA-256 hex of the token in the emailed link.
    pub token_hash: String,
    pub account_id: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// An email to queue.
#[derive(Clone)]
pub struct NewEmail {
    /// A uuid v7.
    pub id: String,
    pub recipient: String,
    pub subject: String,
    /// The body, sealed by the caller.
    pub body_sealed: String,
    /// A calendar entry (`.ics`) to attach, sealed by the caller like the body.
    pub attachment_sealed: Option<String>,
    /// What the email is about (`Appointment/123`): unsent email about it can be withdrawn.
    pub topic: Option<String>,
    pub created_at: Timestamp,
    /// When to send it; `None`: at once. A reminder is queued with its due time.
    pub due_at: Option<Timestamp>,
}

/// An email in the outbox.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboxEmail {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    /// `None` once sent.
    pub body_sealed: Option<String>,
    /// The sealed calendar attachment, if any; `None` once sent.
    pub attachment_sealed: Option<String>,
    pub topic: Option<String>,
    pub created_at: Timestamp,
    /// Attempts made (claims), the current one included.
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub last_error: Option<String>,
}

/// Shown instead of a secret in `Debug` output.
const REDACTED: &str = "<redacted>";

impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSession")
            .field("token_hash", &REDACTED)
            .field("account_id", &self.account_id)
            .field("stage", &self.stage)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl fmt::Debug for SessionRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRow")
            .field("token_hash", &REDACTED)
            .field("account_id", &self.account_id)
            .field("stage", &self.stage)
            .field("created_at", &self.created_at)
            .field("last_seen_at", &self.last_seen_at)
            .field("expires_at", &self.expires_at)
            .field("revoked_at", &self.revoked_at)
            .finish()
    }
}

impl fmt::Debug for AccountSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountSecurity")
            .field("failed_attempts", &self.failed_attempts)
            .field("locked_until", &self.locked_until)
            .field("totp_pending", &self.totp_pending.as_ref().map(|_| REDACTED))
            .field("totp_last_step", &self.totp_last_step)
            .finish()
    }
}

impl fmt::Debug for NewEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The recipient is personal information too: logs get the id only.
        f.debug_struct("NewEmail").field("id", &self.id).field("created_at", &self.created_at).finish()
    }
}

impl fmt::Debug for OutboxEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxEmail")
            .field("id", &self.id)
            .field("attempts", &self.attempts)
            .field("next_attempt_at", &self.next_attempt_at)
            .field("sent_at", &self.sent_at)
            .field("last_error", &self.last_error)
            .finish()
    }
}

/// A TOTP step or counter as stored (a signed 64-bit integer).
pub(crate) fn stored_u64(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Unstorable)
}

/// A stored count or step back as unsigned (a negative value, which Relais never writes, as 0).
pub(crate) fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
