//! Reading a patient's FHIR resources for the pages: the identity header (name, date of birth
//! and age, sex, health card number, allergies, active flags) and the timeline (date, kind and a
//! one-line summary of each encounter, measurement, questionnaire, photo, note and alert).
//! Pure functions of the resources: the use case decided what the person may see.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use relais_views::chart::number;
use relais_views::chart_pages::{Allergy, ChartHeader, PatientRow, TimelineItem};
use relais_views::{Locale, Tr};
use serde_json::Value;

/// The timeline shows at most this many items, the most recent.
pub(super) const TIMELINE_MAX: usize = 100;

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty())
}

/// The words of a CodeableConcept: its `text`, else its first coding's `display`, else code.
fn concept(value: Option<&Value>) -> Option<String> {
    let value = value?;
    text(value, "/text")
        .or_else(|| text(value, "/coding/0/display"))
        .or_else(|| text(value, "/coding/0/code"))
        .map(str::to_owned)
}

/// A patient's name as people read it: `Léa Gagné` (the official name, else the first).
pub(super) fn patient_name(patient: &Value) -> String {
    let names = patient.get("name").and_then(Value::as_array).cloned().unwrap_or_default();
    let name = names
        .iter()
        .find(|n| n.get("use").and_then(Value::as_str) == Some("official"))
        .or_else(|| names.first());
    let Some(name) = name else { return String::new() };
    if let Some(full) = text(name, "/text") {
        return full.to_owned();
    }
    let given = name.get("given").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str);
    let parts: Vec<&str> = given.chain(text(name, "/family")).collect();
    parts.join(" ")
}

/// The health card number: the identifier of `system`.
fn health_card(patient: &Value, system: &str) -> Option<String> {
    patient.get("identifier").and_then(Value::as_array).into_iter().flatten().find_map(|identifier| {
        (identifier.get("system").and_then(Value::as_str) == Some(system))
            .then(|| text(identifier, "/value").map(str::to_owned))
            .flatten()
    })
}

/// One patient of a search's results.
pub(super) fn patient_row(patient: &Value, tr: Tr, system: &str) -> PatientRow {
    let missing = || tr.t("chart-not-recorded");
    PatientRow {
        id: text(patient, "/id").unwrap_or_default().to_owned(),
        name: patient_name(patient),
        birth_date: text(patient, "/birthDate").map_or_else(missing, str::to_owned),
        health_card: health_card(patient, system).unwrap_or_else(missing),
    }
}

/// The chart's identity header.
pub(super) fn header(patient: &Value, resources: &[Value], tr: Tr, system: &str, today: Date) -> ChartHeader {
    let missing = || tr.t("chart-not-recorded");
    let birth = text(patient, "/birthDate");
    let age = birth.and_then(|b| b.parse::<Date>().ok()).and_then(|born| {
        let years =
            today.year() - born.year() - i16::from((today.month(), today.day()) < (born.month(), born.day()));
        (years >= 0).then(|| tr.t1("chart-age", "years", &years.to_string()))
    });
    let sex = match text(patient, "/gender") {
        Some(g @ ("male" | "female" | "other" | "unknown")) => tr.t(&format!("sex-{g}")),
        _ => missing(),
    };
    let allergies = of_type(resources, "AllergyIntolerance")
        .filter(|a| {
            let status = text(a, "/clinicalStatus/coding/0/code");
            let refuted = text(a, "/verificationStatus/coding/0/code") == Some("refuted");
            status.is_none_or(|s| s == "active") && !refuted
        })
        .map(|a| Allergy {
            text: concept(a.get("code")).unwrap_or_else(|| tr.t("chart-no-summary")),
            high: text(a, "/criticality") == Some("high"),
        })
        .collect();
    let flags = of_type(resources, "Flag")
        .filter(|f| text(f, "/status") == Some("active"))
        .map(|f| concept(f.get("code")).unwrap_or_else(|| tr.t("chart-no-summary")))
        .collect();
    ChartHeader {
        name: patient_name(patient),
        birth_date: birth.map_or_else(missing, str::to_owned),
        age,
        sex,
        health_card: health_card(patient, system).unwrap_or_else(missing),
        allergies,
        flags,
    }
}

fn of_type<'a>(resources: &'a [Value], resource_type: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    resources.iter().filter(move |r| r.get("resourceType").and_then(Value::as_str) == Some(resource_type))
}

