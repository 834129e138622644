//! The `/auth/*` handlers: read the form and the cookie, call one `relais_app::auth` use case,
//! answer JSON (`{"error": code, "field": name}` on refusal) and set or clear the cookie.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use relais_app::auth::{AuthError, SignedIn};
use serde_json::json;

use super::form::{Fields, MAX_FORM_BYTES};
use super::{clear_cookie, cookie_token, secure, set_cookie};
use crate::state::AppState;

/// What a handler reads from its request.
struct Input {
    fields: Fields,
    /// The session cookie's token, if one was sent.
    token: Option<String>,
    /// The client's address, for the audit trail.
    address: Option<String>,
}

async fn input(state: &AppState, request: Request) -> Result<Input, Response> {
    let address = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    let (parts, body) = request.into_parts();
    let token = cookie_token(&parts.headers, secure(&state.settings.public_url));
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| refusal(StatusCode::PAYLOAD_TOO_LARGE, "form-too-large", None))?;
    let fields = Fields::parse(&parts.headers, &bytes)
        .ok_or_else(|| refusal(StatusCode::BAD_REQUEST, "form-invalid", None))?;
    Ok(Input { fields, token, address })
}

/// `GET /auth/session`: the session behind the cookie (`accountId`, `stage`, `expiresAt`), or
/// `401 session-invalid`.
pub(super) async fn current_session(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = cookie_token(&headers, secure(&state.settings.public_url)).unwrap_or_default();
    match state.auth.session(&token).await {
        Ok(Some(session)) => axum::Json(json!({
            "accountId": session.account_id,
            "stage": session.stage.code(),
            "expiresAt": session.expires_at.to_string(),
        }))
        .into_response(),
        Ok(None) => auth_refusal(&state, &AuthError::SessionInvalid),
        Err(e) => auth_refusal(&state, &e),
    }
}

/// `POST /auth/sign-in` (`email`, `password`): a session whose `stage` says what comes next.
pub(super) async fn sign_in(State(state): State<AppState>, request: Request) -> Response {
    let input = match input(&state, request).await {
        Ok(input) => input,
        Err(response) => return response,
    };
    let (email, password) = (input.fields.get("email"), input.fields.get("password"));
    match state.auth.sign_in(email, password, input.address.as_deref()).await {
        Ok(signed_in) => session_answer(&state, &signed_in),
        Err(e) => auth_refusal(&state, &e),
    }
}

/// `POST /auth/second-factor` (`code`), with the session of the password step.
pub(super) async fn second_factor(State(state): State<AppState>, request: Request) -> Response {
    let input = match input(&state, request).await {
        Ok(input) => input,
        Err(response) => return response,
    };
    let token = input.token.unwrap_or_default();
    match state.auth.second_factor(&token, input.fields.get("code"), input.address.as_deref()).await {
        Ok(signed_in) => session_answer(&state, &signed_in),
        Err(e) => auth_refusal(&state, &e),
    }
}

/// `POST /auth/sign-out`: ends this session (also when it is already over) and drops the cookie.
pub(super) async fn sign_out(State(state): State<AppState>, request: Request) -> Response {
    let input = match input(&state, request).await {
        Ok(input) => input,
        Err(response) => return response,
    };
    let token = input.token.unwrap_or_default();
    match state.auth.sign_out(&token, input.address.as_deref()).await {
        Ok(()) => with_cookie(
            StatusCode::NO_CONTENT.into_response(),
            clear_cookie(secure(&state.settings.public_url)),
        ),
        Err(e) => auth_refusal(&state, &e),
    }
}

/// `POST /auth/sign-out-everywhere`: ends every session of the account, on every device.
pub(super) async fn sign_out_everywhere(State(state): State<AppState>, request: Request) -> Response {
    let input = match input(&state, request).await {
        Ok(input) => input,
        Err(response) => return response,
    };
    let token = input.token.unwrap_or_default();
    match state.auth.sign_out_everywhere(&token, input.address.as_deref()).await {
        Ok(ended) => {
            let body = axum::Json(json!({"ended": ended})).into_response();
            with_cookie(body, clear_cookie(secure(&state.settings.public_url)))
        }
        Err(e) => auth_refusal(&state, &e),
    }
}

