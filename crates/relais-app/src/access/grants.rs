//! The grants a person holds, read from the FHIR record itself (the policy in
//! `relais_access::policy` decides with them):
//!
//! - a patient account: its own record;
//! - a clinician (a Practitioner): the patients of the active CareTeams they take part in, and
//!   the patients of the open Tasks they own (assignments: consults, alerts, hearings); and,
//!   for each open Task waiting in a queue they work from — a Task `owner`ed by the Organization
//!   or a HealthcareService of one of their active PractitionerRoles (a clinic's pool, the
//!   dermatology service's e-consults) — that Task itself (to see and claim it; not the
//!   patient's other Tasks) and the patient's Patient resource (to know whom it is for),
//!   nothing more;
//! - a caregiver (a RelatedPerson): what the patient shares with them — an active Consent of the
//!   patient naming them as `provision.actor`, limited to its `provision.class` resource types
//!   (all of the record when it lists none), read-only, until the provision's period ends. A
//!   RelatedPerson the patient never shared anything with sees nothing;
//! - a clinician's account: the break-the-glass grants they took (stored, see
//!   `Fhir::break_glass`) still running at the instant the request is decided, read-only.
//!
//! Read with the server's own searches: these are the facts access is decided on, not results
//! shown to the person.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use relais_access::policy::{Basis, Grant, Role};
use relais_fhir::search::{ParseOptions, SearchParams, parse_query};
use relais_store::{ResourceRow, ResourceStore, SearchSpec, StoreError};
use serde_json::Value;

/// Who someone is in the record, as their account links them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub roles: BTreeSet<Role>,
    /// The Patient of a patient account.
    pub patient: Option<String>,
    /// The Practitioner of a staff account.
    pub practitioner: Option<String>,
    /// The RelatedPerson of a caregiver account.
    pub related_person: Option<String>,
    /// The account and the instant the request is decided at: the account's break-the-glass
    /// grants running then count too (`None`: none are read).
    pub account: Option<(String, Timestamp)>,
}

/// Task statuses in which the owner is still working on it.
const OPEN_TASKS: &str = "requested,received,accepted,ready,in-progress,on-hold";
/// The most resources one grant query reads (a clinician on more care teams than this is a
/// configuration error, not a reason to stall a request).
const MAX_ROWS: usize = 5_000;
const RESOURCE_TYPES: &str = "http://hl7.org/fhir/resource-types";

/// The grants `identity` holds.
pub async fn grants_for(
    store: &dyn ResourceStore,
    params: &SearchParams,
    identity: &Identity,
) -> Result<Vec<Grant>, StoreError> {
    let mut grants = Vec::new();
    if let Some(patient) = &identity.patient {
        grants.push(grant(patient, Basis::OwnRecord, None, true, None));
    }
    if let Some(practitioner) = &identity.practitioner {
        let me = format!("Practitioner/{practitioner}");
        for team in matches(store, params, "CareTeam", &[("participant", &me), ("status", "active")]).await? {
            if let Some(patient) = patient_of(&team, "/subject/reference") {
                let ends = instant(&team, "/period/end");
                grants.push(grant(&patient, Basis::CareTeam, None, true, ends));
            }
        }
        for task in matches(store, params, "Task", &[("owner", &me), ("status", OPEN_TASKS)]).await? {
            if let Some(patient) = patient_of(&task, "/for/reference") {
                grants.push(grant(&patient, Basis::Assignment, None, true, None));
            }
        }
        let queues = queues_of(store, params, practitioner).await?;
        if !queues.is_empty() {
            let owners = queues.join(",");
            // Each patient with the ids of their Tasks waiting in these queues.
            let mut waiting: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for task in matches(store, params, "Task", &[("owner", &owners), ("status", OPEN_TASKS)]).await? {
                let (Some(patient), Some(id)) = (patient_of(&task, "/for/reference"), task["id"].as_str())
                else {
                    continue;
                };
                waiting.entry(patient).or_default().insert(id.to_owned());
            }
            for (patient, tasks) in waiting {
                // The waiting Tasks themselves (to see and claim them), not the patient's others.
                let mut item = grant(&patient, Basis::Queue, Some(types(&["Task"])), true, None);
                item.only = Some(tasks);
                grants.push(item);
                grants.push(grant(&patient, Basis::Queue, Some(types(&["Patient"])), false, None));
            }
        }
    }
    if let Some(related) = &identity.related_person {
        grants.extend(caregiver_grants(store, params, related).await?);
    }
    if let Some((account, now)) = &identity.account {
        for row in store.active_break_glass(account, *now).await? {
            grants.push(grant(&row.patient_id, Basis::BreakGlass, None, false, Some(row.expires_at)));
        }
    }
    Ok(grants)
}

