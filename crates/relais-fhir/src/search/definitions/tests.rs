//! The loaded definitions: parameters per type, and where each parameter's values are kept.

use super::*;
use crate::SchemaValidator;

fn params() -> Arc<SearchParams> {
    let schema = SchemaValidator::shared().unwrap();
    SearchParams::shared(schema.resource_types()).unwrap()
}

/// The resource types the clinical queues and charts search (issue 3).
const CLINICAL_TYPES: &[&str] = &[
    "Patient",
    "RelatedPerson",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Location",
    "HealthcareService",
    "CareTeam",
    "Group",
    "Encounter",
    "Appointment",
    "Schedule",
    "Slot",
    "ServiceRequest",
    "Task",
    "Communication",
    "CommunicationRequest",
    "Observation",
    "Questionnaire",
    "QuestionnaireResponse",
    "Condition",
    "CarePlan",
    "Goal",
    "Media",
    "DocumentReference",
    "Binary",
    "Flag",
    "DetectedIssue",
    "RiskAssessment",
    "Device",
    "DeviceUseStatement",
    "Consent",
    "AuditEvent",
    "Provenance",
    "MedicationAdministration",
];

#[test]
fn every_clinical_type_has_its_parameters_and_the_common_ones() {
    let params = params();
    for t in CLINICAL_TYPES {
        assert!(params.get(t, "_id").is_some(), "{t} _id");
        assert!(params.get(t, "_lastUpdated").is_some(), "{t} _lastUpdated");
        assert!(params.for_type(t).count() >= 3, "{t}");
    }
}

#[test]
fn parameters_carry_type_paths_and_targets() {
    let params = params();
    let subject = params.get("Observation", "subject").unwrap();
    assert_eq!(subject.kind, ParamType::Reference);
    assert!(subject.targets.contains(&"Patient".to_owned()));
    let code = params.get("Observation", "code").unwrap();
    assert_eq!(code.paths.len(), 1, "only the Observation part of the shared expression");
    assert_eq!(params.get("Patient", "name").unwrap().kind, ParamType::String);
    for kind in [ParamType::Date, ParamType::Reference, ParamType::Composite, ParamType::Uri] {
        assert_eq!(ParamType::parse(kind.as_str()), Some(kind));
    }
    let patient = params.get("Task", "patient").unwrap();
    assert_eq!(patient.paths[0].steps.last(), Some(&Step::ResolvesTo("Patient".into())));
    let bp = params.get("Observation", "component-code-value-quantity").unwrap();
    assert_eq!(bp.kind, ParamType::Composite);
    let codes: Vec<_> = bp.components.iter().map(|c| (c.code.as_str(), c.kind)).collect();
    assert_eq!(
        codes,
        [("component-code", ParamType::Token), ("component-value-quantity", ParamType::Quantity)]
    );
    assert!(
        params.is_unsupported("Patient", "deceased"),
        "beyond the FHIRPath subset: reported, not guessed"
    );
    assert!(params.get("Binary", "_text").is_none());
}

#[test]
fn aliases_are_answered_from_the_rows_of_the_parameters_they_repeat() {
    let params = params();
    let storage = |t: &str, code: &str| params.get(t, code).map(|p| p.storage.clone());
    assert_eq!(storage("Observation", "subject"), Some(Storage::Indexed));
    assert_eq!(
        storage("Observation", "patient"),
        Some(Storage::TargetOf { code: "subject".into(), target_type: "Patient".into() })
    );
    assert_eq!(
        storage("Task", "patient"),
        Some(Storage::TargetOf { code: "subject".into(), target_type: "Patient".into() })
    );
    assert_eq!(
        storage("Observation", "combo-code"),
        Some(Storage::UnionOf(vec!["code".into(), "component-code".into()]))
    );
    assert_eq!(storage("Observation", "component-code-value-quantity"), Some(Storage::PairRows));
    assert_eq!(
        storage("Observation", "component-value-quantity"),
        Some(Storage::PartOf("component-code-value-quantity".into()))
    );
    assert_eq!(
        storage("Observation", "code-value-quantity"),
        Some(Storage::Conjunction(vec!["code".into(), "value-quantity".into()]))
    );
    assert_eq!(
        storage("Observation", "combo-code-value-quantity"),
        Some(Storage::UnionOf(vec!["code-value-quantity".into(), "component-code-value-quantity".into()]))
    );
    assert_eq!(storage("Patient", "_id"), Some(Storage::Column));
    assert_eq!(storage("Patient", "name"), Some(Storage::Indexed));
    assert!(
        params.is_unsupported("Observation", "component-code-value-concept"),
        "a token-and-token composite over components has no rows: reported, not guessed"
    );
    assert!(params.is_unsupported("Observation", "combo-code-value-concept"));
}
