//! Booking (issue 6): a practitioner's slots, a patient booked into a free one (the Appointment
//! created and the Slot made busy in one transaction, with the invitation and reminders queued
//! in it too; a slot already taken is refused), and cancelling (the Slot freed, the links
//! revoked, the unsent reminders withdrawn, the patient and the invited guests told).

use jiff::Timestamp;
use relais_access::audit::action;
use relais_fhir::validate::IdRule;
use relais_store::ResourceTx;
use serde_json::{Value, json};

use super::mail::{Invitee, patient_email, patient_locale};
use super::writes::{Writes, keep, matches, settle};
use super::{VisitError, Visits, current_appointment, fhir_instant, instant, parse, reference_id};
use crate::FhirError;
use crate::access::Caller;
use crate::queues::human_name;

/// A slot as the booking page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotView {
    pub id: String,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    /// `free`, `busy`…
    pub status: String,
    /// The appointment booked into it, if any: its id, status and patient's name.
    pub appointment: Option<(String, String, String)>,
}

/// What a booking did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booked {
    pub appointment: String,
    /// Whether the patient was emailed (no address in their record: not).
    pub emailed: bool,
}

impl Visits {
    /// The Schedules (id, what, whose), for the booking page.
    ///
    /// # Errors
    /// The search's errors.
    pub async fn schedules(&self, caller: &Caller) -> Result<Vec<(String, String)>, VisitError> {
        Self::require_clinician(caller)?;
        let query = [("active".to_owned(), "true".to_owned()), ("_count".to_owned(), "100".to_owned())];
        let bundle = self.fhir.search_as(caller, "Schedule", &query, false, "").await?;
        Ok(matches(&bundle)
            .filter_map(|s| {
                let id = s["id"].as_str()?.to_owned();
                let label = s["comment"]
                    .as_str()
                    .or_else(|| s.pointer("/actor/0/display").and_then(Value::as_str))
                    .unwrap_or(&id)
                    .to_owned();
                Some((id, label))
            })
            .collect())
    }

