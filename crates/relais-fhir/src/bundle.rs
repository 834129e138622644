//! Batch and transaction Bundles: reading the request entries, the order a transaction applies
//! them in, `urn:uuid:` reference rewriting, and the shape of response entries.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::outcome::{Issue, IssueType};

/// Whether the entries stand alone (`batch`) or all succeed or fail together (`transaction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleKind {
    Batch,
    Transaction,
}

impl BundleKind {
    /// The `Bundle.type` of the response.
    pub fn response_type(self) -> &'static str {
        match self {
            BundleKind::Batch => "batch-response",
            BundleKind::Transaction => "transaction-response",
        }
    }
}

/// `Bundle.entry.request.method`, the ones Relais supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryMethod {
    Delete,
    Post,
    Put,
    Get,
}

impl EntryMethod {
    /// Transactions apply DELETE, then POST, then PUT, then GET (FHIR R4 §3.1.0.11.2).
    pub fn processing_rank(self) -> u8 {
        match self {
            EntryMethod::Delete => 0,
            EntryMethod::Post => 1,
            EntryMethod::Put => 2,
            EntryMethod::Get => 3,
        }
    }
}

/// What an entry's `request.url` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub resource_type: String,
    pub id: Option<String>,
    pub version: Option<String>,
    /// The query string, for a conditional or search URL.
    pub query: Option<String>,
}

/// One entry of a batch or transaction, as requested.
#[derive(Debug, Clone)]
pub struct RequestEntry {
    /// Position in the request Bundle; the response keeps the same order.
    pub index: usize,
    pub full_url: Option<String>,
    pub method: EntryMethod,
    pub target: Target,
    pub resource: Option<Value>,
    pub if_match: Option<String>,
    pub if_none_exist: Option<String>,
}

/// A parsed batch or transaction.
#[derive(Debug, Clone)]
pub struct RequestBundle {
    pub kind: BundleKind,
    pub entries: Vec<RequestEntry>,
}

/// Reads a batch or transaction Bundle that already passed the schema check.
pub fn parse_request_bundle(bundle: Value) -> Result<RequestBundle, Vec<Issue>> {
    let Value::Object(mut bundle) = bundle else {
        return Err(vec![Issue::error(
            IssueType::Structure,
            "not-a-resource",
            "The body is not a JSON object",
        )]);
    };
    let kind =
        match bundle.get("type").and_then(Value::as_str) {
            Some("batch") => BundleKind::Batch,
            Some("transaction") => BundleKind::Transaction,
            Some(other) => {
                return Err(vec![Issue::error(
                IssueType::NotSupported,
                "bundle-type-not-supported",
                format!("A Bundle of type '{other}' cannot be processed here; send a batch or a transaction"),
            )
            .at("Bundle.type")]);
            }
            None => {
                return Err(vec![
                    Issue::error(IssueType::Required, "missing-element", "Bundle.type is required")
                        .at("Bundle.type"),
                ]);
            }
        };
    let entries = match bundle.remove("entry") {
        Some(Value::Array(entries)) => entries,
        _ => Vec::new(),
    };
    let mut parsed = Vec::with_capacity(entries.len());
    let mut issues = Vec::new();
    for (index, entry) in entries.into_iter().enumerate() {
        match parse_entry(index, entry) {
            Ok(entry) => parsed.push(entry),
            Err(issue) => issues.push(issue),
        }
    }
    if issues.is_empty() { Ok(RequestBundle { kind, entries: parsed }) } else { Err(issues) }
}

