//! From the policy's answer for a person to the restriction a search applies: for each resource
//! type a search touches (its matches, chain targets, `_has` sources, includes), the
//! [`Visible`] that `relais_access::policy::search_scope` gives, so that a search returns exactly
//! the resources a read of each would be allowed.

use jiff::Timestamp;
use relais_access::policy::{Principal, Scope, search_scope};
use relais_fhir::compartment::PatientCompartment;
use relais_store::Visible;

/// What `principal` may see of each resource type at `now`.
pub fn visibility(principal: &Principal, now: Timestamp) -> impl Fn(&str) -> Visible + Send + Sync + '_ {
    move |resource_type: &str| {
        // Without the compartment definition nothing is known to be outside a record: fail
        // closed by treating every type as part of one.
        let in_compartment = PatientCompartment::shared().map_or(true, |c| c.includes(resource_type));
        match search_scope(principal, resource_type, in_compartment, now) {
            Scope::All => Visible::All,
            Scope::Nothing => Visible::Nothing,
            Scope::Patients { ids, unattached, resources } => Visible::Patients {
                ids: ids.into_iter().collect(),
                unattached,
                resources: resources.into_iter().map(|(_, id)| id).collect(),
            },
        }
    }
}
