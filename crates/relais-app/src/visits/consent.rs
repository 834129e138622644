//! The consent gate (issue 4): before a video visit, the patient's telehealth consent is read
//! afresh from their Consents (`relais_access::consent::status`, so a withdrawal takes effect
//! at once) wherever the visit's service requires it (settings), and the professional can
//! record the consent the patient gives, as a FHIR Consent written as themselves.

use relais_access::consent::{self, ConsentStatus, Topic};
use serde_json::Value;

use super::writes::matches;
use super::{VisitError, Visits, appointment_patient, appointment_service};
use crate::FhirError;
use crate::access::Caller;

/// Where a visit stands on consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentCheck {
    /// Whether the visit's service requires the telehealth consent.
    pub required: bool,
    pub status: ConsentStatus,
}

impl ConsentCheck {
    /// Whether the visit may start.
    pub fn allows(&self) -> bool {
        !self.required || self.status.allows()
    }
}

/// The most Consents of one patient read for a decision (a lifetime of consents and shares).
const CONSENTS_READ: &str = "500";

impl Visits {
    /// The consent check of appointment `id`'s patient, read as `caller` (an audited search).
    ///
    /// # Errors
    /// `visit-appointment-not-found`; the search's errors.
    pub async fn consent_check(&self, caller: &Caller, id: &str) -> Result<ConsentCheck, VisitError> {
        Self::require_clinician(caller)?;
        let (_, appointment) = self.appointment(caller, id).await?;
        self.consent_for(caller, &appointment).await
    }

    pub(super) async fn consent_for(
        &self,
        caller: &Caller,
        appointment: &Value,
    ) -> Result<ConsentCheck, VisitError> {
        let required = self.settings.consent.required(appointment_service(appointment));
        let Some(patient) = appointment_patient(appointment) else {
            return Ok(ConsentCheck { required, status: ConsentStatus::Missing });
        };
        let query = [
            ("patient".to_owned(), format!("Patient/{patient}")),
            ("_count".to_owned(), CONSENTS_READ.to_owned()),
        ];
        let bundle = self.fhir.search_as(caller, "Consent", &query, false, "").await?;
        // (A caregiver share, scope patient-privacy, is no consent to care: `consent::status`
        // leaves it out.)
        let consents: Vec<Value> = matches(&bundle).cloned().collect();
        let status = consent::status(
            &consents,
            patient,
            Topic::Telehealth,
            Some(&self.settings.consent_policy),
            self.now(),
        );
        Ok(ConsentCheck { required, status })
    }

    /// Records that appointment `id`'s patient gives their telehealth consent on the information
    /// text in force (a Consent, written through the FHIR write path as `caller`). Answers its id.
    ///
    /// # Errors
    /// `visit-appointment-not-found`; the write's refusals.
    pub async fn record_consent(&self, caller: &Caller, id: &str) -> Result<String, VisitError> {
        Self::require_clinician(caller)?;
        let (_, appointment) = self.appointment(caller, id).await?;
        let patient = appointment_patient(&appointment).ok_or(VisitError::AppointmentNotFound)?;
        let resource = consent::consent_resource(
            patient,
            &[Topic::Telehealth],
            &self.settings.consent_policy,
            &format!("Patient/{patient}"),
            self.now(),
        );
        let written =
            self.fhir.create_as(caller, "Consent", resource.to_string().as_bytes(), None).await.map_err(
                |e| match e {
                    FhirError::NotFound(_) => VisitError::AppointmentNotFound,
                    e => VisitError::Fhir(e),
                },
            )?;
        Ok(written.row.id)
    }
}
