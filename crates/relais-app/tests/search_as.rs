//! Searches as a person: the Bundle holds what the policy lets them see — a nurse her care
//! team's and assigned patients, a daughter what her mother shares, a patient her own record —
//! with totals and includes to match. SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use relais_access::policy::{Principal, Role};
use relais_app::access::{Caller, Identity, grants_for};
use relais_testkit::Engine;
use serde_json::Value;
use support::World;

async fn principal(world: &World, roles: &[Role], identity: Identity) -> Caller {
    let identity = Identity { roles: roles.iter().copied().collect::<BTreeSet<_>>(), ..identity };
    let grants = grants_for(world.store.as_ref(), &world.params, &identity).await.unwrap();
    Caller::new(Principal { id: "someone".into(), roles: identity.roles, grants, ..Principal::default() })
}

/// `(total, matches as Type/id, included as Type/id)` of a search as `who`.
async fn search(
    world: &World,
    who: &Caller,
    resource_type: &str,
    query: &str,
) -> (u64, Vec<String>, Vec<String>) {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())).unwrap())
        .collect();
    pairs.push(("_total".into(), "accurate".into()));
    let bundle =
        world.fhir.search_as(who, resource_type, &pairs, true, "http://relais.test/fhir").await.unwrap();
    let mut matches = Vec::new();
    let mut included = Vec::new();
    for entry in bundle["entry"].as_array().into_iter().flatten() {
        let resource = &entry["resource"];
        let name = format!(
            "{}/{}",
            resource["resourceType"].as_str().unwrap_or(""),
            resource["id"].as_str().unwrap_or("")
        );
        match entry.pointer("/search/mode").and_then(Value::as_str) {
            Some("match") => matches.push(name),
            Some("include") => included.push(name),
            _ => {}
        }
    }
    matches.sort();
    included.sort();
    (bundle["total"].as_u64().unwrap(), matches, included)
}

async fn searches_hold_only_what_may_be_seen(engine: Engine) {
    let world = World::new(engine).await;
    let nurse = principal(
        &world,
        &[Role::Nurse],
        Identity { practitioner: Some("nurse1".into()), ..Identity::default() },
    )
    .await;
    let (total, matches, included) =
        search(&world, &nurse, "Observation", "code=8867-4&_include=Observation:subject").await;
    assert_eq!(total, 2);
    assert_eq!(matches, ["Observation/o-alice", "Observation/o-dan"], "care team and assigned task");
    assert_eq!(included, ["Patient/alice", "Patient/dan"]);
    assert_eq!(search(&world, &nurse, "Observation", "subject=Patient/bob").await.0, 0, "inactive team");

    let daughter = principal(
        &world,
        &[Role::Caregiver],
        Identity { related_person: Some("daughter".into()), ..Identity::default() },
    )
    .await;
    assert_eq!(search(&world, &daughter, "Observation", "").await.1, ["Observation/o-alice"]);
    assert_eq!(search(&world, &daughter, "Condition", "").await.0, 0, "conditions are not shared");
    assert_eq!(
        search(&world, &daughter, "Patient", "").await.0,
        0,
        "the Patient resource is not shared either"
    );
    assert_eq!(search(&world, &daughter, "Task", "").await.0, 0, "queues are staff's");

    let alice = principal(
        &world,
        &[Role::Patient],
        Identity { patient: Some("alice".into()), ..Identity::default() },
    )
    .await;
    let (_, matches, _) = search(&world, &alice, "Observation", "").await;
    assert_eq!(matches, ["Observation/o-alice"]);
    let (_, patients, included) = search(&world, &alice, "Patient", "_revinclude=Condition:subject").await;
    assert_eq!(patients, ["Patient/alice"]);
    assert_eq!(included, ["Condition/c-alice"]);
    assert_eq!(search(&world, &alice, "CareTeam", "").await.0, 1, "her own care team is in her record");

    let admin = principal(&world, &[Role::Administrator], Identity::default()).await;
    assert_eq!(search(&world, &admin, "Observation", "").await.0, 0, "administrators see no clinical data");
    world.close().await;
}

