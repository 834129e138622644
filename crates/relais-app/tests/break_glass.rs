//! Break-the-glass through the use cases, on SQLite and PostgreSQL: a nurse who may not see a
//! chart breaks the glass with a reason, reads it (flagged on the trail) until the grant lapses
//! on the injected clock, then no longer; a lawyer, a patient and a nurse without a reason are
//! refused (and recorded); the privacy officer lists the grants and marks them reviewed, once,
//! and nobody else may.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use jiff::SignedDuration;
use relais_access::audit::{AuditRecord, Outcome, action};
use relais_access::policy::{Principal, Role};
use relais_app::access::{Caller, Identity, grants_for};
use relais_core::Clock;
use relais_store::{AccountRole, NewAccount};
use relais_testkit::Engine;
use support::World;

/// An account with `role` (the store requires one for a grant), and its caller as the app
/// builds it for a request now: roles, record grants and running break-the-glass grants.
async fn account(world: &World, id: &str, role: Role, identity: Identity) -> Identity {
    let new = NewAccount {
        id: id.into(),
        email: format!("{id}@example.org"),
        display_name: id.into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$x".into(),
        organisation: None,
        practitioner_id: identity.practitioner.clone(),
        patient_id: identity.patient.clone(),
        related_person_id: None,
        locale: None,
        roles: vec![AccountRole { role: role.code().into(), specialty: None }],
        created_at: world.clock.now(),
    };
    world.store.create_account(&new).await.unwrap();
    Identity { roles: BTreeSet::from([role]), ..identity }
}

async fn caller(world: &World, id: &str, identity: &Identity) -> Caller {
    let identity = Identity { account: Some((id.into(), world.clock.now())), ..identity.clone() };
    let grants = grants_for(world.store.as_ref(), &world.params, &identity).await.unwrap();
    Caller {
        principal: Principal { id: id.into(), roles: identity.roles, grants, ..Principal::default() },
        address: Some("198.51.100.7".into()),
        purpose: None,
    }
}

async fn since(world: &World, after: u64) -> Vec<AuditRecord> {
    world.store.audit_records(after, 10_000).await.unwrap()
}

async fn head(world: &World) -> u64 {
    world.store.audit_head().await.unwrap().map_or(0, |h| h.0)
}

const REASON: &str = "Patiente inconsciente aux urgences, équipe absente";

async fn a_nurse_breaks_the_glass_reads_flagged_until_it_lapses(engine: Engine) {
    let world = World::new(engine).await;
    let fhir = &world.fhir;
    // nurse1 cares for alice, not carol.
    let nurse = account(
        &world,
        "nurse-1",
        Role::Nurse,
        Identity { practitioner: Some("nurse1".into()), ..Identity::default() },
    )
    .await;
    let before = caller(&world, "nurse-1", &nurse).await;
    let e = fhir.read_as(&before, "Observation", "o-carol").await.unwrap_err();
    assert_eq!(e.status(), 404, "carol's chart does not exist for her");

    let start = head(&world).await;
    let grant = fhir.break_glass(&before, "carol", REASON, 90).await.unwrap();
    assert_eq!(grant.patient_id, "carol");
    assert_eq!(grant.expires_at.duration_since(grant.granted_at), SignedDuration::from_mins(90));

    // Her next request sees the chart.
    let now = caller(&world, "nurse-1", &nurse).await;
    let row = fhir.read_as(&now, "Observation", "o-carol").await.unwrap();
    assert_eq!(row.id, "o-carol");
    // Still read-only: she cannot change carol's record.
    let e = fhir.delete_as(&now, "Observation", "o-carol", None).await.unwrap_err();
    assert_eq!(e.status(), 403, "she sees it, and may not change it: {e:?}");
    // Her own patients are not flagged.
    fhir.read_as(&now, "Observation", "o-alice").await.unwrap();

    let trail = since(&world, start).await;
    let glass = &trail[0];
    assert_eq!(
        (glass.action.as_str(), glass.outcome, glass.patient_id.as_deref(), glass.actor.as_str()),
        (action::BREAK_GLASS, Outcome::Success, Some("carol"), "nurse-1")
    );
    assert!(glass.break_glass, "the breaking of the glass is flagged");
    assert_eq!(glass.purpose.as_deref(), Some(REASON), "the reason is the purpose");
    let reads: Vec<_> = trail
        .iter()
        .filter(|r| r.action == action::READ)
        .map(|r| (r.resource_id.as_deref().unwrap(), r.break_glass, r.outcome))
        .collect();
    assert_eq!(reads, [("o-carol", true, Outcome::Success), ("o-alice", false, Outcome::Success)]);

    // Once it lapses (the injected clock), the chart is gone again.
    world.clock.advance(SignedDuration::from_mins(91));
    let after = caller(&world, "nurse-1", &nurse).await;
    assert!(after.principal.grants.iter().all(|g| g.patient != "carol"), "no longer listed");
    let e = fhir.read_as(&after, "Observation", "o-carol").await.unwrap_err();
    assert_eq!(e.status(), 404);
    // A principal built before the lapse does not outlive it either.
    assert_eq!(fhir.read_as(&now, "Observation", "o-carol").await.unwrap_err().status(), 404);
    world.close().await;
}

