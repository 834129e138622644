//! The roles a person holds in the network, with their stable codes.

/// What a person does in the network. A person may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Patient,
    Caregiver,
    Nurse,
    Physician,
    /// A consulting specialist; the specialty is on the account.
    Specialist,
    OnCallNeurologist,
    Therapist,
    LongTermCareStaff,
    InfectionControl,
    Judge,
    CourtClerk,
    Lawyer,
    PrivacyOfficer,
    Administrator,
}

const ROLES: [(Role, &str); 14] = [
    (Role::Patient, "patient"),
    (Role::Caregiver, "caregiver"),
    (Role::Nurse, "nurse"),
    (Role::Physician, "physician"),
    (Role::Specialist, "specialist"),
    (Role::OnCallNeurologist, "on-call-neurologist"),
    (Role::Therapist, "therapist"),
    (Role::LongTermCareStaff, "long-term-care-staff"),
    (Role::InfectionControl, "infection-control"),
    (Role::Judge, "judge"),
    (Role::CourtClerk, "court-clerk"),
    (Role::Lawyer, "lawyer"),
    (Role::PrivacyOfficer, "privacy-officer"),
    (Role::Administrator, "administrator"),
];

impl Role {
    /// Every role, in a stable order.
    pub fn all() -> impl Iterator<Item = Role> {
        ROLES.iter().map(|(role, _)| *role)
    }

    /// Stable code, as stored and as the translations name it (`role-nurse`).
    pub fn code(self) -> &'static str {
        ROLES.iter().find(|(role, _)| *role == self).map_or("", |(_, code)| code)
    }

    pub fn from_code(code: &str) -> Option<Role> {
        ROLES.iter().find(|(_, c)| *c == code).map(|(role, _)| *role)
    }

    /// Clinicians and care staff: may hold care-team and assignment grants and break the glass.
    pub fn is_clinical(self) -> bool {
        matches!(
            self,
            Role::Nurse
                | Role::Physician
                | Role::Specialist
                | Role::OnCallNeurologist
                | Role::Therapist
                | Role::LongTermCareStaff
                | Role::InfectionControl
        )
    }

    /// The court: sees a hospitalised patient's hearing through assignment grants only.
    pub fn is_legal(self) -> bool {
        matches!(self, Role::Judge | Role::CourtClerk | Role::Lawyer)
    }
}
