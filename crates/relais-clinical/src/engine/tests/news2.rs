//! NEWS2 in the engine: the band's severity from the latest complete set, its window, its
//! assumptions (alert, on air) and scale 2.

use super::*;

fn vitals(at: Timestamp, rr: f64, spo2: f64, sbp: f64, hr: f64, temp: f64) -> Vec<Reading> {
    vec![
        r("rr", RR, rr, at),
        r("spo2", SPO2, spo2, at - SignedDuration::from_mins(2)),
        r("bp", SBP, sbp, at - SignedDuration::from_mins(5)),
        r("bp", DBP, 80.0, at - SignedDuration::from_mins(5)),
        r("hr", HR, hr, at - SignedDuration::from_mins(5)),
        r("temp", TEMP, temp, at - SignedDuration::from_mins(10)),
    ]
}

#[test]
fn news2_raises_the_severity_of_its_band_from_the_latest_set() {
    // (rr, spo2, sbp, hr, temp, confused, on oxygen, expected total and band, severity if any)
    type Row = (f64, f64, f64, f64, f64, bool, bool, u8, Band, Option<Severity>);
    let table: [Row; 7] = [
        (16.0, 97.0, 120.0, 70.0, 37.0, false, false, 0, Band::Low, None),
        (22.0, 97.0, 120.0, 95.0, 37.0, false, false, 3, Band::Low, None),
        (26.0, 97.0, 120.0, 70.0, 37.0, false, false, 3, Band::LowMedium, Some(Severity::Moderate)),
        (16.0, 97.0, 120.0, 70.0, 37.0, true, false, 3, Band::LowMedium, Some(Severity::Moderate)),
        (26.0, 97.0, 120.0, 95.0, 37.0, false, true, 6, Band::Medium, Some(Severity::High)),
        (22.0, 93.0, 105.0, 115.0, 37.0, false, false, 7, Band::High, Some(Severity::High)),
        (6.0, 85.0, 85.0, 140.0, 34.0, true, true, 20, Band::High, Some(Severity::High)),
    ];
    for (rr, spo2, sbp, hr, temp, confused, oxygen, total, band, severity) in table {
        let at = ago(1.0);
        let answers = vec![
            a("qr", "confusion", AnswerValue::Bool(confused), at),
            a("qr", "on-oxygen", AnswerValue::Bool(oxygen), at),
        ];
        let finding = Case::new(vitals(at, rr, spo2, sbp, hr, temp)).answers(answers).finding("news2");
        assert_eq!(finding.as_ref().map(|f| f.severity), severity, "total {total}");
        if let Some(finding) = finding {
            let Detail::News2 { score, assumed } = &finding.detail else { panic!() };
            assert_eq!((score.total, score.band), (total, band));
            assert!(assumed.is_empty());
            assert_eq!(finding.triggers, ["temp", "bp", "hr", "spo2", "qr", "rr"]);
        }
    }
}

#[test]
fn news2_assumes_alert_and_air_without_an_answer_and_says_so() {
    let finding = Case::new(vitals(ago(1.0), 26.0, 97.0, 120.0, 70.0, 37.0)).finding("news2").unwrap();
    let Detail::News2 { score, assumed } = finding.detail else { panic!() };
    assert_eq!(score.total, 3);
    assert_eq!(assumed, ["consciousness", "air-or-oxygen"]);
}

#[test]
fn news2_needs_a_complete_set_within_its_window() {
    let at = ago(1.0);
    let mut readings = vitals(at, 26.0, 97.0, 120.0, 70.0, 37.0);
    // The temperature is now 61 minutes older than the newest reading: no complete set.
    readings.retain(|r| r.code != TEMP);
    readings.push(r("temp-old", TEMP, 37.0, at - SignedDuration::from_mins(61)));
    assert_eq!(Case::new(readings.clone()).finding("news2"), None);
    readings.push(r("temp-60", TEMP, 37.0, at - SignedDuration::from_mins(60)));
    assert!(Case::new(readings).finding("news2").is_some(), "exactly 60 minutes is inside");
    assert_eq!(Case::new(vec![r("rr", RR, 30.0, at)]).finding("news2"), None);
}

#[test]
fn the_latest_news2_is_scored_whatever_its_band_and_only_where_the_program_scores_it() {
    let case = Case::new(vitals(ago(1.0), 16.0, 97.0, 120.0, 70.0, 37.0));
    let program = program();
    let input = |program| Input {
        subject: "Patient/p1",
        program,
        overrides: &case.overrides,
        readings: &case.readings,
        answers: &case.answers,
        enrolled_at: case.enrolled_at,
        now: case.now,
    };
    // Band low raises no alert, but the cohort still reads the score.
    assert_eq!(case.finding("news2"), None);
    assert_eq!(latest_news2(&input(&program)).map(|s| (s.total, s.band)), Some((0, Band::Low)));
    let mut without = program.clone();
    without.rules.retain(|r| !matches!(r.condition, crate::program::Condition::News2 { .. }));
    assert_eq!(latest_news2(&input(&without)), None, "a program without NEWS2 has no score");
    let incomplete = Case::new(vec![r("rr", RR, 30.0, ago(1.0))]);
    let input = Input { readings: &incomplete.readings, ..input(&program) };
    assert_eq!(latest_news2(&input), None, "no complete set");
}

#[test]
fn news2_uses_scale_2_when_the_patient_has_it() {
    let readings = vitals(ago(1.0), 16.0, 89.0, 120.0, 70.0, 37.0);
    let mut case = Case::new(readings);
    assert_eq!(case.finding("news2").map(|f| f.severity), Some(Severity::Moderate), "89 % is 3 on scale 1");
    case.overrides.spo2_scale = crate::news2::SpO2Scale::Scale2;
    assert_eq!(case.finding("news2"), None, "89 % is 0 on scale 2");
}
