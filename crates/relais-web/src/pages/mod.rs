//! The HTML pages (issue 5): signing in with the second factor, setting the second factor up,
//! password reset, the language switch, the home page (a clinician's live work queues) and
//! "who accessed my record", error pages, patient search and the patient chart (`/patients`,
//! `/patients/{id}`), the patient's own measurements (`/me/measurements`), account and role
//! administration, organisations and sites (`/admin/organisations`), and the stylesheet and scripts under `/assets/`.
//!
//! Each handler reads the form and the cookie, calls one use case of relais-app, and renders a
//! template of relais-views in the visitor's language. A refused form comes back with what was
//! typed (never a password) and the reason next to the field, in French or English; a form that
//! worked redirects (303), so reloading the next page does not send it again. Every POST goes
//! through the same CSRF check as the `/auth/*` endpoints, and those taking a password, a code
//! or an email through the same per-address throttle.

mod account;
mod admin;
mod break_glass;
mod chart;
mod cohort;
mod devices_admin;
mod homecare;
mod organisations;
mod portal;
mod queues;
mod record;
mod render;
mod reset;
mod review;
mod triage;
mod video;
mod visits;
mod vitals;

use axum::Router;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};

use crate::session::{protect, throttle};
use crate::state::AppState;

pub(crate) use render::not_found;

/// The page routes.
pub(crate) fn routes(state: &AppState, throttle: &throttle::Throttle) -> Router<AppState> {
    let guessable = Router::new()
        .route("/sign-in", post(account::sign_in))
        .route("/sign-in/code", post(account::second_factor))
        .route("/sign-in/enrol", post(account::confirm_enrolment))
        .route("/password-reset", post(reset::request))
        .route("/password-reset/complete", post(reset::complete))
        .route("/my/welcome", post(homecare::welcome::create))
        .route_layer(axum::middleware::from_fn_with_state(throttle.clone(), throttle::limit));
    let forms = Router::new()
        .route("/sign-in", get(account::sign_in_page))
        .route("/sign-in/code", get(account::second_factor_page))
        .route("/sign-in/enrol", get(account::enrolment_page))
        .route("/sign-out", post(account::sign_out))
        .route("/password-reset", get(reset::page))
        .route("/language", post(render::switch_language))
        .route("/", get(portal::home))
        .route("/me/accesses", get(portal::my_accesses))
        .route("/queues/{kind}/rows", get(queues::rows))
        .route("/queues/events", get(queues::events))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/new", get(admin::new_user))
        .route("/admin/users/{id}/{operation}", post(admin::change))
        // Editing roles, organisations and sites, the patient's measurements (issue 5).
        .route("/admin/users/{id}/roles", get(admin::roles_page).post(admin::save_roles))
        .route("/admin/organisations", get(organisations::list).post(organisations::create))
        // Home devices' tokens, the page form of `relais device token` (issue 7).
        .route("/admin/devices", get(devices_admin::page))
        .route("/admin/devices/tokens", post(devices_admin::issue))
        .route("/admin/devices/tokens/{id}/revoke", post(devices_admin::revoke))
        .route("/me/measurements", get(portal::my_measurements))
        .route("/queues/tasks/{id}/claim", post(queues::claim))
        .route("/queues/tasks/{id}/assign", post(queues::assign))
        // The nurse's triage of home-monitoring alerts (issue 7).
        .route("/triage", get(triage::page))
        .route("/triage/rows", get(triage::rows_fragment))
        .route("/triage/events", get(triage::events))
        .route("/triage/cohort", get(cohort::page))
        .route("/triage/review", get(review::page))
        .route("/triage/review/{observation}/{decision}", post(review::decide))
        .route("/triage/{task}/{action}", post(triage::act))
        // Patient search and the chart (issue 5).
        .route("/patients", get(chart::find_patients))
        .route("/patients/{id}", get(chart::patient_chart))
        .route("/patients/{id}/break-glass", post(break_glass::break_glass))
        // Video visits: booking, the consent gate, the visit (issue 6).
        .route("/visits", get(visits::list))
        .route("/visits/book", post(visits::book))
        .route("/visits/slots", post(visits::open_slots))
        .route("/visits/{id}", get(visits::show))
        .route("/visits/{id}/{operation}", post(visits::act))
        // Home monitoring: the patient's readings, enrolment and thresholds, programs (issue 7).
        .merge(homecare::routes())
        .merge(guessable);
    protect(forms, &state.settings.public_url)
        .route("/assets/{name}", get(render::asset))
        // Video rooms and the guest's way in (issue 6).
        .merge(video::routes(state))
}

/// The page answering an address over its attempt limit.
pub(crate) fn too_many_attempts(headers: &HeaderMap) -> Response {
    render::too_many_attempts(headers)
}
