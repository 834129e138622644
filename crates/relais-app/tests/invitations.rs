//! Invitation links, on both engines with a clock the test moves: a nurse of the patient's care
//! team invites, the link works until it expires, is revoked or is used up, and then answers
//! `invitation-invalid` alike while the trail records the real reason; a single-use link used
//! eight times at once works once; a patient, an administrator and a nurse outside the care team
//! are refused; a court clerk invites to a hearing only; only the creator or an administrator
//! revokes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::SignedDuration;
use relais_access::invitation::Purpose;
use relais_access::policy::{Basis, Grant, Principal, Role};
use relais_app::access::Caller;
use relais_app::invitations::{InvitationError, InvitationPass, Invitations, Invite};
use relais_core::{Clock, FixedClock, SequentialIds};
use relais_store::{ResourceStore, StoreOptions};
use relais_testkit::{Engine, TestDb};

relais_testkit::engine_tests!(
    a_link_works_until_used_up_and_then_answers_invalid,
    expired_and_revoked_links_answer_invalid_and_the_trail_says_why,
    a_single_use_link_used_concurrently_works_once,
    only_entitled_staff_invite,
    only_the_creator_or_an_administrator_revokes,
);

struct Env {
    invitations: Invitations,
    store: Arc<dyn ResourceStore>,
    clock: Arc<FixedClock>,
    _db: TestDb,
}

