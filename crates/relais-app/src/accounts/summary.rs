//! An account as the administration use cases answer it.

use relais_store::{Account, AccountRole};

/// An account as an administrator sees it: no password hash, no second-factor secret, no
/// clinical data (the FHIR ids it is linked to, not the records).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSummary {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// Ordered by role code.
    pub roles: Vec<AccountRole>,
    pub organisation: Option<String>,
    pub practitioner_id: Option<String>,
    pub patient_id: Option<String>,
    pub related_person_id: Option<String>,
    pub locale: Option<String>,
    /// Whether a second factor is set up.
    pub second_factor: bool,
    pub created_at: jiff::Timestamp,
    pub disabled_at: Option<jiff::Timestamp>,
}

impl From<Account> for AccountSummary {
    fn from(a: Account) -> Self {
        Self {
            id: a.id,
            email: a.email,
            display_name: a.display_name,
            roles: a.roles,
            organisation: a.organisation,
            practitioner_id: a.practitioner_id,
            patient_id: a.patient_id,
            related_person_id: a.related_person_id,
            locale: a.locale,
            second_factor: a.totp_secret.is_some(),
            created_at: a.created_at,
            disabled_at: a.disabled_at,
        }
    }
}
