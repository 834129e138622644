//! The authorization matrix of issue 4: every role (and a caregiver whose share was withdrawn) ×
//! every record type in four patients' records (own record, caregiver share with and without the
//! type, care team, assignment, break-the-glass, an organisation's queue, nobody's) and the types
//! in no record (a Task naming no patient, Practitioner, Schedule; AuditEvent for writes) × read, vread, history, search, searches with
//! `_include`/`_revinclude`, create, update, delete, and the same inside batch and transaction
//! Bundles — each with its expected status or visibility, through the `*_as` use cases, on
//! SQLite and PostgreSQL.
//!
//! Zero leaks: every Bundle a search answers is checked, resource by resource, against the
//! table — nothing of a record the person is not entitled to, over every case.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod authz;

use std::collections::BTreeSet;

use authz::{Actor, May, World};
use jiff::SignedDuration;
use relais_access::policy::{Principal, break_glass};
use relais_app::access::{Caller, Identity, grants_for};
use relais_app::{FhirError, HistoryParams, HistoryScope, Prefer, WriteKind, Written};
use relais_fhir::compartment::PatientCompartment;
use relais_testkit::Engine;
use serde_json::{Value, json};

const BASE: &str = "http://relais.test/fhir";

/// The cases run and the ones that did not give the expected outcome.
#[derive(Default)]
struct Tally {
    cases: usize,
    /// Resources of searched Bundles checked against the table.
    searched: usize,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, who: &Actor, what: &str, expected: &str, found: &str) {
        self.cases += 1;
        if expected != found {
            self.failures.push(format!("{} {what}: expected {expected}, got {found}", who.name));
        }
    }
}

fn status<T>(result: &Result<T, FhirError>, ok: &str) -> String {
    match result {
        Ok(_) => ok.to_owned(),
        Err(e) => e.status().to_string(),
    }
}

fn written(result: &Result<Written, FhirError>) -> String {
    match result {
        Ok(Written { kind: WriteKind::Created, .. }) => "201".into(),
        Ok(Written {
            kind: WriteKind::Updated | WriteKind::Existing | WriteKind::ExistingHidden, ..
        }) => "200".into(),
        Ok(Written { kind: WriteKind::Deleted, .. }) => "204".into(),
        Err(e) => e.status().to_string(),
    }
}

/// A person's principal as the app builds it: grants read from the record, and for a
/// clinician a break-the-glass grant on carol. Anyone else is refused the glass (a case).
async fn caller(world: &World, actor: &Actor, tally: &mut Tally) -> Caller {
    let identity = Identity {
        roles: BTreeSet::from([actor.role]),
        patient: actor.patient.map(str::to_owned),
        practitioner: actor.practitioner.clone(),
        related_person: actor.related_person.map(str::to_owned),
        account: None,
    };
    let grants = grants_for(world.store.as_ref(), &world.params, &identity).await.unwrap();
    let mut principal =
        Principal { id: actor.name.into(), roles: identity.roles, grants, ..Principal::default() };
    let now = authz::NOW.parse().unwrap();
    let glass = break_glass(
        &principal,
        "carol",
        "arrivée inconsciente à l'urgence",
        now,
        SignedDuration::from_hours(4),
    );
    let expected = if authz::CLINICAL.contains(&actor.role) { "granted" } else { "refused" };
    tally.check(
        actor,
        "break the glass on carol",
        expected,
        if glass.is_ok() { "granted" } else { "refused" },
    );
    principal.grants.extend(glass);
    Caller::new(principal)
}

/// Whether `actor` may see `resource` by the table.
fn may_see(world: &World, actor: &Actor, resource: &Value) -> bool {
    let resource_type = resource["resourceType"].as_str().unwrap_or_default();
    let patients = PatientCompartment::shared().unwrap().patients_of(&world.params, resource);
    if resource_type == "AuditEvent" || patients.is_empty() {
        authz::unattached(actor, resource_type) >= May::Read
    } else {
        let id = resource["id"].as_str().unwrap_or_default();
        patients.iter().any(|p| match authz::entitled(actor, p, resource_type) {
            // Only the item itself, not the record's other resources of its type.
            May::Item => id == authz::resource_id(resource_type, p),
            may => may >= May::Read,
        })
    }
}

