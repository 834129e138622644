//! What a search may return to the person asking: the access policy's answer, per resource
//! type, turned into one more condition on every resource a search touches — its matches, the
//! targets of its chains, the sources of its `_has`, and what `_include` and `_revinclude`
//! add — so that no part of a search shows, or reveals through a filter, a resource outside it.
//!
//! Membership of a patient's record is the official patient compartment
//! (`relais_fhir::compartment`): a resource belongs to the patients its compartment parameters
//! reference relatively (`Patient/123`), read here from the same index rows search uses.

use relais_fhir::compartment::PatientCompartment;
use relais_fhir::search::SearchParams;

use super::filter::{any_of, never, stored_reference};
use super::sql::Sql;

/// Which resources of one type may be returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visible {
    /// Every resource of the type.
    All,
    /// None.
    Nothing,
    /// Those in these patients' records; and, if `unattached`, those in no patient's record (a
    /// clinician sees a device's readings that name no patient); and the resources of the type
    /// with these ids, whatever record they are in (a queue item open to those who may take it).
    Patients { ids: Vec<String>, unattached: bool, resources: Vec<String> },
}

/// The policy's answer for each resource type, for one person. A search without one
/// (`SearchSpec::visible` = `None`) is the server's own and sees everything.
pub type Visibility<'a> = &'a (dyn Fn(&str) -> Visible + Send + Sync);

/// The condition that the resource `alias.res_type`/`alias.res_id` (of `resource_type`) is
/// visible; `None` when everything of the type is.
pub(crate) fn condition(
    params: &SearchParams,
    visible: &Visible,
    resource_type: &str,
    alias: &str,
    c: &str,
) -> Option<Sql> {
    let (ids, unattached, resources) = match visible {
        Visible::All => return None,
        Visible::Nothing => return Some(never()),
        Visible::Patients { ids, unattached, resources } => (ids, *unattached, resources),
    };
    // Fail closed: without the compartment definition nothing of a person's record shows.
    let Some(codes) = compartment_codes(params, resource_type) else { return Some(never()) };
    if resource_type != "Patient" && codes.is_empty() {
        // A type no patient's record holds: only "unattached" can let it through.
        return if unattached { None } else { Some(never()) };
    }
    let mut alternatives: Vec<Sql> = Vec::new();
    if !resources.is_empty() {
        let mut listed = Sql::default();
        listed.push(&format!("{alias}.res_id IN ")).list(resources);
        alternatives.push(listed);
    }
    if resource_type == "Patient" && !ids.is_empty() {
        let mut own = Sql::default();
        own.push(&format!("{alias}.res_id IN ")).list(ids);
        alternatives.push(own);
    }
    if !codes.is_empty() && !ids.is_empty() {
        let mut member = references(alias, c, &codes);
        member.push(&format!(" AND {c}.target_id IN ")).list(ids);
        member.push(")");
        alternatives.push(member);
    }
    if unattached && resource_type != "Patient" {
        let mut none = Sql::default();
        none.push("NOT ").append(references(alias, c, &codes)).push(")");
        alternatives.push(none);
    }
    // No alternative left (no patients, nothing unattached) is `1 = 0`.
    Some(any_of(alternatives))
}

/// `EXISTS (… a relative reference to a Patient through one of `codes`` — left open.
fn references(alias: &str, c: &str, codes: &[String]) -> Sql {
    let mut sql = Sql::default();
    sql.push(&format!(
        "EXISTS (SELECT 1 FROM idx_reference {c} WHERE {c}.res_type = {alias}.res_type AND {c}.res_id = {alias}.res_id AND {c}.param IN "
    ));
    sql.list(codes);
    sql.push(&format!(" AND {c}.target_type = ")).text("Patient");
    // Relative references only, as the compartment counts them (an absolute URL may name
    // another server's patient with the same id).
    sql.push(&format!(" AND {c}.url LIKE ")).text("Patient/%");
    sql
}

/// The stored reference parameters through which `resource_type` belongs to a patient's
/// record (`patient` of an Observation is stored as `subject`), each once.
fn compartment_codes(params: &SearchParams, resource_type: &str) -> Option<Vec<String>> {
    let compartment = PatientCompartment::shared().ok()?;
    let mut codes: Vec<String> = compartment
        .params(resource_type)
        .unwrap_or_default()
        .iter()
        .filter_map(|code| params.get(resource_type, code))
        .filter_map(|param| stored_reference(params, resource_type, param).ok())
        .map(|(code, _)| code)
        .collect();
    codes.sort();
    codes.dedup();
    Some(codes)
}
