//! JSON endpoints under `/api` that are not FHIR: what a person does through the application
//! (breaking the glass, the privacy officer's review). Each route authenticates with the same
//! [`crate::auth::Authenticated`] extractor as the FHIR API (a bearer token or a signed-in
//! session, CSRF-checked) and answers refusals as `{"error": code, "field": name}`.

mod break_glass;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

/// The `/api` routes, CSRF-protected (bearer requests are exempt).
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let router = Router::new()
        .route("/api/break-glass", post(break_glass::post_break_glass))
        .route("/api/break-glass/review", get(break_glass::get_review))
        .route("/api/break-glass/{id}/review", post(break_glass::post_review));
    crate::session::protect(router, &state.settings.public_url)
}
