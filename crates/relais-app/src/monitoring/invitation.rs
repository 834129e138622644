//! The patient's invitation on enrolment: an email, in their language, saying which program
//! they are enrolled in, what to measure and answer and how often, and the link to their
//! "My readings" page. It is queued in the outbox in the enrolment's own transaction (so it
//! exists if and only if the enrolment does) and sent by the outbox sender, retried if the
//! relay fails. The address is the Patient's (`telecom` with system `email`); a record without
//! one is enrolled all the same, and the clinician is told nobody was emailed.
//!
//! The email also carries a personal link to create the patient's own account
//! (`/my/welcome?token=…`, see [`super::welcome`]): an invitation of purpose `patient-account`
//! for their Patient, single use, open [`ACCOUNT_LINK_DAYS`] days, its token stored hashed. The
//! invitation row is written in the enrolment's transaction too, with the email that alone
//! carries its token: an enrolment that fails leaves neither.

use jiff::{SignedDuration, Timestamp};
use relais_access::invitation::Purpose;
use relais_access::token::Token;
use relais_clinical::program::Program;
use relais_store::{NewEmail, NewInvitation, StoreError};
use serde_json::Value;

use super::Monitoring;
use crate::fhir::FhirError;
use crate::mail::Outbox;
use crate::queues::human_name;
use crate::visits::{patient_email, patient_locale};

/// Where the invitation links to.
pub const READINGS_PATH: &str = "/my/readings";
/// Where the account link leads (with `?token=`).
pub const WELCOME_PATH: &str = "/my/welcome";
/// How many days the account link stays open.
pub const ACCOUNT_LINK_DAYS: i64 = 14;

/// Whether the patient was told of their enrolment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invitation {
    /// An email is in the outbox.
    Queued,
    /// The record has no email address: nobody was emailed.
    NoAddress,
    /// This server sends no enrolment email (no outbox configured).
    Off,
}

/// A done enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolled {
    pub care_plan: String,
    pub invitation: Invitation,
}

/// What the program asks for, one line each: a measurement (a panel's parts together) or a
/// questionnaire, and how often.
fn asked_lines(outbox: &Outbox, program: &Program, locale: &str) -> Vec<String> {
    let line = |what: &str, hours: i64| {
        if hours == 24 {
            outbox.text(locale, "homecare-mail-item-daily", &[("what", what)])
        } else {
            outbox.text(locale, "homecare-mail-item", &[("what", what), ("hours", &hours.to_string())])
        }
    };
    let mut lines = Vec::new();
    let mut panels_seen: Vec<&str> = Vec::new();
    for m in &program.measurements {
        let what = match &m.panel {
            Some(panel) if panels_seen.contains(&panel.as_str()) => continue,
            Some(panel) => {
                panels_seen.push(panel);
                let parts: Vec<&str> = program
                    .measurements
                    .iter()
                    .filter(|o| o.panel.as_ref() == Some(panel))
                    .map(|o| o.name.get(locale))
                    .collect();
                parts.join(" / ")
            }
            None => m.name.get(locale).to_owned(),
        };
        lines.push(line(&what, m.every.as_hours()));
    }
    for q in &program.questionnaires {
        lines.push(line(q.title.get(locale), q.every.as_hours()));
    }
    lines
}

impl Monitoring {
    /// The outbox enrolment emails go through, if this server sends them.
    pub(super) fn outbox(&self) -> Option<&Outbox> {
        self.outbox.as_ref()
    }

    /// The invitation to `patient` (their Patient resource) to follow `program`, if they have an
    /// address and this server sends email: the email, and the account invitation (created by
    /// `inviter`, an account id) whose link it carries, both to be written in the enrolment's
    /// transaction.
    pub(super) fn invitation_to(
        &self,
        inviter: &str,
        program: &Program,
        patient_id: &str,
        patient: &Value,
        now: Timestamp,
    ) -> Result<(Option<(NewEmail, NewInvitation)>, Invitation), FhirError> {
        let Some(outbox) = self.outbox() else { return Ok((None, Invitation::Off)) };
        let Some(address) = patient_email(patient) else { return Ok((None, Invitation::NoAddress)) };
        let locale = patient_locale(patient);
        let name = human_name(patient).unwrap_or_default();
        let token = Token::generate().map_err(|_| FhirError::Store(StoreError::Unstorable))?;
        let invitee = if name.trim().is_empty() { "patient".to_owned() } else { name.clone() };
        let row = NewInvitation {
            id: self.fhir.ids().new_id(),
            token_hash: token.hash(),
            purpose: Purpose::PatientAccount.code().to_owned(),
            target: format!("Patient/{patient_id}"),
            patient_id: Some(patient_id.to_owned()),
            invitee: invitee.chars().take(200).collect(),
            created_by: inviter.to_owned(),
            created_at: now,
            expires_at: now.checked_add(SignedDuration::from_hours(24 * ACCOUNT_LINK_DAYS)).unwrap_or(now),
            max_uses: 1,
        };
        let title = program.title.get(locale);
        let items = asked_lines(outbox, program, locale).join("\n");
        let link = outbox.link(READINGS_PATH);
        let account_link = outbox.link(&format!("{WELCOME_PATH}?token={}", token.as_str()));
        let days = ACCOUNT_LINK_DAYS.to_string();
        let args = [
            ("name", name.as_str()),
            ("program", title),
            ("items", items.as_str()),
            ("link", link.as_str()),
            ("account_link", account_link.as_str()),
            ("days", days.as_str()),
        ];
        let subject = outbox.text(locale, "homecare-mail-enrolled-subject", &args);
        let body = outbox.text(locale, "homecare-mail-enrolled-body", &args);
        let topic = format!("Patient/{patient_id}/monitoring-enrolment");
        let email = outbox
            .email(self.fhir.ids().new_id(), address, &subject, &body, &topic, now)
            // Only a failing source of randomness stops sealing: nothing is written then.
            .map_err(|_| FhirError::Store(StoreError::Unstorable))?;
        Ok((Some((email, row)), Invitation::Queued))
    }
}
