//! The benchmark's random numbers: xorshift64, fast and repeatable from a seed (a dataset is
//! the same on every run), or different on every run (the load's choices).

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

/// xorshift64: plenty for picking patients and ids.
pub struct Rng(u64);

impl Rng {
    /// A different sequence on every run.
    pub fn new(stream: usize) -> Rng {
        Rng(RandomState::new().hash_one(stream) | 1)
    }

    /// The same sequence for the same seed (its first numbers are already well mixed).
    pub fn seeded(seed: u64) -> Rng {
        // splitmix64's finaliser, so that neighbouring seeds start far apart.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    /// A number in `0..n` (0 if `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_rngs_repeat() {
        let draw = |seed| {
            let mut rng = Rng::seeded(seed);
            (0..5).map(|_| rng.below(1000)).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }
}
