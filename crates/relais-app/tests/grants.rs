//! The grants a person holds, read from a real record on SQLite and PostgreSQL: care teams,
//! assigned tasks, a caregiver's share, and what gives nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::sync::Arc;

use relais_access::policy::{Basis, Grant, Role};
use relais_app::Fhir;
use relais_app::access::{Identity, grants_for};
use relais_core::{FixedClock, SequentialIds};
use relais_fhir::SchemaValidator;
use relais_fhir::search::SearchParams;
use relais_store::StoreOptions;
use relais_testkit::{Engine, TestDb};
use serde_json::{Value, json};

async fn put(fhir: &Fhir, resource: Value) {
    let kind = resource["resourceType"].as_str().unwrap().to_owned();
    let id = resource["id"].as_str().unwrap().to_owned();
    fhir.update(&kind, &id, resource.to_string().as_bytes(), None).await.unwrap();
}

fn patient(id: &str) -> Value {
    json!({"resourceType": "Patient", "id": id})
}

fn care_team(id: &str, patient: &str, member: &str, status: &str) -> Value {
    json!({"resourceType": "CareTeam", "id": id, "status": status,
        "subject": {"reference": format!("Patient/{patient}")},
        "participant": [{"member": {"reference": format!("Practitioner/{member}")}}]})
}

fn task(id: &str, patient: &str, owner: &str, status: &str) -> Value {
    json!({"resourceType": "Task", "id": id, "status": status, "intent": "order",
        "for": {"reference": format!("Patient/{patient}")},
        "owner": {"reference": format!("Practitioner/{owner}")}})
}

fn share(id: &str, patient: &str, caregiver: &str, status: &str, types: &[&str]) -> Value {
    let classes: Vec<Value> =
        types.iter().map(|t| json!({"system": "http://hl7.org/fhir/resource-types", "code": t})).collect();
    json!({"resourceType": "Consent", "id": id, "status": status,
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": format!("Patient/{patient}")},
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
        "provision": {"type": "permit", "period": {"end": "2027-01-01T00:00:00Z"},
            "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "CAREGIVER"}]},
                "reference": {"reference": format!("RelatedPerson/{caregiver}")}}],
            "class": classes}})
}

fn sorted(mut grants: Vec<Grant>) -> Vec<(String, Basis, Option<Vec<String>>, bool)> {
    grants.sort_by(|a, b| (&a.patient, a.basis).cmp(&(&b.patient, b.basis)));
    grants
        .into_iter()
        .map(|g| (g.patient, g.basis, g.resource_types.map(|t| t.into_iter().collect()), g.write))
        .collect()
}

async fn grants_are_read_from_the_record(engine: Engine) {
    let db = TestDb::new(engine).await;
    let store = relais_store::open(db.url(), &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let schema = SchemaValidator::shared().unwrap();
    let params = SearchParams::shared(schema.resource_types()).unwrap();
    let clock = Arc::new(FixedClock::new("2026-11-26T10:00:00Z".parse().unwrap()));
    let fhir = Fhir::new(store.clone(), schema, params.clone(), clock, Arc::new(SequentialIds::new("x")));
    for p in ["alice", "bob", "carol", "dan"] {
        put(&fhir, patient(p)).await;
    }
    put(&fhir, care_team("t1", "alice", "nurse1", "active")).await;
    put(&fhir, care_team("t2", "bob", "nurse1", "inactive")).await;
    put(&fhir, care_team("t3", "carol", "nurse2", "active")).await;
    put(&fhir, task("k1", "dan", "nurse1", "in-progress")).await;
    put(&fhir, task("k2", "carol", "nurse1", "completed")).await;
    put(
        &fhir,
        json!({"resourceType": "RelatedPerson", "id": "daughter", "patient": {"reference": "Patient/alice"}}),
    )
    .await;
    put(&fhir, json!({"resourceType": "RelatedPerson", "id": "neighbour", "patient": {"reference": "Patient/alice"}})).await;
    put(&fhir, share("s1", "alice", "daughter", "active", &["Appointment", "Observation"])).await;
    put(&fhir, share("s2", "alice", "neighbour", "inactive", &[])).await;

    let nurse = Identity {
        roles: BTreeSet::from([Role::Nurse]),
        practitioner: Some("nurse1".into()),
        ..Identity::default()
    };
    assert_eq!(
        sorted(grants_for(store.as_ref(), &params, &nurse).await.unwrap()),
        [("alice".into(), Basis::CareTeam, None, true), ("dan".into(), Basis::Assignment, None, true)],
        "active care team and open task only"
    );
    let daughter = Identity {
        roles: BTreeSet::from([Role::Caregiver]),
        related_person: Some("daughter".into()),
        ..Identity::default()
    };
    let shared = grants_for(store.as_ref(), &params, &daughter).await.unwrap();
    assert_eq!(
        sorted(shared.clone()),
        [("alice".into(), Basis::Caregiver, Some(vec!["Appointment".into(), "Observation".into()]), false)]
    );
    assert_eq!(shared[0].expires, Some("2027-01-01T00:00:00Z".parse().unwrap()));
    let neighbour = Identity { related_person: Some("neighbour".into()), ..daughter.clone() };
    assert!(grants_for(store.as_ref(), &params, &neighbour).await.unwrap().is_empty(), "withdrawn share");
    let stranger = Identity { related_person: Some("nobody".into()), ..daughter };
    assert!(grants_for(store.as_ref(), &params, &stranger).await.unwrap().is_empty());
    let alice = Identity {
        roles: BTreeSet::from([Role::Patient]),
        patient: Some("alice".into()),
        ..Identity::default()
    };
    assert_eq!(
        sorted(grants_for(store.as_ref(), &params, &alice).await.unwrap()),
        [("alice".into(), Basis::OwnRecord, None, true)]
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_are_read_from_the_record_sqlite() {
    grants_are_read_from_the_record(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_are_read_from_the_record_postgres() {
    grants_are_read_from_the_record(Engine::Postgres).await;
}
