//! `/api/break-glass`: a clinician breaks the glass on a patient's record; the privacy officer
//! lists the grants for review and marks each reviewed. Form-encoded or JSON in, JSON out; the
//! reason and note are never logged.

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use relais_app::BreakGlassError;
use relais_store::BreakGlassRow;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Authenticated;
use crate::session::form::{Fields, MAX_FORM_BYTES};
use crate::session::refusal;
use crate::state::AppState;

/// Minutes a grant lasts when the request does not say.
const DEFAULT_MINUTES: i64 = 60;

/// `POST /api/break-glass` (`patient`, `reason`, optional `minutes`, default 60): `201` with the
/// grant (`id`, `patient`, `grantedAt`, `expiresAt`).
pub(super) async fn post_break_glass(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    request: Request,
) -> Response {
    let fields = match fields(request).await {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    let minutes = match fields.get("minutes").trim() {
        "" => DEFAULT_MINUTES,
        text => match text.parse::<i64>() {
            Ok(minutes) => minutes,
            Err(_) => return refused(&BreakGlassError::MinutesInvalid),
        },
    };
    match state.fhir.break_glass(&caller, fields.get("patient"), fields.get("reason"), minutes).await {
        Ok(grant) => (StatusCode::CREATED, axum::Json(grant_json(&grant, false))).into_response(),
        Err(e) => refused(&e),
    }
}

/// Query of `GET /api/break-glass/review`.
#[derive(Deserialize)]
pub(super) struct ReviewQuery {
    cursor: Option<String>,
    limit: Option<String>,
}

/// `GET /api/break-glass/review?limit=&cursor=`: the privacy officer's list, unreviewed first,
/// newest first: `{"grants": [...], "next": cursor|null}`.
pub(super) async fn get_review(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Query(query): Query<ReviewQuery>,
) -> Response {
    let limit = match query.limit.as_deref().map(str::parse::<u32>) {
        None => None,
        Some(Ok(limit)) => Some(limit),
        Some(Err(_)) => return refusal(StatusCode::BAD_REQUEST, "limit-invalid", Some("limit")),
    };
    match state.fhir.break_glass_for_review(&caller, query.cursor.as_deref(), limit).await {
        Ok(page) => {
            let grants: Vec<Value> = page.grants.iter().map(|g| grant_json(g, true)).collect();
            axum::Json(json!({"grants": grants, "next": page.next})).into_response()
        }
        Err(e) => refused(&e),
    }
}

/// `POST /api/break-glass/{id}/review` (`note`): the grant, now reviewed.
pub(super) async fn post_review(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let fields = match fields(request).await {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    match state.fhir.review_break_glass(&caller, &id, fields.get("note")).await {
        Ok(grant) => axum::Json(grant_json(&grant, true)).into_response(),
        Err(e) => refused(&e),
    }
}

async fn fields(request: Request) -> Result<Fields, Response> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| refusal(StatusCode::PAYLOAD_TOO_LARGE, "form-too-large", None))?;
    Fields::parse(&parts.headers, &bytes)
        .ok_or_else(|| refusal(StatusCode::BAD_REQUEST, "form-invalid", None))
}

/// A grant as JSON; for the privacy officer (`review`) with who took it, why, and its review.
fn grant_json(grant: &BreakGlassRow, review: bool) -> Value {
    let mut value = json!({
        "id": grant.id,
        "patient": grant.patient_id,
        "grantedAt": grant.granted_at.to_string(),
        "expiresAt": grant.expires_at.to_string(),
    });
    if review {
        value["account"] = json!(grant.account_id);
        value["reason"] = json!(grant.reason);
        value["reviewedAt"] = json!(grant.reviewed_at.map(|t| t.to_string()));
        value["reviewedBy"] = json!(grant.reviewed_by);
        value["reviewNote"] = json!(grant.review_note);
    }
    value
}

fn refused(e: &BreakGlassError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!(error = %e, "break-the-glass request failed");
    }
    refusal(status, e.code(), e.field())
}
