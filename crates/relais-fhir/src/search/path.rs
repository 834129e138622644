//! The FHIRPath subset of the R4 search parameter expressions: element paths, choice types
//! (`(Observation.value as Quantity)`, `value.as(Quantity)`), reference-type filters
//! (`.where(resolve() is Patient)`) and element filters (`.where(system='email')`). Parameters
//! whose expressions need more are reported as unsupported, never evaluated wrongly.

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `name`: an element (a choice element `value[x]` is named `value` here and matched by
    /// prefix unless a type is given).
    Field(String),
    /// `(… as Type)` / `.as(Type)` / `.ofType(Type)` on the previous step: keep that choice only.
    As(String),
    /// `.where(resolve() is Type)`: keep references to that resource type.
    ResolvesTo(String),
    /// `.where(field='value')`.
    Equals(String, String),
}

/// A parsed expression part, rooted at a resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub root: String,
    pub steps: Vec<Step>,
}

/// A value found by a path, with the FHIR type the choice element name told (if any).
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    pub value: &'a Value,
    /// For a choice element: the type suffix (`Quantity` for `valueQuantity`).
    pub choice_type: Option<&'a str>,
}

/// Splits an expression on top-level `|` and parses each part. `None` if any part uses
/// FHIRPath this subset does not cover.
pub fn parse_expression(expression: &str) -> Option<Vec<Path>> {
    split_top_level(expression).into_iter().map(|part| parse_part(part.trim())).collect()
}

fn split_top_level(expression: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    for (i, c) in expression.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            '|' if !quoted && depth == 0 => {
                parts.push(&expression[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&expression[start..]);
    parts
}

fn parse_part(part: &str) -> Option<Path> {
    // `(X as T)` and `(X as T).rest`
    if let Some(inner) = part.strip_prefix('(') {
        let close = inner.find(')')?;
        let (body, rest) = (&inner[..close], &inner[close + 1..]);
        let (path, ty) = body.split_once(" as ")?;
        let mut parsed = parse_part(path.trim())?;
        parsed.steps.push(Step::As(ty.trim().to_owned()));
        parsed.steps.extend(parse_steps(rest.strip_prefix('.').unwrap_or(rest))?);
        return Some(parsed);
    }
    let (root, rest) = part.split_once('.').unwrap_or((part, ""));
    if root.is_empty() || !root.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    Some(Path { root: root.to_owned(), steps: parse_steps(rest)? })
}

/// Parses an expression relative to an element (a composite's component: `value.as(Quantity)`).
pub fn parse_relative(expression: &str) -> Option<Vec<Step>> {
    parse_steps(expression.trim())
}

fn parse_steps(text: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (token, after) = next_token(rest)?;
        rest = after;
        if let Some(args) = token.strip_prefix("where(").and_then(|t| t.strip_suffix(')')) {
            if let Some(ty) = args.strip_prefix("resolve() is ") {
                steps.push(Step::ResolvesTo(ty.trim().to_owned()));
            } else {
                let (field, value) = args.split_once('=')?;
                let value = value.trim().strip_prefix('\'')?.strip_suffix('\'')?;
                steps.push(Step::Equals(field.trim().to_owned(), value.to_owned()));
            }
        } else if let Some(ty) = token
            .strip_prefix("as(")
            .or_else(|| token.strip_prefix("ofType("))
            .and_then(|t| t.strip_suffix(')'))
        {
            steps.push(Step::As(ty.trim().to_owned()));
        } else if token.chars().all(|c| c.is_ascii_alphanumeric()) && !token.is_empty() {
            steps.push(Step::Field(token.to_owned()));
        } else {
            return None;
        }
    }
    Some(steps)
}

/// The next `.`-separated token, keeping parenthesised arguments whole.
fn next_token(text: &str) -> Option<(&str, &str)> {
    let mut depth = 0i32;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '.' if depth == 0 => return Some((&text[..i], &text[i + 1..])),
            _ => {}
        }
    }
    (depth == 0).then_some((text, ""))
}

impl Path {
    /// Every value this path finds in `resource` (arrays are flattened).
    pub fn evaluate<'a>(&self, resource: &'a Value) -> Vec<Found<'a>> {
        evaluate_steps(&self.steps, Found { value: resource, choice_type: None })
    }
}

