//! `/fhir`: the FHIR R4 REST API. Routes here, one interaction group per file.

mod bundle;
mod history;
pub(crate) mod negotiate;
mod reply;
mod resource;
mod search;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use relais_fhir::{Issue, IssueType};

use crate::error::outcome_response;
use crate::state::AppState;
use negotiate::{FHIR_JSON, Format};

/// The FHIR routes, relative to `/fhir`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", post(bundle::post_bundle))
        .route("/metadata", get(get_metadata))
        .route("/.well-known/smart-configuration", get(crate::auth::get_smart_configuration))
        .route("/_history", get(history::get_system_history))
        .route("/{type}", get(search::get_search).post(resource::post_resource))
        .route("/{type}/_search", post(search::post_search))
        .route("/{type}/_history", get(history::get_type_history))
        .route(
            "/{type}/{id}",
            get(resource::get_resource).put(resource::put_resource).delete(resource::delete_resource),
        )
        .route("/{type}/{id}/_history", get(history::get_instance_history))
        .route("/{type}/{id}/_history/{vid}", get(resource::get_version))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

/// GET /fhir/metadata — the CapabilityStatement.
async fn get_metadata(State(state): State<AppState>, format: Format) -> Response {
    let body = if format.pretty {
        serde_json::from_str::<serde_json::Value>(&state.capability)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_else(|_| state.capability.to_string())
    } else {
        state.capability.to_string()
    };
    ([(header::CONTENT_TYPE, FHIR_JSON)], body).into_response()
}

async fn not_found() -> Response {
    outcome_response(
        StatusCode::NOT_FOUND,
        &[Issue::error(IssueType::NotFound, "unknown-path", "No FHIR interaction is served at this URL")],
    )
}

async fn method_not_allowed() -> Response {
    outcome_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &[Issue::error(
            IssueType::NotSupported,
            "method-not-allowed",
            "This HTTP method is not supported at this URL; see /fhir/metadata for the supported interactions",
        )],
    )
}
