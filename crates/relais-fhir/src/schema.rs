//! The official FHIR R4 JSON schema, compiled twice at start-up (see docs/adr/0002):
//! the root `oneOf` validator answers "valid?" in microseconds, and a rewritten "dispatch"
//! validator explains failures precisely (the root one reports a single useless error, slowly).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::{Value, json};

use crate::outcome::{Issue, IssueType};
use crate::primitives::{Check, PrimitiveMap};

/// HL7's R4 4.0.1 JSON schema, embedded so the binary needs no data file.
const R4_SCHEMA: &str = include_str!("../data/fhir.schema.json");

/// Most issues reported for one resource; a pathological input should not make a huge answer.
const MAX_ISSUES: usize = 50;

/// Why the schema could not be loaded (only possible if the embedded file were corrupt).
#[derive(Debug, thiserror::Error)]
#[error("the embedded FHIR schema could not be loaded: {0}")]
pub struct SchemaLoadError(String);

/// Validates resources against the R4 schema. Cheap to share: compile once, keep in an `Arc`.
pub struct SchemaValidator {
    fast: Validator,
    explain: Validator,
    resource_types: BTreeSet<String>,
    primitives: PrimitiveMap,
    /// Regex of a primitive type → its name, to say "not a valid dateTime" instead of quoting a regex.
    pattern_names: HashMap<String, String>,
}

impl std::fmt::Debug for SchemaValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaValidator").field("resource_types", &self.resource_types.len()).finish()
    }
}

impl SchemaValidator {
    /// The process-wide validator, compiled on first use (about 0.1 s and 40 MB).
    pub fn shared() -> Result<Arc<SchemaValidator>, SchemaLoadError> {
        static SHARED: OnceLock<Result<Arc<SchemaValidator>, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| SchemaValidator::load().map(Arc::new).map_err(|e| e.0))
            .clone()
            .map_err(SchemaLoadError)
    }

    /// Compiles the embedded schema.
    pub fn load() -> Result<SchemaValidator, SchemaLoadError> {
        let schema: Value = serde_json::from_str(R4_SCHEMA).map_err(|e| SchemaLoadError(e.to_string()))?;
        let resource_types: BTreeSet<String> = schema
            .pointer("/discriminator/mapping")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        if resource_types.is_empty() {
            return Err(SchemaLoadError("no resource types in the schema's discriminator".into()));
        }
        let pattern_names = schema
            .get("definitions")
            .and_then(Value::as_object)
            .map(|defs| {
                defs.iter()
                    .filter(|(name, _)| name.chars().next().is_some_and(char::is_lowercase))
                    .filter_map(|(name, def)| Some((def.get("pattern")?.as_str()?.to_owned(), name.clone())))
                    .collect()
            })
            .unwrap_or_default();
        let primitives = PrimitiveMap::from_schema(&schema);
        let fast = jsonschema::draft6::new(&schema).map_err(|e| SchemaLoadError(e.masked().to_string()))?;
        let explain = jsonschema::draft7::new(&dispatch_schema(schema, &resource_types))
            .map_err(|e| SchemaLoadError(e.masked().to_string()))?;
        Ok(SchemaValidator { fast, explain, resource_types, primitives, pattern_names })
    }

    /// Whether `name` is an R4 resource type (`Patient`, `Observation`…).
    pub fn is_resource_type(&self, name: &str) -> bool {
        self.resource_types.contains(name)
    }

    /// Every R4 resource type, sorted.
    pub fn resource_types(&self) -> impl Iterator<Item = &str> {
        self.resource_types.iter().map(String::as_str)
    }

    /// Checks a resource (with its `resourceType`) against the schema. On failure, returns the
    /// issues with a FHIRPath `expression` each. Messages never quote the instance's values.
    pub fn check(&self, resource: &Value) -> Result<(), Vec<Issue>> {
        if self.fast.is_valid(resource) {
            let issues = self.primitives.check(resource, Check::Integers);
            return if issues.is_empty() { Ok(()) } else { Err(issues) };
        }
        let root = resource.get("resourceType").and_then(Value::as_str).unwrap_or("Resource");
        let mut issues: Vec<Issue> =
            self.explain.iter_errors(resource).take(MAX_ISSUES).map(|e| self.issue_for(root, &e)).collect();
        if issues.is_empty() {
            // Both validators are compiled from the same definitions; should they ever disagree,
            // still refuse rather than store something the schema rejects.
            issues.push(Issue::error(
                IssueType::Structure,
                "schema-invalid",
                "The resource does not conform to the FHIR R4 schema",
            ));
        }
        Err(issues)
    }

    /// Checks what the schema's patterns cannot: every date names a day that exists. Run on a
    /// resource that passed [`SchemaValidator::check`]; a failure is a 422, not a 400.
    pub fn check_dates(&self, resource: &Value) -> Result<(), Vec<Issue>> {
        let issues = self.primitives.check(resource, Check::Dates);
        if issues.is_empty() { Ok(()) } else { Err(issues) }
    }

    fn issue_for(&self, root: &str, error: &ValidationError<'_>) -> Issue {
        let pointer = error.instance_path().as_str().to_owned();
        let path = fhirpath(root, &pointer);
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let names: Vec<String> = unexpected.iter().map(|u| format!("'{u}'")).collect();
                let element = if unexpected.len() == 1 { "element" } else { "elements" };
                let at = unexpected.first().map(|u| join_path(&path, u)).unwrap_or(path.clone());
                Issue::error(
                    IssueType::Structure,
                    "unknown-element",
                    format!("Unknown {element} {} in {path}", names.join(", ")),
                )
                .at(at)
            }
            ValidationErrorKind::Pattern { pattern } => {
                let what = self.pattern_names.get(pattern).map(String::as_str).unwrap_or("value");
                Issue::error(IssueType::Value, "invalid-value", format!("{path} is not a valid {what}"))
                    .at(path)
            }
            ValidationErrorKind::Type { .. } | ValidationErrorKind::Enum { .. } => {
                Issue::error(IssueType::Value, "invalid-value", format!("{path}: {}", error.masked()))
                    .at(path)
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                Issue::error(
                    IssueType::Required,
                    "missing-element",
                    format!("{path}: element '{name}' is required"),
                )
                .at(join_path(&path, name))
            }
            _ => Issue::error(IssueType::Structure, "schema-invalid", format!("{path}: {}", error.masked()))
                .at(path),
        }
    }
}