fn parse_entry(index: usize, entry: Value) -> Result<RequestEntry, Issue> {
    let at = format!("Bundle.entry[{index}]");
    let Value::Object(mut entry) = entry else {
        return Err(
            Issue::error(IssueType::Structure, "invalid-entry", "A Bundle entry must be an object").at(at)
        );
    };
    let request = entry.remove("request").and_then(|r| match r {
        Value::Object(r) => Some(r),
        _ => None,
    });
    let Some(request) = request else {
        return Err(Issue::error(
            IssueType::Required,
            "missing-element",
            format!("{at}.request is required in a batch or transaction"),
        )
        .at(format!("{at}.request")));
    };
    let text = |r: &Map<String, Value>, key: &str| r.get(key).and_then(Value::as_str).map(str::to_owned);
    let method = match text(&request, "method").as_deref() {
        Some("GET") => EntryMethod::Get,
        Some("POST") => EntryMethod::Post,
        Some("PUT") => EntryMethod::Put,
        Some("DELETE") => EntryMethod::Delete,
        Some(other) => {
            return Err(Issue::error(
                IssueType::NotSupported,
                "method-not-supported",
                format!("{at}: method {other} is not supported in a Bundle (GET, POST, PUT, DELETE are)"),
            )
            .at(format!("{at}.request.method")));
        }
        None => {
            return Err(Issue::error(
                IssueType::Required,
                "missing-element",
                format!("{at}.request.method is required"),
            )
            .at(format!("{at}.request.method")));
        }
    };
    let url = text(&request, "url").unwrap_or_default();
    let target = parse_target(&url).ok_or_else(|| {
        Issue::error(
            IssueType::Value,
            "invalid-entry-url",
            format!("{at}.request.url is not a relative FHIR URL"),
        )
        .at(format!("{at}.request.url"))
    })?;
    let resource = entry.remove("resource");
    if matches!(method, EntryMethod::Post | EntryMethod::Put) && resource.is_none() {
        return Err(Issue::error(
            IssueType::Required,
            "missing-element",
            format!("{at}.resource is required for {method:?}"),
        )
        .at(format!("{at}.resource")));
    }
    Ok(RequestEntry {
        index,
        full_url: entry.get("fullUrl").and_then(Value::as_str).map(str::to_owned),
        method,
        target,
        resource,
        if_match: text(&request, "ifMatch"),
        if_none_exist: text(&request, "ifNoneExist"),
    })
}

/// Parses `Type`, `Type?query`, `Type/id`, `Type/id/_history/vid` (a leading `/` is allowed).
pub fn parse_target(url: &str) -> Option<Target> {
    let url = url.strip_prefix('/').unwrap_or(url);
    let (path, query) = match url.split_once('?') {
        Some((path, query)) => (path, Some(query.to_owned())),
        None => (url, None),
    };
    let parts: Vec<&str> = path.split('/').collect();
    let (resource_type, id, version) = match parts.as_slice() {
        [t] => (*t, None, None),
        [t, id] => (*t, Some(*id), None),
        [t, id, "_history", v] => (*t, Some(*id), Some(*v)),
        _ => return None,
    };
    if resource_type.is_empty() || !resource_type.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    Some(Target {
        resource_type: resource_type.to_owned(),
        id: id.map(str::to_owned),
        version: version.map(str::to_owned),
        query,
    })
}

/// Replaces every `reference` that names a key of `assigned` (e.g. `urn:uuid:…`) with its value
/// (`Patient/123`). Returns the references that look local (`urn:uuid:`/`urn:oid:`) but are
/// not in the map, and conditional references (`Patient?identifier=…`), so the caller can
/// refuse them.
pub fn rewrite_references(value: &mut Value, assigned: &HashMap<String, String>) -> Vec<String> {
    let mut unresolved = Vec::new();
    rewrite(value, assigned, &mut unresolved);
    unresolved
}

fn rewrite(value: &mut Value, assigned: &HashMap<String, String>, unresolved: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "reference"
                    && let Value::String(reference) = child
                {
                    if let Some(new) = assigned.get(reference.as_str()) {
                        *reference = new.clone();
                    } else if reference.starts_with("urn:uuid:")
                        || reference.starts_with("urn:oid:")
                        // A conditional reference (`Patient?identifier=…`) is not resolved by
                        // Relais: refuse it rather than store a reference to nothing.
                        || reference.contains('?')
                    {
                        unresolved.push(reference.clone());
                    }
                    continue;
                }
                rewrite(child, assigned, unresolved);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rewrite(item, assigned, unresolved)),
        _ => {}
    }
}

