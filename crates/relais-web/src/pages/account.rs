//! Signing in as pages: `/sign-in` (email and password), `/sign-in/code` (the TOTP code),
//! `/sign-in/enrol` (a staff member setting up their authenticator app), `/sign-out`.
//!
//! Each step hands what was typed to `relais_app::auth` and follows the stage of the session it
//! gets back; the cookie is the same as the `/auth/*` endpoints'. `next` (where the person was
//! going) is carried through every step and followed only if it is a path of this server.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use relais_access::password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use relais_app::auth::{AuthError, Enrolment, SignedIn, Stage};
use relais_views::Tr;
use relais_views::pages::{EnrolPage, FormErrors, SecondFactorPage, SignInPage, grouped, qr_svg};
use serde::Deserialize;

use super::render::{Posted, Visitor, html, local_path, redirect, server_error};
use crate::session::{clear_cookie, secure, set_cookie};
use crate::state::AppState;

/// The query of the sign-in pages.
#[derive(Debug, Default, Deserialize)]
pub(super) struct SignInQuery {
    #[serde(default)]
    next: String,
    /// A message to show above the form (`signed-out`, `password-changed`, `session-ended`).
    #[serde(default)]
    notice: String,
}

/// The translated message for a refused sign-in step.
pub(super) fn auth_message(tr: Tr, e: &AuthError) -> String {
    if matches!(e, AuthError::Store(_) | AuthError::Internal(_)) {
        tracing::error!(error = %e, "a sign-in page failed");
    }
    let key = format!("error-{}", e.code());
    let (min, max) = (MIN_PASSWORD_CHARS.to_string(), MAX_PASSWORD_CHARS.to_string());
    tr.t_with(&key, &[("min", &min), ("max", &max)])
}

/// Where a new session goes next: its stage's page, or `next` once signed in.
pub(super) fn after(state: &AppState, signed_in: &SignedIn, next: &str) -> Response {
    let secure = secure(&state.settings.public_url);
    let Some(cookie) = set_cookie(signed_in.token.as_str(), signed_in.expires_at, state.auth.now(), secure)
    else {
        return redirect("/sign-in", &[]);
    };
    let next = local_path(next);
    let location = match signed_in.stage {
        Stage::Full => next.to_owned(),
        Stage::SecondFactor => with_next("/sign-in/code", next),
        Stage::EnrolOnly => with_next("/sign-in/enrol", next),
    };
    redirect(&location, &[cookie])
}

fn with_next(path: &str, next: &str) -> String {
    if next == "/" {
        return path.to_owned();
    }
    let query: String = form_urlencoded::Serializer::new(String::new()).append_pair("next", next).finish();
    format!("{path}?{query}")
}

/// `GET /sign-in`.
pub(super) async fn sign_in_page(visitor: Visitor, Query(query): Query<SignInQuery>) -> Response {
    if visitor.profile.is_some() {
        return redirect(local_path(&query.next), &[]);
    }
    let notice = match query.notice.as_str() {
        code @ ("signed-out" | "password-changed" | "session-ended" | "account-exists") => {
            visitor.tr.t(&format!("notice-{code}"))
        }
        _ => String::new(),
    };
    let page = SignInPage {
        chrome: visitor.chrome(),
        errors: FormErrors::none(),
        email: String::new(),
        next: local_path(&query.next).to_owned(),
        notice,
    };
    html(StatusCode::OK, &page)
}

/// `POST /sign-in` (`email`, `password`, `next`).
pub(super) async fn sign_in(
    State(state): State<AppState>,
    visitor: Visitor,
    Posted(fields): Posted,
) -> Response {
    let tr = visitor.tr;
    let (email, password, next) = (fields.get("email").trim(), fields.get("password"), fields.get("next"));
    let refused = |status, errors| {
        let page = SignInPage {
            chrome: visitor.chrome(),
            errors,
            email: email.to_owned(),
            next: local_path(next).to_owned(),
            notice: String::new(),
        };
        html(status, &page)
    };
    let mut missing = FormErrors::none();
    for (name, value) in [("email", email), ("password", password)] {
        if value.is_empty() {
            missing = missing.and_field(name, tr.t("error-required"));
        }
    }
    if !missing.is_empty() {
        return refused(StatusCode::BAD_REQUEST, missing);
    }
    match state.auth.sign_in(email, password, visitor.address.as_deref()).await {
        Ok(signed_in) => after(&state, &signed_in, next),
        Err(e) => refused(status_of(&e), FormErrors::whole(auth_message(tr, &e))),
    }
}

fn status_of(e: &AuthError) -> StatusCode {
    StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// `GET /sign-in/code`: only for a session waiting for its code.
pub(super) async fn second_factor_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<SignInQuery>,
) -> Response {
    match state.auth.session(visitor.token()).await {
        Ok(Some(session)) if session.stage == Stage::SecondFactor => {
            let page = SecondFactorPage {
                chrome: visitor.chrome(),
                errors: FormErrors::none(),
                next: local_path(&query.next).to_owned(),
            };
            html(StatusCode::OK, &page)
        }
        Ok(Some(session)) if session.stage == Stage::EnrolOnly => {
            redirect(&with_next("/sign-in/enrol", &query.next), &[])
        }
        Ok(Some(_)) => redirect(local_path(&query.next), &[]),
        Ok(None) => redirect("/sign-in", &[]),
        Err(e) => {
            tracing::error!(error = %e, "cannot read a session");
            server_error(visitor.tr)
        }
    }
}

