//! Break-the-glass (issue 4): a clinician opens a patient's record outside their care team by
//! giving a reason. [`Fhir::break_glass`] asks the policy (`relais_access::policy::break_glass`:
//! clinicians only, a reason of a few words, read-only, at most 12 hours), puts the breaking of
//! the glass on the audit trail (action `break-glass`, purpose = the reason, flagged), and only
//! then stores the grant, so that no grant exists without its record. From the clinician's next
//! request, `access::grants_for` includes it until it lapses; every access through it is recorded
//! flagged by the ordinary audit of reads and searches.
//!
//! The privacy officer lists the grants for review (unreviewed first, newest first, paged) and
//! marks each reviewed with a note, once; both are on the trail. Refusals have stable codes
//! ([`BreakGlassError::code`]) and, for bad input, the field concerned.

use jiff::{SignedDuration, Timestamp};
use relais_access::audit::{Outcome, action};
use relais_access::policy::{Action, BreakGlassRefused, Role, break_glass};
use relais_access::scopes::Context;
use relais_store::{BreakGlassRow, ReviewPosition, StoreError};

use super::Fhir;
use crate::access::Caller;
use crate::audit::{Access, Concerned};

/// The longest a grant may be asked for, in minutes (the policy's 12 hours).
pub const MAX_MINUTES: i64 = 12 * 60;
/// Longest reason and review note kept, in characters.
pub const MAX_TEXT: usize = 1000;
/// Grants per review page when no limit is asked, and the most.
pub const REVIEW_PAGE: u32 = 50;
pub const MAX_REVIEW_PAGE: u32 = 200;

/// Why breaking the glass, or a review, was refused.
#[derive(Debug, thiserror::Error)]
pub enum BreakGlassError {
    /// 400: the patient id is missing or not an id.
    #[error("patient-invalid")]
    PatientInvalid,
    /// 404: no such patient.
    #[error("patient-not-found")]
    PatientNotFound,
    /// 400: the reason is missing or too short (a few words are required).
    #[error("break-glass-reason-required")]
    ReasonRequired,
    /// 400: the reason or note is longer than [`MAX_TEXT`].
    #[error("text-too-long")]
    TooLong(&'static str),
    /// 400: minutes not a whole number from 1 to [`MAX_MINUTES`].
    #[error("break-glass-minutes-invalid")]
    MinutesInvalid,
    /// 403: only clinicians may break the glass.
    #[error("break-glass-not-clinician")]
    NotClinician,
    /// 403: only the privacy officer reviews.
    #[error("role-forbids")]
    NotPrivacyOfficer,
    /// 403: the access token's scopes do not reach this.
    #[error("insufficient-scope")]
    OutOfScope,
    /// 403: nobody reviews their own break-the-glass access.
    #[error("break-glass-own-review")]
    OwnReview,
    /// 404: no such grant.
    #[error("break-glass-not-found")]
    GrantNotFound,
    /// 409: the grant was already reviewed.
    #[error("break-glass-already-reviewed")]
    AlreadyReviewed,
    /// 400: the paging cursor is not one this server gave.
    #[error("invalid-cursor")]
    BadCursor,
    /// 503: the trail could not be written, so nothing was done.
    #[error("audit-unavailable")]
    AuditUnavailable,
    /// 500: the store failed (logged, never shown).
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

impl BreakGlassError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::PatientInvalid => "patient-invalid",
            Self::PatientNotFound => "patient-not-found",
            Self::ReasonRequired => "break-glass-reason-required",
            Self::TooLong(_) => "text-too-long",
            Self::MinutesInvalid => "break-glass-minutes-invalid",
            Self::NotClinician => "break-glass-not-clinician",
            Self::NotPrivacyOfficer => "role-forbids",
            Self::OutOfScope => "insufficient-scope",
            Self::OwnReview => "break-glass-own-review",
            Self::GrantNotFound => "break-glass-not-found",
            Self::AlreadyReviewed => "break-glass-already-reviewed",
            Self::BadCursor => "invalid-cursor",
            Self::AuditUnavailable => "audit-unavailable",
            Self::Store(_) => "server-error",
        }
    }

    /// The input field the refusal concerns, if one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::PatientInvalid | Self::PatientNotFound => Some("patient"),
            Self::ReasonRequired => Some("reason"),
            Self::TooLong(field) => Some(field),
            Self::MinutesInvalid => Some("minutes"),
            Self::BadCursor => Some("cursor"),
            _ => None,
        }
    }

    /// HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Self::PatientInvalid
            | Self::ReasonRequired
            | Self::TooLong(_)
            | Self::MinutesInvalid
            | Self::BadCursor => 400,
            Self::NotClinician | Self::NotPrivacyOfficer | Self::OutOfScope | Self::OwnReview => 403,
            Self::PatientNotFound | Self::GrantNotFound => 404,
            Self::AlreadyReviewed => 409,
            Self::AuditUnavailable => 503,
            Self::Store(_) => 500,
        }
    }
}

