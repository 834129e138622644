//! The server's configuration: one struct, layered defaults → `relais.toml` → `RELAIS_*`
//! environment → command-line flags. An unknown key anywhere is an error that names it.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

mod example;
pub use example::example_file;

/// Every setting of a Relais server. See `relais config example` for the documented file.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Folder for the SQLite database and the blob store; created on first start.
    pub data_dir: PathBuf,
    /// `sqlite://path/file.db` or `postgres://user@host/db`; empty means SQLite in `data_dir`.
    pub database_url: String,
    /// Address and port to listen on.
    pub bind: SocketAddr,
    /// The URL clients reach this server at (used in Location headers and links); empty means
    /// `http://` + the bound address.
    pub public_url: String,
    /// The time zone pages show times in (IANA name, e.g. `America/Toronto`).
    pub time_zone: String,
    /// The identifier system of the health card number (RAMQ in Quebec) that pages show and
    /// search patients by.
    pub health_card_system: String,
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// Log filter, e.g. `info` or `relais_web=debug,info`.
    pub log_level: String,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Longest a request may run before it is answered 408, in seconds.
    pub request_timeout_secs: u64,
    /// After SIGTERM/SIGINT, how long in-flight requests get to finish, in seconds.
    pub shutdown_grace_secs: u64,
    /// How often the monitoring scheduler runs (missing data, escalation), in seconds; 0: never.
    pub monitoring_tick_secs: u64,
    /// Database connections (PostgreSQL), or SQLite reader connections.
    pub db_max_connections: u32,
    /// SQLite durability: `normal` survives a killed process, `full` also a power cut.
    pub sqlite_durability: Durability,
    /// The server secret (base64 of 32 bytes) from which token-signing and encryption keys are
    /// derived; empty means the file `secret.key` in `data_dir`, created on first start. Every
    /// node of a cluster needs the same one.
    pub secret_key: String,
    /// How long an access token from `/auth/token` lasts, in seconds.
    pub access_token_lifetime_secs: u64,
    /// A session unused this long is over, in seconds.
    pub session_idle_secs: u64,
    /// A session is over this long after sign-in, used or not, in seconds.
    pub session_absolute_secs: u64,
    /// Consecutive sign-in failures (password or code) that lock an account.
    pub sign_in_lock_after: u32,
    /// How long a lock lasts, in seconds.
    pub sign_in_lock_secs: u64,
    /// Sign-in, code and reset requests accepted per client address and minute (0: no limit).
    pub sign_in_attempts_per_minute: u32,
    /// How long an emailed password reset link works, in seconds.
    pub password_reset_valid_secs: u64,
    /// Whether staff must set up a TOTP second factor before doing anything.
    pub totp_required_for_staff: bool,
    /// SMTP relay for outgoing email; empty: nothing is sent (messages wait in the outbox).
    pub smtp_host: String,
    pub smtp_port: u16,
    /// `none`, `starttls` or `tls`.
    pub smtp_security: SmtpSecurity,
    /// Sender address of outgoing email.
    pub smtp_from: String,
    /// SMTP login; empty: none.
    pub smtp_username: String,
    /// SMTP password (redacted in logs).
    pub smtp_password: String,
    /// Minutes before a video visit each reminder email goes (e.g. 24 h and 1 h).
    pub visit_reminder_minutes: Vec<u32>,
    /// Whether a video visit needs the patient's telehealth consent, for a service not named in
    /// `telehealth_consent_by_service`.
    pub telehealth_consent_required: bool,
    /// Per service code (`teleconsultation`, …): whether its video visits need the consent.
    pub telehealth_consent_by_service: BTreeMap<String, bool>,
    /// The URI naming the telehealth information text in force: a consent given on another
    /// version must be asked again.
    pub telehealth_consent_policy: String,
    /// UDP address the video SFU receives media on (port 0: any free port).
    pub video_udp_bind: SocketAddr,
    /// The address browsers send media to, when not the bound one (NAT, `0.0.0.0`); empty: none.
    pub video_public_ip: String,
    /// STUN/TURN server URLs handed to browsers, comma-separated; empty: none.
    pub video_ice_servers: String,
    /// Username for the TURN servers; empty: none.
    pub video_turn_username: String,
    /// Credential for the TURN servers (redacted in logs).
    pub video_turn_credential: String,
    /// Seconds a browser's media may stay unreachable before it leaves its room.
    pub video_peer_timeout_secs: u64,
    /// Seconds a rejoin ticket lets a dropped browser back into its room without the lobby.
    pub video_rejoin_secs: u64,
    /// Whether browsers send their camera as simulcast layers (each receiver gets the best its
    /// connection takes) or as one stream.
    pub video_simulcast: bool,
    /// The SFU thread's real-time FIFO priority (1–99); 0: the normal policy.
    pub video_realtime_priority: u8,
    /// The MQTT broker devices publish readings to (`mqtt://host:1883`, `mqtts://host:8883`);
    /// empty: no MQTT.
    pub mqtt_url: String,
    /// Topics are `{prefix}/{device}/readings`.
    pub mqtt_topic_prefix: String,
    /// Broker login; empty: none.
    pub mqtt_username: String,
    /// Broker password (redacted in logs).
    pub mqtt_password: String,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    None,
    Starttls,
    Tls,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// SQLite durability level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    Normal,
    Full,
}

