//! Sessions in use: finding the live session behind a cookie (idle and absolute expiry,
//! revocation), sign-out and sign-out everywhere.

use jiff::{SignedDuration, Timestamp};
use relais_access::audit::{Outcome, action};
use relais_access::token::{is_well_formed, token_hash};

use super::{Auth, AuthError, Stage};

/// A session is marked as used at most this often: every request of a signed-in person would
/// otherwise be a write. The idle expiry is therefore exact to within this.
const TOUCH_EVERY: SignedDuration = SignedDuration::from_secs(30);

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub account_id: String,
    pub stage: Stage,
    /// When it ends at the latest.
    pub expires_at: Timestamp,
}

impl Auth {
    /// The live session behind `token`, marked as used now; `None` if there is none (unknown
    /// token, signed out or revoked, unused for longer than the idle expiry, or past its
    /// absolute expiry).
    ///
    /// # Errors
    /// [`AuthError::Store`] only.
    pub async fn session(&self, token: &str) -> Result<Option<SessionInfo>, AuthError> {
        // A cookie that cannot be a token is not looked up.
        if !is_well_formed(token) {
            return Ok(None);
        }
        let hash = token_hash(token);
        let Some(row) = self.store.session(&hash).await? else { return Ok(None) };
        let now = self.clock.now();
        let idle_until = row.last_seen_at.checked_add(self.settings.session_idle).unwrap_or(row.last_seen_at);
        if row.revoked_at.is_some() || now >= row.expires_at || now >= idle_until {
            return Ok(None);
        }
        let Some(stage) = Stage::from_code(&row.stage) else { return Ok(None) };
        if now.duration_since(row.last_seen_at) >= TOUCH_EVERY {
            self.store.touch_session(&hash, now).await?;
        }
        Ok(Some(SessionInfo { account_id: row.account_id, stage, expires_at: row.expires_at }))
    }

    /// The account signed in with `token` (a `full` session), for the requests it authenticates.
    ///
    /// # Errors
    /// [`AuthError::SessionInvalid`] without a live session, [`AuthError::SecondFactorRequired`]
    /// for one that has not passed (or set up) its second factor.
    pub async fn signed_in_account(&self, token: &str) -> Result<String, AuthError> {
        let session = self.session(token).await?.ok_or(AuthError::SessionInvalid)?;
        match session.stage {
            Stage::Full => Ok(session.account_id),
            Stage::SecondFactor | Stage::EnrolOnly => Err(AuthError::SecondFactorRequired),
        }
    }

    /// Ends the session behind `token`. Signing out of a session that is already over is not
    /// an error (the person is signed out either way) and is not recorded.
    ///
    /// # Errors
    /// [`AuthError::Store`] only.
    pub async fn sign_out(&self, token: &str, address: Option<&str>) -> Result<(), AuthError> {
        let Some(session) = self.session(token).await? else { return Ok(()) };
        if self.store.revoke_session(&token_hash(token), self.clock.now()).await? {
            self.audit(action::SIGN_OUT, Outcome::Success, &session.account_id, address).await?;
        }
        Ok(())
    }

    /// Ends every session of the account signed in with `token`, on every device, this one
    /// included. Answers how many sessions were ended.
    ///
    /// # Errors
    /// [`AuthError::SessionInvalid`] or [`AuthError::SecondFactorRequired`] as
    /// [`Auth::signed_in_account`].
    pub async fn sign_out_everywhere(&self, token: &str, address: Option<&str>) -> Result<u64, AuthError> {
        let account_id = self.signed_in_account(token).await?;
        let ended = self.store.revoke_sessions_of(&account_id, self.clock.now()).await?;
        self.audit(action::SIGN_OUT_EVERYWHERE, Outcome::Success, &account_id, address).await?;
        Ok(ended)
    }
}
