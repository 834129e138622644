//! The commented example `relais.toml` (`relais config example`): every setting with what it
//! does, at its default.

use super::Settings;

/// Every key with its documentation, in the order of the example file.
const DOCS: &[(&str, &str)] = &[
    ("data_dir", "Folder for the SQLite database and the blob store; created on first start."),
    (
        "database_url",
        "sqlite://path/file.db or postgres://user:password@host:5432/db. Empty: SQLite in data_dir.",
    ),
    ("bind", "Address and port to listen on."),
    (
        "public_url",
        "The URL clients reach this server at, for Location headers and links. Empty: http:// + bind.",
    ),
    (
        "time_zone",
        "The time zone pages show times in, as an IANA name (\"America/Toronto\"). Times are stored in UTC.",
    ),
    (
        "health_card_system",
        "Identifier system of the health card number (RAMQ) shown in the chart and searched by at /patients.",
    ),
    ("log_format", "Log lines as \"text\" or \"json\"; every line of a request carries its request_id."),
    (
        "log_level",
        "Log filter, e.g. \"info\" or \"relais_web=debug,info\". Personal health information is never logged.",
    ),
    ("body_limit_bytes", "Largest request body accepted, in bytes (larger ones are refused with 413)."),
    ("request_timeout_secs", "Longest a request may run before it is answered 408, in seconds."),
    (
        "shutdown_grace_secs",
        "After SIGTERM or SIGINT, how long in-flight requests get to finish, in seconds.",
    ),
    (
        "monitoring_tick_secs",
        "How often home monitoring looks for missing readings and escalates unacknowledged alerts, in seconds (0: never).",
    ),
    (
        "db_max_connections",
        "Connections to PostgreSQL, or SQLite reader connections (SQLite always has one writer).",
    ),
    (
        "sqlite_durability",
        "\"normal\": a write answered 2xx survives the process being killed. \"full\": also a power cut (slower writes).",
    ),
    (
        "secret_key",
        "The server secret, base64 of 32 bytes (RELAIS_SECRET_KEY). Empty: data_dir/secret.key, made on first start. Same on every node.",
    ),
    (
        "access_token_lifetime_secs",
        "How long an access token issued at /auth/token lasts, in seconds. Tokens cannot be revoked: keep it short.",
    ),
    ("session_idle_secs", "A signed-in session unused this long is over, in seconds."),
    ("session_absolute_secs", "A session is over this long after sign-in, used or not, in seconds."),
    (
        "sign_in_lock_after",
        "Consecutive sign-in failures (wrong password or code) that lock an account for a while.",
    ),
    ("sign_in_lock_secs", "How long such a lock lasts, in seconds."),
    (
        "sign_in_attempts_per_minute",
        "Sign-in, code and password-reset requests accepted per client address and minute; then 429 (0: no limit).",
    ),
    ("password_reset_valid_secs", "How long an emailed password reset link works (once), in seconds."),
    (
        "totp_required_for_staff",
        "Staff (every role but patient and caregiver) must set up a TOTP second factor before anything else.",
    ),
    (
        "smtp_host",
        "SMTP relay for outgoing email (password resets). Empty: nothing is sent; messages wait in the outbox.",
    ),
    ("smtp_port", "SMTP port (587 for STARTTLS, 465 for TLS, 25 for a local relay)."),
    (
        "smtp_security",
        "\"starttls\" (required), \"tls\" (from the first byte) or \"none\" (a relay on this machine only).",
    ),
    ("smtp_from", "Sender of outgoing email, e.g. \"Relais <relais@example.org>\"."),
    ("smtp_username", "SMTP login, if the relay asks for one. Empty: none."),
    ("smtp_password", "SMTP password (never logged). Prefer RELAIS_SMTP_PASSWORD over this file."),
    (
        "visit_reminder_minutes",
        "Minutes before a video visit each reminder email is sent (empty: no reminders).",
    ),
    (
        "telehealth_consent_required",
        "Whether a video visit needs the patient's telehealth consent, for services not listed below.",
    ),
    (
        "telehealth_consent_by_service",
        "Per service code, whether its video visits need the consent, e.g. { teleconsultation = true, court = false }.",
    ),
    (
        "telehealth_consent_policy",
        "URI of the telehealth information text in force; a consent given on another version is asked again.",
    ),
    (
        "video_udp_bind",
        "UDP address the video SFU receives media on. Port 0: any free port; open a fixed one (e.g. 0.0.0.0:3478) in production.",
    ),
    (
        "video_public_ip",
        "The IP address browsers send media to, when it is not the bound one (NAT, or a 0.0.0.0 bind). Empty: the bound one.",
    ),
    (
        "video_ice_servers",
        "STUN/TURN URLs handed to browsers, comma-separated (\"stun:stun.example.org:3478, turns:turn.example.org:443\"). Empty: none.",
    ),
    ("video_turn_username", "Username for the TURN servers (coturn). Empty: none."),
    (
        "video_turn_credential",
        "Credential for the TURN servers (never logged). Prefer RELAIS_VIDEO_TURN_CREDENTIAL.",
    ),
    (
        "video_peer_timeout_secs",
        "Seconds a participant's media may stay unreachable (a network blip) before they leave the room and their tile goes.",
    ),
    (
        "video_rejoin_secs",
        "Seconds during which a participant whose connection dropped comes back into the room without waiting in the lobby.",
    ),
    (
        "video_simulcast",
        "Browsers send their camera twice (small and full size) and each receiver gets what its connection takes. false: one stream each (less of the senders' CPU and upload; small rooms of good connections).",
    ),
    (
        "video_realtime_priority",
        "1-99: the thread that forwards media runs on the kernel's real-time FIFO policy at this priority, so a busy machine never preempts it in the middle of a frame (needs CAP_SYS_NICE or systemd's LimitRTPRIO; refused: a warning, and the normal policy). 0: the normal policy.",
    ),
    (
        "mqtt_url",
        "MQTT broker home devices publish to (mqtt://host:1883 or mqtts://host:8883). Empty: no MQTT.",
    ),
    (
        "mqtt_topic_prefix",
        "Device topics are {prefix}/{device}/readings; Relais subscribes to {prefix}/+/readings.",
    ),
    ("mqtt_username", "MQTT broker login. Empty: none."),
    ("mqtt_password", "MQTT broker password (never logged). Prefer RELAIS_MQTT_PASSWORD."),
];

/// A commented `relais.toml` holding every setting at its default.
pub fn example_file() -> String {
    let defaults = serde_json::to_value(Settings::default()).unwrap_or_default();
    let mut out = String::from(
        "# relais.toml — Relais server configuration.\n\
         # Precedence: these defaults < this file < RELAIS_* environment variables (RELAIS_DATABASE_URL…)\n\
         # < command-line flags. Unknown keys are an error.\n",
    );
    for (key, doc) in DOCS {
        let value = &defaults[key];
        let rendered = match value {
            serde_json::Value::String(s) => format!("{s:?}"),
            other => other.to_string(),
        };
        out.push_str(&format!("\n# {doc}\n{key} = {rendered}\n"));
    }
    out
}
