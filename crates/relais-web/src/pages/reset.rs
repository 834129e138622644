//! Password reset as pages: `/password-reset` asks for the emailed link; the link comes back to
//! `/password-reset?token=…`, where the new password is chosen (typed twice).
//!
//! The request page says the same thing whether or not the email has an account, as the use
//! case does. The token travels in a hidden field of the form, never in a log line (the request
//! log shows the path only).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use relais_access::password::MIN_PASSWORD_CHARS;
use relais_app::auth::AuthError;
use relais_views::pages::{FormErrors, ResetCompletePage, ResetRequestPage};
use serde::Deserialize;

use super::account::auth_message;
use super::render::{Posted, Visitor, html, redirect};
use crate::session::{clear_cookie, secure};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub(super) struct ResetQuery {
    #[serde(default)]
    token: String,
}

fn request_form(
    state: &AppState,
    visitor: &Visitor,
    errors: FormErrors,
    email: &str,
    sent: bool,
) -> ResetRequestPage {
    ResetRequestPage {
        chrome: visitor.chrome(),
        errors,
        email: email.to_owned(),
        sent,
        valid_minutes: state.auth.settings().reset_valid_for.as_mins().to_string(),
    }
}

fn complete_form(visitor: &Visitor, errors: FormErrors, token: &str) -> ResetCompletePage {
    ResetCompletePage {
        chrome: visitor.chrome(),
        errors,
        token: token.to_owned(),
        min_chars: MIN_PASSWORD_CHARS.to_string(),
    }
}

/// `GET /password-reset`: the request form, or with `?token=` the new-password form.
pub(super) async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<ResetQuery>,
) -> Response {
    if query.token.is_empty() {
        html(StatusCode::OK, &request_form(&state, &visitor, FormErrors::none(), "", false))
    } else {
        html(StatusCode::OK, &complete_form(&visitor, FormErrors::none(), &query.token))
    }
}

/// `POST /password-reset` (`email`).
pub(super) async fn request(
    State(state): State<AppState>,
    visitor: Visitor,
    Posted(fields): Posted,
) -> Response {
    let tr = visitor.tr;
    let email = fields.get("email").trim();
    if email.is_empty() {
        let errors = FormErrors::field("email", tr.t("error-required"));
        return html(StatusCode::BAD_REQUEST, &request_form(&state, &visitor, errors, email, false));
    }
    if !email.contains('@') {
        let errors = FormErrors::field("email", tr.t("error-email-invalid"));
        return html(StatusCode::BAD_REQUEST, &request_form(&state, &visitor, errors, email, false));
    }
    match state.auth.request_password_reset(email, visitor.address.as_deref()).await {
        Ok(()) => html(StatusCode::OK, &request_form(&state, &visitor, FormErrors::none(), "", true)),
        Err(e) => {
            let errors = FormErrors::whole(auth_message(tr, &e));
            html(StatusCode::INTERNAL_SERVER_ERROR, &request_form(&state, &visitor, errors, email, false))
        }
    }
}

/// `POST /password-reset/complete` (`token`, `password`, `confirm`).
pub(super) async fn complete(
    State(state): State<AppState>,
    visitor: Visitor,
    Posted(fields): Posted,
) -> Response {
    let tr = visitor.tr;
    let (token, password, confirm) = (fields.get("token"), fields.get("password"), fields.get("confirm"));
    let refused = |status, errors| html(status, &complete_form(&visitor, errors, token));
    if password.is_empty() {
        return refused(StatusCode::BAD_REQUEST, FormErrors::field("password", tr.t("error-required")));
    }
    if password != confirm {
        return refused(
            StatusCode::BAD_REQUEST,
            FormErrors::field("confirm", tr.t("error-passwords-differ")),
        );
    }
    match state.auth.complete_password_reset(token, password, visitor.address.as_deref()).await {
        Ok(()) => {
            let cookie = clear_cookie(secure(&state.settings.public_url));
            redirect("/sign-in?notice=password-changed", &[cookie])
        }
        Err(e @ AuthError::PasswordRejected(_)) => {
            refused(StatusCode::BAD_REQUEST, FormErrors::field("password", auth_message(tr, &e)))
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            refused(status, FormErrors::whole(auth_message(tr, &e)))
        }
    }
}
