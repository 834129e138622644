//! Writes and Bundles as a person, case by case beside the matrix: moving a resource into a
//! record one may not write, a version check that must not reveal a hidden resource, conditional
//! creates that neither count nor return hidden matches, a transaction refused as a whole with
//! nothing written, a batch answering each entry, vread of a deletion, and work items that would
//! assign oneself a record. SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use relais_access::policy::{Principal, Role};
use relais_app::access::{Caller, Identity, grants_for};
use relais_app::{Prefer, WriteKind};
use relais_testkit::Engine;
use serde_json::{Value, json};
use support::{World, heart_rate};

const BASE: &str = "http://relais.test/fhir";

async fn caller(world: &World, role: Role, identity: Identity) -> Caller {
    let identity = Identity { roles: BTreeSet::from([role]), ..identity };
    let grants = grants_for(world.store.as_ref(), &world.params, &identity).await.unwrap();
    Caller::new(Principal { id: "someone".into(), roles: identity.roles, grants, ..Principal::default() })
}

/// nurse1: alice (care team) and dan (assigned task); not bob, not carol.
async fn nurse(world: &World) -> Caller {
    caller(world, Role::Nurse, Identity { practitioner: Some("nurse1".into()), ..Identity::default() }).await
}

async fn alice(world: &World) -> Caller {
    caller(world, Role::Patient, Identity { patient: Some("alice".into()), ..Identity::default() }).await
}

fn body(resource: &Value) -> Vec<u8> {
    let mut resource = resource.clone();
    resource.as_object_mut().unwrap().remove("id");
    resource.to_string().into_bytes()
}

async fn observations_of(world: &World, patient: &str) -> usize {
    let pairs = [("subject".to_owned(), format!("Patient/{patient}"))];
    let bundle = world.fhir.search("Observation", &pairs, true, BASE).await.unwrap();
    bundle["entry"].as_array().map_or(0, Vec::len)
}

async fn writes_stay_in_records_one_may_write(engine: Engine) {
    let world = World::new(engine).await;
    let (nurse, alice) = (nurse(&world).await, alice(&world).await);
    let fhir = &world.fhir;

    // A patient recording a reading for someone else: refused, with the code, nothing stored.
    let e = fhir.create_as(&alice, "Observation", &body(&heart_rate("", "bob")), None).await.unwrap_err();
    assert_eq!((e.status(), e.issues()[0].error_code), (403, "not-entitled"));
    assert_eq!(observations_of(&world, "bob").await, 1);
    // Naming her own record beside bob's (as performer) is still writing into bob's.
    let mut both = heart_rate("", "alice");
    both["performer"] = json!([{"reference": "Patient/bob"}]);
    assert_eq!(fhir.create_as(&alice, "Observation", &body(&both), None).await.unwrap_err().status(), 403);
    let created = fhir.create_as(&alice, "Observation", &body(&heart_rate("", "alice")), None).await.unwrap();
    assert_eq!(created.kind, WriteKind::Created);

    // Moving alice's reading into bob's record: refused, and the reading is still alice's.
    let moved = heart_rate("o-alice", "bob").to_string();
    let e = fhir.update_as(&nurse, "Observation", "o-alice", moved.as_bytes(), None).await.unwrap_err();
    assert_eq!(e.status(), 403);
    let stored = fhir.read("Observation", "o-alice").await.unwrap();
    assert!(stored.content.unwrap().contains("Patient/alice"));

    // Bob's reading is not there for the nurse: not found, even with a version check that
    // would otherwise say which version is current, and for a delete.
    let bobs = heart_rate("o-bob", "bob").to_string();
    for if_match in [None, Some(7)] {
        let e = fhir.update_as(&nurse, "Observation", "o-bob", bobs.as_bytes(), if_match).await.unwrap_err();
        assert_eq!(e.status(), 404, "{if_match:?}");
        assert!(!format!("{:?}", e.issues()).contains("version"), "no version revealed");
        assert_eq!(fhir.delete_as(&nurse, "Observation", "o-bob", if_match).await.unwrap_err().status(), 404);
    }
    assert_eq!(fhir.read("Observation", "o-bob").await.unwrap().version, 1, "nothing written");

    // A deletion is read only by who could read the version before it.
    fhir.delete_as(&nurse, "Observation", "o-alice", None).await.unwrap();
    let e = fhir.vread_as(&nurse, "Observation", "o-alice", "2").await.unwrap_err();
    assert_eq!(e.status(), 410);
    assert_eq!(fhir.vread_as(&nurse, "Observation", "o-alice", "1").await.unwrap().version, 1);
    fhir.delete("Observation", "o-bob", None).await.unwrap();
    assert_eq!(fhir.vread_as(&nurse, "Observation", "o-bob", "2").await.unwrap_err().status(), 404);
    assert_eq!(fhir.vread_as(&alice, "Observation", "o-bob", "1").await.unwrap_err().status(), 404);
    world.close().await;
}

