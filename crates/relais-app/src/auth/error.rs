//! Why a sign-in use case refused, as a stable code, the field of the form it concerns and an
//! HTTP status; the page (issue 5) translates the code.

use relais_access::password::PasswordRejected;
use relais_store::StoreError;

/// A refused or failed sign-in operation.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Unknown email, wrong password, disabled or locked account: one answer for all, so that
    /// it does not say whether the email has an account. 401 `sign-in-failed`.
    #[error("sign-in-failed")]
    SignInFailed,
    /// The TOTP code is wrong or was already used. 401 `second-factor-invalid`, field `code`.
    #[error("second-factor-invalid")]
    SecondFactorInvalid,
    /// No session, or it is over (idle, absolute expiry, signed out, revoked). 401
    /// `session-invalid`.
    #[error("session-invalid")]
    SessionInvalid,
    /// The session is waiting for its second factor, or may only set one up. 403
    /// `second-factor-required`.
    #[error("second-factor-required")]
    SecondFactorRequired,
    /// The session is not waiting for a second factor. 409 `second-factor-not-expected`.
    #[error("second-factor-not-expected")]
    SecondFactorNotExpected,
    /// The account already has a second factor. 409 `totp-already-enrolled`.
    #[error("totp-already-enrolled")]
    TotpAlreadyEnrolled,
    /// A confirmation without an enrolment started. 409 `totp-enrolment-missing`.
    #[error("totp-enrolment-missing")]
    TotpEnrolmentMissing,
    /// The reset link is unknown, used or expired. 400 `reset-token-invalid`, field `token`.
    #[error("reset-token-invalid")]
    ResetTokenInvalid,
    /// The new password breaks the rule. 400 with the rule's code, field `password`.
    #[error("{0}")]
    PasswordRejected(PasswordRejected),
    /// The store failed. 500, never shown.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Something else on our side (randomness, a stored value we cannot read). 500.
    #[error("{0}")]
    Internal(&'static str),
}

impl AuthError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::SignInFailed => "sign-in-failed",
            Self::SecondFactorInvalid => "second-factor-invalid",
            Self::SessionInvalid => "session-invalid",
            Self::SecondFactorRequired => "second-factor-required",
            Self::SecondFactorNotExpected => "second-factor-not-expected",
            Self::TotpAlreadyEnrolled => "totp-already-enrolled",
            Self::TotpEnrolmentMissing => "totp-enrolment-missing",
            Self::ResetTokenInvalid => "reset-token-invalid",
            Self::PasswordRejected(rule) => rule.code(),
            Self::Store(_) | Self::Internal(_) => "server-error",
        }
    }

    /// The form field the refusal concerns, if one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::SecondFactorInvalid => Some("code"),
            Self::ResetTokenInvalid => Some("token"),
            Self::PasswordRejected(_) => Some("password"),
            _ => None,
        }
    }

    /// HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Self::SignInFailed | Self::SecondFactorInvalid | Self::SessionInvalid => 401,
            Self::SecondFactorRequired => 403,
            Self::SecondFactorNotExpected | Self::TotpAlreadyEnrolled | Self::TotpEnrolmentMissing => 409,
            Self::ResetTokenInvalid | Self::PasswordRejected(_) => 400,
            Self::Store(_) | Self::Internal(_) => 500,
        }
    }
}
