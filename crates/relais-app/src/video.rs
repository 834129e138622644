//! Who may be in a video room (issue 6), and the audit trail of rooms.
//!
//! Clinicians (clinical roles, signed in) open rooms and join any room; everyone else comes with
//! an invitation (`Room/{id}` for a room, `Appointment/{id}` for a visit — the room of
//! appointment X is room X). Using the invitation link ([`Video::admit_guest`]) gives the browser
//! a **guest pass**: a random token for that one room, short-lived, kept here only as its hash,
//! and worthless once the invitation is revoked or expired ([`Video::guest`] checks at every
//! join). Passes live in this process: a restart sends guests back to their link.
//!
//! Every opening, join (and refusal at the door), admission, refusal, removal, mute and end is
//! on the audit trail, written before the join goes ahead: a join that cannot be recorded is
//! refused.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};
use relais_access::audit::{AuditDraft, Outcome, action};
use relais_access::token::{self, Token};
use relais_core::{Clock, IdGenerator};

use crate::access::Caller;
use crate::audit::AuditWriter;
use crate::invitations::{InvitationPass, Invitations, Purpose};

/// How long a guest pass works after the link was used: a visit and its waiting room.
pub const GUEST_PASS_LIFETIME: SignedDuration = SignedDuration::from_hours(4);

/// A guest's right to one room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestPass {
    pub room: String,
    /// The invitation it came from (the guest's actor on the trail: `invitation:{id}`).
    pub invitation: String,
    /// Whose care the visit concerns, if anyone's.
    pub patient: Option<String>,
    /// As the inviter named them.
    pub name: String,
    pub expires_at: Timestamp,
}

/// Why someone may not be in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VideoError {
    #[error("video-forbidden")]
    Forbidden,
    /// The invitation does not open a video room.
    #[error("video-not-a-visit")]
    NotAVisit,
    /// No pass, an expired pass, a pass for another room, or its invitation was revoked.
    #[error("video-pass-invalid")]
    PassInvalid,
    #[error("video-room-invalid")]
    RoomInvalid,
    #[error("audit-unavailable")]
    AuditUnavailable,
    #[error("store-unavailable")]
    Store,
}

/// One entry on the trail about a room.
#[derive(Debug, Clone)]
pub struct RoomEvent<'a> {
    /// Account id, or `invitation:{id}`.
    pub actor: &'a str,
    pub action: &'static str,
    pub room: &'a str,
    pub patient: Option<&'a str>,
    pub outcome: Outcome,
    /// The role joined as, whom a control concerned, or why refused.
    pub detail: Option<String>,
    pub address: Option<&'a str>,
}

/// The video use cases.
#[derive(Clone)]
pub struct Video {
    audit: AuditWriter,
    invitations: Invitations,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    /// Guest passes by token hash.
    passes: Arc<Mutex<HashMap<String, GuestPass>>>,
}

impl Video {
    pub fn new(
        audit: AuditWriter,
        invitations: Invitations,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self { audit, invitations, clock, ids, passes: Arc::default() }
    }

    /// `caller` may open and join rooms as staff: a clinical role.
    ///
    /// # Errors
    /// [`VideoError::Forbidden`] for anyone else.
    pub fn staff(caller: &Caller) -> Result<(), VideoError> {
        if caller.principal.roles.iter().any(|r| r.is_clinical()) {
            Ok(())
        } else {
            Err(VideoError::Forbidden)
        }
    }

    /// A clinician opens a new room; answers its id. Recorded first.
    ///
    /// # Errors
    /// Not a clinician, or the trail cannot be written.
    pub async fn open_room(&self, caller: &Caller) -> Result<String, VideoError> {
        Self::staff(caller)?;
        let room = self.ids.new_id();
        self.record(RoomEvent {
            actor: &caller.principal.id,
            action: action::VIDEO_OPEN,
            room: &room,
            patient: None,
            outcome: Outcome::Success,
            detail: None,
            address: caller.address.as_deref(),
        })
        .await?;
        Ok(room)
    }

