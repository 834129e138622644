//! `/triage/cohort`: the nurse's cohort of enrolled patients, most at risk first, each with
//! their open alerts, NEWS2, adherence over the week, last reading and a small trend chart per
//! measurement with the limits in force for them (the program's or their own) shaded.
//!
//! The cohort comes from `Monitoring::cohort` as the signed-in clinician (decided and audited
//! there); this page only puts it in words and draws it with the chart code of the patient
//! chart (`relais_views::chart`), so the charts look and read the same everywhere.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use relais_app::monitoring::cohort::{CohortPatient, DrawnLimit};
use relais_app::monitoring::schedule::Asked;
use relais_clinical::program::{Measurement, Op, Program, Severity};
use relais_views::Tr;
use relais_views::chart::{Line, Threshold, TrendChart, number, trend_chart};
use relais_views::triage::{CohortCard, CohortChart, CohortPage};

use super::render::{Visitor, clinician, html, local_time, server_error};
use crate::state::AppState;

/// `GET /triage/cohort`
pub(super) async fn page(State(state): State<AppState>, visitor: Visitor) -> Response {
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(answer) => return answer,
    };
    let cohort = match state.monitoring.cohort(&caller).await {
        Ok(cohort) => cohort,
        Err(e) => {
            tracing::error!(error = %e, "the cohort could not be read");
            return server_error(visitor.tr);
        }
    };
    let catalog = state.monitoring.catalog();
    let zone = &state.settings.time_zone;
    let cards =
        cohort.iter().filter_map(|p| Some(card(p, catalog.get(&p.program)?, visitor.tr, zone))).collect();
    html(StatusCode::OK, &CohortPage { chrome: visitor.chrome(), cards })
}

fn card(patient: &CohortPatient, program: &Program, tr: Tr, zone: &TimeZone) -> CohortCard {
    let lang = tr.locale().code();
    let news2 = match patient.news2 {
        Some(score) => tr.t_with(
            "cohort-news2-value",
            &[
                ("total", &score.total.to_string()),
                ("band", &tr.t(&format!("cohort-band-{}", score.band.code()))),
            ],
        ),
        None if scores_news2(program) => tr.t("cohort-news2-none"),
        None => tr.t("cohort-news2-not-scored"),
    };
    let (received, due) = patient.adherence_total();
    let adherence = if due == 0 {
        tr.t("cohort-adherence-none")
    } else {
        let percent = (f64::from(received) * 100.0 / f64::from(due)).round().to_string();
        tr.t_with(
            "cohort-adherence-value",
            &[("received", &received.to_string()), ("due", &due.to_string()), ("percent", &percent)],
        )
    };
    CohortCard {
        id: patient.patient.clone(),
        name: patient.name.clone(),
        program: program.title.get(lang).to_owned(),
        alerts: patient
            .alerts
            .iter()
            .map(|a| (a.severity.clone(), tr.t(&format!("severity-{}", a.severity)), a.title.clone()))
            .collect(),
        news2,
        adherence,
        last: patient.last_received.map(|t| local_time(zone, t)).unwrap_or_default(),
        last_iso: patient.last_received.map(|t| t.to_string()).unwrap_or_default(),
        charts: charts(patient, program, tr, zone),
    }
}

fn scores_news2(program: &Program) -> bool {
    program.rules.iter().any(|r| matches!(r.condition, relais_clinical::program::Condition::News2 { .. }))
}

/// One chart per measurement form of the program (a panel's parts on one chart).
fn charts(patient: &CohortPatient, program: &Program, tr: Tr, zone: &TimeZone) -> Vec<CohortChart> {
    let lang = tr.locale().code();
    let mut panels_seen: Vec<&str> = Vec::new();
    let mut charts = Vec::new();
    for m in &program.measurements {
        let parts: Vec<&Measurement> = match &m.panel {
            Some(panel) if panels_seen.contains(&panel.as_str()) => continue,
            Some(panel) => {
                panels_seen.push(panel);
                program.measurements.iter().filter(|o| o.panel.as_ref() == Some(panel)).collect()
            }
            None => vec![m],
        };
        let lines: Vec<Line> = parts
            .iter()
            .map(|part| Line {
                name: part.name.get(lang).to_owned(),
                points: patient
                    .readings
                    .iter()
                    .filter(|r| r.code == part.code)
                    .map(|r| (r.at, r.value))
                    .collect(),
            })
            .collect();
        let resolution = resolution(&m.unit);
        let thresholds: Vec<Threshold> = parts
            .iter()
            .flat_map(|part| {
                let of =
                    if parts.len() > 1 { format!(" — {}", part.name.get(lang)) } else { String::new() };
                patient
                    .limits
                    .iter()
                    .filter(|l| l.code == part.code)
                    .map(move |l| threshold(l, resolution, tr, &of))
                    .collect::<Vec<_>>()
            })
            .collect();
        let title = if parts.len() > 1 {
            parts.iter().map(|p| p.name.get(lang)).collect::<Vec<_>>().join(" / ")
        } else {
            m.name.get(lang).to_owned()
        };
        let unit = unit_label(&m.unit);
        let id = format!("cohort-{}-{}", patient.patient, m.code);
        let html = trend_chart(&TrendChart {
            id: &id,
            title: &title,
            unit,
            lines: &lines,
            thresholds: &thresholds,
            resolution,
            zone,
            tr,
        })
        .unwrap_or_default();
        let (received, due) =
            patient.adherence_of(&Asked::Measurement(m.code.clone())).map_or((0, 0), |a| (a.received, a.due));
        let summary = summary(&lines, unit, received, due, tr, zone);
        charts.push(CohortChart { html, title, summary });
    }
    charts
}

