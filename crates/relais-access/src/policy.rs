//! Who may read and change what: the access policy as one pure function, [`decide`], over what
//! the caller knows about the person ([`Principal`]: roles and grants) and the resource
//! ([`Target`]: its type and whose record it belongs to, from the patient compartment).
//!
//! Entitlement to personal health information always comes from a [`Grant`] on a patient: the
//! patient's own record, a caregiver's share, a care team, an assignment (a work item, a court
//! hearing) or a break-the-glass access. The application builds the grants from the database;
//! this module decides, so that every route, search, include and history read asks the same
//! question and gets the same answer.
//!
//! A refusal says whether to hide the resource: where saying "forbidden" would reveal that a
//! record exists (a patient's chart to a stranger), the answer is "not found".

use std::collections::BTreeSet;

use jiff::Timestamp;

use crate::scopes::{Context, Scopes};

mod break_glass;
#[cfg(test)]
mod device_tests;
mod role;
mod search;
#[cfg(test)]
mod tests;

pub use break_glass::{BreakGlassRefused, MAX_BREAK_GLASS, break_glass};
pub use role::Role;
pub use search::{Scope, search_scope};

/// Why a person is entitled to a patient's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Basis {
    /// The patient's own record.
    OwnRecord,
    /// What the patient shares with a caregiver (a RelatedPerson).
    Caregiver,
    /// The clinician is on one of the patient's care teams.
    CareTeam,
    /// A work item, consult or court hearing assigned to this person.
    Assignment,
    /// An open Task waiting in the queue of an organisation this person works for: enough to
    /// see the item and whom it is for, and to claim it — not the rest of the record.
    Queue,
    /// A clinician opened the record outside their care team, giving a reason: time-limited,
    /// flagged and listed for the privacy officer.
    BreakGlass,
    /// A home device assigned to the patient (an active DeviceUseStatement): it writes its
    /// readings (Observations) into that record and reads back only what it names by id (its
    /// own retransmission, found by a conditional create). Held by a principal with no role: a
    /// device is not a person, and a person never holds it.
    Device,
}

impl Basis {
    /// The roles that may hold a grant on this basis: a grant to anyone else is ignored (an
    /// administrator added to a care team by mistake still sees no chart).
    fn allowed_for(self, role: Role) -> bool {
        match self {
            Basis::OwnRecord => role == Role::Patient,
            Basis::Caregiver => role == Role::Caregiver,
            Basis::CareTeam | Basis::Queue | Basis::BreakGlass => role.is_clinical(),
            Basis::Assignment => role.is_clinical() || role.is_legal(),
            Basis::Device => false,
        }
    }

    /// Whether `principal` may hold a grant on this basis: by one of its roles, or for a device
    /// grant by having none.
    fn held_by(self, principal: &Principal) -> bool {
        if self == Basis::Device {
            principal.roles.is_empty()
        } else {
            principal.has(|r| self.allowed_for(r))
        }
    }

    /// Whether a grant on this basis lets `role` change the record, not only read it: the court
    /// reads a hospitalised patient's hearing file, it never writes into the chart.
    fn writes_for(self, role: Role) -> bool {
        self != Basis::Assignment || !role.is_legal()
    }
}

/// An entitlement to one patient's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub patient: String,
    pub basis: Basis,
    /// The resource types it covers (`None`: the whole record).
    pub resource_types: Option<BTreeSet<String>>,
    /// Whether it allows creating, updating and deleting, not only reading.
    pub write: bool,
    /// When it lapses (`None`: until revoked).
    pub expires: Option<Timestamp>,
    /// Only these resources (ids, of its `resource_types`), not every one of those types in the
    /// record: a queue item is open to those who may take it, the patient's other Tasks are not.
    /// `None`: all of them. A grant limited so never covers creating a resource.
    pub only: Option<BTreeSet<String>>,
}

impl Grant {
    fn covers(&self, target: &Target<'_>, action: Action, now: Timestamp) -> bool {
        self.expires.is_none_or(|end| now < end)
            && self.resource_types.as_ref().is_none_or(|types| types.contains(target.resource_type))
            && (self.write || !action.writes())
            && self.only.as_ref().is_none_or(|ids| target.id.is_some_and(|id| ids.contains(id)))
            // A device creates readings and reads one by id; it never searches, changes or
            // deletes anything.
            && (self.basis != Basis::Device || matches!(action, Action::Create | Action::Read))
    }
}