async fn conditional_creates_see_only_what_may_be_seen(engine: Engine) {
    let world = World::new(engine).await;
    let (nurse, alice) = (nurse(&world).await, alice(&world).await);
    let fhir = &world.fhir;
    let with_id = |patient: &str| {
        let mut o = heart_rate("", patient);
        o["identifier"] = json!([{"system": "urn:relais:lab", "value": "L-42"}]);
        body(&o)
    };
    // Bob's reading with the identifier, in a record the nurse does not see.
    fhir.create("Observation", &with_id("bob"), None).await.unwrap();
    let condition = Some("identifier=urn:relais:lab|L-42");
    // Not "already exists" pointing at bob's: the nurse's own is created.
    let first = fhir.create_as(&nurse, "Observation", &with_id("alice"), condition).await.unwrap();
    assert_eq!(first.kind, WriteKind::Created);
    assert!(first.row.content.as_deref().unwrap().contains("Patient/alice"));
    // Now one match visible to her: that one, not "multiple matches" counting bob's.
    let again = fhir.create_as(&nurse, "Observation", &with_id("alice"), condition).await.unwrap();
    assert_eq!((again.kind, again.row.id.as_str()), (WriteKind::Existing, first.row.id.as_str()));
    // The server itself sees both.
    assert_eq!(fhir.create("Observation", &with_id("alice"), condition).await.unwrap_err().status(), 412);
    // The same inside a transaction: alice's existing one, for alice herself.
    let entry = json!({"resource": serde_json::from_slice::<Value>(&with_id("alice")).unwrap(),
        "request": {"method": "POST", "url": "Observation", "ifNoneExist": "identifier=urn:relais:lab|L-42"}});
    let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [entry]}).to_string();
    let response = fhir.bundle_as(&alice, bundle.as_bytes(), Prefer::Minimal, BASE).await.unwrap();
    assert_eq!(response["entry"][0]["response"]["status"], "200 OK");
    assert!(response["entry"][0]["response"]["location"].as_str().unwrap().contains(&first.row.id));

    // A write-only client (a device gateway: it may create Observations, read nothing) sending
    // the same message twice: the second finds the first — stored once — and learns its id,
    // not its content.
    let scopes = relais_access::scopes::Scopes::parse("system/Observation.write", |_| true).unwrap();
    let gateway =
        Caller::new(Principal { id: "gateway".into(), scopes: Some(scopes), ..Principal::default() });
    let message = |patient: &str| {
        let mut o = heart_rate("", patient);
        o["identifier"] = json!([{"system": "urn:relais:gateway", "value": "M-7"}]);
        body(&o)
    };
    let sent = Some("identifier=urn:relais:gateway|M-7");
    let stored = fhir.create_as(&gateway, "Observation", &message("carol"), sent).await.unwrap();
    assert_eq!(stored.kind, WriteKind::Created);
    let e = fhir.read_as(&gateway, "Observation", &stored.row.id).await.unwrap_err();
    assert!(matches!(e.status(), 403 | 404), "the gateway may not read what it wrote");
    let again = fhir.create_as(&gateway, "Observation", &message("carol"), sent).await.unwrap();
    assert_eq!((again.kind, again.row.id.as_str()), (WriteKind::ExistingHidden, stored.row.id.as_str()));
    assert_eq!(observations_of(&world, "carol").await, 2, "carol's reading and the gateway's one");
    // A person who could not have written it is not told of it: alice's is created beside.
    let alices = fhir.create_as(&alice, "Observation", &message("alice"), sent).await.unwrap();
    assert_eq!(alices.kind, WriteKind::Created);
    world.close().await;
}

