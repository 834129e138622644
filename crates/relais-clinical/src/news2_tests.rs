//! NEWS2 against the RCP table (domain.md §2.2), every parameter across every one of its bands,
//! with the edges on both sides, then the total and the clinical-risk bands.

use super::*;

/// A set of vitals that scores 0 everywhere.
fn normal() -> Vitals {
    Vitals {
        respiratory_rate: 16.0,
        spo2: 97.0,
        scale: SpO2Scale::Scale1,
        on_oxygen: false,
        systolic: 120.0,
        pulse: 70.0,
        consciousness: Consciousness::Alert,
        temperature: 37.0,
    }
}

#[test]
fn normal_vitals_score_zero_and_are_low_risk() {
    let news = score(&normal());
    assert_eq!(news.total, 0);
    assert_eq!(news.band, Band::Low);
}

#[test]
fn respiratory_rate_follows_the_table() {
    let table = [
        (5.0, 3),
        (8.0, 3),
        (9.0, 1),
        (11.0, 1),
        (12.0, 0),
        (20.0, 0),
        (21.0, 2),
        (24.0, 2),
        (25.0, 3),
        (40.0, 3),
        (8.4, 3),
        (8.6, 1), // rounded to a whole breath first
    ];
    for (value, expected) in table {
        let news = score(&Vitals { respiratory_rate: value, ..normal() });
        assert_eq!(news.respiratory_rate, expected, "RR {value}");
        assert_eq!(news.total, expected, "RR {value} total");
    }
}

#[test]
fn spo2_scale_1_follows_the_table() {
    let table = [(85.0, 3), (91.0, 3), (92.0, 2), (93.0, 2), (94.0, 1), (95.0, 1), (96.0, 0), (100.0, 0)];
    for (value, expected) in table {
        assert_eq!(score(&Vitals { spo2: value, ..normal() }).spo2, expected, "SpO2 {value}");
    }
}

#[test]
fn spo2_scale_2_follows_the_table_on_air_and_on_oxygen() {
    let on_air = [
        (80.0, 3),
        (83.0, 3),
        (84.0, 2),
        (85.0, 2),
        (86.0, 1),
        (87.0, 1),
        (88.0, 0),
        (92.0, 0),
        (93.0, 0),
        (99.0, 0),
    ];
    for (value, expected) in on_air {
        let v = Vitals { spo2: value, scale: SpO2Scale::Scale2, ..normal() };
        assert_eq!(score(&v).spo2, expected, "scale 2 on air {value}");
    }
    let on_oxygen = [
        (83.0, 3),
        (85.0, 2),
        (87.0, 1),
        (88.0, 0),
        (92.0, 0),
        (93.0, 1),
        (94.0, 1),
        (95.0, 2),
        (96.0, 2),
        (97.0, 3),
        (100.0, 3),
    ];
    for (value, expected) in on_oxygen {
        let v = Vitals { spo2: value, scale: SpO2Scale::Scale2, on_oxygen: true, ..normal() };
        let news = score(&v);
        assert_eq!(news.spo2, expected, "scale 2 on O2 {value}");
        assert_eq!(news.air_or_oxygen, 2, "oxygen scores 2");
    }
}

#[test]
fn oxygen_scores_two_on_scale_1_too() {
    let news = score(&Vitals { on_oxygen: true, ..normal() });
    assert_eq!((news.air_or_oxygen, news.spo2, news.total), (2, 0, 2));
}

#[test]
fn systolic_pressure_follows_the_table() {
    let table = [
        (70.0, 3),
        (90.0, 3),
        (91.0, 2),
        (100.0, 2),
        (101.0, 1),
        (110.0, 1),
        (111.0, 0),
        (219.0, 0),
        (220.0, 3),
        (250.0, 3),
    ];
    for (value, expected) in table {
        assert_eq!(score(&Vitals { systolic: value, ..normal() }).systolic, expected, "SBP {value}");
    }
}

#[test]
fn pulse_follows_the_table() {
    let table = [
        (30.0, 3),
        (40.0, 3),
        (41.0, 1),
        (50.0, 1),
        (51.0, 0),
        (90.0, 0),
        (91.0, 1),
        (110.0, 1),
        (111.0, 2),
        (130.0, 2),
        (131.0, 3),
        (180.0, 3),
        (90.4, 0),
        (90.5, 1),
    ];
    for (value, expected) in table {
        assert_eq!(score(&Vitals { pulse: value, ..normal() }).pulse, expected, "pulse {value}");
    }
}

#[test]
fn consciousness_scores_three_unless_alert() {
    let news = score(&Vitals { consciousness: Consciousness::NewConfusionOrWorse, ..normal() });
    assert_eq!((news.consciousness, news.total, news.band), (3, 3, Band::LowMedium));
}

#[test]
fn temperature_follows_the_table_to_the_tenth() {
    let table = [
        (34.0, 3),
        (35.0, 3),
        (35.1, 1),
        (36.0, 1),
        (36.1, 0),
        (38.0, 0),
        (38.1, 1),
        (39.0, 1),
        (39.1, 2),
        (41.0, 2),
        (36.05, 0),
        (36.04, 1),
        (35.04, 3),
    ];
    for (value, expected) in table {
        assert_eq!(score(&Vitals { temperature: value, ..normal() }).temperature, expected, "T {value}");
    }
}

#[test]
fn bands_follow_the_total_and_the_single_parameter_rule() {
    let cases = [
        // total 1–4, no parameter at 3: low
        (Vitals { pulse: 95.0, ..normal() }, 1, Band::Low),
        (Vitals { pulse: 115.0, respiratory_rate: 22.0, ..normal() }, 4, Band::Low),
        // a single 3 with a total under 5: low-medium
        (Vitals { respiratory_rate: 26.0, ..normal() }, 3, Band::LowMedium),
        (Vitals { respiratory_rate: 26.0, pulse: 95.0, ..normal() }, 4, Band::LowMedium),
        // 5–6: medium, with or without a 3
        (Vitals { respiratory_rate: 26.0, pulse: 115.0, ..normal() }, 5, Band::Medium),
        (
            Vitals { respiratory_rate: 22.0, pulse: 115.0, spo2: 95.0, systolic: 105.0, ..normal() },
            6,
            Band::Medium,
        ),
        // 7 and more: high
        (
            Vitals { respiratory_rate: 26.0, pulse: 115.0, systolic: 105.0, temperature: 38.5, ..normal() },
            7,
            Band::High,
        ),
    ];
    for (vitals, total, band) in cases {
        let news = score(&vitals);
        assert_eq!((news.total, news.band), (total, band), "{vitals:?}");
    }
}

#[test]
fn the_worst_possible_set_scores_twenty() {
    let worst = Vitals {
        respiratory_rate: 6.0,
        spo2: 80.0,
        scale: SpO2Scale::Scale1,
        on_oxygen: true,
        systolic: 80.0,
        pulse: 150.0,
        consciousness: Consciousness::NewConfusionOrWorse,
        temperature: 34.0,
    };
    let news = score(&worst);
    assert_eq!((news.total, news.band), (20, Band::High));
}

#[test]
fn bands_are_named_as_in_program_files() {
    for band in [Band::Low, Band::LowMedium, Band::Medium, Band::High] {
        assert_eq!(Band::from_code(band.code()), Some(band));
    }
    assert_eq!(Band::from_code("critical"), None);
}