/// The person asking, as the application knows them for this request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principal {
    /// Account id (or OAuth client id), for the audit trail.
    pub id: String,
    pub roles: BTreeSet<Role>,
    pub grants: Vec<Grant>,
    /// The scopes of the bearer token the request came with, which narrow what the policy
    /// allows (see [`crate::scopes`]); `None` for a person signed in with a session, whom the
    /// policy alone limits. A principal without roles whose token holds `system/` scopes is a
    /// client acting on its own: its scopes alone decide, and it holds no grants.
    pub scopes: Option<Scopes>,
}

impl Principal {
    /// Whether the token's scopes reach `resource_type` for `action` at all (always, without a
    /// token). A search of a type no scope reaches is refused (403 `insufficient-scope`) rather
    /// than answered empty, so a client learns that its token, not the data, is the problem.
    pub fn token_reaches(&self, resource_type: &str, action: Action) -> bool {
        let Some(scopes) = &self.scopes else { return true };
        let writes = action.writes();
        if self.is_system() {
            scopes.permits(Context::System, resource_type, writes)
        } else {
            scopes.permits(Context::User, resource_type, writes)
                || scopes.permits(Context::Patient, resource_type, writes)
        }
    }

    /// A client acting on its own (SMART backend services), not a person.
    pub fn is_system(&self) -> bool {
        self.roles.is_empty() && self.scopes.as_ref().is_some_and(|s| s.has_context(Context::System))
    }

    /// What the token's scopes leave of this person for `resource_type` and `action`: the whole
    /// principal (`user/` scopes, or no token), only the patient-in-context grants (`patient/`
    /// scopes: the person's own record or what is shared with them as a caregiver), or nothing.
    fn narrowed(&self, resource_type: &str, action: Action) -> Option<std::borrow::Cow<'_, Principal>> {
        let Some(scopes) = &self.scopes else { return Some(std::borrow::Cow::Borrowed(self)) };
        if scopes.permits(Context::User, resource_type, action.writes()) {
            return Some(std::borrow::Cow::Borrowed(self));
        }
        if scopes.permits(Context::Patient, resource_type, action.writes()) {
            let grants = self
                .grants
                .iter()
                .filter(|g| matches!(g.basis, Basis::OwnRecord | Basis::Caregiver))
                .cloned()
                .collect();
            return Some(std::borrow::Cow::Owned(Principal { grants, ..self.clone() }));
        }
        None
    }

    fn has(&self, test: impl Fn(Role) -> bool) -> bool {
        self.roles.iter().any(|r| test(*r))
    }

    fn is_staff(&self) -> bool {
        self.has(|r| r.is_clinical())
    }
}

/// What is being done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Search,
    Create,
    Update,
    Delete,
}

impl Action {
    pub fn writes(self) -> bool {
        matches!(self, Action::Create | Action::Update | Action::Delete)
    }
}

/// The resource acted on.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub resource_type: &'a str,
    /// Whether the type can belong to a patient's record (the patient compartment lists it).
    pub in_compartment: bool,
    /// The patients whose record it belongs to (empty for directories, or a record-type
    /// resource that names no patient).
    pub patients: &'a [String],
    /// Its id; `None` for a resource being created (its id is the server's to assign) or when
    /// the decision is about the type in a record rather than one resource.
    pub id: Option<&'a str>,
}

/// Resource types that describe the network, not a person's care: everyone signed in may read
/// them (a patient sees their clinician's name and the clinic's address).
const DIRECTORY: &[&str] = &[
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Location",
    "HealthcareService",
    "Schedule",
    "Slot",
    "Questionnaire",
];

/// The directory types only administrators change.
const ADMINISTERED: &[&str] =
    &["Practitioner", "PractitionerRole", "Organization", "Location", "HealthcareService"];

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Allowed; `basis` is `None` for a resource in no patient's record. A break-the-glass
    /// access is `flagged`: the audit entry says so and the privacy officer reviews it.
    Allow {
        basis: Option<Basis>,
        flagged: bool,
    },
    Deny(Denied),
}