/// The timeline, newest first, at most [`TIMELINE_MAX`] items; and how many there were.
pub(super) fn timeline(resources: &[Value], tr: Tr, zone: &TimeZone) -> (Vec<TimelineItem>, usize) {
    let mut items: Vec<(Timestamp, &'static str, String)> =
        resources.iter().filter_map(|r| entry(r, tr, zone)).collect();
    items.sort_by_key(|item| std::cmp::Reverse(item.0));
    let mut items = same_day_measurements_together(items, zone);
    let total = items.len();
    items.truncate(TIMELINE_MAX);
    let items = items
        .into_iter()
        .map(|(at, kind, summary)| TimelineItem {
            when: super::render::local_time(zone, at),
            when_iso: at.to_string(),
            kind_code: kind,
            kind: tr.t(&format!("kind-{kind}")),
            summary: if summary.is_empty() { tr.t("chart-no-summary") } else { summary },
        })
        .collect();
    (items, total)
}

/// The measurements of one day (a patient's morning readings: weight, pressure, pulse, SpO2)
/// as one entry at the latest of them, so that weeks of home monitoring do not push every other
/// event off the timeline. `items` are newest first, and stay so.
fn same_day_measurements_together(
    items: Vec<(Timestamp, &'static str, String)>,
    zone: &TimeZone,
) -> Vec<(Timestamp, &'static str, String)> {
    let day = |at: Timestamp| at.to_zoned_datetime(zone.clone()).date();
    let mut out: Vec<(Timestamp, &'static str, String)> = Vec::with_capacity(items.len());
    for (at, kind, summary) in items {
        match out.iter_mut().rev().find(|(seen, k, _)| *k == "measurement" && day(*seen) == day(at)) {
            Some((_, _, joined)) if kind == "measurement" => {
                joined.insert_str(0, &format!("{summary} · "));
            }
            _ => out.push((at, kind, summary)),
        }
    }
    out
}

/// One resource as a timeline entry: when, its kind, its summary. Allergies are in the header,
/// not the timeline.
fn entry(resource: &Value, tr: Tr, zone: &TimeZone) -> Option<(Timestamp, &'static str, String)> {
    let kind = resource.get("resourceType").and_then(Value::as_str)?;
    let (kind, dates, summary): (&'static str, &[&str], String) = match kind {
        "Encounter" => (
            "encounter",
            &["/period/start", "/period/end"],
            concept(resource.pointer("/type/0"))
                .or_else(|| concept(resource.pointer("/reasonCode/0")))
                .or_else(|| {
                    text(resource, "/class/display").or(text(resource, "/class/code")).map(str::to_owned)
                })
                .unwrap_or_default(),
        ),
        "Observation" => (
            "measurement",
            &["/effectiveDateTime", "/effectiveInstant", "/effectivePeriod/start", "/issued"],
            observation_summary(resource, tr),
        ),
        "QuestionnaireResponse" => (
            "questionnaire",
            &["/authored"],
            text(resource, "/questionnaire")
                .map(|q| q.rsplit('/').next().unwrap_or(q).split('|').next().unwrap_or(q).to_owned())
                .unwrap_or_default(),
        ),
        "Media" => (
            "photo",
            &["/createdDateTime", "/createdPeriod/start", "/issued"],
            text(resource, "/content/title")
                .map(str::to_owned)
                .or_else(|| concept(resource.get("bodySite")))
                .or_else(|| concept(resource.get("type")))
                .unwrap_or_default(),
        ),
        "DocumentReference" => {
            let image = resource
                .get("content")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|c| text(c, "/attachment/contentType").is_some_and(|t| t.starts_with("image/")));
            let summary = text(resource, "/description")
                .map(str::to_owned)
                .or_else(|| concept(resource.get("type")))
                .or_else(|| text(resource, "/content/0/attachment/title").map(str::to_owned))
                .unwrap_or_default();
            (if image { "photo" } else { "note" }, &["/date"], summary)
        }
        "Composition" => ("note", &["/date"], text(resource, "/title").unwrap_or_default().to_owned()),
        "DetectedIssue" => {
            let what = concept(resource.get("code")).or_else(|| text(resource, "/detail").map(str::to_owned));
            let severity = text(resource, "/severity");
            let summary = match (what, severity) {
                (Some(w), Some(s)) => format!("{w} ({s})"),
                (w, s) => w.or(s.map(str::to_owned)).unwrap_or_default(),
            };
            ("alert", &["/identifiedDateTime", "/identifiedPeriod/start"], summary)
        }
        "Flag" => ("alert", &["/period/start"], concept(resource.get("code")).unwrap_or_default()),
        _ => return None,
    };
    let at = dates
        .iter()
        .chain(&["/meta/lastUpdated"])
        .find_map(|p| text(resource, p).and_then(|t| instant(t, zone)))?;
    Some((at, kind, summary))
}

/// A FHIR dateTime or instant as an instant; a date alone counts from its local midnight.
fn instant(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    text.parse::<Timestamp>().ok().or_else(|| {
        let date: Date = text.parse().ok()?;
        date.to_zoned_datetime(zone.clone()).ok().map(|z| z.timestamp())
    })
}

/// `Fréquence cardiaque : 72 /min`, `Pression artérielle : 128/82 mm[Hg]`.
fn observation_summary(observation: &Value, tr: Tr) -> String {
    let name = concept(observation.get("code")).unwrap_or_default();
    let components: Vec<String> = observation
        .get("component")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("valueQuantity"))
        .filter_map(|q| Some((q.get("value")?.as_f64()?, q)))
        .map(|(v, _)| number(v, tr.locale()))
        .collect();
    let unit = |q: &Value| text(q, "/unit").or(text(q, "/code")).unwrap_or_default().to_owned();
    let value = if let Some(q) = observation.get("valueQuantity") {
        q.get("value").and_then(Value::as_f64).map(|v| format!("{} {}", number(v, tr.locale()), unit(q)))
    } else if !components.is_empty() {
        let unit = observation.pointer("/component/0/valueQuantity").map(unit).unwrap_or_default();
        Some(format!("{} {unit}", components.join("/")))
    } else {
        text(observation, "/valueString")
            .map(str::to_owned)
            .or_else(|| concept(observation.get("valueCodeableConcept")))
            .or_else(|| observation.get("valueInteger").map(Value::to_string))
            .or_else(|| observation.get("valueBoolean").map(Value::to_string))
    };
    let colon = if tr.locale() == Locale::Fr { " : " } else { ": " };
    match value {
        Some(value) if !name.is_empty() => format!("{name}{colon}{}", value.trim()),
        Some(value) => value.trim().to_owned(),
        None => name,
    }
}

#[cfg(test)]
#[path = "record_tests.rs"]
mod tests;
