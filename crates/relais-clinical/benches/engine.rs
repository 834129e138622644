//! Readings evaluated per second through normalisation and the rules engine, printed as figures
//! (no assertion: the numbers go in the README). `cargo bench -p relais-clinical`.
//!
//! - single: one reading arrives, is normalised, joins the patient's last 30 days of history, and
//!   the whole program is evaluated — what the app does per device message;
//! - batched: a batch of readings for many patients arrives together; each is normalised and
//!   each patient's program is evaluated once for the batch.

use std::hint::black_box;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use relais_clinical::engine::{Answer, Input, PatientOverrides, Reading, evaluate};
use relais_clinical::program::{AnswerValue, Catalog, ItemKind, Program};
use relais_clinical::units::{RawReading, normalise};

const HISTORY_DAYS: i64 = 30;

fn start() -> Timestamp {
    Timestamp::UNIX_EPOCH + SignedDuration::from_hours(24 * 20_000)
}

/// A plausible value for each code, varying a little with `i`.
fn value(code: &str, i: i64) -> f64 {
    let wobble = (i % 7) as f64;
    match code {
        "29463-7" => 80.0 + wobble * 0.2,
        "8480-6" => 125.0 + wobble * 3.0,
        "8462-4" => 78.0 + wobble,
        "8867-4" => 70.0 + wobble * 2.0,
        "59408-5" => 94.0 + wobble * 0.5,
        "9279-1" => 16.0 + wobble * 0.5,
        "8310-5" => 36.8 + wobble * 0.1,
        "15074-8" => 6.0 + wobble * 0.4,
        _ => 3.0 + wobble * 0.5,
    }
}

/// One patient's history: every measurement at its interval, every questionnaire daily.
fn history(program: &Program, patient: usize) -> (Vec<Reading>, Vec<Answer>) {
    let mut readings = Vec::new();
    let mut answers = Vec::new();
    for m in &program.measurements {
        let every = m.every.as_secs().max(3600);
        let count = HISTORY_DAYS * 86_400 / every;
        for i in 0..count {
            let at = start() + SignedDuration::from_secs(i * every + (patient as i64 % 600));
            readings.push(Reading {
                id: format!("p{patient}-{}-{i}", m.code),
                code: m.code.clone(),
                value: value(&m.code, i),
                at,
            });
        }
    }
    for q in &program.questionnaires {
        for day in 0..HISTORY_DAYS {
            let at = start() + SignedDuration::from_hours(day * 24 + 8);
            for item in &q.items {
                let value = match item.kind {
                    ItemKind::Boolean => AnswerValue::Bool(day % 11 == 0),
                    ItemKind::Choice => AnswerValue::Code(item.options[0].code.clone()),
                };
                answers.push(Answer {
                    id: format!("p{patient}-{}-{day}", q.id),
                    questionnaire: q.id.clone(),
                    item: item.link_id.clone(),
                    value,
                    at,
                });
            }
        }
    }
    (readings, answers)
}

fn end() -> Timestamp {
    start() + SignedDuration::from_hours(HISTORY_DAYS * 24)
}

fn single(program: &Program, count: usize) -> (Duration, usize) {
    let (mut readings, answers) = history(program, 0);
    let overrides = PatientOverrides::default();
    let codes: Vec<&str> = program.measurements.iter().map(|m| m.code.as_str()).collect();
    let mut findings = 0;
    let began = Instant::now();
    for i in 0..count {
        let code = codes[i % codes.len()];
        let id = format!("new-{i}");
        let at = end() + SignedDuration::from_secs(i as i64);
        let raw = RawReading { id: &id, code, value: value(code, i as i64), unit: unit(program, code), at };
        let Ok(normalised) = normalise(program, &raw) else { continue };
        readings.push(normalised.reading);
        let input = Input {
            subject: "Patient/0",
            program,
            overrides: &overrides,
            readings: &readings,
            answers: &answers,
            enrolled_at: start(),
            now: at,
        };
        findings += black_box(evaluate(&input)).len();
        // Keep the history the app would load (30 days), not an ever-growing one.
        readings.remove(0);
    }
    (began.elapsed(), findings)
}

fn unit<'a>(program: &'a Program, code: &str) -> &'a str {
    program.measurement_for(code).map_or("", |m| m.unit.as_str())
}

fn batched(program: &Program, patients: usize, per_patient: usize) -> (Duration, usize) {
    let mut histories: Vec<_> = (0..patients).map(|p| history(program, p)).collect();
    let overrides = PatientOverrides::default();
    let codes: Vec<&str> = program.measurements.iter().map(|m| m.code.as_str()).collect();
    let mut findings = 0;
    let began = Instant::now();
    for (p, (readings, answers)) in histories.iter_mut().enumerate() {
        let mut now = end();
        for i in 0..per_patient {
            let code = codes[i % codes.len()];
            let id = format!("new-{p}-{i}");
            now = end() + SignedDuration::from_secs(i as i64);
            let raw = RawReading {
                id: &id,
                code,
                value: value(code, i as i64),
                unit: unit(program, code),
                at: now,
            };
            if let Ok(normalised) = normalise(program, &raw) {
                readings.push(normalised.reading);
            }
        }
        let subject = format!("Patient/{p}");
        let input = Input {
            subject: &subject,
            program,
            overrides: &overrides,
            readings,
            answers,
            enrolled_at: start(),
            now,
        };
        findings += black_box(evaluate(&input)).len();
    }
    (began.elapsed(), findings)
}

fn main() {
    let catalog = match Catalog::defaults() {
        Ok(catalog) => catalog,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    };
    println!("relais-clinical engine benchmark: {HISTORY_DAYS} days of history per patient, one thread");
    for id in ["heart-failure", "copd", "hypertension"] {
        let Some(program) = catalog.get(id) else { continue };
        let (readings, answers) = history(program, 0);
        println!(
            "{id}: {} rules, history {} readings + {} answers",
            program.rules.len(),
            readings.len(),
            answers.len()
        );
        // Warm-up, then the measured runs.
        single(program, 200);
        let n = 5_000;
        let (elapsed, found) = single(program, n);
        println!(
            "  single : {:>9.0} readings/s  ({n} readings, {:.1} µs each, {found} findings)",
            n as f64 / elapsed.as_secs_f64(),
            elapsed.as_secs_f64() * 1e6 / n as f64
        );
        let (patients, per_patient) = (500, 20);
        let (elapsed, found) = batched(program, patients, per_patient);
        let total = patients * per_patient;
        println!(
            "  batched: {:>9.0} readings/s  ({patients} patients × {per_patient} readings per batch, {found} findings)",
            total as f64 / elapsed.as_secs_f64()
        );
    }
}
