//! Serving the application on a listener until told to stop.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

/// Serves `app` on `listener`. When `shutdown` completes, stops accepting connections and lets
/// in-flight requests finish, for at most `grace`; then drops what is left.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let (stopping_tx, mut stopping) = tokio::sync::watch::channel(false);
    // With the peer's address, which the audit trail records for sign-ins.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = stopping_tx.send(true);
    });
    tokio::select! {
        result = server => result,
        () = async {
            let _ = stopping.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!("grace period over; closing the remaining connections");
            Ok(())
        }
    }
}
