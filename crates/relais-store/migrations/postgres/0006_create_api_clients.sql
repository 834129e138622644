-- OAuth2 clients of the FHIR API (client credentials): device gateways, integration engines,
-- a person's own tools. A client authenticates with its id and secret at /auth/token and gets a
-- short-lived signed access token carrying some of the scopes it is registered for.
--
-- secret_hash: SHA-256 (hex) of the 256-bit random secret shown once when the client is
-- registered (relais_access::token): unguessable input needs no stretching, and a copy of the
-- database yields nothing that authenticates.
--
-- scopes: the SMART scopes (space separated) the client may ask for; a token never carries more.
--
-- account_id: the account a client acts for (user/ and patient/ scopes: the person's own access,
-- narrowed); NULL for a system client acting on its own (system/ scopes).
--
-- disabled_at: set instead of deleting, so the audit trail's actor ids keep naming a client.
CREATE TABLE api_clients (
    id          TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    secret_hash TEXT    NOT NULL,
    scopes      TEXT    NOT NULL,
    account_id  TEXT    REFERENCES accounts (id),
    created_at  BIGINT  NOT NULL,           -- microseconds since 1970-01-01T00:00:00Z
    disabled_at BIGINT                      -- microseconds; NULL while the client is active
);
