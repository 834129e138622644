//! CSRF protection for requests a cookie authenticates: tower-http's `CsrfLayer` (the
//! `Sec-Fetch-Site` / `Origin` check of Go 1.25, no token state), answering a refusal as
//! `403 {"error": "csrf-rejected"}`. A request carrying `Authorization: Bearer` is not
//! authenticated by a cookie (the FHIR API, `/auth/token`) and is not checked: a browser never
//! adds that header to a cross-site request on its own.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tower::{Layer, ServiceExt};
use tower_http::csrf::{CsrfLayer, ProtectionError};

use super::handlers::refusal;

/// Wraps `router` in the check. The public URL's origin is trusted as well, for a reverse proxy
/// that rewrites `Host`.
pub(crate) fn protect<S: Clone + Send + Sync + 'static>(router: Router<S>, public_url: &str) -> Router<S> {
    let origin = public_url.trim_end_matches('/');
    let layer = CsrfLayer::new();
    let layer = match layer.clone().add_trusted_origin(origin) {
        Ok(with_origin) => with_origin,
        Err(e) => {
            tracing::warn!(error = %e, "the public URL is not an origin; CSRF checks compare Origin with Host only");
            layer
        }
    };
    // On the matched routes only: an unknown path stays a plain 404.
    router.route_layer(axum::middleware::from_fn_with_state(layer, guard))
}

async fn guard(State(csrf): State<CsrfLayer>, request: Request, next: Next) -> Response {
    if is_bearer(&request) {
        return next.run(request).await;
    }
    let response = match csrf.layer(next).oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if response.extensions().get::<ProtectionError>().is_some() {
        return refusal(StatusCode::FORBIDDEN, "csrf-rejected", None);
    }
    response
}

fn is_bearer(request: &Request) -> bool {
    request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.get(..7))
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("bearer "))
}
