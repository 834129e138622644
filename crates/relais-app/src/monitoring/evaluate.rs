//! Evaluation of a patient's program on their recent history, and the alerts it writes: a new
//! condition raises a DetectedIssue, its Task and a Provenance in one transaction; a persisting
//! one updates its open DetectedIssue (and its Task's priority when the severity moved) with a
//! new Provenance; an open alert that already says the same is left alone.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use relais_clinical::engine::{Finding, Input, evaluate};
use relais_clinical::program::{Program, Text};
use serde_json::{Value, json};

use super::alerts::{self, ALERT_KEY};
use super::{AlertChange, AlertWrite, BASE, Monitoring};
use crate::fhir::{FhirError, Prefer};

/// Pages followed at most when loading a history (500 resources each).
const MAX_PAGES: usize = 20;

/// The resources of a search Bundle's entries.
pub(super) fn resources(bundle: &Value) -> impl Iterator<Item = &Value> {
    bundle.get("entry").and_then(Value::as_array).into_iter().flatten().filter_map(|e| e.get("resource"))
}

/// The `_cursor` of a search Bundle's next page.
fn next_cursor(bundle: &Value) -> Option<String> {
    let links = bundle.get("link")?.as_array()?;
    let next = links.iter().find(|l| l.get("relation").and_then(Value::as_str) == Some("next"))?;
    let url = next.get("url")?.as_str()?;
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "_cursor").map(|(_, v)| v.into_owned())
}

