//! A device's grant: it creates Observations in its patient's record and reads one by id; it
//! searches, changes and deletes nothing, writes no other type and no other patient's record;
//! and a person (any role) holding a device grant gets nothing from it.

use std::collections::BTreeSet;

use jiff::Timestamp;

use super::*;

fn device_grant(patient: &str) -> Grant {
    Grant {
        patient: patient.into(),
        basis: Basis::Device,
        resource_types: Some(BTreeSet::from(["Observation".to_owned()])),
        write: true,
        expires: None,
        only: None,
    }
}

fn device(grants: Vec<Grant>) -> Principal {
    Principal { id: "device:scale-1".into(), roles: BTreeSet::new(), grants, scopes: None }
}

#[test]
fn a_device_writes_readings_for_its_patient_only() {
    let now: Timestamp = "2026-11-26T10:00:00Z".parse().unwrap();
    let alice = vec!["alice".to_owned()];
    let bob = vec!["bob".to_owned()];
    let scale = device(vec![device_grant("alice")]);
    let on = |resource_type, patients: &[String], action| {
        decide(&scale, action, &Target { resource_type, in_compartment: true, patients, id: None }, now)
    };
    let allowed = Decision::Allow { basis: Some(Basis::Device), flagged: false };
    let hidden = Decision::Deny(Denied::NotEntitled);
    let cases = [
        ("creates alice's reading", on("Observation", &alice, Action::Create), allowed),
        ("reads a reading by id (its retransmission)", on("Observation", &alice, Action::Read), allowed),
        ("no update", on("Observation", &alice, Action::Update), hidden),
        ("no delete", on("Observation", &alice, Action::Delete), hidden),
        ("no search", on("Observation", &alice, Action::Search), hidden),
        ("no other type", on("Condition", &alice, Action::Create), hidden),
        ("no other patient", on("Observation", &bob, Action::Create), hidden),
    ];
    for (case, got, want) in cases {
        assert_eq!(got, want, "{case}");
    }
    let unattached = Target { resource_type: "Observation", in_compartment: true, patients: &[], id: None };
    assert_eq!(decide(&scale, Action::Create, &unattached, now), Decision::Deny(Denied::RoleForbids));
    let practitioner =
        Target { resource_type: "Practitioner", in_compartment: false, patients: &[], id: None };
    assert_eq!(decide(&scale, Action::Read, &practitioner, now), Decision::Deny(Denied::RoleForbids));
    assert_eq!(
        search_scope(&scale, "Observation", true, now),
        Scope::Patients { ids: BTreeSet::new(), unattached: false, resources: BTreeSet::new() },
        "a device's search finds nothing"
    );
}

#[test]
fn a_person_holding_a_device_grant_gets_nothing_from_it() {
    let now: Timestamp = "2026-11-26T10:00:00Z".parse().unwrap();
    let alice = vec!["alice".to_owned()];
    let target = Target { resource_type: "Observation", in_compartment: true, patients: &alice, id: None };
    for role in [Role::Nurse, Role::Patient, Role::Caregiver, Role::Administrator] {
        let person = Principal {
            id: "u".into(),
            roles: BTreeSet::from([role]),
            grants: vec![device_grant("alice")],
            scopes: None,
        };
        assert_eq!(
            decide(&person, Action::Create, &target, now),
            Decision::Deny(Denied::NotEntitled),
            "{role:?}"
        );
    }
}
