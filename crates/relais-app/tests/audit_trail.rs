//! Every access through the use cases is on the audit trail when the answer comes back: reads,
//! searches and histories, allowed, refused or failed, one record per patient whose record was
//! concerned, with who, from where, why, the query, break-the-glass and caregiver footing; many
//! concurrent requests form one verified chain. SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use relais_access::audit::{AuditRecord, Outcome, verify};
use relais_access::policy::{Principal, Role, break_glass};
use relais_app::access::{Caller, Identity, grants_for};
use relais_testkit::Engine;
use support::World;

const BASE: &str = "http://relais.test/fhir";

async fn caller(world: &World, id: &str, roles: &[Role], identity: Identity) -> Caller {
    let identity = Identity { roles: roles.iter().copied().collect::<BTreeSet<_>>(), ..identity };
    let grants = grants_for(world.store.as_ref(), &world.params, &identity).await.unwrap();
    Caller {
        principal: Principal { id: id.into(), roles: identity.roles, grants, ..Principal::default() },
        address: Some("198.51.100.7".into()),
        purpose: Some("TREAT".into()),
    }
}

async fn nurse1(world: &World) -> Caller {
    caller(
        world,
        "nurse-1",
        &[Role::Nurse],
        Identity { practitioner: Some("nurse1".into()), ..Identity::default() },
    )
    .await
}

/// The records written since `after` (a seq), in order.
async fn since(world: &World, after: u64) -> Vec<AuditRecord> {
    world.store.audit_records(after, 10_000).await.unwrap()
}

async fn head(world: &World) -> u64 {
    world.store.audit_head().await.unwrap().map_or(0, |h| h.0)
}

/// `(action, outcome, patient, resource)` of a record.
type Row = (String, Outcome, Option<String>, Option<String>);

/// The [`Row`]s of records, for compact assertions.
fn summary(records: &[AuditRecord]) -> Vec<Row> {
    records
        .iter()
        .map(|r| {
            let resource = r.resource_type.as_ref().map(|t| match &r.resource_id {
                Some(id) => format!("{t}/{id}"),
                None => t.clone(),
            });
            (r.action.clone(), r.outcome, r.patient_id.clone(), resource)
        })
        .collect()
}

fn row(
    action: &str,
    outcome: Outcome,
    patient: Option<&str>,
    resource: &str,
) -> (String, Outcome, Option<String>, Option<String>) {
    (action.into(), outcome, patient.map(str::to_owned), Some(resource.into()))
}

fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

async fn reads_are_recorded_allowed_refused_or_failed(engine: Engine) {
    let world = World::new(engine).await;
    assert_eq!(head(&world).await, 0, "writes by the server itself are not accesses");
    let nurse = nurse1(&world).await;
    world.fhir.read_as(&nurse, "Observation", "o-alice").await.unwrap();
    let records = since(&world, 0).await;
    assert_eq!(summary(&records), [row("read", Outcome::Success, Some("alice"), "Observation/o-alice")]);
    let r = &records[0];
    assert_eq!(
        (
            r.actor.as_str(),
            r.source_address.as_deref(),
            r.purpose.as_deref(),
            r.break_glass,
            r.on_behalf_of.as_deref()
        ),
        ("nurse-1", Some("198.51.100.7"), Some("TREAT"), false, None),
        "who, from where, why"
    );
    assert_eq!(world.fhir.read_as(&nurse, "Observation", "o-bob").await.unwrap_err().status(), 404);
    assert_eq!(world.fhir.read_as(&nurse, "Observation", "o-missing").await.unwrap_err().status(), 404);
    let alice = caller(
        &world,
        "alice-account",
        &[Role::Patient],
        Identity { patient: Some("alice".into()), ..Identity::default() },
    )
    .await;
    // Another patient's work item is in that patient's record: not found, as any of it.
    assert_eq!(world.fhir.read_as(&alice, "Task", "k1").await.unwrap_err().status(), 404);
    assert_eq!(
        summary(&since(&world, 1).await),
        [
            row("read", Outcome::Denied, Some("bob"), "Observation/o-bob"),
            row("read", Outcome::Failed, None, "Observation/o-missing"),
            row("read", Outcome::Denied, Some("dan"), "Task/k1"),
        ],
        "a refusal is recorded against the record it protected; a missing resource or a queue item concerns nobody"
    );
    // A deletion: refused to who could not read it before, told to who could.
    world.fhir.delete("Observation", "o-bob", None).await.unwrap();
    let bob = caller(
        &world,
        "bob-account",
        &[Role::Patient],
        Identity { patient: Some("bob".into()), ..Identity::default() },
    )
    .await;
    assert_eq!(world.fhir.read_as(&bob, "Observation", "o-bob").await.unwrap_err().status(), 410);
    assert_eq!(
        summary(&since(&world, 4).await),
        [row("read", Outcome::Success, Some("bob"), "Observation/o-bob")]
    );
    assert_eq!(verify(since(&world, 0).await), Ok(5));
    world.close().await;
}

