//! `relais serve`: open and migrate the database, then serve HTTP until SIGTERM or SIGINT,
//! letting in-flight requests finish.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use jiff::SignedDuration;
use relais_access::access_token::TokenSigner;
use relais_access::keys::Purpose;
use relais_app::Fhir;
use relais_app::access::Tokens;
use relais_app::auth::{Auth, AuthSettings};
use relais_app::mail::{Mailer, SmtpSecurity, SmtpSettings};
use relais_app::visits::{ConsentRule, VisitSettings, Visits};
use relais_core::{Clock, SystemClock, UuidV7Ids};
use relais_fhir::SchemaValidator;
use relais_web::{AppState, FluentMailTexts, WebSettings};

use super::migrate::open_store;
use crate::logging;
use crate::settings::{self, Settings};

/// Runs the server; with `demo`, fills an empty database with the demo world first.
pub(crate) async fn serve(settings: Settings, demo: bool) -> anyhow::Result<()> {
    logging::init(&settings);
    tracing::info!(settings = ?settings, "starting");
    let store = open_store(&settings).await?;
    store.migrate().await.context("migrations failed")?;
    if store.engine() == "sqlite" {
        let blobs = settings.data_dir.join("blobs");
        std::fs::create_dir_all(&blobs).with_context(|| format!("cannot create {}", blobs.display()))?;
    }
    // The clinicians' program files are checked before anything else starts: a server that
    // evaluated half of its programs would miss alerts without saying so.
    let programs_dir = settings.data_dir.join("programs");
    let programs = relais_app::monitoring::load_catalog(&programs_dir)
        .with_context(|| format!("the monitoring programs in {} are not valid", programs_dir.display()))?;
    tracing::info!(programs = programs.programs().count(), "monitoring programs loaded");
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
    let time_zone = jiff::tz::TimeZone::get(&settings.time_zone)
        .with_context(|| format!("unknown time zone {:?} (time_zone)", settings.time_zone))?;
    let web = WebSettings {
        public_url: public_url.clone(),
        time_zone,
        health_card_system: settings.health_card_system.clone(),
        body_limit_bytes: settings.body_limit_bytes,
        request_timeout: Duration::from_secs(settings.request_timeout_secs),
        sign_in_attempts_per_minute: settings.sign_in_attempts_per_minute,
    };
    let signer = TokenSigner::new(&secret, &public_url, &web.fhir_base());
    let lifetime = SignedDuration::from_secs(i64::try_from(settings.access_token_lifetime_secs)?);
    let tokens = Tokens::new(store.clone(), schema, search, clock.clone(), signer, lifetime);
    let sealing_key = secret.derive(Purpose::Sealing);
    let auth = Auth::new(
        store.clone(),
        clock.clone(),
        Arc::new(UuidV7Ids),
        auth_settings(&settings, &public_url),
        &sealing_key,
    );
    if demo {
        // Before listening: nobody signs in to a half-filled demo, and a refusal stops here.
        super::demo::fill_and_print(&fhir, &auth).await?;
    }
    let mailer = if settings.smtp_host.is_empty() {
        tracing::warn!("smtp_host is not set: email (password resets) stays in the outbox until it is");
        None
    } else {
        let mailer = Mailer::new(store.clone(), clock.clone(), &smtp_settings(&settings), &sealing_key)?;
        Some(mailer.spawn(auth.mail_queued(), Duration::from_secs(15)))
    };
    let visits = Visits::new(
        fhir.clone(),
        &sealing_key,
        Arc::new(FluentMailTexts),
        visit_settings(&settings, &web)?,
        auth.mail_queued(),
    );
    // Administrators change programs from /admin/programs: written where they were loaded from.
    let programs = relais_app::monitoring::Programs::new(Arc::new(programs), Some(programs_dir));
    let mut state = AppState::new(fhir, tokens, auth, visits, programs, web, metrics.clone(), &started);
    match start_video(&settings).await {
        Ok(sfu) => {
            tracing::info!(media = %sfu.media_address(), "video rooms on");
            state = state.with_video(sfu);
        }
        // The rest of the server is still useful without video: say so, and carry on.
        Err(e) => tracing::error!(error = %e, "video rooms are off"),
    }
    // Missing data and escalation happen on a timer, not only when a reading comes in.
    let scheduler = (settings.monitoring_tick_secs > 0)
        .then(|| state.monitoring.spawn_scheduler(Duration::from_secs(settings.monitoring_tick_secs)));
    // Devices' readings over MQTT, when a broker is configured; a bad setting stops the start.
    let mqtt = crate::mqtt::start(&settings, state.devices.clone())?;
    let app = relais_web::router(state);

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
    if let Some(scheduler) = scheduler {
        scheduler.abort();
    }
    if let Some(mqtt) = mqtt {
        mqtt.abort();
    }
    if let Some(mailer) = mailer {
        mailer.abort();
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The video SFU, from the `video_*` settings.
async fn start_video(settings: &Settings) -> anyhow::Result<relais_video::Sfu> {
    let public_ip = match settings.video_public_ip.trim() {
        "" => None,
        ip => Some(ip.parse().with_context(|| format!("video_public_ip {ip:?} is not an IP address"))?),
    };
    let ice_servers = relais_video::VideoConfig::ice_servers_from(
        &settings.video_ice_servers,
        &settings.video_turn_username,
        &settings.video_turn_credential,
    )
    .map_err(|url| anyhow::anyhow!("video_ice_servers: {url:?} is not a stun: or turn: URL"))?;
    let config = relais_video::VideoConfig {
        udp_bind: settings.video_udp_bind,
        public_ip,
        ice_servers,
        peer_timeout: std::time::Duration::from_secs(settings.video_peer_timeout_secs.max(1)),
        rejoin_window: std::time::Duration::from_secs(settings.video_rejoin_secs),
        simulcast: settings.video_simulcast,
        realtime_priority: (settings.video_realtime_priority > 0).then_some(settings.video_realtime_priority),
    };
    relais_video::Sfu::start(&config)
        .await
        .with_context(|| format!("cannot start video on {}", settings.video_udp_bind))
}

/// The sign-in settings.
fn auth_settings(settings: &Settings, public_url: &str) -> AuthSettings {
    let secs = |s: u64| SignedDuration::from_secs(i64::try_from(s).unwrap_or(i64::MAX));
    AuthSettings {
        lock_after_failures: settings.sign_in_lock_after,
        lock_for: secs(settings.sign_in_lock_secs),
        session_idle: secs(settings.session_idle_secs),
        session_absolute: secs(settings.session_absolute_secs),
        totp_required_for_staff: settings.totp_required_for_staff,
        reset_valid_for: secs(settings.password_reset_valid_secs),
        public_url: public_url.to_owned(),
        ..AuthSettings::default()
    }
}

/// The teleconsultation pathway's settings.
fn visit_settings(settings: &Settings, web: &WebSettings) -> anyhow::Result<VisitSettings> {
    // `Relais <relais@example.org>` → `relais@example.org`.
    let from = settings.smtp_from.trim();
    let organizer = match (from.rfind('<'), from.rfind('>')) {
        (Some(open), Some(close)) if open < close => &from[open + 1..close],
        _ => from,
    };
    if !organizer.contains('@') {
        anyhow::bail!("smtp_from {from:?} holds no email address");
    }
    Ok(VisitSettings {
        public_url: web.public_url.clone(),
        time_zone: web.time_zone.clone(),
        reminder_leads: settings
            .visit_reminder_minutes
            .iter()
            .map(|m| SignedDuration::from_mins(i64::from(*m)))
            .collect(),
        consent: ConsentRule {
            required_by_default: settings.telehealth_consent_required,
            services: settings.telehealth_consent_by_service.clone(),
        },
        consent_policy: settings.telehealth_consent_policy.clone(),
        organizer: organizer.to_owned(),
    })
}

/// Where outgoing email goes.
fn smtp_settings(settings: &Settings) -> SmtpSettings {
    let optional = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    SmtpSettings {
        host: settings.smtp_host.clone(),
        port: settings.smtp_port,
        from: settings.smtp_from.clone(),
        security: match settings.smtp_security {
            settings::SmtpSecurity::None => SmtpSecurity::None,
            settings::SmtpSecurity::Starttls => SmtpSecurity::StartTls,
            settings::SmtpSecurity::Tls => SmtpSecurity::Tls,
        },
        username: optional(&settings.smtp_username),
        password: optional(&settings.smtp_password),
    }
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
