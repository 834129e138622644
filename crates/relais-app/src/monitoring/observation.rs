//! FHIR Observations and QuestionnaireResponses to and from the engine's readings and answers.
//!
//! A reading's measured parts are its own `valueQuantity` or, for a panel (blood pressure), each
//! component's. Normalised parts are rewritten in the program's LOINC code and UCUM unit, the
//! device's quantity kept in an extension; a refused one keeps its value untouched and is marked
//! for review (status `preliminary`, a tag with the reason's code, a note with the reason).

use jiff::Timestamp;
use relais_clinical::engine::{Answer, Reading};
use relais_clinical::program::{AnswerValue, Program, questionnaire_url};
use relais_clinical::units::{Normalised, RawReading, Rejection, normalise};
use serde_json::{Value, json};

pub const LOINC: &str = "http://loinc.org";
pub const UCUM: &str = "http://unitsofmeasure.org";
/// The device's own quantity, kept beside the converted one.
pub const ORIGINAL_QUANTITY: &str = "http://relais.invalid/fhir/StructureDefinition/original-quantity";
/// Why a reading awaits review (`implausible`, `unit`, `unknown-code`, `not-a-number`).
pub const REVIEW_SYSTEM: &str = "http://relais.invalid/fhir/CodeSystem/monitoring-review";
/// A nurse's acceptance of an implausible reading as really measured: who (`by`) and when (`at`).
pub const REVIEW_ACCEPTED: &str = "http://relais.invalid/fhir/StructureDefinition/review-accepted";
/// Statuses of readings the rules count.
pub const COUNTED: &str = "final,amended,corrected";

/// The patient id an Observation or QuestionnaireResponse is about.
pub fn subject_patient(resource: &Value) -> Option<&str> {
    resource.get("subject")?.get("reference")?.as_str()?.strip_prefix("Patient/")
}

/// When an Observation was measured.
pub fn effective(obs: &Value) -> Option<Timestamp> {
    let text = obs
        .get("effectiveDateTime")
        .or_else(|| obs.get("effectiveInstant"))
        .or_else(|| obs.get("effectivePeriod").and_then(|p| p.get("start")))?
        .as_str()?;
    text.parse().ok()
}

fn loinc(code: &Value) -> Option<&str> {
    code.get("coding")?
        .as_array()?
        .iter()
        .find(|c| c.get("system").and_then(Value::as_str) == Some(LOINC))?
        .get("code")?
        .as_str()
}

/// One measured value: the Observation itself (`path` None) or its component `path`.
#[derive(Debug, Clone)]
pub struct Part {
    pub component: Option<usize>,
    pub code: String,
    pub value: f64,
    pub unit: String,
}

fn part(element: &Value, component: Option<usize>) -> Option<Part> {
    let code = loinc(element.get("code")?)?;
    let quantity = element.get("valueQuantity")?;
    let value = quantity.get("value")?.as_f64()?;
    let ucum = quantity.get("system").and_then(Value::as_str) == Some(UCUM);
    let unit = if ucum { quantity.get("code") } else { None }
        .or_else(|| quantity.get("unit"))
        .or_else(|| quantity.get("code"))
        .and_then(Value::as_str)
        .unwrap_or("");
    Some(Part { component, code: code.to_owned(), value, unit: unit.to_owned() })
}

/// The measured parts: the components when there are any, else the Observation's own value.
pub fn parts(obs: &Value) -> Vec<Part> {
    let components: Vec<Part> = obs
        .get("component")
        .and_then(Value::as_array)
        .map(|list| list.iter().enumerate().filter_map(|(i, c)| part(c, Some(i))).collect())
        .unwrap_or_default();
    if components.is_empty() { part(obs, None).into_iter().collect() } else { components }
}

/// Normalises every part; the first refusal refuses the reading.
pub fn normalise_parts(
    program: &Program,
    id: &str,
    at: Timestamp,
    parts: &[Part],
) -> Result<Vec<(Part, Normalised)>, Rejection> {
    parts.iter().map(|p| normalise_part(program, id, at, p).map(|n| (p.clone(), n))).collect()
}

/// One part of reading `id` taken at `at`, in the program's code and unit.
fn normalise_part(program: &Program, id: &str, at: Timestamp, part: &Part) -> Result<Normalised, Rejection> {
    normalise(program, &RawReading { id, code: &part.code, value: part.value, unit: &part.unit, at })
}

