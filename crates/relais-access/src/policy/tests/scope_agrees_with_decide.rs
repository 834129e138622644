//! A search's scope and `decide` give the same answer, for any people, grants and resources.

use proptest::prelude::*;

use super::*;

const PATIENTS: [&str; 3] = ["a", "b", "c"];
const TYPES: [(&str, bool); 8] = [
    ("Observation", true),
    ("Patient", true),
    ("Appointment", true),
    ("AuditEvent", true),
    ("Schedule", true),
    ("Practitioner", false),
    ("Slot", false),
    ("Task", false),
];
/// Token scope sets: none, system clients, a person's user and patient tokens, and mixes.
const SCOPES: [&str; 8] = [
    "",
    "system/*.read",
    "system/Observation.write system/AuditEvent.read",
    "user/*.read",
    "user/Observation.*",
    "patient/*.read",
    "patient/Observation.read user/Slot.read",
    "system/*.* user/*.*",
];
/// Resource ids a grant may be limited to, and a target may have.
const RESOURCE_IDS: [&str; 3] = ["r1", "r2", "r3"];
const BASES: [Basis; 5] =
    [Basis::OwnRecord, Basis::Caregiver, Basis::CareTeam, Basis::Assignment, Basis::BreakGlass];

fn grant_strategy() -> impl Strategy<Value = Grant> {
    let only = prop::option::of(prop::collection::btree_set(0..3usize, 0..3));
    (0..3usize, 0..5usize, any::<bool>(), any::<bool>(), prop::option::of(-2i64..3), only).prop_map(
        |(patient, basis, only_observations, write, hours, only)| Grant {
            patient: PATIENTS[patient].to_owned(),
            basis: BASES[basis],
            resource_types: only_observations.then(|| BTreeSet::from(["Observation".to_owned()])),
            write,
            expires: hours.map(|h| at(NOW).checked_add(SignedDuration::from_hours(h)).unwrap()),
            only: only.map(|ids| ids.into_iter().map(|n| RESOURCE_IDS[n].to_owned()).collect()),
        },
    )
}

proptest! {
    /// A search returns exactly the resources a read of each would be allowed: the scope a
    /// search applies in SQL and the decision a read asks for never disagree.
    #[test]
    fn for_every_person_and_resource(
        roles in prop::collection::btree_set(0..14usize, 0..3),
        grants in prop::collection::vec(grant_strategy(), 0..5),
        type_index in 0..8usize,
        members in prop::collection::btree_set(0..3usize, 0..3),
        scopes in prop::option::of(0..SCOPES.len()),
        id in prop::option::of(0..3usize),
    ) {
        let all: Vec<Role> = Role::all().collect();
        let scopes = scopes.map(|n| Scopes::parse(SCOPES[n], |_| true).unwrap());
        let principal =
            Principal { id: "u".into(), roles: roles.iter().map(|n| all[*n]).collect(), grants, scopes };
        let (resource_type, in_compartment) = TYPES[type_index];
        let patients: Vec<String> =
            if in_compartment { members.iter().map(|n| PATIENTS[*n].to_owned()).collect() } else { Vec::new() };
        let target = Target { resource_type, in_compartment, patients: &patients, id: id.map(|n| RESOURCE_IDS[n]) };
        let now = at(NOW);
        let allowed = matches!(decide(&principal, Action::Search, &target, now), Decision::Allow { .. });
        let scope = search_scope(&principal, resource_type, in_compartment, now);
        prop_assert_eq!(allowed, scope.admits(&target), "{:?} {:?}", scope, target);
    }
}
