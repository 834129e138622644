//! Password hashing (Argon2id, PHC strings) and the minimal password rule.
//!
//! The PHC string carries the algorithm, version, parameters and salt, so the parameters can be
//! raised later: [`verify`] reports `needs_rehash` when a stored hash was made with weaker ones,
//! and the caller stores a fresh [`hash`] after a successful sign-in.
//!
//! Hashing costs ~19 MiB and tens of milliseconds on purpose; async callers run it in
//! `spawn_blocking`.

use argon2::password_hash::{self, PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};

use crate::random::{Entropy, EntropyError, OsEntropy};

/// Memory cost in KiB (19 MiB), time cost and parallelism: the OWASP baseline for Argon2id.
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Number of passes over memory.
pub const ITERATIONS: u32 = 2;
/// Lanes.
pub const PARALLELISM: u32 = 1;

/// Refuse to verify stored hashes asking for more than 1 GiB: a tampered or corrupt row must not
/// be able to make a sign-in allocate unbounded memory.
const MAX_STORED_MEMORY_KIB: u32 = 1024 * 1024;

/// 16 bytes, the PHC recommendation: enough to make every hash unique.
const SALT_LEN: usize = 16;

/// Shortest accepted password, in characters (Unicode scalar values).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest accepted password, in characters; bounds the work an attacker can make us do.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// Why a new password is refused. The web layer translates [`PasswordRejected::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejected {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    #[error("password-too-short")]
    TooShort,
    /// More than [`MAX_PASSWORD_CHARS`] characters.
    #[error("password-too-long")]
    TooLong,
    /// Only whitespace.
    #[error("password-blank")]
    Blank,
}

impl PasswordRejected {
    /// Stable reason code.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::TooShort => "password-too-short",
            Self::TooLong => "password-too-long",
            Self::Blank => "password-blank",
        }
    }
}

/// Checks a password someone chooses (sign-up, reset, change). Not applied at sign-in, where the
/// stored hash alone decides, so raising the rule never locks anyone out.
///
/// Length only, as NIST SP 800-63B advises: composition rules push people to predictable
/// patterns. Blank is refused separately because twelve spaces are long but guessable.
///
/// # Errors
/// The first rule broken, checked blank → short → long.
pub fn check_rule(password: &str) -> Result<(), PasswordRejected> {
    if password.chars().all(char::is_whitespace) {
        return Err(PasswordRejected::Blank);
    }
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordRejected::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordRejected::TooLong);
    }
    Ok(())
}

/// Outcome of checking a password against its stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// The password matches. When `needs_rehash`, the hash was made with weaker parameters (or an
    /// older Argon2 variant) than [`hash`] uses now: store a fresh one.
    Ok {
        /// Whether to replace the stored hash.
        needs_rehash: bool,
    },
    /// The password does not match.
    Wrong,
}

/// A password could not be hashed or its stored hash could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// The stored string is not a usable PHC string (bad syntax, missing salt or hash, bad or
    /// excessive parameters). Code `password-hash-malformed`.
    #[error("password-hash-malformed")]
    Malformed,
    /// A well-formed PHC string for an algorithm other than Argon2. Code
    /// `password-hash-unsupported`.
    #[error("password-hash-unsupported")]
    Unsupported,
    /// No randomness for the salt.
    #[error(transparent)]
    Entropy(#[from] EntropyError),
    /// Argon2 itself failed (should not happen with our parameters). Code `password-hash-failed`.
    #[error("password-hash-failed")]
    Hashing,
}

impl PasswordError {
    /// Stable code of the error.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Malformed => "password-hash-malformed",
            Self::Unsupported => "password-hash-unsupported",
            Self::Entropy(e) => e.code(),
            Self::Hashing => "password-hash-failed",
        }
    }
}

/// Hashes `password` with the current parameters and a salt from the operating system.
///
/// # Errors
/// [`PasswordError::Entropy`] without randomness, [`PasswordError::Hashing`] if Argon2 fails.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    hash_with(password, &OsEntropy)
}

/// [`hash`] with the salt drawn from `entropy`.
///
/// # Errors
/// As [`hash`].
pub fn hash_with(password: &str, entropy: &dyn Entropy) -> Result<String, PasswordError> {
    hash_with_params(password, entropy, current_params()?)
}

/// Checks `password` against a stored PHC string.
///
/// A wrong password is a normal outcome ([`Verified::Wrong`]), not an error: errors mean the
/// stored value itself is unusable, which the caller should log and treat as a failed sign-in.
///
/// # Errors
/// [`PasswordError::Malformed`] or [`PasswordError::Unsupported`] for an unusable stored hash.
pub fn verify(password: &str, phc: &str) -> Result<Verified, PasswordError> {
    let parsed = PasswordHash::new(phc).map_err(|_| PasswordError::Malformed)?;
    // Without these the library answers "wrong password"; a corrupt row must not pass for that.
    if parsed.salt.is_none() || parsed.hash.is_none() {
        return Err(PasswordError::Malformed);
    }
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).map_err(|_| PasswordError::Unsupported)?;
    let params = Params::try_from(&parsed).map_err(|_| PasswordError::Malformed)?;
    if params.m_cost() > MAX_STORED_MEMORY_KIB {
        return Err(PasswordError::Malformed);
    }
    let version = match parsed.version {
        Some(v) => Version::try_from(v).map_err(|_| PasswordError::Malformed)?,
        None => Version::default(),
    };
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(Verified::Ok { needs_rehash: is_weaker(algorithm, version, &params) }),
        Err(password_hash::Error::PasswordInvalid) => Ok(Verified::Wrong),
        Err(_) => Err(PasswordError::Malformed),
    }
}

/// Whether a stored hash should be replaced. Parallelism is not compared: with the same memory
/// and passes it changes how fast we compute, not how much an attacker must spend.
fn is_weaker(algorithm: Algorithm, version: Version, params: &Params) -> bool {
    algorithm != Algorithm::Argon2id
        || version != Version::V0x13
        || params.m_cost() < MEMORY_KIB
        || params.t_cost() < ITERATIONS
        || params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN) < Params::DEFAULT_OUTPUT_LEN
}

fn current_params() -> Result<Params, PasswordError> {
    Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).map_err(|_| PasswordError::Hashing)
}

/// Hashes with explicit parameters; tests use it to make "old, weak" hashes.
fn hash_with_params(password: &str, entropy: &dyn Entropy, params: Params) -> Result<String, PasswordError> {
    let mut salt = [0u8; SALT_LEN];
    entropy.fill(&mut salt)?;
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    hasher
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| PasswordError::Hashing)
}

#[cfg(test)]
#[path = "password_tests.rs"]
mod tests;