/// `POST /auth/password-reset` (`email`): `202` whether or not the email has an account.
pub(super) async fn request_reset(State(state): State<AppState>, request: Request) -> Response {
    let input = match input(&state, request).await {
        Ok(input) => input,
        Err(response) => return response,
    };
    match state.auth.request_password_reset(input.fields.get("email"), input.address.as_deref()).await {
        Ok(()) => (StatusCode::ACCEPTED, axum::Json(json!({"status": "reset-requested"}))).into_response(),
        Err(e) => auth_refusal(&state, &e),
    }
}

/// `POST /auth/password-reset/complete` (`token` from the emailed link, `password`).
pub(super) async fn complete_reset(State(state): State<AppState>, request: Request) -> Response {
    let input = match input(&state, request).await {
        Ok(input) => input,
        Err(response) => return response,
    };
    let (token, password) = (input.fields.get("token"), input.fields.get("password"));
    match state.auth.complete_password_reset(token, password, input.address.as_deref()).await {
        Ok(()) => {
            let body = axum::Json(json!({"status": "password-changed"})).into_response();
            with_cookie(body, clear_cookie(secure(&state.settings.public_url)))
        }
        Err(e) => auth_refusal(&state, &e),
    }
}

/// `POST /auth/totp/enrol`: a new secret, as an otpauth URI (for a QR code) and in base32.
pub(super) async fn start_enrolment(State(state): State<AppState>, request: Request) -> Response {
    let input = match input(&state, request).await {
        Ok(input) => input,
        Err(response) => return response,
    };
    let token = input.token.unwrap_or_default();
    match state.auth.start_totp_enrolment(&token).await {
        Ok(enrolment) => {
            axum::Json(json!({"otpauthUri": enrolment.otpauth_uri, "secret": enrolment.secret_base32}))
                .into_response()
        }
        Err(e) => auth_refusal(&state, &e),
    }
}

/// `POST /auth/totp/enrol/confirm` (`code`): the second factor is set; a full session follows.
pub(super) async fn confirm_enrolment(State(state): State<AppState>, request: Request) -> Response {
    let input = match input(&state, request).await {
        Ok(input) => input,
        Err(response) => return response,
    };
    let token = input.token.unwrap_or_default();
    match state.auth.confirm_totp_enrolment(&token, input.fields.get("code"), input.address.as_deref()).await
    {
        Ok(signed_in) => session_answer(&state, &signed_in),
        Err(e) => auth_refusal(&state, &e),
    }
}

/// `200 {"stage", "expiresAt"}` with the new session's cookie.
fn session_answer(state: &AppState, signed_in: &SignedIn) -> Response {
    let body = json!({"stage": signed_in.stage.code(), "expiresAt": signed_in.expires_at.to_string()});
    let response = axum::Json(body).into_response();
    let secure = secure(&state.settings.public_url);
    match set_cookie(signed_in.token.as_str(), signed_in.expires_at, state.auth.now(), secure) {
        Some(cookie) => with_cookie(response, cookie),
        None => refusal(StatusCode::INTERNAL_SERVER_ERROR, "server-error", None),
    }
}

fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// The answer to a refused use case; an ended session also loses its cookie.
fn auth_refusal(state: &AppState, e: &AuthError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!(error = %e, "sign-in request failed");
    }
    let response = refusal(status, e.code(), e.field());
    if matches!(e, AuthError::SessionInvalid) {
        return with_cookie(response, clear_cookie(secure(&state.settings.public_url)));
    }
    response
}

/// `{"error": code, "field": field}` with `status`.
pub(crate) fn refusal(status: StatusCode, code: &str, field: Option<&str>) -> Response {
    let mut body = json!({"error": code});
    if let Some(field) = field {
        body["field"] = json!(field);
    }
    let mut response = (status, axum::Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        // Not a Bearer challenge: the way in is the sign-in form.
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Session"));
    }
    response
}