/// The chart in words: the last value, the week's range, readings received of those expected.
fn summary(lines: &[Line], unit: &str, received: u32, due: u32, tr: Tr, zone: &TimeZone) -> String {
    let counts = [("received", received.to_string()), ("due", due.to_string())];
    let latest: Vec<(Timestamp, f64)> =
        lines.iter().filter_map(|l| l.points.iter().copied().max_by_key(|(at, _)| *at)).collect();
    let Some(when) = latest.iter().map(|(at, _)| *at).max() else {
        let args: Vec<(&str, &str)> = counts.iter().map(|(k, v)| (*k, v.as_str())).collect();
        return tr.t_with("cohort-chart-empty", &args);
    };
    let locale = tr.locale();
    let last = latest.iter().map(|(_, v)| number(*v, locale)).collect::<Vec<_>>().join("/");
    let range = lines
        .iter()
        .filter(|l| !l.points.is_empty())
        .map(|l| {
            let (low, high) =
                l.points.iter().fold((f64::MAX, f64::MIN), |(a, b), (_, v)| (a.min(*v), b.max(*v)));
            format!("{}–{}", number(low, locale), number(high, locale))
        })
        .collect::<Vec<_>>()
        .join(" / ");
    let when = local_time(zone, when);
    let mut args: Vec<(&str, &str)> =
        vec![("last", last.as_str()), ("unit", unit), ("when", when.as_str()), ("range", range.as_str())];
    args.extend(counts.iter().map(|(k, v)| (*k, v.as_str())));
    tr.t_with("cohort-chart-summary", &args)
}

/// A limit as a shaded band: `> 110` recorded to whole numbers is 111 and above.
fn threshold(limit: &DrawnLimit, resolution: f64, tr: Tr, of: &str) -> Threshold {
    let value = limit.limit.value;
    let (low, high) = match limit.limit.op {
        Op::Above => (Some(value + resolution), None),
        Op::AtOrAbove => (Some(value), None),
        Op::Below => (None, Some(value - resolution)),
        Op::AtOrBelow => (None, Some(value)),
    };
    let level = match limit.severity {
        Severity::Low => 1,
        Severity::Moderate => 2,
        Severity::High => 3,
    };
    let key = if limit.own { "cohort-limit-own" } else { "cohort-limit" };
    Threshold { low, high, level, label: format!("{}{of}", tr.t(key)) }
}

/// The resolution readings of `unit` are recorded to (a display matter: the bands' edges).
fn resolution(unit: &str) -> f64 {
    match unit {
        "kg" | "Cel" | "[degF]" | "mmol/L" | "L/min" => 0.1,
        _ => 1.0,
    }
}

/// A UCUM unit as people read it.
fn unit_label(unit: &str) -> &str {
    match unit {
        "mm[Hg]" => "mmHg",
        "Cel" => "°C",
        "[degF]" => "°F",
        "[lb_av]" => "lb",
        "{score}" => "",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use relais_clinical::program::{Limit, Severity};
    use relais_views::Locale;

    use super::*;

    #[test]
    fn limits_become_bands_at_the_readings_resolution() {
        let tr = Tr::new(Locale::Fr);
        let drawn = |text: &str, own| DrawnLimit {
            code: "8867-4".into(),
            limit: text.parse::<Limit>().unwrap(),
            severity: Severity::High,
            own,
        };
        let band = threshold(&drawn("> 110", false), 1.0, tr, "");
        assert_eq!((band.low, band.high, band.level, band.label.as_str()), (Some(111.0), None, 3, "Alerte"));
        let band = threshold(&drawn("< 4", true), 0.1, tr, " — Glycémie");
        assert_eq!(band.low, None);
        assert!((band.high.unwrap() - 3.9).abs() < 1e-9);
        assert_eq!(band.label, "Alerte (seuil du patient) — Glycémie");
        let band = threshold(&drawn(">= 135", false), 1.0, tr, "");
        assert_eq!(band.low, Some(135.0));
    }

    #[test]
    fn a_chart_says_its_last_value_range_and_adherence() {
        let tr = Tr::new(Locale::Fr);
        let at = |t: &str| t.parse::<Timestamp>().unwrap();
        let lines = [Line {
            name: "Poids".into(),
            points: vec![(at("2026-12-01T12:00:00Z"), 81.6), (at("2026-12-02T12:00:00Z"), 82.4)],
        }];
        let text = summary(&lines, "kg", 5, 7, tr, &TimeZone::UTC);
        assert_eq!(
            text,
            "Dernière valeur : 82,4 kg (2026-12-02 12:00) ; étendue sur 7 jours : 81,6–82,4 kg ; 5 sur 7 attendues."
        );
        assert_eq!(
            summary(&[], "kg", 0, 7, tr, &TimeZone::UTC),
            "Aucune mesure sur 7 jours ; 0 sur 7 attendues."
        );
    }
}