/// The telehealth information text until the privacy officer publishes theirs (domain.md §10.3:
/// the legal wording is theirs to give).
pub const DEFAULT_CONSENT_POLICY: &str = "https://relais.invalid/consent/telehealth/v1";

/// The Quebec health card (RAMQ) number's identifier system, as the Canadian FHIR baseline
/// names it. Not confirmed for Quebec (domain.md §1.1): a setting, so a network can change it.
pub const DEFAULT_HEALTH_CARD_SYSTEM: &str =
    "https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id";

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./relais-data"),
            database_url: String::new(),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: String::new(),
            time_zone: "America/Toronto".to_owned(),
            health_card_system: DEFAULT_HEALTH_CARD_SYSTEM.to_owned(),
            log_format: LogFormat::Text,
            log_level: "info".to_owned(),
            body_limit_bytes: 10 * 1024 * 1024,
            request_timeout_secs: 30,
            shutdown_grace_secs: 30,
            monitoring_tick_secs: 60,
            db_max_connections: 16,
            sqlite_durability: Durability::Normal,
            secret_key: String::new(),
            access_token_lifetime_secs: 300,
            session_idle_secs: 30 * 60,
            session_absolute_secs: 12 * 3600,
            sign_in_lock_after: 5,
            sign_in_lock_secs: 15 * 60,
            sign_in_attempts_per_minute: 30,
            password_reset_valid_secs: 30 * 60,
            totp_required_for_staff: true,
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_security: SmtpSecurity::Starttls,
            smtp_from: "Relais <relais@localhost>".to_owned(),
            smtp_username: String::new(),
            smtp_password: String::new(),
            visit_reminder_minutes: vec![24 * 60, 60],
            telehealth_consent_required: true,
            telehealth_consent_by_service: BTreeMap::new(),
            telehealth_consent_policy: DEFAULT_CONSENT_POLICY.to_owned(),
            video_udp_bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            video_public_ip: String::new(),
            video_ice_servers: String::new(),
            video_turn_username: String::new(),
            video_turn_credential: String::new(),
            video_peer_timeout_secs: 15,
            video_rejoin_secs: 60,
            video_simulcast: true,
            video_realtime_priority: 0,
            mqtt_url: String::new(),
            mqtt_topic_prefix: "relais/devices".to_owned(),
            mqtt_username: String::new(),
            mqtt_password: String::new(),
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("public_url", &self.public_url)
            .field("time_zone", &self.time_zone)
            .field("health_card_system", &self.health_card_system)
            .field("log_format", &self.log_format)
            .field("log_level", &self.log_level)
            .field("body_limit_bytes", &self.body_limit_bytes)
            .field("request_timeout_secs", &self.request_timeout_secs)
            .field("shutdown_grace_secs", &self.shutdown_grace_secs)
            .field("monitoring_tick_secs", &self.monitoring_tick_secs)
            .field("db_max_connections", &self.db_max_connections)
            .field("sqlite_durability", &self.sqlite_durability)
            .field("secret_key", &masked(&self.secret_key))
            .field("access_token_lifetime_secs", &self.access_token_lifetime_secs)
            .field("session_idle_secs", &self.session_idle_secs)
            .field("session_absolute_secs", &self.session_absolute_secs)
            .field("sign_in_lock_after", &self.sign_in_lock_after)
            .field("sign_in_lock_secs", &self.sign_in_lock_secs)
            .field("sign_in_attempts_per_minute", &self.sign_in_attempts_per_minute)
            .field("password_reset_valid_secs", &self.password_reset_valid_secs)
            .field("totp_required_for_staff", &self.totp_required_for_staff)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_security", &self.smtp_security)
            .field("smtp_from", &self.smtp_from)
            .field("smtp_username", &self.smtp_username)
            .field("smtp_password", &masked(&self.smtp_password))
            .field("visit_reminder_minutes", &self.visit_reminder_minutes)
            .field("telehealth_consent_required", &self.telehealth_consent_required)
            .field("telehealth_consent_by_service", &self.telehealth_consent_by_service)
            .field("telehealth_consent_policy", &self.telehealth_consent_policy)
            .field("video_udp_bind", &self.video_udp_bind)
            .field("video_public_ip", &self.video_public_ip)
            .field("video_ice_servers", &self.video_ice_servers)
            .field("video_turn_username", &self.video_turn_username)
            .field("video_turn_credential", &masked(&self.video_turn_credential))
            .field("video_peer_timeout_secs", &self.video_peer_timeout_secs)
            .field("video_rejoin_secs", &self.video_rejoin_secs)
            .field("video_simulcast", &self.video_simulcast)
            .field("video_realtime_priority", &self.video_realtime_priority)
            .field("mqtt_url", &redact_url(&self.mqtt_url))
            .field("mqtt_topic_prefix", &self.mqtt_topic_prefix)
            .field("mqtt_username", &self.mqtt_username)
            .field("mqtt_password", &masked(&self.mqtt_password))
            .finish()
    }
}

