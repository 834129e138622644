//! The search benchmark's data: nurses, Quebec patients, a year of their vital signs, and a Task
//! queue whose tasks focus on ServiceRequests or Observations. Every resource has a
//! client-assigned id (`pat-12`, `obs-3456`, …) and is generated from its index alone, so the
//! same sizes always give the same data and a loaded database can be measured again.

mod names;

use std::fmt;

use anyhow::Context;
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::rng::Rng;
use names::{CITIES, GIVEN_FEMALE, GIVEN_MALE, STREETS};
pub use names::{FAMILIES, plain};

/// The Quebec health card (RAMQ) number's system, as the Canadian FHIR baseline names it.
pub const HEALTH_CARD_SYSTEM: &str =
    "https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id";
const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";
/// Nurses (Practitioners) who own accepted Tasks.
pub const NURSES: u64 = 20;

/// A kind of resource, loaded in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Practitioner,
    Patient,
    Observation,
    ServiceRequest,
    Task,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// How much data, and the year it covers.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub patients: u64,
    pub observations: u64,
    pub tasks: u64,
    /// The data covers the 365 days before this instant (midnight UTC).
    pub until: Timestamp,
}

/// Seconds in the year the Observations cover.
const YEAR: u64 = 365 * 86_400;

impl Dataset {
    /// `until` is a date, `2026-11-25`.
    pub fn new(patients: u64, observations: u64, tasks: u64, until: &str) -> anyhow::Result<Dataset> {
        let until = format!("{until}T00:00:00Z")
            .parse::<Timestamp>()
            .with_context(|| format!("--until {until:?} is not a date like 2026-11-25"))?;
        Ok(Dataset { patients, observations, tasks, until })
    }

    /// Each kind with how many there are, in loading order.
    pub fn kinds(&self) -> Vec<(Kind, u64)> {
        vec![
            (Kind::Practitioner, NURSES),
            (Kind::Patient, self.patients),
            (Kind::Observation, self.observations),
            (Kind::ServiceRequest, self.service_requests()),
            (Kind::Task, self.tasks),
        ]
    }

    /// Every even Task focuses on its own ServiceRequest, every odd one on an Observation.
    fn service_requests(&self) -> u64 {
        self.tasks.div_ceil(2)
    }

    /// `Type/id` of resource `n` of `kind`.
    pub fn reference(kind: Kind, n: u64) -> String {
        let prefix = match kind {
            Kind::Practitioner => "nurse",
            Kind::Patient => "pat",
            Kind::Observation => "obs",
            Kind::ServiceRequest => "sr",
            Kind::Task => "task",
        };
        format!("{kind}/{prefix}-{n}")
    }

    /// Resource `n` of `kind` (its `id` is the one in [`Dataset::reference`]).
    pub fn resource(&self, kind: Kind, n: u64) -> Value {
        let mut rng = Rng::seeded(n.wrapping_mul(8).wrapping_add(kind as u64));
        match kind {
            Kind::Practitioner => practitioner(n, &mut rng),
            Kind::Patient => patient(n, &mut rng),
            Kind::Observation => self.observation(n, &mut rng),
            Kind::ServiceRequest => self.service_request(n, &mut rng),
            Kind::Task => self.task(n, &mut rng),
        }
    }

    /// The instant `seconds` after the start of the year covered.
    fn at(&self, seconds: u64) -> String {
        let start = self.until.as_second() - YEAR as i64;
        Timestamp::from_second(start + seconds as i64).unwrap_or(self.until).to_string()
    }

    /// A random day of the year covered, `2026-03-14`.
    pub fn random_day(&self, rng: &mut Rng) -> String {
        let mut day = self.at(rng.below(YEAR as usize) as u64);
        day.truncate(10);
        day
    }

    fn patient_of(&self, n: u64) -> u64 {
        n % self.patients.max(1)
    }