async fn env(engine: Engine) -> Env {
    let db = TestDb::new(engine).await;
    let store = relais_store::open(db.url(), &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let clock = Arc::new(FixedClock::new("2026-11-26T10:00:00Z".parse().unwrap()));
    let clock_dyn: Arc<dyn Clock> = clock.clone();
    let invitations = Invitations::new(
        store.clone(),
        clock_dyn,
        Arc::new(SequentialIds::new("inv")),
        "https://relais.example/",
    );
    Env { invitations, store, clock, _db: db }
}

fn person(id: &str, role: Role, care_team_of: &[&str]) -> Caller {
    let grants = care_team_of
        .iter()
        .map(|p| Grant {
            patient: (*p).to_owned(),
            basis: if role.is_legal() { Basis::Assignment } else { Basis::CareTeam },
            resource_types: None,
            write: role.is_clinical(),
            expires: None,
            only: None,
        })
        .collect();
    let mut caller =
        Caller::new(Principal { id: id.to_owned(), roles: BTreeSet::from([role]), grants, scopes: None });
    caller.address = Some("192.0.2.7".to_owned());
    caller
}

fn invite(purpose: Purpose, patient: Option<&str>, max_uses: u32) -> Invite {
    Invite {
        purpose,
        target: "Appointment/a1".to_owned(),
        patient: patient.map(str::to_owned),
        invitee: "Jeanne Gagné".to_owned(),
        valid_for: SignedDuration::from_hours(2),
        max_uses,
    }
}

fn token_of(link: &str) -> &str {
    link.strip_prefix("https://relais.example/i/").expect("link under the public URL")
}

/// `(outcome, actor, purpose, patient, address)` of every `invitation-use` record.
async fn uses(
    store: &dyn ResourceStore,
) -> Vec<(String, String, Option<String>, Option<String>, Option<String>)> {
    let records = store.audit_records(0, 1000).await.unwrap();
    records
        .into_iter()
        .filter(|r| r.action == "invitation-use")
        .map(|r| (r.outcome.code().to_owned(), r.actor, r.purpose, r.patient_id, r.source_address))
        .collect()
}

fn is_invalid(result: Result<InvitationPass, InvitationError>) -> bool {
    matches!(result, Err(InvitationError::InvalidLink))
}

async fn a_link_works_until_used_up_and_then_answers_invalid(engine: Engine) {
    let env = env(engine).await;
    let nurse = person("n1", Role::Nurse, &["p1"]);
    let invited = env.invitations.invite(&nurse, &invite(Purpose::Appointment, Some("p1"), 2)).await.unwrap();
    assert_eq!(invited.expires_at, env.clock.now() + SignedDuration::from_hours(2));
    let token = token_of(&invited.link);
    assert_eq!(token.len(), 43, "a 256-bit token in the link");
    let stored = env.store.invitation(&invited.id).await.unwrap().unwrap();
    assert_eq!(stored.created_by, "n1");
    assert!(env.store.invitation_by_token(token).await.unwrap().is_none(), "only the hash is stored");

    for _ in 0..2 {
        let pass = env.invitations.redeem(token, Some("198.51.100.4")).await.unwrap();
        assert_eq!(pass.id, invited.id);
        assert_eq!(pass.purpose, Purpose::Appointment);
        assert_eq!(pass.target, "Appointment/a1");
        assert_eq!(pass.patient.as_deref(), Some("p1"));
    }
    assert!(is_invalid(env.invitations.redeem(token, Some("198.51.100.4")).await), "used up");
    assert!(is_invalid(env.invitations.redeem("not-a-token", None).await), "unknown");

    let actor = format!("invitation:{}", invited.id);
    let used = |outcome: &str, actor: &str, why: &str, patient: Option<&str>, address: Option<&str>| {
        (
            outcome.to_owned(),
            actor.to_owned(),
            Some(why.to_owned()),
            patient.map(str::to_owned),
            address.map(str::to_owned),
        )
    };
    assert_eq!(
        uses(&*env.store).await,
        vec![
            used("success", &actor, "appointment", Some("p1"), Some("198.51.100.4")),
            used("success", &actor, "appointment", Some("p1"), Some("198.51.100.4")),
            used("denied", &actor, "invitation-used-up", Some("p1"), Some("198.51.100.4")),
            used("denied", "anonymous", "invitation-unknown", None, None),
        ]
    );
    env.store.close().await;
}

async fn expired_and_revoked_links_answer_invalid_and_the_trail_says_why(engine: Engine) {
    let env = env(engine).await;
    let nurse = person("n1", Role::Nurse, &["p1"]);
    let expiring = env.invitations.invite(&nurse, &invite(Purpose::Room, Some("p1"), 5)).await.unwrap();
    let revoked = env.invitations.invite(&nurse, &invite(Purpose::Room, None, 5)).await.unwrap();
    env.invitations.revoke(&nurse, &revoked.id).await.unwrap();
    assert!(is_invalid(env.invitations.redeem(token_of(&revoked.link), None).await));

    env.clock.advance(SignedDuration::from_mins(119));
    env.invitations.redeem(token_of(&expiring.link), None).await.expect("open a minute before expiry");
    env.clock.advance(SignedDuration::from_mins(1));
    assert!(is_invalid(env.invitations.redeem(token_of(&expiring.link), None).await), "expired");

    let reasons: Vec<_> =
        uses(&*env.store).await.into_iter().map(|(o, _, why, _, _)| (o, why.unwrap())).collect();
    let want: Vec<(String, String)> =
        [("denied", "invitation-revoked"), ("success", "room"), ("denied", "invitation-expired")]
            .iter()
            .map(|(o, w)| ((*o).to_owned(), (*w).to_owned()))
            .collect();
    assert_eq!(reasons, want);
    env.store.close().await;
}

async fn a_single_use_link_used_concurrently_works_once(engine: Engine) {
    let env = env(engine).await;
    let nurse = person("n1", Role::Physician, &["p1"]);
    let invited = env.invitations.invite(&nurse, &invite(Purpose::PhotoUpload, Some("p1"), 1)).await.unwrap();
    let token = token_of(&invited.link).to_owned();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (invitations, token) = (env.invitations.clone(), token.clone());
            tokio::spawn(async move { invitations.redeem(&token, None).await })
        })
        .collect();
    let mut passes = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => passes += 1,
            Err(e) => assert!(matches!(e, InvitationError::InvalidLink), "{e:?}"),
        }
    }
    assert_eq!(passes, 1, "a single-use link works once");
    let outcomes: Vec<_> =
        uses(&*env.store).await.into_iter().map(|(o, _, why, _, _)| (o, why.unwrap())).collect();
    assert_eq!(outcomes.iter().filter(|(o, _)| o == "success").count(), 1);
    assert!(outcomes.iter().filter(|(o, _)| o == "denied").all(|(_, why)| why == "invitation-used-up"));
    assert_eq!(outcomes.len(), 8, "every attempt is on the trail");
    env.store.close().await;
}

