//! Enrolment in a home-monitoring program and discharge from it, as the clinician.
//!
//! Enrolment writes, in one FHIR transaction (all or nothing) through the caller's write path
//! (policy-checked and audited): the CarePlan (`instantiatesUri` = the program, `period.start`,
//! one activity per measurement and questionnaire with its frequency), and for each device
//! handed to the patient a Device (found by serial number when already registered, else
//! created) and a DeviceUseStatement from now. Discharge ends them in one transaction: the
//! CarePlan `completed` with `period.end`, each active DeviceUseStatement `completed` with its
//! `timingPeriod.end`, and the Device no longer names the patient, so it can go to someone else.

use std::sync::Arc;

use jiff::Timestamp;
use relais_clinical::program::{Program, questionnaire_url};
use relais_fhir::{Issue, IssueType};
use serde_json::{Value, json};

use super::evaluate::resources;
use super::invitation::{Enrolled, Invitation};
use super::observation::{LOINC, UCUM};
use super::{BASE, Monitoring, PROGRAM_URI};
use crate::access::Caller;
use crate::fhir::{Along, FhirError, Prefer};

/// Identifier system of a device's serial number.
pub const DEVICE_SERIAL: &str = "urn:relais:device-serial";
/// The most devices one enrolment hands out.
const MAX_DEVICES: usize = 10;

/// An enrolment to make.
#[derive(Debug, Clone, Default)]
pub struct Enrol {
    pub patient: String,
    /// The program id (`heart-failure`).
    pub program: String,
    /// Serial numbers of the devices handed to the patient (scale, cuff, oximeter).
    pub devices: Vec<String>,
}

/// A patient's current enrolment, as the clinician's page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolment {
    pub care_plan: String,
    pub program: String,
    pub since: Option<Timestamp>,
    /// Serial numbers (or ids) of the devices in use.
    pub devices: Vec<String>,
}

/// A refusal of the form, naming its field (`program`, `devices`, `patient`) and a stable code.
fn refused(field: &str, code: &'static str, message: &str) -> FhirError {
    FhirError::Unprocessable(vec![Issue::error(IssueType::BusinessRule, code, message).at(field)])
}

/// The serial numbers, trimmed, blank ones dropped; a refusal names the field.
fn checked_serials(devices: &[String]) -> Result<Vec<String>, FhirError> {
    let mut serials: Vec<String> = Vec::new();
    for serial in devices.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if serial.len() > 64 || serial.chars().any(|c| c.is_control() || c == '|') {
            return Err(refused(
                "devices",
                "device-serial-invalid",
                "A serial number is too long or holds a control character",
            ));
        }
        if !serials.iter().any(|s| s == serial) {
            serials.push(serial.to_owned());
        }
    }
    if serials.len() > MAX_DEVICES {
        return Err(refused("devices", "too-many-devices", "At most ten devices per enrolment"));
    }
    Ok(serials)
}

/// `every` as a FHIR Timing: once every so many hours.
fn timing(every: jiff::SignedDuration) -> Value {
    json!({"repeat": {"frequency": 1, "period": every.as_hours(), "periodUnit": "h"}})
}

/// The CarePlan of `program` for `patient` from `now`.
pub fn care_plan(program: &Program, patient: &str, now: Timestamp) -> Value {
    let mut activities: Vec<Value> = program
        .measurements
        .iter()
        .map(|m| {
            json!({"detail": {
                "code": {"coding": [{"system": LOINC, "code": m.code}], "text": m.name.fr},
                "status": "scheduled",
                "scheduledTiming": timing(m.every),
                "description": format!("{} ({})", m.name.fr, m.unit),
                "extension": [{"url": "http://relais.invalid/fhir/StructureDefinition/unit",
                    "valueCoding": {"system": UCUM, "code": m.unit}}],
            }})
        })
        .collect();
    activities.extend(program.questionnaires.iter().map(|q| {
        json!({"detail": {
            "instantiatesCanonical": [questionnaire_url(program, q)],
            "code": {"text": q.title.fr},
            "status": "scheduled",
            "scheduledTiming": timing(q.every),
        }})
    }));
    json!({
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "instantiatesUri": [format!("{PROGRAM_URI}{}", program.id)],
        "title": program.title.fr,
        "description": format!("{} (version {})", program.title.fr, program.version),
        "subject": {"reference": format!("Patient/{patient}")},
        "period": {"start": now.to_string()},
        "created": now.to_string(),
        "activity": activities,
    })
}