async fn break_the_glass_is_refused_to_non_clinicians_and_without_reason(engine: Engine) {
    let world = World::new(engine).await;
    let fhir = &world.fhir;
    let lawyer = account(&world, "lawyer-1", Role::Lawyer, Identity::default()).await;
    let patient = account(
        &world,
        "alice-1",
        Role::Patient,
        Identity { patient: Some("alice".into()), ..Identity::default() },
    )
    .await;
    let nurse = account(&world, "nurse-2", Role::Nurse, Identity::default()).await;
    let start = head(&world).await;

    let refusals = [
        ("lawyer-1", &lawyer, "carol", REASON, 60, (403, "break-glass-not-clinician", None)),
        ("alice-1", &patient, "carol", REASON, 60, (403, "break-glass-not-clinician", None)),
        ("nurse-2", &nurse, "carol", "   ", 60, (400, "break-glass-reason-required", Some("reason"))),
        ("nurse-2", &nurse, "nobody", REASON, 60, (404, "patient-not-found", Some("patient"))),
        (
            "nurse-2",
            &nurse,
            "carol",
            REASON,
            12 * 60 + 1,
            (400, "break-glass-minutes-invalid", Some("minutes")),
        ),
        ("nurse-2", &nurse, "carol", REASON, 0, (400, "break-glass-minutes-invalid", Some("minutes"))),
        ("nurse-2", &nurse, "bad id!", REASON, 60, (400, "patient-invalid", Some("patient"))),
    ];
    for (id, who, patient_id, reason, minutes, want) in refusals {
        let c = caller(&world, id, who).await;
        let e = fhir.break_glass(&c, patient_id, reason, minutes).await.unwrap_err();
        assert_eq!((e.status(), e.code(), e.field()), want, "{id} {patient_id} {minutes}");
    }
    // Nobody got a grant; the refusals by the policy are on the trail, denied.
    for (id, who) in [("lawyer-1", &lawyer), ("alice-1", &patient), ("nurse-2", &nurse)] {
        let c = caller(&world, id, who).await;
        assert_eq!(fhir.read_as(&c, "Observation", "o-carol").await.unwrap_err().status(), 404, "{id}");
    }
    let denied: Vec<_> = since(&world, start)
        .await
        .into_iter()
        .filter(|r| r.action == action::BREAK_GLASS)
        .map(|r| (r.actor, r.outcome))
        .collect();
    assert_eq!(
        denied,
        [
            ("lawyer-1".to_owned(), Outcome::Denied),
            ("alice-1".to_owned(), Outcome::Denied),
            ("nurse-2".to_owned(), Outcome::Denied),
            ("nurse-2".to_owned(), Outcome::Denied),
        ],
        "policy refusals and an unknown patient are recorded; malformed input is not an access"
    );
    assert!(world.store.break_glass_for_review(None, 100).await.unwrap().is_empty());
    world.close().await;
}

