//! Emergency access from the pages (issue 4 "Break-the-glass"): a clinician asking for a chart
//! that is not open to them gets the same "not available" page whether the record exists or not,
//! with a form to open it anyway by giving a reason; the access is granted for the chosen time,
//! flagged, recorded before it is granted, and listed for the privacy officer's review
//! (`Fhir::break_glass`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use relais_app::fhir::{BreakGlassError, MAX_MINUTES};
use relais_views::Tr;
use relais_views::admin::BreakGlassPage;
use relais_views::pages::FormErrors;
use relais_views::queues::Choice;

use super::render::{Posted, Visitor, clinician, error_page, html, redirect, server_error};
use crate::state::AppState;

/// The lengths offered, in minutes (the use case accepts up to `MAX_MINUTES`).
const DURATIONS: [i64; 5] = [30, 60, 120, 240, 720];
/// Offered first: long enough for an emergency, short enough to lapse the same shift.
const DEFAULT_MINUTES: i64 = 60;

fn durations(tr: Tr, chosen: i64) -> Vec<Choice> {
    DURATIONS
        .into_iter()
        .filter(|m| *m <= MAX_MINUTES)
        .map(|minutes| Choice {
            value: minutes.to_string(),
            label: if minutes > 60 {
                tr.t1("break-glass-duration-hours", "hours", &(minutes / 60).to_string())
            } else {
                tr.t1("break-glass-duration", "minutes", &minutes.to_string())
            },
            selected: minutes == chosen,
        })
        .collect()
}

/// The "not available" page with the emergency access form (404: it says nothing of whether
/// the record exists).
pub(super) fn offer(
    visitor: &Visitor,
    patient_id: &str,
    errors: FormErrors,
    reason: &str,
    minutes: i64,
) -> Response {
    let status = if errors.is_empty() { StatusCode::NOT_FOUND } else { StatusCode::BAD_REQUEST };
    let page = BreakGlassPage {
        chrome: visitor.chrome(),
        errors,
        patient_id: patient_id.to_owned(),
        reason: reason.to_owned(),
        durations: durations(visitor.tr, minutes),
    };
    html(status, &page)
}

/// `GET` of a chart not open to the clinician.
pub(super) fn not_open(visitor: &Visitor, patient_id: &str) -> Response {
    offer(visitor, patient_id, FormErrors::none(), "", DEFAULT_MINUTES)
}

/// `POST /patients/{id}/break-glass` (`reason`, `minutes`): opens the chart for that long.
pub(super) async fn break_glass(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Posted(fields): Posted,
) -> Response {
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(page) => return page,
    };
    let tr = visitor.tr;
    let reason = fields.get("reason");
    let minutes = fields.get("minutes").parse::<i64>().unwrap_or(0);
    match state.fhir.break_glass(&caller, &id, reason, minutes).await {
        Ok(_) => redirect(&format!("/patients/{id}"), &[]),
        Err(BreakGlassError::ReasonRequired) => {
            let errors = FormErrors::field("reason", tr.t("error-break-glass-reason-required"));
            offer(&visitor, &id, errors, reason, minutes)
        }
        Err(BreakGlassError::TooLong(_)) => {
            let errors = FormErrors::field("reason", tr.t("error-break-glass-too-long"));
            offer(&visitor, &id, errors, reason, minutes)
        }
        Err(e @ BreakGlassError::MinutesInvalid) => {
            offer(&visitor, &id, FormErrors::whole(tr.t(&format!("error-{e}"))), reason, DEFAULT_MINUTES)
        }
        // Asked in an emergency, the answer may say the record does not exist.
        Err(BreakGlassError::PatientNotFound | BreakGlassError::PatientInvalid) => {
            error_page(tr, StatusCode::NOT_FOUND, "break-glass-title", "error-patient-not-found")
        }
        Err(e @ BreakGlassError::NotClinician) => {
            error_page(tr, StatusCode::FORBIDDEN, "error-forbidden-title", &format!("error-{e}"))
        }
        Err(e) => {
            tracing::error!(error = %e, "an emergency access could not be granted");
            server_error(tr)
        }
    }
}