fn pairs(list: &[(&str, String)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

fn transaction(entries: Vec<Value>) -> Vec<u8> {
    json!({"resourceType": "Bundle", "type": "transaction", "entry": entries}).to_string().into_bytes()
}

fn post(full_url: &str, resource: Value) -> Value {
    let kind = resource.get("resourceType").and_then(Value::as_str).unwrap_or("").to_owned();
    json!({"fullUrl": full_url, "resource": resource, "request": {"method": "POST", "url": kind}})
}

/// A PUT of `resource` as `id`, only over `version` (the one the evaluation read): a concurrent
/// update of the same alert makes the transaction fail instead of being overwritten.
pub(super) fn put(resource: Value, id: &str, version: Option<&str>) -> Value {
    let kind = resource.get("resourceType").and_then(Value::as_str).unwrap_or("").to_owned();
    let mut resource = resource;
    if let Some(map) = resource.as_object_mut() {
        map.insert("id".into(), json!(id));
    }
    let mut request = json!({"method": "PUT", "url": format!("{kind}/{id}")});
    if let (Some(version), Some(map)) = (version, request.as_object_mut()) {
        map.insert("ifMatch".into(), json!(format!("W/\"{version}\"")));
    }
    json!({"resource": resource, "request": request})
}

/// The version of a stored resource (its `meta.versionId`).
pub(super) fn version_of(resource: &Value) -> Option<&str> {
    resource.get("meta")?.get("versionId")?.as_str()
}

/// Evaluations tried when another writer updated the same alert in between.
const ATTEMPTS: usize = 3;

impl Monitoring {
    /// Every resource of a search, following its pages.
    pub(super) async fn search_all(
        &self,
        resource_type: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<Value>, FhirError> {
        let mut query = pairs(query);
        let mut found = Vec::new();
        for _ in 0..MAX_PAGES {
            let bundle = self.fhir.search(resource_type, &query, true, BASE).await?;
            found.extend(resources(&bundle).cloned());
            let Some(cursor) = next_cursor(&bundle) else { break };
            query.retain(|(k, _)| k != "_cursor");
            query.push(("_cursor".to_owned(), cursor));
        }
        Ok(found)
    }

    /// Every resource (matches and includes) of a search as `caller`, following its pages: each
    /// page decided by the policy and on the audit trail like any search of theirs.
    pub(super) async fn search_all_as(
        &self,
        caller: &crate::access::Caller,
        resource_type: &str,
        query: &[(String, String)],
    ) -> Result<Vec<Value>, FhirError> {
        let mut query = query.to_vec();
        let mut found = Vec::new();
        for _ in 0..MAX_PAGES {
            let bundle = self.fhir.search_as(caller, resource_type, &query, true, BASE).await?;
            found.extend(resources(&bundle).cloned());
            let Some(cursor) = next_cursor(&bundle) else { break };
            query.retain(|(k, _)| k != "_cursor");
            query.push(("_cursor".to_owned(), cursor));
        }
        Ok(found)
    }

    /// Evaluates the program at the clock's now; writes the alerts; returns them with the advice
    /// of the new or changed ones. One evaluation of a patient at a time in this process; one
    /// that lost a race with another node's (an alert updated since it was read) starts again.
    pub(super) async fn evaluate(
        &self,
        patient: &str,
        program: &Arc<Program>,
        enrolled_at: Timestamp,
    ) -> Result<(Vec<AlertWrite>, Vec<Text>), FhirError> {
        let _serial = self.locks.lock(patient).await;
        let mut attempt = 1;
        loop {
            match self.evaluate_once(patient, program, enrolled_at).await {
                Err(FhirError::PreconditionFailed(_)) if attempt < ATTEMPTS => attempt += 1,
                done => return done,
            }
        }
    }

    async fn evaluate_once(
        &self,
        patient: &str,
        program: &Arc<Program>,
        enrolled_at: Timestamp,
    ) -> Result<(Vec<AlertWrite>, Vec<Text>), FhirError> {
        let now = self.fhir.clock().now();
        let from = now.checked_sub(program.lookback()).unwrap_or(Timestamp::MIN);
        let subject = format!("Patient/{patient}");
        let window = self.window(patient, program, from).await?;
        let (readings, answers) = (&window.readings, &window.answers);
        let mut types: HashMap<&str, String> = HashMap::new();
        for r in readings {
            types.insert(&r.id, format!("Observation/{}", r.id));
        }
        for a in answers {
            types.insert(&a.id, format!("QuestionnaireResponse/{}", a.id));
        }
        let typed = |id: &str| types.get(id).cloned();
        // The limits a clinician set for this patient win over the program's (overrides.rs).
        let overrides = super::overrides::engine_overrides(program, &window.overrides);
        let findings = evaluate(&Input {
            subject: &subject,
            program,
            overrides: &overrides,
            readings,
            answers,
            enrolled_at,
            now,
        });
        // The patient's open alerts, in one search rather than one per finding.
        let mut open: HashMap<String, Value> = HashMap::new();
        if !findings.is_empty() {
            for issue in self
                .search_all("DetectedIssue", &[("patient", subject.clone()), ("_count", "500".to_owned())])
                .await?
            {
                if issue.get("status").and_then(Value::as_str) != Some("preliminary") {
                    continue;
                }
                let keys = issue.get("identifier").and_then(Value::as_array).into_iter().flatten();
                let key = keys
                    .filter(|i| i.get("system").and_then(Value::as_str) == Some(ALERT_KEY))
                    .find_map(|i| i.get("value").and_then(Value::as_str).map(str::to_owned));
                if let Some(key) = key {
                    open.insert(key, issue);
                }
            }
        }
        let mut written = Vec::with_capacity(findings.len());
        let mut advice = Vec::new();
        for finding in &findings {
            let alert =
                self.write_alert(program, patient, finding, open.remove(&finding.key), now, &typed).await?;
            if alert.change != AlertChange::Unchanged
                && let Some(text) = finding.advice.as_ref().and_then(|id| program.advice.get(id))
            {
                advice.push(text.clone());
            }
            written.push(alert);
        }
        Ok((written, advice))
    }

    /// Raises `finding`'s alert, or updates `open`, the open alert of its key.
    async fn write_alert(
        &self,
        program: &Program,
        patient: &str,
        finding: &Finding,
        open: Option<Value>,
        now: Timestamp,
        typed: alerts::Typed<'_>,
    ) -> Result<AlertWrite, FhirError> {
        let write = |detected_issue: String, change| AlertWrite {
            key: finding.key.clone(),
            rule: finding.rule.clone(),
            rule_version: finding.rule_version,
            severity: finding.severity,
            detected_issue,
            change,
        };
        let Some(open) = open else {
            let issue = alerts::detected_issue(program, finding, patient, now, typed);
            let task =
                alerts::task(program, finding, patient, "urn:uuid:7c6a0d1e-0000-4000-8000-000000000001", now);
            let targets = [
                "urn:uuid:7c6a0d1e-0000-4000-8000-000000000001",
                "urn:uuid:7c6a0d1e-0000-4000-8000-000000000002",
            ];
            let provenance = alerts::provenance(finding, &targets, now, "CREATE", typed);
            let body = transaction(vec![
                post(targets[0], issue),
                post(targets[1], task),
                post("urn:uuid:7c6a0d1e-0000-4000-8000-000000000003", provenance),
            ]);
            let response = self.fhir.bundle_as(&self.engine, &body, Prefer::Minimal, BASE).await?;
            let first = response.get("entry").and_then(|e| e.get(0));
            let id = first.and_then(alerts::location_id).unwrap_or_default();
            return Ok(write(id, AlertChange::Raised));
        };
        let id = open.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let identified = open
            .get("identifiedDateTime")
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<Timestamp>().ok())
            .unwrap_or(now);
        let updated = alerts::detected_issue(program, finding, patient, identified, typed);
        let severity_moved = open.get("severity") != updated.get("severity");
        if !severity_moved && open.get("implicated") == updated.get("implicated") {
            return Ok(write(id, AlertChange::Unchanged));
        }
        let reference = format!("DetectedIssue/{id}");
        let mut entries = vec![put(updated, &id, version_of(&open))];
        if severity_moved {
            for mut task in self.search_all("Task", &[("focus", reference.clone())]).await? {
                let task_id = task.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
                let version = version_of(&task).map(str::to_owned);
                if let Some(map) = task.as_object_mut() {
                    map.insert("priority".into(), json!(alerts::priority(finding.severity)));
                    map.insert("lastModified".into(), json!(now.to_string()));
                    map.remove("meta");
                }
                entries.push(put(task, &task_id, version.as_deref()));
            }
        }
        let provenance = alerts::provenance(finding, &[&reference], now, "UPDATE", typed);
        entries.push(post("urn:uuid:7c6a0d1e-0000-4000-8000-000000000004", provenance));
        self.fhir.bundle_as(&self.engine, &transaction(entries), Prefer::Minimal, BASE).await?;
        Ok(write(id, AlertChange::Updated))
    }
}
