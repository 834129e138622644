//! The engine, rule type by rule type, with the edges of every window: table-driven where the
//! cases differ only by values. The test program below is written for the tests (the shipped
//! programs belong to clinicians and may change); one scenario at the end runs a shipped one.

use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::news2::Band;
use crate::program::{Catalog, parse_program};
use crate::units::{RawReading, normalise};

const PROGRAM: &str = include_str!("test_program.toml");

const NOW: &str = "2026-11-26T12:00:00Z";
const WEIGHT: &str = "29463-7";
const HR: &str = "8867-4";
const SBP: &str = "8480-6";
const DBP: &str = "8462-4";
const RR: &str = "9279-1";
const SPO2: &str = "59408-5";
const TEMP: &str = "8310-5";

fn program() -> Program {
    parse_program("engine-test.toml", PROGRAM).unwrap()
}

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

/// `hours` before now (fractions allowed).
fn ago(hours: f64) -> Timestamp {
    now() - SignedDuration::from_secs_f64(hours * 3600.0)
}

fn r(id: &str, code: &str, value: f64, at: Timestamp) -> Reading {
    Reading { id: id.into(), code: code.into(), value, at }
}

fn a(id: &str, item: &str, value: AnswerValue, at: Timestamp) -> Answer {
    Answer { id: id.into(), questionnaire: "daily".into(), item: item.into(), value, at }
}

fn yes(id: &str, item: &str, at: Timestamp) -> Answer {
    a(id, item, AnswerValue::Bool(true), at)
}

struct Case {
    readings: Vec<Reading>,
    answers: Vec<Answer>,
    overrides: PatientOverrides,
    enrolled_at: Timestamp,
    now: Timestamp,
}

impl Case {
    fn new(readings: Vec<Reading>) -> Self {
        Case {
            readings,
            answers: vec![],
            overrides: PatientOverrides::default(),
            enrolled_at: ago(1.0),
            now: now(),
        }
    }

    fn answers(mut self, answers: Vec<Answer>) -> Self {
        self.answers = answers;
        self
    }

    fn run(&self) -> Vec<Finding> {
        let program = program();
        evaluate(&Input {
            subject: "Patient/p1",
            program: &program,
            overrides: &self.overrides,
            readings: &self.readings,
            answers: &self.answers,
            enrolled_at: self.enrolled_at,
            now: self.now,
        })
    }

    /// The single finding of `rule`, if it fired.
    fn finding(&self, rule: &str) -> Option<Finding> {
        self.run().into_iter().find(|f| f.rule == rule)
    }
}

fn rules(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.rule.as_str()).collect()
}

mod news2;

#[test]
fn a_threshold_looks_at_the_latest_reading_and_a_patient_override_wins() {
    let table: [(f64, Option<&str>, bool); 6] = [
        (110.0, None, false),
        (110.1, None, true),
        (150.0, None, true),
        (115.0, Some("> 120"), false),
        (121.0, Some("> 120"), true),
        (100.0, Some(">= 100"), true),
    ];
    for (value, limit, fires) in table {
        let mut case = Case::new(vec![r("hr", HR, value, ago(1.0))]);
        if let Some(limit) = limit {
            case.overrides.limits.insert("hr-high".into(), limit.parse().unwrap());
        }
        let finding = case.finding("hr-high");
        assert_eq!(finding.is_some(), fires, "HR {value} with {limit:?}");
        if let Some(finding) = finding {
            let Detail::Threshold { value: seen, overridden, .. } = finding.detail else { panic!() };
            assert_eq!((seen, overridden), (value, limit.is_some()));
            assert_eq!(finding.severity, Severity::High);
            assert_eq!(finding.triggers, ["hr"]);
        }
    }
}

