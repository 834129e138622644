//! The server's secret key, and the keys derived from it for each purpose.
//!
//! One 256-bit secret per deployment (a file in the data folder, created on first start, or
//! given by the operator), from which every key the server needs is derived with HMAC-SHA256
//! over a purpose label: signing access tokens, sealing second-factor secrets and queued mail. Keys
//! for different purposes are independent (knowing one says nothing of another), and the
//! operator has a single value to protect, back up and, when needed, rotate.
//!
//! Every node of a cluster must hold the same secret: a token signed by one node is checked by
//! another.

use aws_lc_rs::hmac;
use data_encoding::BASE64;

use crate::random::{Entropy, EntropyError};

/// Length of the secret and of each derived key.
pub const KEY_BYTES: usize = 32;

/// What a derived key is for. The label is part of the derivation: changing it changes the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// HMAC key of the access tokens (`crate::access_token`).
    AccessTokenSigning,
    /// AEAD key of the secrets stored in the database that the server reads back (TOTP
    /// secrets, queued email): `crate::sealed`.
    Sealing,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::AccessTokenSigning => b"relais/v1/access-token-signing",
            Purpose::Sealing => b"relais/v1/sealing",
        }
    }
}

/// The deployment's secret. Its `Debug` hides the value.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerSecret([u8; KEY_BYTES]);

/// A secret that is not 32 bytes of base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server secret must be 32 bytes, written in base64 (as `relais` generates it)")]
pub struct MalformedSecret;

impl ServerSecret {
    /// A new random secret.
    ///
    /// # Errors
    /// [`EntropyError`] when no randomness is available.
    pub fn generate(entropy: &dyn Entropy) -> Result<Self, EntropyError> {
        let mut bytes = [0u8; KEY_BYTES];
        entropy.fill(&mut bytes)?;
        Ok(Self(bytes))
    }

    /// Reads a secret written by [`ServerSecret::encode`] (surrounding whitespace ignored).
    ///
    /// # Errors
    /// [`MalformedSecret`] unless it is base64 of exactly 32 bytes.
    pub fn parse(text: &str) -> Result<Self, MalformedSecret> {
        let bytes = BASE64.decode(text.trim().as_bytes()).map_err(|_| MalformedSecret)?;
        Ok(Self(bytes.try_into().map_err(|_| MalformedSecret)?))
    }

    /// The secret as base64, to store in the secret file.
    pub fn encode(&self) -> String {
        BASE64.encode(&self.0)
    }

    /// The key for `purpose`: HMAC-SHA256(secret, label).
    pub fn derive(&self, purpose: Purpose) -> [u8; KEY_BYTES] {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.0);
        let tag = hmac::sign(&key, purpose.label());
        let mut out = [0u8; KEY_BYTES];
        out.copy_from_slice(tag.as_ref());
        out
    }
}

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::TestEntropy;

    #[test]
    fn round_trips_through_its_text_and_never_shows_in_debug() {
        let secret = ServerSecret::generate(&TestEntropy::seeded(7)).unwrap();
        assert_eq!(ServerSecret::parse(&format!("  {}\n", secret.encode())).unwrap(), secret);
        assert_eq!(format!("{secret:?}"), "ServerSecret(<redacted>)");
        assert_eq!(ServerSecret::parse("c2hvcnQ="), Err(MalformedSecret), "too short");
        assert_eq!(ServerSecret::parse("not base64 at all!"), Err(MalformedSecret));
    }

    #[test]
    fn each_purpose_gets_its_own_key_and_each_secret_its_own_keys() {
        let a = ServerSecret::generate(&TestEntropy::seeded(1)).unwrap();
        let b = ServerSecret::generate(&TestEntropy::seeded(2)).unwrap();
        let signing = a.derive(Purpose::AccessTokenSigning);
        assert_eq!(signing, a.derive(Purpose::AccessTokenSigning), "deterministic");
        assert_ne!(signing, a.derive(Purpose::Sealing));
        assert_ne!(signing, b.derive(Purpose::AccessTokenSigning));
        assert_ne!(signing, [1u8; KEY_BYTES], "not the secret itself");
    }

    #[test]
    fn matches_hmac_sha256_as_published() {
        // RFC 4231 test case 2 checks the primitive this derivation relies on.
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"Jefe");
        let tag = hmac::sign(&key, b"what do ya want for nothing?");
        assert_eq!(
            data_encoding::HEXLOWER.encode(tag.as_ref()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
