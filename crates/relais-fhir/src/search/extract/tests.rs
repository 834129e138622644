//! The index rows extracted from official examples and hand-made resources.

use super::*;
use crate::SchemaValidator;
use serde_json::json;

fn params() -> std::sync::Arc<SearchParams> {
    SearchParams::shared(SchemaValidator::shared().unwrap().resource_types()).unwrap()
}

fn example(name: &str) -> Value {
    let path = format!("{}/../../testdata/fhir-r4/examples/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn of<'a>(entries: &'a [IndexEntry], param: &str) -> Vec<&'a IndexValue> {
    entries.iter().filter(|e| e.param == param).map(|e| &e.value).collect()
}

#[test]
fn strings_are_normalised() {
    assert_eq!(normalise("  Gagné  Côté "), "gagne cote");
    assert_eq!(normalise("ÉLODIE"), "elodie");
}

#[test]
fn dates_cover_their_precision() {
    let day = range_of("2026-02-28").unwrap();
    assert_eq!(day.1 - day.0, 86_400_000_000 - 1);
    let year = range_of("2024").unwrap();
    assert_eq!(year.1 - year.0 + 1, 366 * 86_400_000_000, "2024 is a leap year");
    let second = range_of("2026-11-25T08:00:00-05:00").unwrap();
    assert_eq!(second.0, "2026-11-25T13:00:00Z".parse::<Timestamp>().unwrap().as_microsecond());
    assert_eq!(second.1 - second.0, 999_999);
    let exact = range_of("2026-11-25T08:00:00.250Z").unwrap();
    assert_eq!(exact.0, exact.1);
    assert_eq!(date_range(&json!({"start": "2026-01-01"})).unwrap().1, i64::MAX, "an open period");
}

#[test]
fn an_observation_yields_code_subject_date_and_value() {
    let entries = extract(&params(), &example("Observation-heart-rate.json"));
    assert!(of(&entries, "code").contains(&&IndexValue::Token {
        system: Some("http://loinc.org".into()),
        code: Some("8867-4".into()),
        text: Some("heart rate".into())
    }));
    assert_eq!(
        of(&entries, "subject"),
        [&IndexValue::Reference {
            target_type: Some("Patient".into()),
            id: Some("example".into()),
            url: "Patient/example".into()
        }]
    );
    assert!(of(&entries, "patient").is_empty(), "patient is answered from subject's rows");
    assert!(of(&entries, "combo-code").is_empty(), "combo-code is answered from code's rows");
    assert_eq!(of(&entries, "date").len(), 1);
    match of(&entries, "value-quantity")[..] {
        [IndexValue::Quantity { value, code, .. }] => {
            assert_eq!((*value, code.as_deref()), (44.0, Some("/min")))
        }
        ref other => panic!("{other:?}"),
    }
    assert!(of(&entries, "value-concept").is_empty());
    assert_eq!(
        of(&entries, "status"),
        [&IndexValue::Token { system: None, code: Some("final".into()), text: None }]
    );
}

#[test]
fn blood_pressure_components_pair_their_code_with_their_own_value() {
    let bp = serde_json::json!({"resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "component": [
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
             "valueQuantity": {"value": 120, "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
             "valueQuantity": {"value": 150, "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}]});
    let entries = extract(&params(), &bp);
    let pairs: Vec<(f64, Option<&str>)> = of(&entries, "component-code-value-quantity")
        .into_iter()
        .map(|v| match v {
            IndexValue::Quantity { value, concept_code, .. } => (*value, concept_code.as_deref()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(pairs, [(120.0, Some("8480-6")), (150.0, Some("8462-4"))]);
    assert!(of(&entries, "component-value-quantity").is_empty(), "answered from the pair rows");
}

#[test]
fn a_patient_yields_names_identifiers_and_birth_date() {
    let entries = extract(&params(), &example("Patient-example.json"));
    let names = of(&entries, "name");
    let string = |value: &str, exact: &str| IndexValue::String { value: value.into(), exact: exact.into() };
    assert!(names.contains(&&string("chalmers", "Chalmers")));
    assert!(names.contains(&&string("jim", "Jim")));
    assert!(of(&entries, "family").contains(&&string("chalmers", "Chalmers")));
    assert!(
        of(&entries, "identifier")
            .iter()
            .any(|v| matches!(v, IndexValue::Token { code: Some(c), .. } if c == "12345"))
    );
    assert_eq!(of(&entries, "birthdate").len(), 1);
    assert!(of(&entries, "_id").is_empty(), "_id is a column of every version");
}

#[test]
fn every_official_example_yields_only_stored_parameters_once() {
    let params = params();
    let dir = format!("{}/../../testdata/fhir-r4/examples", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(dir).unwrap() {
        let resource: Value = serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
        let entries = extract(&params, &resource);
        let resource_type = resource["resourceType"].as_str().unwrap();
        for (i, entry) in entries.iter().enumerate() {
            let storage = &params.get(resource_type, &entry.param).unwrap().storage;
            assert!(
                matches!(storage, Storage::Indexed | Storage::PairRows),
                "{resource_type} {}",
                entry.param
            );
            assert!(!entries[..i].contains(entry), "{resource_type}: {entry:?} twice");
        }
        for value in entries.iter().map(|e| &e.value) {
            if let IndexValue::Date { lo, hi } = value {
                assert!(lo <= hi, "{resource}");
            }
        }
    }
}
