//! The search index entries of a resource: for each parameter of its type, the values its
//! expression finds, turned into what a search compares — tokens (system, code), normalised
//! strings, date ranges, references, quantities, numbers, URIs.

use jiff::civil::Date;
use jiff::{Span, Timestamp, ToSpan, Unit};
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use super::definitions::{ParamType, SearchParam, SearchParams, Storage};
use super::path::{Found, evaluate_steps};

/// A value as a search compares it.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexValue {
    /// A code with its system; `text` is the normalised display or text, for `:text`.
    Token {
        system: Option<String>,
        code: Option<String>,
        text: Option<String>,
    },
    /// A string: `value` normalised (lower case, accents removed) for `name=gagne` to find
    /// "Gagné"; `exact` as written, for `:exact`.
    String {
        value: String,
        exact: String,
    },
    /// The instants a date covers, in microseconds since the epoch, both ends included.
    Date {
        lo: i64,
        hi: i64,
    },
    /// A reference: `Patient/123` as type and id, or the URL as given when not relative.
    Reference {
        target_type: Option<String>,
        id: Option<String>,
        url: String,
    },
    /// A quantity; for a token-and-quantity composite row, the code of the same element
    /// (`concept_code`, with its system) comes along.
    Quantity {
        value: f64,
        system: Option<String>,
        code: Option<String>,
        unit: Option<String>,
        concept_system: Option<String>,
        concept_code: Option<String>,
    },
    Number(f64),
    Uri(String),
}

/// One index entry: a parameter code and a value.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexEntry {
    pub param: String,
    pub value: IndexValue,
}

/// Every index row of `resource`: the entries of the parameters stored in rows of their own
/// (see [`Storage`]), each distinct entry once.
pub fn extract(params: &SearchParams, resource: &Value) -> Vec<IndexEntry> {
    let Some(resource_type) = resource.get("resourceType").and_then(Value::as_str) else { return Vec::new() };
    let mut entries: Vec<IndexEntry> = Vec::new();
    let mut push = |entry: IndexEntry| {
        if !entries.contains(&entry) {
            entries.push(entry);
        }
    };
    for param in params.for_type(resource_type) {
        match param.storage {
            Storage::Indexed => {
                for path in &param.paths {
                    for found in path.evaluate(resource) {
                        for value in values(param.kind, found) {
                            push(IndexEntry { param: param.code.clone(), value });
                        }
                    }
                }
            }
            Storage::PairRows => {
                for value in pairs(param, resource) {
                    push(IndexEntry { param: param.code.clone(), value });
                }
            }
            _ => {}
        }
    }
    entries
}

/// The (coding, quantity) rows of a token-and-quantity composite: one per pair found in the
/// same element, so `8480-6$gt140` cannot match a systolic code next to a diastolic value.
fn pairs(param: &SearchParam, resource: &Value) -> Vec<IndexValue> {
    let [token, quantity_part] = param.components.as_slice() else { return Vec::new() };
    let mut out = Vec::new();
    for path in &param.paths {
        for element in path.evaluate(resource) {
            let codes: Vec<IndexValue> = evaluate_steps(&token.steps, element)
                .into_iter()
                .flat_map(|found| tokens(found.value))
                .collect();
            for found in evaluate_steps(&quantity_part.steps, element) {
                let Some(IndexValue::Quantity { value, system, code, unit, .. }) = quantity(found.value)
                else {
                    continue;
                };
                for coding in &codes {
                    if let IndexValue::Token { system: concept_system, code: Some(concept_code), .. } = coding
                    {
                        out.push(IndexValue::Quantity {
                            value,
                            system: system.clone(),
                            code: code.clone(),
                            unit: unit.clone(),
                            concept_system: concept_system.clone(),
                            concept_code: Some(concept_code.clone()),
                        });
                    }
                }
            }
        }
    }
    out
}

