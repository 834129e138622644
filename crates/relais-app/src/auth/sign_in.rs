//! Signing in: the password step (with lock-out and rehash) and the second-factor step.

use std::sync::OnceLock;

use relais_access::audit::{Outcome, action};
use relais_access::password::{self, Verified};
use relais_access::token::token_hash;
use relais_access::totp::{self, TotpSecret};
use relais_store::Account;

use super::{Auth, AuthError, SignedIn, Stage, is_staff, totp_context};

/// Audit actor of a failure whose email has no account: the email itself is not recorded.
const UNKNOWN_ACCOUNT: &str = "anonymous";

impl Auth {
    /// The password step. Answers a session whose stage says what comes next: `full`,
    /// `second-factor` (send the code to [`Auth::second_factor`]) or `enrol-only` (a staff member
    /// without a second factor, who must set one up first).
    ///
    /// # Errors
    /// [`AuthError::SignInFailed`] for an unknown email, a wrong password, a disabled account or
    /// a locked one, alike. A wrong password counts towards the lock.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        address: Option<&str>,
    ) -> Result<SignedIn, AuthError> {
        let now = self.clock.now();
        let account = self.store.account_by_email(email).await?;
        let Some(account) = account.filter(|a| a.disabled_at.is_none()) else {
            // Spend the same time as a real check, so the answer's delay says nothing either.
            let _ = verify_password(password, None).await;
            self.audit(action::SIGN_IN_FAILED, Outcome::Denied, UNKNOWN_ACCOUNT, address).await?;
            return Err(AuthError::SignInFailed);
        };
        let security = self.store.security(&account.id).await?;
        if security.locked_until.is_some_and(|until| until > now) {
            let _ = verify_password(password, None).await;
            self.audit(action::SIGN_IN_FAILED, Outcome::Denied, &account.id, address).await?;
            return Err(AuthError::SignInFailed);
        }
        match verify_password(password, Some(&account.password_hash)).await {
            Ok(Verified::Ok { needs_rehash }) => {
                self.store.clear_sign_in_failures(&account.id).await?;
                if needs_rehash {
                    self.rehash(&account.id, password).await;
                }
                self.after_password(&account, address).await
            }
            Ok(Verified::Wrong) | Err(_) => {
                self.count_failure(&account.id, address).await?;
                Err(AuthError::SignInFailed)
            }
        }
    }

    /// The second-factor step: `code` from the authenticator, with the `second-factor` session
    /// the password step handed out. That session is revoked and a `full` one answered.
    ///
    /// # Errors
    /// [`AuthError::SessionInvalid`] without a live session, [`AuthError::SecondFactorNotExpected`]
    /// for a session of another stage, [`AuthError::SecondFactorInvalid`] for a wrong or reused
    /// code (counted towards the lock; the lock ends the session).
    pub async fn second_factor(
        &self,
        token: &str,
        code: &str,
        address: Option<&str>,
    ) -> Result<SignedIn, AuthError> {
        let session = self.session(token).await?.ok_or(AuthError::SessionInvalid)?;
        if session.stage != Stage::SecondFactor {
            return Err(AuthError::SecondFactorNotExpected);
        }
        let account = self.store.account_by_id(&session.account_id).await?;
        let Some(account) = account.filter(|a| a.disabled_at.is_none()) else {
            return Err(AuthError::SessionInvalid);
        };
        let now = self.clock.now();
        let security = self.store.security(&account.id).await?;
        if security.locked_until.is_some_and(|until| until > now) {
            self.store.revoke_session(&token_hash(token), now).await?;
            self.audit(action::SIGN_IN_FAILED, Outcome::Denied, &account.id, address).await?;
            return Err(AuthError::SessionInvalid);
        }
        let secret = self.totp_secret(&account)?.ok_or(AuthError::SessionInvalid)?;
        let step = totp::verify(&secret, code, now, security.totp_last_step);
        let accepted = match step {
            Some(step) => self.store.accept_totp_step(&account.id, step).await?,
            None => false,
        };
        if !accepted {
            if self.count_failure(&account.id, address).await? {
                self.store.revoke_session(&token_hash(token), now).await?;
            }
            return Err(AuthError::SecondFactorInvalid);
        }
        self.store.revoke_session(&token_hash(token), now).await?;
        self.store.clear_sign_in_failures(&account.id).await?;
        let signed_in = self.open_session(&account.id, Stage::Full).await?;
        self.audit(action::SIGN_IN, Outcome::Success, &account.id, address).await?;
        Ok(signed_in)
    }

    /// After the right password: the session its second factor calls for.
    async fn after_password(&self, account: &Account, address: Option<&str>) -> Result<SignedIn, AuthError> {
        let stage = if account.totp_secret.is_some() {
            Stage::SecondFactor
        } else if self.settings.totp_required_for_staff && is_staff(account) {
            Stage::EnrolOnly
        } else {
            Stage::Full
        };
        let signed_in = self.open_session(&account.id, stage).await?;
        // Waiting for the code is not yet being signed in: that is recorded at the second step.
        if stage != Stage::SecondFactor {
            self.audit(action::SIGN_IN, Outcome::Success, &account.id, address).await?;
        }
        Ok(signed_in)
    }

    /// Counts a failure, records it and, when it locks the account, the lock-out. Answers
    /// whether the account is now locked.
    pub(super) async fn count_failure(
        &self,
        account_id: &str,
        address: Option<&str>,
    ) -> Result<bool, AuthError> {
        let now = self.clock.now();
        let recorded = self
            .store
            .record_sign_in_failure(
                account_id,
                now,
                self.settings.lock_after_failures,
                self.settings.lock_for,
            )
            .await?;
        self.audit(action::SIGN_IN_FAILED, Outcome::Denied, account_id, address).await?;
        if recorded.locked_until.is_some() {
            self.audit(action::LOCK_OUT, Outcome::Success, account_id, address).await?;
        }
        Ok(recorded.locked_until.is_some())
    }

    /// Stores a hash made with today's parameters. A failure here is logged, not fatal: the old
    /// hash still works and the next sign-in tries again.
    async fn rehash(&self, account_id: &str, password: &str) {
        let typed = password.to_owned();
        match tokio::task::spawn_blocking(move || password::hash(&typed)).await {
            Ok(Ok(phc)) => {
                if let Err(e) = self.store.set_password_hash(account_id, &phc).await {
                    tracing::warn!(error = %e, "cannot store the rehashed password");
                }
            }
            _ => tracing::warn!("cannot rehash the password"),
        }
    }

    /// The account's confirmed TOTP secret, opened.
    pub(super) fn totp_secret(&self, account: &Account) -> Result<Option<TotpSecret>, AuthError> {
        let Some(sealed) = &account.totp_secret else { return Ok(None) };
        let bytes = self
            .key
            .open(&totp_context(&account.id), sealed)
            .map_err(|_| AuthError::Internal("totp-secret-unreadable"))?;
        std::str::from_utf8(&bytes)
            .ok()
            .and_then(|text| TotpSecret::from_base32(text).ok())
            .map(Some)
            .ok_or(AuthError::Internal("totp-secret-unreadable"))
    }
}

/// Argon2id verification off the async workers. With no stored hash, verifies against a fixed
/// one, so that an unknown email costs the same time as a known one.
async fn verify_password(password: &str, phc: Option<&str>) -> Result<Verified, AuthError> {
    let typed = password.to_owned();
    let phc = phc.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let phc = match &phc {
            Some(phc) => phc.as_str(),
            None => dummy_hash().ok_or(AuthError::Internal("password-hash-failed"))?,
        };
        password::verify(&typed, phc).map_err(|_| AuthError::Internal("password-hash-malformed"))
    })
    .await
    .map_err(|_| AuthError::Internal("password-check-failed"))?
}

/// A hash of a password nobody types, made once with the current parameters.
fn dummy_hash() -> Option<&'static str> {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    DUMMY.get_or_init(|| password::hash("relais: no account has this password").ok()).as_deref()
}