/// A search as `who`: `(matches, included)` as `Type/id`, after checking that the Bundle holds
/// nothing the table does not let them see.
async fn search(
    world: &World,
    actor: &Actor,
    who: &Caller,
    resource_type: &str,
    query: &str,
    tally: &mut Tally,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())).unwrap())
        .collect();
    let bundle = world.fhir.search_as(who, resource_type, &pairs, true, BASE).await.unwrap();
    let (mut matches, mut included) = (BTreeSet::new(), BTreeSet::new());
    for entry in bundle["entry"].as_array().into_iter().flatten() {
        let resource = &entry["resource"];
        let name =
            format!("{}/{}", resource["resourceType"].as_str().unwrap(), resource["id"].as_str().unwrap());
        tally.searched += 1;
        if !may_see(world, actor, resource) {
            tally.failures.push(format!("{} {resource_type}?{query}: LEAK of {name}", actor.name));
        }
        match entry.pointer("/search/mode").and_then(Value::as_str) {
            Some("include") => included.insert(name),
            _ => matches.insert(name),
        };
    }
    (matches, included)
}

/// One resource as one person meets it: what the table says they may do, and the status they
/// get when they may not even see it (404 where its existence is a secret, 403 otherwise).
struct Meeting<'a> {
    actor: &'a Actor,
    who: &'a Caller,
    t: &'a str,
    id: String,
    refused: &'static str,
    may: May,
}

/// The outcomes of reading one resource every way, against what `may` says.
async fn reads(world: &World, m: &Meeting<'_>, tally: &mut Tally) {
    let (actor, who, t, id, refused, may) = (m.actor, m.who, m.t, m.id.as_str(), m.refused, m.may);
    let fhir = &world.fhir;
    let (seen, hidden_history) = if may >= May::Read { ("200", "200") } else { (refused, "404") };
    tally.check(actor, &format!("read {t}/{id}"), seen, &status(&fhir.read_as(who, t, id).await, "200"));
    tally.check(
        actor,
        &format!("vread {t}/{id}/1"),
        seen,
        &status(&fhir.vread_as(who, t, id, "1").await, "200"),
    );
    let scope = HistoryScope::Instance(t.into(), id.into());
    let history = fhir.history_as(who, &scope, &HistoryParams::default(), BASE).await;
    tally.check(actor, &format!("history {t}/{id}"), hidden_history, &status(&history, "200"));
    let (matches, _) = search(world, actor, who, t, &format!("_id={id}"), tally).await;
    let visible = if matches.contains(&format!("{t}/{id}")) { "visible" } else { "hidden" };
    tally.check(
        actor,
        &format!("search {t}?_id={id}"),
        if may >= May::Read { "visible" } else { "hidden" },
        visible,
    );
}

