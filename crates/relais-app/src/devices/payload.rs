//! The compact JSON a device sends, and the FHIR Observation it becomes.
//!
//! One reading, `{"message_id": "m-1", "code": "29463-7", "value": 88.2, "unit": "kg",
//! "at": "2026-11-26T07:30:00-05:00"}`; a panel (blood pressure) names its parts in
//! `components` instead of `value` and `unit`; several readings are an array, or
//! `{"readings": [...]}`. Over MQTT the device's token travels in the object as `token`.
//!
//! Each reading is checked on its own, so one bad reading in a batch does not hold back the
//! others: it comes back with the field and the reason. Nothing here decides who may write.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};

use crate::monitoring::enrolment::DEVICE_SERIAL;
use crate::monitoring::observation::{LOINC, UCUM};

/// The most readings one message may carry.
pub const MAX_READINGS: usize = 100;
/// How far ahead of the server's clock a measurement time may be (devices' clocks drift).
const FUTURE_SLACK: SignedDuration = SignedDuration::from_mins(10);
const MAX_ID_CHARS: usize = 128;

/// A reading refused before anything was stored: the field and a stable code, with words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    pub code: &'static str,
    pub field: &'static str,
    pub message: String,
}

fn item_error(code: &'static str, field: &'static str, message: impl Into<String>) -> ItemError {
    ItemError { code, field, message: message.into() }
}

/// A message refused as a whole (not JSON, not readings, too many).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageError {
    pub code: &'static str,
    pub message: String,
}

/// One measured value.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub code: String,
    pub value: f64,
    pub unit: String,
}

/// One checked reading.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadingIn {
    pub message_id: String,
    pub at: Timestamp,
    /// The reading's own LOINC code (the panel's, for components).
    pub code: String,
    /// Its value, or none for a panel.
    pub value: Option<Measure>,
    pub components: Vec<Measure>,
}

/// A parsed message: the token it carried (MQTT), and each reading or why it was refused, with
/// the message id when there was one.
#[derive(Debug)]
pub struct Message {
    pub token: Option<String>,
    pub readings: Vec<Result<ReadingIn, (Option<String>, ItemError)>>,
}

/// Parses `body` at `now` (measurement times too far ahead of it are refused).
pub fn parse(body: &[u8], now: Timestamp) -> Result<Message, MessageError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| MessageError {
        code: "invalid-json",
        message: format!("The body is not JSON (line {}, column {})", e.line(), e.column()),
    })?;
    let (token, items) = match value {
        Value::Array(items) => (None, items),
        Value::Object(mut map) => {
            let token = match map.remove("token") {
                Some(Value::String(t)) => Some(t),
                None => None,
                Some(_) => return Err(message_error("invalid-token", "token must be a string")),
            };
            match map.remove("readings") {
                Some(Value::Array(items)) => (token, items),
                Some(_) => return Err(message_error("not-readings", "readings must be an array")),
                None => (token, vec![Value::Object(map)]),
            }
        }
        _ => return Err(message_error("not-readings", "Send a reading (an object) or an array of them")),
    };
    if items.is_empty() {
        return Err(message_error("no-readings", "The message holds no reading"));
    }
    if items.len() > MAX_READINGS {
        return Err(message_error(
            "too-many-readings",
            format!("At most {MAX_READINGS} readings per message ({} sent)", items.len()),
        ));
    }
    let readings = items.iter().map(|item| reading(item, now)).collect();
    Ok(Message { token, readings })
}

fn message_error(code: &'static str, message: impl Into<String>) -> MessageError {
    MessageError { code, message: message.into() }
}

fn reading(item: &Value, now: Timestamp) -> Result<ReadingIn, (Option<String>, ItemError)> {
    let Some(map) = item.as_object() else {
        return Err((None, item_error("not-a-reading", "", "Each reading must be an object")));
    };
    let message_id = match map.get("message_id") {
        Some(Value::String(id)) if valid_id(id) => id.clone(),
        Some(_) => {
            let why = format!("message_id must be 1 to {MAX_ID_CHARS} printable characters");
            return Err((None, item_error("invalid-field", "message_id", why)));
        }
        None => return Err((None, item_error("missing-field", "message_id", "message_id is required"))),
    };
    checked(map, now).map_err(|e| (Some(message_id.clone()), e)).map(|mut r| {
        r.message_id = message_id;
        r
    })
}

