//! The vital signs the chart draws trends of: their LOINC codes and canonical UCUM units
//! (domain.md §2.1), the alert thresholds shaded on them, and the charts and latest values
//! built from Observations — the same for the clinician's chart (`/patients/{id}`) and the
//! patient's own measurements (`/me/measurements`).
//!
//! The thresholds here are the **default** ones, the NEWS2 bands of domain.md §2.2 (SpO2 on
//! Scale 1), kept in this one table on purpose: issue 7 replaces them with per-patient and
//! per-program thresholds set by clinicians, read through a use case — change
//! [`thresholds_for`]'s caller then, not the chart. Weight and diastolic pressure have no NEWS2
//! band, so none is drawn.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use relais_views::Tr;
use relais_views::chart::{Line, Threshold, TrendChart, number, trend_chart};
use relais_views::chart_pages::LatestValue;
use serde_json::Value;

use super::render::local_time;

const LOINC: &str = "http://loinc.org";

/// One vital sign with a trend chart.
pub(super) struct VitalSign {
    /// Its chart's id in the page (`vital-8867-4`).
    pub id: &'static str,
    /// The Fluent key of its name.
    pub name_key: &'static str,
    /// The LOINC codes an Observation of it carries (SpO2 has two).
    pub codes: &'static [&'static str],
    /// For a panel (blood pressure): the component codes drawn as lines, with their names.
    pub components: &'static [(&'static str, &'static str)],
    /// The canonical UCUM code values must be in to be drawn (no conversion here: devices'
    /// units are converted on ingest, and a value in another unit would be drawn at the wrong
    /// height), and the unit as people read it.
    pub ucum: &'static str,
    pub unit: &'static str,
    /// The resolution values are recorded to.
    pub resolution: f64,
}

/// The vital signs, in the order the chart shows them.
pub(super) const VITAL_SIGNS: &[VitalSign] = &[
    VitalSign {
        id: "vital-heart-rate",
        name_key: "vital-heart-rate",
        codes: &["8867-4"],
        components: &[],
        ucum: "/min",
        unit: "/min",
        resolution: 1.0,
    },
    VitalSign {
        id: "vital-blood-pressure",
        name_key: "vital-blood-pressure",
        codes: &["85354-9"],
        components: &[("8480-6", "vital-systolic"), ("8462-4", "vital-diastolic")],
        ucum: "mm[Hg]",
        unit: "mmHg",
        resolution: 1.0,
    },
    VitalSign {
        id: "vital-spo2",
        name_key: "vital-spo2",
        codes: &["59408-5", "2708-6"],
        components: &[],
        ucum: "%",
        unit: "%",
        resolution: 1.0,
    },
    VitalSign {
        id: "vital-respiratory-rate",
        name_key: "vital-respiratory-rate",
        codes: &["9279-1"],
        components: &[],
        ucum: "/min",
        unit: "/min",
        resolution: 1.0,
    },
    VitalSign {
        id: "vital-temperature",
        name_key: "vital-temperature",
        codes: &["8310-5"],
        components: &[],
        ucum: "Cel",
        unit: "°C",
        resolution: 0.1,
    },
    VitalSign {
        id: "vital-weight",
        name_key: "vital-weight",
        codes: &["29463-7"],
        components: &[],
        ucum: "kg",
        unit: "kg",
        resolution: 0.1,
    },
];

/// NEWS2 bands as `(low, high, score)`, inclusive, as domain.md §2.2 writes them.
type Bands = &'static [(Option<f64>, Option<f64>, u8)];

const PULSE: Bands = &[
    (None, Some(40.0), 3),
    (Some(41.0), Some(50.0), 1),
    (Some(91.0), Some(110.0), 1),
    (Some(111.0), Some(130.0), 2),
    (Some(131.0), None, 3),
];
const RESPIRATION: Bands =
    &[(None, Some(8.0), 3), (Some(9.0), Some(11.0), 1), (Some(21.0), Some(24.0), 2), (Some(25.0), None, 3)];
const SPO2_SCALE_1: Bands =
    &[(None, Some(91.0), 3), (Some(92.0), Some(93.0), 2), (Some(94.0), Some(95.0), 1)];
const SYSTOLIC: Bands = &[
    (None, Some(90.0), 3),
    (Some(91.0), Some(100.0), 2),
    (Some(101.0), Some(110.0), 1),
    (Some(220.0), None, 3),
];
const TEMPERATURE: Bands =
    &[(None, Some(35.0), 3), (Some(35.1), Some(36.0), 1), (Some(38.1), Some(39.0), 1), (Some(39.1), None, 2)];