async fn only_entitled_staff_invite(engine: Engine) {
    let env = env(engine).await;
    let appointment = invite(Purpose::Appointment, Some("p1"), 1);
    let refused = |caller: Caller, invite: Invite| {
        let invitations = env.invitations.clone();
        async move { invitations.invite(&caller, &invite).await.map(|_| ()).map_err(|e| e.code()) }
    };
    assert_eq!(
        refused(person("p1", Role::Patient, &[]), appointment.clone()).await,
        Err("invitation-forbidden")
    );
    assert_eq!(
        refused(person("a1", Role::Administrator, &[]), appointment.clone()).await,
        Err("invitation-forbidden")
    );
    assert_eq!(
        refused(person("c1", Role::CourtClerk, &["p1"]), appointment.clone()).await,
        Err("invitation-forbidden")
    );
    assert_eq!(
        refused(person("n2", Role::Nurse, &["p2"]), appointment.clone()).await,
        Err("invitation-not-entitled")
    );
    let hearing =
        Invite { purpose: Purpose::Hearing, target: "Appointment/h1".into(), ..appointment.clone() };
    assert_eq!(refused(person("c1", Role::CourtClerk, &["p1"]), hearing.clone()).await, Ok(()));
    assert_eq!(refused(person("c2", Role::CourtClerk, &[]), hearing).await, Err("invitation-not-entitled"));
    let bad_target = Invite { target: "Appointment".into(), ..appointment.clone() };
    assert_eq!(
        refused(person("n1", Role::Nurse, &["p1"]), bad_target).await,
        Err("invitation-target-invalid")
    );
    let too_long = Invite { valid_for: SignedDuration::from_hours(24 * 31), ..appointment.clone() };
    assert_eq!(
        refused(person("n1", Role::Nurse, &["p1"]), too_long).await,
        Err("invitation-valid-for-invalid")
    );
    let no_name = Invite { invitee: "  ".into(), ..appointment.clone() };
    assert_eq!(refused(person("n1", Role::Nurse, &["p1"]), no_name).await, Err("invitation-invitee-invalid"));
    assert_eq!(refused(person("n1", Role::Nurse, &["p1"]), appointment).await, Ok(()));
    env.store.close().await;
}

async fn only_the_creator_or_an_administrator_revokes(engine: Engine) {
    let env = env(engine).await;
    let nurse = person("n1", Role::Nurse, &["p1"]);
    let first = env.invitations.invite(&nurse, &invite(Purpose::Appointment, Some("p1"), 1)).await.unwrap();
    let second = env.invitations.invite(&nurse, &invite(Purpose::Appointment, Some("p1"), 1)).await.unwrap();
    let colleague = person("n2", Role::Nurse, &["p1"]);
    let err = env.invitations.revoke(&colleague, &first.id).await.unwrap_err();
    assert_eq!(err.code(), "invitation-forbidden");
    assert_eq!(env.invitations.revoke(&nurse, "nope").await.unwrap_err().code(), "invitation-not-found");
    env.invitations.revoke(&nurse, &first.id).await.unwrap();
    env.invitations.revoke(&person("a1", Role::Administrator, &[]), &second.id).await.unwrap();
    assert!(is_invalid(env.invitations.redeem(token_of(&first.link), None).await));
    assert!(is_invalid(env.invitations.redeem(token_of(&second.link), None).await));
    env.store.close().await;
}