async fn reads_answer_not_found_outside_what_may_be_seen(engine: Engine) {
    let world = World::new(engine).await;
    let nurse = principal(
        &world,
        &[Role::Nurse],
        Identity { practitioner: Some("nurse1".into()), ..Identity::default() },
    )
    .await;
    let status = |r: Result<_, relais_app::FhirError>| r.map(|_| 200).unwrap_or_else(|e| e.status());
    assert_eq!(status(world.fhir.read_as(&nurse, "Observation", "o-alice").await), 200);
    assert_eq!(status(world.fhir.read_as(&nurse, "Observation", "o-bob").await), 404, "not her patient");
    assert_eq!(status(world.fhir.read_as(&nurse, "Observation", "o-missing").await), 404, "alike");
    assert_eq!(status(world.fhir.read_as(&nurse, "Task", "k1").await), 200, "her open work item");
    assert_eq!(
        status(world.fhir.read_as(&nurse, "Task", "k2").await),
        404,
        "a closed item of a patient not hers: in that patient's record"
    );
    let alice = principal(
        &world,
        &[Role::Patient],
        Identity { patient: Some("alice".into()), ..Identity::default() },
    )
    .await;
    assert_eq!(status(world.fhir.read_as(&alice, "Task", "k1").await), 404, "another patient's work item");
    assert_eq!(status(world.fhir.read_as(&alice, "Practitioner", "nobody").await), 404);
    // A deletion is revealed only to who could read the resource before it.
    world.fhir.delete("Observation", "o-bob", None).await.unwrap();
    assert_eq!(status(world.fhir.read_as(&alice, "Observation", "o-bob").await), 404);
    let bob =
        principal(&world, &[Role::Patient], Identity { patient: Some("bob".into()), ..Identity::default() })
            .await;
    assert_eq!(status(world.fhir.read_as(&bob, "Observation", "o-bob").await), 410);
    world.close().await;
}

/// `(Type/id/_history/version)` entries of a history Bundle.
fn versions(bundle: &Value) -> Vec<String> {
    let mut out: Vec<String> = bundle["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let url = e["fullUrl"].as_str().unwrap().rsplit('/').take(2).collect::<Vec<_>>();
            format!("{}/{}@{}", url[1], url[0], e["response"]["etag"].as_str().unwrap())
        })
        .collect();
    out.sort();
    out
}

async fn history_shows_only_versions_that_may_be_read(engine: Engine) {
    use relais_app::{HistoryParams, HistoryScope};
    let world = World::new(engine).await;
    world.fhir.delete("Observation", "o-bob", None).await.unwrap();
    let base = "http://relais.test/fhir";
    let params = HistoryParams::default();
    let alice = principal(
        &world,
        &[Role::Patient],
        Identity { patient: Some("alice".into()), ..Identity::default() },
    )
    .await;
    let bob =
        principal(&world, &[Role::Patient], Identity { patient: Some("bob".into()), ..Identity::default() })
            .await;
    let of_type = HistoryScope::Type("Observation".into());
    let seen = versions(&world.fhir.history_as(&alice, &of_type, &params, base).await.unwrap());
    assert_eq!(seen, ["Observation/o-alice@W/\"1\""]);
    let seen = versions(&world.fhir.history_as(&bob, &of_type, &params, base).await.unwrap());
    assert_eq!(
        seen,
        ["Observation/o-bob@W/\"1\"", "Observation/o-bob@W/\"2\""],
        "his reading and its deletion"
    );
    let instance = HistoryScope::Instance("Observation".into(), "o-bob".into());
    let refused = world.fhir.history_as(&alice, &instance, &params, base).await.unwrap_err();
    assert_eq!(refused.status(), 404, "another patient's resource has no history for her");
    let everything =
        versions(&world.fhir.history_as(&alice, &HistoryScope::System, &params, base).await.unwrap());
    assert!(
        everything.iter().all(|v| !v.contains("bob") && !v.contains("carol") && !v.contains("dan")),
        "{everything:?}"
    );
    assert!(
        everything.contains(&"Patient/alice@W/\"1\"".to_owned())
            && everything.contains(&"Condition/c-alice@W/\"1\"".to_owned())
    );
    // Unrestricted (the server's own) history has them all.
    assert!(versions(&world.fhir.history(&of_type, &params, base).await.unwrap()).len() >= 5);
    world.close().await;
}

relais_testkit::engine_tests!(
    searches_hold_only_what_may_be_seen,
    reads_answer_not_found_outside_what_may_be_seen,
    history_shows_only_versions_that_may_be_read
);