/// The statuses of a Bundle's entries (`"200"`, `"404"`…), or the status of the whole when it
/// failed (a transaction).
async fn bundle(world: &World, who: &Caller, kind: &str, entries: Vec<Value>) -> Vec<String> {
    let body = json!({"resourceType": "Bundle", "type": kind, "entry": entries}).to_string();
    match world.fhir.bundle_as(who, body.as_bytes(), Prefer::Minimal, BASE).await {
        Ok(response) => response["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.pointer("/response/status").and_then(Value::as_str).unwrap_or("")[..3].to_owned())
            .collect(),
        Err(e) => vec![e.status().to_string()],
    }
}

/// The stored content with one harmless change (an update), without the server's meta.
async fn changed(world: &World, t: &str, id: &str, language: &str) -> Value {
    let row = world.fhir.read(t, id).await.unwrap();
    let mut resource: Value = serde_json::from_str(row.content.as_deref().unwrap()).unwrap();
    resource.as_object_mut().unwrap().remove("meta");
    resource["language"] = json!(language);
    resource
}

async fn version(world: &World, t: &str, id: &str) -> i64 {
    world.fhir.read(t, id).await.unwrap().version
}

/// Every write of one resource, alone and in Bundles; `fresh` is a new resource like it.
async fn writes(world: &World, m: &Meeting<'_>, fresh: Value, tally: &mut Tally) {
    let (actor, who, t, id, refused, may) = (m.actor, m.who, m.t, m.id.as_str(), m.refused, m.may);
    let fhir = &world.fhir;
    let changing = match may {
        May::Write | May::Item => "200",
        May::Read => "403",
        May::Nothing => refused,
    };
    let creating = if may == May::Write { "201" } else { "403" };
    // Of a copy, not of the resource itself: an item's grant does not reach the copy at all.
    let deleting = match may {
        May::Write => "204",
        May::Read => "403",
        May::Item | May::Nothing => refused,
    };

    let body = changed(world, t, id, "fr").await.to_string();
    let before = version(world, t, id).await;
    tally.check(
        actor,
        &format!("update {t}/{id}"),
        changing,
        &written(&fhir.update_as(who, t, id, body.as_bytes(), None).await),
    );
    let grew = if version(world, t, id).await > before { "200" } else { "unchanged" };
    tally.check(
        actor,
        &format!("update {t}/{id} stored"),
        if may.changes() { "200" } else { "unchanged" },
        grew,
    );

    if t != "Patient" {
        let created = fhir.create_as(who, t, fresh.to_string().as_bytes(), None).await;
        tally.check(actor, &format!("create {t}"), creating, &written(&created));
        let victim = fhir.create(t, fresh.to_string().as_bytes(), None).await.unwrap().row.id;
        tally.check(
            actor,
            &format!("delete {t} (copy of {id})"),
            deleting,
            &written(&fhir.delete_as(who, t, &victim, None).await),
        );
        let gone = if fhir.read(t, &victim).await.is_err() { "204" } else { "kept" };
        tally.check(
            actor,
            &format!("delete {t} stored"),
            if may == May::Write { "204" } else { "kept" },
            gone,
        );
    }

    let mut entries = vec![json!({"request": {"method": "GET", "url": format!("{t}/{id}")}})];
    let mut expected = vec![if may >= May::Read { "200" } else { refused }];
    if t != "Patient" {
        entries.push(json!({"resource": fresh, "request": {"method": "POST", "url": t}}));
        expected.push(creating);
    }
    let found = bundle(world, who, "batch", entries).await;
    tally.check(actor, &format!("batch read/create {t}/{id}"), &expected.join(","), &found.join(","));

    let before = version(world, t, id).await;
    let put = changed(world, t, id, "en").await;
    let entries = vec![json!({"resource": put, "request": {"method": "PUT", "url": format!("{t}/{id}")}})];
    tally.check(
        actor,
        &format!("transaction update {t}/{id}"),
        changing,
        &bundle(world, who, "transaction", entries).await.join(","),
    );
    let grew = if version(world, t, id).await > before { "200" } else { "unchanged" };
    tally.check(
        actor,
        &format!("transaction {t}/{id} stored"),
        if may.changes() { "200" } else { "unchanged" },
        grew,
    );
}

async fn matrix(engine: Engine) {
    let world = World::new(engine).await;
    let mut tally = Tally::default();
    let actors = authz::actors();
    let mut callers = Vec::new();
    for actor in &actors {
        callers.push(caller(&world, actor, &mut tally).await);
    }

    // Reads first, while the world is as built, so that searches have exact expected sets.
    for (actor, who) in actors.iter().zip(&callers) {
        for t in authz::RECORD_TYPES {
            for p in authz::PATIENTS {
                let id = authz::resource_id(t, p);
                let may = authz::entitled(actor, p, t);
                reads(&world, &Meeting { actor, who, t, id, refused: "404", may }, &mut tally).await;
            }
        }
        // Whoever may take bob's queued Task sees that one, not his others.
        let id = authz::OTHER_BOB_TASK.to_owned();
        reads(&world, &Meeting { actor, who, t: "Task", id, refused: "404", may: May::Nothing }, &mut tally)
            .await;
        // The audit trail is read from audit_log, not from stored resources: audit_events.rs.
        for t in ["Task", "Practitioner", "Schedule"] {
            let (id, may) = (authz::unattached_id(t), authz::unattached(actor, t));
            reads(&world, &Meeting { actor, who, t, id, refused: "403", may }, &mut tally).await;
        }
        let seen = |t: &str| -> BTreeSet<String> {
            authz::PATIENTS
                .iter()
                .filter(|p| authz::entitled(actor, p, t) >= May::Read)
                .map(|p| format!("{t}/{}", authz::resource_id(t, p)))
                .collect()
        };
        let (matches, included) =
            search(&world, actor, who, "Observation", "code=8867-4&_include=Observation:subject", &mut tally)
                .await;
        tally.check(
            actor,
            "Observation?code&_include",
            &format!("{:?}", seen("Observation")),
            &format!("{matches:?}"),
        );
        let patients_of_seen: BTreeSet<String> = seen("Observation")
            .iter()
            .map(|o| format!("Patient/{}", o.trim_start_matches("Observation/observation-")))
            .filter(|p| seen("Patient").contains(p))
            .collect();
        tally.check(actor, "…included patients", &format!("{patients_of_seen:?}"), &format!("{included:?}"));
        let (matches, included) =
            search(&world, actor, who, "Patient", "_revinclude=Condition:subject", &mut tally).await;
        tally.check(actor, "Patient?_revinclude", &format!("{:?}", seen("Patient")), &format!("{matches:?}"));
        let conditions: BTreeSet<String> = seen("Condition")
            .into_iter()
            .filter(|c| {
                seen("Patient").contains(&format!("Patient/{}", c.trim_start_matches("Condition/condition-")))
            })
            .collect();
        tally.check(actor, "…revincluded conditions", &format!("{conditions:?}"), &format!("{included:?}"));
    }

    for (actor, who) in actors.iter().zip(&callers) {
        for t in authz::RECORD_TYPES {
            for p in authz::PATIENTS {
                let fresh = authz::record(t, p, "");
                let id = authz::resource_id(t, p);
                let may = authz::entitled(actor, p, t);
                writes(&world, &Meeting { actor, who, t, id, refused: "404", may }, fresh, &mut tally).await;
            }
        }
        for t in ["Task", "Practitioner", "Schedule", "AuditEvent"] {
            let refused = if t == "AuditEvent" { "404" } else { "403" };
            let mut fresh = authz::unattached_resource(t, "");
            // (The template names no patient; `for` would make it part of a record.)
            fresh.as_object_mut().unwrap().remove("for");
            // No one writes the audit trail, not even the privacy officer who reads it.
            let may = authz::unattached(actor, t);
            let id = authz::unattached_id(t);
            writes(&world, &Meeting { actor, who, t, id, refused, may }, fresh, &mut tally).await;
        }
        // Registering a new patient is staff's: the new record is no one's yet.
        let new_patient = authz::record("Patient", "eve", "").to_string();
        let created = world.fhir.create_as(who, "Patient", new_patient.as_bytes(), None).await;
        let expected = if authz::CLINICAL.contains(&actor.role) { "201" } else { "403" };
        tally.check(actor, "create Patient (registration)", expected, &written(&created));
        // After every write: a whole-type search of each type still shows nothing hidden.
        for t in authz::RECORD_TYPES.iter().chain(&["Practitioner", "Schedule", "CareTeam"]) {
            search(&world, actor, who, t, "_count=500", &mut tally).await;
        }
    }

    println!(
        "authorization matrix on {engine:?}: {} cases, {} searched resources checked for leaks",
        tally.cases, tally.searched
    );
    let shown: Vec<&String> = tally.failures.iter().take(60).collect();
    assert!(
        tally.failures.is_empty(),
        "{} of {} cases failed:\n{shown:#?}",
        tally.failures.len(),
        tally.cases
    );
    assert!(tally.cases >= 300, "the matrix shrank to {} cases", tally.cases);
    assert!(tally.searched >= 1_000, "the leak check saw only {} resources", tally.searched);
    world.close().await;
}

relais_testkit::engine_tests!(matrix);
