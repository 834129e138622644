//! A device's message in: authenticate the token, parse the readings, record them through
//! [`Monitoring::record_readings`] as the device, and say what became of each.
//!
//! A message's readings are recorded together (one transaction, one evaluation of the patient),
//! each with its own outcome in the order sent: one refused reading does not hold back the
//! others, and a device that sends the whole message again (it got no answer) counts nothing
//! twice, since every reading carries its message id. The alerts the evaluation raised or
//! touched are reported on the message's last counted reading.

use serde_json::json;

use super::payload::{self, ItemError};
use super::{DeviceError, Devices};
use crate::fhir::FhirError;
use crate::monitoring::{DeviceMessage, Outcome, ReadingIn, Recorded};
use relais_clinical::program::Text;

/// What became of one reading.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemOutcome {
    /// Stored and evaluated; how many alerts it raised or updated, and advice for the patient.
    Counted { observation: String, alerts: usize, advice: Vec<Text> },
    /// This message id was recorded before: nothing new.
    Duplicate { observation: String },
    /// Stored for a nurse's review, not evaluated: the reason's code and words.
    Review { observation: String, code: &'static str, reason: String },
    /// Refused, nothing stored: the field, a stable code and words.
    Refused(ItemError),
}

impl ItemOutcome {
    /// `counted`, `duplicate`, `review`, `refused`.
    pub fn code(&self) -> &'static str {
        match self {
            ItemOutcome::Counted { .. } => "counted",
            ItemOutcome::Duplicate { .. } => "duplicate",
            ItemOutcome::Review { .. } => "review",
            ItemOutcome::Refused(_) => "refused",
        }
    }
}

/// The answer to a message: one entry per reading, in the order sent.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub device: String,
    pub results: Vec<(Option<String>, ItemOutcome)>,
}

impl Submitted {
    /// Whether every reading was stored (counted, duplicate or kept for review).
    pub fn all_stored(&self) -> bool {
        self.results.iter().all(|(_, o)| !matches!(o, ItemOutcome::Refused(_)))
    }

    /// The answer as JSON for the device.
    pub fn to_json(&self) -> serde_json::Value {
        let results: Vec<serde_json::Value> = self
            .results
            .iter()
            .map(|(id, outcome)| {
                let mut entry = json!({"message_id": id, "status": outcome.code()});
                let extra = match outcome {
                    ItemOutcome::Counted { observation, alerts, advice } => json!({
                        "observation": observation, "alerts": alerts,
                        "advice": advice.iter().map(|t| json!({"fr": t.fr, "en": t.en})).collect::<Vec<_>>(),
                    }),
                    ItemOutcome::Duplicate { observation } => json!({"observation": observation}),
                    ItemOutcome::Review { observation, code, reason } => {
                        json!({"observation": observation, "reason": {"code": code, "message": reason}})
                    }
                    ItemOutcome::Refused(e) => {
                        json!({"error": {"code": e.code, "field": e.field, "message": e.message}})
                    }
                };
                if let (Some(map), Some(more)) = (entry.as_object_mut(), extra.as_object()) {
                    map.extend(more.clone());
                }
                entry
            })
            .collect();
        json!({"device": self.device, "results": results})
    }
}

impl Devices {
    /// Records the readings of `body`, sent with `token` (HTTP's `Authorization`) or carrying
    /// it (MQTT); `topic_device` is the device an MQTT topic names, which must be the token's.
    ///
    /// # Errors
    /// The token's and the device's refusals, and a message that is not readings, before
    /// anything is stored; storage errors.
    pub async fn submit(
        &self,
        token: Option<&str>,
        body: &[u8],
        topic_device: Option<&str>,
        address: Option<&str>,
    ) -> Result<Submitted, DeviceError> {
        let message = payload::parse(body, self.now())
            .map_err(|e| DeviceError::Message { code: e.code, message: e.message });
        // The token first: an unauthenticated sender learns nothing about the payload rules —
        // except over MQTT, where the token is inside the message, so a message that cannot be
        // read says so (the broker's log of refusals needs the reason, not "no token").
        let carried = message.as_ref().ok().and_then(|m| m.token.clone());
        let token = match (token, carried) {
            (Some(token), _) => token.to_owned(),
            (None, Some(token)) => token,
            (None, None) => match message {
                Err(unreadable) if topic_device.is_some() => return Err(unreadable),
                _ => return Err(DeviceError::TokenMissing),
            },
        };
        let device = self.authenticate(&token, address).await?;
        if topic_device.is_some_and(|t| t != device.device) {
            return Err(DeviceError::TopicMismatch);
        }
        let message = message?;
        // The readings that parse are recorded together (one transaction, one evaluation of
        // the patient: monitoring/batch.rs); each keeps its own outcome, in the order sent.
        let mut results: Vec<Option<(Option<String>, ItemOutcome)>> =
            Vec::with_capacity(message.readings.len());
        let mut parsed = Vec::new();
        for (index, reading) in message.readings.into_iter().enumerate() {
            match reading {
                Err((id, error)) => results.push(Some((id, ItemOutcome::Refused(error)))),
                Ok(reading) => {
                    let obs = payload::observation(
                        &reading,
                        &device.patient,
                        &device.device,
                        device.label.as_deref(),
                    );
                    parsed.push((index, reading.message_id, obs.to_string().into_bytes()));
                    results.push(None);
                }
            }
        }
        let batch: Vec<ReadingIn<'_>> = parsed
            .iter()
            .map(|(_, message_id, body)| ReadingIn {
                body,
                message: Some(DeviceMessage { device: &device.device, message: message_id }),
            })
            .collect();
        let recorded = if batch.is_empty() {
            Vec::new()
        } else {
            self.monitoring.record_readings(&device.caller, &batch).await?
        };
        for ((index, message_id, _), recorded) in parsed.iter().zip(recorded) {
            if let Some(slot) = results.get_mut(*index) {
                *slot = Some((Some(message_id.clone()), item_outcome(recorded)?));
            }
        }
        let results = results.into_iter().flatten().collect();
        Ok(Submitted { device: device.device, results })
    }
}

/// What became of one reading, for the device.
fn item_outcome(recorded: Result<Recorded, FhirError>) -> Result<ItemOutcome, DeviceError> {
    Ok(match recorded {
        Ok(Recorded { observation, outcome: Outcome::Counted, alerts, advice }) => {
            ItemOutcome::Counted { observation, alerts: alerts.len(), advice }
        }
        Ok(Recorded { observation, outcome: Outcome::Duplicate, .. }) => {
            ItemOutcome::Duplicate { observation }
        }
        Ok(Recorded { observation, outcome: Outcome::Review(why), .. }) => {
            ItemOutcome::Review { observation, code: why.code(), reason: why.to_string() }
        }
        Err(e @ (FhirError::Invalid(_) | FhirError::Unprocessable(_) | FhirError::Forbidden(_))) => {
            let code = e.issues().first().map_or("refused", |i| i.error_code);
            let message = e.issues().first().map_or_else(String::new, |i| i.diagnostics.clone());
            ItemOutcome::Refused(ItemError { code, field: "", message })
        }
        Err(e) => return Err(e.into()),
    })
}
