//! The HTTP surface of Relais (axum): the pages people use (sign-in, home, portal; `pages`),
//! the FHIR REST API under `/fhir`, signing in and the OAuth2 token endpoint under `/auth`, break-the-glass under `/api`, health and readiness, Prometheus metrics, and the
//! middleware every response goes through (request ids, logs, security headers, body limit,
//! timeouts).
//!
//! Only this crate knows HTTP. A handler parses the request, calls one use case in relais-app
//! and maps the result; it holds no rule of its own.

mod api;
mod auth;
mod devices;
mod error;
mod fhir;
mod invitations;
mod me;
mod metrics;
mod middleware;
mod ops;
mod pages;
mod server;
mod session;
mod state;

pub use devices::count as count_device_readings;
pub use metrics::install_metrics_recorder;
pub use server::serve;
pub use state::{AppState, FluentMailTexts, Services, WebSettings};

use axum::Router;

/// The whole application.
pub fn router(state: AppState) -> Router {
    let limit = state.settings.body_limit_bytes;
    let timeout = state.settings.request_timeout;
    // One count of attempts per address for the sign-in endpoints and pages together.
    let throttle = session::throttle::Throttle::new(state.settings.sign_in_attempts_per_minute);
    let sign_in = session::routes(&state, &throttle);
    let pages = pages::routes(&state, &throttle);
    let api = api::routes(&state);
    let public_url = state.settings.public_url.clone();
    let app = Router::new()
        .merge(ops::routes())
        .merge(auth::routes())
        .merge(me::routes())
        .merge(sign_in)
        .merge(pages)
        .merge(api)
        .merge(devices::routes())
        .merge(invitations::routes(&public_url))
        // A signed-in person's browser reaches the FHIR API with its cookie: the same CSRF check
        // as the sign-in routes (bearer-token requests are exempt).
        .nest("/fhir", session::protect(fhir::routes(), &public_url))
        .fallback(pages::not_found)
        .with_state(state);
    middleware::wrap(app, limit, timeout)
}
