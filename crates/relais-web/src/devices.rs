//! `POST /devices/readings`: a home device's readings in, authenticated by its device token
//! (`Authorization: Bearer <token>`), as compact JSON (see `relais_app::devices::payload`).
//! Answers JSON: per reading what became of it (200 when every reading was stored, 400 when
//! one was refused — the others are stored, and sending the message again counts nothing
//! twice), or `{"error": {"code", "message"}}` for a message refused as a whole.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use relais_app::devices::{DeviceError, Submitted};
use serde_json::json;

use crate::auth::PeerAddress;
use crate::state::AppState;

/// The device routes: bearer-token only, so no CSRF check (no cookie is looked at).
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/devices/readings", post(post_readings))
}

/// `POST /devices/readings`
async fn post_readings(
    State(state): State<AppState>,
    PeerAddress(address): PeerAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    match state.devices.submit(token, &body, None, address.as_deref()).await {
        Ok(submitted) => {
            count("http", &submitted);
            let status = if submitted.all_stored() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
            (status, axum::Json(submitted.to_json())).into_response()
        }
        Err(e) => refused(&e),
    }
}

/// Counts each reading by transport and outcome (`relais_device_readings_total`).
pub fn count(transport: &'static str, submitted: &Submitted) {
    for (_, outcome) in &submitted.results {
        metrics::counter!("relais_device_readings_total", "transport" => transport, "outcome" => outcome.code())
            .increment(1);
    }
}

fn refused(e: &DeviceError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!(error = ?e, "device readings could not be recorded");
    }
    metrics::counter!("relais_device_messages_refused_total", "transport" => "http", "reason" => e.code())
        .increment(1);
    let mut response =
        (status, axum::Json(json!({"error": {"code": e.code(), "message": e.message()}}))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"relais-devices\""));
    }
    response
}
