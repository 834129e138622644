//! The `searchset` Bundle of one search page, without IO: links (self, next, previous), entries
//! (`match`, `include`, and an `outcome` naming ignored parameters), and the subsetting of
//! matches asked for by `_summary=data` and `_elements`.

use relais_fhir::search::{SearchQuery, Summary};
use relais_fhir::{Issue, IssueType, Severity, outcome::operation_outcome};
use relais_store::{ResourceRow, SearchPage, StoreError};
use serde_json::{Map, Value, json};

use super::FhirError;

/// The tag FHIR asks servers to put on resources they return incomplete.
const SUBSETTED_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";

/// The data type names a choice element (`value[x]`) can end with, so that `_elements=value`
/// keeps `valueQuantity` but `_elements=code` does not keep an unrelated `codeFilter`.
const CHOICE_TYPES: &[&str] = &[
    "Base64Binary",
    "Boolean",
    "Canonical",
    "Code",
    "Date",
    "DateTime",
    "Decimal",
    "Id",
    "Instant",
    "Integer",
    "Markdown",
    "Oid",
    "PositiveInt",
    "String",
    "Time",
    "UnsignedInt",
    "Uri",
    "Url",
    "Uuid",
    "Address",
    "Age",
    "Annotation",
    "Attachment",
    "CodeableConcept",
    "Coding",
    "ContactPoint",
    "Count",
    "Distance",
    "Duration",
    "HumanName",
    "Identifier",
    "Money",
    "Period",
    "Quantity",
    "Range",
    "Ratio",
    "Reference",
    "SampledData",
    "Signature",
    "Timing",
    "ContactDetail",
    "Contributor",
    "DataRequirement",
    "Expression",
    "ParameterDefinition",
    "RelatedArtifact",
    "TriggerDefinition",
    "UsageContext",
    "Dosage",
    "Meta",
];

/// The Bundle for `page` of `query`; `pairs` are the parameters as the client sent them.
pub(super) fn searchset(
    query: &SearchQuery,
    pairs: &[(String, String)],
    page: SearchPage,
    base_url: &str,
) -> Result<Value, FhirError> {
    let honoured = honoured_pairs(query, pairs);
    let url = |cursor: Option<&str>| search_url(base_url, &query.resource_type, &honoured, cursor);
    let mut links = vec![json!({"relation": "self", "url": url(query.cursor.as_deref())})];
    if let Some(next) = &page.next {
        links.push(json!({"relation": "next", "url": url(Some(next))}));
    }
    if let Some(previous) = &page.previous {
        links.push(json!({"relation": "previous", "url": url(Some(previous))}));
    }
    let mut entries = Vec::new();
    if !query.ignored.is_empty() {
        entries.push(json!({"resource": ignored_outcome(&query.ignored), "search": {"mode": "outcome"}}));
    }
    // `_summary=count` asks for the total only, whatever the store returned.
    if query.summary != Some(Summary::Count) {
        for row in &page.matches {
            let mut resource = readable(row)?;
            if query.summary == Some(Summary::Data) {
                without_text(&mut resource);
            }
            if !query.elements.is_empty() {
                keep_elements(&mut resource, &query.elements);
            }
            entries.push(entry(row, resource, "match", base_url));
        }
        for row in &page.included {
            entries.push(entry(row, readable(row)?, "include", base_url));
        }
    }
    let mut bundle = Map::new();
    bundle.insert("resourceType".into(), json!("Bundle"));
    bundle.insert("type".into(), json!("searchset"));
    if let Some(total) = page.total {
        bundle.insert("total".into(), json!(total));
    }
    bundle.insert("link".into(), Value::Array(links));
    // FHIR JSON forbids empty arrays.
    if !entries.is_empty() {
        bundle.insert("entry".into(), Value::Array(entries));
    }
    Ok(Value::Object(bundle))
}

fn entry(row: &ResourceRow, resource: Value, mode: &str, base_url: &str) -> Value {
    json!({
        "fullUrl": format!("{base_url}/{}/{}", row.resource_type, row.id),
        "resource": resource,
        "search": {"mode": mode},
    })
}

