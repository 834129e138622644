//! The teleconsultation pages (issue 6): `/visits` (a schedule's slots and the booking form)
//! and `/visits/{id}` (one appointment: the consent gate, starting, ending with the note and
//! outcome, a no-show, inviting a caregiver or an interpreter, cancelling).

use askama::Template;

use crate::pages::{Chrome, FormErrors};
use crate::queues::Choice;

/// One slot as a row.
#[derive(Debug, Clone)]
pub struct SlotRow {
    pub when: String,
    pub when_iso: String,
    /// Translated.
    pub status: String,
    pub free: bool,
    /// The appointment booked into it (empty: none) and its patient's name.
    pub appointment: String,
    pub patient: String,
}

/// `/visits`.
#[derive(Template)]
#[template(path = "visits.html")]
pub struct VisitsPage {
    pub chrome: Chrome,
    pub notice: String,
    pub errors: FormErrors,
    /// The schedules, the one shown selected.
    pub schedules: Vec<Choice>,
    pub schedule: String,
    pub slots: Vec<SlotRow>,
    /// The free slots and the patients to book, the typed ones selected.
    pub free: Vec<Choice>,
    pub patients: Vec<Choice>,
    /// The form that opens a run of slots, as typed (or its defaults).
    pub opening: SlotRun,
}

/// What the open-slots form holds.
#[derive(Debug, Clone, Default)]
pub struct SlotRun {
    pub date: String,
    pub time: String,
    pub minutes: String,
    pub count: String,
}

/// `/visits/{id}`.
#[derive(Template)]
#[template(path = "visit.html")]
pub struct VisitPage {
    pub chrome: Chrome,
    pub notice: String,
    pub errors: FormErrors,
    pub id: String,
    pub when: String,
    pub when_iso: String,
    pub what: String,
    pub patient: String,
    pub patient_id: String,
    pub with: String,
    /// Translated status, and its code.
    pub status: String,
    pub status_code: String,
    /// The consent line (translated) and whether it lets the visit start.
    pub consent: String,
    pub consent_ok: bool,
    pub running: bool,
    /// Whether the visit can still start, be cancelled or be marked as missed.
    pub open: bool,
    /// The guest form's typed values and choices.
    pub guest_name: String,
    pub guest_email: String,
    pub guest_roles: Vec<Choice>,
    pub guest_languages: Vec<Choice>,
    /// The ending form's typed note and outcome choices.
    pub note: String,
    pub outcomes: Vec<Choice>,
}
