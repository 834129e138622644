//! `relais serve`: open and migrate the database, then serve HTTP until SIGTERM or SIGINT,
//! letting in-flight requests finish.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use relais_access::access_token::TokenSigner;
use relais_app::Fhir;
use relais_app::access::Tokens;
use relais_core::{Clock, SystemClock, UuidV7Ids};
use relais_fhir::SchemaValidator;
use relais_web::{AppState, WebSettings};

use super::migrate::open_store;
use crate::logging;
use crate::settings::Settings;

/// Runs the server.
pub(crate) async fn serve(settings: Settings) -> anyhow::Result<()> {
    logging::init(&settings);
    tracing::info!(settings = ?settings, "starting");
    let store = open_store(&settings).await?;
    store.migrate().await.context("migrations failed")?;
    if store.engine() == "sqlite" {
        let blobs = settings.data_dir.join("blobs");
        std::fs::create_dir_all(&blobs).with_context(|| format!("cannot create {}", blobs.display()))?;
    }
    let schema = SchemaValidator::shared()?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let started = relais_fhir::meta::instant(clock.now());
    let search = relais_fhir::search::SearchParams::shared(schema.resource_types())?;
    let fhir = Fhir::new(store.clone(), schema.clone(), search.clone(), clock.clone(), Arc::new(UuidV7Ids));
    let secret = crate::secret::load_or_create(&settings)?;

    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .with_context(|| format!("cannot listen on {}", settings.bind))?;
    let address = listener.local_addr()?;
    let public_url = if settings.public_url.is_empty() {
        format!("http://{address}")
    } else {
        settings.public_url.trim_end_matches('/').to_owned()
    };
    let metrics = relais_web::install_metrics_recorder();
    let web = WebSettings {
        public_url: public_url.clone(),
        body_limit_bytes: settings.body_limit_bytes,
        request_timeout: Duration::from_secs(settings.request_timeout_secs),
    };
    let signer = TokenSigner::new(&secret, &public_url, &web.fhir_base());
    let lifetime = jiff::SignedDuration::from_secs(i64::try_from(settings.access_token_lifetime_secs)?);
    let tokens = Tokens::new(store.clone(), schema, search, clock, signer, lifetime);
    let app = relais_web::router(AppState::new(fhir, tokens, web, metrics.clone(), &started));

    let upkeep = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            metrics.run_upkeep();
        }
    });

    tracing::info!(engine = store.engine(), "listening on {public_url}");
    let grace = Duration::from_secs(settings.shutdown_grace_secs);
    relais_web::serve(listener, app, shutdown_signal(), grace).await.context("server failed")?;
    upkeep.abort();
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