/// The default thresholds shaded on `vital`'s chart (see the module's note: issue 7 makes them
/// the patient's own). On the blood pressure chart they are the systolic pressure's, and say
/// so: the diastolic line shares the chart.
pub(super) fn thresholds_for(vital: &VitalSign, tr: Tr) -> Vec<Threshold> {
    let of = match vital.components.first() {
        Some((_, name_key)) => format!(" ({})", tr.t(name_key).to_lowercase()),
        None => String::new(),
    };
    let bands: Bands = match vital.id {
        "vital-heart-rate" => PULSE,
        "vital-respiratory-rate" => RESPIRATION,
        "vital-spo2" => SPO2_SCALE_1,
        "vital-blood-pressure" => SYSTOLIC,
        "vital-temperature" => TEMPERATURE,
        _ => &[],
    };
    bands
        .iter()
        .map(|(low, high, score)| Threshold {
            low: *low,
            high: *high,
            level: *score,
            label: format!("NEWS2 {score}{of}"),
        })
        .collect()
}

/// The lines of `vital`'s chart from `observations`: one line, or one per component of a
/// panel (also from Observations of the component's code alone). Observations not final,
/// amended or corrected, without a time, or in another unit are left out.
pub(super) fn lines_for(vital: &VitalSign, observations: &[&Value], tr: Tr) -> Vec<Line> {
    if vital.components.is_empty() {
        let points = observations
            .iter()
            .filter(|o| has_code(o.get("code"), vital.codes))
            .filter_map(|o| Some((effective(o)?, quantity(o.get("valueQuantity"), vital.ucum)?)))
            .collect();
        return vec![Line { name: tr.t(vital.name_key), points }];
    }
    vital
        .components
        .iter()
        .map(|(code, name_key)| {
            let mut points = Vec::new();
            for observation in observations {
                let Some(at) = effective(observation) else { continue };
                if has_code(observation.get("code"), vital.codes) {
                    let parts = observation.get("component").and_then(Value::as_array).into_iter().flatten();
                    for part in parts.filter(|c| has_code(c.get("code"), &[code])) {
                        if let Some(value) = quantity(part.get("valueQuantity"), vital.ucum) {
                            points.push((at, value));
                        }
                    }
                } else if has_code(observation.get("code"), &[code])
                    && let Some(value) = quantity(observation.get("valueQuantity"), vital.ucum)
                {
                    points.push((at, value));
                }
            }
            Line { name: tr.t(name_key), points }
        })
        .collect()
}

/// The chartable Observations among `resources` (any types, as a record or a search returns
/// them).
pub(super) fn chartable_observations(resources: &[Value]) -> Vec<&Value> {
    resources
        .iter()
        .filter(|r| r.get("resourceType").and_then(Value::as_str) == Some("Observation"))
        .filter(|o| chartable(o))
        .collect()
}

/// The trend chart of each vital sign measured in `observations`, in [`VITAL_SIGNS`]' order,
/// as HTML (an SVG figure and its table).
pub(super) fn vital_charts(observations: &[&Value], tr: Tr, zone: &TimeZone) -> Vec<String> {
    VITAL_SIGNS
        .iter()
        .filter_map(|vital| {
            let lines = lines_for(vital, observations, tr);
            let thresholds = thresholds_for(vital, tr);
            let title = tr.t(vital.name_key);
            trend_chart(&TrendChart {
                id: vital.id,
                title: &title,
                unit: vital.unit,
                lines: &lines,
                thresholds: &thresholds,
                resolution: vital.resolution,
                zone,
                tr,
            })
        })
        .collect()
}

/// The most recent value of each vital sign measured in `observations` (a panel's as
/// `128/82`, its components' latest values), with when it was measured.
pub(super) fn latest_values(observations: &[&Value], tr: Tr, zone: &TimeZone) -> Vec<LatestValue> {
    VITAL_SIGNS
        .iter()
        .filter_map(|vital| {
            let lines = lines_for(vital, observations, tr);
            let latest: Vec<(Timestamp, f64)> =
                lines.iter().filter_map(|l| l.points.iter().copied().max_by_key(|(at, _)| *at)).collect();
            let when = latest.iter().map(|(at, _)| *at).max()?;
            let values: Vec<String> = latest.iter().map(|(_, v)| number(*v, tr.locale())).collect();
            Some(LatestValue {
                name: tr.t(vital.name_key),
                value: format!("{} {}", values.join("/"), vital.unit),
                when: local_time(zone, when),
                when_iso: when.to_string(),
            })
        })
        .collect()
}

