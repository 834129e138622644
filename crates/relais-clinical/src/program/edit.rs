//! Changing a program from a form: the values a clinician tunes (limits, windows, frequencies,
//! plausible ranges, severities, titles and advice texts), never its structure.
//!
//! The change is made on the file's own text (comments and layout kept, so the sources the
//! clinicians cite stay next to their values), the program's `version` and each changed rule's
//! `version` are raised, and the result goes through [`parse_program`] — the very check a file
//! passes at start — so a form can never save what a restart would refuse.
//!
//! A field is named by its path in the file, as the checker names it (`rules[3].when`,
//! `measurements[0].plausible[1]`, `advice.call-911.fr`): a refusal lands on the field it
//! concerns.

use toml_edit::{DocumentMut, Item, Value};

use super::catalog::{ProgramError, parse_program};
use super::limit::Limit;
use super::model::Program;

/// What a field refused on a form holds: its path and a stable code (`limit-invalid`,
/// `whole-number`, `number`, `plausible-invalid`, `text-required`, `severity-invalid`,
/// `not-editable`, `program-invalid`) with the checker's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's path (`rules[3].when`); a pair's path for the pair (`measurements[0].plausible`).
    pub field: String,
    pub code: &'static str,
    /// The checker's explanation (English, for operators and logs).
    pub message: String,
}

/// A program changed from a form, checked.
#[derive(Debug, Clone)]
pub struct Edited {
    /// The new file's text.
    pub text: String,
    /// The program it loads as.
    pub program: Program,
    /// The version it replaces.
    pub old_version: u32,
    /// The rules changed: id, old version, new version.
    pub rules: Vec<(String, u32, u32)>,
}

/// The kind of value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Limit,
    Hours,
    Number,
    Text,
    Severity,
}

/// One step of a path: a key or an index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

fn steps(path: &str) -> Option<Vec<Step>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if key.is_empty() {
            return None;
        }
        out.push(Step::Key(key.to_owned()));
        while let Some(inner) = rest.strip_prefix('[') {
            let (index, after) = inner.split_once(']')?;
            out.push(Step::Index(index.parse().ok()?));
            rest = after;
        }
        if !rest.is_empty() {
            return None;
        }
    }
    Some(out)
}

/// The kind of an editable field, or `None` for a part of the program's structure.
fn editable(steps: &[Step]) -> Option<Kind> {
    use Step::{Index as I, Key as K};
    let key = |s: &Step, names: &[&str]| matches!(s, K(k) if names.contains(&k.as_str()));
    let lang = |s: &Step| key(s, &["fr", "en"]);
    match steps {
        [K(m), I(_), field] if m == "measurements" && key(field, &["every_hours"]) => Some(Kind::Hours),
        [K(m), I(_), field, I(i)] if m == "measurements" && key(field, &["plausible"]) && *i < 2 => {
            Some(Kind::Number)
        }
        [K(q), I(_), field] if q == "questionnaires" && key(field, &["every_hours"]) => Some(Kind::Hours),
        [K(r), I(_), field] if r == "rules" && key(field, &["when"]) => Some(Kind::Limit),
        [K(r), I(_), field] if r == "rules" && key(field, &["severity"]) => Some(Kind::Severity),
        [K(r), I(_), field] if r == "rules" && key(field, HOURS) => Some(Kind::Hours),
        [K(r), I(_), K(title), l] if r == "rules" && title == "title" && lang(l) => Some(Kind::Text),
        [K(a), K(_), l] if a == "advice" && lang(l) => Some(Kind::Text),
        [K(e), I(_), field] if e == "escalation" && key(field, &["after_minutes"]) => Some(Kind::Hours),
        _ => None,
    }
}

/// The whole-number keys of a rule a clinician tunes.
const HOURS: &[&str] = &["window_hours", "min_readings", "within_hours", "after_hours", "set_window_minutes"];

fn locate<'d>(doc: &'d DocumentMut, steps: &[Step]) -> Option<&'d Item> {
    let mut item = doc.as_item();
    for step in steps {
        item = match step {
            Step::Key(k) => item.get(k.as_str())?,
            Step::Index(i) => item.get(*i)?,
        };
    }
    Some(item)
}

