//! The grants a person holds, read from a real record on SQLite and PostgreSQL: care teams,
//! assigned tasks, a caregiver's share, and what gives nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use relais_access::policy::{Basis, Grant, Role};
use relais_app::FhirError;
use relais_app::access::{Caller, Identity, grants_for, principal_for_account};
use relais_store::{AccountRole, NewAccount};
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

/// A caregiver account linked to its RelatedPerson (`accounts.related_person_id`, migration 0011)
/// gets, through `principal_for_account`, what the patient's Consent shares with that person:
/// the daughter reads her mother's Observation, not her Condition (not shared) nor another
/// patient's Observation, and a search finds only the shared one.
async fn a_caregiver_account_reads_what_is_shared_with_its_related_person(engine: Engine) {
    let world = World::new(engine).await;
    let account = NewAccount {
        id: "acct-daughter".into(),
        email: "fille@example.org".into(),
        display_name: "Fille".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$hash".into(),
        organisation: None,
        practitioner_id: None,
        patient_id: None,
        related_person_id: Some("daughter".into()),
        locale: None,
        roles: vec![AccountRole { role: "caregiver".into(), specialty: None }],
        created_at: "2026-11-01T00:00:00Z".parse().unwrap(),
    };
    world.store.create_account(&account).await.unwrap();
    let stored = world.store.account_by_id("acct-daughter").await.unwrap().unwrap();
    let now = "2026-11-26T10:00:00Z".parse().unwrap();
    let principal = principal_for_account(world.store.as_ref(), &world.params, &stored, now).await.unwrap();
    assert_eq!(principal.grants.len(), 1, "{:?}", principal.grants);
    let caller = Caller::new(principal);

    let read = world.fhir.read_as(&caller, "Observation", "o-alice").await.unwrap();
    assert_eq!(read.id, "o-alice");
    for (kind, id) in [("Condition", "c-alice"), ("Observation", "o-bob"), ("Patient", "bob")] {
        let refused = world.fhir.read_as(&caller, kind, id).await.unwrap_err();
        assert!(matches!(refused, FhirError::NotFound(_)), "{kind}/{id}: {refused:?}");
    }
    let pairs = vec![("code".to_owned(), "8867-4".to_owned())];
    let bundle =
        world.fhir.search_as(&caller, "Observation", &pairs, true, "http://relais.test/fhir").await.unwrap();
    let found: Vec<&str> = bundle["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e.pointer("/resource/id").and_then(serde_json::Value::as_str))
        .collect();
    assert_eq!(found, ["o-alice"]);

    // Without the link (as before migration 0011) the same account sees nothing.
    let unlinked = relais_store::Account { related_person_id: None, ..stored };
    let principal = principal_for_account(world.store.as_ref(), &world.params, &unlinked, now).await.unwrap();
    assert!(principal.grants.is_empty());
    world.close().await;
}

relais_testkit::engine_tests!(
    grants_are_read_from_the_record,
    a_caregiver_account_reads_what_is_shared_with_its_related_person,
);