/// Every value `steps` find from `start`.
pub fn evaluate_steps<'a>(steps: &[Step], start: Found<'a>) -> Vec<Found<'a>> {
    let mut current = vec![start];
    for step in steps {
        let mut next = Vec::new();
        for found in current {
            apply(step, found, &mut next);
        }
        current = next;
    }
    current
}

fn push_all<'a>(value: &'a Value, choice_type: Option<&'a str>, out: &mut Vec<Found<'a>>) {
    match value {
        Value::Array(items) => out.extend(items.iter().map(|value| Found { value, choice_type })),
        value => out.push(Found { value, choice_type }),
    }
}

fn apply<'a>(step: &Step, found: Found<'a>, out: &mut Vec<Found<'a>>) {
    match step {
        Step::Field(name) => {
            let Some(object) = found.value.as_object() else { return };
            if let Some(value) = object.get(name) {
                push_all(value, None, out);
                return;
            }
            // A choice element: `value` matches `valueQuantity`, `valueString`…
            for (key, value) in object {
                if let Some(suffix) = key.strip_prefix(name.as_str())
                    && suffix.starts_with(|c: char| c.is_ascii_uppercase())
                {
                    push_all(value, Some(suffix), out);
                }
            }
        }
        Step::As(ty) => {
            let wanted = ty.trim_start_matches("FHIR.");
            let matches = match found.choice_type {
                Some(actual) => actual.eq_ignore_ascii_case(wanted),
                None => true,
            };
            if matches {
                out.push(found);
            }
        }
        Step::ResolvesTo(ty) => {
            let reference = found.value.get("reference").and_then(Value::as_str).unwrap_or_default();
            let target_type = reference.rsplit('/').nth(1).unwrap_or_default();
            if target_type == ty {
                out.push(found);
            }
        }
        Step::Equals(field, wanted) => {
            if found.value.get(field).and_then(Value::as_str) == Some(wanted.as_str()) {
                out.push(found);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_forms_the_definitions_use() {
        let p = parse_expression("Patient.name | Practitioner.name.family").unwrap();
        assert_eq!(
            p[1],
            Path {
                root: "Practitioner".into(),
                steps: vec![Step::Field("name".into()), Step::Field("family".into())]
            }
        );
        let p = parse_expression("(Observation.value as CodeableConcept).text").unwrap();
        assert_eq!(
            p[0].steps,
            vec![Step::Field("value".into()), Step::As("CodeableConcept".into()), Step::Field("text".into())]
        );
        let p = parse_expression("Task.for.where(resolve() is Patient)").unwrap();
        assert_eq!(p[0].steps, vec![Step::Field("for".into()), Step::ResolvesTo("Patient".into())]);
        let p = parse_expression("Patient.telecom.where(system='email')").unwrap();
        assert_eq!(p[0].steps[1], Step::Equals("system".into(), "email".into()));
        assert_eq!(parse_expression("value.as(Quantity)").unwrap()[0].root, "value");
        assert!(parse_expression("Patient.deceased.exists() and Patient.deceased != false").is_none());
    }

    #[test]
    fn evaluates_choices_filters_and_arrays() {
        let obs = json!({"resourceType": "Observation", "valueQuantity": {"value": 72},
            "subject": {"reference": "Patient/p1"}, "performer": [{"reference": "Practitioner/a"}, {"reference": "Patient/p1"}]});
        let quantity = &parse_expression("(Observation.value as Quantity)").unwrap()[0];
        let found = quantity.evaluate(&obs);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].choice_type, Some("Quantity"));
        let concept = &parse_expression("(Observation.value as CodeableConcept)").unwrap()[0];
        assert!(concept.evaluate(&obs).is_empty());
        let patients = &parse_expression("Observation.performer.where(resolve() is Patient)").unwrap()[0];
        assert_eq!(patients.evaluate(&obs).len(), 1);
        let p = json!({"telecom": [{"system": "phone", "value": "1"}, {"system": "email", "value": "a@b"}]});
        let email = &parse_expression("Patient.telecom.where(system='email')").unwrap()[0];
        assert_eq!(email.evaluate(&p)[0].value["value"], "a@b");
    }
}
