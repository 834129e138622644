//! The parts of a resource the server owns: `id`, `meta.versionId`, `meta.lastUpdated`.

use jiff::Timestamp;
use serde_json::{Map, Value};

/// Sets the server-owned elements on a resource about to be stored. Client-supplied `versionId`
/// and `lastUpdated` are replaced; the rest of `meta` (profiles, tags, security labels) is kept.
pub fn stamp(resource: &mut Map<String, Value>, id: &str, version: i64, last_updated: Timestamp) {
    resource.insert("id".to_owned(), Value::String(id.to_owned()));
    let meta = resource.entry("meta").or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    if let Value::Object(meta) = meta {
        meta.insert("versionId".to_owned(), Value::String(version.to_string()));
        meta.insert("lastUpdated".to_owned(), Value::String(instant(last_updated)));
    }
}

/// A FHIR `instant` for a timestamp: UTC with the fractional seconds it has, e.g.
/// `2026-11-25T19:05:09.123456Z`.
pub fn instant(at: Timestamp) -> String {
    at.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stamping_replaces_server_owned_meta_and_keeps_the_rest() {
        let mut r = json!({"resourceType":"Patient","id":"client","meta":{"versionId":"99","lastUpdated":"2000-01-01T00:00:00Z","tag":[{"code":"x"}]}});
        let at: Timestamp = "2026-11-25T10:00:00.5Z".parse().unwrap();
        stamp(r.as_object_mut().unwrap(), "p1", 3, at);
        assert_eq!(
            r,
            json!({"resourceType":"Patient","id":"p1","meta":{"versionId":"3","lastUpdated":"2026-11-25T10:00:00.5Z","tag":[{"code":"x"}]}})
        );
    }
}