async fn bundles_decide_each_entry(engine: Engine) {
    let world = World::new(engine).await;
    let nurse = nurse(&world).await;
    let fhir = &world.fhir;
    let post = |patient: &str| {
        json!({"resource": serde_json::from_slice::<Value>(&body(&heart_rate("", patient))).unwrap(),
            "request": {"method": "POST", "url": "Observation"}})
    };
    let get = |id: &str| json!({"request": {"method": "GET", "url": format!("Observation/{id}")}});
    let entries = json!([post("alice"), post("bob"), get("o-dan"), get("o-carol")]);

    let batch = json!({"resourceType": "Bundle", "type": "batch", "entry": entries}).to_string();
    let response = fhir.bundle_as(&nurse, batch.as_bytes(), Prefer::Minimal, BASE).await.unwrap();
    let statuses: Vec<&str> = response["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["response"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["201 Created", "403 Forbidden", "200 OK", "404 Not Found"]);
    let hidden = response["entry"][3].to_string();
    assert!(!hidden.contains("Patient/carol") && !hidden.contains("valueQuantity"), "{hidden}");
    assert_eq!((observations_of(&world, "alice").await, observations_of(&world, "bob").await), (2, 1));

    // The same as a transaction: refused as a whole, the refused entry named, nothing written.
    let transaction = json!({"resourceType": "Bundle", "type": "transaction", "entry": entries}).to_string();
    let e = fhir.bundle_as(&nurse, transaction.as_bytes(), Prefer::Minimal, BASE).await.unwrap_err();
    assert_eq!(e.status(), 403);
    let issue = &e.issues()[0];
    assert_eq!((issue.error_code, issue.expression.as_deref()), ("not-entitled", Some("Bundle.entry[1]")));
    assert_eq!(observations_of(&world, "alice").await, 2, "alice's entry was not written either");
    // A hidden read in a transaction fails it as not found, naming the entry and nothing more.
    let transaction = json!({"resourceType": "Bundle", "type": "transaction",
        "entry": [post("alice"), get("o-carol")]})
    .to_string();
    let e = fhir.bundle_as(&nurse, transaction.as_bytes(), Prefer::Minimal, BASE).await.unwrap_err();
    assert_eq!(e.status(), 404);
    assert!(e.issues()[0].diagnostics.starts_with("Bundle.entry[1]"), "{:?}", e.issues());
    assert_eq!(observations_of(&world, "alice").await, 2);
    world.close().await;
}

async fn work_items_do_not_open_records_one_has_no_grant_on(engine: Engine) {
    let world = World::new(engine).await;
    let nurse = nurse(&world).await;
    let fhir = &world.fhir;
    let me = Identity {
        roles: BTreeSet::from([Role::Nurse]),
        practitioner: Some("nurse1".into()),
        ..Identity::default()
    };
    let patients = |grants: Vec<relais_access::policy::Grant>| -> BTreeSet<String> {
        grants.into_iter().map(|g| g.patient).collect()
    };
    // Assigning herself bob's chart by creating a work item: refused, and she still has no grant.
    let mine_for_bob = support::task("", "bob", "nurse1", "in-progress");
    let e = fhir.create_as(&nurse, "Task", &body(&mine_for_bob), None).await.unwrap_err();
    assert_eq!((e.status(), e.issues()[0].error_code), (403, "not-entitled"));
    let grants = grants_for(world.store.as_ref(), &world.params, &me).await.unwrap();
    assert!(!patients(grants).contains("bob"));
    // A work item for a patient she cares for is hers to create.
    let for_alice = support::task("", "alice", "nurse2", "requested");
    assert_eq!(
        fhir.create_as(&nurse, "Task", &body(&for_alice), None).await.unwrap().kind,
        WriteKind::Created
    );
    // An item nobody owns for a patient she has no grant on is in that patient's record: she
    // cannot see it, so cannot take it.
    let mut stray = support::task("stray-bob", "bob", "x", "requested");
    stray.as_object_mut().unwrap().remove("owner");
    support::put(fhir, stray.clone()).await;
    stray["owner"] = json!({"reference": "Practitioner/nurse1"});
    let e =
        fhir.update_as(&nurse, "Task", "stray-bob", stray.to_string().as_bytes(), None).await.unwrap_err();
    assert_eq!(e.status(), 404);
    // An item waiting in the queue of the organisation she works for is hers to take, and
    // taking it opens bob's record.
    support::put(
        fhir,
        json!({"resourceType": "PractitionerRole", "id": "nurse1-clinic", "active": true,
               "practitioner": {"reference": "Practitioner/nurse1"},
               "organization": {"reference": "Organization/clinic"}}),
    )
    .await;
    let mut queued = support::task("q-bob", "bob", "x", "requested");
    queued["owner"] = json!({"reference": "Organization/clinic"});
    support::put(fhir, queued.clone()).await;
    let grants = grants_for(world.store.as_ref(), &world.params, &me).await.unwrap();
    let queue_grants: Vec<_> = grants.iter().filter(|g| g.patient == "bob").collect();
    assert!(!queue_grants.is_empty(), "the queued item is open to her");
    assert!(
        queue_grants.iter().all(|g| g.resource_types.is_some()),
        "waiting in her queue shows the item and whom it is for, not the whole record"
    );
    let nurse = self::nurse(&world).await;
    let e = fhir.read_as(&nurse, "Observation", "o-bob").await.unwrap_err();
    assert_eq!(e.status(), 404, "the rest of bob's record stays closed before she takes it");
    queued["owner"] = json!({"reference": "Practitioner/nurse1"});
    let taken = fhir.update_as(&nurse, "Task", "q-bob", queued.to_string().as_bytes(), None).await.unwrap();
    assert_eq!(taken.kind, WriteKind::Updated);
    let grants = grants_for(world.store.as_ref(), &world.params, &me).await.unwrap();
    assert!(grants.iter().any(|g| g.patient == "bob" && g.resource_types.is_none()), "now assigned to her");
    // Moving it to carol, whose record she has no grant on, is not.
    queued["for"] = json!({"reference": "Patient/carol"});
    let e = fhir.update_as(&nurse, "Task", "q-bob", queued.to_string().as_bytes(), None).await.unwrap_err();
    assert_eq!(e.status(), 403);
    world.close().await;
}

async fn token_scopes_narrow_writes(engine: Engine) {
    let world = World::new(engine).await;
    let fhir = &world.fhir;
    let scopes = |text: &str| Some(relais_access::scopes::Scopes::parse(text, |_| true).unwrap());
    // A device gateway acting on its own: its scopes alone decide, in any record.
    let gateway = |text: &str| {
        Caller::new(Principal { id: "gateway".into(), scopes: scopes(text), ..Principal::default() })
    };
    let reading = body(&heart_rate("", "bob"));
    let e =
        fhir.create_as(&gateway("system/Observation.read"), "Observation", &reading, None).await.unwrap_err();
    assert_eq!((e.status(), e.issues()[0].error_code), (403, "insufficient-scope"));
    let written =
        fhir.create_as(&gateway("system/Observation.write"), "Observation", &reading, None).await.unwrap();
    assert_eq!(written.kind, WriteKind::Created);
    assert_eq!(
        fhir.create_as(
            &gateway("system/Observation.write"),
            "Condition",
            &body(&json!({"resourceType": "Condition", "subject": {"reference": "Patient/bob"}})),
            None
        )
        .await
        .unwrap_err()
        .status(),
        403
    );
    // A nurse whose app holds only read scopes writes nothing, even in her care team's record.
    let mut nurse = nurse(&world).await;
    nurse.principal.scopes = scopes("user/*.read");
    let e = fhir.create_as(&nurse, "Observation", &body(&heart_rate("", "alice")), None).await.unwrap_err();
    assert_eq!(e.status(), 403);
    world.close().await;
}

relais_testkit::engine_tests!(
    token_scopes_narrow_writes,
    work_items_do_not_open_records_one_has_no_grant_on,
    writes_stay_in_records_one_may_write,
    conditional_creates_see_only_what_may_be_seen,
    bundles_decide_each_entry
);
