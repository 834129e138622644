//! Home measurements: weeks of daily Observations with LOINC codes and UCUM units from
//! domain.md §2.1 — weight 29463-7 (kg), blood pressure panel 85354-9 with systolic 8480-6 and
//! diastolic 8462-4 (mm[Hg]), heart rate 8867-4 (/min), SpO2 59408-5 (%), respiratory rate
//! 9279-1 (/min), temperature 8310-5 (Cel), blood glucose 15074-8 (mmol/L), pain 72514-3 and
//! NIHSS 72089-6 ({score}).
//!
//! The values wobble deterministically around each patient's baseline (the same demo every
//! time); the heart-failure patient drifts over the last three days the way decompensation
//! shows at home: weight up about 2 kg, heart rate up, SpO2 down.

use serde_json::{Value, json};

use super::moments::{Moments, stamp};
use super::world::{COPD, DIABETES, HEART_FAILURE, HYPERTENSION, LONG_TERM_CARE, ONCOLOGY, STROKE};

const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";
const CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";

/// One measured quantity.
#[derive(Clone, Copy)]
struct Measure {
    key: &'static str,
    loinc: &'static str,
    display: &'static str,
    text: &'static str,
    unit: &'static str,
    ucum: &'static str,
    category: &'static str,
}

const WEIGHT: Measure = Measure {
    key: "weight",
    loinc: "29463-7",
    display: "Body weight",
    text: "Poids",
    unit: "kg",
    ucum: "kg",
    category: "vital-signs",
};
const HEART_RATE: Measure = Measure {
    key: "hr",
    loinc: "8867-4",
    display: "Heart rate",
    text: "Fréquence cardiaque",
    unit: "/min",
    ucum: "/min",
    category: "vital-signs",
};
const SPO2: Measure = Measure {
    key: "spo2",
    loinc: "59408-5",
    display: "Oxygen saturation in Arterial blood by Pulse oximetry",
    text: "Saturation (SpO2)",
    unit: "%",
    ucum: "%",
    category: "vital-signs",
};
const RESPIRATORY_RATE: Measure = Measure {
    key: "rr",
    loinc: "9279-1",
    display: "Respiratory rate",
    text: "Fréquence respiratoire",
    unit: "/min",
    ucum: "/min",
    category: "vital-signs",
};
const TEMPERATURE: Measure = Measure {
    key: "temp",
    loinc: "8310-5",
    display: "Body temperature",
    text: "Température",
    unit: "°C",
    ucum: "Cel",
    category: "vital-signs",
};
const GLUCOSE: Measure = Measure {
    key: "glucose",
    loinc: "15074-8",
    display: "Glucose [Moles/volume] in Blood",
    text: "Glycémie",
    unit: "mmol/L",
    ucum: "mmol/L",
    category: "laboratory",
};
const PAIN: Measure = Measure {
    key: "pain",
    loinc: "72514-3",
    display: "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
    text: "Douleur (0–10)",
    unit: "{score}",
    ucum: "{score}",
    category: "survey",
};
const NIHSS: Measure = Measure {
    key: "nihss",
    loinc: "72089-6",
    display: "Total score [NIHSS]",
    text: "NIHSS total",
    unit: "{score}",
    ucum: "{score}",
    category: "exam",
};