/// A page of the review list, and where the next one starts.
#[derive(Debug, Clone)]
pub struct ReviewPage {
    pub grants: Vec<BreakGlassRow>,
    /// Pass back as `cursor` for the next page; `None` on the last one.
    pub next: Option<String>,
}

impl Fhir {
    /// Breaks the glass: `caller` (a clinician) gets read access to `patient`'s record for
    /// `minutes` (1 to [`MAX_MINUTES`]) because of `reason`. Returns the stored grant.
    ///
    /// # Errors
    /// [`BreakGlassError`]: bad input (nothing recorded), refusals by the policy or an unknown
    /// patient (recorded as denied), the trail or the store failing.
    pub async fn break_glass(
        &self,
        caller: &Caller,
        patient: &str,
        reason: &str,
        minutes: i64,
    ) -> Result<BreakGlassRow, BreakGlassError> {
        let patient = patient.trim().strip_prefix("Patient/").unwrap_or(patient.trim());
        if !relais_fhir::id::is_valid_id(patient) {
            return Err(BreakGlassError::PatientInvalid);
        }
        if !(1..=MAX_MINUTES).contains(&minutes) {
            return Err(BreakGlassError::MinutesInvalid);
        }
        let reason = reason.trim();
        if reason.chars().count() > MAX_TEXT {
            return Err(BreakGlassError::TooLong("reason"));
        }
        let now = self.clock.now();
        let principal = &caller.principal;
        let decided = if !user_scope_reaches(caller, "Patient") {
            Err(BreakGlassError::OutOfScope)
        } else {
            break_glass(principal, patient, reason, now, SignedDuration::from_mins(minutes)).map_err(|e| {
                match e {
                    BreakGlassRefused::NotClinician => BreakGlassError::NotClinician,
                    BreakGlassRefused::NoReason => BreakGlassError::ReasonRequired,
                }
            })
        };
        let decided = match decided {
            Ok(grant) if self.patient_exists(patient).await? => Ok(grant),
            Ok(_) => Err(BreakGlassError::PatientNotFound),
            Err(e) => Err(e),
        };
        // The reason is the purpose of this access (and of no other: the caller's own stays).
        let mut recorded = caller.clone();
        recorded.purpose = Some(reason.to_owned());
        let outcome = if decided.is_ok() { Outcome::Success } else { Outcome::Denied };
        let access = Access {
            action: action::BREAK_GLASS,
            outcome,
            resource_type: Some("Patient"),
            resource_id: Some(patient),
            query: None,
            patients: vec![Concerned { patient: patient.to_owned(), break_glass: true, caregiver: false }],
        };
        let audited = self.audit(&recorded, access).await.map_err(|_| BreakGlassError::AuditUnavailable);
        let grant = match (decided, audited) {
            (Ok(grant), Ok(())) => grant,
            (Err(e), _) | (Ok(_), Err(e)) => return Err(e),
        };
        let row = BreakGlassRow {
            id: self.ids.new_id(),
            account_id: principal.id.clone(),
            patient_id: patient.to_owned(),
            reason: reason.to_owned(),
            granted_at: now,
            expires_at: grant.expires.unwrap_or(now),
            reviewed_at: None,
            reviewed_by: None,
            review_note: None,
        };
        self.store.insert_break_glass(&row).await?;
        Ok(row)
    }

