//! What the visit page shows of one appointment: when, what, with whom, its state, where the
//! patient stands on consent, and whether a visit is in progress; and the patients a clinician
//! may book (those whose record is open to them).

use jiff::Timestamp;
use serde_json::Value;

use super::mail::visit_title;
use super::writes::matches;
use super::{ConsentCheck, VisitError, Visits, instant};
use crate::access::Caller;
use crate::queues::human_name;

/// One appointment as the visit page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    pub id: String,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    /// FHIR appointmentstatus.
    pub status: String,
    pub what: Option<String>,
    /// The patient's id and name.
    pub patient: Option<(String, String)>,
    /// The other participants, by name.
    pub with: Vec<String>,
    pub consent: ConsentCheck,
    /// The Encounter in progress, if the visit has started.
    pub running: Option<String>,
}

impl Visits {
    /// Appointment `id` for the visit page (audited reads and searches as `caller`).
    ///
    /// # Errors
    /// `visit-forbidden`, `visit-appointment-not-found`; the searches' errors.
    pub async fn overview(&self, caller: &Caller, id: &str) -> Result<Overview, VisitError> {
        Self::require_clinician(caller)?;
        let (_, appointment) = self.appointment(caller, id).await?;
        let consent = self.consent_for(caller, &appointment).await?;
        let running = self.running(caller, id).await?;
        let mut patient = None;
        let mut with = Vec::new();
        for p in appointment["participant"].as_array().into_iter().flatten() {
            let display = p.pointer("/actor/display").and_then(Value::as_str).unwrap_or_default().to_owned();
            match p
                .pointer("/actor/reference")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("Patient/"))
            {
                Some(pid) if patient.is_none() => patient = Some((pid.to_owned(), display)),
                _ if !display.is_empty() => with.push(display),
                _ => {}
            }
        }
        Ok(Overview {
            id: id.to_owned(),
            start: instant(&appointment, "/start"),
            end: instant(&appointment, "/end"),
            status: appointment["status"].as_str().unwrap_or_default().to_owned(),
            what: visit_title(&appointment),
            patient,
            with,
            consent,
            running,
        })
    }

    /// The patients `caller` may book (id, name), by name.
    ///
    /// # Errors
    /// `visit-forbidden`; the search's errors.
    pub async fn bookable_patients(&self, caller: &Caller) -> Result<Vec<(String, String)>, VisitError> {
        Self::require_clinician(caller)?;
        let query = [("_count".to_owned(), "200".to_owned())];
        let bundle = self.fhir.search_as(caller, "Patient", &query, false, "").await?;
        let mut found: Vec<(String, String)> = matches(&bundle)
            .filter_map(|p| {
                let id = p["id"].as_str()?.to_owned();
                let name = human_name(p).unwrap_or_else(|| id.clone());
                Some((id, name))
            })
            .collect();
        found.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(found)
    }
}