/// Whether the observation may be charted (not preliminary, cancelled or entered in error).
pub(super) fn chartable(observation: &Value) -> bool {
    matches!(observation.get("status").and_then(Value::as_str), Some("final" | "amended" | "corrected"))
}

fn has_code(concept: Option<&Value>, codes: &[&str]) -> bool {
    concept.and_then(|c| c.get("coding")).and_then(Value::as_array).into_iter().flatten().any(|coding| {
        coding.get("system").and_then(Value::as_str) == Some(LOINC)
            && coding.get("code").and_then(Value::as_str).is_some_and(|c| codes.contains(&c))
    })
}

/// The value of a Quantity in the UCUM unit `ucum` (its `code`, or its `unit` when it has no
/// code).
fn quantity(value: Option<&Value>, ucum: &str) -> Option<f64> {
    let value = value?;
    let unit = value.get("code").or_else(|| value.get("unit")).and_then(Value::as_str)?;
    if unit != ucum {
        return None;
    }
    value.get("value").and_then(Value::as_f64).filter(|v| v.is_finite())
}

/// When an observation was made: `effectiveDateTime`, `effectiveInstant` or the start of
/// `effectivePeriod` (a date without a time is not charted: its hour is unknown).
pub(super) fn effective(observation: &Value) -> Option<Timestamp> {
    ["/effectiveDateTime", "/effectiveInstant", "/effectivePeriod/start"]
        .iter()
        .find_map(|p| observation.pointer(p).and_then(Value::as_str))
        .and_then(|text| text.parse::<Timestamp>().ok())
}

#[cfg(test)]
mod tests {
    use relais_views::Locale;
    use serde_json::json;

    use super::*;

    fn coded(code: &str) -> Value {
        json!({"coding": [{"system": LOINC, "code": code}]})
    }

    #[test]
    fn points_come_from_panels_and_single_observations_in_the_canonical_unit_only() {
        let mmhg = |v: u32| json!({"value": v, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"});
        let observations = [
            json!({"status": "final", "code": coded("85354-9"), "effectiveDateTime": "2026-11-03T13:00:00Z",
                   "component": [{"code": coded("8480-6"), "valueQuantity": mmhg(128)},
                                 {"code": coded("8462-4"), "valueQuantity": mmhg(82)}]}),
            json!({"status": "final", "code": coded("8480-6"), "effectiveDateTime": "2026-11-04T13:00:00Z",
                   "valueQuantity": mmhg(141)}),
            // In kPa: not drawn at the height of mmHg.
            json!({"status": "final", "code": coded("8480-6"), "effectiveDateTime": "2026-11-05T13:00:00Z",
                   "valueQuantity": {"value": 17, "code": "kPa"}}),
            // No time: not drawn.
            json!({"status": "final", "code": coded("8480-6"), "valueQuantity": mmhg(150)}),
            json!({"status": "final", "code": coded("8867-4"), "effectiveDateTime": "2026-11-03T13:00:00Z",
                   "valueQuantity": {"value": 72, "unit": "/min"}}),
        ];
        let refs: Vec<&Value> = observations.iter().collect();
        let tr = Tr::new(Locale::Fr);
        let pressure = &VITAL_SIGNS[1];
        let lines = lines_for(pressure, &refs, tr);
        let values: Vec<(&str, Vec<f64>)> =
            lines.iter().map(|l| (l.name.as_str(), l.points.iter().map(|(_, v)| *v).collect())).collect();
        assert_eq!(values, [("Systolique", vec![128.0, 141.0]), ("Diastolique", vec![82.0])]);
        let pulse = lines_for(&VITAL_SIGNS[0], &refs, tr);
        assert_eq!(pulse[0].points.len(), 1, "a unit without a code counts by its unit");
        assert_eq!(thresholds_for(pressure, tr)[0].label, "NEWS2 3 (systolique)");
        assert!(thresholds_for(&VITAL_SIGNS[5], tr).is_empty(), "no NEWS2 band for weight");
        assert!(!chartable(&json!({"status": "preliminary"})) && chartable(&json!({"status": "amended"})));
    }
}
