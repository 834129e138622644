//! The visit itself (issue 6): starting it creates an Encounter (class `VR`, in progress, its
//! period started, linked to the Appointment, which becomes `arrived`) once the consent gate
//! lets it; the host then goes to the room of the appointment (`/rooms/{id}`). Ending it
//! finishes the Encounter (period end), fulfils the Appointment and files the professional's
//! note and outcome as a DocumentReference of the Encounter. A patient who did not come is
//! recorded as a no-show. Each step is one transaction through the FHIR write path.

use data_encoding::BASE64;
use relais_access::audit::action;
use relais_fhir::validate::IdRule;
use relais_store::ResourceTx;
use serde_json::{Value, json};

use super::writes::{Writes, keep, matches, settle};
use super::{VisitError, Visits, appointment_patient, current_appointment, fhir_instant, instant, parse};
use crate::access::Caller;

/// The v3 ActCode system of Encounter.class.
const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
/// Relais's code system for a visit's outcome.
pub const OUTCOME_SYSTEM: &str = "http://relais.invalid/fhir/CodeSystem/visit-outcome";
/// The longest note accepted, in characters.
pub const MAX_NOTE: usize = 20_000;

/// What came of a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Another video visit is planned.
    FollowUp,
    /// Nothing more needed.
    Completed,
    /// The patient must be seen in person.
    InPerson,
    /// Referred to another service.
    Referred,
}

const OUTCOMES: [(Outcome, &str); 4] = [
    (Outcome::FollowUp, "follow-up"),
    (Outcome::Completed, "completed"),
    (Outcome::InPerson, "in-person"),
    (Outcome::Referred, "referred"),
];

impl Outcome {
    pub fn all() -> impl Iterator<Item = Outcome> {
        OUTCOMES.iter().map(|(o, _)| *o)
    }

    pub fn code(self) -> &'static str {
        OUTCOMES.iter().find(|(o, _)| *o == self).map_or("", |(_, c)| c)
    }

    pub fn from_code(code: &str) -> Option<Outcome> {
        OUTCOMES.iter().find(|(_, c)| *c == code).map(|(o, _)| *o)
    }
}

/// A started visit: its Encounter and where the host goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub encounter: String,
    /// `/rooms/{appointment}`: the room of the appointment.
    pub room: String,
}

/// What the professional writes at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    pub note: String,
    pub outcome: String,
}

impl Visits {
    /// Starts appointment `id`'s visit (or rejoins the one in progress).
    ///
    /// # Errors
    /// `visit-appointment-not-found`, `visit-cancelled`, `visit-finished`, the consent status
    /// code when the service requires the telehealth consent and it is not in force.
    pub async fn start(&self, caller: &Caller, id: &str) -> Result<Started, VisitError> {
        Self::require_clinician(caller)?;
        let (_, appointment) = self.appointment(caller, id).await?;
        match appointment["status"].as_str() {
            Some("cancelled" | "entered-in-error") => return Err(VisitError::WrongState("visit-cancelled")),
            Some("fulfilled" | "noshow") => return Err(VisitError::WrongState("visit-finished")),
            _ => {}
        }
        let check = self.consent_for(caller, &appointment).await?;
        if !check.allows() {
            return Err(VisitError::ConsentRequired(check.status.code()));
        }
        let room = format!("/rooms/{id}");
        if let Some(encounter) = self.running(caller, id).await? {
            return Ok(Started { encounter, room });
        }
        let patient = appointment_patient(&appointment).ok_or(VisitError::AppointmentNotFound)?.to_owned();
        let mut writes = Writes::new();
        let mut tx = self.fhir.store.begin().await?;
        let started = self.start_in(tx.as_mut(), caller, id, &patient, &mut writes).await;
        let result = match started {
            Ok(encounter) => {
                tx.commit().await.map(|()| Started { encounter, room }).map_err(VisitError::from)
            }
            Err(e) => Err(e),
        };
        let audited = self.record(caller, writes, result.is_ok()).await;
        settle(result, audited)
    }

    async fn start_in(
        &self,
        tx: &mut dyn ResourceTx,
        caller: &Caller,
        id: &str,
        patient: &str,
        writes: &mut Writes,
    ) -> Result<String, VisitError> {
        let (row, mut appointment) = current_appointment(tx, id).await?;
        let participants: Vec<Value> = appointment["participant"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.pointer("/actor/reference").and_then(Value::as_str))
            .filter(|r| r.starts_with("Practitioner/") || r.starts_with("PractitionerRole/"))
            .map(|r| json!({"individual": {"reference": r}}))
            .collect();
        let mut encounter = json!({
            "resourceType": "Encounter",
            "status": "in-progress",
            "class": {"system": ACT_CODE, "code": "VR", "display": "virtual"},
            "subject": {"reference": format!("Patient/{patient}")},
            "appointment": [{"reference": format!("Appointment/{id}")}],
            "period": {"start": fhir_instant(self.now())},
        });
        if !participants.is_empty() {
            encounter["participant"] = Value::Array(participants);
        }
        if let Some(service) = appointment.pointer("/serviceType/0") {
            encounter["serviceType"] = service.clone();
        }
        let body = encounter.to_string().into_bytes();
        let checked = self.fhir.parse_checked("Encounter", &body, IdRule::Assigned).await?;
        let created =
            self.fhir.create_in(tx, Some(&caller.principal), "Encounter", checked, None, None).await;
        let created = keep(writes, action::CREATE, "Encounter", body, created)?;
        appointment["status"] = Value::from("arrived");
        self.update_kept(tx, caller, writes, "Appointment", &row, &appointment).await?;
        Ok(created.row.id.clone())
    }

