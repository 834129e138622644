//! Break-the-glass: the grant a clinician gets on a record outside their care by giving a
//! reason — read-only, time-limited, flagged for the privacy officer.

use jiff::{SignedDuration, Timestamp};

use super::{Basis, Grant, Principal};

/// Why a break-the-glass request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BreakGlassRefused {
    #[error("break-glass-not-clinician")]
    NotClinician,
    #[error("break-glass-reason-required")]
    NoReason,
}

/// The most a break-the-glass access may last.
pub const MAX_BREAK_GLASS: SignedDuration = SignedDuration::from_hours(12);

/// The grant a clinician gets by breaking the glass on `patient` for `reason`, read-only, for
/// `duration` (at most [`MAX_BREAK_GLASS`]). Only clinicians may; a reason is required (a few
/// words, not blanks), because the privacy officer reviews every one.
pub fn break_glass(
    principal: &Principal,
    patient: &str,
    reason: &str,
    now: Timestamp,
    duration: SignedDuration,
) -> Result<Grant, BreakGlassRefused> {
    if !principal.is_staff() {
        return Err(BreakGlassRefused::NotClinician);
    }
    if reason.trim().chars().count() < 5 {
        return Err(BreakGlassRefused::NoReason);
    }
    let duration = duration.min(MAX_BREAK_GLASS).max(SignedDuration::ZERO);
    Ok(Grant {
        patient: patient.to_owned(),
        basis: Basis::BreakGlass,
        resource_types: None,
        write: false,
        // Past the end of time, it lapses at once rather than never.
        expires: Some(now.checked_add(duration).unwrap_or(now)),
        only: None,
    })
}