/// Why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// No grant covers this patient's record: answered as if the resource did not exist.
    NotEntitled,
    /// The person's roles never allow this (a patient editing the directory, an administrator
    /// reading the audit trail): the resource's existence is no secret.
    RoleForbids,
    /// The access token's scopes do not reach this type or action (SMART `insufficient_scope`).
    OutOfScope,
}

impl Denied {
    /// Stable code for errors and the audit trail.
    pub fn code(self) -> &'static str {
        match self {
            Denied::NotEntitled => "not-entitled",
            Denied::RoleForbids => "role-forbids",
            Denied::OutOfScope => "insufficient-scope",
        }
    }

    /// Whether to answer "not found" rather than "forbidden".
    pub fn hides_existence(self) -> bool {
        self == Denied::NotEntitled
    }
}

/// May `principal` do `action` on `target` at `now`?
pub fn decide(principal: &Principal, action: Action, target: &Target<'_>, now: Timestamp) -> Decision {
    if principal.is_system() {
        let permitted = principal
            .scopes
            .as_ref()
            .is_some_and(|s| s.permits(Context::System, target.resource_type, action.writes()));
        return if !permitted {
            Decision::Deny(Denied::OutOfScope)
        } else if target.resource_type == "AuditEvent" && action.writes() {
            Decision::Deny(Denied::RoleForbids)
        } else {
            Decision::Allow { basis: None, flagged: false }
        };
    }
    match principal.narrowed(target.resource_type, action) {
        Some(narrowed) => decide_for_person(&narrowed, action, target, now),
        // The token does not reach this type or action: no secret in saying so.
        None => Decision::Deny(Denied::OutOfScope),
    }
}

fn decide_for_person(principal: &Principal, action: Action, target: &Target<'_>, now: Timestamp) -> Decision {
    let allow = |basis| Decision::Allow { basis, flagged: basis == Some(Basis::BreakGlass) };
    if target.resource_type == "AuditEvent" {
        // The trail is read by the privacy officer and written by the server alone.
        return if principal.has(|r| r == Role::PrivacyOfficer) && !action.writes() {
            allow(None)
        } else if target.patients.is_empty() {
            Decision::Deny(Denied::RoleForbids)
        } else {
            Decision::Deny(Denied::NotEntitled)
        };
    }
    if !target.patients.is_empty() {
        return best_grant(principal, action, target, now)
            .map_or(Decision::Deny(Denied::NotEntitled), |b| allow(Some(b)));
    }
    // A directory type that may name a patient (a Schedule for a patient's own device) but names
    // none is the directory; other care data naming no patient is staff-only.
    if !DIRECTORY.contains(&target.resource_type) {
        // Care data naming no patient (a Task queue item, a Binary, an Observation of a device):
        // staff only, never patients, caregivers, the court or administrators.
        return if principal.is_staff() { allow(None) } else { Decision::Deny(Denied::RoleForbids) };
    }
    let may_write = if ADMINISTERED.contains(&target.resource_type) {
        principal.has(|r| r == Role::Administrator)
    } else {
        principal.is_staff() || principal.has(|r| r == Role::Administrator)
    };
    if (!action.writes() && !principal.roles.is_empty()) || may_write {
        allow(None)
    } else {
        Decision::Deny(Denied::RoleForbids)
    }
}

/// The strongest basis among the grants that cover the target: an ordinary entitlement before a
/// break-the-glass one, so that a clinician on the care team is never flagged.
fn best_grant(principal: &Principal, action: Action, target: &Target<'_>, now: Timestamp) -> Option<Basis> {
    principal
        .grants
        .iter()
        .filter(|g| target.patients.contains(&g.patient))
        .filter(|g| {
            g.basis.held_by(principal)
                && (g.basis == Basis::Device
                    || principal
                        .has(|r| g.basis.allowed_for(r) && (!action.writes() || g.basis.writes_for(r))))
        })
        .filter(|g| g.covers(target, action, now))
        .map(|g| g.basis)
        .min()
}