fn locate_mut<'d>(doc: &'d mut DocumentMut, steps: &[Step]) -> Option<&'d mut Item> {
    let mut item = doc.as_item_mut();
    for step in steps {
        item = match step {
            Step::Key(k) => item.get_mut(k.as_str())?,
            Step::Index(i) => item.get_mut(*i)?,
        };
    }
    Some(item)
}

/// A decimal number as people type it (`72,5` or `72.5`).
fn number(typed: &str) -> Option<f64> {
    typed.trim().replace(',', ".").parse::<f64>().ok().filter(|x| x.is_finite())
}

/// The field's path as the form shows its error: a plausible range's pair as one.
fn shown_as(path: &str) -> String {
    match path.strip_suffix("[0]").or_else(|| path.strip_suffix("[1]")) {
        Some(pair) if pair.ends_with(".plausible") => pair.to_owned(),
        _ => path.to_owned(),
    }
}

fn field_error(field: &str, code: &'static str, message: impl Into<String>) -> FieldError {
    FieldError { field: shown_as(field), code, message: message.into() }
}

/// The new value of a field from what was typed, when it differs from `old`.
fn typed_value(kind: Kind, path: &str, old: &Value, typed: &str) -> Result<Option<Value>, FieldError> {
    let typed = typed.trim();
    Ok(match kind {
        Kind::Limit => {
            let same = match (old.as_str().map(str::parse::<Limit>), typed.parse::<Limit>()) {
                (Some(Ok(a)), Ok(b)) => a == b,
                _ => old.as_str() == Some(typed),
            };
            (!same).then(|| Value::from(typed))
        }
        Kind::Text | Kind::Severity => (old.as_str() != Some(typed)).then(|| Value::from(typed)),
        Kind::Hours => {
            let n: u32 = typed
                .parse()
                .map_err(|_| field_error(path, "whole-number", format!("`{typed}` is not a whole number")))?;
            (old.as_integer() != Some(i64::from(n))).then(|| Value::from(i64::from(n)))
        }
        Kind::Number => {
            let x = number(typed)
                .ok_or_else(|| field_error(path, "number", format!("`{typed}` is not a number")))?;
            let before = old.as_float().or_else(|| old.as_integer().map(|i| i as f64));
            // Whole values are written as the shipped files write them: `[20, 350]`.
            let value =
                if x.fract() == 0.0 && x.abs() < 1e15 { Value::from(x as i64) } else { Value::from(x) };
            (before != Some(x)).then_some(value)
        }
    })
}

/// The code a checker's refusal gets on the form, from the kind of field it names.
fn code_of(field: &str) -> &'static str {
    let last = field.rsplit('.').next().unwrap_or(field);
    match last {
        "when" => "limit-invalid",
        "plausible" => "plausible-invalid",
        "fr" | "en" => "text-required",
        "severity" => "severity-invalid",
        _ if HOURS.contains(&last) || last == "every_hours" || last == "after_minutes" => "whole-number",
        _ => "program-invalid",
    }
}

fn bump(doc: &mut DocumentMut, steps: &[Step]) -> Option<(u32, u32)> {
    let item = locate_mut(doc, steps)?;
    let old = u32::try_from(item.as_integer()?).ok()?;
    let new = old.checked_add(1)?;
    let decor = item.as_value()?.decor().clone();
    let mut value = Value::from(i64::from(new));
    *value.decor_mut() = decor;
    *item = Item::Value(value);
    Some((old, new))
}