async fn the_privacy_officer_reviews_each_grant_once(engine: Engine) {
    let world = World::new(engine).await;
    let fhir = &world.fhir;
    let nurse = account(&world, "nurse-1", Role::Nurse, Identity::default()).await;
    let officer = account(&world, "officer-1", Role::PrivacyOfficer, Identity::default()).await;
    let nurse_c = caller(&world, "nurse-1", &nurse).await;
    let officer_c = caller(&world, "officer-1", &officer).await;
    let first = fhir.break_glass(&nurse_c, "carol", REASON, 30).await.unwrap();
    world.clock.advance(SignedDuration::from_secs(5));
    let second = fhir.break_glass(&nurse_c, "dan", "Appel du 911, aucun dossier", 30).await.unwrap();
    let start = head(&world).await;

    // The nurse may not list or review.
    let e = fhir.break_glass_for_review(&nurse_c, None, None).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (403, "role-forbids"));
    let e = fhir.review_break_glass(&nurse_c, &first.id, "ok").await.unwrap_err();
    assert_eq!((e.status(), e.code()), (403, "role-forbids"));

    let page = fhir.break_glass_for_review(&officer_c, None, Some(1)).await.unwrap();
    assert_eq!(page.grants.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(), [second.id.as_str()]);
    let rest = fhir.break_glass_for_review(&officer_c, page.next.as_deref(), Some(1)).await.unwrap();
    assert_eq!(rest.grants[0].reason, REASON);
    assert_eq!(rest.next, None);
    let e = fhir.break_glass_for_review(&officer_c, Some("junk"), None).await.unwrap_err();
    assert_eq!((e.status(), e.field()), (400, Some("cursor")));

    let reviewed = fhir.review_break_glass(&officer_c, &second.id, "Justifié: urgence").await.unwrap();
    assert_eq!(reviewed.reviewed_by.as_deref(), Some("officer-1"));
    assert_eq!(reviewed.review_note.as_deref(), Some("Justifié: urgence"));
    let again = fhir.review_break_glass(&officer_c, &second.id, "autre").await.unwrap_err();
    assert_eq!((again.status(), again.code()), (409, "break-glass-already-reviewed"));
    let missing = fhir.review_break_glass(&officer_c, "nope", "x").await.unwrap_err();
    assert_eq!(missing.status(), 404);
    // Reviewed ones go after the unreviewed.
    let all = fhir.break_glass_for_review(&officer_c, None, None).await.unwrap();
    assert_eq!(all.grants.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(), [&first.id, &second.id]);

    let trail: Vec<_> = since(&world, start)
        .await
        .into_iter()
        .map(|r| (r.actor, r.action, r.outcome, r.patient_id))
        .collect();
    let row = |actor: &str, act: &str, outcome, patient: Option<&str>| {
        (actor.to_owned(), act.to_owned(), outcome, patient.map(str::to_owned))
    };
    assert_eq!(
        trail,
        [
            row("nurse-1", action::BREAK_GLASS_REVIEW_LIST, Outcome::Denied, None),
            row("nurse-1", action::BREAK_GLASS_REVIEW, Outcome::Denied, None),
            row("officer-1", action::BREAK_GLASS_REVIEW_LIST, Outcome::Success, None),
            row("officer-1", action::BREAK_GLASS_REVIEW_LIST, Outcome::Success, None),
            row("officer-1", action::BREAK_GLASS_REVIEW, Outcome::Success, Some("dan")),
            row("officer-1", action::BREAK_GLASS_REVIEW, Outcome::Denied, Some("dan")),
            row("officer-1", action::BREAK_GLASS_REVIEW, Outcome::Denied, None),
            row("officer-1", action::BREAK_GLASS_REVIEW_LIST, Outcome::Success, None),
        ],
        "every listing and review is on the trail, refusals too"
    );
    world.close().await;
}

relais_testkit::engine_tests!(
    a_nurse_breaks_the_glass_reads_flagged_until_it_lapses,
    break_the_glass_is_refused_to_non_clinicians_and_without_reason,
    the_privacy_officer_reviews_each_grant_once,
);
