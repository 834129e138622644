//! Secrets the server must be able to read back, encrypted at rest: TOTP shared secrets (which,
//! unlike a password hash, work as they are) and queued emails carrying a one-time link.
//!
//! AES-256-GCM (aws-lc-rs) under a 32-byte key derived from the server's secret, a random
//! 96-bit nonce per value, and associated data naming what the value is and whose it is
//! (`totp:<account id>`): a sealed secret copied onto another account's row, or an email body
//! moved into a TOTP column, fails to open instead of working. The stored text is
//! `v1.` + base64url (nonce ‖ ciphertext ‖ tag), so the scheme can change later.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use data_encoding::BASE64URL_NOPAD;

use crate::random::{Entropy, EntropyError};

/// Prefix of the current format.
const VERSION: &str = "v1.";

/// A key that seals and opens values. Its `Debug` hides it.
pub struct SealingKey(LessSafeKey);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(<redacted>)")
    }
}

/// Why a value could not be sealed or opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// Not a value this module wrote, written under another key or for another purpose, or
    /// changed since. Code `sealed-value-unreadable`.
    #[error("sealed-value-unreadable")]
    Unreadable,
    /// No randomness for the nonce.
    #[error(transparent)]
    Entropy(#[from] EntropyError),
}

impl SealError {
    /// Stable code of the error.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Unreadable => "sealed-value-unreadable",
            Self::Entropy(e) => e.code(),
        }
    }
}

impl SealingKey {
    /// The key made of these 32 bytes (derived from the server secret for this purpose).
    pub fn new(key: &[u8; 32]) -> Self {
        // A 32-byte key is exactly what AES-256 takes: this cannot fail.
        match UnboundKey::new(&AES_256_GCM, key) {
            Ok(key) => Self(LessSafeKey::new(key)),
            Err(_) => unreachable_key(),
        }
    }

    /// Encrypts `plaintext`, bound to `context` (what it is and whose: `totp:<account id>`).
    ///
    /// # Errors
    /// [`SealError::Entropy`] without randomness for the nonce.
    pub fn seal(&self, context: &str, plaintext: &[u8], entropy: &dyn Entropy) -> Result<String, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        entropy.fill(&mut nonce)?;
        let mut data = plaintext.to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut data,
            )
            .map_err(|_| SealError::Unreadable)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(format!("{VERSION}{}", BASE64URL_NOPAD.encode(&out)))
    }

    /// Decrypts a value [`SealingKey::seal`] wrote with the same key and `context`.
    ///
    /// # Errors
    /// [`SealError::Unreadable`] for anything else.
    pub fn open(&self, context: &str, sealed: &str) -> Result<Vec<u8>, SealError> {
        let encoded = sealed.strip_prefix(VERSION).ok_or(SealError::Unreadable)?;
        let bytes = BASE64URL_NOPAD.decode(encoded.as_bytes()).map_err(|_| SealError::Unreadable)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError::Unreadable);
        }
        let (nonce, data) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Unreadable)?;
        let mut data = data.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut data)
            .map_err(|_| SealError::Unreadable)?;
        Ok(plain.to_vec())
    }
}

/// AES-256 refuses only keys of the wrong length, which the type rules out.
#[allow(clippy::panic)]
fn unreachable_key() -> ! {
    panic!("AES-256-GCM refused a 32-byte key")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OsEntropy;
    use crate::random::BrokenEntropy;

    #[test]
    fn a_sealed_value_opens_with_its_key_and_context_only() {
        let key = SealingKey::new(&[7u8; 32]);
        let secret = b"JBSWY3DPEHPK3PXPJBSWY3DP";
        let sealed = key.seal("totp:account-1", secret, &OsEntropy).unwrap();
        assert!(sealed.starts_with("v1."), "{sealed}");
        assert!(!sealed.contains("JBSWY3DP"), "the secret shows: {sealed}");
        assert_eq!(key.open("totp:account-1", &sealed).unwrap(), secret);
        // Moved to another account, or read with another server's key: refused.
        assert_eq!(key.open("totp:account-2", &sealed), Err(SealError::Unreadable));
        assert_eq!(SealingKey::new(&[8u8; 32]).open("totp:account-1", &sealed), Err(SealError::Unreadable));
        // Two seals of the same value differ (fresh nonce), both open.
        let again = key.seal("totp:account-1", secret, &OsEntropy).unwrap();
        assert_ne!(sealed, again);
        assert_eq!(key.open("totp:account-1", &again).unwrap(), secret);
    }

    #[test]
    fn a_changed_or_foreign_value_is_unreadable() {
        let key = SealingKey::new(&[7u8; 32]);
        let sealed = key.seal("c", b"value", &OsEntropy).unwrap();
        let mut flipped = sealed.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        for bad in [
            flipped.as_str(),
            "",
            "v1.",
            "v1.AAAA",
            "JBSWY3DPEHPK3PXP",
            &sealed[3..],
            "v2.AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert_eq!(key.open("c", bad), Err(SealError::Unreadable), "{bad:?}");
        }
    }

    #[test]
    fn no_seal_without_randomness_and_the_key_never_shows() {
        let key = SealingKey::new(&[7u8; 32]);
        assert_eq!(key.seal("c", b"v", &BrokenEntropy), Err(SealError::Entropy(EntropyError)));
        assert_eq!(format!("{key:?}"), "SealingKey(<redacted>)");
    }
}