/// Applies `changes` (field path, typed value) to the program file `file` whose text is
/// `source`, raises the versions, and checks the result as a file is checked at start.
///
/// # Errors
/// Every field refused, each on its path; an empty list when nothing changed.
pub fn edit_program(
    file: &str,
    source: &str,
    changes: &[(String, String)],
) -> Result<Edited, Vec<FieldError>> {
    let whole = |message: String| vec![FieldError { field: String::new(), code: "program-invalid", message }];
    let mut doc: DocumentMut = source.parse().map_err(|e: toml_edit::TomlError| whole(e.to_string()))?;
    let mut errors = Vec::new();
    let mut changed = false;
    let mut touched_rules = std::collections::BTreeSet::new();
    for (path, typed) in changes {
        let parsed = steps(path);
        let kind = parsed.as_deref().and_then(editable);
        let (Some(steps), Some(kind)) = (parsed, kind) else {
            errors.push(field_error(path, "not-editable", "this is not a value a form may change"));
            continue;
        };
        // Only keys the file already has: a form never adds to a rule's structure.
        let Some(old) = locate(&doc, &steps).and_then(Item::as_value).cloned() else {
            errors.push(field_error(path, "not-editable", "the program has no such value"));
            continue;
        };
        match typed_value(kind, path, &old, typed) {
            Err(e) => errors.push(e),
            Ok(None) => {}
            Ok(Some(mut value)) => {
                *value.decor_mut() = old.decor().clone();
                if let Some(item) = locate_mut(&mut doc, &steps) {
                    *item = Item::Value(value);
                }
                if let [Step::Key(r), Step::Index(i), ..] = steps.as_slice()
                    && r == "rules"
                {
                    touched_rules.insert(*i);
                }
                changed = true;
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if !changed {
        return Err(Vec::new());
    }
    let (old_version, _) = bump(&mut doc, &[Step::Key("version".into())])
        .ok_or_else(|| whole("the program's version is not a number".into()))?;
    let mut rules = Vec::new();
    for i in touched_rules {
        let path = [Step::Key("rules".into()), Step::Index(i), Step::Key("version".into())];
        let id = locate(&doc, &path[..2]).and_then(|r| r.get("id")).and_then(Item::as_str).map(str::to_owned);
        let (old, new) =
            bump(&mut doc, &path).ok_or_else(|| whole(format!("rules[{i}].version is missing")))?;
        rules.push((id.unwrap_or_default(), old, new));
    }
    let text = doc.to_string();
    match parse_program(file, &text) {
        Ok(program) => Ok(Edited { text, program, old_version, rules }),
        Err(ProgramError::Invalid { field, message, .. }) => {
            Err(vec![FieldError { code: code_of(&field), field, message }])
        }
        Err(syntax @ ProgramError::Syntax { .. }) => Err(whole(syntax.to_string())),
    }
}

/// The values of `source` a form may change, by path, as written in the file (`"> 2"`,
/// `"24"`, `"20"`): what an edit form starts from.
pub fn editable_values(source: &str) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(doc) = source.parse::<DocumentMut>() else { return out };
    let mut walk = Vec::new();
    collect(doc.as_item(), String::new(), &mut walk);
    for (path, value) in walk {
        if steps(&path).as_deref().and_then(editable).is_some() {
            let shown = match &value {
                Value::String(s) => s.value().clone(),
                Value::Integer(i) => i.value().to_string(),
                Value::Float(f) => f.value().to_string(),
                other => other.to_string().trim().to_owned(),
            };
            out.insert(path, shown);
        }
    }
    out
}

/// Every scalar of `item` with its path.
fn collect(item: &Item, path: String, out: &mut Vec<(String, Value)>) {
    let join = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match item {
        Item::Table(table) => table.iter().for_each(|(k, v)| collect(v, join(k), out)),
        Item::ArrayOfTables(tables) => {
            for (i, t) in tables.iter().enumerate() {
                t.iter().for_each(|(k, v)| collect(v, format!("{path}[{i}].{k}"), out));
            }
        }
        Item::Value(Value::InlineTable(table)) => {
            table.iter().for_each(|(k, v)| collect(&Item::Value(v.clone()), join(k), out))
        }
        Item::Value(Value::Array(array)) => {
            for (i, v) in array.iter().enumerate() {
                collect(&Item::Value(v.clone()), format!("{path}[{i}]"), out);
            }
        }
        Item::Value(v) => out.push((path, v.clone())),
        Item::None => {}
    }
}

#[cfg(test)]
mod tests;