/// A secret as the log shows it: whether it is set, never what it is.
fn masked(secret: &str) -> &'static str {
    if secret.is_empty() { "" } else { "***" }
}

/// The URL with any password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let base = match base.split_once("://") {
        // The password may itself contain '@': the host starts after the last one.
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
                None => base.to_owned(),
            },
            None => base.to_owned(),
        },
        None => base.to_owned(),
    };
    match query {
        None => base,
        Some(query) => {
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{base}?{}", pairs.join("&"))
        }
    }
}

impl Settings {
    /// Loads the layers. `file` is `relais.toml` unless `--config` named another; a missing
    /// default file is fine, a missing named one is an error.
    pub fn load(file: Option<&Path>, flags: Figment) -> Result<Settings, Box<figment::Error>> {
        let toml = match file {
            Some(path) => {
                if !path.exists() {
                    return Err(Box::new(figment::Error::from(format!(
                        "configuration file {} does not exist",
                        path.display()
                    ))));
                }
                Toml::file_exact(path)
            }
            None => Toml::file_exact("relais.toml"),
        };
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if file.is_some() || Path::new("relais.toml").exists() {
            figment = figment.merge(toml);
        }
        figment.merge(Env::prefixed("RELAIS_").ignore(&["config"])).merge(flags).extract().map_err(Box::new)
    }

    /// The database URL, defaulting to SQLite in the data folder.
    pub fn effective_database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("relais.db").display())
        } else {
            self.database_url.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags() -> Figment {
        Figment::new()
    }

    #[test]
    fn example_file_documents_every_key_and_parses_to_the_defaults() {
        let example = example_file();
        let parsed: Settings = Figment::from(Toml::string(&example)).extract().unwrap();
        assert_eq!(parsed, Settings::default());
        let keys = serde_json::to_value(Settings::default()).unwrap();
        for key in keys.as_object().unwrap().keys() {
            assert!(example.contains(&format!("\n{key} = ")), "{key} missing from the example");
        }
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string("colour = \"blue\""))
            .extract::<Settings>()
            .unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }

    #[test]
    fn passwords_are_redacted_in_debug() {
        let s = Settings {
            database_url: "postgres://relais:s3cret@db:5432/relais".into(),
            ..Settings::default()
        };
        let shown = format!("{s:?}");
        assert!(!shown.contains("s3cret") && shown.contains("relais:***@db"), "{shown}");
        let with_key = Settings { secret_key: "c2VjcmV0LWtleS1zZWNyZXQta2V5LXNlY3JldC1rZXk=".into(), ..s };
        assert!(!format!("{with_key:?}").contains("c2VjcmV0"), "the server secret never shows");
        let smtp = Settings { smtp_password: "m41lpass".into(), ..Settings::default() };
        assert!(!format!("{smtp:?}").contains("m41lpass"));
        let turn = Settings { video_turn_credential: "turnp4ss".into(), ..Settings::default() };
        assert!(!format!("{turn:?}").contains("turnp4ss"));
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
        assert_eq!(redact_url("postgres://relais:p@ss@db/relais"), "postgres://relais:***@db/relais");
        assert_eq!(
            redact_url("postgres://db/relais?user=u&password=secret"),
            "postgres://db/relais?user=u&password=***"
        );
    }

    #[test]
    fn sqlite_in_the_data_folder_by_default() {
        let s = Settings::load(None, flags()).unwrap();
        assert!(s.effective_database_url().ends_with("relais-data/relais.db"));
    }
}