#[test]
fn late_and_out_of_order_readings_are_placed_by_measurement_time() {
    // A high pulse measured at 08:00 that arrives after a normal one measured at 09:00 is not
    // the latest: no alert.
    let late_old = Case::new(vec![r("normal", HR, 80.0, ago(3.0)), r("high-late", HR, 130.0, ago(4.0))]);
    assert_eq!(late_old.finding("hr-high"), None);
    // The same readings in the other order: the high one is the latest.
    let late_new = Case::new(vec![r("high", HR, 130.0, ago(3.0)), r("normal", HR, 80.0, ago(4.0))]);
    assert_eq!(late_new.finding("hr-high").unwrap().triggers, ["high"]);
}

/// Readings as (value, hours before a reference instant).
type Series = &'static [(f64, f64)];

#[test]
fn a_weight_gain_is_measured_against_the_windows_minimum_with_its_edges() {
    // (earlier readings as (weight, hours before the latest), latest weight, fires)
    let table: [(Series, f64, bool); 7] = [
        (&[(70.0, 72.0)], 72.5, true), // minimum exactly at the window's edge: inside
        (&[(70.0, 72.0 + 1.0 / 3600.0)], 72.5, false), // one second older: outside, no reference
        (&[(70.0, 73.0), (71.0, 48.0)], 72.5, false), // the old low is outside; 72.5 - 71 = 1.5
        (&[(70.0, 24.0)], 72.0, false), // exactly +2: not more than 2
        (&[(70.0, 24.0)], 72.01, true),
        (&[(71.0, 60.0), (70.0, 30.0)], 72.1, true), // a dip then a gain: against the minimum
        (&[(73.0, 30.0)], 75.5, true),
    ];
    for (earlier, latest, fires) in table {
        let latest_at = ago(2.0);
        let mut readings: Vec<Reading> = earlier
            .iter()
            .enumerate()
            .map(|(i, (w, h))| {
                r(&format!("w{i}"), WEIGHT, *w, latest_at - SignedDuration::from_secs_f64(h * 3600.0))
            })
            .collect();
        readings.push(r("latest", WEIGHT, latest, latest_at));
        let finding = Case::new(readings).finding("weight-gain");
        assert_eq!(finding.is_some(), fires, "{earlier:?} then {latest}");
        if let Some(finding) = finding {
            let Detail::Change { delta, reference, .. } = finding.detail else { panic!() };
            let min = earlier.iter().map(|(w, _)| *w).fold(f64::INFINITY, f64::min);
            assert!((delta - (latest - reference)).abs() < 1e-9);
            assert!(reference >= min);
            assert_eq!(finding.triggers.last().map(String::as_str), Some("latest"));
        }
    }
}

#[test]
fn a_fall_is_measured_against_the_windows_maximum() {
    let case = Case::new(vec![r("a", WEIGHT, 80.0, ago(50.0)), r("b", WEIGHT, 76.5, ago(1.0))]);
    let finding = case.finding("weight-loss").unwrap();
    assert_eq!(finding.severity, Severity::Low);
    assert_eq!(finding.triggers, ["a", "b"]);
    let Detail::Change { delta, .. } = finding.detail else { panic!() };
    assert!((delta - 3.5).abs() < 1e-9);
    assert_eq!(case.finding("weight-gain"), None);
}

#[test]
fn an_average_needs_enough_readings_in_its_window() {
    const WEEK: f64 = 168.0;
    let table: [(Series, Option<f64>); 5] = [
        (&[(130.0, 0.0), (135.0, 24.0), (140.0, 48.0)], Some(135.0)),
        (&[(130.0, 0.0), (134.0, 24.0), (140.0, 48.0)], None), // mean 134.67
        (&[(140.0, 0.0), (140.0, 24.0)], None),                // only two readings
        (&[(140.0, 0.0), (140.0, 24.0), (200.0, WEEK + 0.001)], None), // the third is outside
        (&[(140.0, 0.0), (140.0, 24.0), (200.0, WEEK)], Some(160.0)), // the third is at the edge
    ];
    for (values, mean) in table {
        let readings =
            values.iter().enumerate().map(|(i, (v, h))| r(&format!("s{i}"), SBP, *v, ago(1.0 + h))).collect();
        let finding = Case::new(readings).finding("sbp-average");
        assert_eq!(
            finding.as_ref().map(|f| match f.detail {
                Detail::Average { mean, .. } => mean,
                _ => f64::NAN,
            }),
            mean,
            "{values:?}"
        );
    }
}