/// The queues `practitioner` works from: the Organizations and HealthcareServices
/// (`Organization/{id}`, `HealthcareService/{id}`) of their active PractitionerRoles. A Task
/// `owner`ed by one of them waits for someone there to take it.
pub(crate) async fn queues_of(
    store: &dyn ResourceStore,
    params: &SearchParams,
    practitioner: &str,
) -> Result<Vec<String>, StoreError> {
    let me = format!("Practitioner/{practitioner}");
    let roles = matches(store, params, "PractitionerRole", &[("practitioner", &me)]).await?;
    let mut queues: Vec<String> = Vec::new();
    for role in roles.iter().filter(|role| role.get("active").and_then(Value::as_bool) != Some(false)) {
        let services = role.get("healthcareService").and_then(Value::as_array).into_iter().flatten();
        let references = std::iter::once(role.pointer("/organization/reference"))
            .chain(services.map(|s| s.get("reference")))
            .flatten()
            .filter_map(Value::as_str);
        queues.extend(
            references
                .filter(|r| r.starts_with("Organization/") || r.starts_with("HealthcareService/"))
                .map(str::to_owned),
        );
    }
    queues.sort();
    queues.dedup();
    Ok(queues)
}

fn types(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

async fn caregiver_grants(
    store: &dyn ResourceStore,
    params: &SearchParams,
    related: &str,
) -> Result<Vec<Grant>, StoreError> {
    let Some(row) = store.current("RelatedPerson", related).await? else { return Ok(Vec::new()) };
    let Some(person) = parse(&row) else { return Ok(Vec::new()) };
    if person.get("active").and_then(Value::as_bool) == Some(false) {
        return Ok(Vec::new());
    }
    let Some(patient) = patient_of(&person, "/patient/reference") else { return Ok(Vec::new()) };
    let me = format!("RelatedPerson/{related}");
    let subject = format!("Patient/{patient}");
    let consents =
        matches(store, params, "Consent", &[("patient", &subject), ("actor", &me), ("status", "active")])
            .await?;
    let mut grants = Vec::new();
    for consent in consents {
        for provision in provisions_naming(&consent, &me) {
            if provision.get("type").and_then(Value::as_str) == Some("deny") {
                continue;
            }
            let classes: BTreeSet<String> = provision
                .get("class")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|c| c.get("system").and_then(Value::as_str) == Some(RESOURCE_TYPES))
                .filter_map(|c| c.get("code").and_then(Value::as_str).map(str::to_owned))
                .collect();
            let types = (!classes.is_empty()).then_some(classes);
            let ends = provision.pointer("/period/end").and_then(Value::as_str).and_then(|t| t.parse().ok());
            grants.push(grant(&patient, Basis::Caregiver, types, false, ends));
        }
    }
    Ok(grants)
}

/// The root provision and its nested ones that name `actor`.
fn provisions_naming<'a>(consent: &'a Value, actor: &str) -> Vec<&'a Value> {
    let Some(root) = consent.get("provision") else { return Vec::new() };
    let nested = root.get("provision").and_then(Value::as_array).into_iter().flatten();
    std::iter::once(root)
        .chain(nested)
        .filter(|p| {
            p.get("actor")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|a| a.pointer("/reference/reference").and_then(Value::as_str) == Some(actor))
        })
        .collect()
}

fn grant(
    patient: &str,
    basis: Basis,
    types: Option<BTreeSet<String>>,
    write: bool,
    expires: Option<Timestamp>,
) -> Grant {
    Grant { patient: patient.to_owned(), basis, resource_types: types, write, expires, only: None }
}

/// The id of the Patient a relative reference at `pointer` names.
fn patient_of(resource: &Value, pointer: &str) -> Option<String> {
    resource.pointer(pointer).and_then(Value::as_str)?.strip_prefix("Patient/").map(str::to_owned)
}

fn instant(resource: &Value, pointer: &str) -> Option<Timestamp> {
    resource.pointer(pointer).and_then(Value::as_str)?.parse().ok()
}

fn parse(row: &ResourceRow) -> Option<Value> {
    serde_json::from_str(row.content.as_deref()?).ok()
}

/// Every current resource of `resource_type` matching `query` (the server's own search, paged
/// through), at most [`MAX_ROWS`].
async fn matches(
    store: &dyn ResourceStore,
    params: &SearchParams,
    resource_type: &str,
    query: &[(&str, &str)],
) -> Result<Vec<Value>, StoreError> {
    let options = ParseOptions { base_url: "", strict: true, max_count: 500 };
    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut pairs: Vec<(&str, &str)> = query.to_vec();
        pairs.push(("_count", "500"));
        if let Some(c) = &cursor {
            pairs.push(("_cursor", c));
        }
        let parsed = parse_query(params, resource_type, pairs, &options).map_err(|_| {
            StoreError::Read(format!("a grant query on {resource_type} is not a valid search"))
        })?;
        let page = store
            .search(&SearchSpec { query: &parsed, params, count: 500, total: false, visible: None })
            .await?;
        found.extend(page.matches.iter().filter_map(parse));
        match page.next {
            Some(next) if found.len() < MAX_ROWS => cursor = Some(next),
            _ => return Ok(found),
        }
    }
}
