//! What a search may return: the same entitlement as [`decide`](super::decide), as a set of
//! patients and resources a search statement applies before paging and counting.

use std::collections::BTreeSet;

use jiff::Timestamp;

use super::{Action, DIRECTORY, Principal, Role, Target};
use crate::scopes::Context;

/// Which resources of one type a search by `principal` may return: the same answer as
/// [`decide`](super::decide) gives for each of them (the tests check that they agree), in the form a search
/// statement can apply before paging and counting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Nothing,
    /// The records of these patients; and, if `unattached`, resources in no patient's record;
    /// and these resources of the type, as (patient, id): grants limited to some resources of
    /// a record (see [`Grant::only`](super::Grant::only)). A search applies the ids (an id names one resource).
    Patients {
        ids: BTreeSet<String>,
        unattached: bool,
        resources: BTreeSet<(String, String)>,
    },
}

impl Scope {
    /// Whether a resource of `target` falls inside.
    pub fn admits(&self, target: &Target<'_>) -> bool {
        match self {
            Scope::All => true,
            Scope::Nothing => false,
            Scope::Patients { ids, unattached, resources } => {
                let listed = |id: &str| {
                    target.patients.iter().any(|p| resources.contains(&(p.clone(), id.to_owned())))
                };
                if target.id.is_some_and(listed) {
                    true
                } else if target.patients.is_empty() {
                    *unattached
                } else {
                    target.patients.iter().any(|p| ids.contains(p))
                }
            }
        }
    }
}

/// The [`Scope`] of a search of `resource_type` (listed in the patient compartment or not).
pub fn search_scope(
    principal: &Principal,
    resource_type: &str,
    in_compartment: bool,
    now: Timestamp,
) -> Scope {
    let all_or_nothing = |allowed: bool| if allowed { Scope::All } else { Scope::Nothing };
    if principal.is_system() {
        let scopes = principal.scopes.as_ref();
        return all_or_nothing(scopes.is_some_and(|s| s.permits(Context::System, resource_type, false)));
    }
    let Some(principal) = principal.narrowed(resource_type, Action::Search) else { return Scope::Nothing };
    let principal = principal.as_ref();
    if resource_type == "AuditEvent" {
        return all_or_nothing(principal.has(|r| r == Role::PrivacyOfficer));
    }
    if !in_compartment {
        return if DIRECTORY.contains(&resource_type) {
            all_or_nothing(!principal.roles.is_empty())
        } else {
            all_or_nothing(principal.is_staff())
        };
    }
    let whole_type = Target { resource_type, in_compartment, patients: &[], id: None };
    let usable = principal
        .grants
        .iter()
        .filter(|g| g.basis.held_by(principal))
        .filter(|g| g.only.is_some() || g.covers(&whole_type, Action::Search, now));
    let (mut ids, mut resources) = (BTreeSet::new(), BTreeSet::new());
    for grant in usable {
        match &grant.only {
            None => {
                ids.insert(grant.patient.clone());
            }
            Some(only) => {
                // Each of its resources, as `decide` would judge a read of it.
                for id in only {
                    let one = Target { resource_type, in_compartment, patients: &[], id: Some(id) };
                    if grant.covers(&one, Action::Search, now) {
                        resources.insert((grant.patient.clone(), id.clone()));
                    }
                }
            }
        }
    }
    let unattached =
        if DIRECTORY.contains(&resource_type) { !principal.roles.is_empty() } else { principal.is_staff() };
    Scope::Patients { ids, unattached, resources }
}
