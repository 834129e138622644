//! Opaque bearer tokens: session cookies, invitation links, password-reset links.
//!
//! A token is 32 random bytes (256 bits: unguessable, and no need for a signature since the
//! server keeps state), shown to its holder once as base64url without padding (43 characters,
//! safe in URLs and cookies). Only its SHA-256 is stored, so a leaked database or backup holds
//! nothing that opens a session or an invitation. SHA-256 without salt or stretching suffices
//! here because the input already has 256 bits of entropy; stretching is for passwords.

use data_encoding::{BASE64URL_NOPAD, HEXLOWER};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::random::{Entropy, EntropyError, OsEntropy};

/// Number of random bytes in a token.
pub const TOKEN_BYTES: usize = 32;
/// Length of a token's text: 32 bytes in base64url without padding.
pub const TOKEN_CHARS: usize = 43;

/// A freshly generated token. Give [`Token::as_str`] to its holder, store [`Token::hash`].
///
/// It has no `Display` and its `Debug` hides the value, so formatting it into a log line cannot
/// leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// A new token from the operating system's random source.
    ///
    /// # Errors
    /// [`EntropyError`] when no randomness is available.
    pub fn generate() -> Result<Self, EntropyError> {
        Self::generate_with(&OsEntropy)
    }

    /// A new token from `entropy`.
    ///
    /// # Errors
    /// [`EntropyError`] when `entropy` fails.
    pub fn generate_with(entropy: &dyn Entropy) -> Result<Self, EntropyError> {
        let mut bytes = [0u8; TOKEN_BYTES];
        entropy.fill(&mut bytes)?;
        Ok(Self(BASE64URL_NOPAD.encode(&bytes)))
    }

    /// The text to hand to the holder (cookie value, link). Never log or store it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What to store: [`token_hash`] of this token.
    pub fn hash(&self) -> String {
        token_hash(&self.0)
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// The stored form of a presented token: SHA-256 of its text, lowercase hex (64 characters).
///
/// Hash whatever was presented, well-formed or not, and look the hash up; a garbage value simply
/// finds nothing.
pub fn token_hash(token: &str) -> String {
    HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

/// Whether `token` has the shape [`Token::generate`] produces: 43 base64url characters that
/// decode to 32 bytes. Lets a caller refuse junk before touching the store.
pub fn is_well_formed(token: &str) -> bool {
    token.len() == TOKEN_CHARS
        && BASE64URL_NOPAD.decode(token.as_bytes()).is_ok_and(|bytes| bytes.len() == TOKEN_BYTES)
}

/// Whether a presented token matches a stored hash, comparing in constant time.
///
/// The comparison is on hashes, so timing would reveal little even if it leaked; constant time
/// costs nothing and removes the question.
pub fn token_matches(presented: &str, stored_hash: &str) -> bool {
    hashes_equal(&token_hash(presented), stored_hash)
}

/// Constant-time equality of two stored hashes (or any two strings of public length).
pub fn hashes_equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{BrokenEntropy, TestEntropy};

    #[test]
    fn a_token_is_43_base64url_characters_of_32_random_bytes_and_differs_each_time() {
        let a = Token::generate().unwrap();
        let b = Token::generate().unwrap();
        assert_ne!(a, b);
        for t in [&a, &b] {
            assert_eq!(t.as_str().len(), TOKEN_CHARS);
            assert!(
                t.as_str().bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
                "not URL-safe: {}",
                t.as_str()
            );
            assert!(is_well_formed(t.as_str()));
        }
    }

    #[test]
    fn the_token_encodes_exactly_the_bytes_drawn() {
        // TestEntropy fills 0, 1, 2, …, 31 on its first draw.
        let token = Token::generate_with(&TestEntropy::default()).unwrap();
        let expected: Vec<u8> = (0..32).collect();
        assert_eq!(BASE64URL_NOPAD.decode(token.as_str().as_bytes()).unwrap(), expected);
        assert_eq!(token.as_str(), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
    }

    #[test]
    fn no_token_without_randomness() {
        assert_eq!(Token::generate_with(&BrokenEntropy), Err(EntropyError));
    }

    #[test]
    fn the_stored_hash_is_the_hex_sha256_of_the_token_text() {
        // FIPS 180-2 test vector: SHA-256("abc").
        assert_eq!(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let token = Token::generate_with(&TestEntropy::default()).unwrap();
        assert_eq!(token.hash(), token_hash(token.as_str()));
        assert_eq!(token.hash().len(), 64);
        assert_ne!(token.hash(), token.as_str());
    }

    #[test]
    fn a_presented_token_matches_its_own_stored_hash_only() {
        let entropy = TestEntropy::default();
        let issued = Token::generate_with(&entropy).unwrap();
        let other = Token::generate_with(&entropy).unwrap();
        let stored = issued.hash();
        assert!(token_matches(issued.as_str(), &stored));
        assert!(!token_matches(other.as_str(), &stored));
        assert!(!token_matches("", &stored));
        // Presenting the stored hash itself must not work: the hash is not a credential.
        assert!(!token_matches(&stored, &stored));
        assert!(!hashes_equal(&stored, &stored[..63]));
    }

    #[test]
    fn debug_never_prints_the_token() {
        let token = Token::generate().unwrap();
        let debug = format!("{token:?} {:?}", Some(&token));
        assert!(!debug.contains(token.as_str()), "{debug}");
        assert!(!debug.contains(&token.as_str()[..8]), "{debug}");
        assert!(debug.contains("<redacted>"));
    }

    #[test]
    fn junk_is_not_a_well_formed_token() {
        let good = Token::generate_with(&TestEntropy::default()).unwrap();
        let cases = [
            ("", false),
            ("abc", false),
            (good.as_str(), true),
            (&good.as_str()[..42], false),
            (&format!("{}A", good.as_str()), false),
            (&format!("{}=", &good.as_str()[..42]), false),
            (&good.as_str().replace('A', "+"), false),
            (&"é".repeat(21), false),
        ];
        for (text, expected) in cases {
            assert_eq!(is_well_formed(text), expected, "{text:?}");
        }
    }
}
