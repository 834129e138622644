//! The patient compartment: whose record a resource belongs to, as the official R4
//! CompartmentDefinition says (`data/compartment-patient.json`). An Observation belongs to the
//! patients its `subject` or `performer` references, an Appointment to the patients among its
//! `actor`s, a Patient to itself. Resource types the definition does not list (Practitioner,
//! Organization, Task…) are in no patient's record.
//!
//! Access decisions start here: "a patient sees their own record only" is "a patient sees the
//! resources of their compartment".

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

use crate::search::extract::values;
use crate::search::{IndexValue, ParamType, SearchParams, Storage};

const R4_PATIENT_COMPARTMENT: &str = include_str!("../data/compartment-patient.json");

/// Resource types Relais puts in a patient's record beyond R4's definition, with the search
/// parameters through which they belong (see the module documentation for why).
pub const RELAIS_ADDITIONS: &[(&str, &[&str])] = &[("Task", &["patient"])];

/// The search parameters through which each resource type belongs to a patient's record.
#[derive(Debug, Default)]
pub struct PatientCompartment {
    by_type: HashMap<String, Vec<String>>,
}

/// The embedded definition could not be read (only if the file were corrupt).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the embedded patient compartment definition could not be read: {0}")]
pub struct CompartmentError(String);

impl PatientCompartment {
    /// The process-wide definition, read on first use.
    pub fn shared() -> Result<&'static PatientCompartment, CompartmentError> {
        static SHARED: OnceLock<Result<PatientCompartment, CompartmentError>> = OnceLock::new();
        SHARED.get_or_init(PatientCompartment::load).as_ref().map_err(Clone::clone)
    }

    /// Reads the embedded CompartmentDefinition.
    pub fn load() -> Result<PatientCompartment, CompartmentError> {
        let definition: Value =
            serde_json::from_str(R4_PATIENT_COMPARTMENT).map_err(|e| CompartmentError(e.to_string()))?;
        if definition.get("code").and_then(Value::as_str) != Some("Patient") {
            return Err(CompartmentError("not the patient compartment".into()));
        }
        let resources = definition
            .get("resource")
            .and_then(Value::as_array)
            .ok_or_else(|| CompartmentError("no resource list".into()))?;
        let mut by_type = HashMap::new();
        for resource in resources {
            let Some(code) = resource.get("code").and_then(Value::as_str) else { continue };
            let params: Vec<String> = resource
                .get("param")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            // Types listed without parameters are outside the compartment.
            if !params.is_empty() {
                by_type.insert(code.to_owned(), params);
            }
        }
        for (code, params) in RELAIS_ADDITIONS {
            by_type.insert((*code).to_owned(), params.iter().map(|p| (*p).to_owned()).collect());
        }
        Ok(PatientCompartment { by_type })
    }

    /// Whether resources of this type can belong to a patient's record.
    pub fn includes(&self, resource_type: &str) -> bool {
        self.by_type.contains_key(resource_type)
    }

    /// The parameters through which `resource_type` belongs to a record (`None` if it cannot).
    pub fn params(&self, resource_type: &str) -> Option<&[String]> {
        self.by_type.get(resource_type).map(Vec::as_slice)
    }

    /// The ids of the patients whose record `resource` is part of, sorted, each once. A Patient
    /// belongs to its own record (and to those of the patients it `link`s to). Only relative
    /// references (`Patient/123`) count: an absolute URL may name another server's patient
    /// with the same id, and counting it would show this server's patient a stranger's data.
    pub fn patients_of(&self, search: &SearchParams, resource: &Value) -> Vec<String> {
        let Some(resource_type) = resource.get("resourceType").and_then(Value::as_str) else {
            return Vec::new();
        };
        let mut patients = Vec::new();
        if resource_type == "Patient"
            && let Some(id) = resource.get("id").and_then(Value::as_str)
        {
            patients.push(id.to_owned());
        }
        for code in self.params(resource_type).unwrap_or_default() {
            let Some(param) = search.get(resource_type, code) else { continue };
            // `patient` of an Observation is its `subject` pointing to a Patient: read the
            // parameter whose paths hold the references.
            let param = match &param.storage {
                Storage::TargetOf { code, .. } => match search.get(resource_type, code) {
                    Some(base) => base,
                    None => continue,
                },
                _ => param,
            };
            if param.kind != ParamType::Reference {
                continue;
            }
            for path in &param.paths {
                for found in path.evaluate(resource) {
                    for value in values(ParamType::Reference, found) {
                        if let IndexValue::Reference { target_type: Some(t), id: Some(id), url } = value
                            && t == "Patient"
                            && url.starts_with("Patient/")
                        {
                            patients.push(id);
                        }
                    }
                }
            }
        }
        patients.sort();
        patients.dedup();
        patients
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn search() -> std::sync::Arc<SearchParams> {
        SearchParams::shared(crate::SchemaValidator::shared().unwrap().resource_types()).unwrap()
    }

    fn example(name: &str) -> Value {
        let path = format!("{}/../../testdata/fhir-r4/examples/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn official_examples_belong_to_the_patients_they_reference() {
        let compartment = PatientCompartment::shared().unwrap();
        let search = search();
        let cases: &[(&str, &[&str])] = &[
            ("Observation-heart-rate.json", &["example"]),
            ("Patient-example.json", &["example"]),
            ("Appointment-example.json", &["example"]),
            ("Encounter-example.json", &["example"]),
            ("Condition-example.json", &["example"]),
            ("Consent-consent-example-basic.json", &["f001"]),
            ("RelatedPerson-peter.json", &["animal"]),
            ("Practitioner-example.json", &[]),
            ("Organization-1.json", &[]),
            // Relais's addition: a Task belongs to the patient it is `for`.
            ("Task-example1.json", &["example"]),
        ];
        for (name, expected) in cases {
            let resource = example(name);
            assert_eq!(compartment.patients_of(&search, &resource), *expected, "{name}");
        }
    }

    #[test]
    fn the_definition_lists_record_types_and_leaves_out_directories() {
        let compartment = PatientCompartment::shared().unwrap();
        for inside in ["Observation", "Patient", "Encounter", "Appointment", "Consent", "AuditEvent", "Task"]
        {
            assert!(compartment.includes(inside), "{inside}");
        }
        for outside in ["Practitioner", "Organization", "Location", "Questionnaire"] {
            assert!(!compartment.includes(outside), "{outside}");
        }
        assert_eq!(compartment.params("Observation").unwrap(), ["subject", "performer"]);
    }

    #[test]
    fn every_reference_to_a_patient_counts_once_and_absolute_ones_do_not() {
        let compartment = PatientCompartment::shared().unwrap();
        let search = search();
        let observation = json!({
            "resourceType": "Observation", "id": "o", "status": "final",
            "code": {"text": "x"},
            "subject": {"reference": "Patient/b"},
            "performer": [
                {"reference": "Patient/a"}, {"reference": "Patient/b"},
                {"reference": "Practitioner/p"},
                {"reference": "https://elsewhere.example/fhir/Patient/c"},
                {"reference": "#contained"}
            ]
        });
        assert_eq!(compartment.patients_of(&search, &observation), ["a", "b"]);
        let linked = json!({
            "resourceType": "Patient", "id": "new",
            "link": [{"other": {"reference": "Patient/old"}, "type": "replaces"}]
        });
        assert_eq!(compartment.patients_of(&search, &linked), ["new", "old"]);
        assert!(compartment.patients_of(&search, &json!({"id": "no-type"})).is_empty());
    }
}
