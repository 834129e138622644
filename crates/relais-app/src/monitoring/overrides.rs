//! Per-patient threshold overrides: a clinician sets, for one patient, the limit of one rule of
//! their program (a `threshold`, `average` or `change` rule), with the reason.
//!
//! Stored as a FHIR `Basic` resource in the patient's record (so the access policy and the
//! audit trail treat it as clinical data): `code` = `urn:relais:monitoring|threshold-override`,
//! `subject` the patient, `author` who set it (their name; the trail holds their account),
//! `identifier` = `urn:relais:threshold-override|{patient}/{program}/{rule}` (one per rule:
//! setting again replaces it, as a new version, so the history keeps every value), and the
//! program, rule, limit, reason and instant as extensions. Removing one deletes it.

use std::collections::BTreeMap;

use relais_clinical::engine::PatientOverrides;
use relais_clinical::program::{Condition, Limit, Program};
use relais_fhir::{Issue, IssueType};
use serde_json::{Value, json};

use super::evaluate::resources;
use super::{BASE, Monitoring};
use crate::access::Caller;
use crate::fhir::FhirError;

/// The code of an override (`Basic.code`).
pub const OVERRIDE_SYSTEM: &str = "urn:relais:monitoring";
pub const OVERRIDE_CODE: &str = "threshold-override";
/// Identifier system: one override per patient, program and rule.
pub const OVERRIDE_KEY: &str = "urn:relais:threshold-override";
const EXT: &str = "http://relais.invalid/fhir/StructureDefinition/threshold-override-";

/// An override to set, as the clinician typed it.
#[derive(Debug, Clone, Default)]
pub struct SetOverride {
    pub patient: String,
    pub rule: String,
    /// As written in programs: `> 3`, `>= 150`.
    pub limit: String,
    pub reason: String,
    /// The clinician's name, shown beside the value.
    pub by: String,
}

/// A stored override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub id: String,
    pub program: String,
    pub rule: String,
    pub limit: Limit,
    pub reason: String,
    pub by: String,
    pub at: String,
}

fn refused(field: &str, code: &'static str, message: &str) -> FhirError {
    FhirError::Unprocessable(vec![Issue::error(IssueType::BusinessRule, code, message).at(field)])
}

