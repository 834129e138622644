//! What an evaluation reads of a patient — their counted readings and answers since the
//! program's look-back, and their threshold overrides — from memory when it is known
//! (recent.rs), else from the store, as the system.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use relais_clinical::program::Program;
use serde_json::Value;

use super::Monitoring;
use super::observation::{COUNTED, answers_of, readings_of, subject_patient};
use super::recent::{Addition, Foreign, Window};
use crate::fhir::FhirError;

impl Monitoring {
    /// `patient`'s window for `program` from `from`.
    pub(super) async fn window(
        &self,
        patient: &str,
        program: &Arc<Program>,
        from: Timestamp,
    ) -> Result<Window, FhirError> {
        self.resolve_heard_writes().await;
        let (known, generation) = self.recent.get(patient, program, from);
        if let Some(window) = known {
            return Ok(window);
        }
        let window = self.load_window(patient, program, from).await?;
        self.recent.put(patient, program, from, window.clone(), generation);
        Ok(window)
    }

    async fn load_window(
        &self,
        patient: &str,
        program: &Program,
        from: Timestamp,
    ) -> Result<Window, FhirError> {
        let subject = format!("Patient/{patient}");
        let observations = self
            .search_all(
                "Observation",
                &[
                    ("subject", subject.clone()),
                    ("date", format!("ge{from}")),
                    ("status", COUNTED.to_owned()),
                    ("_count", "500".to_owned()),
                ],
            )
            .await?;
        let responses = self
            .search_all(
                "QuestionnaireResponse",
                &[("subject", subject), ("authored", format!("ge{from}")), ("_count", "500".to_owned())],
            )
            .await?;
        Ok(Window {
            readings: readings_of(program, observations.iter()),
            answers: answers_of(program, responses.iter()),
            overrides: self.stored_overrides(patient).await?,
        })
    }

    /// Finds whose record each write heard from elsewhere touched, and forgets them. Waits for a
    /// lookup already running, so no evaluation reads a window such a write made stale.
    async fn resolve_heard_writes(&self) {
        let _resolving = self.recent.resolving.lock().await;
        let heard = self.recent.take_unresolved();
        for (resource_type, id) in heard {
            let read = self.fhir.read(&resource_type, &id).await;
            let resource: Option<Value> =
                read.ok().and_then(|row| row.content).and_then(|c| serde_json::from_str(&c).ok());
            match resource.as_ref().and_then(|r| Some((r, subject_patient(r)?))) {
                Some((resource, patient)) => self.recent.apply(patient, &resource_type, &id, resource),
                // Deleted (whose was it?), unreadable, or no patient named: nobody's window can
                // be trusted.
                None => self.recent.forget_all(),
            }
        }
    }

    /// Remembers readings these use cases just wrote — `(patient, observation)`, each
    /// observation with its id, counted for `program` — and claims their announcements.
    pub(super) fn remember_readings(&self, written: Vec<(String, Arc<Program>, Value)>) {
        let mut additions: HashMap<String, Addition> = HashMap::new();
        let mut claimed = Vec::with_capacity(written.len());
        for (patient, program, observation) in written {
            let Some(id) = observation.get("id").and_then(Value::as_str) else { continue };
            claimed.push(own("Observation", id));
            let addition = additions
                .entry(patient.clone())
                .or_insert_with(|| Addition { patient, ..Addition::default() });
            addition.readings.extend(readings_of(&program, std::iter::once(&observation)));
        }
        self.recent.add(additions.into_values().collect(), &claimed);
    }

    /// Remembers a questionnaire response these use cases just wrote (with its id), and claims
    /// its announcement.
    pub(super) fn remember_response(&self, patient: &str, program: &Program, response: &Value) {
        let Some(id) = response.get("id").and_then(Value::as_str) else { return };
        let answers = answers_of(program, std::iter::once(response));
        let addition = Addition { patient: patient.to_owned(), readings: Vec::new(), answers };
        self.recent.add(vec![addition], &[own("QuestionnaireResponse", id)]);
    }
}

fn own(resource_type: &str, id: &str) -> Foreign {
    (resource_type.to_owned(), id.to_owned())
}
