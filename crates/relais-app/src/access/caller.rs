//! Who is asking, for one request: the person or client the policy decides for, and what the
//! audit trail records beside them (where the request came from, and why).

use jiff::Timestamp;
use relais_access::policy::{Basis, Principal, Role};

/// The caller of a use case that reads or changes personal health information.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    /// Whom the policy decides for.
    pub principal: Principal,
    /// The network address the request came from (IPv4 or IPv6 text), for the audit trail.
    pub address: Option<String>,
    /// The stated purpose of use (a v3 ActReason code such as `TREAT`), for the audit trail.
    pub purpose: Option<String>,
}

impl Caller {
    /// `principal`, from no known address, with no stated purpose.
    pub fn new(principal: Principal) -> Self {
        Self { principal, address: None, purpose: None }
    }

    /// The patient whose own record this caller is, at `now`: a patient holding a running
    /// own-record grant. `None` for anyone else (staff, caregivers, a patient account not linked
    /// to its record).
    pub fn own_record(&self, now: Timestamp) -> Option<&str> {
        let principal = &self.principal;
        if !principal.roles.contains(&Role::Patient) {
            return None;
        }
        principal
            .grants
            .iter()
            .find(|g| g.basis == Basis::OwnRecord && g.expires.is_none_or(|end| now < end))
            .map(|g| g.patient.as_str())
    }

    /// Whether the whole of `patient`'s record is open to this caller at `now` (a care team, an
    /// assignment, their own record, a running break-the-glass), not only a part of it (a
    /// caregiver's share, a queued work item and whom it is for).
    pub fn whole_record(&self, patient: &str, now: Timestamp) -> bool {
        self.principal.grants.iter().any(|g| {
            g.patient == patient
                && g.resource_types.is_none()
                && g.only.is_none()
                && g.expires.is_none_or(|end| now < end)
        })
    }
}
