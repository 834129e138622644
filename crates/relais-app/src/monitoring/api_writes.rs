//! Readings and answers written through the FHIR API — a gateway posting Observations, a
//! transaction Bundle of them, a clinician's entry — are evaluated like those sent through these
//! use cases: once the write is answered, the patients they name are evaluated in the
//! background, and whatever the rules find goes to the nurse's queue. (A FHIR client gets no
//! advice back: the patient's own page, the devices' endpoint and MQTT do.)
//!
//! Such readings are stored as sent: not converted to the program's units (the evaluation
//! converts what it can read) and not marked for review (an implausible one is not counted).

use std::collections::BTreeSet;

use serde_json::Value;

use super::Monitoring;
use super::observation::subject_patient;
use crate::fhir::FhirError;

/// The resource types whose writes are evaluated.
const EVALUATED: [&str; 2] = ["Observation", "QuestionnaireResponse"];

impl Monitoring {
    /// Evaluates, in the background, each patient named by a reading or answer among
    /// `resources` (written through the FHIR API and committed). Patients who follow no program
    /// are left alone.
    pub fn evaluate_after_api_write<'a>(&self, resources: impl IntoIterator<Item = &'a Value>) {
        let patients: BTreeSet<String> = resources
            .into_iter()
            .filter(|r| r.get("resourceType").and_then(Value::as_str).is_some_and(|t| EVALUATED.contains(&t)))
            .filter_map(|r| subject_patient(r).map(str::to_owned))
            .collect();
        if patients.is_empty() {
            return;
        }
        let monitoring = self.clone();
        tokio::spawn(async move {
            for patient in patients {
                match monitoring.evaluate_patient(&patient).await {
                    // Not enrolled (or no longer): nothing to evaluate.
                    Ok(_) | Err(FhirError::Unprocessable(_)) => {}
                    // The error names no patient: logs carry no health information.
                    Err(e) => {
                        tracing::warn!(error = %e, "evaluating readings written through the FHIR API failed")
                    }
                }
            }
        });
    }

    /// As [`Monitoring::evaluate_after_api_write`], for the resources of a Bundle's entries
    /// (the request a batch or transaction answered).
    pub fn evaluate_after_api_bundle(&self, bundle: &Value) {
        let entries = bundle.get("entry").and_then(Value::as_array).into_iter().flatten();
        self.evaluate_after_api_write(entries.filter_map(|e| e.get("resource")));
    }
}
