//! A visit's email, queued in the caller's transaction: each invitee gets their own invitation
//! link (`…/i/{token}`, purpose `appointment`, target `Appointment/{id}`; only its hash is
//! stored) in an invitation email with the calendar entry attached, and one reminder per
//! configured lead time, queued now with its due time so that the outbox sender delivers it
//! once when it falls due. Everything is about the topic `Appointment/{id}`: a cancellation
//! withdraws what is still unsent. Bodies are sealed; nothing here is logged.

use jiff::{SignedDuration, Timestamp};
use relais_access::OsEntropy;
use relais_access::invitation::Purpose;
use relais_access::token::Token;
use relais_store::{NewEmail, NewInvitation, ResourceTx};
use serde_json::Value;

use super::ics::{self, Event, Method};
use super::{VisitError, Visits, instant};
use crate::access::Caller;
use crate::auth::mail_context;

/// How long after a visit's end its links keep working (a visit that runs late).
const LINK_GRACE: SignedDuration = SignedDuration::from_hours(12);
/// Uses of one link: joining again after a dropped connection or from another device.
const LINK_USES: u32 = 20;

/// Someone invited to a visit.
#[derive(Debug, Clone)]
pub(super) struct Invitee<'a> {
    pub name: &'a str,
    /// No address: the link is created, nothing is sent.
    pub email: Option<&'a str>,
    /// `fr` or `en`.
    pub locale: &'static str,
    /// The patient whose visit it is.
    pub patient: &'a str,
}

/// The associated data a queued email's attachment is sealed with.
pub(crate) fn attachment_context(email_id: &str) -> String {
    format!("{}:ics", mail_context(email_id))
}

/// The language of a Patient (its preferred communication language, else the first; French
/// unless it is English).
pub(crate) fn patient_locale(patient: &Value) -> &'static str {
    let languages = patient["communication"].as_array().map(Vec::as_slice).unwrap_or_default();
    let chosen = languages.iter().find(|c| c["preferred"] == true).or_else(|| languages.first());
    let code =
        chosen.and_then(|c| c.pointer("/language/coding/0/code").and_then(Value::as_str)).unwrap_or_default();
    if code.starts_with("en") { "en" } else { "fr" }
}

/// A Patient's email address (`telecom` with system `email`).
pub(crate) fn patient_email(patient: &Value) -> Option<&str> {
    patient["telecom"]
        .as_array()?
        .iter()
        .find(|t| t["system"] == "email" && t["use"] != "old")
        .and_then(|t| t["value"].as_str())
        .filter(|v| v.contains('@'))
}

/// What the visit is, as its invitation says.
pub(super) fn visit_title(appointment: &Value) -> Option<String> {
    ["/description", "/serviceType/0/text", "/serviceType/0/coding/0/display"]
        .iter()
        .find_map(|p| appointment.pointer(p).and_then(Value::as_str))
        .map(str::to_owned)
}

impl Visits {
    fn local(&self, at: Timestamp) -> String {
        at.to_zoned_datetime(self.settings.time_zone.clone()).strftime("%Y-%m-%d %H:%M").to_string()
    }

    fn sealed(&self, context: &str, text: &str) -> Result<String, VisitError> {
        self.key.seal(context, text.as_bytes(), &OsEntropy).map_err(|e| VisitError::Internal(e.code()))
    }

    /// Creates `invitee`'s link to appointment `id` and queues their invitation and reminders,
    /// in `tx`. Answers whether an email was queued (not without an address).
    pub(super) async fn invite_in(
        &self,
        tx: &mut dyn ResourceTx,
        caller: &Caller,
        id: &str,
        appointment: &Value,
        invitee: &Invitee<'_>,
    ) -> Result<bool, VisitError> {
        let now = self.now();
        let (Some(start), Some(end)) = (instant(appointment, "/start"), instant(appointment, "/end")) else {
            return Err(VisitError::Internal("appointment-without-times"));
        };
        let token = Token::generate().map_err(|e| VisitError::Internal(e.code()))?;
        let target = format!("Appointment/{id}");
        let expires_at = end.checked_add(LINK_GRACE).unwrap_or(end).max(now);
        let invitation = NewInvitation {
            id: self.fhir.ids().new_id(),
            token_hash: token.hash(),
            purpose: Purpose::Appointment.code().to_owned(),
            target: target.clone(),
            patient_id: Some(invitee.patient.to_owned()),
            invitee: invitee.name.to_owned(),
            created_by: caller.principal.id.clone(),
            created_at: now,
            expires_at,
            max_uses: LINK_USES,
        };
        tx.create_invitation(&invitation).await?;
        let Some(email) = invitee.email else { return Ok(false) };
        let link = format!("{}/i/{}", self.settings.public_url, token.as_str());
        let locale = invitee.locale;
        let what =
            visit_title(appointment).unwrap_or_else(|| self.texts.text(locale, "visit-mail-what", &[]));
        let when = self.local(start);
        let args = [
            ("name", invitee.name),
            ("what", what.as_str()),
            ("when", when.as_str()),
            ("link", link.as_str()),
        ];
        let body = self.texts.text(locale, "visit-mail-invitation-body", &args);
        let subject = self.texts.text(locale, "visit-mail-invitation-subject", &args);
        let uid = format!("appointment-{id}@{}", host(&self.settings.public_url));
        let event = Event {
            uid: &uid,
            stamp: now,
            start,
            end,
            summary: &what,
            description: &body,
            link: &link,
            organizer: &self.settings.organizer,
            attendee_name: invitee.name,
            attendee: email,
        };
        let calendar = ics::calendar(&event, Method::Request);
        self.queue(tx, email, &subject, &body, Some(&calendar), &target, None).await?;
        for lead in &self.settings.reminder_leads {
            let Ok(due) = start.checked_sub(*lead) else { continue };
            if due <= now {
                continue; // booked closer to the visit than this reminder's lead time
            }
            let lead_text = lead_text(*lead);
            let args = [
                ("name", invitee.name),
                ("what", what.as_str()),
                ("when", when.as_str()),
                ("link", link.as_str()),
                ("lead", lead_text.as_str()),
            ];
            let body = self.texts.text(locale, "visit-mail-reminder-body", &args);
            let subject = self.texts.text(locale, "visit-mail-reminder-subject", &args);
            self.queue(tx, email, &subject, &body, None, &target, Some(due)).await?;
        }
        Ok(true)
    }

