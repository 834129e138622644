//! The CapabilityStatement: exactly what this server supports, built from the same facts the
//! routes use, so the two cannot drift apart.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::search::{ParamType, SearchParam, SearchParams};

/// Instance- and type-level interactions every resource type supports.
pub const TYPE_INTERACTIONS: &[&str] =
    &["read", "vread", "update", "delete", "history-instance", "history-type", "create", "search-type"];

/// The parameters of every search that are not filters: (name, type, documentation).
const RESULT_PARAMS: &[(&str, &str, &str)] = &[
    ("_count", "number", "Matches per page: 50 by default, at most 500 (a larger value is lowered to 500)."),
    ("_sort", "string", "Comma-separated parameters of the searched type; a leading - sorts descending."),
    (
        "_include",
        "special",
        "Type:parameter[:TargetType] adds the resources the matches reference; :iterate follows included resources too.",
    ),
    (
        "_revinclude",
        "special",
        "Type:parameter[:TargetType] adds the resources that reference the matches; :iterate is supported.",
    ),
    (
        "_summary",
        "token",
        "count (total only), data (without the narrative) and false. true and text are not supported: refused with Prefer: handling=strict, otherwise ignored and reported.",
    ),
    ("_total", "token", "none, estimate or accurate; accurate and estimate both give an exact Bundle.total."),
    (
        "_elements",
        "string",
        "Top-level elements to return for matches (plus id and meta); the resources are tagged SUBSETTED.",
    ),
    ("_has", "special", "Reverse chaining, one level: _has:Type:reference:parameter=value."),
    (
        "_cursor",
        "string",
        "The opaque paging position of the next and previous links; do not build it yourself.",
    ),
];

/// Whole-system interactions.
pub const SYSTEM_INTERACTIONS: &[&str] = &["transaction", "batch", "history-system"];

/// Search parameters a conditional create (`If-None-Exist`) can use.
pub const CONDITIONAL_CREATE_PARAMS: &[&str] = &["_id", "identifier"];

/// Facts about this deployment that go into the statement.
pub struct ServerFacts<'a> {
    pub base_url: &'a str,
    pub software_version: &'a str,
    /// When the server started, as a FHIR dateTime.
    pub date: &'a str,
}

/// Builds the CapabilityStatement for `resource_types`, with the search parameters `search`
/// supports for each.
pub fn capability_statement<'a>(
    resource_types: impl Iterator<Item = &'a str>,
    search: &SearchParams,
    facts: &ServerFacts<'_>,
) -> Value {
    let types: Vec<&str> = resource_types.collect();
    let mut revincludes = reverse_includes(&types, search);
    let resources: Vec<Value> = types
        .iter()
        .map(|&t| {
            let params: Vec<&std::sync::Arc<SearchParam>> = search.for_type(t).collect();
            let includes: Vec<String> = params
                .iter()
                .filter(|p| p.kind == ParamType::Reference)
                .map(|p| format!("{t}:{}", p.code))
                .collect();
            let mut resource = json!({
                "type": t,
                "interaction": TYPE_INTERACTIONS.iter().map(|code| json!({"code": code})).collect::<Vec<_>>(),
                "versioning": "versioned-update",
                "readHistory": true,
                "updateCreate": true,
                "conditionalCreate": true,
                "conditionalRead": "not-supported",
                "conditionalUpdate": false,
                "conditionalDelete": "not-supported",
                "documentation": format!(
                    "Conditional create (If-None-Exist) matches on {}.",
                    CONDITIONAL_CREATE_PARAMS.join(" and ")
                ),
                "searchParam": params.iter().map(|p| search_param(p)).collect::<Vec<_>>(),
            });
            // FHIR JSON forbids empty arrays.
            let reverse = revincludes.remove(t).unwrap_or_default();
            if let Some(map) = resource.as_object_mut() {
                if !includes.is_empty() {
                    map.insert("searchInclude".into(), json!(includes));
                }
                if !reverse.is_empty() {
                    map.insert("searchRevInclude".into(), json!(reverse));
                }
            }
            resource
        })
        .collect();
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": facts.date,
        "publisher": "Relais",
        "kind": "instance",
        "software": {"name": "Relais", "version": facts.software_version},
        "implementation": {"description": "Relais virtual care platform FHIR API", "url": facts.base_url},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "documentation": "Errors are OperationOutcome resources; details.coding (urn:relais:error-code) carries a stable error code. Search: GET [type]?params or POST [type]/_search with a form body; an unknown or unsupported parameter is refused (400) with Prefer: handling=strict and otherwise ignored and named in an outcome entry. Pages link to each other with an opaque _cursor.",
            "resource": resources,
            "interaction": SYSTEM_INTERACTIONS.iter().map(|code| json!({"code": code})).collect::<Vec<_>>(),
            "searchParam": RESULT_PARAMS
                .iter()
                .map(|(name, kind, doc)| json!({"name": name, "type": kind, "documentation": doc}))
                .collect::<Vec<_>>(),
        }],
    })
}

