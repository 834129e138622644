//! Setting up the TOTP second factor: a secret is generated and kept sealed, pending; the
//! authenticator app reads it from the otpauth URI; the first valid code confirms it. An
//! operator may also provision a known secret (the demo world's staff).

use relais_access::OsEntropy;
use relais_access::audit::{Outcome, action};
use relais_access::token::token_hash;
use relais_access::totp::{self, TotpSecret};

use super::{Auth, AuthError, SignedIn, Stage, totp_context};

/// What to show to set up the authenticator app. Its `Debug` hides the secret.
pub struct Enrolment {
    /// `otpauth://totp/Relais:<email>?secret=…&issuer=Relais`, to show as a QR code.
    pub otpauth_uri: String,
    /// The secret in base32, for typing in by hand.
    pub secret_base32: String,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Enrolment(<redacted>)")
    }
}

impl Auth {
    /// Starts setting up a second factor for the account signed in with `token` (a `full`
    /// session, or the `enrol-only` one of a staff member without one). Starting again replaces
    /// the pending secret.
    ///
    /// # Errors
    /// [`AuthError::SessionInvalid`], [`AuthError::SecondFactorRequired`] for a session waiting
    /// for its code, [`AuthError::TotpAlreadyEnrolled`].
    pub async fn start_totp_enrolment(&self, token: &str) -> Result<Enrolment, AuthError> {
        let account = self.enrolling_account(token).await?;
        let secret = TotpSecret::generate().map_err(|_| AuthError::Internal("entropy-unavailable"))?;
        let otpauth_uri = totp::enrolment_uri(&secret, &account.email)
            .map_err(|_| AuthError::Internal("totp-account-label-invalid"))?;
        let sealed = self
            .key
            .seal(&totp_context(&account.id), secret.to_base32().as_bytes(), &OsEntropy)
            .map_err(|e| AuthError::Internal(e.code()))?;
        self.store.set_totp_pending(&account.id, Some(&sealed)).await?;
        Ok(Enrolment { otpauth_uri, secret_base32: secret.to_base32() })
    }

    /// The second factor being set up for the account signed in with `token`, if one was
    /// started and not yet confirmed: shown again when a confirmation code was wrong, so the
    /// person keeps the account they already added to their app.
    ///
    /// # Errors
    /// As [`Auth::start_totp_enrolment`].
    pub async fn pending_totp_enrolment(&self, token: &str) -> Result<Option<Enrolment>, AuthError> {
        let account = self.enrolling_account(token).await?;
        let Some(sealed) = self.store.security(&account.id).await?.totp_pending else { return Ok(None) };
        let Ok(opened) = self.key.open(&totp_context(&account.id), &sealed) else { return Ok(None) };
        let Some(secret) = std::str::from_utf8(&opened).ok().and_then(|t| TotpSecret::from_base32(t).ok())
        else {
            return Ok(None);
        };
        let otpauth_uri = totp::enrolment_uri(&secret, &account.email)
            .map_err(|_| AuthError::Internal("totp-account-label-invalid"))?;
        Ok(Some(Enrolment { otpauth_uri, secret_base32: secret.to_base32() }))
    }

    /// Confirms the pending second factor with a first code from the app. The session is
    /// replaced by a `full` one (for a staff member, the first that can do anything).
    ///
    /// # Errors
    /// [`AuthError::SessionInvalid`], [`AuthError::SecondFactorRequired`],
    /// [`AuthError::TotpAlreadyEnrolled`], [`AuthError::TotpEnrolmentMissing`],
    /// [`AuthError::SecondFactorInvalid`] for a wrong code (counted towards the lock).
    pub async fn confirm_totp_enrolment(
        &self,
        token: &str,
        code: &str,
        address: Option<&str>,
    ) -> Result<SignedIn, AuthError> {
        let account = self.enrolling_account(token).await?;
        let security = self.store.security(&account.id).await?;
        let sealed = security.totp_pending.ok_or(AuthError::TotpEnrolmentMissing)?;
        let context = totp_context(&account.id);
        let opened = self.key.open(&context, &sealed).map_err(|_| AuthError::TotpEnrolmentMissing)?;
        let secret = std::str::from_utf8(&opened)
            .ok()
            .and_then(|text| TotpSecret::from_base32(text).ok())
            .ok_or(AuthError::TotpEnrolmentMissing)?;
        let now = self.clock.now();
        let Some(step) = totp::verify(&secret, code, now, security.totp_last_step) else {
            if self.count_failure(&account.id, address).await? {
                self.store.revoke_session(&token_hash(token), now).await?;
            }
            return Err(AuthError::SecondFactorInvalid);
        };
        // The pending value becomes the confirmed one as it is: sealed for this account.
        self.store.confirm_totp(&account.id, &sealed, step).await?;
        self.store.clear_sign_in_failures(&account.id).await?;
        self.store.revoke_session(&token_hash(token), now).await?;
        let signed_in = self.open_session(&account.id, Stage::Full).await?;
        self.audit(action::TOTP_ENROL, Outcome::Success, &account.id, address).await?;
        Ok(signed_in)
    }

    /// Gives the account `account_id` the second factor `secret`, confirmed at once, sealed as
    /// an enrolment stores it. For provisioning by the operator (the demo world's known
    /// secret), never for a person: they enrol with [`Auth::start_totp_enrolment`], so that
    /// only their app holds the secret. On the audit trail as an enrolment by `account_id`.
    ///
    /// # Errors
    /// [`AuthError::TotpAlreadyEnrolled`], `Internal("account-unknown")`, a store or trail failure.
    pub async fn provision_totp(&self, account_id: &str, secret: &TotpSecret) -> Result<(), AuthError> {
        let account =
            self.store.account_by_id(account_id).await?.ok_or(AuthError::Internal("account-unknown"))?;
        if account.totp_secret.is_some() {
            return Err(AuthError::TotpAlreadyEnrolled);
        }
        let sealed = self
            .key
            .seal(&totp_context(&account.id), secret.to_base32().as_bytes(), &OsEntropy)
            .map_err(|e| AuthError::Internal(e.code()))?;
        // Step 0: no code has been used yet, so the first one the person types is accepted.
        self.store.confirm_totp(&account.id, &sealed, 0).await?;
        self.audit(action::TOTP_ENROL, Outcome::Success, &account.id, None).await?;
        Ok(())
    }

    /// The account of `token`'s session, if it may set up a second factor: a `full` session or
    /// an `enrol-only` one, of an account without one yet.
    async fn enrolling_account(&self, token: &str) -> Result<relais_store::Account, AuthError> {
        let session = self.session(token).await?.ok_or(AuthError::SessionInvalid)?;
        if session.stage == Stage::SecondFactor {
            return Err(AuthError::SecondFactorRequired);
        }
        let account =
            self.store.account_by_id(&session.account_id).await?.ok_or(AuthError::SessionInvalid)?;
        if account.totp_secret.is_some() {
            return Err(AuthError::TotpAlreadyEnrolled);
        }
        Ok(account)
    }
}
