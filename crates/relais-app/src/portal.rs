//! The patient portal's lists (issue 5 "Patient portal"): my upcoming appointments, my
//! messages and my measurements, read with FHIR searches as the patient — so they hold only the patient's own record,
//! and reading them is on the audit trail like any search.

use jiff::Timestamp;
use serde_json::Value;

use crate::access::Caller;
use crate::fhir::{Fhir, FhirError};
use crate::queues::human_name;

/// How many of each list the portal shows.
pub const PORTAL_ITEMS: u32 = 20;

/// How many of the patient's most recent Observations feed their trend charts: weeks of
/// several measurements a day, as many as the clinician's chart reads.
pub const PORTAL_MEASUREMENTS: u32 = 500;

/// An appointment as the patient sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalAppointment {
    pub id: String,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    /// `booked`, `proposed`, `cancelled`… (FHIR appointmentstatus).
    pub status: String,
    /// What it is for: the description, else the service type or appointment type's text.
    pub what: String,
    /// The professionals taking part, by name.
    pub with: Vec<String>,
}

/// A message to or about the patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalMessage {
    pub id: String,
    pub sent: Option<Timestamp>,
    /// The sender's name, if the message names one the patient may see.
    pub from: Option<String>,
    pub text: String,
}

/// Why the portal cannot show a list.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// The caller has no record of their own (not a patient, or an account not linked to one).
    #[error("no-own-record")]
    NoOwnRecord,
    #[error(transparent)]
    Fhir(#[from] FhirError),
}

fn text(value: &Value, pointers: &[&str]) -> String {
    pointers.iter().find_map(|p| value.pointer(p).and_then(Value::as_str)).unwrap_or_default().to_owned()
}

fn instant(value: &Value, pointer: &str) -> Option<Timestamp> {
    value.pointer(pointer)?.as_str()?.parse().ok()
}

/// The resources of a searchset by `(type, id)`, and its matches in order.
fn matches_and_names(bundle: &Value) -> (Vec<&Value>, std::collections::HashMap<String, String>) {
    let entries = bundle.get("entry").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut names = std::collections::HashMap::new();
    let mut matches = Vec::new();
    for entry in entries {
        let Some(resource) = entry.get("resource") else { continue };
        if entry.pointer("/search/mode").and_then(Value::as_str) == Some("match") {
            matches.push(resource);
        } else if let (Some(t), Some(id), Some(name)) =
            (resource["resourceType"].as_str(), resource["id"].as_str(), human_name(resource))
        {
            names.insert(format!("{t}/{id}"), name);
        }
    }
    (matches, names)
}

impl Fhir {
    /// The patient's own record, from their grants.
    fn own_record(caller: &Caller, now: Timestamp) -> Result<String, PortalError> {
        caller.own_record(now).map(str::to_owned).ok_or(PortalError::NoOwnRecord)
    }

    /// The caller's appointments from now on, soonest first, with the professionals named.
    ///
    /// # Errors
    /// [`PortalError::NoOwnRecord`]; the search's errors.
    pub async fn my_appointments(&self, caller: &Caller) -> Result<Vec<PortalAppointment>, PortalError> {
        let now = self.clock.now();
        let me = Self::own_record(caller, now)?;
        let query: Vec<(String, String)> = [
            ("patient", format!("Patient/{me}")),
            ("date", format!("ge{}", now.strftime("%Y-%m-%dT%H:%M:%SZ"))),
            ("_sort", "date".to_owned()),
            ("_include", "Appointment:actor".to_owned()),
            ("_count", PORTAL_ITEMS.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let bundle = self.search_as(caller, "Appointment", &query, false, "").await?;
        let (matches, names) = matches_and_names(&bundle);
        Ok(matches
            .into_iter()
            .filter(|a| a["status"] != "entered-in-error")
            .map(|a| PortalAppointment {
                id: text(a, &["/id"]),
                start: instant(a, "/start"),
                end: instant(a, "/end"),
                status: text(a, &["/status"]),
                what: text(
                    a,
                    &[
                        "/description",
                        "/serviceType/0/text",
                        "/serviceType/0/coding/0/display",
                        "/appointmentType/text",
                    ],
                ),
                with: a["participant"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.pointer("/actor/reference").and_then(Value::as_str))
                    .filter(|r| !r.starts_with("Patient/"))
                    .filter_map(|r| names.get(r).cloned())
                    .collect(),
            })
            .collect())
    }

    /// The messages sent to the caller or about them, newest first.
    ///
    /// # Errors
    /// [`PortalError::NoOwnRecord`]; the search's errors.
    pub async fn my_messages(&self, caller: &Caller) -> Result<Vec<PortalMessage>, PortalError> {
        let me = Self::own_record(caller, self.clock.now())?;
        let query: Vec<(String, String)> = [
            ("subject", format!("Patient/{me}")),
            ("_sort", "-sent".to_owned()),
            ("_include", "Communication:sender".to_owned()),
            ("_count", PORTAL_ITEMS.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let bundle = self.search_as(caller, "Communication", &query, false, "").await?;
        let (matches, names) = matches_and_names(&bundle);
        Ok(matches
            .into_iter()
            .map(|m| PortalMessage {
                id: text(m, &["/id"]),
                sent: instant(m, "/sent"),
                from: m
                    .pointer("/sender/reference")
                    .and_then(Value::as_str)
                    .and_then(|r| names.get(r).cloned())
                    .or_else(|| m.pointer("/sender/display").and_then(Value::as_str).map(str::to_owned)),
                text: m["payload"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.get("contentString").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join("\n"),
            })
            .collect())
    }

    /// The caller's own Observations, newest first, for their trend charts (what they may
    /// draw is decided by the page: status, code and unit).
    ///
    /// # Errors
    /// [`PortalError::NoOwnRecord`]; the search's errors.
    pub async fn my_measurements(&self, caller: &Caller) -> Result<Vec<Value>, PortalError> {
        let me = Self::own_record(caller, self.clock.now())?;
        let query = [
            ("patient".to_owned(), format!("Patient/{me}")),
            ("_sort".to_owned(), "-date".to_owned()),
            ("_count".to_owned(), PORTAL_MEASUREMENTS.to_string()),
        ];
        let bundle = self.search_as(caller, "Observation", &query, false, "").await?;
        let (matches, _) = matches_and_names(&bundle);
        Ok(matches.into_iter().cloned().collect())
    }
}