/// `POST /sign-in/code` (`code`, `next`).
pub(super) async fn second_factor(
    State(state): State<AppState>,
    visitor: Visitor,
    Posted(fields): Posted,
) -> Response {
    let tr = visitor.tr;
    let next = fields.get("next");
    match state.auth.second_factor(visitor.token(), fields.get("code"), visitor.address.as_deref()).await {
        Ok(signed_in) => after(&state, &signed_in, next),
        Err(AuthError::SessionInvalid) => session_ended(&state),
        Err(e) => {
            let errors = match e {
                AuthError::SecondFactorInvalid => FormErrors::field("code", auth_message(tr, &e)),
                _ => FormErrors::whole(auth_message(tr, &e)),
            };
            let page =
                SecondFactorPage { chrome: visitor.chrome(), errors, next: local_path(next).to_owned() };
            html(status_of(&e), &page)
        }
    }
}

/// Back to the sign-in page, the dead session's cookie dropped.
fn session_ended(state: &AppState) -> Response {
    redirect("/sign-in?notice=session-ended", &[clear_cookie(secure(&state.settings.public_url))])
}

/// `GET /sign-in/enrol`: the QR code and key of the pending setup (a new one if none).
pub(super) async fn enrolment_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<SignInQuery>,
) -> Response {
    let pending = match state.auth.pending_totp_enrolment(visitor.token()).await {
        Ok(Some(enrolment)) => Ok(enrolment),
        Ok(None) => state.auth.start_totp_enrolment(visitor.token()).await,
        Err(e) => Err(e),
    };
    match pending {
        Ok(enrolment) => {
            enrolment_form(&visitor, &enrolment, FormErrors::none(), &query.next, StatusCode::OK)
        }
        Err(e) => leave_enrolment(&state, &visitor, &e, &query.next),
    }
}

/// `POST /sign-in/enrol` (`code`, `next`): the first code from the app confirms the setup.
pub(super) async fn confirm_enrolment(
    State(state): State<AppState>,
    visitor: Visitor,
    Posted(fields): Posted,
) -> Response {
    let tr = visitor.tr;
    let next = fields.get("next");
    let confirmed = state
        .auth
        .confirm_totp_enrolment(visitor.token(), fields.get("code"), visitor.address.as_deref())
        .await;
    match confirmed {
        Ok(signed_in) => after(&state, &signed_in, next),
        Err(e @ (AuthError::SecondFactorInvalid | AuthError::TotpEnrolmentMissing)) => {
            // Show the same key again: the person already added it to their app.
            match state.auth.pending_totp_enrolment(visitor.token()).await {
                Ok(Some(enrolment)) => {
                    let errors = FormErrors::field("code", auth_message(tr, &e));
                    enrolment_form(&visitor, &enrolment, errors, next, status_of(&e))
                }
                Ok(None) => redirect(&with_next("/sign-in/enrol", local_path(next)), &[]),
                Err(other) => leave_enrolment(&state, &visitor, &other, next),
            }
        }
        Err(e) => leave_enrolment(&state, &visitor, &e, next),
    }
}

fn enrolment_form(
    visitor: &Visitor,
    enrolment: &Enrolment,
    errors: FormErrors,
    next: &str,
    status: StatusCode,
) -> Response {
    let page = EnrolPage {
        chrome: visitor.chrome(),
        errors,
        next: local_path(next).to_owned(),
        qr_svg: qr_svg(&enrolment.otpauth_uri, &visitor.tr.t("enrol-qr-caption")).unwrap_or_default(),
        secret_grouped: grouped(&enrolment.secret_base32),
    };
    html(status, &page)
}

/// Where someone who cannot set up a second factor now goes.
fn leave_enrolment(state: &AppState, visitor: &Visitor, e: &AuthError, next: &str) -> Response {
    match e {
        AuthError::SessionInvalid => session_ended(state),
        AuthError::SecondFactorRequired => redirect(&with_next("/sign-in/code", local_path(next)), &[]),
        AuthError::TotpAlreadyEnrolled => redirect(local_path(next), &[]),
        _ => {
            tracing::error!(error = %e, "cannot set up a second factor");
            server_error(visitor.tr)
        }
    }
}

/// `POST /sign-out`: ends this session and drops the cookie.
pub(super) async fn sign_out(State(state): State<AppState>, visitor: Visitor) -> Response {
    if let Err(e) = state.auth.sign_out(visitor.token(), visitor.address.as_deref()).await {
        tracing::error!(error = %e, "cannot sign out");
        return server_error(visitor.tr);
    }
    let cookie: HeaderValue = clear_cookie(secure(&state.settings.public_url));
    redirect("/sign-in?notice=signed-out", &[cookie])
}