async fn searches_record_each_patient_returned_and_the_query(engine: Engine) {
    let world = World::new(engine).await;
    let nurse = nurse1(&world).await;
    let query = pairs("code=8867-4&_include=Observation:subject");
    world.fhir.search_as(&nurse, "Observation", &query, true, BASE).await.unwrap();
    let records = since(&world, 0).await;
    assert_eq!(
        summary(&records),
        [
            row("search", Outcome::Success, Some("alice"), "Observation"),
            row("search", Outcome::Success, Some("dan"), "Observation")
        ],
        "one record per patient whose data was returned, matches and includes"
    );
    assert!(records.iter().all(|r| r.query.as_deref() == Some("code=8867-4&_include=Observation:subject")));
    world.fhir.search_as(&nurse, "Observation", &pairs("subject=Patient/bob"), true, BASE).await.unwrap();
    world.fhir.search_as(&nurse, "Observation", &pairs("_summary=count"), true, BASE).await.unwrap();
    let records = since(&world, 2).await;
    assert_eq!(
        summary(&records),
        [
            row("search", Outcome::Success, None, "Observation"),
            row("search", Outcome::Success, None, "Observation")
        ],
        "a search returning no one's data, or only a count, is still one record"
    );
    assert_eq!(
        records[0].query.as_deref(),
        Some("subject=Patient/bob"),
        "the query is kept, even when nothing matched"
    );
    // A patient searching the audit trail is refused by role: recorded as denied.
    let alice = caller(
        &world,
        "alice-account",
        &[Role::Patient],
        Identity { patient: Some("alice".into()), ..Identity::default() },
    )
    .await;
    world.fhir.search_as(&alice, "AuditEvent", &[], true, BASE).await.unwrap_err();
    assert_eq!(summary(&since(&world, 4).await), [row("search", Outcome::Denied, None, "AuditEvent")]);
    // A malformed search fails, and is recorded as failed.
    world.fhir.search_as(&nurse, "Observation", &pairs("date=yesterday"), true, BASE).await.unwrap_err();
    assert_eq!(summary(&since(&world, 5).await), [row("search", Outcome::Failed, None, "Observation")]);
    world.close().await;
}

async fn history_is_recorded_like_a_read(engine: Engine) {
    let world = World::new(engine).await;
    let nurse = nurse1(&world).await;
    let instance = |id: &str| relais_app::HistoryScope::Instance("Observation".into(), id.into());
    let params = relais_app::HistoryParams::default();
    world.fhir.history_as(&nurse, &instance("o-alice"), &params, BASE).await.unwrap();
    assert_eq!(
        world.fhir.history_as(&nurse, &instance("o-bob"), &params, BASE).await.unwrap_err().status(),
        404
    );
    world
        .fhir
        .history_as(&nurse, &relais_app::HistoryScope::Type("Observation".into()), &params, BASE)
        .await
        .unwrap();
    let records = since(&world, 0).await;
    assert_eq!(
        summary(&records),
        [
            row("history", Outcome::Success, Some("alice"), "Observation/o-alice"),
            row("history", Outcome::Denied, Some("bob"), "Observation/o-bob"),
            row("history", Outcome::Success, Some("alice"), "Observation"),
            row("history", Outcome::Success, Some("dan"), "Observation"),
        ]
    );
    world.close().await;
}

