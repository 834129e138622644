//! Inviting someone else to a visit (issue 6): a caregiver or an interpreter gets their own
//! link to the same appointment and their own invitation email (with the calendar entry and
//! the reminders), in their language, queued in one transaction with their link. The invitee
//! is named on the Appointment as a participant (by name: they may have no record of their own).

use serde_json::{Value, json};

use super::mail::Invitee;
use super::writes::Writes;
use super::{VisitError, Visits, appointment_patient, current_appointment, parse};
use crate::access::Caller;
use crate::accounts::looks_like_email;

/// Who the guest is to the visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestRole {
    Caregiver,
    Interpreter,
}

impl GuestRole {
    pub fn code(self) -> &'static str {
        match self {
            GuestRole::Caregiver => "caregiver",
            GuestRole::Interpreter => "interpreter",
        }
    }

    pub fn from_code(code: &str) -> Option<GuestRole> {
        [GuestRole::Caregiver, GuestRole::Interpreter].into_iter().find(|r| r.code() == code)
    }

    /// The v3 ParticipationType code on the Appointment.
    fn participation(self) -> &'static str {
        match self {
            GuestRole::Caregiver => "ESC",
            GuestRole::Interpreter => "TRANS",
        }
    }
}

/// The extension of an Appointment participant that is an invited guest: the language
/// (`fr`, `en`) of the emails they get.
pub const GUEST_LANGUAGE: &str = "urn:relais:visit:guest-language";

/// The invited guests of `appointment` still expected: (name, email, language).
pub(super) fn guests_of(appointment: &Value) -> Vec<(String, String, &'static str)> {
    let participants = appointment["participant"].as_array().into_iter().flatten();
    participants
        .filter(|p| p["status"] != "declined")
        .filter_map(|p| {
            let email = p.pointer("/actor/identifier/value")?.as_str()?.strip_prefix("mailto:")?;
            let name = p.pointer("/actor/display").and_then(Value::as_str).unwrap_or_default();
            let english = p["extension"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|x| x["url"] == GUEST_LANGUAGE && x["valueCode"] == "en");
            Some((name.to_owned(), email.to_owned(), if english { "en" } else { "fr" }))
        })
        .collect()
}

/// A guest to invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guest {
    pub name: String,
    pub email: String,
    pub role: GuestRole,
    /// `fr` or `en`.
    pub locale: String,
}

impl Visits {
    /// Invites `guest` to appointment `id`.
    ///
    /// # Errors
    /// `visit-guest-name-invalid` (field `name`), `visit-guest-email-invalid` (field `email`),
    /// `visit-appointment-not-found`, `visit-cancelled`, `visit-finished`.
    pub async fn invite_guest(&self, caller: &Caller, id: &str, guest: &Guest) -> Result<(), VisitError> {
        Self::require_clinician(caller)?;
        let name = guest.name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(VisitError::Invalid { code: "visit-guest-name-invalid", field: "name" });
        }
        let email = guest.email.trim();
        if !looks_like_email(email) {
            return Err(VisitError::Invalid { code: "visit-guest-email-invalid", field: "email" });
        }
        self.appointment(caller, id).await?;
        let locale = if guest.locale == "en" { "en" } else { "fr" };
        let mut writes = Writes::new();
        let mut tx = self.fhir.store.begin().await?;
        let invited = async {
            let (row, mut appointment) = current_appointment(tx.as_mut(), id).await?;
            match appointment["status"].as_str() {
                Some("cancelled" | "entered-in-error") => return Err(VisitError::WrongState("visit-cancelled")),
                Some("fulfilled" | "noshow") => return Err(VisitError::WrongState("visit-finished")),
                _ => {}
            }
            let patient = appointment_patient(&appointment).ok_or(VisitError::AppointmentNotFound)?.to_owned();
            if let Some(list) = appointment["participant"].as_array_mut() {
                // The guest has no resource of their own: the participant names them, and keeps
                // their address and language, so a cancellation reaches them too.
                list.push(json!({
                    "extension": [{"url": GUEST_LANGUAGE, "valueCode": locale}],
                    "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                        "code": guest.role.participation()}]}],
                    "actor": {"display": name,
                        "identifier": {"system": "urn:ietf:rfc:3986", "value": format!("mailto:{email}")}},
                    "required": "optional",
                    "status": "needs-action",
                }));
            }
            let written = self.update_kept(tx.as_mut(), caller, &mut writes, "Appointment", &row, &appointment).await?;
            let stored: Value = parse(&written.row)?;
            let invitee = Invitee { name, email: Some(email), locale, patient: &patient };
            self.invite_in(tx.as_mut(), caller, id, &stored, &invitee).await?;
            Ok(())
        }
        .await;
        self.conclude(tx, caller, writes, invited, true).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_addresses_are_checked_for_slips() {
        assert!(looks_like_email("line.tremblay@courriel.example"));
        for bad in
            ["", "a", "a@b", "a b@c.example", "a@b.example>", "@b.example", "a@.example", "a@b@c.example"]
        {
            assert!(!looks_like_email(bad), "{bad}");
        }
        assert_eq!(GuestRole::from_code("interpreter"), Some(GuestRole::Interpreter));
        assert_eq!(GuestRole::from_code("judge"), None);
    }
}