/// `Bundle.entry.response` of a successful entry.
pub struct EntryResponse {
    pub status: &'static str,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// One response entry: the outcome of a request entry, with the resource when asked.
pub fn response_entry(
    response: EntryResponse,
    full_url: Option<String>,
    resource: Option<Value>,
    outcome: Option<Value>,
) -> Value {
    let mut r = Map::new();
    r.insert("status".into(), json!(response.status));
    for (key, value) in
        [("location", response.location), ("etag", response.etag), ("lastModified", response.last_modified)]
    {
        if let Some(value) = value {
            r.insert(key.into(), json!(value));
        }
    }
    if let Some(outcome) = outcome {
        r.insert("outcome".into(), outcome);
    }
    let mut entry = Map::new();
    if let Some(full_url) = full_url {
        entry.insert("fullUrl".into(), json!(full_url));
    }
    if let Some(resource) = resource {
        entry.insert("resource".into(), resource);
    }
    entry.insert("response".into(), Value::Object(r));
    Value::Object(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        assert_eq!(parse_target("Patient").unwrap().resource_type, "Patient");
        let t = parse_target("/Patient/1/_history/2").unwrap();
        assert_eq!((t.id.as_deref(), t.version.as_deref()), (Some("1"), Some("2")));
        assert_eq!(parse_target("Patient?identifier=a|b").unwrap().query.as_deref(), Some("identifier=a|b"));
        assert!(parse_target("").is_none());
        assert!(parse_target("Patient/1/2").is_none());
        assert!(parse_target("http://x/Patient").is_none());
    }

    #[test]
    fn references_to_assigned_entries_are_rewritten_everywhere() {
        let mut v = json!({"subject":{"reference":"urn:uuid:a"},"performer":[{"reference":"urn:uuid:a"},{"reference":"Practitioner/x"}],
            "contained":[{"resourceType":"Provenance","target":[{"reference":"urn:uuid:b"}]}]});
        let map = HashMap::from([("urn:uuid:a".to_owned(), "Patient/1".to_owned())]);
        let unresolved = rewrite_references(&mut v, &map);
        assert_eq!(v["subject"]["reference"], "Patient/1");
        assert_eq!(v["performer"][0]["reference"], "Patient/1");
        assert_eq!(v["performer"][1]["reference"], "Practitioner/x");
        assert_eq!(unresolved, vec!["urn:uuid:b".to_owned()]);
        let mut conditional = json!({"subject": {"reference": "Patient?identifier=x|1"}});
        assert_eq!(rewrite_references(&mut conditional, &map).len(), 1);
    }

    #[test]
    fn bundle_entries_parse_and_bad_ones_are_named() {
        let b = json!({"resourceType":"Bundle","type":"transaction","entry":[
            {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}},
            {"request":{"method":"DELETE","url":"Patient/9"}}]});
        let parsed = parse_request_bundle(b).unwrap();
        assert_eq!(parsed.kind, BundleKind::Transaction);
        assert_eq!(parsed.entries[1].method, EntryMethod::Delete);
        let bad = json!({"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"PATCH","url":"Patient/1"}},
            {"request":{"method":"POST","url":"Patient"}}]});
        let issues = parse_request_bundle(bad).unwrap_err();
        assert_eq!(issues.len(), 2);
        assert_eq!(issues[0].expression.as_deref(), Some("Bundle.entry[0].request.method"));
        assert_eq!(issues[1].expression.as_deref(), Some("Bundle.entry[1].resource"));
        let coll = json!({"resourceType":"Bundle","type":"collection"});
        assert_eq!(parse_request_bundle(coll).unwrap_err()[0].error_code, "bundle-type-not-supported");
    }
}
