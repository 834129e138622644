//! The layers every request passes through, outermost first: request id, panic catcher, log
//! span, metrics, timeout, body limit, security headers.

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use relais_fhir::{Issue, IssueType};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::outcome_response;
use crate::metrics;

/// Request ids are UUIDv7 unless the caller (a proxy) sent one.
#[derive(Clone, Copy, Default)]
struct NewRequestId;

impl MakeRequestId for NewRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&uuid::Uuid::now_v7().to_string()).ok().map(RequestId::new)
    }
}

fn request_span(request: &Request) -> tracing::Span {
    let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
    // The path only: a query string may carry search terms such as a patient's name.
    tracing::info_span!("request", request_id = %id, method = %request.method(), path = %loggable_path(request.uri().path()))
}

/// The path as logged: an invitation link's token (`/i/{token}`) opens the invitation, so it is
/// replaced by `…`.
fn loggable_path(path: &str) -> &str {
    if path.starts_with("/i/") { "/i/…" } else { path }
}

const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    (
        "content-security-policy",
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("permissions-policy", "camera=(self), microphone=(self), display-capture=(self), geolocation=()"),
    // Health data must not linger in shared caches or the browser's back/forward cache.
    ("cache-control", "no-store"),
];

/// The timeout layer answers a bare 408; say what happened, as every other error does.
async fn explain_timeout(response: Response) -> Response {
    if response.status() != StatusCode::REQUEST_TIMEOUT
        || response.headers().contains_key(header::CONTENT_TYPE)
    {
        return response;
    }
    outcome_response(
        StatusCode::REQUEST_TIMEOUT,
        &[Issue::error(
            IssueType::Timeout,
            "request-timeout",
            "The request took too long and was abandoned. A write may still have been applied: read the resource before retrying",
        )],
    )
}

/// Wraps `app` in every layer.
pub(crate) fn wrap(app: Router, body_limit: usize, timeout: Duration) -> Router {
    let mut app = app
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(NewRequestId))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(CatchPanicLayer::custom(panic_outcome))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_request(())
                        .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
                )
                .layer(axum::middleware::from_fn(metrics::track))
                .layer(axum::middleware::map_response(explain_timeout))
                .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout)),
        )
        .layer(SetResponseHeaderLayer::if_not_present(header::SERVER, HeaderValue::from_static("relais")));
    // Outermost, so that timeouts and caught panics carry them too.
    for (name, value) in SECURITY_HEADERS {
        app = app.layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    app
}

/// A panic in a handler is a server fault: logged, and answered like any other.
fn panic_outcome(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("request handler panicked");
    outcome_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        &[Issue::error(
            IssueType::Exception,
            "internal-error",
            "The server could not complete the request. Quote the X-Request-Id header when reporting it",
        )],
    )
}
