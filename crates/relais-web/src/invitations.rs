//! Invitation links over HTTP: `POST /api/invitations` (a signed-in staff member or a person's
//! token) creates one and answers `201 {id, link, expires_at}` (the link is shown this once);
//! `DELETE /api/invitations/{id}` revokes it (`204`); `POST /i/{token}` (no account) uses it and
//! answers `200` with the pass, or `404 {"error": "invitation-invalid"}` whatever the reason.
//! The token in `/i/{token}` is redacted from the request logs (see `middleware`).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use jiff::SignedDuration;
use relais_app::invitations::{InvitationError, Invite, Purpose};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Authenticated, PeerAddress};
use crate::state::AppState;

/// The routes, CSRF-protected like every cookie-authenticated route.
pub(crate) fn routes(public_url: &str) -> Router<AppState> {
    let router = Router::new()
        .route("/api/invitations", post(create))
        .route("/api/invitations/{id}", delete(revoke))
        .route("/i/{token}", post(redeem));
    crate::session::protect(router, public_url)
}

/// The body of `POST /api/invitations`.
#[derive(Deserialize)]
struct CreateBody {
    purpose: String,
    target: String,
    #[serde(default)]
    patient: Option<String>,
    invitee: String,
    /// Seconds the link works (default one day).
    #[serde(default)]
    valid_for_secs: Option<i64>,
    /// Uses allowed (default 1).
    #[serde(default)]
    max_uses: Option<u32>,
}

async fn create(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    body: axum::body::Bytes,
) -> Response {
    let Ok(body) = serde_json::from_slice::<CreateBody>(&body) else {
        return refusal(StatusCode::BAD_REQUEST, "invitation-request-invalid", None);
    };
    let Some(purpose) = Purpose::from_code(&body.purpose) else {
        return refusal(StatusCode::BAD_REQUEST, "invitation-purpose-invalid", Some("purpose"));
    };
    let invite = Invite {
        purpose,
        target: body.target,
        patient: body.patient,
        invitee: body.invitee,
        valid_for: SignedDuration::from_secs(body.valid_for_secs.unwrap_or(86_400)),
        max_uses: body.max_uses.unwrap_or(1),
    };
    match state.invitations.invite(&caller, &invite).await {
        Ok(invited) => (
            StatusCode::CREATED,
            axum::Json(
                json!({"id": invited.id, "link": invited.link, "expires_at": invited.expires_at.to_string()}),
            ),
        )
            .into_response(),
        Err(e) => failure(&e),
    }
}

async fn revoke(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Response {
    match state.invitations.revoke(&caller, &id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => failure(&e),
    }
}

async fn redeem(
    State(state): State<AppState>,
    PeerAddress(address): PeerAddress,
    Path(token): Path<String>,
) -> Response {
    match state.invitations.redeem(&token, address.as_deref()).await {
        Ok(pass) => axum::Json(json!({
            "id": pass.id,
            "purpose": pass.purpose.code(),
            "target": pass.target,
            "patient": pass.patient,
        }))
        .into_response(),
        Err(e) => failure(&e),
    }
}

fn failure(error: &InvitationError) -> Response {
    if matches!(error, InvitationError::Store(_) | InvitationError::Internal(_)) {
        tracing::error!(error = %error, "invitation operation failed");
    }
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    refusal(status, error.code(), error.field())
}

fn refusal(status: StatusCode, code: &str, field: Option<&str>) -> Response {
    let mut body = json!({"error": code});
    if let Some(field) = field {
        body["field"] = json!(field);
    }
    (status, axum::Json(body)).into_response()
}