fn extension(resource: &Value, name: &str) -> Option<String> {
    let url = format!("{EXT}{name}");
    resource
        .get("extension")?
        .as_array()?
        .iter()
        .find(|e| e.get("url").and_then(Value::as_str) == Some(url.as_str()))
        .and_then(|e| e.get("valueString").or_else(|| e.get("valueDateTime")))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The override a stored Basic holds, if it is one.
pub(super) fn parse(resource: &Value) -> Option<Override> {
    Some(Override {
        id: resource.get("id")?.as_str()?.to_owned(),
        program: extension(resource, "program")?,
        rule: extension(resource, "rule")?,
        limit: extension(resource, "limit")?.parse().ok()?,
        reason: extension(resource, "reason").unwrap_or_default(),
        by: resource.pointer("/author/display").and_then(Value::as_str).unwrap_or_default().to_owned(),
        at: extension(resource, "at").unwrap_or_default(),
    })
}

/// Whether the rule's limit may be overridden: a `threshold`, `average` or `change` rule.
pub fn overridable(program: &Program, rule: &str) -> bool {
    program.rule(rule).is_some_and(|r| {
        matches!(
            r.condition,
            Condition::Threshold { .. } | Condition::Average { .. } | Condition::Change { .. }
        )
    })
}

/// The engine's overrides from the stored ones of `program`.
pub fn engine_overrides(program: &Program, stored: &[Override]) -> PatientOverrides {
    let limits: BTreeMap<String, Limit> = stored
        .iter()
        .filter(|o| o.program == program.id && overridable(program, &o.rule))
        .map(|o| (o.rule.clone(), o.limit))
        .collect();
    PatientOverrides { limits, ..PatientOverrides::default() }
}

/// The search of overrides of `patients` (`Patient/a,Patient/b`).
pub(super) fn query(patients: &str) -> Vec<(String, String)> {
    vec![
        ("subject".to_owned(), patients.to_owned()),
        ("code".to_owned(), format!("{OVERRIDE_SYSTEM}|{OVERRIDE_CODE}")),
        ("_count".to_owned(), "100".to_owned()),
    ]
}

impl Monitoring {
    /// The overrides stored for `patient` (the system's read, for the engine).
    pub(super) async fn stored_overrides(&self, patient: &str) -> Result<Vec<Override>, FhirError> {
        let bundle = self.fhir.search("Basic", &query(&format!("Patient/{patient}")), true, BASE).await?;
        Ok(resources(&bundle).filter_map(parse).collect())
    }

    /// The patient's overrides, read as `caller` (audited).
    ///
    /// # Errors
    /// The search's (403 for a caller with no right to the record).
    pub async fn overrides_of(&self, caller: &Caller, patient: &str) -> Result<Vec<Override>, FhirError> {
        let bundle =
            self.fhir.search_as(caller, "Basic", &query(&format!("Patient/{patient}")), true, BASE).await?;
        Ok(resources(&bundle).filter_map(parse).collect())
    }

    /// Sets (or replaces) the patient's override of one rule of their program, as `caller`.
    ///
    /// # Errors
    /// 422 `not-enrolled`; `rule-not-overridable` (field `rule`), `limit-invalid` (`limit`),
    /// `reason-required` (`reason`); 403 when the caller may not write the record.
    pub async fn set_override(&self, caller: &Caller, set: &SetOverride) -> Result<Override, FhirError> {
        let limit: Limit = set.limit.parse().map_err(|e: String| refused("limit", "limit-invalid", &e))?;
        let reason = set.reason.trim();
        if reason.is_empty() || reason.len() > 1000 {
            return Err(refused("reason", "reason-required", "Say why this patient needs another limit"));
        }
        self.may_plan_for(caller, &set.patient).await?;
        let (program, _) = self.enrolment(&set.patient).await?;
        if !overridable(&program, &set.rule) {
            return Err(refused(
                "rule",
                "rule-not-overridable",
                "Choose a threshold, average or change rule",
            ));
        }
        let now = self.fhir.clock().now();
        let key = format!("{}/{}/{}", set.patient, program.id, set.rule);
        let ext = |name: &str, value: &str| json!({"url": format!("{EXT}{name}"), "valueString": value});
        let basic = json!({
            "resourceType": "Basic",
            "identifier": [{"system": OVERRIDE_KEY, "value": key}],
            "code": {"coding": [{"system": OVERRIDE_SYSTEM, "code": OVERRIDE_CODE}], "text": "Threshold override"},
            "subject": {"reference": format!("Patient/{}", set.patient)},
            "created": now.strftime("%Y-%m-%d").to_string(),
            "author": {"display": set.by},
            "extension": [ext("program", &program.id), ext("rule", &set.rule), ext("limit", &limit.to_string()),
                ext("reason", reason), {"url": format!("{EXT}at"), "valueDateTime": now.to_string()}],
        });
        let existing = self.stored_overrides(&set.patient).await?;
        let same = existing.iter().find(|o| o.program == program.id && o.rule == set.rule);
        let written = match same {
            Some(old) => {
                let mut basic = basic;
                basic["id"] = json!(old.id);
                self.fhir.update_as(caller, "Basic", &old.id, basic.to_string().as_bytes(), None).await?
            }
            None => self.fhir.create_as(caller, "Basic", basic.to_string().as_bytes(), None).await?,
        };
        let content: Value =
            written.row.content.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
        parse(&content).ok_or_else(|| FhirError::Conflict("the stored override is unreadable".into()))
    }

    /// Removes one of the patient's overrides (the program's limit applies again), as `caller`.
    ///
    /// # Errors
    /// 404 when the patient has no such override; 403 as [`Monitoring::set_override`].
    pub async fn clear_override(&self, caller: &Caller, patient: &str, id: &str) -> Result<(), FhirError> {
        let mine = self.stored_overrides(patient).await?.into_iter().any(|o| o.id == id);
        if !mine {
            return Err(FhirError::NotFound(format!("Basic/{id}")));
        }
        self.fhir.delete_as(caller, "Basic", id, None).await?;
        Ok(())
    }
}
