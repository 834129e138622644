//! The TOTP second factor (RFC 6238): HMAC-SHA1, 6 digits, 30-second steps — the only profile
//! every authenticator app implements identically.
//!
//! The arithmetic is `totp-rs`; this module fixes the profile, draws the secret through
//! [`Entropy`], takes the instant as a parameter and adds replay protection, which RFC 6238 §5.2
//! asks of the verifier and the library leaves to its caller.

use jiff::Timestamp;
use totp_rs::{Builder, Totp};

use crate::random::{Entropy, EntropyError, OsEntropy};

/// Seconds per step (the RFC default).
pub const STEP_SECONDS: u64 = 30;
/// Digits in a code.
pub const DIGITS: u8 = 6;
/// Bytes in a generated secret: 160 bits, the RFC 4226 recommendation and SHA-1's block size.
pub const SECRET_BYTES: usize = 20;
/// Shortest secret accepted from storage: 128 bits, the RFC 4226 minimum.
pub const MIN_SECRET_BYTES: usize = 16;
/// Issuer shown by authenticator apps next to the account label.
pub const ISSUER: &str = "Relais";

/// A TOTP shared secret. Its `Debug` hides the bytes; store [`TotpSecret::to_base32`] (encrypted
/// at rest, since unlike a password hash it is usable as is).
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

/// A secret or account label that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    /// The stored text is not unpadded upper-case base32. Code `totp-secret-malformed`.
    #[error("totp-secret-malformed")]
    SecretMalformed,
    /// Fewer than [`MIN_SECRET_BYTES`] bytes. Code `totp-secret-too-short`.
    #[error("totp-secret-too-short")]
    SecretTooShort,
    /// The account label is empty or contains `:`, which separates issuer and account in the
    /// URI label. Code `totp-account-label-invalid`.
    #[error("totp-account-label-invalid")]
    AccountLabelInvalid,
}

impl TotpError {
    /// Stable code of the error.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::SecretMalformed => "totp-secret-malformed",
            Self::SecretTooShort => "totp-secret-too-short",
            Self::AccountLabelInvalid => "totp-account-label-invalid",
        }
    }
}

impl TotpSecret {
    /// A new random secret of [`SECRET_BYTES`] from the operating system.
    ///
    /// # Errors
    /// [`EntropyError`] when no randomness is available.
    pub fn generate() -> Result<Self, EntropyError> {
        Self::generate_with(&OsEntropy)
    }

    /// A new random secret of [`SECRET_BYTES`] from `entropy`.
    ///
    /// # Errors
    /// [`EntropyError`] when `entropy` fails.
    pub fn generate_with(entropy: &dyn Entropy) -> Result<Self, EntropyError> {
        let mut bytes = vec![0u8; SECRET_BYTES];
        entropy.fill(&mut bytes)?;
        Ok(Self(bytes))
    }

    /// A secret from raw bytes (at least [`MIN_SECRET_BYTES`]).
    ///
    /// # Errors
    /// [`TotpError::SecretTooShort`].
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, TotpError> {
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(TotpError::SecretTooShort);
        }
        Ok(Self(bytes))
    }

    /// A secret from its stored form, as written by [`TotpSecret::to_base32`].
    ///
    /// # Errors
    /// [`TotpError::SecretMalformed`] or [`TotpError::SecretTooShort`].
    pub fn from_base32(text: &str) -> Result<Self, TotpError> {
        let bytes =
            data_encoding::BASE32_NOPAD.decode(text.as_bytes()).map_err(|_| TotpError::SecretMalformed)?;
        Self::from_bytes(bytes)
    }

    /// Unpadded upper-case base32 (RFC 4648), the form authenticator apps expect.
    pub fn to_base32(&self) -> String {
        data_encoding::BASE32_NOPAD.encode(&self.0)
    }
}

/// The `otpauth://totp/Relais:<account>?secret=…&issuer=Relais` URI to show as a QR code at
/// enrolment. The label is percent-encoded; SHA1, 6 digits and 30 s are the defaults, so the URI
/// omits them (some apps mishandle them when present).
///
/// # Errors
/// [`TotpError::AccountLabelInvalid`] for an empty label or one containing `:`.
pub fn enrolment_uri(secret: &TotpSecret, account: &str) -> Result<String, TotpError> {
    if account.is_empty() || account.contains(':') {
        return Err(TotpError::AccountLabelInvalid);
    }
    Builder::new()
        .with_secret(secret.0.clone())
        .with_digits(DIGITS)
        .with_step_duration(STEP_SECONDS)
        .with_issuer(Some(ISSUER))
        .with_account_name(account)
        .build()
        .and_then(|totp| totp.to_url())
        .map_err(|_| TotpError::AccountLabelInvalid)
}

/// The step number of an instant (`unix seconds / 30`); `None` before 1970, where there is none.
pub fn step_at(now: Timestamp) -> Option<u64> {
    u64::try_from(now.as_second()).ok().map(|s| s / STEP_SECONDS)
}

/// The code an authenticator shows at `now`; for tests and test kits that sign in with TOTP.
pub fn code_at(secret: &TotpSecret, now: Timestamp) -> Option<String> {
    let seconds = u64::try_from(now.as_second()).ok()?;
    let totp = generator(secret, DIGITS).ok()?;
    Some(totp.generate(seconds).to_string())
}

/// Checks a code typed at `now`, accepting the previous, current and next step (clock drift and
/// typing time), and refusing any step at or before `last_used_step` so that a code seen over a
/// shoulder or replayed from a log cannot be used again.
///
/// Returns the matched step, which the caller stores as the new `last_used_step` in the same
/// transaction that completes the sign-in. Spaces in the code are ignored ("123 456" is how apps
/// display it).
pub fn verify(secret: &TotpSecret, code: &str, now: Timestamp, last_used_step: Option<u64>) -> Option<u64> {
    // Bound the input before allocating for it.
    if code.len() > 4 * usize::from(DIGITS) {
        return None;
    }
    let code: String = code.chars().filter(|c| *c != ' ').collect();
    let current = step_at(now)?;
    let totp = generator(secret, DIGITS).ok()?;
    [current.checked_sub(1), Some(current), current.checked_add(1)]
        .into_iter()
        .flatten()
        .filter(|step| last_used_step.is_none_or(|last| *step > last))
        .find(|step| {
            step.checked_mul(STEP_SECONDS).is_some_and(|seconds| totp.check(&code, seconds).is_some())
        })
}

/// A `totp-rs` generator for exactly one step (skew 0): the window is ours, so that replay
/// protection can see which step matched.
fn generator(secret: &TotpSecret, digits: u8) -> Result<Totp, totp_rs::TotpError> {
    Builder::new()
        .with_secret(secret.0.clone())
        .with_digits(digits)
        .with_step_duration(STEP_SECONDS)
        .with_skew(0)
        .build()
}

#[cfg(test)]
#[path = "totp_tests.rs"]
mod tests;
