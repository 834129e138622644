//! Token index entries derived from a resource (for now `identifier`, which conditional create
//! matches on; FHIR search extends this).

use relais_store::TokenEntry;
use serde_json::Value;

/// The `identifier` tokens of a resource: each `identifier` with a `value`.
pub(crate) fn identifier_tokens(resource: &Value) -> Vec<TokenEntry> {
    let identifiers: Vec<&Value> = match resource.get("identifier") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => return Vec::new(),
    };
    identifiers
        .into_iter()
        .filter_map(|i| {
            Some(TokenEntry {
                param: "identifier".to_owned(),
                system: i.get("system").and_then(Value::as_str).map(str::to_owned),
                code: i.get("value")?.as_str()?.to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identifiers_with_values_become_tokens() {
        let p = json!({"identifier":[{"system":"urn:ramq","value":"ABCD1234"},{"value":"x"},{"system":"s"}]});
        let t = identifier_tokens(&p);
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].system.as_deref(), t[0].code.as_str()), (Some("urn:ramq"), "ABCD1234"));
        assert_eq!((t[1].system.as_deref(), t[1].code.as_str()), (None, "x"));
        assert!(identifier_tokens(&json!({"identifier": {"value": "single"}}))[0].code == "single");
        assert!(identifier_tokens(&json!({})).is_empty());
    }
}
