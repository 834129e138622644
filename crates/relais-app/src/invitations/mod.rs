//! Invitation links (issue 4): single-purpose (one appointment, one room, one hearing, one photo
//! upload), expiring, revocable, usable without an account.
//!
//! Staff invite ([`Invitations::invite`]: clinical roles for any purpose, a court clerk for a
//! hearing), and when a patient is named they must be entitled to that patient's record by the
//! access policy. The token is handed out once, in the link `…/i/{token}`; only its hash is
//! stored. Whoever holds the link redeems it ([`Invitations::redeem`]) and gets an
//! [`InvitationPass`], or `invitation-invalid` whatever the reason (unknown, expired, revoked,
//! used up): the audit trail, not the bearer, learns which. Every use and refusal is on the trail
//! (`invitation-use`, with the address); a use whose record cannot be written is refused.

mod error;

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use relais_access::audit::{AuditDraft, Outcome, action};
use relais_access::invitation::{self, Invalid};
use relais_access::policy::{self, Action, Decision, Role, Target};
use relais_access::token::{self, Token};
use relais_core::{Clock, IdGenerator};
use relais_store::{InvitationRow, NewInvitation, ResourceStore};

use crate::access::Caller;

pub use error::InvitationError;
pub use relais_access::invitation::Purpose;

/// The longest an invitation may stay open.
pub const MAX_VALID_FOR: SignedDuration = SignedDuration::from_hours(24 * 30);
/// The most uses one invitation may allow.
pub const MAX_USES: u32 = 100;

/// What to invite to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub purpose: Purpose,
    /// What it opens, as a reference (`Appointment/123`).
    pub target: String,
    /// Whose care it concerns, if anyone's (a patient id).
    pub patient: Option<String>,
    /// The invitee's display name.
    pub invitee: String,
    /// How long the link works.
    pub valid_for: SignedDuration,
    /// How many times it may be used (1: single use).
    pub max_uses: u32,
}

/// A new invitation: the link to hand to the invitee (never log it) and when it lapses.
pub struct Invited {
    pub id: String,
    pub link: String,
    pub expires_at: Timestamp,
}