/// A complete set of vitals measured around `at`, scoring 0 unless changed.
#[test]
fn a_red_flag_answer_gives_the_advice_at_once_and_the_latest_answer_counts() {
    let cases = [
        (vec![yes("q1", "breathless", ago(2.0))], true),
        (vec![a("q1", "breathless", AnswerValue::Bool(false), ago(2.0))], false),
        (vec![yes("q1", "breathless", ago(24.0))], true), // exactly 24 h: inside
        (vec![yes("q1", "breathless", ago(24.001))], false),
        (
            vec![
                yes("q1", "breathless", ago(5.0)),
                a("q2", "breathless", AnswerValue::Bool(false), ago(1.0)),
            ],
            false,
        ),
    ];
    for (answers, fires) in cases {
        let finding = Case::new(vec![]).answers(answers.clone()).finding("breathless");
        assert_eq!(finding.is_some(), fires, "{answers:?}");
        if let Some(finding) = finding {
            assert_eq!(finding.advice.as_deref(), Some("call-911"));
            assert_eq!(finding.severity, Severity::High);
            assert_eq!(finding.triggers, ["q1"]);
        }
    }
    let coded =
        Case::new(vec![]).answers(vec![a("q3", "sputum", AnswerValue::Code("coloured".into()), ago(1.0))]);
    let Detail::Symptom { answers } = coded.finding("coloured-sputum").unwrap().detail else { panic!() };
    assert_eq!(answers, [("sputum".to_string(), AnswerValue::Code("coloured".into()))]);
}

#[test]
fn a_composite_rule_needs_every_part_on_recent_data() {
    let breathless = || vec![yes("q1", "breathless", ago(1.0))];
    let both =
        Case::new(vec![r("bp", SBP, 165.0, ago(2.0)), r("bp", DBP, 95.0, ago(2.0))]).answers(breathless());
    let found = both.run();
    assert!(rules(&found).contains(&"bp-and-breathless"), "{found:?}");
    assert!(!rules(&found).contains(&"sbp-high"), "a building block raises no alert of its own");
    let composite = found.iter().find(|f| f.rule == "bp-and-breathless").unwrap();
    assert_eq!(composite.triggers, ["bp", "q1"]);
    assert_eq!(composite.severity, Severity::High);

    let old_pressure = Case::new(vec![r("bp", SBP, 165.0, ago(12.5))]).answers(breathless());
    assert_eq!(old_pressure.finding("bp-and-breathless"), None, "the pressure is older than 12 h");
    let normal_pressure = Case::new(vec![r("bp", SBP, 150.0, ago(1.0))]).answers(breathless());
    assert_eq!(normal_pressure.finding("bp-and-breathless"), None);
}

#[test]
fn missing_data_counts_from_the_last_reading_or_from_enrolment() {
    let hours = |h: f64| SignedDuration::from_secs_f64(h * 3600.0);
    // (last weight hours ago, enrolled hours ago, fires)
    let table = [
        (None, 47.0, false),
        (None, 48.0, false),
        (None, 48.001, true),
        (Some(48.0), 100.0, false),
        (Some(48.001), 100.0, true),
        (Some(1.0), 100.0, false),
    ];
    for (last, enrolled, fires) in table {
        let readings = last.map(|h| vec![r("w", WEIGHT, 70.0, ago(h))]).unwrap_or_default();
        let mut case = Case::new(readings);
        case.enrolled_at = now() - hours(enrolled);
        let finding = case.finding("no-weight");
        assert_eq!(finding.is_some(), fires, "last {last:?}, enrolled {enrolled}");
        if let Some(finding) = finding {
            let Detail::Missing { last: seen } = finding.detail else { panic!() };
            assert_eq!(seen, last.map(ago));
            assert_eq!(finding.triggers.len(), usize::from(last.is_some()));
        }
    }
    // The same rule for a questionnaire: any answer of a response counts.
    let mut case =
        Case::new(vec![]).answers(vec![a("qr", "sputum", AnswerValue::Code("usual".into()), ago(49.0))]);
    case.enrolled_at = ago(100.0);
    assert_eq!(case.finding("no-daily").unwrap().triggers, ["qr"]);
    case.now = ago(2.0); // 47 h after the response
    assert_eq!(case.finding("no-daily"), None);
}