/// One `searchParam` of a resource: its official definition and what Relais supports of it.
fn search_param(param: &SearchParam) -> Value {
    let documentation = match param.kind {
        ParamType::String => {
            "Matches the start of the value, ignoring case and accents; modifiers :exact, :contains, :missing."
        }
        ParamType::Token => "system|code, code, |code or system|; modifiers :not, :text, :missing.",
        ParamType::Reference => {
            "Type/id, id or an absolute URL; modifiers :[type], :missing; one level of chaining (param.chained=value)."
        }
        ParamType::Date => "Prefixes eq, ne, lt, gt, le, ge, sa, eb, ap; modifier :missing.",
        ParamType::Number => "Prefixes eq, ne, lt, gt, le, ge, sa, eb, ap; modifier :missing.",
        ParamType::Quantity => {
            "[prefix]number|system|code; prefixes eq, ne, lt, gt, le, ge, sa, eb, ap; modifier :missing."
        }
        ParamType::Uri => "Modifiers :above, :below, :missing.",
        ParamType::Composite => "Component values joined with $ (e.g. code$value).",
        ParamType::Special => "",
    };
    let mut value = json!({"name": param.code, "type": param.kind.as_str(), "documentation": documentation});
    if !param.url.is_empty()
        && let Some(map) = value.as_object_mut()
    {
        map.insert("definition".into(), json!(param.url));
    }
    value
}

/// For each of `types`, the `Source:param` references that can point to it (`_revinclude`).
fn reverse_includes<'a>(types: &[&'a str], search: &SearchParams) -> BTreeMap<&'a str, Vec<String>> {
    let mut by_target: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for &source in types {
        for param in search.for_type(source).filter(|p| p.kind == ParamType::Reference) {
            for &target in types {
                if param.targets.is_empty() || param.targets.iter().any(|x| x == target) {
                    by_target.entry(target).or_default().push(format!("{source}:{}", param.code));
                }
            }
        }
    }
    by_target
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SchemaValidator;

    #[test]
    fn statement_is_valid_r4_and_lists_every_type() {
        let cs = statement();
        let schema = SchemaValidator::shared().unwrap();
        assert_eq!(schema.check(&cs), Ok(()));
        assert_eq!(cs["rest"][0]["resource"].as_array().unwrap().len(), 146);
        assert_eq!(cs["rest"][0]["interaction"][0]["code"], "transaction");
    }

    fn statement() -> Value {
        let schema = SchemaValidator::shared().unwrap();
        let search = SearchParams::shared(schema.resource_types()).unwrap();
        let facts = ServerFacts {
            base_url: "http://127.0.0.1:8080/fhir",
            software_version: "0.1.0",
            date: "2026-11-25",
        };
        capability_statement(schema.resource_types(), &search, &facts)
    }

    fn resource<'a>(cs: &'a Value, t: &str) -> &'a Value {
        cs["rest"][0]["resource"].as_array().unwrap().iter().find(|r| r["type"] == t).unwrap()
    }

    fn param<'a>(resource: &'a Value, name: &str) -> Option<&'a Value> {
        resource["searchParam"].as_array().unwrap().iter().find(|p| p["name"] == name)
    }

    #[test]
    fn every_type_lists_search_and_its_supported_parameters() {
        let cs = statement();
        let observation = resource(&cs, "Observation");
        assert!(observation["interaction"].as_array().unwrap().iter().any(|i| i["code"] == "search-type"));
        let code = param(observation, "code").unwrap();
        assert_eq!(code["type"], "token");
        assert_eq!(code["definition"], "http://hl7.org/fhir/SearchParameter/clinical-code");
        assert!(code["documentation"].as_str().unwrap().contains(":not"));
        assert_eq!(param(observation, "_lastUpdated").unwrap()["type"], "date");
        assert!(param(observation, "_id").is_some());
        assert_eq!(param(observation, "component-code-value-quantity").unwrap()["type"], "composite");
        let patient = resource(&cs, "Patient");
        assert_eq!(param(patient, "name").unwrap()["type"], "string");
        assert!(param(patient, "deceased").is_none(), "unsupported parameters are not advertised");
        let includes = observation["searchInclude"].as_array().unwrap();
        assert!(includes.contains(&json!("Observation:subject")));
        assert!(!includes.contains(&json!("Observation:code")));
        let revincludes = patient["searchRevInclude"].as_array().unwrap();
        assert!(revincludes.contains(&json!("Observation:subject")));
        assert!(!revincludes.contains(&json!("Observation:device")));
        let rest_params: Vec<&str> = cs["rest"][0]["searchParam"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        for name in [
            "_count",
            "_sort",
            "_include",
            "_revinclude",
            "_summary",
            "_total",
            "_elements",
            "_has",
            "_cursor",
        ] {
            assert!(rest_params.contains(&name), "{name}");
        }
    }
}
