-- Device tokens (issue 7): a home device (a scale, a cuff, a gateway for one patient) presents
-- one to post its readings (POST /devices/readings, or inside an MQTT message). Shown once when
-- issued; only the SHA-256 of the token is stored (relais_access::token), so a copy of the
-- database authenticates no device. Revoked instead of deleted, so the audit trail's actor
-- "device:<id>" keeps naming something.
CREATE TABLE device_tokens (
    id          TEXT    PRIMARY KEY,
    device_id   TEXT    NOT NULL,                -- the FHIR Device it authenticates
    token_hash  TEXT    NOT NULL UNIQUE,         -- SHA-256 hex of the token
    label       TEXT    NOT NULL,                -- shown to staff ("balance, salon")
    created_by  TEXT    NOT NULL,                -- account id, or "cli"
    created_at  BIGINT NOT NULL,               -- microseconds since 1970-01-01T00:00:00Z
    revoked_at  BIGINT                         -- microseconds; NULL while it works
);
CREATE INDEX device_tokens_by_device ON device_tokens (device_id);
