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
