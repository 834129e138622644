//! Alerts as FHIR resources: a DetectedIssue (what the rule found, which readings, how severe),
//! a Task for the nurse queue (priority from the severity, due when the escalation chain would
//! move on), and a Provenance naming the rule and its version as the agent's policy.

use jiff::{SignedDuration, Timestamp};
use relais_clinical::engine::Finding;
use relais_clinical::program::{Program, Severity};
use serde_json::{Value, json};

/// Identifier system of an alert's stable key: one open alert per key.
pub const ALERT_KEY: &str = "urn:relais:alert-key";
/// Extension holding what the rule found, as JSON, for the triage pages.
pub const ALERT_DETAIL: &str = "http://relais.invalid/fhir/StructureDefinition/alert-detail";
/// The agent named in the Provenance of every alert.
pub const ENGINE: &str = "Relais rules engine";

/// The code system of a program's rules (`DetectedIssue.code`).
pub fn rule_system(program: &Program) -> String {
    format!("urn:relais:program:{}:rule", program.id)
}

/// The rule and version an alert was raised under (`Provenance.policy`, `DetectedIssue.reference`).
pub fn rule_uri(finding: &Finding) -> String {
    format!(
        "urn:relais:program:{}:version:{}:rule:{}:version:{}",
        finding.program, finding.program_version, finding.rule, finding.rule_version
    )
}

/// The queue priority of a severity: high alerts come first in the nurse's queue.
pub fn priority(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "asap",
        Severity::Moderate => "urgent",
        Severity::Low => "routine",
    }
}

/// Ids of the resources a finding's triggers name, with their type.
pub type Typed<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

pub fn detected_issue(
    program: &Program,
    finding: &Finding,
    patient: &str,
    identified: Timestamp,
    typed: Typed<'_>,
) -> Value {
    let title = program.rule(&finding.rule).map_or(finding.rule.as_str(), |r| r.title.fr.as_str());
    let implicated: Vec<Value> =
        finding.triggers.iter().filter_map(|id| typed(id)).map(|r| json!({"reference": r})).collect();
    let detail = serde_json::to_string(&finding.detail).unwrap_or_default();
    json!({
        "resourceType": "DetectedIssue",
        "status": "preliminary",
        "identifier": [{"system": ALERT_KEY, "value": finding.key}],
        "code": {"coding": [{"system": rule_system(program), "code": finding.rule, "display": title}], "text": title},
        "severity": finding.severity.code(),
        "patient": {"reference": format!("Patient/{patient}")},
        "identifiedDateTime": identified.to_string(),
        "author": {"display": ENGINE},
        "implicated": implicated,
        "detail": title,
        "reference": rule_uri(finding),
        "extension": [{"url": ALERT_DETAIL, "valueString": detail}],
    })
}

pub fn task(program: &Program, finding: &Finding, patient: &str, issue: &str, now: Timestamp) -> Value {
    let title = program.rule(&finding.rule).map_or(finding.rule.as_str(), |r| r.title.fr.as_str());
    let mut task = json!({
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "priority": priority(finding.severity),
        "code": {"coding": [{"system": rule_system(program), "code": finding.rule}]},
        "description": title,
        "focus": {"reference": issue},
        "for": {"reference": format!("Patient/{patient}")},
        "authoredOn": now.to_string(),
        "lastModified": now.to_string(),
    });
    // Due when the first person of the escalation chain runs out of time.
    if let Some(policy) = program.escalation.get(&finding.severity) {
        let due = now.checked_add(SignedDuration::from_mins(i64::from(policy.after_minutes)));
        if let (Ok(due), Some(map)) = (due, task.as_object_mut()) {
            map.insert("restriction".into(), json!({"period": {"end": due.to_string()}}));
        }
    }
    task
}

pub fn provenance(
    finding: &Finding,
    targets: &[&str],
    now: Timestamp,
    activity: &str,
    typed: Typed<'_>,
) -> Value {
    let entities: Vec<Value> = finding
        .triggers
        .iter()
        .filter_map(|id| typed(id))
        .map(|r| json!({"role": "source", "what": {"reference": r}}))
        .collect();
    let targets: Vec<Value> = targets.iter().map(|t| json!({"reference": t})).collect();
    json!({
        "resourceType": "Provenance",
        "target": targets,
        "recorded": now.to_string(),
        "policy": [rule_uri(finding)],
        "activity": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-DataOperation", "code": activity}]},
        "agent": [{
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type", "code": "assembler"}]},
            "who": {"display": ENGINE},
        }],
        "entity": entities,
    })
}

/// The id a transaction response entry's `location` names (`Task/abc/_history/1` → `abc`).
pub fn location_id(entry: &Value) -> Option<String> {
    let location = entry.get("response")?.get("location")?.as_str()?;
    location.split('/').nth(1).map(str::to_owned)
}