/// `/code/coding/0/system` under `Observation` → `Observation.code.coding[0].system`.
pub fn fhirpath(root: &str, pointer: &str) -> String {
    let mut path = root.to_owned();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            path.push('[');
            path.push_str(&segment);
            path.push(']');
        } else {
            path.push('.');
            path.push_str(&segment);
        }
    }
    path
}

fn join_path(path: &str, element: &str) -> String {
    format!("{path}.{element}")
}

/// Rewrites the schema so that each resource is checked only against its own definition
/// (`if resourceType == T then $ref T`), which gives one precise error per fault.
fn dispatch_schema(mut schema: Value, resource_types: &BTreeSet<String>) -> Value {
    let branches: Vec<Value> = resource_types
        .iter()
        .map(|t| {
            json!({
                "if": {"properties": {"resourceType": {"const": t}}},
                "then": {"$ref": format!("#/definitions/{t}")}
            })
        })
        .collect();
    let resource_list = json!({
        "type": "object",
        "required": ["resourceType"],
        "properties": {"resourceType": {"enum": resource_types.iter().collect::<Vec<_>>()}},
        "allOf": branches,
    });
    let definitions = schema
        .as_object_mut()
        .and_then(|root| root.remove("definitions"))
        .and_then(|d| match d {
            Value::Object(mut defs) => {
                defs.insert("ResourceList".to_owned(), resource_list);
                Some(defs)
            }
            _ => None,
        })
        .unwrap_or_default();
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": definitions,
        "allOf": [{"$ref": "#/definitions/ResourceList"}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validator() -> Arc<SchemaValidator> {
        SchemaValidator::shared().unwrap()
    }

    fn heart_rate() -> Value {
        json!({
            "resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
            "effectiveDateTime": "2026-11-25T08:00:00Z",
            "valueQuantity": {"value": 72, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}
        })
    }

    #[test]
    fn knows_all_r4_resource_types() {
        let v = validator();
        assert_eq!(v.resource_types().count(), 146);
        assert!(v.is_resource_type("Media") && v.is_resource_type("DeviceUseStatement"));
        assert!(!v.is_resource_type("UserSession") && !v.is_resource_type("patient"));
    }

    #[test]
    fn accepts_a_valid_resource() {
        assert_eq!(validator().check(&heart_rate()), Ok(()));
    }

    #[test]
    fn names_an_unknown_element_with_its_path() {
        let mut r = heart_rate();
        r["code"]["colour"] = json!("red");
        let issues = validator().check(&r).unwrap_err();
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].error_code, "unknown-element");
        assert_eq!(issues[0].expression.as_deref(), Some("Observation.code.colour"));
        assert!(issues[0].diagnostics.contains("'colour'"), "{}", issues[0].diagnostics);
    }

    #[test]
    fn names_a_bad_date_by_its_type_without_quoting_the_value() {
        let mut r = heart_rate();
        r["effectiveDateTime"] = json!("2026-13-45");
        let issues = validator().check(&r).unwrap_err();
        assert_eq!(issues[0].expression.as_deref(), Some("Observation.effectiveDateTime"));
        assert_eq!(issues[0].diagnostics, "Observation.effectiveDateTime is not a valid dateTime");
    }

    #[test]
    fn reports_wrong_types_and_codes() {
        let mut r = heart_rate();
        r["valueQuantity"]["value"] = json!("seventy");
        r["status"] = json!("not-a-status");
        let issues = validator().check(&r).unwrap_err();
        let paths: Vec<_> = issues.iter().filter_map(|i| i.expression.as_deref()).collect();
        assert!(paths.contains(&"Observation.valueQuantity.value"), "{paths:?}");
        assert!(paths.contains(&"Observation.status"), "{paths:?}");
        assert!(issues.iter().all(|i| !i.diagnostics.contains("seventy")), "{issues:?}");
    }

    #[test]
    fn numbers_keep_their_precision_and_types_are_checked() {
        let mut r: Value = serde_json::from_str(&heart_rate().to_string().replace("72", "72.50")).unwrap();
        assert_eq!(validator().check(&r), Ok(()));
        assert!(serde_json::to_string(&r).unwrap().contains("72.50"), "decimal precision is kept");
        r.as_object_mut().unwrap().remove("valueQuantity");
        r["valueInteger"] = serde_json::from_str("1.5").unwrap();
        let issues = validator().check(&r).unwrap_err();
        assert_eq!(issues[0].expression.as_deref(), Some("Observation.valueInteger"));
    }

    #[test]
    fn points_into_bundle_entries() {
        let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
            {"resource": {"resourceType": "Patient", "colour": "x"}, "request": {"method": "POST", "url": "Patient"}}
        ]});
        let issues = validator().check(&bundle).unwrap_err();
        assert_eq!(issues[0].expression.as_deref(), Some("Bundle.entry[0].resource.colour"));
    }

    #[test]
    fn every_official_example_is_valid() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/fhir-r4/examples");
        let mut count = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            assert_eq!(validator().check(&value), Ok(()), "{}", path.display());
            count += 1;
        }
        assert_eq!(count, 56);
    }

    #[test]
    fn impossible_dates_are_found_anywhere() {
        let mut r = heart_rate();
        r["effectiveDateTime"] = json!("2026-02-30T08:00:00Z");
        r["contained"] = json!([{"resourceType": "Patient", "birthDate": "2025-04-31"}]);
        r["code"]["coding"][0]["extension"] = json!([{"url": "http://x", "valueDate": "2026-06-31"}]);
        assert_eq!(validator().check(&r), Ok(()), "the schema alone accepts these");
        let issues = validator().check_dates(&r).unwrap_err();
        let paths: Vec<_> = issues.iter().filter_map(|i| i.expression.as_deref()).collect();
        assert_eq!(
            paths,
            [
                "Observation.code.coding[0].extension[0].valueDate",
                "Observation.effectiveDateTime",
                "Observation.contained[0].birthDate"
            ]
        );
        assert_eq!(validator().check_dates(&heart_rate()), Ok(()));
    }

    #[test]
    fn fhirpath_from_pointer() {
        assert_eq!(fhirpath("Observation", ""), "Observation");
        assert_eq!(fhirpath("Observation", "/code/coding/0/system"), "Observation.code.coding[0].system");
    }
}
