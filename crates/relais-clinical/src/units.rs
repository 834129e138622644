//! Readings normalisation: a device's value in the unit and code the program expects, or the
//! reason it was refused.
//!
//! The raw value, unit and code are kept beside the converted one (domain.md §2.1: "convert
//! device units to these canonical units on ingest and keep the raw value"). A refused reading is
//! not dropped by the caller: it is stored flagged for review with the [`Rejection`].

use jiff::Timestamp;
use serde::Serialize;

use crate::engine::Reading;
use crate::program::Program;

/// Units a program may declare, as UCUM codes; listed in error messages.
pub const KNOWN: &str = "kg, g, [lb_av], Cel, [degF], mmol/L, mg/dL, /min, %, mm[Hg], L/min, {score}";

/// Whether `unit` is a UCUM code a program may expect.
pub fn is_known(unit: &str) -> bool {
    canonical(unit).is_some()
}

/// Pounds (avoirdupois) to kilograms: the international pound is exactly 0.45359237 kg.
pub const KG_PER_LB: f64 = 0.453_592_37;

/// Molar mass of glucose (C6H12O6), g/mol: 1 mmol/L = 18.0156 mg/dL.
pub const GLUCOSE_G_PER_MOL: f64 = 180.156;

/// LOINC codes of glucose concentrations (mass and molar), the only analyte converted between
/// mg/dL and mmol/L: the factor depends on the molecule.
const GLUCOSE_CODES: [&str; 4] = ["41653-7", "2339-0", "15074-8", "14743-9"];

/// The UCUM spelling of a unit, accepting the few spellings devices commonly send.
fn canonical(unit: &str) -> Option<&'static str> {
    Some(match unit.trim() {
        "kg" => "kg",
        "g" => "g",
        "[lb_av]" | "lb" | "lbs" => "[lb_av]",
        "Cel" | "°C" => "Cel",
        "[degF]" | "°F" => "[degF]",
        "mmol/L" => "mmol/L",
        "mg/dL" => "mg/dL",
        "/min" | "{beats}/min" | "{breaths}/min" => "/min",
        "%" => "%",
        "mm[Hg]" => "mm[Hg]",
        "L/min" => "L/min",
        "{score}" => "{score}",
        _ => return None,
    })
}

/// `value` in `from` expressed in `to`, for a reading of LOINC `code`; `None` when no
/// conversion exists (a weight in mmol/L, or mg/dL of something that is not glucose).
pub fn convert(value: f64, from: &str, to: &str, code: &str) -> Option<f64> {
    let (from, to) = (canonical(from)?, canonical(to)?);
    if from == to {
        return Some(value);
    }
    let glucose = GLUCOSE_CODES.contains(&code);
    Some(match (from, to) {
        ("[lb_av]", "kg") => value * KG_PER_LB,
        ("kg", "[lb_av]") => value / KG_PER_LB,
        ("g", "kg") => value / 1000.0,
        ("kg", "g") => value * 1000.0,
        ("[degF]", "Cel") => (value - 32.0) * 5.0 / 9.0,
        ("Cel", "[degF]") => value * 9.0 / 5.0 + 32.0,
        // mg/dL → g/L is /100, g/L → mol/L is /molar mass, mol/L → mmol/L is ×1000.
        ("mg/dL", "mmol/L") if glucose => value * 10.0 / GLUCOSE_G_PER_MOL,
        ("mmol/L", "mg/dL") if glucose => value * GLUCOSE_G_PER_MOL / 10.0,
        _ => return None,
    })
}

/// Why a reading was refused. The caller keeps it, flagged, for a nurse to review.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Rejection {
    /// The program measures nothing under this code.
    #[error("the program has no measurement with code {code}")]
    UnknownCode { code: String },
    /// The unit cannot be converted to the one the program expects.
    #[error("{unit} cannot be converted to {expected}")]
    Unit { unit: String, expected: String },
    /// Not a number (NaN or infinite).
    #[error("the value is not a number")]
    NotANumber,
    /// Outside the program's plausible range for this measurement (after conversion).
    #[error("{value} {unit} is outside the plausible range {min}–{max} {unit}")]
    Implausible { value: f64, unit: String, min: f64, max: f64 },
}

impl Rejection {
    /// A stable code for the reason (for storage, translation and tests).
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::UnknownCode { .. } => "unknown-code",
            Rejection::Unit { .. } => "unit",
            Rejection::NotANumber => "not-a-number",
            Rejection::Implausible { .. } => "implausible",
        }
    }
}

/// A reading as it came from a device or a form.
#[derive(Debug, Clone, PartialEq)]
pub struct RawReading<'a> {
    /// The id it will be stored under (an Observation id).
    pub id: &'a str,
    /// Its LOINC code.
    pub code: &'a str,
    /// Its value, in `unit`.
    pub value: f64,
    /// Its UCUM unit, or a common spelling of it.
    pub unit: &'a str,
    /// When it was measured (not when it arrived).
    pub at: Timestamp,
}

/// A reading in the program's code and unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalised {
    /// What the engine evaluates.
    pub reading: Reading,
    /// The unit it is now in.
    pub unit: String,
    /// Whether the value or code changed (the raw ones are kept with it).
    pub converted: bool,
}

/// Converts a raw reading to its program's code and unit and checks it is plausible.
pub fn normalise(program: &Program, raw: &RawReading<'_>) -> Result<Normalised, Rejection> {
    let Some(measurement) = program.measurement_for(raw.code) else {
        return Err(Rejection::UnknownCode { code: raw.code.to_owned() });
    };
    if !raw.value.is_finite() {
        return Err(Rejection::NotANumber);
    }
    let Some(value) = convert(raw.value, raw.unit, &measurement.unit, raw.code) else {
        return Err(Rejection::Unit { unit: raw.unit.to_owned(), expected: measurement.unit.clone() });
    };
    let (min, max) = measurement.plausible;
    if !(min..=max).contains(&value) {
        return Err(Rejection::Implausible { value, unit: measurement.unit.clone(), min, max });
    }
    let converted = raw.code != measurement.code || canonical(raw.unit) != canonical(&measurement.unit);
    Ok(Normalised {
        reading: Reading { id: raw.id.to_owned(), code: measurement.code.clone(), value, at: raw.at },
        unit: measurement.unit.clone(),
        converted,
    })
}

#[cfg(test)]
#[path = "units_tests.rs"]
mod tests;