    fn observation(&self, n: u64, rng: &mut Rng) -> Value {
        let patient = self.patient_of(n);
        // Cycling through the six vital signs gives every patient about as many of each.
        let vital = VITALS[((n / self.patients.max(1)) % VITALS.len() as u64) as usize];
        let effective = self.at(rng.below(YEAR as usize) as u64);
        let mut coding = vec![json!({"system": LOINC, "code": vital.code, "display": vital.display})];
        if vital.code == "59408-5" {
            coding.push(
                json!({"system": LOINC, "code": "2708-6", "display": "Oxygen saturation in Arterial blood"}),
            );
        }
        let mut observation = json!({
            "resourceType": "Observation",
            "id": id_of(Kind::Observation, n),
            "meta": {"profile": [format!("http://hl7.org/fhir/StructureDefinition/{}", vital.profile)]},
            "status": "final",
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "vital-signs",
                "display": "Vital Signs"
            }]}],
            "code": {"coding": coding, "text": vital.display},
            "subject": {"reference": Dataset::reference(Kind::Patient, patient)},
            "effectiveDateTime": effective,
        });
        if vital.code == "85354-9" {
            let systolic = 100 + rng.below(60);
            let diastolic = 60 + rng.below(35);
            observation["component"] = json!([
                component("8480-6", "Systolic blood pressure", systolic as f64),
                component("8462-4", "Diastolic blood pressure", diastolic as f64),
            ]);
        } else {
            let value = match vital.code {
                "8867-4" => (55 + rng.below(55)) as f64,
                "9279-1" => (12 + rng.below(11)) as f64,
                "59408-5" => (92 + rng.below(9)) as f64,
                "8310-5" => 36.0 + rng.below(23) as f64 / 10.0,
                // A patient's weight stays within a few kilograms of their own over the year.
                _ => 45.0 + (patient % 70) as f64 + rng.below(40) as f64 / 10.0,
            };
            observation["valueQuantity"] = quantity(value, vital.unit, vital.ucum);
        }
        observation
    }

    fn service_request(&self, n: u64, rng: &mut Rng) -> Value {
        let (code, display) = FOLLOW_UPS[rng.below(FOLLOW_UPS.len())];
        json!({
            "resourceType": "ServiceRequest",
            "id": id_of(Kind::ServiceRequest, n),
            "status": "active",
            "intent": "order",
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]},
            "subject": {"reference": Dataset::reference(Kind::Patient, self.patient_of(2 * n))},
            "authoredOn": self.at(YEAR - 30 * 86_400 + rng.below(30 * 86_400) as u64),
        })
    }

    fn task(&self, n: u64, rng: &mut Rng) -> Value {
        let status = match rng.below(10) {
            0..=3 => "requested",
            4 | 5 => "accepted",
            6 | 7 => "in-progress",
            _ => "completed",
        };
        let priority = match rng.below(10) {
            0..=5 => "routine",
            6 | 7 => "urgent",
            8 => "asap",
            _ => "stat",
        };
        let patient = self.patient_of(2 * (n / 2));
        let focus = if n.is_multiple_of(2) || self.observations == 0 {
            Dataset::reference(Kind::ServiceRequest, n / 2)
        } else {
            // One of this patient's own Observations.
            let round = rng.below((self.observations / self.patients.max(1)).max(1) as usize) as u64;
            let observation = (round * self.patients + patient).min(self.observations - 1);
            Dataset::reference(Kind::Observation, observation)
        };
        let description = TASKS[rng.below(TASKS.len())];
        let mut task = json!({
            "resourceType": "Task",
            "id": id_of(Kind::Task, n),
            "status": status,
            "intent": "order",
            "priority": priority,
            "description": description,
            "focus": {"reference": focus},
            "for": {"reference": Dataset::reference(Kind::Patient, patient)},
            "authoredOn": self.at(YEAR - 30 * 86_400 + rng.below(30 * 86_400) as u64),
        });
        if status != "requested" {
            let nurse = rng.below(NURSES as usize) as u64;
            task["owner"] = json!({"reference": Dataset::reference(Kind::Practitioner, nurse)});
        }
        task
    }
}

/// The id part of [`Dataset::reference`].
fn id_of(kind: Kind, n: u64) -> String {
    let reference = Dataset::reference(kind, n);
    reference.split_once('/').map_or(reference.clone(), |(_, id)| id.to_owned())
}

fn practitioner(n: u64, rng: &mut Rng) -> Value {
    let (family, _) = FAMILIES[rng.below(FAMILIES.len())];
    let given = GIVEN_FEMALE[rng.below(GIVEN_FEMALE.len())];
    json!({
        "resourceType": "Practitioner",
        "id": id_of(Kind::Practitioner, n),
        "active": true,
        "name": [{"family": family, "given": [given], "prefix": ["inf."]}],
        "qualification": [{"code": {"text": "Infirmière clinicienne"}}],
    })
}