    /// The room an invitation opens, if it opens one.
    pub fn room_of(pass: &InvitationPass) -> Option<String> {
        let (kind, id) = pass.target.split_once('/')?;
        let opens =
            matches!((pass.purpose, kind), (Purpose::Room, "Room") | (Purpose::Appointment, "Appointment"));
        (opens && relais_fhir::id::is_valid_id(id)).then(|| id.to_owned())
    }

    /// A redeemed invitation becomes a guest pass for its room: answers the token (for an
    /// `HttpOnly` cookie; never log it) and the pass.
    ///
    /// # Errors
    /// [`VideoError::NotAVisit`] when the invitation opens no room.
    pub fn admit_guest(&self, pass: &InvitationPass) -> Result<(String, GuestPass), VideoError> {
        let room = Self::room_of(pass).ok_or(VideoError::NotAVisit)?;
        let token = Token::generate().map_err(|_| VideoError::Store)?;
        let now = self.clock.now();
        let guest = GuestPass {
            room,
            invitation: pass.id.clone(),
            patient: pass.patient.clone(),
            name: pass.invitee.clone(),
            expires_at: now.checked_add(GUEST_PASS_LIFETIME).unwrap_or(now),
        };
        let mut passes = self.passes.lock().unwrap_or_else(PoisonError::into_inner);
        passes.retain(|_, p| p.expires_at > now);
        passes.insert(token.hash(), guest.clone());
        Ok((token.as_str().to_owned(), guest))
    }

    /// The guest holding `token`, if it opens `room` now and its invitation is still open.
    ///
    /// # Errors
    /// [`VideoError::PassInvalid`] whatever the reason; a store failure.
    pub async fn guest(&self, token: &str, room: &str) -> Result<GuestPass, VideoError> {
        if !token::is_well_formed(token) {
            return Err(VideoError::PassInvalid);
        }
        let now = self.clock.now();
        let pass = {
            let passes = self.passes.lock().unwrap_or_else(PoisonError::into_inner);
            passes.get(&token::token_hash(token)).filter(|p| p.room == room && p.expires_at > now).cloned()
        };
        let pass = pass.ok_or(VideoError::PassInvalid)?;
        if !self.invitations.is_open(&pass.invitation).await.map_err(|_| VideoError::Store)? {
            return Err(VideoError::PassInvalid);
        }
        Ok(pass)
    }

    /// Records `event` on the audit trail; answers once it is stored.
    ///
    /// # Errors
    /// [`VideoError::AuditUnavailable`].
    pub async fn record(&self, event: RoomEvent<'_>) -> Result<(), VideoError> {
        let draft = AuditDraft {
            recorded: self.clock.now().as_microsecond(),
            actor: event.actor.to_owned(),
            on_behalf_of: None,
            action: event.action.to_owned(),
            outcome: event.outcome,
            resource_type: Some("Room".to_owned()),
            resource_id: Some(event.room.to_owned()),
            patient_id: event.patient.map(str::to_owned),
            query: None,
            source_address: event.address.map(str::to_owned),
            purpose: event.detail,
            break_glass: false,
        };
        self.audit.record(draft).await.map(|_| ()).map_err(|_| VideoError::AuditUnavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(purpose: Purpose, target: &str) -> InvitationPass {
        InvitationPass {
            id: "i1".into(),
            purpose,
            target: target.into(),
            patient: None,
            invitee: "Léa".into(),
        }
    }

    #[test]
    fn only_room_and_appointment_invitations_open_a_room() {
        assert_eq!(Video::room_of(&pass(Purpose::Room, "Room/r-1")).as_deref(), Some("r-1"));
        assert_eq!(Video::room_of(&pass(Purpose::Appointment, "Appointment/42")).as_deref(), Some("42"));
        assert_eq!(Video::room_of(&pass(Purpose::Appointment, "Room/42")), None);
        assert_eq!(Video::room_of(&pass(Purpose::Room, "Appointment/42")), None);
        assert_eq!(Video::room_of(&pass(Purpose::Room, "Room/")), None);
        assert_eq!(Video::room_of(&pass(Purpose::Hearing, "Room/1")), None);
    }
}
