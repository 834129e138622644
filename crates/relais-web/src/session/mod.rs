//! Browser sign-in over HTTP: the `/auth/*` endpoints (JSON answers with stable error codes and
//! the field they concern; pages come with issue 5), the session cookie, CSRF protection for
//! everything a cookie authenticates, and [`session_account`] for other routes that accept a
//! signed-in person.
//!
//! The cookie is `HttpOnly`, `SameSite=Lax`, `Path=/`; when the public URL is https it is also
//! `Secure` and named `__Host-relais-session` (a name browsers accept only from a secure origin,
//! for the whole host, so no subdomain or plain-http page can set or shadow it).

mod csrf;
pub(crate) mod form;
mod handlers;
pub(crate) mod throttle;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::routing::{get, post};
use jiff::Timestamp;
use relais_app::auth::AuthError;

use crate::state::AppState;

pub(crate) use csrf::protect;
pub(crate) use handlers::refusal;

/// Cookie name over https.
const SECURE_NAME: &str = "__Host-relais-session";
/// Cookie name over plain http (development, a private network), where `__Host-` is refused.
const PLAIN_NAME: &str = "relais-session";

/// The `/auth/*` routes of signing in, CSRF-protected; full paths, so that other `/auth` routes
/// (the API's `/auth/token`) merge beside them.
pub(crate) fn routes(state: &AppState, throttle: &throttle::Throttle) -> Router<AppState> {
    // What takes a password, a code or an email is throttled per address (the same count as
    // the sign-in pages: one address gets N attempts a minute whichever way it tries).
    let guessable = Router::new()
        .route("/auth/sign-in", post(handlers::sign_in))
        .route("/auth/second-factor", post(handlers::second_factor))
        .route("/auth/password-reset", post(handlers::request_reset))
        .route("/auth/password-reset/complete", post(handlers::complete_reset))
        .route("/auth/totp/enrol/confirm", post(handlers::confirm_enrolment))
        .route_layer(axum::middleware::from_fn_with_state(throttle.clone(), throttle::limit));
    let router = Router::new()
        .route("/auth/session", get(handlers::current_session))
        .route("/auth/sign-out", post(handlers::sign_out))
        .route("/auth/sign-out-everywhere", post(handlers::sign_out_everywhere))
        .route("/auth/totp/enrol", post(handlers::start_enrolment))
        .merge(guessable);
    protect(router, &state.settings.public_url)
}

/// The account signed in with the request's session cookie: `None` without a cookie, or when
/// its session is over or has not passed its second factor. Marks the session as used.
///
/// # Errors
/// [`AuthError::Store`] when the sessions cannot be read.
pub(crate) async fn session_account(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<String>, AuthError> {
    let Some(token) = cookie_token(headers, secure(&state.settings.public_url)) else { return Ok(None) };
    match state.auth.signed_in_account(&token).await {
        Ok(account) => Ok(Some(account)),
        Err(AuthError::SessionInvalid | AuthError::SecondFactorRequired) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether cookies are marked `Secure` (the public URL is https).
pub(crate) fn secure(public_url: &str) -> bool {
    public_url.starts_with("https://")
}

fn cookie_name(secure: bool) -> &'static str {
    if secure { SECURE_NAME } else { PLAIN_NAME }
}

/// The session token from the `Cookie` headers, if one carries our cookie.
pub(crate) fn cookie_token(headers: &HeaderMap, secure: bool) -> Option<String> {
    cookie_value(headers, cookie_name(secure))
}

/// The value of the cookie `name` in the `Cookie` headers, if one is sent.
pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_owned())
}

/// `Set-Cookie` for a session token valid until `expires_at`.
pub(crate) fn set_cookie(
    token: &str,
    expires_at: Timestamp,
    now: Timestamp,
    secure: bool,
) -> Option<HeaderValue> {
    let max_age = expires_at.duration_since(now).as_secs().max(0);
    let flags = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{flags}",
        cookie_name(secure)
    ))
    .ok()
}

/// `Set-Cookie` that removes the session cookie.
pub(crate) fn clear_cookie(secure: bool) -> HeaderValue {
    let flags = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{flags}",
        cookie_name(secure)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("relais-session=; Path=/; Max-Age=0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_host_only_httponly_lax_and_secure_over_https() {
        let now: Timestamp = "2026-11-26T10:00:00Z".parse().unwrap();
        let later: Timestamp = "2026-11-26T22:00:00Z".parse().unwrap();
        let https = set_cookie("tok", later, now, true).unwrap();
        assert_eq!(https, "__Host-relais-session=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200; Secure");
        let http = set_cookie("tok", later, now, false).unwrap();
        assert_eq!(http, "relais-session=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200");
        assert_eq!(clear_cookie(false), "relais-session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    }

    #[test]
    fn the_token_is_read_from_any_cookie_header_by_its_exact_name() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("theme=dark; xrelais-session=wrong"));
        headers.append(header::COOKIE, HeaderValue::from_static("a=b; relais-session=right ; c=d"));
        assert_eq!(cookie_token(&headers, false).as_deref(), Some("right"));
        assert_eq!(cookie_token(&headers, true), None, "over https only the __Host- cookie counts");
        assert_eq!(cookie_token(&HeaderMap::new(), false), None);
    }
}
