//! Randomness as a parameter, like time: salts, TOTP secrets and tokens are drawn through
//! [`Entropy`], so tests can make them deterministic and no rule reaches for a global RNG.

/// A source of cryptographically secure random bytes.
pub trait Entropy: Send + Sync {
    /// Fills `buf` entirely with random bytes.
    ///
    /// # Errors
    /// [`EntropyError`] when the source cannot deliver; callers must fail rather than fall back
    /// to weaker bytes.
    fn fill(&self, buf: &mut [u8]) -> Result<(), EntropyError>;
}

/// The operating system's CSPRNG (`getrandom`). The only place in this crate that reads it.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&self, buf: &mut [u8]) -> Result<(), EntropyError> {
        getrandom::fill(buf).map_err(|_| EntropyError)
    }
}

/// The random source failed. Code `entropy-unavailable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("entropy-unavailable")]
pub struct EntropyError;

impl EntropyError {
    /// Stable code of the error.
    pub const fn code(&self) -> &'static str {
        "entropy-unavailable"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_entropy_fills_the_whole_buffer_with_different_bytes_each_time() {
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        OsEntropy.fill(&mut a).unwrap();
        OsEntropy.fill(&mut b).unwrap();
        // 2^-256 chance of a false failure; an all-zero or repeated buffer means nothing was read.
        assert_ne!(a, [0u8; 32]);
        assert_ne!(a, b);
    }
}

/// Deterministic bytes for tests: each call fills with `seed, seed+1, …` and bumps the seed, so
/// two draws differ but every run draws the same.
#[cfg(test)]
#[derive(Debug, Default)]
pub(crate) struct TestEntropy(pub(crate) std::sync::Mutex<u8>);

#[cfg(test)]
impl TestEntropy {
    /// A source whose first draw is `seed, seed+1, …`: different seeds, different bytes.
    pub(crate) fn seeded(seed: u8) -> Self {
        Self(std::sync::Mutex::new(seed))
    }
}

#[cfg(test)]
impl Entropy for TestEntropy {
    fn fill(&self, buf: &mut [u8]) -> Result<(), EntropyError> {
        let mut seed = self.0.lock().unwrap();
        for (i, b) in buf.iter_mut().enumerate() {
            *b = seed.wrapping_add(i as u8);
        }
        *seed = seed.wrapping_add(1);
        Ok(())
    }
}

/// A source that always fails, to test that callers refuse to go on without randomness.
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct BrokenEntropy;

#[cfg(test)]
impl Entropy for BrokenEntropy {
    fn fill(&self, _buf: &mut [u8]) -> Result<(), EntropyError> {
        Err(EntropyError)
    }
}