    /// Queues the cancellation of appointment `id` to `email` (with the calendar entry that
    /// removes it), in `tx`.
    pub(super) async fn queue_cancellation(
        &self,
        tx: &mut dyn ResourceTx,
        id: &str,
        appointment: &Value,
        name: &str,
        email: &str,
        locale: &'static str,
    ) -> Result<(), VisitError> {
        let (Some(start), Some(end)) = (instant(appointment, "/start"), instant(appointment, "/end")) else {
            return Ok(());
        };
        let what =
            visit_title(appointment).unwrap_or_else(|| self.texts.text(locale, "visit-mail-what", &[]));
        let when = self.local(start);
        let args = [("name", name), ("what", what.as_str()), ("when", when.as_str())];
        let body = self.texts.text(locale, "visit-mail-cancel-body", &args);
        let subject = self.texts.text(locale, "visit-mail-cancel-subject", &args);
        let uid = format!("appointment-{id}@{}", host(&self.settings.public_url));
        let event = Event {
            uid: &uid,
            stamp: self.now(),
            start,
            end,
            summary: &what,
            description: &body,
            link: &self.settings.public_url,
            organizer: &self.settings.organizer,
            attendee_name: name,
            attendee: email,
        };
        let calendar = ics::calendar(&event, Method::Cancel);
        // Not about the topic: withdrawing the visit's unsent email must not withdraw this.
        let topic = format!("Appointment/{id}/cancelled");
        self.queue(tx, email, &subject, &body, Some(&calendar), &topic, None).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn queue(
        &self,
        tx: &mut dyn ResourceTx,
        recipient: &str,
        subject: &str,
        body: &str,
        calendar: Option<&str>,
        topic: &str,
        due_at: Option<Timestamp>,
    ) -> Result<(), VisitError> {
        let id = self.fhir.ids().new_id();
        let attachment_sealed = calendar.map(|c| self.sealed(&attachment_context(&id), c)).transpose()?;
        let email = NewEmail {
            body_sealed: self.sealed(&mail_context(&id), body)?,
            id,
            recipient: recipient.to_owned(),
            subject: subject.to_owned(),
            attachment_sealed,
            topic: Some(topic.to_owned()),
            created_at: self.now(),
            due_at,
        };
        tx.enqueue_email(&email).await?;
        Ok(())
    }
}

/// `24 h`, `1 h`, `30 min`.
fn lead_text(lead: SignedDuration) -> String {
    let minutes = lead.as_mins();
    if minutes >= 60 && minutes % 60 == 0 { format!("{} h", minutes / 60) } else { format!("{minutes} min") }
}

/// The host of a URL, for calendar UIDs.
fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', ':']).next().filter(|h| !h.is_empty()).unwrap_or("relais")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn language_and_address_come_from_the_patient_resource() {
        let p = json!({"communication": [
            {"language": {"coding": [{"code": "fr-CA"}]}},
            {"language": {"coding": [{"code": "en"}]}, "preferred": true}],
            "telecom": [{"system": "phone", "value": "555"}, {"system": "email", "value": "a@b.example"}]});
        assert_eq!(patient_locale(&p), "en");
        assert_eq!(patient_email(&p), Some("a@b.example"));
        assert_eq!(patient_locale(&json!({})), "fr", "French by default");
        assert_eq!(
            patient_email(&json!({"telecom": [{"system": "email", "value": "x", "use": "old"}]})),
            None
        );
    }

    #[test]
    fn lead_times_and_hosts_read_plainly() {
        assert_eq!(lead_text(SignedDuration::from_hours(24)), "24 h");
        assert_eq!(lead_text(SignedDuration::from_mins(90)), "90 min");
        assert_eq!(host("https://relais.example:8443/x"), "relais.example");
        assert_eq!(host("http://127.0.0.1:8080"), "127.0.0.1");
    }
}
