//! What every handler can reach.

use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use relais_app::Fhir;
use relais_app::access::Tokens;
use relais_app::accounts::AccountAdmin;
use relais_app::auth::Auth;
use relais_app::devices::Devices;
use relais_app::invitations::Invitations;
use relais_app::monitoring::{Monitoring, Programs};
use relais_app::triage::Triage;
use relais_app::video::Video;
use relais_app::visits::{MailTexts, Visits};
use relais_video::Sfu;

/// Settings the web layer needs (a part of the server's `Settings`).
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The URL clients reach this server at, without a trailing slash (`http://127.0.0.1:8080`).
    pub public_url: String,
    /// The time zone pages show times in.
    pub time_zone: jiff::tz::TimeZone,
    /// The identifier system of the health card number pages show and search by.
    pub health_card_system: String,
    /// Largest request body accepted.
    pub body_limit_bytes: usize,
    /// Longest a request may take before it is answered 408.
    pub request_timeout: Duration,
    /// Sign-in, code and reset requests accepted per client address and minute (0: no limit).
    pub sign_in_attempts_per_minute: u32,
}

impl WebSettings {
    /// The FHIR base URL (`…/fhir`).
    pub fn fhir_base(&self) -> String {
        format!("{}/fhir", self.public_url)
    }
}

/// Shared application state: cheap to clone (one reference count), as axum clones it for every
/// request — cloning each use case's own handles showed in profiles (about 3 % of the server's
/// CPU under load).
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What every handler can reach through [`AppState`].
pub struct Services {
    pub fhir: Fhir,
    /// Access tokens: issued at `/auth/token`, checked on every FHIR request.
    pub tokens: Tokens,
    /// Signing in and sessions.
    pub auth: Auth,
    /// Invitation links.
    pub invitations: Invitations,
    /// Account administration (and a person's own language choice).
    pub accounts: AccountAdmin,
    /// Video visits: booking, invitations, the consent gate, the visit.
    pub visits: Visits,
    pub settings: Arc<WebSettings>,
    pub metrics: PrometheusHandle,
    /// Who may be in a video room, and its audit trail.
    pub video: Video,
    /// Home monitoring: readings in, the programs' rules, alerts out.
    pub monitoring: Monitoring,
    /// Home devices: their tokens and their readings in (HTTP and MQTT).
    pub devices: Devices,
    /// The nurse's triage of home-monitoring alerts.
    pub triage: Triage,
    /// The video SFU; `None` when video is off (see [`AppState::with_video`]).
    pub sfu: Option<Sfu>,
    /// The CapabilityStatement, serialised once at start.
    pub capability: Arc<str>,
}

impl AppState {
    /// State for `fhir`, `tokens` and `auth`, building the CapabilityStatement from what the
    /// server supports; home monitoring follows the programs of `programs`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        fhir: Fhir,
        tokens: Tokens,
        auth: Auth,
        visits: Visits,
        programs: Programs,
        settings: WebSettings,
        metrics: PrometheusHandle,
        started: &str,
    ) -> Self {
        let base = settings.fhir_base();
        let statement = relais_fhir::capability::capability_statement(
            fhir.schema().resource_types(),
            fhir.search_params(),
            &relais_fhir::capability::ServerFacts {
                base_url: &base,
                software_version: env!("CARGO_PKG_VERSION"),
                date: started,
            },
        );
        let invitations = Invitations::new(
            fhir.store().clone(),
            fhir.clock().clone(),
            fhir.ids().clone(),
            &settings.public_url,
        );
        let accounts = AccountAdmin::new(
            fhir.store().clone(),
            fhir.clock().clone(),
            fhir.ids().clone(),
            fhir.audit_writer().clone(),
        );
        let video = Video::new(
            fhir.audit_writer().clone(),
            invitations.clone(),
            fhir.clock().clone(),
            fhir.ids().clone(),
        );
        // Triage lists the programs' rule systems: a change from the programs page never adds
        // or removes a program, so the catalog of the start is enough.
        let triage = Triage::new(fhir.clone(), programs.current());
        // Enrolment invitations go through the visits' outbox: the same key, texts and sender.
        let monitoring = Monitoring::new(fhir.clone(), programs).with_outbox(visits.outbox());
        let devices = Devices::new(fhir.clone(), monitoring.clone());
        Self(Arc::new(Services {
            video,
            devices,
            triage,
            monitoring,
            sfu: None,
            invitations,
            visits,
            accounts,
            fhir,
            tokens,
            auth,
            settings: Arc::new(settings),
            metrics,
            capability: Arc::from(statement.to_string()),
        }))
    }
}

/// The emails' texts, from the same Fluent files as the pages.
#[derive(Debug, Clone, Copy, Default)]
pub struct FluentMailTexts;

impl MailTexts for FluentMailTexts {
    fn text(&self, locale: &str, key: &str, args: &[(&str, &str)]) -> String {
        let locale = relais_views::Locale::from_code(locale).unwrap_or_default();
        relais_views::Tr::new(locale).t_with(key, args)
    }
}

impl AppState {
    /// This state with video rooms carried by `sfu`. Call it before handing the state out.
    #[must_use]
    pub fn with_video(mut self, sfu: Sfu) -> Self {
        if let Some(services) = Arc::get_mut(&mut self.0) {
            services.sfu = Some(sfu);
        } else {
            tracing::error!("video enabled after the state was shared; video stays off");
        }
        self
    }
}
