//! What the R4 JSON schema cannot say about primitive values, checked by walking the resource
//! along the schema's own definitions:
//! - `date`, `dateTime`, `instant` are checked by pattern only, so `2026-02-30` passes;
//!   "Dates SHALL be valid dates" (FHIR R4 §2.24) is checked here.
//! - `integer`, `positiveInt`, `unsignedInt` are typed `number` (a pattern does not apply to
//!   numbers), so `1.5` passes; here they must be whole 32-bit numbers in their range.

use std::collections::HashMap;

use serde_json::Value;

use crate::outcome::{Issue, IssueType};

/// What an element of a definition leads to, as far as dates are concerned.
#[derive(Debug, Clone)]
enum Element {
    /// A `date`, `dateTime` or `instant` (also `valueDateTime`-style choice elements).
    Date,
    /// An `integer` (`min` is the smallest allowed: 1 for positiveInt, 0 for unsignedInt).
    Integer { min: i64 },
    /// A complex type or backbone element: walk into it with this definition.
    Complex(String),
    /// A nested resource (`contained`, `Bundle.entry.resource`): walk by its `resourceType`.
    Resource,
}

/// Where dates can be, per definition and element name.
#[derive(Debug, Default)]
pub(crate) struct PrimitiveMap {
    elements: HashMap<String, HashMap<String, Element>>,
}

const DATE_TYPES: [&str; 3] = ["date", "dateTime", "instant"];
const INTEGER_TYPES: [(&str, i64); 3] =
    [("integer", i32::MIN as i64), ("positiveInt", 1), ("unsignedInt", 0)];

/// Which rule a walk checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// Whole numbers where integers are due: a structural fault (400).
    Integers,
    /// Days that exist: a rule the schema cannot express (422).
    Dates,
}

impl PrimitiveMap {
    pub(crate) fn from_schema(schema: &Value) -> PrimitiveMap {
        let Some(definitions) = schema.get("definitions").and_then(Value::as_object) else {
            return PrimitiveMap::default();
        };
        let date_patterns: Vec<&str> =
            DATE_TYPES.iter().filter_map(|t| definitions.get(*t)?.get("pattern")?.as_str()).collect();
        let integer_patterns: Vec<(&str, i64)> = INTEGER_TYPES
            .iter()
            .filter_map(|(t, min)| Some((definitions.get(*t)?.get("pattern")?.as_str()?, *min)))
            .collect();
        let classify = |property: &Value| -> Option<Element> {
            let property = property.get("items").unwrap_or(property);
            if let Some(pattern) = property.get("pattern").and_then(Value::as_str) {
                if let Some((_, min)) = integer_patterns.iter().find(|(p, _)| *p == pattern) {
                    return Some(Element::Integer { min: *min });
                }
                return date_patterns.contains(&pattern).then_some(Element::Date);
            }
            let target = property.get("$ref")?.as_str()?.strip_prefix("#/definitions/")?;
            if let Some((_, min)) = INTEGER_TYPES.iter().find(|(t, _)| *t == target) {
                Some(Element::Integer { min: *min })
            } else if DATE_TYPES.contains(&target) {
                Some(Element::Date)
            } else if target == "ResourceList" {
                Some(Element::Resource)
            } else if definitions.get(target)?.get("properties").is_some() {
                Some(Element::Complex(target.to_owned()))
            } else {
                None
            }
        };
        let elements = definitions
            .iter()
            .filter_map(|(name, definition)| {
                let properties = definition.get("properties")?.as_object()?;
                let map: HashMap<String, Element> = properties
                    .iter()
                    .filter_map(|(p, schema)| Some((p.clone(), classify(schema)?)))
                    .collect();
                Some((name.clone(), map))
            })
            .collect();
        PrimitiveMap { elements }
    }

    /// Issues for every value of `resource` that fails `check`.
    pub(crate) fn check(&self, resource: &Value, check: Check) -> Vec<Issue> {
        let mut issues = Vec::new();
        if let Some(t) = resource.get("resourceType").and_then(Value::as_str) {
            self.walk(resource, t, t, check, &mut issues);
        }
        issues
    }

    fn walk(&self, value: &Value, definition: &str, path: &str, check: Check, issues: &mut Vec<Issue>) {
        let (Some(object), Some(elements)) = (value.as_object(), self.elements.get(definition)) else {
            return;
        };
        for (name, child) in object {
            let Some(element) = elements.get(name) else { continue };
            let items: Vec<(String, &Value)> = match child {
                Value::Array(items) => {
                    items.iter().enumerate().map(|(i, v)| (format!("{path}.{name}[{i}]"), v)).collect()
                }
                single => vec![(format!("{path}.{name}"), single)],
            };
            for (at, item) in items {
                match element {
                    Element::Integer { min } if check == Check::Integers => {
                        let whole = item.as_i64().filter(|n| *n >= *min && *n <= i64::from(i32::MAX));
                        if item.is_number() && whole.is_none() {
                            issues.push(
                                Issue::error(
                                    IssueType::Value,
                                    "invalid-value",
                                    format!("{at} must be a whole number from {min} to {}", i32::MAX),
                                )
                                .at(at),
                            );
                        }
                    }
                    Element::Integer { .. } => {}
                    Element::Date if check == Check::Dates => {
                        if let Some(text) = item.as_str()
                            && !is_calendar_date(text)
                        {
                            issues.push(
                                Issue::error(
                                    IssueType::Value,
                                    "impossible-date",
                                    format!("{at} names a day that does not exist"),
                                )
                                .at(at),
                            );
                        }
                    }
                    Element::Date => {}
                    Element::Complex(inner) => self.walk(item, inner, &at, check, issues),
                    Element::Resource => {
                        if let Some(t) = item.get("resourceType").and_then(Value::as_str) {
                            self.walk(item, t, &at, check, issues);
                        }
                    }
                }
            }
        }
    }
}

/// Whether the `YYYY-MM-DD` part (if the value has one) is a real day. Shapes are the
/// schema's business; a year or year-month alone is always fine here.
fn is_calendar_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return true;
    }
    let number = |range: std::ops::Range<usize>| text.get(range).and_then(|s| s.parse::<i16>().ok());
    match (number(0..4), number(5..7), number(8..10)) {
        (Some(y), Some(m), Some(d)) => i8::try_from(m)
            .ok()
            .zip(i8::try_from(d).ok())
            .is_some_and(|(m, d)| jiff::civil::Date::new(y, m, d).is_ok()),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_dates() {
        for ok in ["2026", "2026-02", "2024-02-29", "2026-11-25T08:00:00Z", "2026-12-31T23:59:60+14:00"] {
            assert!(is_calendar_date(ok), "{ok}");
        }
        for bad in ["2026-02-29", "2026-02-30", "2026-04-31T10:00:00Z"] {
            assert!(!is_calendar_date(bad), "{bad}");
        }
    }
}