fn entry(full_url: Option<&str>, resource: Value, request: Value) -> Value {
    let mut entry = json!({"resource": resource, "request": request});
    if let Some(url) = full_url {
        entry["fullUrl"] = json!(url);
    }
    entry
}

fn put_entry(resource: &Value) -> Option<Value> {
    let kind = resource.get("resourceType")?.as_str()?;
    let id = resource.get("id")?.as_str()?;
    let version = resource.pointer("/meta/versionId").and_then(Value::as_str);
    let mut request = json!({"method": "PUT", "url": format!("{kind}/{id}")});
    if let Some(version) = version {
        // A concurrent change makes the whole discharge fail rather than overwrite it.
        request["ifMatch"] = json!(format!("W/\"{version}\""));
    }
    Some(entry(None, resource.clone(), request))
}

fn is_program_plan(plan: &Value) -> Option<&str> {
    plan.get("instantiatesUri")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .find_map(|u| u.strip_prefix(PROGRAM_URI))
}

impl Monitoring {
    /// The programs in force now.
    pub fn catalog(&self) -> Arc<relais_clinical::program::Catalog> {
        self.programs.current()
    }

    /// Refuses, audited like any refused write, a caller who may not write `patient`'s care
    /// plan — before anything about the patient is looked up.
    pub(super) async fn may_plan_for(&self, caller: &Caller, patient: &str) -> Result<(), FhirError> {
        let probe = json!({"resourceType": "CarePlan", "status": "active", "intent": "plan",
            "subject": {"reference": format!("Patient/{patient}")}});
        if self.fhir.may_create(caller, "CarePlan", &probe) {
            return Ok(());
        }
        let refused = self.fhir.create_as(caller, "CarePlan", probe.to_string().as_bytes(), None).await;
        Err(refused.err().unwrap_or(FhirError::Forbidden("not-entitled")))
    }

    /// The active program CarePlans and DeviceUseStatements of `patient` (the system's read,
    /// after the caller was found entitled).
    async fn active_of(&self, patient: &str) -> Result<(Vec<Value>, Vec<Value>), FhirError> {
        let subject = format!("Patient/{patient}");
        let plans = self
            .search_all("CarePlan", &[("subject", subject.clone()), ("status", "active".to_owned())])
            .await?
            .into_iter()
            .filter(|p| is_program_plan(p).is_some())
            .collect();
        // DeviceUseStatement has no `status` search parameter in R4: filtered here.
        let uses = self
            .search_all("DeviceUseStatement", &[("subject", subject)])
            .await?
            .into_iter()
            .filter(|u| u.get("status").and_then(Value::as_str) == Some("active"))
            .collect();
        Ok((plans, uses))
    }

    /// Enrols a patient: CarePlan, Devices and DeviceUseStatements in one transaction as
    /// `caller`. Answers the CarePlan's id. See [`Monitoring::enrol_and_invite`].
    ///
    /// # Errors
    /// As [`Monitoring::enrol_and_invite`].
    pub async fn enrol(&self, caller: &Caller, enrol: &Enrol) -> Result<String, FhirError> {
        self.enrol_and_invite(caller, enrol).await.map(|e| e.care_plan)
    }