/// Lower case, accents and other combining marks removed, spaces collapsed.
pub fn normalise(text: &str) -> String {
    let folded: String = text.nfd().filter(|c| !unicode_normalization::char::is_combining_mark(*c)).collect();
    folded.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

pub(crate) fn values(kind: ParamType, found: Found<'_>) -> Vec<IndexValue> {
    let v = found.value;
    match kind {
        ParamType::Token => tokens(v),
        ParamType::String => strings(v)
            .into_iter()
            .map(|exact| IndexValue::String { value: normalise(&exact), exact })
            .collect(),
        ParamType::Date => date_range(v).map(|(lo, hi)| IndexValue::Date { lo, hi }).into_iter().collect(),
        ParamType::Reference => reference(v).into_iter().collect(),
        ParamType::Quantity => quantity(v).into_iter().collect(),
        ParamType::Number => v.as_f64().map(IndexValue::Number).into_iter().collect(),
        ParamType::Uri => v.as_str().map(|s| IndexValue::Uri(s.to_owned())).into_iter().collect(),
        ParamType::Composite | ParamType::Special => Vec::new(),
    }
}

fn tokens(v: &Value) -> Vec<IndexValue> {
    match v {
        Value::String(code) => vec![IndexValue::Token { system: None, code: Some(code.clone()), text: None }],
        Value::Bool(b) => vec![IndexValue::Token { system: None, code: Some(b.to_string()), text: None }],
        Value::Object(o)
            if o.contains_key("coding") || (o.contains_key("text") && !o.contains_key("value")) =>
        {
            let mut out: Vec<IndexValue> =
                v.get("coding").and_then(Value::as_array).into_iter().flatten().flat_map(tokens).collect();
            // The concept's text, unless a coding's display already says the same.
            if let Some(t) = text(v, "text").map(|t| normalise(&t))
                && !out.iter().any(|o| matches!(o, IndexValue::Token { text: Some(d), .. } if *d == t))
            {
                out.push(IndexValue::Token { system: None, code: None, text: Some(t) });
            }
            out
        }
        // Coding, Identifier, ContactPoint.
        Value::Object(_) => {
            let code = text(v, "code").or_else(|| text(v, "value"));
            let label = text(v, "display").or_else(|| v.get("type").and_then(|t| text(t, "text")));
            if code.is_none() && label.is_none() {
                return Vec::new();
            }
            vec![IndexValue::Token { system: text(v, "system"), code, text: label.map(|l| normalise(&l)) }]
        }
        _ => Vec::new(),
    }
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        // HumanName and Address: every part a person could search by.
        Value::Object(o) => o
            .iter()
            .filter(|(k, _)| {
                matches!(
                    k.as_str(),
                    "text"
                        | "family"
                        | "given"
                        | "prefix"
                        | "suffix"
                        | "line"
                        | "city"
                        | "district"
                        | "state"
                        | "postalCode"
                        | "country"
                )
            })
            .flat_map(|(_, part)| match part {
                Value::String(s) => vec![s.clone()],
                Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                _ => Vec::new(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn reference(v: &Value) -> Option<IndexValue> {
    let url = v.get("reference").and_then(Value::as_str).or_else(|| v.as_str())?;
    if url.starts_with('#') {
        return None;
    }
    let without_version = url.split("/_history/").next().unwrap_or(url);
    let mut parts = without_version.rsplit('/');
    let (id, target_type) = (parts.next(), parts.next());
    let is_type = target_type.is_some_and(|t| t.starts_with(|c: char| c.is_ascii_uppercase()));
    Some(IndexValue::Reference {
        target_type: if is_type { target_type.map(str::to_owned) } else { None },
        id: if is_type { id.map(str::to_owned) } else { None },
        url: url.to_owned(),
    })
}

fn quantity(v: &Value) -> Option<IndexValue> {
    Some(IndexValue::Quantity {
        value: v.get("value")?.as_f64()?,
        system: text(v, "system"),
        code: text(v, "code"),
        unit: text(v, "unit"),
        concept_system: None,
        concept_code: None,
    })
}

/// The range of instants a date, dateTime, instant or Period covers (both ends included).
/// A value without a time zone is read as UTC.
pub fn date_range(v: &Value) -> Option<(i64, i64)> {
    match v {
        Value::String(s) => range_of(s),
        Value::Object(_) => {
            let start = v.get("start").and_then(Value::as_str).and_then(range_of).map_or(i64::MIN, |r| r.0);
            let end = v.get("end").and_then(Value::as_str).and_then(range_of).map_or(i64::MAX, |r| r.1);
            (v.get("start").is_some() || v.get("end").is_some()).then_some((start, end))
        }
        _ => None,
    }
}

pub(crate) fn range_of(text: &str) -> Option<(i64, i64)> {
    // Midnight UTC of a civil date, in microseconds since the epoch.
    let micros_at = |d: Date| -> Option<i64> {
        let days = d.since((Unit::Day, Date::constant(1970, 1, 1))).ok()?.get_days();
        Some(i64::from(days) * 86_400_000_000)
    };
    let covering = |start: Date, span: Span| -> Option<(i64, i64)> {
        let end = match start.checked_add(span) {
            Ok(next) => micros_at(next)? - 1,
            // The last month or year FHIR can write (9999): up to the last microsecond of 9999.
            Err(_) => micros_at(Date::MAX)? + 86_400_000_000 - 1,
        };
        Some((micros_at(start)?, end))
    };
    match text.len() {
        4 => covering(Date::new(text.parse().ok()?, 1, 1).ok()?, 1.year()),
        7 => {
            let (y, m) = text.split_once('-')?;
            covering(Date::new(y.parse().ok()?, m.parse().ok()?, 1).ok()?, 1.month())
        }
        10 => covering(text.parse::<Date>().ok()?, 1.day()),
        _ => {
            let at = text.parse::<Timestamp>().ok()?.as_microsecond();
            // Without fractional seconds the value stands for its whole second.
            let has_fraction = text.split('T').nth(1).is_some_and(|t| t.contains('.'));
            Some((at, if has_fraction { at } else { at + 999_999 }))
        }
    }
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests;
