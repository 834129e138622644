//! Operations endpoints: liveness, readiness, metrics.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(get_healthz))
        .route("/readyz", get(get_readyz))
        .route("/metrics", get(get_metrics))
}

/// GET /healthz — the process is up.
async fn get_healthz() -> &'static str {
    "ok\n"
}

/// GET /readyz — the database answers; a load balancer sends traffic only then.
async fn get_readyz(State(state): State<AppState>) -> Response {
    match state.fhir.store().ping().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// GET /metrics — Prometheus text exposition.
async fn get_metrics(State(state): State<AppState>) -> Response {
    let store = state.fhir.store();
    for pool in store.pool_stats() {
        let labels = [("engine", store.engine()), ("pool", pool.name)];
        metrics::gauge!("relais_db_pool_connections", &labels).set(f64::from(pool.size));
        metrics::gauge!("relais_db_pool_idle_connections", &labels).set(f64::from(pool.idle));
        metrics::gauge!("relais_db_pool_max_connections", &labels).set(f64::from(pool.max));
    }
    state.metrics.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render())
        .into_response()
}
