//! Authentication at the HTTP edge: the OAuth2 token endpoint, the SMART discovery document, and
//! the extractor that turns a request's credentials into the [`relais_app::access::Caller`] every
//! FHIR use case takes. No FHIR interaction runs without one: a request without valid credentials
//! is answered 401 before any handler reads anything.

mod caller;
mod token;

pub(crate) use caller::{Authenticated, PeerAddress};

use axum::Router;
use axum::routing::post;

use crate::state::AppState;

/// The token endpoint, `/auth/token` (the sign-in routes beside it are `session`'s).
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/auth/token", post(token::post_token))
}

pub(crate) use token::get_smart_configuration;
