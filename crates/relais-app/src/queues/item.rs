//! A work item as a queue shows it, read from a FHIR Task and the Patient and Practitioner it
//! names (included in the same search).

use std::collections::HashMap;

use jiff::Timestamp;
use serde_json::Value;

/// How soon a task must be done (FHIR request-priority), most pressing first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    Stat,
    Asap,
    Urgent,
    Routine,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::Stat, Priority::Asap, Priority::Urgent, Priority::Routine];

    pub fn code(self) -> &'static str {
        match self {
            Priority::Stat => "stat",
            Priority::Asap => "asap",
            Priority::Urgent => "urgent",
            Priority::Routine => "routine",
        }
    }

    /// The priority with this code; a Task without one is routine (FHIR's default meaning).
    pub fn from_code(code: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// One task in a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueItem {
    pub id: String,
    /// The version read: claiming or assigning sends it back, so a change made meanwhile by a
    /// colleague is not overwritten.
    pub version: i64,
    /// What to do: `description`, else the code's text or display.
    pub title: String,
    pub priority: Priority,
    /// The Task status code (`requested`, `accepted`, `in-progress`…).
    pub status: String,
    /// When it is due (`restriction.period.end`).
    pub due: Option<Timestamp>,
    /// When it was asked for (`authoredOn`).
    pub authored: Option<Timestamp>,
    /// The patient's id and name.
    pub patient: Option<(String, String)>,
    /// The owner's Practitioner id and name.
    pub owner: Option<(String, String)>,
}

/// A person's name as people read it: `text`, else prefix (Dre), given names, family name.
pub fn human_name(resource: &Value) -> Option<String> {
    let names = resource.get("name")?.as_array()?;
    let name = names
        .iter()
        .find(|n| n.get("use").and_then(Value::as_str) == Some("official"))
        .or_else(|| names.first())?;
    if let Some(text) = name.get("text").and_then(Value::as_str) {
        return Some(text.to_owned());
    }
    let words = |field: &str| {
        name.get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
    };
    let mut parts = words("prefix");
    parts.extend(words("given"));
    if let Some(family) = name.get("family").and_then(Value::as_str) {
        parts.push(family);
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn reference_id<'a>(value: &'a Value, pointer: &str, resource_type: &str) -> Option<&'a str> {
    value.pointer(pointer)?.as_str()?.strip_prefix(resource_type)?.strip_prefix('/')
}

fn instant(value: &Value, pointer: &str) -> Option<Timestamp> {
    let text = value.pointer(pointer)?.as_str()?;
    text.parse::<Timestamp>().ok().or_else(|| {
        // A date without a time: the start of that day, UTC.
        let date: jiff::civil::Date = text.parse().ok()?;
        jiff::tz::TimeZone::UTC.to_timestamp(date.to_datetime(jiff::civil::Time::midnight())).ok()
    })
}

/// The queue items of a searchset Bundle: its `match` Tasks, named with its `include`d
/// Patients and Practitioners (an owner or patient not included is shown by its reference's
/// `display`, else its id).
pub(crate) fn items_of(bundle: &Value) -> Vec<QueueItem> {
    let entries = bundle.get("entry").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut names: HashMap<(String, String), String> = HashMap::new();
    for resource in entries.iter().filter_map(|e| e.get("resource")) {
        let (Some(t), Some(id)) = (resource["resourceType"].as_str(), resource["id"].as_str()) else {
            continue;
        };
        if let Some(name) = human_name(resource) {
            names.insert((t.to_owned(), id.to_owned()), name);
        }
    }
    let named = |task: &Value, pointer: &str, display: &str, t: &str| {
        let id = reference_id(task, pointer, t)?;
        let name = names
            .get(&(t.to_owned(), id.to_owned()))
            .cloned()
            .or_else(|| task.pointer(display).and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| id.to_owned());
        Some((id.to_owned(), name))
    };
    entries
        .iter()
        .filter(|e| e.pointer("/search/mode").and_then(Value::as_str) == Some("match"))
        .filter_map(|e| e.get("resource"))
        .filter(|r| r["resourceType"] == "Task")
        .map(|task| QueueItem {
            id: task["id"].as_str().unwrap_or_default().to_owned(),
            version: task
                .pointer("/meta/versionId")
                .and_then(Value::as_str)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            title: task
                .get("description")
                .and_then(Value::as_str)
                .or_else(|| task.pointer("/code/text").and_then(Value::as_str))
                .or_else(|| task.pointer("/code/coding/0/display").and_then(Value::as_str))
                .unwrap_or_default()
                .to_owned(),
            priority: task
                .get("priority")
                .and_then(Value::as_str)
                .and_then(Priority::from_code)
                .unwrap_or(Priority::Routine),
            status: task["status"].as_str().unwrap_or_default().to_owned(),
            due: instant(task, "/restriction/period/end"),
            authored: instant(task, "/authoredOn"),
            patient: named(task, "/for/reference", "/for/display", "Patient"),
            owner: named(task, "/owner/reference", "/owner/display", "Practitioner"),
        })
        .collect()
}
