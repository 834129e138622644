//! The policy, case by case: who sees a chart, who is refused and how, and when a grant lapses.

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};

use super::*;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

const NOW: &str = "2026-11-26T10:00:00Z";

fn person(roles: &[Role], grants: Vec<Grant>) -> Principal {
    Principal { id: "u".into(), roles: roles.iter().copied().collect(), grants, scopes: None }
}

fn grant(patient: &str, basis: Basis) -> Grant {
    Grant { patient: patient.into(), basis, resource_types: None, write: true, expires: None, only: None }
}

fn record<'a>(resource_type: &'a str, patients: &'a [String]) -> Target<'a> {
    Target { resource_type, in_compartment: true, patients, id: None }
}

fn directory(resource_type: &str) -> Target<'_> {
    Target { resource_type, in_compartment: false, patients: &[], id: None }
}

const ALLOWED: Decision = Decision::Allow { basis: None, flagged: false };
const HIDDEN: Decision = Decision::Deny(Denied::NotEntitled);
const FORBIDDEN: Decision = Decision::Deny(Denied::RoleForbids);
const OUT_OF_SCOPE: Decision = Decision::Deny(Denied::OutOfScope);

fn allowed(basis: Basis) -> Decision {
    Decision::Allow { basis: Some(basis), flagged: basis == Basis::BreakGlass }
}

#[test]
fn who_reads_a_patients_observation() {
    let alice = vec!["alice".to_owned()];
    let target = record("Observation", &alice);
    let now = at(NOW);
    let cases: Vec<(&str, Principal, Decision)> = vec![
        (
            "alice herself",
            person(&[Role::Patient], vec![grant("alice", Basis::OwnRecord)]),
            allowed(Basis::OwnRecord),
        ),
        ("another patient", person(&[Role::Patient], vec![grant("bob", Basis::OwnRecord)]), HIDDEN),
        (
            "her caregiver",
            person(&[Role::Caregiver], vec![grant("alice", Basis::Caregiver)]),
            allowed(Basis::Caregiver),
        ),
        (
            "her care team's nurse",
            person(&[Role::Nurse], vec![grant("alice", Basis::CareTeam)]),
            allowed(Basis::CareTeam),
        ),
        ("a nurse of other patients", person(&[Role::Nurse], vec![grant("bob", Basis::CareTeam)]), HIDDEN),
        ("a physician with no grant", person(&[Role::Physician], vec![]), HIDDEN),
        (
            "the consult's specialist",
            person(&[Role::Specialist], vec![grant("alice", Basis::Assignment)]),
            allowed(Basis::Assignment),
        ),
        (
            "the judge of her hearing",
            person(&[Role::Judge], vec![grant("alice", Basis::Assignment)]),
            allowed(Basis::Assignment),
        ),
        (
            "a clinician who broke the glass",
            person(&[Role::Physician], vec![grant("alice", Basis::BreakGlass)]),
            allowed(Basis::BreakGlass),
        ),
        // Grants that do not fit the role are ignored.
        (
            "an administrator put on the care team",
            person(&[Role::Administrator], vec![grant("alice", Basis::CareTeam)]),
            HIDDEN,
        ),
        (
            "a nurse holding a patient's own-record grant",
            person(&[Role::Nurse], vec![grant("alice", Basis::OwnRecord)]),
            HIDDEN,
        ),
        (
            "a lawyer breaking the glass",
            person(&[Role::Lawyer], vec![grant("alice", Basis::BreakGlass)]),
            HIDDEN,
        ),
        ("the privacy officer", person(&[Role::PrivacyOfficer], vec![]), HIDDEN),
        ("nobody", person(&[], vec![]), HIDDEN),
    ];
    for (who, principal, expected) in cases {
        assert_eq!(decide(&principal, Action::Read, &target, now), expected, "{who}");
        assert_eq!(decide(&principal, Action::Search, &target, now), expected, "{who} searching");
    }
}

#[test]
fn a_care_team_grant_wins_over_break_the_glass_so_ordinary_access_is_not_flagged() {
    let alice = vec!["alice".to_owned()];
    let nurse =
        person(&[Role::Nurse], vec![grant("alice", Basis::BreakGlass), grant("alice", Basis::CareTeam)]);
    assert_eq!(decide(&nurse, Action::Read, &record("Encounter", &alice), at(NOW)), allowed(Basis::CareTeam));
}

