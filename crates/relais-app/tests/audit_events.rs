//! The trail read back: the privacy officer searches and reads it as FHIR AuditEvents (by
//! patient, agent, action, outcome and date, newest first, page by page), nobody else may; a
//! patient sees who accessed their record; and when the trail cannot be written, no data is
//! answered. SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use relais_access::audit::action;
use relais_access::policy::{Principal, Role};
use relais_app::access::{Caller, Identity, grants_for};
use relais_fhir::SchemaValidator;
use relais_store::{AccountRole, NewAccount};
use relais_testkit::Engine;
use serde_json::Value;
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

async fn nurse(world: &World) -> Caller {
    let identity = Identity { practitioner: Some("nurse1".into()), ..Identity::default() };
    caller(world, "acct-nurse-1", &[Role::Nurse], identity).await
}

async fn patient(world: &World, id: &str) -> Caller {
    caller(
        world,
        &format!("acct-{id}"),
        &[Role::Patient],
        Identity { patient: Some(id.into()), ..Identity::default() },
    )
    .await
}

fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_owned(), v.replace("%3A", ":"))
        })
        .collect()
}

/// The ids of a searchset's AuditEvents, in order, and its next link's query if any.
fn ids_and_next(bundle: &Value) -> (Vec<u64>, Option<String>) {
    let ids = bundle["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["search"]["mode"] == "match")
        .map(|e| e["resource"]["id"].as_str().unwrap().parse().unwrap())
        .collect();
    let next = bundle["link"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["relation"] == "next")
        .map(|l| l["url"].as_str().unwrap().split_once('?').unwrap().1.to_owned());
    (ids, next)
}

/// Four accesses: the nurse reads Alice's reading (1) and is refused Bob's (2), searches
/// readings (3: Alice, 4: Dan), and Alice reads her own reading (5).
async fn some_accesses(world: &World) {
    let nurse = nurse(world).await;
    world.fhir.read_as(&nurse, "Observation", "o-alice").await.unwrap();
    world.fhir.read_as(&nurse, "Observation", "o-bob").await.unwrap_err();
    world.fhir.search_as(&nurse, "Observation", &pairs("code=8867-4"), true, BASE).await.unwrap();
    let alice = patient(world, "alice").await;
    world.fhir.read_as(&alice, "Observation", "o-alice").await.unwrap();
}

async fn the_privacy_officer_searches_the_trail_as_audit_events(engine: Engine) {
    let world = World::new(engine).await;
    some_accesses(&world).await;
    let officer = caller(&world, "acct-po", &[Role::PrivacyOfficer], Identity::default()).await;
    let search = |q: &'static str| {
        let (fhir, officer) = (world.fhir.clone(), officer.clone());
        async move { fhir.search_as(&officer, "AuditEvent", &pairs(q), true, BASE).await.unwrap() }
    };
    let all = search("").await;
    assert_eq!(ids_and_next(&all).0, [5, 4, 3, 2, 1], "every record, newest first");
    let schema = SchemaValidator::shared().unwrap();
    for entry in all["entry"].as_array().unwrap() {
        assert_eq!(schema.check(&entry["resource"]), Ok(()), "a valid R4 AuditEvent");
    }
    assert_eq!(all["entry"][3]["resource"]["outcome"], "4", "record 2 was refused");
    assert_eq!(ids_and_next(&search("patient=Patient/bob").await).0, [2]);
    assert_eq!(ids_and_next(&search("patient=alice").await).0, [5, 3, 1]);
    assert_eq!(ids_and_next(&search("agent=acct-nurse-1").await).0, [4, 3, 2, 1]);
    // The officer's own searches are on the trail too (E, success, about no patient).
    assert_eq!(
        ids_and_next(&search("action=E&agent=acct-nurse-1").await).0,
        [4, 3],
        "searches are E(xecute)"
    );
    assert_eq!(ids_and_next(&search("action=R&outcome=0").await).0, [5, 1]);
    assert_eq!(ids_and_next(&search("outcome=4").await).0, [2]);
    // The clock is fixed at 2026-11-26T10:00:00Z.
    assert_eq!(ids_and_next(&search("date=2026-11-26&agent=acct-nurse-1").await).0.len(), 4);
    assert!(ids_and_next(&search("date=lt2026-11-26").await).0.is_empty());
    assert!(ids_and_next(&search("date=gt2026-11-26T10:00:00Z").await).0.is_empty());
    let searches_so_far = world.store.audit_head().await.unwrap().unwrap().0;
    assert_eq!(searches_so_far, 5 + 10, "each search of the trail is itself on it");
    // Pages of two, following next links, newest first, each record once.
    let (first, mut next) = ids_and_next(&search("agent=acct-nurse-1&_count=2").await);
    let mut seen = first;
    while let Some(query) = next {
        let page = world.fhir.search_as(&officer, "AuditEvent", &pairs(&query), true, BASE).await.unwrap();
        let (ids, after) = ids_and_next(&page);
        seen.extend(ids);
        next = after;
    }
    assert_eq!(seen, [4, 3, 2, 1]);
    world.close().await;
}