/// Rewrites the converted parts in the program's code and unit, keeping the device's quantity.
pub fn rewrite(obs: &mut Value, normalised: &[(Part, Normalised)]) {
    for (part, n) in normalised.iter().filter(|(_, n)| n.converted) {
        let element = match part.component {
            None => Some(&mut *obs),
            Some(i) => obs.get_mut("component").and_then(|c| c.get_mut(i)),
        };
        let Some(element) = element.and_then(Value::as_object_mut) else { continue };
        let original = element.get("valueQuantity").cloned().unwrap_or(Value::Null);
        element.insert(
            "valueQuantity".into(),
            json!({"value": n.reading.value, "unit": n.unit, "system": UCUM, "code": n.unit}),
        );
        if part.code != n.reading.code
            && let Some(codings) =
                element.get_mut("code").and_then(|c| c.get_mut("coding")).and_then(Value::as_array_mut)
        {
            codings.insert(0, json!({"system": LOINC, "code": n.reading.code}));
        }
        let extensions = element.entry("extension").or_insert_with(|| json!([]));
        if let Some(list) = extensions.as_array_mut() {
            list.push(json!({"url": ORIGINAL_QUANTITY, "valueQuantity": original}));
        }
    }
}

/// Marks a refused reading for review, its value untouched.
pub fn mark_for_review(obs: &mut Value, rejection: &Rejection) {
    let Some(map) = obs.as_object_mut() else { return };
    map.insert("status".into(), json!("preliminary"));
    let meta = map.entry("meta").or_insert_with(|| json!({}));
    if let Some(meta) = meta.as_object_mut() {
        let tags = meta.entry("tag").or_insert_with(|| json!([]));
        if let Some(tags) = tags.as_array_mut() {
            tags.push(
                json!({"system": REVIEW_SYSTEM, "code": rejection.code(), "display": rejection.to_string()}),
            );
        }
    }
    let notes = map.entry("note").or_insert_with(|| json!([]));
    if let Some(notes) = notes.as_array_mut() {
        notes.push(json!({"text": rejection.to_string()}));
    }
}

/// Whether a nurse accepted this reading, kept for review as implausible, as measured.
pub fn is_accepted(obs: &Value) -> bool {
    obs.get("extension").and_then(Value::as_array).is_some_and(|list| {
        list.iter().any(|e| e.get("url").and_then(Value::as_str) == Some(REVIEW_ACCEPTED))
    })
}

/// The engine's readings from stored Observations (a search Bundle's resources). Readings
/// awaiting review are not counted; nor are ones the program cannot read.
pub fn readings_of<'a>(program: &Program, observations: impl Iterator<Item = &'a Value>) -> Vec<Reading> {
    let mut readings = Vec::new();
    for obs in observations {
        let status = obs.get("status").and_then(Value::as_str).unwrap_or("");
        if !COUNTED.split(',').any(|s| s == status) {
            continue;
        }
        let (Some(id), Some(at)) = (obs.get("id").and_then(Value::as_str), effective(obs)) else { continue };
        let accepted = is_accepted(obs);
        let counted: Option<Vec<Reading>> = parts(obs)
            .iter()
            .map(|part| {
                match normalise_part(program, id, at, part) {
                    Ok(n) => Some(n.reading),
                    // A nurse confirmed the value was really measured: out of the plausible
                    // range, but converted all the same (units are checked before plausibility).
                    Err(Rejection::Implausible { value, .. }) if accepted => program
                        .measurement_for(&part.code)
                        .map(|m| Reading { id: id.to_owned(), code: m.code.clone(), value, at }),
                    // One part the program cannot read refuses the whole reading.
                    Err(_) => None,
                }
            })
            .collect();
        readings.extend(counted.into_iter().flatten());
    }
    readings
}

/// The engine's answers from stored QuestionnaireResponses to the program's questionnaires.
pub fn answers_of<'a>(program: &Program, responses: impl Iterator<Item = &'a Value>) -> Vec<Answer> {
    let mut answers = Vec::new();
    for response in responses {
        let canonical = response.get("questionnaire").and_then(Value::as_str).unwrap_or("");
        let Some(questionnaire) =
            program.questionnaires.iter().find(|q| questionnaire_url(program, q) == canonical)
        else {
            continue;
        };
        let status = response.get("status").and_then(Value::as_str);
        let at = response.get("authored").and_then(Value::as_str).and_then(|t| t.parse::<Timestamp>().ok());
        let (Some("completed" | "amended"), Some(at), Some(id)) =
            (status, at, response.get("id").and_then(Value::as_str))
        else {
            continue;
        };
        for item in response.get("item").and_then(Value::as_array).into_iter().flatten() {
            let Some(link_id) = item.get("linkId").and_then(Value::as_str) else { continue };
            let first = item.get("answer").and_then(|a| a.get(0));
            let value = match first {
                Some(a) if a.get("valueBoolean").is_some() => {
                    a.get("valueBoolean").and_then(Value::as_bool).map(AnswerValue::Bool)
                }
                Some(a) => a
                    .get("valueCoding")
                    .and_then(|c| c.get("code"))
                    .and_then(Value::as_str)
                    .map(|c| AnswerValue::Code(c.to_owned())),
                None => None,
            };
            if let Some(value) = value {
                answers.push(Answer {
                    id: id.to_owned(),
                    questionnaire: questionnaire.id.clone(),
                    item: link_id.to_owned(),
                    value,
                    at,
                });
            }
        }
    }
    answers
}