#[test]
fn a_resource_shared_by_two_patients_is_in_both_records() {
    let both = vec!["alice".to_owned(), "bob".to_owned()];
    let bob = person(&[Role::Patient], vec![grant("bob", Basis::OwnRecord)]);
    assert_eq!(decide(&bob, Action::Read, &record("Appointment", &both), at(NOW)), allowed(Basis::OwnRecord));
}

#[test]
fn grants_are_limited_in_time_in_types_and_to_reading() {
    let alice = vec!["alice".to_owned()];
    let now = at(NOW);
    let mut shared = grant("alice", Basis::Caregiver);
    shared.resource_types = Some(BTreeSet::from(["Appointment".to_owned(), "Observation".to_owned()]));
    shared.write = false;
    shared.expires = Some(at("2026-11-26T10:00:01Z"));
    let caregiver = person(&[Role::Caregiver], vec![shared]);
    assert_eq!(
        decide(&caregiver, Action::Read, &record("Observation", &alice), now),
        allowed(Basis::Caregiver)
    );
    assert_eq!(decide(&caregiver, Action::Read, &record("Condition", &alice), now), HIDDEN, "not shared");
    assert_eq!(decide(&caregiver, Action::Update, &record("Observation", &alice), now), HIDDEN, "read-only");
    let later = at("2026-11-26T10:00:01Z");
    assert_eq!(
        decide(&caregiver, Action::Read, &record("Observation", &alice), later),
        HIDDEN,
        "lapsed at its end"
    );
    let patient = person(&[Role::Patient], vec![grant("alice", Basis::OwnRecord)]);
    assert_eq!(
        decide(&patient, Action::Create, &record("Observation", &alice), now),
        allowed(Basis::OwnRecord)
    );
}

#[test]
fn the_audit_trail_is_the_privacy_officers_and_nobody_writes_it() {
    let alice = vec!["alice".to_owned()];
    let now = at(NOW);
    let officer = person(&[Role::PrivacyOfficer], vec![]);
    let physician = person(&[Role::Physician], vec![grant("alice", Basis::CareTeam)]);
    let admin = person(&[Role::Administrator], vec![]);
    let audit = record("AuditEvent", &alice);
    assert_eq!(decide(&officer, Action::Read, &audit, now), ALLOWED);
    assert_eq!(decide(&officer, Action::Search, &directory("AuditEvent"), now), ALLOWED);
    assert_eq!(decide(&officer, Action::Create, &audit, now), HIDDEN);
    assert_eq!(decide(&physician, Action::Read, &audit, now), HIDDEN, "a care team does not see who looked");
    assert_eq!(decide(&admin, Action::Search, &directory("AuditEvent"), now), FORBIDDEN);
}

#[test]
fn directories_are_read_by_everyone_signed_in_and_kept_by_administrators() {
    let now = at(NOW);
    let patient = person(&[Role::Patient], vec![grant("alice", Basis::OwnRecord)]);
    let nurse = person(&[Role::Nurse], vec![]);
    let admin = person(&[Role::Administrator], vec![]);
    for who in [&patient, &nurse, &admin] {
        assert_eq!(decide(who, Action::Read, &directory("Practitioner"), now), ALLOWED);
        assert_eq!(decide(who, Action::Search, &directory("Location"), now), ALLOWED);
    }
    assert_eq!(decide(&person(&[], vec![]), Action::Read, &directory("Organization"), now), FORBIDDEN);
    assert_eq!(decide(&admin, Action::Update, &directory("Organization"), now), ALLOWED);
    assert_eq!(decide(&nurse, Action::Update, &directory("Organization"), now), FORBIDDEN);
    assert_eq!(decide(&patient, Action::Update, &directory("Organization"), now), FORBIDDEN);
    assert_eq!(decide(&nurse, Action::Create, &directory("Slot"), now), ALLOWED, "staff book slots");
    assert_eq!(decide(&patient, Action::Create, &directory("Slot"), now), FORBIDDEN);
}

