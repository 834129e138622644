//! Patient search (`/patients`) and the patient chart (`/patients/{id}`), for clinicians and
//! care staff. Both call the chart use cases of relais-app as the signed-in person: the access
//! policy decides what they list and show, a record the person may not see is the translated
//! 404 page (never a hint that it exists), and every read is on the audit trail.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use relais_app::FhirError;
use relais_app::fhir::PatientQuery;
use relais_views::chart_pages::{ChartPage, PatientSearchPage};
use relais_views::pages::FormErrors;
use serde::Deserialize;

use super::record::{self, TIMELINE_MAX};
use super::render::{Visitor, clinician, forbidden, html, not_found_for, server_error};
use super::vitals::{chartable_observations, vital_charts};
use crate::state::AppState;

/// The shortest search accepted: one letter would list half the care team's patients.
const MIN_QUERY_CHARS: usize = 2;

/// The page for a failed use case: 404 for what the person may not see or what does not exist
/// (alike), 403 for a role that never may, 500 otherwise (the cause logged, never shown).
fn failed(visitor: &Visitor, error: &FhirError) -> Response {
    match error {
        FhirError::NotFound(_) | FhirError::Gone(_) | FhirError::UnknownType(_) => not_found_for(visitor),
        FhirError::Forbidden(_) | FhirError::ForbiddenEntry(..) => forbidden(visitor),
        e => {
            tracing::error!(error = %e, "a chart page failed");
            server_error(visitor.tr)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SearchQuery {
    #[serde(default)]
    q: Option<String>,
}

/// `GET /patients?q=…`: patients the clinician may see, by name or health card number (a
/// query with a digit in it is a health card number; spaces are ignored and letters made
/// capitals, as RAMQ numbers are written).
pub(super) async fn find_patients(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<SearchQuery>,
) -> Response {
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(page) => return page,
    };
    let typed = query.q.unwrap_or_default();
    let wanted = typed.trim();
    let page = |errors, searched, rows| PatientSearchPage {
        chrome: visitor.chrome(),
        errors,
        query: typed.clone(),
        searched,
        rows,
    };
    if wanted.is_empty() {
        return html(StatusCode::OK, &page(FormErrors::none(), false, Vec::new()));
    }
    if wanted.chars().count() < MIN_QUERY_CHARS {
        let message = visitor.tr.t1("error-query-too-short", "min", &MIN_QUERY_CHARS.to_string());
        return html(StatusCode::BAD_REQUEST, &page(FormErrors::field("q", message), false, Vec::new()));
    }
    let system = &state.settings.health_card_system;
    let search = if wanted.chars().any(|c| c.is_ascii_digit()) {
        // Health card numbers are letters and digits: anything else typed is left out.
        let number: String = wanted.chars().filter(char::is_ascii_alphanumeric).collect();
        PatientQuery::HealthCard { system: system.clone(), number: number.to_uppercase() }
    } else {
        PatientQuery::Name(escape_search_value(wanted))
    };
    match state.fhir.find_patients_as(&caller, &search, &state.settings.fhir_base()).await {
        Ok(patients) => {
            let rows = patients.iter().map(|p| record::patient_row(p, visitor.tr, system)).collect();
            html(StatusCode::OK, &page(FormErrors::none(), true, rows))
        }
        Err(FhirError::Invalid(_)) => {
            let message = visitor.tr.t("error-query-invalid");
            html(StatusCode::BAD_REQUEST, &page(FormErrors::field("q", message), false, Vec::new()))
        }
        Err(e) => failed(&visitor, &e),
    }
}

/// `text` as one FHIR search value: `,` would split it into alternatives and `$`, `|` and `\`
/// have meanings of their own, so they are escaped (`Gagné, Léa` is one name).
fn escape_search_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().filter(|c| !c.is_control()) {
        if matches!(c, '\\' | ',' | '$' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `GET /patients/{id}`: the chart — identity header, trend charts of the vital signs
/// measured, and the timeline.
pub(super) async fn patient_chart(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(page) => return page,
    };
    let found = state.fhir.patient_record_as(&caller, &id, &state.settings.fhir_base()).await;
    let chart = match found {
        Ok(chart) => chart,
        // Absent or not open to them: the same page, offering emergency access.
        Err(FhirError::NotFound(_) | FhirError::Gone(_)) => {
            return super::break_glass::not_open(&visitor, &id);
        }
        Err(e) => return failed(&visitor, &e),
    };
    let tr = visitor.tr;
    let zone = &state.settings.time_zone;
    let today = state.fhir.clock().now().to_zoned_datetime(zone.clone()).date();
    let header =
        record::header(&chart.patient, &chart.resources, tr, &state.settings.health_card_system, today);
    let observations = chartable_observations(&chart.resources);
    let charts = vital_charts(&observations, tr, zone);
    let (timeline, total) = record::timeline(&chart.resources, tr, zone);
    let timeline_note =
        (total > TIMELINE_MAX).then(|| tr.t1("chart-timeline-more", "count", &TIMELINE_MAX.to_string()));
    html(StatusCode::OK, &ChartPage { chrome: visitor.chrome(), header, charts, timeline, timeline_note })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_name_is_one_search_value() {
        assert_eq!(super::escape_search_value("Gagné, Léa"), "Gagné\\, Léa");
        assert_eq!(super::escape_search_value("a$b|c\\d\u{0}"), "a\\$b\\|c\\\\d");
    }
}
