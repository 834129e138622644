//! The cohort's order: the most at risk first.

use super::*;

fn patient(name: &str, alerts: &[&str], news2: Option<u8>, adherence: (u32, u32)) -> CohortPatient {
    let at: Timestamp = "2026-11-26T10:00:00Z".parse().unwrap();
    let score = |total| News2 {
        respiratory_rate: 0,
        spo2: 0,
        air_or_oxygen: 0,
        systolic: 0,
        pulse: 0,
        consciousness: 0,
        temperature: 0,
        total,
        band: relais_clinical::news2::Band::Low,
    };
    CohortPatient {
        patient: name.to_lowercase(),
        name: name.to_owned(),
        program: "copd".into(),
        enrolled: at,
        alerts: alerts
            .iter()
            .map(|s| Alert {
                task: String::new(),
                version: 1,
                status: "requested".into(),
                severity: (*s).to_owned(),
                title: String::new(),
                identified: None,
                due: None,
                patient: None,
                owner: None,
                issue: String::new(),
            })
            .collect(),
        news2: news2.map(score),
        adherence: vec![Adherence {
            asked: Asked::Measurement("8867-4".into()),
            received: adherence.0,
            due: adherence.1,
        }],
        last_received: None,
        readings: Vec::new(),
        limits: Vec::new(),
    }
}

#[test]
fn the_most_at_risk_come_first() {
    let mut cohort = [
        patient("Ana", &[], None, (7, 7)),
        patient("Bea", &["moderate"], Some(0), (7, 7)),
        patient("Cy", &[], Some(5), (7, 7)),
        patient("Dee", &["high"], None, (7, 7)),
        patient("Eve", &["moderate", "low"], None, (7, 7)),
        patient("Fay", &[], None, (2, 7)),
        patient("Gus", &[], Some(1), (0, 0)),
    ];
    cohort.sort_by(by_risk);
    let order: Vec<&str> = cohort.iter().map(|p| p.name.as_str()).collect();
    // An alert first (the most severe, then the most alerts), then NEWS2, then adherence.
    assert_eq!(order, ["Dee", "Eve", "Bea", "Cy", "Gus", "Fay", "Ana"]);
}