/// Every home measurement of the demo, oldest first per series.
pub(crate) fn observations(at: &Moments) -> Vec<Value> {
    let mut out = Vec::new();
    // Heart failure: six weeks, then three days of decompensation.
    let hf = |days_ago: i64, steps: [f64; 3]| {
        if days_ago < 3 { steps[usize::try_from(2 - days_ago).unwrap_or(0)] } else { 0.0 }
    };
    for d in (0..42).rev() {
        let weight = 81.6 + 0.3 * wobble(1, d) + hf(d, [0.7, 1.4, 2.2]);
        out.push(single(at, HEART_FAILURE, WEIGHT, d, 0, round(weight, 1)));
        let systolic = 124.0 + 6.0 * wobble(2, d) + hf(d, [3.0, 5.0, 8.0]);
        let diastolic = 74.0 + 4.0 * wobble(3, d) + hf(d, [1.0, 2.0, 4.0]);
        out.push(blood_pressure(at, HEART_FAILURE, d, systolic.round(), diastolic.round()));
        out.push(single(
            at,
            HEART_FAILURE,
            HEART_RATE,
            d,
            2,
            (70.0 + 4.0 * wobble(4, d) + hf(d, [7.0, 11.0, 16.0])).round(),
        ));
        out.push(single(
            at,
            HEART_FAILURE,
            SPO2,
            d,
            3,
            (96.0 + wobble(5, d) - hf(d, [1.0, 2.0, 3.0])).round().min(99.0),
        ));
    }
    // Hypertension: four weeks, the morning average coming down under treatment.
    for d in (0..28).rev() {
        let easing = 8.0 * f64::from(u8::try_from(d).unwrap_or(0)) / 27.0;
        let systolic = 134.0 + easing + 6.0 * wobble(6, d);
        let diastolic = 83.0 + easing / 2.0 + 4.0 * wobble(7, d);
        out.push(blood_pressure(at, HYPERTENSION, d, systolic.round(), diastolic.round()));
        out.push(single(at, HYPERTENSION, HEART_RATE, d, 2, (76.0 + 5.0 * wobble(8, d)).round()));
    }
    // COPD: three weeks around the 88–92 % target, then nothing for the last two days.
    for d in (2..23).rev() {
        out.push(single(at, COPD, SPO2, d, 0, (90.0 + 1.5 * wobble(9, d)).round()));
        out.push(single(at, COPD, HEART_RATE, d, 1, (84.0 + 5.0 * wobble(10, d)).round()));
        out.push(single(at, COPD, RESPIRATORY_RATE, d, 2, (18.0 + 2.0 * wobble(11, d)).round()));
    }
    // Diabetes: a fasting glucose each morning for four weeks.
    for d in (0..28).rev() {
        out.push(single(at, DIABETES, GLUCOSE, d, 0, round(7.2 + 1.0 * wobble(12, d), 1)));
    }
    // Long-term care: daily surveillance for two weeks, no fever.
    for d in (0..14).rev() {
        out.push(single(at, LONG_TERM_CARE, TEMPERATURE, d, 5, round(36.7 + 0.3 * wobble(13, d), 1)));
        out.push(single(at, LONG_TERM_CARE, SPO2, d, 6, (95.0 + wobble(14, d)).round()));
    }
    // Oncology: the pain score of the latest ESAS-r, from its answers.
    let mut pain = single(at, ONCOLOGY, PAIN, 1, 10, 7.0);
    pain["derivedFrom"] = json!([{"reference": "QuestionnaireResponse/demo-qr-belanger-esas"}]);
    out.push(pain);
    // Stroke: NIHSS at arrival two days ago and at 24 hours.
    let mut arrival = single(at, STROKE, NIHSS, 2, 0, 9.0);
    arrival["effectiveDateTime"] = json!(stamp(&at.day_at(-2, 14, 12)));
    let mut day_after = single(at, STROKE, NIHSS, 1, 0, 4.0);
    day_after["effectiveDateTime"] = json!(stamp(&at.day_at(-1, 14, 30)));
    out.extend([arrival, day_after]);
    out
}

fn base(patient: &str, measure: Measure, id: String, effective: String) -> Value {
    json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "category": [{"coding": [{"system": CATEGORY, "code": measure.category}]}],
        "code": {"coding": [{"system": LOINC, "code": measure.loinc, "display": measure.display}], "text": measure.text},
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": effective
    })
}

fn quantity(measure: Measure, value: f64) -> Value {
    // Whole readings (mm[Hg], /min, %, scores) are written as integers, as devices send them:
    // `131`, not `131.0`.
    let value = if value.fract() == 0.0 && value.abs() < 1e9 { json!(value as i64) } else { json!(value) };
    json!({"value": value, "unit": measure.unit, "system": UCUM, "code": measure.ucum})
}

fn single(at: &Moments, patient: &str, measure: Measure, days_ago: i64, minute: i8, value: f64) -> Value {
    let id = format!("{patient}-{}-{days_ago}", measure.key);
    let mut observation = base(patient, measure, id, stamp(&at.reading(days_ago, minute)));
    observation["valueQuantity"] = quantity(measure, value);
    observation
}

fn blood_pressure(at: &Moments, patient: &str, days_ago: i64, systolic: f64, diastolic: f64) -> Value {
    let panel = Measure {
        key: "bp",
        loinc: "85354-9",
        display: "Blood pressure panel with all children optional",
        text: "Tension artérielle",
        unit: "mm[Hg]",
        ucum: "mm[Hg]",
        category: "vital-signs",
    };
    let component = |loinc: &str, display: &str, value: f64| {
        json!({
            "code": {"coding": [{"system": LOINC, "code": loinc, "display": display}]},
            "valueQuantity": quantity(panel, value)
        })
    };
    let id = format!("{patient}-bp-{days_ago}");
    let mut observation = base(patient, panel, id, stamp(&at.reading(days_ago, 1)));
    observation["component"] = json!([
        component("8480-6", "Systolic blood pressure", systolic),
        component("8462-4", "Diastolic blood pressure", diastolic)
    ]);
    observation
}

/// A deterministic value in [-1, 1] for `series` on `day` (splitmix64): believable noise that
/// is the same on every run.
fn wobble(series: u64, day: i64) -> f64 {
    let mut z =
        series.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ day.unsigned_abs().wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    // 53 random bits → [0, 1) → [-1, 1).
    let unit = (z >> 11) as f64 / (1u64 << 53) as f64;
    unit * 2.0 - 1.0
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}