    /// The grants for the privacy officer's review: unreviewed first, newest first, `limit` per
    /// page (at most [`MAX_REVIEW_PAGE`]), from `cursor` (a previous page's `next`). The listing is
    /// on the trail.
    ///
    /// # Errors
    /// 403 for anyone but the privacy officer (recorded as denied), 400 for a bad cursor.
    pub async fn break_glass_for_review(
        &self,
        caller: &Caller,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<ReviewPage, BreakGlassError> {
        let after = cursor.filter(|c| !c.is_empty()).map(parse_cursor).transpose()?;
        let limit = limit.unwrap_or(REVIEW_PAGE).clamp(1, MAX_REVIEW_PAGE);
        let allowed = self.privacy_officer(caller);
        let result = match allowed {
            Ok(()) => self.store.break_glass_for_review(after.as_ref(), limit + 1).await.map_err(Into::into),
            Err(e) => Err(e),
        };
        let outcome = match &result {
            Ok(_) => Outcome::Success,
            Err(BreakGlassError::Store(_)) => Outcome::Failed,
            Err(_) => Outcome::Denied,
        };
        let access = Access {
            action: action::BREAK_GLASS_REVIEW_LIST,
            outcome,
            resource_type: None,
            resource_id: None,
            query: cursor.map(|c| format!("cursor={c}")),
            patients: Vec::new(),
        };
        let audited = self.audit(caller, access).await.map_err(|_| BreakGlassError::AuditUnavailable);
        let mut grants = result?;
        audited?;
        let next = if grants.len() > limit as usize {
            grants.truncate(limit as usize);
            grants.last().map(|g| cursor_of(&g.position()))
        } else {
            None
        };
        Ok(ReviewPage { grants, next })
    }

    /// Marks grant `id` reviewed by `caller` (the privacy officer) with `note`, once. On the
    /// trail, about the grant's patient.
    ///
    /// # Errors
    /// 403 for anyone but the privacy officer, or for their own grant; 404 for an unknown grant;
    /// 409 if it was reviewed already.
    pub async fn review_break_glass(
        &self,
        caller: &Caller,
        id: &str,
        note: &str,
    ) -> Result<BreakGlassRow, BreakGlassError> {
        let note = note.trim();
        if note.chars().count() > MAX_TEXT {
            return Err(BreakGlassError::TooLong("note"));
        }
        let now = self.clock.now();
        let found = match self.privacy_officer(caller) {
            Ok(()) => self.store.break_glass_by_id(id).await?,
            Err(e) => {
                self.audit_review(caller, id, None, Outcome::Denied).await?;
                return Err(e);
            }
        };
        let Some(grant) = found else {
            self.audit_review(caller, id, None, Outcome::Denied).await?;
            return Err(BreakGlassError::GrantNotFound);
        };
        let patient = Some(grant.patient_id.as_str());
        if grant.account_id == caller.principal.id {
            self.audit_review(caller, id, patient, Outcome::Denied).await?;
            return Err(BreakGlassError::OwnReview);
        }
        if grant.reviewed_at.is_some() {
            self.audit_review(caller, id, patient, Outcome::Denied).await?;
            return Err(BreakGlassError::AlreadyReviewed);
        }
        // Recorded first: a review exists only with its record.
        self.audit_review(caller, id, patient, Outcome::Success).await?;
        if !self.store.mark_break_glass_reviewed(id, &caller.principal.id, now, note).await? {
            // Another review got there between the read and the update.
            return Err(BreakGlassError::AlreadyReviewed);
        }
        Ok(self.store.break_glass_by_id(id).await?.unwrap_or(grant))
    }

    async fn audit_review(
        &self,
        caller: &Caller,
        id: &str,
        patient: Option<&str>,
        outcome: Outcome,
    ) -> Result<(), BreakGlassError> {
        let access = Access {
            action: action::BREAK_GLASS_REVIEW,
            outcome,
            resource_type: None,
            resource_id: Some(id),
            query: None,
            patients: patient.map(Concerned::plain).into_iter().collect(),
        };
        self.audit(caller, access).await.map_err(|_| BreakGlassError::AuditUnavailable)
    }

    /// Whether `caller` is the privacy officer, with a token (if any) that reaches the trail.
    fn privacy_officer(&self, caller: &Caller) -> Result<(), BreakGlassError> {
        if !caller.principal.roles.contains(&Role::PrivacyOfficer) {
            Err(BreakGlassError::NotPrivacyOfficer)
        } else if !caller.principal.token_reaches("AuditEvent", Action::Read) {
            Err(BreakGlassError::OutOfScope)
        } else {
            Ok(())
        }
    }

    async fn patient_exists(&self, patient: &str) -> Result<bool, StoreError> {
        Ok(self.store.current("Patient", patient).await?.is_some_and(|row| !row.deleted))
    }
}

/// Whether the caller's token (if any) acts as the person on `resource_type` (a `user/` scope):
/// a `patient/` or `system/` token never breaks the glass.
fn user_scope_reaches(caller: &Caller, resource_type: &str) -> bool {
    caller.principal.scopes.as_ref().is_none_or(|s| s.permits(Context::User, resource_type, false))
}

/// `{0|1}.{granted_at µs}.{id}`.
fn cursor_of(position: &ReviewPosition) -> String {
    format!("{}.{}.{}", u8::from(position.reviewed), position.granted_at.as_microsecond(), position.id)
}

fn parse_cursor(text: &str) -> Result<ReviewPosition, BreakGlassError> {
    let mut parts = text.splitn(3, '.');
    let reviewed = match parts.next() {
        Some("0") => false,
        Some("1") => true,
        _ => return Err(BreakGlassError::BadCursor),
    };
    let micros: i64 = parts.next().and_then(|m| m.parse().ok()).ok_or(BreakGlassError::BadCursor)?;
    let granted_at = Timestamp::from_microsecond(micros).map_err(|_| BreakGlassError::BadCursor)?;
    let id = parts.next().filter(|id| !id.is_empty()).ok_or(BreakGlassError::BadCursor)?;
    Ok(ReviewPosition { reviewed, granted_at, id: id.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_its_position_and_junk_is_refused() {
        let position = ReviewPosition {
            reviewed: true,
            granted_at: "2026-11-26T10:00:00.123456Z".parse().unwrap(),
            id: "0190-abc.def".into(),
        };
        assert_eq!(parse_cursor(&cursor_of(&position)).unwrap(), position);
        for junk in ["", "2.1.x", "0.notanumber.x", "0.1", "0.1.", "0.99999999999999999999.x"] {
            assert_eq!(parse_cursor(junk).unwrap_err().code(), "invalid-cursor", "{junk:?}");
        }
    }
}
