//! Why a visit use case refused, as a stable code and an HTTP status.

use relais_store::StoreError;

use crate::FhirError;

/// A refused or failed visit operation.
#[derive(Debug, thiserror::Error)]
pub enum VisitError {
    /// Only clinicians and care staff book and run visits. 403 `visit-forbidden`.
    #[error("visit-forbidden")]
    Forbidden,
    /// No such slot (or schedule). 404 `visit-slot-not-found`.
    #[error("visit-slot-not-found")]
    SlotNotFound,
    /// The slot is already booked or blocked. 409 `visit-slot-taken`.
    #[error("visit-slot-taken")]
    SlotTaken,
    /// The slot has already begun. 409 `visit-slot-past`.
    #[error("visit-slot-past")]
    SlotPast,
    /// No appointment the caller may see has this id. 404 `visit-appointment-not-found`.
    #[error("visit-appointment-not-found")]
    AppointmentNotFound,
    /// The patient's record is not open to the caller (or does not exist). 404
    /// `visit-patient-not-found`.
    #[error("visit-patient-not-found")]
    PatientNotFound,
    /// The appointment's state does not allow this (`visit-cancelled`, `visit-finished`,
    /// `visit-not-started`, `visit-already-started`, `visit-not-due`). 409.
    #[error("{0}")]
    WrongState(&'static str),
    /// The service requires the patient's telehealth consent and it is not in force: the
    /// consent's status code (`consent-missing`, `consent-withdrawn`, `consent-refused`,
    /// `consent-outdated`). 409.
    #[error("{0}")]
    ConsentRequired(&'static str),
    /// Bad input: the code and the field concerned. 400.
    #[error("{code}")]
    Invalid { code: &'static str, field: &'static str },
    /// A FHIR read or write was refused or failed (its own code and status).
    #[error(transparent)]
    Fhir(#[from] FhirError),
    /// The store failed. 500, never shown.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Something else on our side. 500.
    #[error("{0}")]
    Internal(&'static str),
}

impl VisitError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Forbidden => "visit-forbidden",
            Self::SlotNotFound => "visit-slot-not-found",
            Self::SlotTaken => "visit-slot-taken",
            Self::SlotPast => "visit-slot-past",
            Self::AppointmentNotFound => "visit-appointment-not-found",
            Self::PatientNotFound => "visit-patient-not-found",
            Self::WrongState(code) | Self::ConsentRequired(code) => code,
            Self::Invalid { code, .. } => code,
            Self::Fhir(FhirError::AuditUnavailable) => "audit-unavailable",
            Self::Fhir(FhirError::Forbidden(code)) => code,
            Self::Fhir(_) | Self::Store(_) | Self::Internal(_) => "internal-error",
        }
    }

    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Forbidden => 403,
            Self::SlotNotFound | Self::AppointmentNotFound | Self::PatientNotFound => 404,
            Self::SlotTaken | Self::SlotPast | Self::WrongState(_) | Self::ConsentRequired(_) => 409,
            Self::Invalid { .. } => 400,
            Self::Fhir(e) => e.status(),
            Self::Store(StoreError::Conflict) => 409,
            Self::Store(_) | Self::Internal(_) => 500,
        }
    }

    /// The input field concerned, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}
