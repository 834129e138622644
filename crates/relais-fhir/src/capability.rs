//! The CapabilityStatement: exactly what this server supports, built from the same facts the
//! routes use, so the two cannot drift apart.

use serde_json::{Value, json};

/// Instance- and type-level interactions every resource type supports.
pub const TYPE_INTERACTIONS: &[&str] =
    &["read", "vread", "update", "delete", "history-instance", "history-type", "create"];

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

/// Builds the CapabilityStatement for `resource_types`.
pub fn capability_statement<'a>(
    resource_types: impl Iterator<Item = &'a str>,
    facts: &ServerFacts<'_>,
) -> Value {
    let resources: Vec<Value> = resource_types
        .map(|t| {
            json!({
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
            })
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
            "documentation": "Errors are OperationOutcome resources; details.coding (urn:relais:error-code) carries a stable error code.",
            "resource": resources,
            "interaction": SYSTEM_INTERACTIONS.iter().map(|code| json!({"code": code})).collect::<Vec<_>>(),
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SchemaValidator;

    #[test]
    fn statement_is_valid_r4_and_lists_every_type() {
        let schema = SchemaValidator::shared().unwrap();
        let facts = ServerFacts {
            base_url: "http://127.0.0.1:8080/fhir",
            software_version: "0.1.0",
            date: "2026-11-25",
        };
        let cs = capability_statement(schema.resource_types(), &facts);
        assert_eq!(schema.check(&cs), Ok(()));
        assert_eq!(cs["rest"][0]["resource"].as_array().unwrap().len(), 146);
        assert_eq!(cs["rest"][0]["interaction"][0]["code"], "transaction");
    }
}
