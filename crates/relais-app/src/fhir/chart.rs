//! The patient chart and the patient search as a person sees them (the pages `/patients` and
//! `/patients/{id}`): built only from [`Fhir::read_as`] and [`Fhir::search_as`], so the access
//! policy decides every part of it and every read is on the audit trail — a record the person
//! may not see is `NotFound`, as if it did not exist, and nothing else of it is read.

use serde_json::Value;

use super::{Fhir, FhirError};
use crate::access::Caller;

/// The resource types of a chart besides the Patient, with the search parameter to sort them
/// newest first and how many of them to read. Observations are read in the largest number:
/// they feed weeks of trend charts.
const CHART_PARTS: &[(&str, &str, u32)] = &[
    ("AllergyIntolerance", "-date", 100),
    ("Flag", "-date", 100),
    ("Encounter", "-date", 100),
    ("Observation", "-date", 500),
    ("QuestionnaireResponse", "-authored", 100),
    ("Media", "-created", 100),
    ("DocumentReference", "-date", 100),
    ("Composition", "-date", 100),
    ("DetectedIssue", "-identified", 100),
];

/// Most patients one search lists.
const MAX_PATIENTS: u32 = 50;

/// What a person may see of one patient's record, for the chart.
#[derive(Debug, Clone)]
pub struct PatientRecord {
    pub patient: Value,
    /// The resources of the record, grouped by type in the order of `CHART_PARTS`, each group
    /// newest first.
    pub resources: Vec<Value>,
}

/// How to find patients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatientQuery {
    /// Part of a name (family or given, accents and case ignored by the `name` parameter).
    Name(String),
    /// A health card number (`identifier` of the configured system).
    HealthCard { system: String, number: String },
}

impl Fhir {
    /// The chart of `patient_id` as `caller` may see it: the Patient (404 if they may not read
    /// it) and, searched as them, the parts listed in `CHART_PARTS`. Each read and search is
    /// audited as its own access.
    pub async fn patient_record_as(
        &self,
        caller: &Caller,
        patient_id: &str,
        base_url: &str,
    ) -> Result<PatientRecord, FhirError> {
        let patient = self.read_as(caller, "Patient", patient_id).await?;
        let patient = parse(patient.content.as_deref())
            .ok_or_else(|| FhirError::NotFound(format!("Patient/{patient_id}")))?;
        let subject = format!("Patient/{patient_id}");
        let mut resources = Vec::new();
        for (resource_type, sort, count) in CHART_PARTS {
            let pairs = [
                ("patient".to_owned(), subject.clone()),
                ("_sort".to_owned(), (*sort).to_owned()),
                ("_count".to_owned(), count.to_string()),
            ];
            let bundle = self.search_as(caller, resource_type, &pairs, false, base_url).await?;
            resources.extend(matches(bundle));
        }
        Ok(PatientRecord { patient, resources })
    }

    /// The patients matching `query` that `caller` may see (the search is restricted and
    /// audited as any search of theirs), by name.
    pub async fn find_patients_as(
        &self,
        caller: &Caller,
        query: &PatientQuery,
        base_url: &str,
    ) -> Result<Vec<Value>, FhirError> {
        let criterion = match query {
            PatientQuery::Name(name) => ("name".to_owned(), name.clone()),
            PatientQuery::HealthCard { system, number } => {
                ("identifier".to_owned(), format!("{system}|{number}"))
            }
        };
        let pairs = [
            criterion,
            ("_sort".to_owned(), "family,given".to_owned()),
            ("_count".to_owned(), MAX_PATIENTS.to_string()),
        ];
        let bundle = self.search_as(caller, "Patient", &pairs, false, base_url).await?;
        Ok(matches(bundle))
    }
}

/// The `match` entries of a searchset Bundle (not the included ones nor the outcome).
fn matches(bundle: Value) -> Vec<Value> {
    let Value::Object(mut bundle) = bundle else { return Vec::new() };
    let Some(Value::Array(entries)) = bundle.remove("entry") else { return Vec::new() };
    entries
        .into_iter()
        .filter(|e| e.pointer("/search/mode").and_then(Value::as_str).is_none_or(|m| m == "match"))
        .filter_map(|mut e| e.get_mut("resource").map(Value::take))
        .collect()
}

fn parse(content: Option<&str>) -> Option<Value> {
    serde_json::from_str(content?).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_matches_are_taken_from_a_searchset() {
        let bundle = json!({"resourceType": "Bundle", "entry": [
            {"resource": {"id": "a"}, "search": {"mode": "match"}},
            {"resource": {"id": "b"}, "search": {"mode": "include"}},
            {"resource": {"resourceType": "OperationOutcome"}, "search": {"mode": "outcome"}},
            {"resource": {"id": "c"}},
        ]});
        let ids: Vec<Value> = matches(bundle).into_iter().map(|r| r["id"].clone()).collect();
        assert_eq!(ids, [json!("a"), json!("c")]);
        assert!(matches(json!({"resourceType": "Bundle"})).is_empty());
    }
}
