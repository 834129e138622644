//! Instance and type interactions on one resource: create, read, vread, update, delete.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use relais_app::{WriteKind, parse_if_match};

use super::negotiate::{FhirBody, Format, prefer};
use super::reply::{read_response, write_response};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::AppState;

/// A reading or answer written here is evaluated by home monitoring, as one sent through it.
fn evaluate_readings(state: &AppState, written: &relais_app::Written) {
    let new = matches!(written.kind, WriteKind::Created | WriteKind::Updated);
    if new && matches!(written.row.resource_type.as_str(), "Observation" | "QuestionnaireResponse") {
        let content = written.row.content.as_deref().and_then(|c| serde_json::from_str(c).ok());
        state.monitoring.evaluate_after_api_write(content.as_ref());
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// POST /fhir/{type} — create, or conditional create with `If-None-Exist`.
pub(crate) async fn post_resource(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(resource_type): Path<String>,
    format: Format,
    headers: HeaderMap,
    FhirBody(body): FhirBody,
) -> Result<Response, ApiError> {
    let written =
        state.fhir.create_as(&caller, &resource_type, &body, header(&headers, "if-none-exist")).await?;
    evaluate_readings(&state, &written);
    Ok(write_response(written, prefer(&headers), format, &state.settings.fhir_base()))
}

/// GET /fhir/{type}/{id} — read.
pub(crate) async fn get_resource(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path((resource_type, id)): Path<(String, String)>,
    format: Format,
) -> Result<Response, ApiError> {
    Ok(read_response(state.fhir.read_as(&caller, &resource_type, &id).await?, format))
}

/// GET /fhir/{type}/{id}/_history/{vid} — vread.
pub(crate) async fn get_version(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path((resource_type, id, vid)): Path<(String, String, String)>,
    format: Format,
) -> Result<Response, ApiError> {
    Ok(read_response(state.fhir.vread_as(&caller, &resource_type, &id, &vid).await?, format))
}

/// PUT /fhir/{type}/{id} — update, or create with this id; `If-Match` for optimistic locking.
pub(crate) async fn put_resource(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path((resource_type, id)): Path<(String, String)>,
    format: Format,
    headers: HeaderMap,
    FhirBody(body): FhirBody,
) -> Result<Response, ApiError> {
    let if_match = header(&headers, "if-match").map(parse_if_match).transpose()?;
    let written = state.fhir.update_as(&caller, &resource_type, &id, &body, if_match).await?;
    evaluate_readings(&state, &written);
    Ok(write_response(written, prefer(&headers), format, &state.settings.fhir_base()))
}

/// DELETE /fhir/{type}/{id} — delete (optionally `If-Match`); later reads answer 410.
pub(crate) async fn delete_resource(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path((resource_type, id)): Path<(String, String)>,
    format: Format,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let if_match = header(&headers, "if-match").map(parse_if_match).transpose()?;
    let written = state.fhir.delete_as(&caller, &resource_type, &id, if_match).await?;
    Ok(write_response(written, prefer(&headers), format, &state.settings.fhir_base()))
}
