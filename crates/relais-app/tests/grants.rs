//! The grants a person holds, read from a real record on SQLite and PostgreSQL: care teams,
//! assigned tasks, a caregiver's share, and what gives nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use relais_access::policy::{Basis, Grant, Role};
use relais_app::access::{Identity, grants_for};
use relais_testkit::Engine;
use support::World;

fn sorted(mut grants: Vec<Grant>) -> Vec<(String, Basis, Option<Vec<String>>, bool)> {
    grants.sort_by(|a, b| (&a.patient, a.basis).cmp(&(&b.patient, b.basis)));
    grants
        .into_iter()
        .map(|g| (g.patient, g.basis, g.resource_types.map(|t| t.into_iter().collect()), g.write))
        .collect()
}

async fn grants_are_read_from_the_record(engine: Engine) {
    let world = World::new(engine).await;
    let (store, params) = (world.store.clone(), world.params.clone());

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
    world.close().await;
}

relais_testkit::engine_tests!(grants_are_read_from_the_record);