fn patient(n: u64, rng: &mut Rng) -> Value {
    let (family, _) = FAMILIES[rng.below(FAMILIES.len())];
    let female = rng.below(2) == 0;
    let names = if female { GIVEN_FEMALE } else { GIVEN_MALE };
    let given = names[rng.below(names.len())];
    let (year, month, day) = (1930 + rng.below(91), 1 + rng.below(12), 1 + rng.below(28));
    // The RAMQ number: 3 letters of the family name, 1 of the given name, YYMMDD (+50 to the
    // month for women), 2 digits.
    let letters: String = plain(family).chars().filter(char::is_ascii_alphabetic).take(3).collect();
    let initial: String = plain(given).chars().take(1).collect();
    let card = format!(
        "{}{}{:02}{:02}{:02}{:02}",
        letters.to_uppercase(),
        initial.to_uppercase(),
        year % 100,
        month + if female { 50 } else { 0 },
        day,
        n % 100
    );
    let (city, postal) = CITIES[rng.below(CITIES.len())];
    json!({
        "resourceType": "Patient",
        "id": id_of(Kind::Patient, n),
        "identifier": [{
            "type": {"text": "Numéro d'assurance maladie (RAMQ)"},
            "system": HEALTH_CARD_SYSTEM,
            "value": card
        }],
        "active": true,
        "name": [{"use": "official", "family": family, "given": [given]}],
        "telecom": [{"system": "phone", "value": format!("418-555-{:04}", n % 10_000), "use": "home"}],
        "gender": if female { "female" } else { "male" },
        "birthDate": format!("{year}-{month:02}-{day:02}"),
        "address": [{
            "line": [format!("{} {}", 1 + rng.below(2000), STREETS[rng.below(STREETS.len())])],
            "city": city,
            "state": "QC",
            "postalCode": format!("{postal} {}A{}", rng.below(10), rng.below(10)),
            "country": "CA"
        }],
        "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "fr-CA"}]}}],
    })
}

/// A vital sign of the R4 vital-signs profiles.
#[derive(Clone, Copy)]
struct Vital {
    code: &'static str,
    display: &'static str,
    profile: &'static str,
    unit: &'static str,
    ucum: &'static str,
}

const VITALS: [Vital; 6] = [
    Vital { code: "8867-4", display: "Heart rate", profile: "heartrate", unit: "beats/minute", ucum: "/min" },
    Vital {
        code: "9279-1",
        display: "Respiratory rate",
        profile: "resprate",
        unit: "breaths/minute",
        ucum: "/min",
    },
    Vital {
        code: "59408-5",
        display: "Oxygen saturation in Arterial blood by Pulse oximetry",
        profile: "oxygensat",
        unit: "%",
        ucum: "%",
    },
    Vital { code: "8310-5", display: "Body temperature", profile: "bodytemp", unit: "C", ucum: "Cel" },
    Vital { code: "29463-7", display: "Body weight", profile: "bodyweight", unit: "kg", ucum: "kg" },
    Vital {
        code: "85354-9",
        display: "Blood pressure panel with all children optional",
        profile: "bp",
        unit: "mmHg",
        ucum: "mm[Hg]",
    },
];

fn quantity(value: f64, unit: &str, code: &str) -> Value {
    json!({"value": (value * 10.0).round() / 10.0, "unit": unit, "system": UCUM, "code": code})
}

fn component(code: &str, display: &str, value: f64) -> Value {
    json!({
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
        "valueQuantity": quantity(value, "mmHg", "mm[Hg]")
    })
}

/// What a ServiceRequest asks the nurses for (SNOMED CT).
const FOLLOW_UPS: &[(&str, &str)] = &[
    ("46973005", "Blood pressure taking"),
    ("364075005", "Heart rate"),
    ("27113001", "Body weight"),
    ("386053000", "Evaluation procedure"),
];

/// What the nurse is asked to do.
const TASKS: &[&str] = &[
    "Rappeler la patiente pour la tension artérielle",
    "Revoir la fréquence cardiaque élevée",
    "Vérifier la saturation en oxygène",
    "Suivi du poids : gain de plus de 2 kg",
    "Contrôle de la température après traitement",
    "Prendre rendez-vous en téléconsultation",
];

#[cfg(test)]
mod tests;
