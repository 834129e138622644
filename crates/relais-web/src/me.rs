//! `/api/me/…`: what a signed-in person sees about themselves. For now, a patient's list of who
//! accessed their record (from the audit trail), as JSON for the portal page to render.

use axum::Json;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use relais_app::FhirError;
use serde_json::{Value, json};

use crate::auth::Authenticated;
use crate::state::AppState;

/// Entries per page unless `limit` says otherwise.
const DEFAULT_LIMIT: u32 = 50;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/me/accesses", get(get_accesses))
}

/// GET /api/me/accesses?before=SEQ&limit=N — newest first; `next` continues after the page.
async fn get_accesses(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    RawQuery(query): RawQuery,
) -> Response {
    let mut before = None;
    let mut limit = DEFAULT_LIMIT;
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let parsed = value.parse::<u64>();
        match (name.as_ref(), parsed) {
            ("before", Ok(n)) => before = Some(n),
            ("limit", Ok(n)) if n > 0 => limit = u32::try_from(n).unwrap_or(u32::MAX),
            (field @ ("before" | "limit"), _) => {
                return refusal(StatusCode::BAD_REQUEST, "invalid-number", Some(field));
            }
            _ => {}
        }
    }
    let accesses = match state.fhir.accesses_of_own_record(&caller, before, limit).await {
        Ok(accesses) => accesses,
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if status.is_server_error() {
                tracing::error!(error = %e, "cannot list the accesses to a record");
            }
            let code = match &e {
                FhirError::Forbidden(code) => code,
                _ => e.issues().first().map_or("internal-error", |i| i.error_code),
            };
            return refusal(status, code, None);
        }
    };
    let full_page = u32::try_from(accesses.len()).is_ok_and(|n| n >= limit);
    let next = accesses
        .last()
        .filter(|_| full_page)
        .map(|last| format!("/api/me/accesses?before={}&limit={limit}", last.seq));
    let entries: Vec<Value> = accesses
        .iter()
        .map(|a| {
            json!({
                "seq": a.seq,
                "when": a.when.to_string(),
                "actor": a.actor,
                "actorName": a.actor_name,
                "application": a.application,
                "action": a.action,
                "resourceType": a.resource_type,
                "outcome": a.outcome.code(),
                "purpose": a.purpose,
                "breakGlass": a.break_glass,
            })
        })
        .collect();
    Json(json!({"accesses": entries, "next": next})).into_response()
}

fn refusal(status: StatusCode, code: &str, field: Option<&str>) -> Response {
    let mut body = json!({"error": code});
    if let Some(field) = field {
        body["field"] = json!(field);
    }
    (status, Json(body)).into_response()
}
