//! Many readings at once (a device gateway's batch): stored in one transaction with one audit
//! commit, then each patient evaluated once over all of their new readings, instead of one
//! transaction, one audit commit and one evaluation per reading.
//!
//! Each reading gets the outcome it would have had alone: counted, duplicate (a device message
//! already stored, before or earlier in the same batch), kept for review, or its own error — a
//! body that is not a reading (400), a patient the caller may not write for (403, audited as
//! denied) or who follows no program (422). A refused reading refuses only itself: a gateway
//! serving many patients must not lose everyone's readings because one patient's consent or
//! enrolment changed. A store or audit failure fails the whole batch (nothing half-stored is
//! answered as a success).
//!
//! Readings are placed by their measurement time, not by their order in the batch, so late and
//! out-of-order readings count where they belong. The alerts a patient's evaluation raised or
//! touched, and the advice to show, are reported on that patient's last counted reading of the
//! batch.

use std::collections::HashMap;

use relais_clinical::program::Text;
use serde_json::Value;

use super::{AlertWrite, DeviceMessage, Monitoring, Outcome, Parsed, Recorded, parse_reading, prepare};
use crate::access::Caller;
use crate::fhir::{FhirError, NewItem, WriteKind};

/// One reading of a batch: its body (a FHIR Observation) and the device message it came in.
#[derive(Debug, Clone, Copy)]
pub struct ReadingIn<'a> {
    pub body: &'a [u8],
    pub message: Option<DeviceMessage<'a>>,
}

/// Patients of a batch evaluated at the same time.
const EVALUATING: usize = 4;

/// One result per reading, in the batch's order.
pub type Batched = Vec<Result<Recorded, FhirError>>;

impl Monitoring {
    /// Records `readings` as `caller` in one transaction, then evaluates each patient concerned
    /// once.
    ///
    /// # Errors
    /// The whole batch fails only when the store or the audit trail does; each reading's own
    /// problem is its own result.
    pub async fn record_readings(
        &self,
        caller: &Caller,
        readings: &[ReadingIn<'_>],
    ) -> Result<Batched, FhirError> {
        let mut results: Vec<Option<Result<Recorded, FhirError>>> = readings.iter().map(|_| None).collect();
        let mut items = Vec::with_capacity(readings.len());
        // For each item: the reading's index, its patient, why it awaits review, if it does, and
        // its program and normalised Observation (none when sent as it came, to be refused).
        let mut placed = Vec::with_capacity(readings.len());
        for (index, reading) in readings.iter().enumerate() {
            let Parsed { mut obs, patient, at, parts } = match parse_reading(reading.body) {
                Ok(parsed) => parsed,
                Err(e) => {
                    results[index] = Some(Err(e));
                    continue;
                }
            };
            if !self.fhir.may_create(caller, "Observation", &obs) {
                // Sent as it came, to be refused and audited by the write path with the others,
                // before anything about the patient's programs is looked up.
                items.push(NewItem { body: reading.body.to_vec(), if_none_exist: None });
                placed.push((index, patient, None, None));
                continue;
            }
            let program = match self.enrolment(&patient).await {
                Ok((program, _)) => program,
                Err(e) => {
                    results[index] = Some(Err(e));
                    continue;
                }
            };
            let (rejection, condition) = prepare(&mut obs, &program, at, &parts, reading.message);
            items.push(NewItem { body: obs.to_string().into_bytes(), if_none_exist: condition });
            placed.push((index, patient, rejection, Some((program, obs))));
        }
        let written = self.fhir.create_many_as(caller, "Observation", &items).await?;
        // Patients with counted readings, in the order of their first one, and their last one.
        let mut order: Vec<String> = Vec::new();
        let mut last: HashMap<String, usize> = HashMap::new();
        // The counted readings, remembered for the evaluations (recent.rs).
        let mut counted = Vec::new();
        for ((index, patient, rejection, normalised), result) in placed.into_iter().zip(written) {
            let recorded = result.map(|written| {
                let outcome = match (written.kind, rejection) {
                    (WriteKind::Existing | WriteKind::ExistingHidden, _) => Outcome::Duplicate,
                    (_, Some(rejection)) => Outcome::Review(rejection),
                    _ => Outcome::Counted,
                };
                Recorded { observation: written.row.id, outcome, alerts: Vec::new(), advice: Vec::new() }
            });
            if let Ok(recorded) = &recorded
                && recorded.outcome == Outcome::Counted
            {
                if !last.contains_key(&patient) {
                    order.push(patient.clone());
                }
                last.insert(patient.clone(), index);
                if let Some((program, mut obs)) = normalised {
                    obs["id"] = Value::String(recorded.observation.clone());
                    counted.push((patient, program, obs));
                }
            }
            results[index] = Some(recorded);
        }
        self.remember_readings(counted);
        // Patients are evaluated a few at a time: each evaluation mostly waits on the store.
        let mut running = tokio::task::JoinSet::new();
        let mut pending = order.into_iter();
        loop {
            while running.len() < EVALUATING {
                let Some(patient) = pending.next() else { break };
                let Some(&index) = last.get(&patient) else { continue };
                let monitoring = self.clone();
                running.spawn(async move { (index, monitoring.evaluate_enrolled(&patient).await) });
            }
            let Some(done) = running.join_next().await else { break };
            let Ok((index, evaluated)) = done else { continue };
            match (evaluated, results.get_mut(index)) {
                (Ok((alerts, advice)), Some(Some(Ok(recorded)))) => {
                    recorded.alerts = alerts;
                    recorded.advice = advice;
                }
                // Its readings are stored; the error says the evaluation did not happen.
                (Err(e), Some(slot)) => *slot = Some(Err(e)),
                _ => {}
            }
        }
        Ok(results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(FhirError::Store(relais_store::StoreError::Closed))))
            .collect())
    }
}

impl Monitoring {
    /// Evaluates `patient`'s program, looking up their enrolment (an owned future, to spawn).
    async fn evaluate_enrolled(&self, patient: &str) -> Result<(Vec<AlertWrite>, Vec<Text>), FhirError> {
        let (program, enrolled_at) = self.enrolment(patient).await?;
        self.evaluate(patient, &program, enrolled_at).await
    }
}