impl std::fmt::Debug for Invited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invited")
            .field("id", &self.id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What a redeemed invitation lets its bearer do: this purpose, on this target, for this patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationPass {
    pub id: String,
    pub purpose: Purpose,
    pub target: String,
    pub patient: Option<String>,
    /// The invitee's display name, as the inviter typed it.
    pub invitee: String,
}

/// The invitation use cases over one store.
#[derive(Clone)]
pub struct Invitations {
    store: Arc<dyn ResourceStore>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    public_url: Arc<str>,
}

impl Invitations {
    /// Use cases over `store`; links start with `public_url` (no trailing slash).
    pub fn new(
        store: Arc<dyn ResourceStore>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        public_url: &str,
    ) -> Self {
        Self { store, clock, ids, public_url: Arc::from(public_url.trim_end_matches('/')) }
    }

    /// Creates an invitation for `caller`. See the module documentation for who may.
    ///
    /// # Errors
    /// `invitation-forbidden` for a role that may not invite to this purpose,
    /// `invitation-not-entitled` when the caller may not act on the patient's record, a field
    /// code for bad input, or a store failure.
    pub async fn invite(&self, caller: &Caller, invite: &Invite) -> Result<Invited, InvitationError> {
        let principal = &caller.principal;
        let clinical = principal.roles.iter().any(|r| r.is_clinical());
        let clerk = invite.purpose == Purpose::Hearing && principal.roles.contains(&Role::CourtClerk);
        if !clinical && !clerk {
            return Err(InvitationError::Forbidden);
        }
        let Some((resource_type, _)) = parse_target(&invite.target) else {
            return Err(InvitationError::Invalid { code: "invitation-target-invalid", field: "target" });
        };
        let invitee = invite.invitee.trim();
        if invitee.is_empty() || invitee.chars().count() > 200 || invitee.chars().any(char::is_control) {
            return Err(InvitationError::Invalid { code: "invitation-invitee-invalid", field: "invitee" });
        }
        if invite.valid_for <= SignedDuration::ZERO || invite.valid_for > MAX_VALID_FOR {
            return Err(InvitationError::Invalid {
                code: "invitation-valid-for-invalid",
                field: "valid_for",
            });
        }
        if invite.max_uses == 0 || invite.max_uses > MAX_USES {
            return Err(InvitationError::Invalid { code: "invitation-max-uses-invalid", field: "max_uses" });
        }
        let now = self.clock.now();
        if let Some(patient) = &invite.patient {
            if !relais_fhir::id::is_valid_id(patient) {
                return Err(InvitationError::Invalid {
                    code: "invitation-patient-invalid",
                    field: "patient",
                });
            }
            // Clinicians must be entitled to write the record; the court never writes into one
            // (ADR 0007), so a clerk must be entitled to read it (the hearing's assignment).
            let action = if clinical { Action::Update } else { Action::Read };
            let patients = [patient.clone()];
            let target = Target { resource_type, in_compartment: true, patients: &patients, id: None };
            if !matches!(policy::decide(principal, action, &target, now), Decision::Allow { .. }) {
                return Err(InvitationError::NotEntitled);
            }
        }
        let token = Token::generate().map_err(|_| InvitationError::Internal("entropy-unavailable"))?;
        let expires_at = now.checked_add(invite.valid_for).unwrap_or(now);
        let row = NewInvitation {
            id: self.ids.new_id(),
            token_hash: token.hash(),
            purpose: invite.purpose.code().to_owned(),
            target: invite.target.clone(),
            patient_id: invite.patient.clone(),
            invitee: invitee.to_owned(),
            created_by: principal.id.clone(),
            created_at: now,
            expires_at,
            max_uses: invite.max_uses,
        };
        self.store.create_invitation(&row).await?;
        Ok(Invited { id: row.id, link: format!("{}/i/{}", self.public_url, token.as_str()), expires_at })
    }

    /// Revokes invitation `id`: its creator or an administrator may.
    ///
    /// # Errors
    /// `invitation-not-found` for an unknown id, `invitation-forbidden` for anyone else.
    pub async fn revoke(&self, caller: &Caller, id: &str) -> Result<(), InvitationError> {
        let Some(row) = self.store.invitation(id).await? else { return Err(InvitationError::NotFound) };
        let principal = &caller.principal;
        if row.created_by != principal.id && !principal.roles.contains(&Role::Administrator) {
            return Err(InvitationError::Forbidden);
        }
        self.store.revoke_invitation(id, self.clock.now()).await?;
        Ok(())
    }

    /// Uses the invitation whose link carries `token`, from `address`. One use is counted
    /// atomically: a single-use link used twice at once works once.
    ///
    /// # Errors
    /// `invitation-invalid` for an unknown, expired, revoked or used-up link alike (the trail
    /// records which); `audit-unavailable` when the use cannot be recorded.
    pub async fn redeem(
        &self,
        token: &str,
        address: Option<&str>,
    ) -> Result<InvitationPass, InvitationError> {
        let now = self.clock.now();
        let hash = token::token_hash(token);
        let used =
            if token::is_well_formed(token) { self.store.use_invitation(&hash, now).await? } else { None };
        if let Some(row) = used {
            let purpose =
                Purpose::from_code(&row.purpose).ok_or(InvitationError::Internal("unknown-purpose"))?;
            self.audit(Some(&row), Outcome::Success, row.purpose.clone(), address).await?;
            return Ok(InvitationPass {
                id: row.id,
                purpose,
                target: row.target,
                patient: row.patient_id,
                invitee: row.invitee,
            });
        }
        let row =
            if token::is_well_formed(token) { self.store.invitation_by_token(&hash).await? } else { None };
        let reason = match &row {
            None => Invalid::Unknown,
            Some(row) => {
                let state = invitation::State {
                    expires_at: row.expires_at,
                    revoked_at: row.revoked_at,
                    max_uses: row.max_uses,
                    uses: row.uses,
                };
                // Open now but not used: another request took the last use meanwhile.
                invitation::validity(&state, now).err().unwrap_or(Invalid::UsedUp)
            }
        };
        self.audit(row.as_ref(), Outcome::Denied, reason.code().to_owned(), address).await?;
        Err(InvitationError::InvalidLink)
    }

    /// The purpose of the invitation whose link carries `token`, without using it (a page can
    /// turn away a link meant for something else before spending one of its uses).
    ///
    /// # Errors
    /// A store failure.
    pub async fn purpose_of(&self, token: &str) -> Result<Option<Purpose>, InvitationError> {
        if !token::is_well_formed(token) {
            return Ok(None);
        }
        let row = self.store.invitation_by_token(&token::token_hash(token)).await?;
        Ok(row.and_then(|r| Purpose::from_code(&r.purpose)))
    }

    /// The purpose of the invitation whose link carries `token` if the link would be accepted
    /// now (neither revoked nor expired, a use left), without using it: the page a link opens
    /// asks before spending a use, since mail previews and link scanners open links too.
    ///
    /// # Errors
    /// A store failure.
    pub async fn usable_purpose(&self, token: &str) -> Result<Option<Purpose>, InvitationError> {
        if !token::is_well_formed(token) {
            return Ok(None);
        }
        let now = self.clock.now();
        let row = self.store.invitation_by_token(&token::token_hash(token)).await?;
        Ok(row
            .filter(|r| r.revoked_at.is_none() && r.expires_at > now && r.uses < r.max_uses)
            .and_then(|r| Purpose::from_code(&r.purpose)))
    }

    /// Whether invitation `id` still opens what it opened: neither revoked nor expired (its uses
    /// may be spent: a video guest admitted with the last use keeps their room until then).
    ///
    /// # Errors
    /// A store failure.
    pub async fn is_open(&self, id: &str) -> Result<bool, InvitationError> {
        let now = self.clock.now();
        Ok(self
            .store
            .invitation(id)
            .await?
            .is_some_and(|row| row.revoked_at.is_none() && row.expires_at > now))
    }

    /// Appends an `invitation-use` record: the invitation as actor (`invitation:{id}`, or
    /// `anonymous` for an unknown link), its target and patient, and in `purpose` the
    /// invitation's purpose on success or the real reason of a refusal.
    async fn audit(
        &self,
        row: Option<&InvitationRow>,
        outcome: Outcome,
        purpose: String,
        address: Option<&str>,
    ) -> Result<(), InvitationError> {
        let (resource_type, resource_id) = row
            .and_then(|r| parse_target(&r.target))
            .map_or((None, None), |(t, i)| (Some(t.to_owned()), Some(i.to_owned())));
        let draft = AuditDraft {
            recorded: self.clock.now().as_microsecond(),
            actor: row.map_or_else(|| "anonymous".to_owned(), |r| format!("invitation:{}", r.id)),
            on_behalf_of: None,
            action: action::INVITATION_USE.to_owned(),
            outcome,
            resource_type,
            resource_id,
            patient_id: row.and_then(|r| r.patient_id.clone()),
            query: None,
            source_address: address.map(str::to_owned),
            purpose: Some(purpose),
            break_glass: false,
        };
        self.store.append_audit(draft).await.map_err(|_| InvitationError::AuditUnavailable)?;
        Ok(())
    }
}

/// `Type/id` with a resource type's shape (`Appointment`) and a FHIR id.
fn parse_target(target: &str) -> Option<(&str, &str)> {
    let (resource_type, id) = target.split_once('/')?;
    let type_ok = resource_type.len() <= 64
        && resource_type.starts_with(|c: char| c.is_ascii_uppercase())
        && resource_type.chars().all(|c| c.is_ascii_alphanumeric());
    (type_ok && relais_fhir::id::is_valid_id(id)).then_some((resource_type, id))
}

#[cfg(test)]
mod tests {
    use super::parse_target;

    #[test]
    fn targets_are_type_slash_id() {
        assert_eq!(parse_target("Appointment/123"), Some(("Appointment", "123")));
        assert_eq!(parse_target("Encounter/a-b.c"), Some(("Encounter", "a-b.c")));
        for bad in ["", "Appointment", "Appointment/", "/123", "appointment/1", "Appointment/1/2", "A ppt/1"]
        {
            assert_eq!(parse_target(bad), None, "{bad}");
        }
    }
}