#[test]
fn a_reading_sent_twice_counts_once() {
    // Three readings are needed for the average; two plus a retransmission are not three.
    let same_id =
        vec![r("s1", SBP, 150.0, ago(1.0)), r("s2", SBP, 150.0, ago(2.0)), r("s2", SBP, 150.0, ago(2.0))];
    assert_eq!(Case::new(same_id).finding("sbp-average"), None);
    // The same measurement under a new message id (same code, instant and value) too.
    let same_measurement =
        vec![r("s1", SBP, 150.0, ago(1.0)), r("s2", SBP, 150.0, ago(2.0)), r("s3", SBP, 150.0, ago(2.0))];
    assert_eq!(Case::new(same_measurement).finding("sbp-average"), None);
    // Two different values at the same instant are two readings.
    let two_values =
        vec![r("s1", SBP, 150.0, ago(1.0)), r("s2", SBP, 150.0, ago(2.0)), r("s3", SBP, 152.0, ago(2.0))];
    let finding = Case::new(two_values).finding("sbp-average").unwrap();
    assert!(matches!(finding.detail, Detail::Average { count: 3, .. }));
}

#[test]
fn a_persisting_condition_keeps_its_key_and_carries_the_rule_version() {
    let first = Case::new(vec![r("h1", HR, 120.0, ago(3.0))]).finding("hr-high").unwrap();
    let later = Case::new(vec![r("h1", HR, 120.0, ago(3.0)), r("h2", HR, 125.0, ago(1.0))])
        .finding("hr-high")
        .unwrap();
    assert_eq!(first.key, "Patient/p1/engine-test/hr-high");
    assert_eq!(first.key, later.key);
    assert_eq!(later.triggers, ["h2"]);
    assert_eq!((later.program.as_str(), later.program_version, later.rule_version), ("engine-test", 3, 2));
}

#[test]
fn a_heart_failure_patient_weighing_in_pounds_is_alerted_on_a_gain_over_three_days() {
    let catalog = Catalog::defaults().unwrap();
    let hf = catalog.get("heart-failure").unwrap();
    let pounds = [(154.0, 70.0), (156.0, 46.0), (159.5, 22.0)];
    let readings: Vec<Reading> = pounds
        .iter()
        .enumerate()
        .map(|(i, (lb, h))| {
            let id = format!("w{i}");
            let raw = RawReading { id: &id, code: WEIGHT, value: *lb, unit: "[lb_av]", at: ago(*h) };
            normalise(hf, &raw).unwrap().reading
        })
        .collect();
    let overrides = PatientOverrides::default();
    let findings = evaluate(&Input {
        subject: "Patient/p2",
        program: hf,
        overrides: &overrides,
        readings: &readings,
        answers: &[],
        enrolled_at: ago(72.0),
        now: now(),
    });
    // +5.5 lb = 2.49 kg over 48 h; the 1-day rule sees 1.59 kg (+3.5 lb) and fires too.
    assert_eq!(rules(&findings), ["weight-gain-3d", "weight-gain-1d", "no-symptom-check"]);
    assert_eq!(findings[0].advice.as_deref(), Some("nurse-will-call"));
    assert_eq!(findings[0].triggers, ["w0", "w2"]);
}