async fn break_the_glass_and_caregiver_footing_are_recorded(engine: Engine) {
    let world = World::new(engine).await;
    let mut nurse = nurse1(&world).await;
    let now = "2026-11-26T10:00:00Z".parse().unwrap();
    let glass = break_glass(
        &nurse.principal,
        "bob",
        "chest pain, unconscious",
        now,
        jiff::SignedDuration::from_hours(2),
    )
    .unwrap();
    nurse.principal.grants.push(glass);
    world.fhir.read_as(&nurse, "Observation", "o-bob").await.unwrap();
    world.fhir.search_as(&nurse, "Observation", &pairs("code=8867-4"), true, BASE).await.unwrap();
    let records = since(&world, 0).await;
    let flags: Vec<(Option<&str>, bool)> =
        records.iter().map(|r| (r.patient_id.as_deref(), r.break_glass)).collect();
    assert_eq!(
        flags,
        [(Some("bob"), true), (Some("alice"), false), (Some("bob"), true), (Some("dan"), false)],
        "only the record reached by breaking the glass is flagged"
    );
    let daughter = caller(
        &world,
        "daughter-account",
        &[Role::Caregiver],
        Identity { related_person: Some("daughter".into()), ..Identity::default() },
    )
    .await;
    world.fhir.read_as(&daughter, "Observation", "o-alice").await.unwrap();
    let last = since(&world, 4).await.remove(0);
    assert_eq!(
        (last.actor.as_str(), last.on_behalf_of.as_deref(), last.patient_id.as_deref()),
        ("daughter-account", Some("Patient/alice"), Some("alice")),
        "a caregiver acts on the patient's behalf"
    );
    world.close().await;
}

/// 48 reads at once from 8 tasks: each answered read is already on the trail, every one is
/// there once, and the chain verifies.
async fn concurrent_accesses_form_one_verified_chain(engine: Engine) {
    let world = World::new(engine).await;
    let nurse = nurse1(&world).await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let (fhir, store, nurse) = (world.fhir.clone(), world.store.clone(), nurse.clone());
        tasks.push(tokio::spawn(async move {
            for k in 0..6 {
                let id = if (t + k) % 2 == 0 { "o-alice" } else { "o-dan" };
                let mut who = nurse.clone();
                who.purpose = Some(format!("task-{t}-{k}"));
                fhir.read_as(&who, "Observation", id).await.unwrap();
                let mine = store
                    .audit_search(&relais_store::AuditQuery {
                        agent: Some("nurse-1".into()),
                        limit: 100,
                        ..Default::default()
                    })
                    .await
                    .unwrap();
                assert!(
                    mine.iter().any(|r| r.purpose.as_deref() == Some(format!("task-{t}-{k}").as_str())),
                    "durable before the answer"
                );
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let records = since(&world, 0).await;
    assert_eq!(records.len(), 48);
    let purposes: BTreeSet<_> = records.iter().filter_map(|r| r.purpose.clone()).collect();
    assert_eq!(purposes.len(), 48, "each read recorded once");
    assert_eq!(verify(records), Ok(48));
    world.close().await;
}

relais_testkit::engine_tests!(
    reads_are_recorded_allowed_refused_or_failed,
    searches_record_each_patient_returned_and_the_query,
    history_is_recorded_like_a_read,
    break_the_glass_and_caregiver_footing_are_recorded,
    concurrent_accesses_form_one_verified_chain,
);
