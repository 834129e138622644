//! `/my/welcome?token=…`: the patient's own account, from the link in their enrolment email.
//! Opening the page spends nothing (mail previews open links too); the form posts the token in
//! a hidden field (the request log shows paths only, never the query or the body), and on
//! success the new account is signed in and sent to `/my/readings`. A used, expired or revoked
//! link shows why nothing can be created; an address that already has an account is sent to
//! sign in.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use relais_access::password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use relais_app::monitoring::invitation::READINGS_PATH;
use relais_app::monitoring::welcome::WelcomeError;
use relais_views::pages::{FormErrors, WelcomePage};
use serde::Deserialize;

use super::super::account::after;
use super::super::render::{Posted, Visitor, error_page, html, redirect, server_error};
use crate::state::AppState;

/// Where a patient who already has an account goes.
const SIGN_IN: &str = "/sign-in?notice=account-exists&next=%2Fmy%2Freadings";

#[derive(Debug, Default, Deserialize)]
pub(super) struct WelcomeQuery {
    #[serde(default)]
    token: String,
}

fn form(visitor: &Visitor, errors: FormErrors, token: &str) -> WelcomePage {
    WelcomePage {
        chrome: visitor.chrome(),
        errors,
        token: token.to_owned(),
        min_chars: MIN_PASSWORD_CHARS.to_string(),
    }
}

fn invalid(visitor: &Visitor) -> Response {
    error_page(visitor.tr, StatusCode::NOT_FOUND, "welcome-invalid-title", "welcome-invalid")
}

/// `GET /my/welcome?token=…`: the password form, or why the link opens nothing.
pub(super) async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<WelcomeQuery>,
) -> Response {
    match state.monitoring.welcome(&query.token).await {
        Ok(()) => html(StatusCode::OK, &form(&visitor, FormErrors::none(), &query.token)),
        Err(WelcomeError::InvalidLink) => invalid(&visitor),
        Err(e) => {
            tracing::error!(error = %e, "an account link could not be read");
            server_error(visitor.tr)
        }
    }
}

/// `POST /my/welcome` (`token`, `password`, `confirm`): creates the account and signs it in.
/// Throttled per address like the other routes taking a guessable secret.
pub(in crate::pages) async fn create(
    State(state): State<AppState>,
    visitor: Visitor,
    Posted(fields): Posted,
) -> Response {
    let tr = visitor.tr;
    let (token, password, confirm) = (fields.get("token"), fields.get("password"), fields.get("confirm"));
    let refused = |status, errors| html(status, &form(&visitor, errors, token));
    if password.is_empty() {
        return refused(StatusCode::BAD_REQUEST, FormErrors::field("password", tr.t("error-required")));
    }
    if password != confirm {
        return refused(
            StatusCode::BAD_REQUEST,
            FormErrors::field("confirm", tr.t("error-passwords-differ")),
        );
    }
    let address = visitor.address.as_deref();
    match state.monitoring.create_patient_account(token, password, address).await {
        Ok(welcomed) => match state.auth.sign_in(&welcomed.email, password, address).await {
            Ok(signed_in) => after(&state, &signed_in, READINGS_PATH),
            Err(e) => {
                tracing::error!(error = %e, "a new patient account could not sign in");
                redirect("/sign-in?next=%2Fmy%2Freadings", &[])
            }
        },
        Err(WelcomeError::Password(p)) => {
            let (min, max) = (MIN_PASSWORD_CHARS.to_string(), MAX_PASSWORD_CHARS.to_string());
            let message = tr.t_with(&format!("error-{}", p.code()), &[("min", &min), ("max", &max)]);
            refused(StatusCode::BAD_REQUEST, FormErrors::field("password", message))
        }
        Err(WelcomeError::InvalidLink) => invalid(&visitor),
        Err(WelcomeError::AccountExists) => redirect(SIGN_IN, &[]),
        Err(WelcomeError::NoEmail) => {
            refused(StatusCode::UNPROCESSABLE_ENTITY, FormErrors::whole(tr.t("welcome-no-email")))
        }
        Err(e) => {
            tracing::error!(error = %e, "a patient account could not be created");
            server_error(tr)
        }
    }
}
