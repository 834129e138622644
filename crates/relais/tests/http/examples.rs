//! Every official HL7 R4 example resource can be stored and read back unchanged.

use reqwest::StatusCode;

use crate::both_engines;
use crate::support::{Harness, without_server_fields};

both_engines!(official_examples_round_trip);

async fn official_examples_round_trip(h: Harness) {
    let examples = relais_testkit::fhir_examples();
    assert_eq!(examples.len(), 56);
    for (file, example) in examples {
        let t = example["resourceType"].as_str().unwrap().to_owned();
        let created = h.post(&format!("/fhir/{t}"), &example).await;
        assert_eq!(created.status, StatusCode::CREATED, "{file}: {}", created.text);
        let id = created.json()["id"].as_str().unwrap().to_owned();
        let read = h.get(&format!("/fhir/{t}/{id}")).await;
        assert_eq!(read.status, StatusCode::OK, "{file}");
        assert_eq!(
            without_server_fields(read.json()),
            without_server_fields(example),
            "{file} changed in the round trip"
        );
    }
}

both_engines!(every_resource_type_can_be_stored);

/// One minimal instance of each of the 146 R4 resource types (testdata/minimal, generated from
/// the schema's required elements) is stored, read back unchanged and listed in its history.
async fn every_resource_type_can_be_stored(h: Harness) {
    let path = relais_testkit::testdata().join("minimal/every-resource-type.json");
    let resources: Vec<serde_json::Value> = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let statement = h.get("/fhir/metadata").await.json();
    let supported: Vec<&str> = statement["rest"][0]["resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(resources.len(), supported.len());
    for resource in &resources {
        let t = resource["resourceType"].as_str().unwrap();
        assert!(supported.contains(&t), "{t} is not in the CapabilityStatement");
        let created = h.post(&format!("/fhir/{t}"), resource).await;
        assert_eq!(created.status, StatusCode::CREATED, "{t}: {}", created.text);
        let id = created.json()["id"].as_str().unwrap().to_owned();
        let read = h.get(&format!("/fhir/{t}/{id}")).await;
        assert_eq!(without_server_fields(read.json()), *resource, "{t}");
        let history = h.get(&format!("/fhir/{t}/_history")).await.json();
        assert_eq!(history["entry"].as_array().unwrap().len(), 1, "{t}");
    }
}