#[test]
fn care_data_without_a_patient_is_for_staff_only() {
    let now = at(NOW);
    let queue_item = directory("Task");
    let orphan_reading =
        Target { resource_type: "Observation", in_compartment: true, patients: &[], id: None };
    let nurse = person(&[Role::Nurse], vec![]);
    for target in [queue_item, orphan_reading] {
        assert_eq!(decide(&nurse, Action::Read, &target, now), ALLOWED);
        assert_eq!(decide(&nurse, Action::Update, &target, now), ALLOWED);
        for outsider in
            [Role::Patient, Role::Caregiver, Role::Judge, Role::Administrator, Role::PrivacyOfficer]
        {
            let who = person(&[outsider], vec![]);
            assert_eq!(decide(&who, Action::Read, &target, now), FORBIDDEN, "{outsider:?}");
        }
    }
}

#[test]
fn breaking_the_glass_needs_a_clinician_and_a_reason_and_lapses() {
    let now = at(NOW);
    let physician = person(&[Role::Physician], vec![]);
    let granted = break_glass(
        &physician,
        "alice",
        "Unconscious in the ER, no care team reachable",
        now,
        SignedDuration::from_hours(2),
    )
    .unwrap();
    assert_eq!(granted.basis, Basis::BreakGlass);
    assert!(!granted.write);
    assert_eq!(granted.expires, Some(at("2026-11-26T12:00:00Z")));
    let capped =
        break_glass(&physician, "alice", "ER admission", now, SignedDuration::from_hours(72)).unwrap();
    assert_eq!(capped.expires, Some(at("2026-11-26T22:00:00Z")), "at most 12 hours");
    assert_eq!(
        break_glass(&physician, "alice", "   ok  ", now, SignedDuration::from_hours(1)),
        Err(BreakGlassRefused::NoReason)
    );
    let admin = person(&[Role::Administrator], vec![]);
    assert_eq!(
        break_glass(&admin, "alice", "Curious about this one", now, SignedDuration::from_hours(1)),
        Err(BreakGlassRefused::NotClinician)
    );

    let alice = vec!["alice".to_owned()];
    let with_glass = person(&[Role::Physician], vec![granted]);
    let chart = record("Observation", &alice);
    assert_eq!(
        decide(&with_glass, Action::Read, &chart, at("2026-11-26T11:59:59Z")),
        allowed(Basis::BreakGlass)
    );
    assert_eq!(decide(&with_glass, Action::Read, &chart, at("2026-11-26T12:00:00Z")), HIDDEN);
    assert_eq!(decide(&with_glass, Action::Update, &chart, now), HIDDEN, "read-only");
}

#[test]
fn role_codes_round_trip_and_are_distinct() {
    let codes: BTreeSet<&str> = Role::all().map(Role::code).collect();
    assert_eq!(codes.len(), 14);
    for role in Role::all() {
        assert_eq!(Role::from_code(role.code()), Some(role));
    }
    assert_eq!(Role::from_code("superuser"), None);
    assert!(Denied::NotEntitled.hides_existence() && !Denied::RoleForbids.hides_existence());
    assert!(!Denied::OutOfScope.hides_existence());
}

mod scope_agrees_with_decide;

fn with_token(mut principal: Principal, scopes: &str) -> Principal {
    principal.scopes = Some(Scopes::parse(scopes, |_| true).unwrap());
    principal
}

#[test]
fn a_system_client_does_what_its_scopes_say_and_nothing_more() {
    let alice = vec!["alice".to_owned()];
    let now = at(NOW);
    let gateway = with_token(person(&[], vec![]), "system/Observation.write system/Device.read");
    assert!(gateway.is_system());
    assert_eq!(decide(&gateway, Action::Create, &record("Observation", &alice), now), ALLOWED);
    assert_eq!(
        decide(&gateway, Action::Read, &record("Observation", &alice), now),
        OUT_OF_SCOPE,
        "write only"
    );
    assert_eq!(decide(&gateway, Action::Read, &record("Patient", &alice), now), OUT_OF_SCOPE);
    assert!(
        !gateway.token_reaches("Observation", Action::Search)
            && gateway.token_reaches("Device", Action::Search)
    );
    assert_eq!(decide(&gateway, Action::Read, &directory("Device"), now), ALLOWED);
    assert_eq!(search_scope(&gateway, "Observation", true, now), Scope::Nothing);
    assert_eq!(search_scope(&gateway, "Device", false, now), Scope::All);

    let integration = with_token(person(&[], vec![]), "system/*.*");
    assert_eq!(decide(&integration, Action::Update, &record("Condition", &alice), now), ALLOWED);
    let trail = record("AuditEvent", &alice);
    assert_eq!(decide(&integration, Action::Read, &trail, now), OUT_OF_SCOPE, "the trail must be named");
    let auditor = with_token(person(&[], vec![]), "system/AuditEvent.*");
    assert_eq!(decide(&auditor, Action::Read, &trail, now), ALLOWED);
    assert_eq!(decide(&auditor, Action::Create, &trail, now), FORBIDDEN, "only the server writes it");
}