/// The stored JSON of a current version. A row without readable content is a store fault, not
/// something to leave out silently: a clinician would miss a resource without knowing.
fn readable(row: &ResourceRow) -> Result<Value, FhirError> {
    row.content
        .as_deref()
        .and_then(|c| serde_json::from_str::<Value>(c).ok())
        .filter(Value::is_object)
        .ok_or_else(|| {
            FhirError::Store(StoreError::Read(format!(
                "search returned {}/{} without readable content",
                row.resource_type, row.id
            )))
        })
}

/// The parameters the server honoured, in the client's order: not the ignored ones, not the web
/// layer's `_format`/`_pretty`, not `_cursor` (each link sets its own), and `_count` as clamped.
fn honoured_pairs<'a>(query: &SearchQuery, pairs: &'a [(String, String)]) -> Vec<(&'a str, String)> {
    pairs
        .iter()
        .filter(|(name, _)| {
            !matches!(name.as_str(), "_format" | "_pretty" | "_cursor") && !query.ignored.contains(name)
        })
        .map(|(name, value)| match (name.as_str(), query.count) {
            ("_count", Some(count)) => (name.as_str(), count.to_string()),
            _ => (name.as_str(), value.clone()),
        })
        .collect()
}

fn search_url(base_url: &str, resource_type: &str, pairs: &[(&str, String)], cursor: Option<&str>) -> String {
    let mut parts: Vec<String> =
        pairs.iter().map(|(name, value)| format!("{}={}", encode(name), encode(value))).collect();
    if let Some(cursor) = cursor {
        parts.push(format!("_cursor={}", encode(cursor)));
    }
    if parts.is_empty() {
        format!("{base_url}/{resource_type}")
    } else {
        format!("{base_url}/{resource_type}?{}", parts.join("&"))
    }
}

/// Percent-encodes a query name or value. Keeps what RFC 3986 allows in a query and what reads
/// well in search URLs (`:` `/` `,` `$` …); encodes `&` `=` `+` `#` `%` `|` and spaces, so the
/// link parses back to the same pairs.
pub(super) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'.' | b'_' | b'~' | b':' | b'/' | b'?' | b'@' | b'!' | b'$' | b'*' | b',' | b';'
            );
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A warning per ignored parameter, by name only (values may be personal data).
fn ignored_outcome(ignored: &[String]) -> Value {
    let mut names: Vec<&String> = Vec::new();
    for name in ignored {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let issues: Vec<Issue> = names
        .into_iter()
        .map(|name| Issue {
            severity: Severity::Warning,
            code: IssueType::NotSupported,
            error_code: "parameter-ignored",
            diagnostics: format!(
                "The search parameter {name} is unknown or not supported here; it was ignored (send Prefer: handling=strict to have it refused)."
            ),
            expression: Some(name.clone()),
        })
        .collect();
    operation_outcome(&issues)
}

/// `_summary=data`: everything but the narrative.
fn without_text(resource: &mut Value) {
    if let Some(map) = resource.as_object_mut() {
        map.remove("text");
    }
    tag_subsetted(resource);
}

/// `_elements`: `resourceType`, `id`, `meta` and the listed top-level elements (with their
/// `_name` primitive extensions; a choice `value` keeps `valueQuantity`, `valueString`…).
fn keep_elements(resource: &mut Value, elements: &[String]) {
    if let Some(map) = resource.as_object_mut() {
        map.retain(|key, _| {
            let name = key.strip_prefix('_').unwrap_or(key);
            matches!(name, "resourceType" | "id" | "meta")
                || elements.iter().any(|e| {
                    name.strip_prefix(e.as_str())
                        .is_some_and(|rest| rest.is_empty() || CHOICE_TYPES.contains(&rest))
                })
        });
    }
    tag_subsetted(resource);
}

/// Adds the SUBSETTED tag (once), so a client does not mistake the resource for the whole.
fn tag_subsetted(resource: &mut Value) {
    let Some(map) = resource.as_object_mut() else { return };
    let meta = map.entry("meta").or_insert_with(|| json!({}));
    let Some(meta) = meta.as_object_mut() else { return };
    let tags = meta.entry("tag").or_insert_with(|| json!([]));
    let Some(tags) = tags.as_array_mut() else { return };
    let present = tags.iter().any(|t| t["system"] == SUBSETTED_SYSTEM && t["code"] == "SUBSETTED");
    if !present {
        tags.push(json!({"system": SUBSETTED_SYSTEM, "code": "SUBSETTED", "display": "subsetted"}));
    }
}

#[cfg(test)]
#[path = "search_bundle_tests.rs"]
mod tests;
