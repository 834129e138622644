//! The teleconsultation pathway (issue 6) and its consent gate (issue 4): schedules and slots
//! (FHIR Schedule/Slot), appointments booked by staff, invitations by email with a calendar
//! entry and reminders, the telehealth consent checked before a video visit, and the visit
//! itself as an Encounter (class `VR`) with its note (a DocumentReference) and outcome.
//!
//! Every change goes through the FHIR write path ([`Fhir`]'s `*_in` writes, as the caller):
//! validated against the schema, decided by the access policy, versioned, and on the audit
//! trail. A booking writes the Appointment, the now busy Slot, the invitation links and the
//! queued emails (invitation and reminders) in one transaction: all of it or nothing. The
//! emails' texts come from the Fluent files through [`MailTexts`], in the patient's language.
//!
//! Knows no HTTP: the pages in `relais-web` call one function per request.

mod booking;
mod consent;
mod error;
mod guests;
pub mod ics;
mod mail;
pub(crate) use mail::{patient_email, patient_locale};
mod overview;
mod session;
mod slots;
mod writes;

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use relais_access::sealed::SealingKey;
use relais_store::{ResourceRow, ResourceTx};
use serde_json::Value;
use tokio::sync::Notify;

use crate::Fhir;
use crate::access::Caller;

pub use booking::{Booked, SlotView};
pub use consent::ConsentCheck;
pub use error::VisitError;
pub use guests::{Guest, GuestRole};
pub(crate) use mail::attachment_context;
pub use overview::Overview;
pub use session::{Ending, Outcome as VisitOutcome, Started};
pub use slots::NewSlots;

/// Relais's code system for the services a schedule belongs to (`teleconsultation`, …).
pub const SERVICE_SYSTEM: &str = "http://relais.invalid/fhir/CodeSystem/service";

/// The texts of the emails, by key and language (the Fluent files, from the web layer).
pub trait MailTexts: Send + Sync + 'static {
    /// The text of `key` in `locale` (`fr` or `en`) with `args`.
    fn text(&self, locale: &str, key: &str, args: &[(&str, &str)]) -> String;
}

/// Whether a service's video visits need the patient's telehealth consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRule {
    /// For a service not named in `services` (and an appointment naming none).
    pub required_by_default: bool,
    /// Per service code: required or not.
    pub services: BTreeMap<String, bool>,
}

impl ConsentRule {
    /// Whether a visit of `service` needs the consent.
    pub fn required(&self, service: Option<&str>) -> bool {
        service.and_then(|s| self.services.get(s).copied()).unwrap_or(self.required_by_default)
    }
}

/// The pathway's settings (clinicians and the privacy officer own them, not the code).
#[derive(Debug, Clone)]
pub struct VisitSettings {
    /// Links start with this (no trailing slash).
    pub public_url: String,
    /// Times in emails are shown in this zone (the calendar entry is in UTC).
    pub time_zone: jiff::tz::TimeZone,
    /// How long before a visit each reminder goes (24 h and 1 h by default).
    pub reminder_leads: Vec<SignedDuration>,
    pub consent: ConsentRule,
    /// The URI of the telehealth information text in force: a consent on another version is
    /// asked again.
    pub consent_policy: String,
    /// The address calendar entries name as organiser (the email sender).
    pub organizer: String,
}

/// The visit use cases.
#[derive(Clone)]
pub struct Visits {
    fhir: Fhir,
    key: Arc<SealingKey>,
    texts: Arc<dyn MailTexts>,
    settings: Arc<VisitSettings>,
    /// Woken when email was queued, so that the sender does not wait for its next round.
    queued: Arc<Notify>,
}

impl Visits {
    /// Use cases over `fhir`'s store; bodies sealed with `sealing_key` (the outbox sender opens
    /// them with the same key).
    pub fn new(
        fhir: Fhir,
        sealing_key: &[u8; 32],
        texts: Arc<dyn MailTexts>,
        settings: VisitSettings,
        queued: Arc<Notify>,
    ) -> Self {
        Self {
            fhir,
            key: Arc::new(SealingKey::new(sealing_key)),
            texts,
            settings: Arc::new(settings),
            queued,
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &VisitSettings {
        &self.settings
    }

    /// The same outbox (key, texts, links, sender) for other use cases' email.
    pub fn outbox(&self) -> crate::mail::Outbox {
        crate::mail::Outbox::from_parts(
            self.key.clone(),
            self.texts.clone(),
            &self.settings.public_url,
            self.queued.clone(),
        )
    }

    fn now(&self) -> Timestamp {
        self.fhir.clock.now()
    }

    /// Clinicians and care staff book and run visits; anyone else is refused before anything
    /// is read.
    fn require_clinician(caller: &Caller) -> Result<(), VisitError> {
        if caller.principal.roles.iter().any(|r| r.is_clinical()) {
            Ok(())
        } else {
            Err(VisitError::Forbidden)
        }
    }

    /// The appointment as `caller` may see it (an audited read).
    async fn appointment(&self, caller: &Caller, id: &str) -> Result<(ResourceRow, Value), VisitError> {
        let row = self.fhir.read_as(caller, "Appointment", id).await.map_err(|e| match e {
            crate::FhirError::NotFound(_) | crate::FhirError::Gone(_) => VisitError::AppointmentNotFound,
            e => VisitError::Fhir(e),
        })?;
        let value = parse(&row)?;
        Ok((row, value))
    }
}

/// A stored version's JSON.
fn parse(row: &ResourceRow) -> Result<Value, VisitError> {
    row.content
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok())
        .ok_or(VisitError::Internal("unreadable-resource"))
}

/// The id in a `Type/id` reference of `resource_type`.
fn reference_id<'a>(reference: &'a str, resource_type: &str) -> Option<&'a str> {
    reference.strip_prefix(resource_type)?.strip_prefix('/').filter(|id| relais_fhir::id::is_valid_id(id))
}

/// The patient an appointment is for (its first `Patient/…` participant).
pub fn appointment_patient(appointment: &Value) -> Option<&str> {
    appointment["participant"]
        .as_array()?
        .iter()
        .filter_map(|p| p.pointer("/actor/reference").and_then(Value::as_str))
        .find_map(|r| reference_id(r, "Patient"))
}

/// The service code an appointment names, if any.
pub fn appointment_service(appointment: &Value) -> Option<&str> {
    appointment["serviceType"]
        .as_array()?
        .iter()
        .flat_map(|c| c["coding"].as_array().into_iter().flatten())
        .find(|c| c["system"] == SERVICE_SYSTEM)
        .and_then(|c| c["code"].as_str())
}

fn instant(value: &Value, pointer: &str) -> Option<Timestamp> {
    value.pointer(pointer)?.as_str()?.parse().ok()
}

/// FHIR `instant` text (UTC, seconds).
fn fhir_instant(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Appointment `id` as the transaction sees it, locked.
pub(super) async fn current_appointment(
    tx: &mut dyn ResourceTx,
    id: &str,
) -> Result<(ResourceRow, Value), VisitError> {
    let row =
        tx.current("Appointment", id).await?.filter(|r| !r.deleted).ok_or(VisitError::AppointmentNotFound)?;
    let value = parse(&row)?;
    Ok((row, value))
}
