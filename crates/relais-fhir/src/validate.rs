//! Everything a resource body must satisfy before Relais stores it: well-formed JSON, the
//! `resourceType` the URL names, the id rules of the interaction, and the R4 schema.

use serde_json::Value;

use crate::id::is_valid_id;
use crate::outcome::{Issue, IssueType};
use crate::schema::SchemaValidator;

/// What the interaction says about the body's `id`.
#[derive(Debug, Clone, Copy)]
pub enum IdRule<'a> {
    /// create: the server assigns the id; one in the body is ignored, as the spec says.
    Assigned,
    /// update: the body must carry exactly the id of the URL.
    MustBe(&'a str),
}

/// Parses a request body into a JSON value that is an object, with a precise message when it is not.
pub fn parse_object(body: &[u8]) -> Result<Value, Issue> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Issue::error(
            IssueType::Structure,
            "empty-body",
            "The request body is empty; a FHIR resource was expected",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(Issue::error(
            IssueType::Structure,
            "not-a-resource",
            "The body is JSON but not a JSON object",
        )),
        Err(e) => Err(Issue::error(
            IssueType::Structure,
            "malformed-json",
            format!(
                "The body is not valid JSON: {} at line {}, column {}",
                describe(&e),
                e.line(),
                e.column()
            ),
        )),
    }
}

fn describe(e: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match e.classify() {
        Category::Io => "read error",
        Category::Syntax => "syntax error",
        Category::Data => "unexpected data",
        Category::Eof => "unexpected end of input",
    }
}

/// Checks a parsed resource for storage as `expected_type` under `id_rule`.
pub fn check_resource(
    schema: &SchemaValidator,
    resource: &Value,
    expected_type: &str,
    id_rule: IdRule<'_>,
) -> Result<(), Vec<Issue>> {
    let Some(found) = resource.get("resourceType") else {
        return Err(vec![
            Issue::error(IssueType::Required, "missing-resource-type", "The resource has no resourceType")
                .at(expected_type),
        ]);
    };
    let Some(found) = found.as_str() else {
        return Err(vec![Issue::error(
            IssueType::Value,
            "missing-resource-type",
            "resourceType must be a string",
        )]);
    };
    if found != expected_type {
        return Err(vec![
            Issue::error(
                IssueType::Invalid,
                "resource-type-mismatch",
                if schema.is_resource_type(found) {
                    format!("The body is a {found} but the request is for {expected_type}")
                } else {
                    format!("The body's resourceType is not {expected_type}")
                },
            )
            .at(expected_type),
        ]);
    }
    if let IdRule::MustBe(url_id) = id_rule {
        match resource.get("id").and_then(Value::as_str) {
            None => {
                return Err(vec![
                    Issue::error(
                        IssueType::Required,
                        "id-missing",
                        format!("An update must carry the id of the URL ({url_id}) in the resource"),
                    )
                    .at(format!("{expected_type}.id")),
                ]);
            }
            Some(body_id) if body_id != url_id => {
                return Err(vec![
                    Issue::error(
                        IssueType::Invalid,
                        "id-mismatch",
                        format!("The resource id does not match the id in the URL ({url_id})"),
                    )
                    .at(format!("{expected_type}.id")),
                ]);
            }
            Some(_) => {}
        }
    }
    schema.check(resource)?;
    check_characters(resource, expected_type)
}

/// FHIR strings may not hold control characters other than tab, line feed and carriage return
/// (R4 §2.24.0.1); the schema's patterns let them through.
fn check_characters(resource: &Value, root: &str) -> Result<(), Vec<Issue>> {
    fn forbidden(text: &str) -> bool {
        text.chars().any(|c| c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
    }
    fn walk(value: &Value, path: &mut String, issues: &mut Vec<Issue>) {
        match value {
            Value::String(text) if forbidden(text) => issues.push(
                Issue::error(IssueType::Value, "invalid-value", format!("{path} holds a control character"))
                    .at(path.clone()),
            ),
            Value::Object(map) => {
                for (key, child) in map {
                    let len = path.len();
                    path.push('.');
                    path.push_str(key);
                    walk(child, path, issues);
                    path.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(child, path, issues);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut issues = Vec::new();
    walk(resource, &mut root.to_owned(), &mut issues);
    if issues.is_empty() { Ok(()) } else { Err(issues) }
}

/// The checks past the schema (calendar dates); their failures are 422.
pub fn check_rules(schema: &SchemaValidator, resource: &Value) -> Result<(), Vec<Issue>> {
    schema.check_dates(resource)
}

/// Checks an id taken from a URL.
pub fn check_url_id(id: &str) -> Result<(), Issue> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(Issue::error(
            IssueType::Invalid,
            "invalid-id",
            "The id in the URL is not a valid FHIR id (1 to 64 letters, digits, '-' or '.')",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> std::sync::Arc<SchemaValidator> {
        SchemaValidator::shared().unwrap()
    }

    fn obj(v: Value) -> Value {
        v
    }

    #[test]
    fn malformed_json_says_where() {
        let e = parse_object(b"{\"resourceType\": \"Patient\",\n  \"active\": tru }").unwrap_err();
        assert_eq!(e.error_code, "malformed-json");
        assert!(e.diagnostics.contains("line 2"), "{}", e.diagnostics);
        assert_eq!(parse_object(b"[1]").unwrap_err().error_code, "not-a-resource");
        assert_eq!(parse_object(b"  ").unwrap_err().error_code, "empty-body");
    }

    #[test]
    fn resource_type_must_match_the_url() {
        let e = check_resource(
            &schema(),
            &obj(json!({"resourceType":"Patient"})),
            "Observation",
            IdRule::Assigned,
        )
        .unwrap_err();
        assert_eq!(e[0].error_code, "resource-type-mismatch");
        let e =
            check_resource(&schema(), &obj(json!({"active":true})), "Patient", IdRule::Assigned).unwrap_err();
        assert_eq!(e[0].error_code, "missing-resource-type");
    }

    #[test]
    fn update_needs_the_url_id_in_the_body() {
        let p = obj(json!({"resourceType":"Patient","id":"a"}));
        assert!(check_resource(&schema(), &p, "Patient", IdRule::MustBe("a")).is_ok());
        assert_eq!(
            check_resource(&schema(), &p, "Patient", IdRule::MustBe("b")).unwrap_err()[0].error_code,
            "id-mismatch"
        );
        let p = obj(json!({"resourceType":"Patient"}));
        assert_eq!(
            check_resource(&schema(), &p, "Patient", IdRule::MustBe("b")).unwrap_err()[0].error_code,
            "id-missing"
        );
    }

    #[test]
    fn control_characters_are_refused_where_they_are() {
        let p = obj(
            json!({"resourceType":"Patient","name":[{"family":"A\u{0}B"}],"text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">a\tb\nc</div>"}}),
        );
        let e = check_resource(&schema(), &p, "Patient", IdRule::Assigned).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].expression.as_deref(), Some("Patient.name[0].family"));
    }

    #[test]
    fn url_ids_are_checked() {
        assert!(check_url_id("abc-1.2").is_ok());
        assert_eq!(check_url_id("a b").unwrap_err().error_code, "invalid-id");
    }
}
