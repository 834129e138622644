//! `Authenticated`: the caller of a FHIR request, from its `Authorization: Bearer` token or, from
//! a browser, the session cookie of a signed-in person (whose second factor is done).
//!
//! Missing or unusable credentials are answered `401` with an OperationOutcome and a
//! `WWW-Authenticate` challenge (RFC 6750 §3): `invalid_request` for a malformed header,
//! `invalid_token` for a token this server did not sign, or that lapsed.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use relais_app::access::{BearerError, Caller};
use relais_fhir::{Issue, IssueType};

use crate::error::outcome_response;
use crate::state::AppState;

/// The address the request came from, when the server knows it (always, when served by
/// [`crate::serve`]; not in a test that calls the router directly).
pub(crate) struct PeerAddress(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for PeerAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PeerAddress(peer_address(parts)))
    }
}

fn peer_address(parts: &Parts) -> Option<String> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string())
}

/// The authenticated caller of a request.
pub(crate) struct Authenticated(pub Caller);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let address = peer_address(parts);
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            // No token: a person signed in with a session cookie (a browser), or nobody.
            let signed_in = match crate::session::session_account(state, &parts.headers).await {
                Ok(Some(account)) => state.tokens.signed_in(&account).await.map(Some),
                Ok(None) => Ok(None),
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the session");
                    return Err(unavailable());
                }
            };
            return match signed_in {
                Ok(Some(principal)) => Ok(Authenticated(Caller { principal, address, purpose: None })),
                Ok(None) | Err(BearerError::Invalid | BearerError::Expired) => {
                    Err(challenge(None, "authentication-required", "Sign in, or present an access token"))
                }
                Err(BearerError::Store(e)) => {
                    tracing::error!(error = %e, "cannot read the signed-in account");
                    Err(unavailable())
                }
            };
        };
        let Some(token) = bearer_token(value) else {
            return Err(challenge(
                Some("invalid_request"),
                "invalid-authorization",
                "The Authorization header must be: Bearer <access token>",
            ));
        };
        match state.tokens.principal(token).await {
            Ok(principal) => Ok(Authenticated(Caller { principal, address, purpose: None })),
            Err(BearerError::Expired) => Err(challenge(
                Some("invalid_token"),
                "expired-token",
                "The access token has expired: request a new one",
            )),
            Err(BearerError::Invalid) => {
                Err(challenge(Some("invalid_token"), "invalid-token", "The access token is not valid"))
            }
            Err(BearerError::Store(e)) => {
                tracing::error!(error = %e, "cannot check the access token");
                Err(unavailable())
            }
        }
    }
}

/// The token of an `Authorization: Bearer …` header (the scheme is case-insensitive).
fn bearer_token(value: &HeaderValue) -> Option<&str> {
    let text = value.to_str().ok()?;
    let (scheme, token) = text.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn unavailable() -> Response {
    outcome_response(
        StatusCode::SERVICE_UNAVAILABLE,
        &[Issue::error(IssueType::Exception, "store-unavailable", "The server cannot check credentials now")],
    )
}

/// A 401 with the RFC 6750 challenge.
fn challenge(error: Option<&str>, code: &'static str, text: &'static str) -> Response {
    let mut response =
        outcome_response(StatusCode::UNAUTHORIZED, &[Issue::error(IssueType::Login, code, text)]);
    let value = match error {
        Some(error) => format!("Bearer realm=\"relais\", error=\"{error}\""),
        None => "Bearer realm=\"relais\"".to_owned(),
    };
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_bearer_scheme_in_any_case_and_nothing_else() {
        let token = |v: &'static str| bearer_token(&HeaderValue::from_static(v)).map(str::to_owned);
        assert_eq!(token("Bearer abc.def").as_deref(), Some("abc.def"));
        assert_eq!(token("bearer  abc ").as_deref(), Some("abc"));
        assert_eq!(token("Basic dXNlcjpwdw=="), None);
        assert_eq!(token("Bearer "), None);
        assert_eq!(token("Bearerabc"), None);
    }
}
