//! POST /fhir — batch and transaction Bundles.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::negotiate::{FhirBody, Format, prefer};
use super::reply::json_response;
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::AppState;

/// POST /fhir — a batch or transaction Bundle; answers the response Bundle.
pub(crate) async fn post_bundle(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    format: Format,
    headers: HeaderMap,
    FhirBody(body): FhirBody,
) -> Result<Response, ApiError> {
    let response =
        state.fhir.bundle_as(&caller, &body, prefer(&headers), &state.settings.fhir_base()).await?;
    // Readings and answers among the entries are evaluated by home monitoring (an entry that
    // failed in a batch costs an evaluation that finds nothing new).
    if let Ok(request) = serde_json::from_slice::<serde_json::Value>(&body) {
        state.monitoring.evaluate_after_api_bundle(&request);
    }
    Ok(json_response(StatusCode::OK, format, &response))
}
