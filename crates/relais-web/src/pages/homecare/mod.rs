//! Home-monitoring pages (issue 7; the programs page is issue 5's last Administration item):
//! - `/my/readings`: the patient's own forms, what is due today and what was missed; a reading
//!   or a questionnaire posted there is recorded as the patient, and red-flag advice is shown on
//!   the answer page at once;
//! - `/my/welcome?token=…`: the patient creates their own account from the enrolment email's
//!   link, and lands on `/my/readings` signed in;
//! - `/patients/{id}/monitoring`: the clinician enrols the patient (program, devices),
//!   discharges them, and sets or removes the patient's own thresholds;
//! - `/admin/programs`: the programs in force, for administrators and clinicians to read;
//!   `/admin/programs/{id}/edit`: an administrator changes one (thresholds, frequencies,
//!   advice texts) with the reason, in force at once.
//!
//! Each handler calls the `relais_app::monitoring` use cases as the signed-in person; refusals
//! come back next to their field, in French or English, with what was typed.

mod patient;
mod program_edit;
mod programs;
mod readings;
pub(super) mod welcome;

use axum::Router;
use axum::routing::{get, post};
use relais_app::FhirError;

use super::render::{Visitor, forbidden, not_found_for, server_error};
use crate::state::AppState;

/// The routes, merged into the CSRF-protected page routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/my/readings", get(readings::page))
        .route("/my/welcome", get(welcome::page))
        .route("/my/readings/{form}", post(readings::record))
        .route("/patients/{id}/monitoring", get(patient::page))
        .route("/patients/{id}/monitoring/{operation}", post(patient::act))
        .route("/patients/{id}/monitoring/overrides/{override_id}/remove", post(patient::remove_override))
        .route("/admin/programs", get(programs::page))
        .route("/admin/programs/{id}/edit", get(program_edit::form).post(program_edit::save))
}

/// The page for a use case that failed other than on a field.
fn failed(visitor: &Visitor, error: &FhirError) -> axum::response::Response {
    match error {
        FhirError::NotFound(_) | FhirError::Gone(_) => not_found_for(visitor),
        FhirError::Forbidden(_) | FhirError::ForbiddenEntry(..) => forbidden(visitor),
        e => {
            tracing::error!(error = %e, "a home-monitoring page failed");
            server_error(visitor.tr)
        }
    }
}

/// The issues of a refusal, as (field, code) pairs: the field is the issue's expression.
fn field_issues(error: &FhirError) -> Vec<(String, String)> {
    error
        .issues()
        .iter()
        .map(|i| (i.expression.clone().unwrap_or_default(), i.error_code.to_owned()))
        .collect()
}