async fn only_the_privacy_officer_reads_the_trail(engine: Engine) {
    let world = World::new(engine).await;
    some_accesses(&world).await;
    let officer = caller(&world, "acct-po", &[Role::PrivacyOfficer], Identity::default()).await;
    let event = world.fhir.read_as(&officer, "AuditEvent", "2").await.unwrap();
    let event: Value = serde_json::from_str(event.content.as_deref().unwrap()).unwrap();
    assert_eq!((event["id"].as_str(), event["outcome"].as_str()), (Some("2"), Some("4")));
    assert_eq!(event["entity"][0]["what"]["reference"], "Patient/bob");
    assert_eq!(event["agent"][0]["who"]["identifier"]["value"], "acct-nurse-1");
    for missing in ["999", "0", "abc"] {
        assert_eq!(world.fhir.read_as(&officer, "AuditEvent", missing).await.unwrap_err().status(), 404);
    }
    let refused = world.fhir.search_as(&officer, "AuditEvent", &pairs("entity=Patient/1"), true, BASE).await;
    assert_eq!(refused.unwrap_err().status(), 400, "strict handling refuses what is not supported");
    let nurse = nurse(&world).await;
    let before = world.store.audit_head().await.unwrap().unwrap().0;
    assert_eq!(world.fhir.search_as(&nurse, "AuditEvent", &[], true, BASE).await.unwrap_err().status(), 403);
    assert_eq!(world.fhir.read_as(&nurse, "AuditEvent", "1").await.unwrap_err().status(), 403);
    let alice = patient(&world, "alice").await;
    assert_eq!(world.fhir.search_as(&alice, "AuditEvent", &[], true, BASE).await.unwrap_err().status(), 403);
    let attempts = world.store.audit_records(before, 10).await.unwrap();
    let seen: Vec<(&str, &str, &str)> =
        attempts.iter().map(|r| (r.actor.as_str(), r.action.as_str(), r.outcome.code())).collect();
    assert_eq!(
        seen,
        [
            ("acct-nurse-1", "search", "denied"),
            ("acct-nurse-1", "read", "denied"),
            ("acct-alice", "search", "denied")
        ],
        "attempts on the trail are on the trail"
    );
    world.close().await;
}

/// `(seq, actor, actor's name, action, purpose)` of one entry of "who accessed my record".
type Line<'a> = (u64, &'a str, Option<&'a str>, &'a str, Option<&'a str>);