#[test]
fn a_persons_token_narrows_the_policy_never_widens_it() {
    let alice = vec!["alice".to_owned()];
    let bob = vec!["bob".to_owned()];
    let now = at(NOW);
    let nurse = person(&[Role::Nurse], vec![grant("alice", Basis::CareTeam)]);
    let reader = with_token(nurse.clone(), "user/*.read");
    assert!(!reader.is_system());
    assert_eq!(decide(&reader, Action::Read, &record("Observation", &alice), now), allowed(Basis::CareTeam));
    assert_eq!(
        decide(&reader, Action::Read, &record("Observation", &bob), now),
        HIDDEN,
        "policy still applies"
    );
    assert_eq!(decide(&reader, Action::Update, &record("Observation", &alice), now), OUT_OF_SCOPE);
    let system_scope_on_a_person = with_token(nurse, "system/*.*");
    assert!(!system_scope_on_a_person.is_system(), "a person is never a system client");
    assert_eq!(
        decide(&system_scope_on_a_person, Action::Read, &record("Observation", &alice), now),
        OUT_OF_SCOPE
    );
    assert!(person(&[Role::Nurse], vec![]).token_reaches("AuditEvent", Action::Search), "no token, no limit");

    // patient/ scopes reach the patient in context only: a caregiver's share, not a care team.
    let both = person(
        &[Role::Caregiver, Role::Nurse],
        vec![grant("alice", Basis::Caregiver), grant("bob", Basis::CareTeam)],
    );
    let app = with_token(both, "patient/*.read");
    assert_eq!(decide(&app, Action::Read, &record("Observation", &alice), now), allowed(Basis::Caregiver));
    assert_eq!(decide(&app, Action::Read, &record("Observation", &bob), now), HIDDEN);
    assert_eq!(
        search_scope(&app, "Observation", true, now),
        Scope::Patients {
            ids: BTreeSet::from(["alice".to_owned()]),
            unattached: true,
            resources: BTreeSet::new()
        }
    );
}

#[test]
fn the_court_reads_an_assigned_record_and_never_writes_it() {
    let dan = vec!["dan".to_owned()];
    let now = at(NOW);
    for role in [Role::Judge, Role::CourtClerk, Role::Lawyer] {
        let court = person(&[role], vec![grant("dan", Basis::Assignment)]);
        assert_eq!(
            decide(&court, Action::Read, &record("DocumentReference", &dan), now),
            allowed(Basis::Assignment)
        );
        assert_eq!(
            decide(&court, Action::Update, &record("DocumentReference", &dan), now),
            HIDDEN,
            "{role:?}"
        );
    }
    let specialist = person(&[Role::Specialist], vec![grant("dan", Basis::Assignment)]);
    assert_eq!(
        decide(&specialist, Action::Create, &record("Observation", &dan), now),
        allowed(Basis::Assignment)
    );
}

#[test]
fn a_schedule_naming_no_patient_is_the_directory() {
    let now = at(NOW);
    // The R4 compartment lists Schedule (its actor may be a patient): one naming a practitioner
    // only is still the directory every signed-in person reads.
    let schedule = Target { resource_type: "Schedule", in_compartment: true, patients: &[], id: None };
    let patient = person(&[Role::Patient], vec![grant("alice", Basis::OwnRecord)]);
    assert_eq!(decide(&patient, Action::Read, &schedule, now), ALLOWED);
    assert_eq!(decide(&patient, Action::Update, &schedule, now), FORBIDDEN);
    assert_eq!(decide(&person(&[Role::Nurse], vec![]), Action::Update, &schedule, now), ALLOWED);
    assert_eq!(decide(&person(&[Role::Administrator], vec![]), Action::Create, &schedule, now), ALLOWED);
    assert!(search_scope(&patient, "Schedule", true, now).admits(&schedule));
}
