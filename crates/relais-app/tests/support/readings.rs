//! Home readings as a device or a patient's form sends them: FHIR Observation bodies with the
//! LOINC code and the unit the sender measured in (the program may expect another).

use serde_json::json;

/// A body weight in pounds (the heart-failure program converts it to kg).
pub fn weight(patient: &str, pounds: f64, at: &str) -> Vec<u8> {
    json!({"resourceType": "Observation", "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
        "subject": {"reference": format!("Patient/{patient}")}, "effectiveDateTime": at,
        "valueQuantity": {"value": pounds, "unit": "lb", "system": "http://unitsofmeasure.org", "code": "[lb_av]"}})
    .to_string()
    .into_bytes()
}

/// A heart rate in beats per minute.
pub fn heart_rate(patient: &str, bpm: f64, at: &str) -> Vec<u8> {
    json!({"resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": format!("Patient/{patient}")}, "effectiveDateTime": at,
        "valueQuantity": {"value": bpm, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}})
    .to_string()
    .into_bytes()
}
