//! The programs in force, for the administration page: administrators and clinicians read them
//! (clinicians to know what a rule means), and every viewing, allowed or refused, is on the
//! audit trail like the other administration pages.

use std::sync::Arc;

use relais_access::audit::{Outcome, action};
use relais_access::policy::{Denied, Role};
use relais_clinical::program::Catalog;

use super::Monitoring;
use crate::access::Caller;
use crate::audit::Access;
use crate::fhir::FhirError;

impl Monitoring {
    /// The programs in force, for `caller`, the viewing recorded on the trail.
    ///
    /// # Errors
    /// 403 `role-forbids` for anyone but an administrator or a clinician; `AuditUnavailable`.
    pub async fn programs_for(&self, caller: &Caller) -> Result<Arc<Catalog>, FhirError> {
        let roles = &caller.principal.roles;
        let allowed = roles.iter().any(|r| *r == Role::Administrator || r.is_clinical());
        let access = Access {
            action: action::READ,
            outcome: if allowed { Outcome::Success } else { Outcome::Denied },
            // Programs are the server's PlanDefinitions in all but storage.
            resource_type: Some("PlanDefinition"),
            resource_id: None,
            query: Some("monitoring-programs".to_owned()),
            patients: Vec::new(),
        };
        self.fhir.audit(caller, access).await?;
        if !allowed {
            return Err(FhirError::Forbidden(Denied::RoleForbids.code()));
        }
        Ok(self.programs.current())
    }
}
