//! The time handed to a str0m session, which must never go back.

use std::time::Instant;

/// The time handed to one str0m session, which must never go back: a datagram's kernel
/// arrival stamp may be older than the last timeout the session was given.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SessionClock(Instant);

impl SessionClock {
    pub fn new(at: Instant) -> Self {
        Self(at)
    }

    /// `at`, or the last time handed over if that was later (and remembered as such).
    pub fn at(&mut self, at: Instant) -> Instant {
        self.0 = self.0.max(at);
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_session_clock_never_goes_back() {
        let start = Instant::now();
        let mut clock = SessionClock::new(start);
        let later = start + Duration::from_millis(5);
        assert_eq!(clock.at(later), later);
        // A datagram stamped before the last timeout handed over counts as arrived then.
        assert_eq!(clock.at(start + Duration::from_millis(2)), later);
        assert_eq!(clock.at(start + Duration::from_millis(9)), start + Duration::from_millis(9));
    }
}