fn checked(map: &Map<String, Value>, now: Timestamp) -> Result<ReadingIn, ItemError> {
    let code = loinc(map, "code")?;
    let at = match map.get("at") {
        Some(Value::String(text)) => text.parse::<Timestamp>().map_err(|_| {
            item_error(
                "invalid-field",
                "at",
                "at must be an RFC 3339 time with its offset (2026-11-26T07:30:00-05:00)",
            )
        })?,
        Some(_) => return Err(item_error("invalid-field", "at", "at must be a string")),
        None => return Err(item_error("missing-field", "at", "at (when it was measured) is required")),
    };
    if now.checked_add(FUTURE_SLACK).is_ok_and(|limit| at > limit) {
        return Err(item_error("at-in-future", "at", "at is later than now: check the device's clock"));
    }
    let components: Vec<Measure> = match map.get("components") {
        None => Vec::new(),
        Some(Value::Array(parts)) if !parts.is_empty() && parts.len() <= 8 => parts
            .iter()
            .map(|p| {
                p.as_object().ok_or_else(|| {
                    item_error("invalid-field", "components", "each component must be an object")
                })
            })
            .map(|p| {
                p.and_then(|p| Ok(Measure { code: loinc(p, "code")?, value: number(p)?, unit: unit(p)? }))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(item_error("invalid-field", "components", "components must be 1 to 8 objects"));
        }
    };
    let value = if components.is_empty() {
        Some(Measure { code: code.clone(), value: number(map)?, unit: unit(map)? })
    } else if map.contains_key("value") {
        return Err(item_error("invalid-field", "value", "a reading has a value or components, not both"));
    } else {
        None
    };
    Ok(ReadingIn { message_id: String::new(), at, code, value, components })
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.chars().count() <= MAX_ID_CHARS && !id.chars().any(char::is_control)
}

/// A LOINC code's shape: digits, a dash, a check digit.
fn loinc(map: &Map<String, Value>, field: &'static str) -> Result<String, ItemError> {
    match map.get(field) {
        Some(Value::String(code)) => {
            let shaped = code.split_once('-').is_some_and(|(num, check)| {
                !num.is_empty()
                    && num.len() <= 7
                    && num.bytes().all(|b| b.is_ascii_digit())
                    && check.len() == 1
                    && check.bytes().all(|b| b.is_ascii_digit())
            });
            if shaped {
                Ok(code.clone())
            } else {
                Err(item_error("invalid-field", field, "code must be a LOINC code such as 29463-7"))
            }
        }
        Some(_) => Err(item_error("invalid-field", field, "code must be a string")),
        None => Err(item_error("missing-field", field, "code (LOINC) is required")),
    }
}

fn number(map: &Map<String, Value>) -> Result<f64, ItemError> {
    match map.get("value") {
        Some(Value::Number(n)) => {
            n.as_f64().ok_or_else(|| item_error("invalid-field", "value", "value must be a number"))
        }
        Some(_) => Err(item_error("invalid-field", "value", "value must be a number, not text")),
        None => Err(item_error("missing-field", "value", "value is required")),
    }
}

fn unit(map: &Map<String, Value>) -> Result<String, ItemError> {
    match map.get("unit") {
        Some(Value::String(u)) if !u.is_empty() && u.len() <= 32 && !u.chars().any(char::is_control) => {
            Ok(u.clone())
        }
        Some(_) => Err(item_error("invalid-field", "unit", "unit must be a UCUM unit such as kg or mm[Hg]")),
        None => Err(item_error("missing-field", "unit", "unit (UCUM) is required")),
    }
}

fn quantity(m: &Measure) -> Value {
    json!({"value": m.value, "unit": m.unit, "system": UCUM, "code": m.unit})
}

fn coded(code: &str) -> Value {
    json!({"coding": [{"system": LOINC, "code": code}]})
}

/// What people know a Device by: its serial number (as written on the device, and as
/// enrolment registers it), else its first name; `None` when it has neither.
pub fn device_label(device: &Value) -> Option<String> {
    let registered = || {
        let identifiers = device.get("identifier")?.as_array()?;
        identifiers
            .iter()
            .filter(|i| text(i, "/system") == Some(DEVICE_SERIAL))
            .find_map(|i| text(i, "/value"))
    };
    text(device, "/serialNumber")
        .or_else(registered)
        .or_else(|| text(device, "/deviceName/0/name"))
        .map(str::to_owned)
}

/// The trimmed text at `pointer` in `value`, if not blank.
fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// The Observation a reading becomes, measured by `device` (known to people as `label`, its
/// reference's display) on `patient`.
pub fn observation(reading: &ReadingIn, patient: &str, device: &str, label: Option<&str>) -> Value {
    let mut reference = json!({"reference": format!("Device/{device}")});
    if let Some(label) = label {
        reference["display"] = json!(label);
    }
    let mut obs = json!({
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "code": coded(&reading.code),
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": reading.at.to_string(),
        "device": reference,
    });
    if let Some(map) = obs.as_object_mut() {
        match &reading.value {
            Some(value) => {
                map.insert("valueQuantity".into(), quantity(value));
            }
            None => {
                let parts: Vec<Value> = reading
                    .components
                    .iter()
                    .map(|c| json!({"code": coded(&c.code), "valueQuantity": quantity(c)}))
                    .collect();
                map.insert("component".into(), Value::Array(parts));
            }
        }
    }
    obs
}

#[cfg(test)]
#[path = "payload_tests.rs"]
mod tests;
