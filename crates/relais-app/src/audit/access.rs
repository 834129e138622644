//! What a use case puts on the trail for one access, before it becomes records: one record per
//! patient whose record was concerned (so that "who accessed my record" is complete), or one
//! record about no patient. Turning an access into drafts is pure; writing them is the
//! `AuditWriter`'s, called through `Fhir::audit`.

use relais_access::audit::{AuditDraft, Outcome};

use crate::access::Caller;

/// One patient's record concerned by an access, and on what footing it was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concerned {
    /// The Patient id.
    pub patient: String,
    /// Reached only through a break-the-glass grant: flagged for the privacy officer.
    pub break_glass: bool,
    /// Reached as this patient's caregiver: recorded as acting on the patient's behalf.
    pub caregiver: bool,
}

impl Concerned {
    /// A patient's record reached on an ordinary footing (or refused).
    pub fn plain(patient: impl Into<String>) -> Self {
        Self { patient: patient.into(), break_glass: false, caregiver: false }
    }
}

/// One access to record.
#[derive(Clone, PartialEq, Eq)]
pub struct Access<'a> {
    /// One of `relais_access::audit::action`.
    pub action: &'static str,
    pub outcome: Outcome,
    pub resource_type: Option<&'a str>,
    pub resource_id: Option<&'a str>,
    /// The search parameters as asked (they may hold personal data: stored in the protected
    /// trail, never logged, never shown by `Debug`).
    pub query: Option<String>,
    /// The records concerned: those whose data was returned, or refused.
    pub patients: Vec<Concerned>,
}

impl std::fmt::Debug for Access<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("action", &self.action)
            .field("outcome", &self.outcome)
            .field("resource_type", &self.resource_type)
            .field("query", &self.query.as_ref().map(|_| "[redacted]"))
            .field("patients", &self.patients.len())
            .finish_non_exhaustive()
    }
}

/// The actor recorded for a principal without an id.
pub const ANONYMOUS: &str = "anonymous";

/// The drafts of `access` by `caller` at `recorded` (microseconds): one per concerned patient,
/// or one about no patient.
pub fn drafts(caller: &Caller, access: Access<'_>, recorded: i64) -> Vec<AuditDraft> {
    let actor =
        if caller.principal.id.is_empty() { ANONYMOUS.to_owned() } else { caller.principal.id.clone() };
    let draft = |concerned: Option<&Concerned>| AuditDraft {
        recorded,
        actor: actor.clone(),
        on_behalf_of: concerned.filter(|c| c.caregiver).map(|c| format!("Patient/{}", c.patient)),
        action: access.action.to_owned(),
        outcome: access.outcome,
        resource_type: access.resource_type.map(str::to_owned),
        resource_id: access.resource_id.map(str::to_owned),
        patient_id: concerned.map(|c| c.patient.clone()),
        query: access.query.clone(),
        source_address: caller.address.clone(),
        purpose: caller.purpose.clone(),
        break_glass: concerned.is_some_and(|c| c.break_glass),
    };
    if access.patients.is_empty() {
        vec![draft(None)]
    } else {
        access.patients.iter().map(|c| draft(Some(c))).collect()
    }
}

#[cfg(test)]
mod tests {
    use relais_access::audit::action;
    use relais_access::policy::Principal;

    use super::*;

    fn caller() -> Caller {
        Caller {
            principal: Principal { id: "nurse-7".into(), ..Principal::default() },
            address: Some("203.0.113.9".into()),
            purpose: Some("TREAT".into()),
        }
    }

    #[test]
    fn one_record_per_patient_with_its_own_footing() {
        let access = Access {
            action: action::SEARCH,
            outcome: Outcome::Success,
            resource_type: Some("Observation"),
            resource_id: None,
            query: Some("code=8867-4".into()),
            patients: vec![
                Concerned::plain("alice"),
                Concerned { patient: "bob".into(), break_glass: true, caregiver: false },
                Concerned { patient: "carol".into(), break_glass: false, caregiver: true },
            ],
        };
        let d = drafts(&caller(), access, 42);
        assert_eq!(d.len(), 3);
        assert_eq!(
            d.iter().map(|d| d.patient_id.as_deref()).collect::<Vec<_>>(),
            [Some("alice"), Some("bob"), Some("carol")]
        );
        assert_eq!(d.iter().map(|d| d.break_glass).collect::<Vec<_>>(), [false, true, false]);
        assert_eq!(d[2].on_behalf_of.as_deref(), Some("Patient/carol"));
        assert!(d.iter().all(|d| d.actor == "nurse-7"
            && d.recorded == 42
            && d.query.as_deref() == Some("code=8867-4")
            && d.source_address.as_deref() == Some("203.0.113.9")
            && d.purpose.as_deref() == Some("TREAT")));
    }

    #[test]
    fn an_access_to_no_record_is_still_one_record_and_debug_hides_the_query() {
        let access = Access {
            action: action::SEARCH,
            outcome: Outcome::Denied,
            resource_type: Some("Task"),
            resource_id: None,
            query: Some("note=Gagné".into()),
            patients: Vec::new(),
        };
        assert!(!format!("{access:?}").contains("Gagné"));
        let anonymous = Caller::new(Principal::default());
        let d = drafts(&anonymous, access, 1);
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].actor.as_str(), d[0].patient_id.as_deref(), d[0].outcome),
            (ANONYMOUS, None, Outcome::Denied)
        );
    }
}