    /// The slots of Schedule `schedule` from now on, soonest first, with what is booked in them.
    ///
    /// # Errors
    /// The searches' errors.
    pub async fn slots(&self, caller: &Caller, schedule: &str) -> Result<Vec<SlotView>, VisitError> {
        Self::require_clinician(caller)?;
        if !relais_fhir::id::is_valid_id(schedule) {
            return Err(VisitError::SlotNotFound);
        }
        let pairs =
            |v: &[(&str, String)]| v.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect::<Vec<_>>();
        let from = format!("ge{}", fhir_instant(self.now()));
        let query = pairs(&[
            ("schedule", format!("Schedule/{schedule}")),
            ("start", from),
            ("_sort", "start".to_owned()),
            ("_count", "100".to_owned()),
        ]);
        let bundle = self.fhir.search_as(caller, "Slot", &query, false, "").await?;
        let slots: Vec<Value> = matches(&bundle).cloned().collect();
        // What is booked in the taken slots, with one search for all of them (a reference
        // parameter takes a comma-separated list: any of them).
        let taken: Vec<String> = slots
            .iter()
            .filter(|s| s["status"] != "free")
            .filter_map(|s| s["id"].as_str().map(|id| format!("Slot/{id}")))
            .collect();
        let mut booked: Vec<Value> = Vec::new();
        if !taken.is_empty() {
            let query = pairs(&[("slot", taken.join(",")), ("_count", "500".to_owned())]);
            let found = self.fhir.search_as(caller, "Appointment", &query, false, "").await?;
            booked = matches(&found).filter(|a| a["status"] != "cancelled").cloned().collect();
        }
        let views = slots
            .into_iter()
            .map(|slot| {
                let id = slot["id"].as_str().unwrap_or_default().to_owned();
                let reference = format!("Slot/{id}");
                let appointment = booked
                    .iter()
                    .find(|a| {
                        a["slot"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .any(|s| s["reference"] == reference.as_str())
                    })
                    .map(|a| {
                        let patient = a["participant"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .find(|p| {
                                p.pointer("/actor/reference")
                                    .and_then(Value::as_str)
                                    .is_some_and(|r| r.starts_with("Patient/"))
                            })
                            .and_then(|p| p.pointer("/actor/display").and_then(Value::as_str))
                            .unwrap_or_default();
                        (
                            a["id"].as_str().unwrap_or_default().to_owned(),
                            a["status"].as_str().unwrap_or_default().to_owned(),
                            patient.to_owned(),
                        )
                    });
                SlotView {
                    start: instant(&slot, "/start"),
                    end: instant(&slot, "/end"),
                    status: slot["status"].as_str().unwrap_or_default().to_owned(),
                    id,
                    appointment,
                }
            })
            .collect();
        Ok(views)
    }

    /// Books `patient` into the free slot `slot`: one transaction creates the Appointment
    /// (`booked`, with the schedule's practitioners and service), makes the Slot `busy`, and
    /// queues the patient's invitation and reminders. Each write is on the trail.
    ///
    /// # Errors
    /// `visit-forbidden`, `visit-patient-not-found` (not open to the caller), `visit-slot-not-found`,
    /// `visit-slot-taken` (booked meanwhile: nothing written), `visit-slot-past`.
    pub async fn book(&self, caller: &Caller, slot: &str, patient: &str) -> Result<Booked, VisitError> {
        Self::require_clinician(caller)?;
        if !relais_fhir::id::is_valid_id(patient) {
            return Err(VisitError::PatientNotFound);
        }
        if !relais_fhir::id::is_valid_id(slot) {
            return Err(VisitError::SlotNotFound);
        }
        let patient_row = self.fhir.read_as(caller, "Patient", patient).await.map_err(|e| match e {
            FhirError::NotFound(_) | FhirError::Gone(_) => VisitError::PatientNotFound,
            e => VisitError::Fhir(e),
        })?;
        let patient_value = parse(&patient_row)?;
        let mut writes = Writes::new();
        let mut tx = self.fhir.store.begin().await?;
        let booked = self.book_in(tx.as_mut(), caller, slot, patient, &patient_value, &mut writes).await;
        let result = match booked {
            Ok(booked) => tx.commit().await.map(|()| booked).map_err(VisitError::from),
            Err(e) => Err(e),
        };
        let audited = self.record(caller, writes, result.is_ok()).await;
        if result.as_ref().is_ok_and(|b| b.emailed) {
            self.queued.notify_one();
        }
        settle(result, audited)
    }

    async fn book_in(
        &self,
        tx: &mut dyn ResourceTx,
        caller: &Caller,
        slot_id: &str,
        patient: &str,
        patient_value: &Value,
        writes: &mut Writes,
    ) -> Result<Booked, VisitError> {
        let slot_row =
            tx.current("Slot", slot_id).await?.filter(|r| !r.deleted).ok_or(VisitError::SlotNotFound)?;
        let mut slot = parse(&slot_row)?;
        if slot["status"] != "free" {
            return Err(VisitError::SlotTaken);
        }
        let start = instant(&slot, "/start").ok_or(VisitError::SlotNotFound)?;
        if start <= self.now() {
            return Err(VisitError::SlotPast);
        }
        let schedule_id = slot
            .pointer("/schedule/reference")
            .and_then(Value::as_str)
            .and_then(|r| reference_id(r, "Schedule"))
            .ok_or(VisitError::SlotNotFound)?
            .to_owned();
        let schedule_row = tx
            .current("Schedule", &schedule_id)
            .await?
            .filter(|r| !r.deleted)
            .ok_or(VisitError::SlotNotFound)?;
        let schedule = parse(&schedule_row)?;
        let name = human_name(patient_value).unwrap_or_default();
        let mut participants = vec![json!({
            "actor": {"reference": format!("Patient/{patient}"), "display": name},
            "required": "required", "status": "accepted"})];
        for actor in schedule["actor"].as_array().into_iter().flatten() {
            let Some(reference) = actor["reference"].as_str().filter(|r| !r.starts_with("Patient/")) else {
                continue;
            };
            let mut actor = actor.clone();
            // Named on the Appointment, so that its pages and the invitation say with whom.
            if actor.get("display").is_none()
                && let Some(id) = reference_id(reference, "Practitioner")
                && let Some(row) = tx.current("Practitioner", id).await?.filter(|r| !r.deleted)
                && let Some(name) = human_name(&parse(&row)?)
            {
                actor["display"] = Value::from(name);
            }
            participants.push(json!({"actor": actor, "required": "required", "status": "accepted"}));
        }
        let mut appointment = json!({
            "resourceType": "Appointment",
            "status": "booked",
            "start": slot["start"],
            "end": slot["end"],
            "created": fhir_instant(self.now()),
            "slot": [{"reference": format!("Slot/{slot_id}")}],
            "participant": participants,
        });
        if let Some(service) = schedule.get("serviceType") {
            appointment["serviceType"] = service.clone();
        }
        if let Some(comment) = schedule["comment"].as_str() {
            appointment["description"] = Value::from(comment);
        }
        let body = appointment.to_string().into_bytes();
        let checked = self.fhir.parse_checked("Appointment", &body, IdRule::Assigned).await?;
        let created =
            self.fhir.create_in(tx, Some(&caller.principal), "Appointment", checked, None, None).await;
        let created = keep(writes, action::CREATE, "Appointment", body, created)?;
        slot["status"] = Value::from("busy");
        self.update_kept(tx, caller, writes, "Slot", &slot_row, &slot).await?;
        let stored = parse(&created.row)?;
        let invitee = Invitee {
            name: &name,
            email: patient_email(patient_value),
            locale: patient_locale(patient_value),
            patient,
        };
        let emailed = self.invite_in(tx, caller, &created.row.id, &stored, &invitee).await?;
        Ok(Booked { appointment: created.row.id.clone(), emailed })
    }

    /// Cancels appointment `id`: the Appointment `cancelled`, its Slot `free` again, its links
    /// revoked and its unsent email withdrawn, in one transaction; the patient and the invited
    /// guests (caregiver, interpreter) are told, each in their language, with a calendar CANCEL.
    ///
    /// # Errors
    /// `visit-appointment-not-found`, `visit-cancelled`, `visit-finished` (already over).
    pub async fn cancel(&self, caller: &Caller, id: &str) -> Result<(), VisitError> {
        Self::require_clinician(caller)?;
        let (_, seen) = self.appointment(caller, id).await?;
        let patient = super::appointment_patient(&seen).map(str::to_owned);
        let patient_value = match &patient {
            Some(p) => Some(parse(&self.fhir.read_as(caller, "Patient", p).await?)?),
            None => None,
        };
        let mut writes = Writes::new();
        let mut tx = self.fhir.store.begin().await?;
        let done = self.cancel_in(tx.as_mut(), caller, id, patient_value.as_ref(), &mut writes).await;
        self.conclude(tx, caller, writes, done, true).await
    }

    async fn cancel_in(
        &self,
        tx: &mut dyn ResourceTx,
        caller: &Caller,
        id: &str,
        patient: Option<&Value>,
        writes: &mut Writes,
    ) -> Result<(), VisitError> {
        let (row, mut appointment) = current_appointment(tx, id).await?;
        match appointment["status"].as_str() {
            Some("cancelled") => return Err(VisitError::WrongState("visit-cancelled")),
            Some("fulfilled" | "noshow" | "arrived" | "entered-in-error") => {
                return Err(VisitError::WrongState("visit-finished"));
            }
            _ => {}
        }
        appointment["status"] = Value::from("cancelled");
        self.update_kept(tx, caller, writes, "Appointment", &row, &appointment).await?;
        let slots: Vec<String> = appointment["slot"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["reference"].as_str().and_then(|r| reference_id(r, "Slot")).map(str::to_owned))
            .collect();
        for slot_id in slots {
            let Some(slot_row) = tx.current("Slot", &slot_id).await?.filter(|r| !r.deleted) else { continue };
            let mut slot = parse(&slot_row)?;
            slot["status"] = Value::from("free");
            self.update_kept(tx, caller, writes, "Slot", &slot_row, &slot).await?;
        }
        let target = format!("Appointment/{id}");
        tx.revoke_invitations_to(&target, self.now()).await?;
        tx.withdraw_emails(&target).await?;
        if let Some(patient) = patient
            && let Some(email) = patient_email(patient)
        {
            let name = human_name(patient).unwrap_or_default();
            self.queue_cancellation(tx, id, &appointment, &name, email, patient_locale(patient)).await?;
        }
        for (name, email, locale) in super::guests::guests_of(&appointment) {
            self.queue_cancellation(tx, id, &appointment, &name, &email, locale).await?;
        }
        Ok(())
    }
}