    /// Ends appointment `id`'s visit in progress with the professional's note and outcome.
    /// Answers the DocumentReference's id.
    ///
    /// # Errors
    /// `visit-note-required` / `visit-note-too-long` (field `note`), `visit-outcome-invalid`
    /// (field `outcome`), `visit-not-started`.
    pub async fn end(&self, caller: &Caller, id: &str, ending: &Ending) -> Result<String, VisitError> {
        Self::require_clinician(caller)?;
        let note = ending.note.trim();
        if note.is_empty() {
            return Err(VisitError::Invalid { code: "visit-note-required", field: "note" });
        }
        if note.chars().count() > MAX_NOTE {
            return Err(VisitError::Invalid { code: "visit-note-too-long", field: "note" });
        }
        let outcome = Outcome::from_code(&ending.outcome)
            .ok_or(VisitError::Invalid { code: "visit-outcome-invalid", field: "outcome" })?;
        self.appointment(caller, id).await?;
        let encounter = self.running(caller, id).await?.ok_or(VisitError::WrongState("visit-not-started"))?;
        let mut writes = Writes::new();
        let mut tx = self.fhir.store.begin().await?;
        let ended = self.end_in(tx.as_mut(), caller, id, &encounter, note, outcome, &mut writes).await;
        let result = match ended {
            Ok(document) => tx.commit().await.map(|()| document).map_err(VisitError::from),
            Err(e) => Err(e),
        };
        let audited = self.record(caller, writes, result.is_ok()).await;
        settle(result, audited)
    }

    #[allow(clippy::too_many_arguments)]
    async fn end_in(
        &self,
        tx: &mut dyn ResourceTx,
        caller: &Caller,
        id: &str,
        encounter_id: &str,
        note: &str,
        outcome: Outcome,
        writes: &mut Writes,
    ) -> Result<String, VisitError> {
        let now = fhir_instant(self.now());
        let row = tx
            .current("Encounter", encounter_id)
            .await?
            .filter(|r| !r.deleted)
            .ok_or(VisitError::WrongState("visit-not-started"))?;
        let mut encounter = parse(&row)?;
        if encounter["status"] != "in-progress" {
            return Err(VisitError::WrongState("visit-not-started"));
        }
        encounter["status"] = Value::from("finished");
        encounter["period"]["end"] = Value::from(now.clone());
        self.update_kept(tx, caller, writes, "Encounter", &row, &encounter).await?;
        let (row, mut appointment) = current_appointment(tx, id).await?;
        appointment["status"] = Value::from("fulfilled");
        self.update_kept(tx, caller, writes, "Appointment", &row, &appointment).await?;
        let document = json!({
            "resourceType": "DocumentReference",
            "status": "current",
            "docStatus": "final",
            "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4", "display": "Consult note"}]},
            "category": [{"coding": [{"system": OUTCOME_SYSTEM, "code": outcome.code()}]}],
            "subject": encounter["subject"],
            "date": now,
            "content": [{"attachment": {
                "contentType": "text/plain; charset=utf-8",
                "data": BASE64.encode(note.as_bytes()),
                "creation": now,
            }}],
            "context": {
                "encounter": [{"reference": format!("Encounter/{encounter_id}")}],
                "period": encounter["period"],
            },
        });
        let body = document.to_string().into_bytes();
        let checked = self.fhir.parse_checked("DocumentReference", &body, IdRule::Assigned).await?;
        let created =
            self.fhir.create_in(tx, Some(&caller.principal), "DocumentReference", checked, None, None).await;
        let created = keep(writes, action::CREATE, "DocumentReference", body, created)?;
        Ok(created.row.id.clone())
    }

    /// Records that appointment `id`'s patient did not come (once it has begun).
    ///
    /// # Errors
    /// `visit-not-due` before its start, `visit-cancelled`, `visit-finished`.
    pub async fn no_show(&self, caller: &Caller, id: &str) -> Result<(), VisitError> {
        Self::require_clinician(caller)?;
        self.appointment(caller, id).await?;
        let mut writes = Writes::new();
        let mut tx = self.fhir.store.begin().await?;
        let marked = async {
            let (row, mut appointment) = current_appointment(tx.as_mut(), id).await?;
            match appointment["status"].as_str() {
                Some("cancelled" | "entered-in-error") => {
                    return Err(VisitError::WrongState("visit-cancelled"));
                }
                Some("booked" | "checked-in" | "pending") => {}
                _ => return Err(VisitError::WrongState("visit-finished")),
            }
            if instant(&appointment, "/start").is_none_or(|start| start > self.now()) {
                return Err(VisitError::WrongState("visit-not-due"));
            }
            appointment["status"] = Value::from("noshow");
            self.update_kept(tx.as_mut(), caller, &mut writes, "Appointment", &row, &appointment)
                .await
                .map(drop)
        }
        .await;
        self.conclude(tx, caller, writes, marked, false).await
    }

    /// The Encounter in progress for appointment `id`, if any.
    pub(super) async fn running(&self, caller: &Caller, id: &str) -> Result<Option<String>, VisitError> {
        let query = [
            ("appointment".to_owned(), format!("Appointment/{id}")),
            ("status".to_owned(), "in-progress".to_owned()),
        ];
        let bundle = self.fhir.search_as(caller, "Encounter", &query, false, "").await?;
        Ok(matches(&bundle).find_map(|e| e["id"].as_str()).map(str::to_owned))
    }
}
