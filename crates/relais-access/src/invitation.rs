//! Invitation links (issue 4): single-purpose, expiring, revocable links that let someone
//! without an account join one appointment, one video room, one hearing, upload photos once,
//! or create their own patient account once.
//!
//! This module holds the rules only: what an invitation is for ([`Purpose`], with stable codes)
//! and whether a stored one still opens ([`validity`]). The token is a [`crate::token::Token`];
//! only its hash is stored.

use jiff::Timestamp;

/// What an invitation opens: one thing of one kind, named by its target reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Join one appointment (target `Appointment/{id}`).
    Appointment,
    /// Join one video room.
    Room,
    /// Attend one court hearing.
    Hearing,
    /// Upload photos once (store-and-forward).
    PhotoUpload,
    /// Create the patient's own account once (issue 7: sent with the enrolment email; target
    /// `Patient/{id}`).
    PatientAccount,
}

const PURPOSES: [(Purpose, &str); 5] = [
    (Purpose::Appointment, "appointment"),
    (Purpose::Room, "room"),
    (Purpose::Hearing, "hearing"),
    (Purpose::PhotoUpload, "photo-upload"),
    (Purpose::PatientAccount, "patient-account"),
];

impl Purpose {
    /// Every purpose, in a stable order.
    pub fn all() -> impl Iterator<Item = Purpose> {
        PURPOSES.iter().map(|(p, _)| *p)
    }

    /// Stable code, as stored and as answered.
    pub fn code(self) -> &'static str {
        PURPOSES.iter().find(|(p, _)| *p == self).map_or("", |(_, code)| code)
    }

    /// The purpose whose [`Purpose::code`] is `code`.
    pub fn from_code(code: &str) -> Option<Purpose> {
        PURPOSES.iter().find(|(_, c)| *c == code).map(|(p, _)| *p)
    }
}

/// What [`validity`] needs of a stored invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub max_uses: u32,
    pub uses: u32,
}

/// Why an invitation does not open. The bearer is only ever told `invitation-invalid`; the
/// audit trail records which of these it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// No invitation has this token.
    Unknown,
    Expired,
    Revoked,
    UsedUp,
}

impl Invalid {
    /// Stable code for the audit trail.
    pub fn code(self) -> &'static str {
        match self {
            Invalid::Unknown => "invitation-unknown",
            Invalid::Expired => "invitation-expired",
            Invalid::Revoked => "invitation-revoked",
            Invalid::UsedUp => "invitation-used-up",
        }
    }
}

/// Whether an invitation in `state` may be used at `now`: not revoked, not expired (it lapses
/// at `expires_at` exactly), and used fewer than `max_uses` times. Revocation is reported first,
/// then expiry, then use.
///
/// # Errors
/// The reason it may not.
pub fn validity(state: &State, now: Timestamp) -> Result<(), Invalid> {
    if state.revoked_at.is_some_and(|at| at <= now) {
        Err(Invalid::Revoked)
    } else if now >= state.expires_at {
        Err(Invalid::Expired)
    } else if state.uses >= state.max_uses {
        Err(Invalid::UsedUp)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn open() -> State {
        State { expires_at: at(100), revoked_at: None, max_uses: 1, uses: 0 }
    }

    #[test]
    fn purposes_read_back_from_their_codes() {
        for purpose in Purpose::all() {
            assert_eq!(Purpose::from_code(purpose.code()), Some(purpose));
        }
        assert_eq!(Purpose::from_code("photo-upload"), Some(Purpose::PhotoUpload));
        assert_eq!(Purpose::from_code("Appointment"), None);
        assert_eq!(Purpose::from_code(""), None);
    }

    #[test]
    fn an_open_invitation_works_until_it_expires() {
        assert_eq!(validity(&open(), at(0)), Ok(()));
        assert_eq!(validity(&open(), at(99)), Ok(()));
        assert_eq!(validity(&open(), at(100)), Err(Invalid::Expired));
        assert_eq!(validity(&open(), at(1000)), Err(Invalid::Expired));
    }

    #[test]
    fn a_revoked_invitation_never_works_again() {
        let revoked = State { revoked_at: Some(at(50)), ..open() };
        assert_eq!(validity(&revoked, at(49)), Ok(()));
        assert_eq!(validity(&revoked, at(50)), Err(Invalid::Revoked));
        assert_eq!(validity(&revoked, at(200)), Err(Invalid::Revoked));
    }

    #[test]
    fn uses_run_out_at_the_maximum() {
        let thrice = State { max_uses: 3, ..open() };
        assert_eq!(validity(&State { uses: 2, ..thrice }, at(1)), Ok(()));
        assert_eq!(validity(&State { uses: 3, ..thrice }, at(1)), Err(Invalid::UsedUp));
        assert_eq!(validity(&State { uses: 0, max_uses: 0, ..thrice }, at(1)), Err(Invalid::UsedUp));
    }

    #[test]
    fn refusal_codes_are_distinct() {
        let codes =
            [Invalid::Unknown, Invalid::Expired, Invalid::Revoked, Invalid::UsedUp].map(Invalid::code);
        let unique: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 4);
    }
}
