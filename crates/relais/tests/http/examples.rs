//! Every official HL7 R4 example resource can be stored and read back unchanged — except
//! AuditEvent: the audit trail is written by the server alone, so a client's AuditEvent is
//! refused and nothing is stored.

use reqwest::StatusCode;

use crate::both_engines;
use crate::support::{Harness, without_server_fields};

/// Whether `t` is the one type a client may not create, and if so checks it is refused and
/// nothing was stored.
async fn refused_audit_event(h: &Harness, t: &str, resource: &serde_json::Value) -> bool {
    if t != "AuditEvent" {
        return false;
    }
    let created = h.post("/fhir/AuditEvent", resource).await;
    assert_eq!(created.status, StatusCode::FORBIDDEN, "{}", created.text);
    let history = h.get("/fhir/_history?_count=1000").await.json();
    let stored = history["entry"].as_array().into_iter().flatten();
    assert!(stored.filter(|e| e["resource"]["resourceType"] == "AuditEvent").count() == 0);
    true
}

both_engines!(official_examples_round_trip);

async fn official_examples_round_trip(h: Harness) {
    let examples = relais_testkit::fhir_examples();
    assert_eq!(examples.len(), 56);
    for (file, example) in examples {
        let t = example["resourceType"].as_str().unwrap().to_owned();
        if refused_audit_event(&h, &t, &example).await {
            continue;
        }
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
        if refused_audit_event(&h, t, resource).await {
            continue;
        }
        let created = h.post(&format!("/fhir/{t}"), resource).await;
        assert_eq!(created.status, StatusCode::CREATED, "{t}: {}", created.text);
        let id = created.json()["id"].as_str().unwrap().to_owned();
        let read = h.get(&format!("/fhir/{t}/{id}")).await;
        assert_eq!(without_server_fields(read.json()), *resource, "{t}");
        let history = h.get(&format!("/fhir/{t}/_history")).await.json();
        assert_eq!(history["entry"].as_array().unwrap().len(), 1, "{t}");
    }
}