async fn a_patient_sees_who_accessed_their_record(engine: Engine) {
    let world = World::new(engine).await;
    world
        .store
        .create_account(&NewAccount {
            id: "acct-nurse-1".into(),
            email: "marie@example.org".into(),
            display_name: "Marie Tremblay".into(),
            password_hash:
                "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA".into(),
            organisation: None,
            practitioner_id: Some("nurse1".into()),
            patient_id: None,
            related_person_id: None,
            locale: None,
            roles: vec![AccountRole { role: "nurse".into(), specialty: None }],
            created_at: "2026-11-01T00:00:00Z".parse().unwrap(),
        })
        .await
        .unwrap();
    some_accesses(&world).await;
    let alice = patient(&world, "alice").await;
    let mine = world.fhir.accesses_of_own_record(&alice, None, 50).await.unwrap();
    let lines: Vec<Line<'_>> = mine
        .iter()
        .map(|a| (a.seq, a.actor.as_str(), a.actor_name.as_deref(), a.action.as_str(), a.purpose.as_deref()))
        .collect();
    assert_eq!(
        lines,
        [
            (5, "acct-alice", None, action::READ, Some("TREAT")),
            (3, "acct-nurse-1", Some("Marie Tremblay"), action::SEARCH, Some("TREAT")),
            (1, "acct-nurse-1", Some("Marie Tremblay"), action::READ, Some("TREAT")),
        ],
        "her record only, newest first, named when the actor is an account"
    );
    assert_eq!(mine[2].when.to_string(), "2026-11-26T10:00:00Z");
    assert!(mine.iter().all(|a| !a.break_glass));
    let older = world.fhir.accesses_of_own_record(&alice, Some(3), 50).await.unwrap();
    assert_eq!(older.iter().map(|a| a.seq).collect::<Vec<_>>(), [1], "paged by record number");
    let bob = patient(&world, "bob").await;
    let his = world.fhir.accesses_of_own_record(&bob, None, 50).await.unwrap();
    assert_eq!(his.iter().map(|a| (a.seq, a.outcome.code())).collect::<Vec<_>>(), [(2, "denied")]);
    let nurse = nurse(&world).await;
    assert_eq!(world.fhir.accesses_of_own_record(&nurse, None, 50).await.unwrap_err().status(), 403);
    world.close().await;
}

/// Runs `sql` on the test database behind the store's back.
async fn raw(world: &World, sql: &'static str) {
    use sqlx::Connection;
    match world.store.engine() {
        "sqlite" => {
            let mut conn =
                sqlx::SqliteConnection::connect(&relais_store::audit_url(world.db.url())).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        }
        _ => {
            let mut conn = sqlx::PgConnection::connect(world.db.url()).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        }
    }
}

async fn when_the_trail_cannot_be_written_no_data_is_answered(engine: Engine) {
    let world = World::new(engine).await;
    let nurse = nurse(&world).await;
    world.fhir.read_as(&nurse, "Observation", "o-alice").await.unwrap();
    let (refuse, allow) = match world.store.engine() {
        "sqlite" => (
            "CREATE TRIGGER refuse_all BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END",
            "DROP TRIGGER refuse_all",
        ),
        _ => (
            "CREATE FUNCTION refuse_all() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END; $$;
             CREATE TRIGGER refuse_all BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_all();",
            "DROP TRIGGER refuse_all ON audit_log",
        ),
    };
    raw(&world, refuse).await;
    let read = world.fhir.read_as(&nurse, "Observation", "o-alice").await;
    assert_eq!(read.unwrap_err().status(), 503, "the reading is not answered");
    let search = world.fhir.search_as(&nurse, "Observation", &[], true, BASE).await;
    assert_eq!(search.unwrap_err().issues()[0].error_code, "audit-unavailable");
    let history = relais_app::HistoryScope::Instance("Observation".into(), "o-alice".into());
    let history = world.fhir.history_as(&nurse, &history, &relais_app::HistoryParams::default(), BASE).await;
    assert_eq!(history.unwrap_err().status(), 503);
    raw(&world, allow).await;
    world.fhir.read_as(&nurse, "Observation", "o-alice").await.unwrap();
    assert_eq!(world.store.audit_head().await.unwrap().unwrap().0, 2, "the refused accesses left no record");
    world.close().await;
}

relais_testkit::engine_tests!(
    the_privacy_officer_searches_the_trail_as_audit_events,
    only_the_privacy_officer_reads_the_trail,
    a_patient_sees_who_accessed_their_record,
    when_the_trail_cannot_be_written_no_data_is_answered,
);
