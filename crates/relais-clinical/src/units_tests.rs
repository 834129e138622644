//! Every unit conversion with its exact factor, and every reason a reading is refused.

use jiff::Timestamp;

use super::*;
use crate::program::Catalog;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn every_conversion_uses_its_exact_factor() {
    let table = [
        // (value, from, to, code, expected)
        (100.0, "[lb_av]", "kg", "29463-7", 45.359237),
        (154.0, "lb", "kg", "29463-7", 69.85322498),
        (70.0, "kg", "[lb_av]", "29463-7", 154.3235835294),
        (72500.0, "g", "kg", "29463-7", 72.5),
        (1.2, "kg", "g", "29463-7", 1200.0),
        (98.6, "[degF]", "Cel", "8310-5", 37.0),
        (32.0, "°F", "Cel", "8310-5", 0.0),
        (212.0, "[degF]", "Cel", "8310-5", 100.0),
        (37.0, "Cel", "[degF]", "8310-5", 98.6),
        (90.0, "mg/dL", "mmol/L", "41653-7", 900.0 / 180.156),
        (180.156, "mg/dL", "mmol/L", "2339-0", 10.0),
        (5.5, "mmol/L", "mg/dL", "15074-8", 99.0858),
        (72.0, "/min", "/min", "8867-4", 72.0),
        (72.0, "{beats}/min", "/min", "8867-4", 72.0),
    ];
    for (value, from, to, code, expected) in table {
        let got = convert(value, from, to, code).unwrap_or(f64::NAN);
        assert!((got - expected).abs() < 1e-6, "{value} {from} -> {to}: {got} != {expected}");
    }
}

#[test]
fn conversions_that_make_no_sense_are_refused() {
    assert_eq!(convert(90.0, "mg/dL", "mmol/L", "2345-7"), None, "mg/dL→mmol/L is glucose-only");
    assert_eq!(convert(70.0, "kg", "Cel", "29463-7"), None);
    assert_eq!(convert(70.0, "stone", "kg", "29463-7"), None);
}

fn at() -> Timestamp {
    "2026-11-26T08:00:00Z".parse().unwrap()
}

fn raw<'a>(code: &'a str, value: f64, unit: &'a str) -> RawReading<'a> {
    RawReading { id: "obs-1", code, value, unit, at: at() }
}

#[test]
fn a_reading_in_pounds_is_stored_in_kilograms_for_heart_failure() {
    let catalog = Catalog::defaults().unwrap();
    let hf = catalog.get("heart-failure").unwrap();
    let normalised = normalise(hf, &raw("29463-7", 180.0, "[lb_av]")).unwrap();
    assert!(close(normalised.reading.value, 180.0 * KG_PER_LB));
    assert_eq!((normalised.unit.as_str(), normalised.converted), ("kg", true));
    assert_eq!(normalised.reading.at, at());
}

#[test]
fn a_fahrenheit_temperature_is_stored_in_celsius() {
    let catalog = Catalog::defaults().unwrap();
    let copd = catalog.get("copd").unwrap();
    let normalised = normalise(copd, &raw("8310-5", 100.4, "[degF]")).unwrap();
    assert!(close(normalised.reading.value, 38.0));
}

#[test]
fn mass_glucose_under_its_own_code_becomes_molar_glucose() {
    let catalog = Catalog::defaults().unwrap();
    let diabetes = catalog.get("diabetes").unwrap();
    let normalised = normalise(diabetes, &raw("41653-7", 63.0, "mg/dL")).unwrap();
    assert_eq!(normalised.reading.code, "15074-8");
    assert!((normalised.reading.value - 3.497).abs() < 0.001, "{}", normalised.reading.value);
}

#[test]
fn a_reading_already_in_the_programs_unit_is_not_marked_converted() {
    let catalog = Catalog::defaults().unwrap();
    let hf = catalog.get("heart-failure").unwrap();
    let normalised = normalise(hf, &raw("8867-4", 72.0, "/min")).unwrap();
    assert_eq!((normalised.reading.value, normalised.converted), (72.0, false));
}

#[test]
fn implausible_and_unusable_readings_are_refused_with_the_reason() {
    let catalog = Catalog::defaults().unwrap();
    let hf = catalog.get("heart-failure").unwrap();
    let cases = [
        (raw("8867-4", 0.0, "/min"), "implausible"),
        (raw("8867-4", 400.0, "/min"), "implausible"),
        (raw("8867-4", f64::NAN, "/min"), "not-a-number"),
        (raw("29463-7", 70.0, "mmol/L"), "unit"),
        (raw("8310-5", 37.0, "Cel"), "unknown-code"), // heart failure measures no temperature
        (raw("29463-7", 1000.0, "[lb_av]"), "implausible"), // 453.6 kg after conversion
    ];
    for (reading, reason) in cases {
        let rejection = normalise(hf, &reading).unwrap_err();
        assert_eq!(rejection.code(), reason, "{reading:?}: {rejection}");
    }
    let message = normalise(hf, &raw("8867-4", 400.0, "/min")).unwrap_err().to_string();
    assert_eq!(message, "400 /min is outside the plausible range 20–250 /min");
}

#[test]
fn the_edges_of_the_plausible_range_are_accepted() {
    let catalog = Catalog::defaults().unwrap();
    let hf = catalog.get("heart-failure").unwrap();
    assert!(normalise(hf, &raw("8867-4", 20.0, "/min")).is_ok());
    assert!(normalise(hf, &raw("8867-4", 250.0, "/min")).is_ok());
    assert!(normalise(hf, &raw("8867-4", 19.9, "/min")).is_err());
}