    /// Enrols a patient: CarePlan, Devices and DeviceUseStatements, and the patient's
    /// invitation email in the outbox (see [`super::invitation`]), in one transaction as
    /// `caller`. Answers the CarePlan's id and whether the patient was emailed.
    ///
    /// # Errors
    /// 403 when the caller may not write the patient's record; 404 for a record they may not
    /// read; 422 `unknown-program`, `already-enrolled`, `device-serial-invalid`,
    /// `too-many-devices` (each naming its field).
    pub async fn enrol_and_invite(&self, caller: &Caller, enrol: &Enrol) -> Result<Enrolled, FhirError> {
        let program = self
            .programs
            .current()
            .get(&enrol.program)
            .ok_or_else(|| refused("program", "unknown-program", "Choose one of the programs in force"))?
            .clone();
        let serials = checked_serials(&enrol.devices)?;
        self.may_plan_for(caller, &enrol.patient).await?;
        let (plans, _) = self.active_of(&enrol.patient).await?;
        if !plans.is_empty() {
            return Err(refused(
                "program",
                "already-enrolled",
                "The patient already follows a program: discharge first",
            ));
        }
        let now = self.fhir.clock().now();
        let (email, invitation) = match self.outbox() {
            // Read as the clinician (audited) for the address and language, when there is
            // email to send.
            Some(_) => {
                let row = self.fhir.read_as(caller, "Patient", &enrol.patient).await?;
                let patient: Value =
                    row.content.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
                self.invitation_to(&caller.principal.id, &program, &enrol.patient, &patient, now)?
            }
            None => (None, Invitation::Off),
        };
        let subject = json!({"reference": format!("Patient/{}", enrol.patient)});
        let mut entries = vec![entry(
            Some("urn:uuid:care-plan"),
            care_plan(&program, &enrol.patient, now),
            json!({"method": "POST", "url": "CarePlan"}),
        )];
        for (i, serial) in serials.iter().enumerate() {
            let device_url = format!("urn:uuid:device-{i}");
            let device = json!({"resourceType": "Device", "status": "active",
                "identifier": [{"system": DEVICE_SERIAL, "value": serial}],
                "serialNumber": serial, "patient": subject});
            let token = format!("{DEVICE_SERIAL}|{serial}");
            let condition = format!(
                "identifier={}",
                form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>()
            );
            entries.push(entry(
                Some(&device_url),
                device,
                json!({"method": "POST", "url": "Device", "ifNoneExist": condition}),
            ));
            let statement = json!({"resourceType": "DeviceUseStatement", "status": "active",
                "subject": subject, "device": {"reference": device_url},
                "timingPeriod": {"start": now.to_string()}, "recordedOn": now.to_string()});
            entries.push(entry(None, statement, json!({"method": "POST", "url": "DeviceUseStatement"})));
        }
        let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": entries});
        let (emails, invitations): (Vec<_>, Vec<_>) = email.into_iter().unzip();
        let along = Along { emails: &emails, invitations: &invitations };
        let answer = self
            .fhir
            .bundle_as_queuing(caller, bundle.to_string().as_bytes(), Prefer::Minimal, BASE, along)
            .await?;
        if let (false, Some(sender)) = (emails.is_empty(), self.outbox()) {
            sender.wake();
        }
        let care_plan = answer
            .get("entry")
            .and_then(|e| e.get(0))
            .and_then(super::alerts::location_id)
            .ok_or_else(|| FhirError::Conflict("the transaction answered no CarePlan".into()))?;
        Ok(Enrolled { care_plan, invitation })
    }

