//! History interactions: instance, type and system.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use relais_app::{HistoryParams, HistoryScope};

use super::negotiate::Format;
use super::reply::json_response;
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::AppState;

async fn history(
    state: &AppState,
    Authenticated(caller): Authenticated,
    scope: HistoryScope,
    query: Option<String>,
    format: Format,
) -> Result<Response, ApiError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let params = HistoryParams::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let bundle = state.fhir.history_as(&caller, &scope, &params, &state.settings.fhir_base()).await?;
    Ok(json_response(StatusCode::OK, format, &bundle))
}

/// GET /fhir/_history — every change, newest first.
pub(crate) async fn get_system_history(
    State(state): State<AppState>,
    caller: Authenticated,
    RawQuery(q): RawQuery,
    format: Format,
) -> Result<Response, ApiError> {
    history(&state, caller, HistoryScope::System, q, format).await
}

/// GET /fhir/{type}/_history — every change to resources of a type.
pub(crate) async fn get_type_history(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(resource_type): Path<String>,
    RawQuery(q): RawQuery,
    format: Format,
) -> Result<Response, ApiError> {
    history(&state, caller, HistoryScope::Type(resource_type), q, format).await
}

/// GET /fhir/{type}/{id}/_history — every version of one resource.
pub(crate) async fn get_instance_history(
    State(state): State<AppState>,
    caller: Authenticated,
    Path((resource_type, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    format: Format,
) -> Result<Response, ApiError> {
    history(&state, caller, HistoryScope::Instance(resource_type, id), q, format).await
}