    /// Ends the patient's enrolment and device assignments in one transaction as `caller`.
    ///
    /// # Errors
    /// 403 as [`Monitoring::enrol`]; 422 `not-enrolled`; 412 when someone changed them meanwhile.
    pub async fn discharge(&self, caller: &Caller, patient: &str) -> Result<(), FhirError> {
        self.may_plan_for(caller, patient).await?;
        let (plans, uses) = self.active_of(patient).await?;
        if plans.is_empty() {
            return Err(refused("patient", "not-enrolled", "The patient follows no program"));
        }
        let now = self.fhir.clock().now().to_string();
        let mut entries = Vec::new();
        for mut plan in plans {
            plan["status"] = json!("completed");
            plan["period"]["end"] = json!(now);
            entries.extend(put_entry(&plan));
        }
        for mut statement in uses {
            statement["status"] = json!("completed");
            statement["timingPeriod"]["end"] = json!(now);
            entries.extend(put_entry(&statement));
            let device = statement
                .pointer("/device/reference")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("Device/"));
            if let Some(id) = device
                && let Ok(row) = self.fhir.read("Device", id).await
                && let Some(mut device) = row.content.and_then(|c| serde_json::from_str::<Value>(&c).ok())
                && let Some(map) = device.as_object_mut()
            {
                map.remove("patient");
                entries.extend(put_entry(&device));
            }
        }
        let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": entries});
        self.fhir.bundle_as(caller, bundle.to_string().as_bytes(), Prefer::Minimal, BASE).await?;
        Ok(())
    }

    /// The patient's current enrolment, read as `caller` (audited), or `None`.
    ///
    /// # Errors
    /// The searches' errors (403 for a caller with no right to the record).
    pub async fn enrolment_of(&self, caller: &Caller, patient: &str) -> Result<Option<Enrolment>, FhirError> {
        let subject = format!("Patient/{patient}");
        let pairs = [
            ("subject".to_owned(), subject.clone()),
            ("status".to_owned(), "active".to_owned()),
            ("_count".to_owned(), "50".to_owned()),
        ];
        let plans = self.fhir.search_as(caller, "CarePlan", &pairs, true, BASE).await?;
        let Some(plan) = resources(&plans).find(|p| is_program_plan(p).is_some()) else { return Ok(None) };
        let pairs = [
            ("subject".to_owned(), subject.clone()),
            ("_include".to_owned(), "DeviceUseStatement:device".to_owned()),
            ("_count".to_owned(), "100".to_owned()),
        ];
        let uses = self.fhir.search_as(caller, "DeviceUseStatement", &pairs, true, BASE).await?;
        let in_use: Vec<String> = resources(&uses)
            .filter(|r| r.get("resourceType").and_then(Value::as_str) == Some("DeviceUseStatement"))
            .filter(|r| r.get("status").and_then(Value::as_str) == Some("active"))
            .filter_map(|r| r.pointer("/device/reference").and_then(Value::as_str).map(str::to_owned))
            .collect();
        let devices = resources(&uses)
            .filter(|r| r.get("resourceType").and_then(Value::as_str) == Some("Device"))
            .filter(|d| {
                let id = d.get("id").and_then(Value::as_str).unwrap_or_default();
                in_use.iter().any(|r| r.strip_prefix("Device/") == Some(id))
            })
            .map(|d| {
                d.get("serialNumber")
                    .or_else(|| d.get("id"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        Ok(Some(Enrolment {
            care_plan: plan.get("id").and_then(Value::as_str).unwrap_or_default().to_owned(),
            program: is_program_plan(plan).unwrap_or_default().to_owned(),
            since: plan.pointer("/period/start").and_then(Value::as_str).and_then(|s| s.parse().ok()),
            devices,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_trimmed_kept_once_and_checked() {
        let typed = [" SC-1 ".to_owned(), String::new(), "SC-1".to_owned(), "BP-2".to_owned()];
        assert_eq!(checked_serials(&typed).unwrap(), ["SC-1", "BP-2"]);
        let bad = ["a|b".to_owned()];
        assert_eq!(checked_serials(&bad).unwrap_err().issues()[0].error_code, "device-serial-invalid");
    }

    #[test]
    fn the_care_plan_lists_each_measurement_and_questionnaire_with_its_frequency() {
        let catalog = relais_clinical::Catalog::defaults().unwrap();
        let program = catalog.get("heart-failure").unwrap();
        let plan = care_plan(program, "p1", "2026-11-26T10:00:00Z".parse().unwrap());
        assert_eq!(plan["instantiatesUri"][0], "urn:relais:program:heart-failure");
        let activities = plan["activity"].as_array().unwrap();
        assert_eq!(activities.len(), program.measurements.len() + program.questionnaires.len());
        assert_eq!(activities[0]["detail"]["code"]["coding"][0]["code"], program.measurements[0].code);
        assert_eq!(activities[0]["detail"]["scheduledTiming"]["repeat"]["periodUnit"], "h");
    }
}
