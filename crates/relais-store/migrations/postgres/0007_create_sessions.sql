-- Signing in (issue 4): sessions, lock-out state, the second factor's replay guard, password
-- reset tokens and the email outbox. Every token is stored as the SHA-256 of what its holder
-- was given (relais_access::token): a copy of the database opens no session and resets no
-- password.

-- A signed-in browser. stage: 'full' (signed in), 'second-factor' (password accepted, waiting
-- for the TOTP code) or 'enrol-only' (a staff member without a second factor, who may only set
-- one up). A session changes stage by being replaced by a new one (a new cookie), never in
-- place, so a token seen before the second factor never becomes a full session.
-- last_seen_at drives the idle expiry, expires_at is the absolute one; revoked_at is set by
-- sign-out, sign-out everywhere and a password reset (rows are kept for the audit of who was
-- signed in when, and removed by housekeeping later).
CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY,             -- SHA-256 hex of the cookie value
    account_id   TEXT    NOT NULL REFERENCES accounts (id),
    stage        TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,                -- microseconds since 1970-01-01T00:00:00Z
    last_seen_at BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    revoked_at   BIGINT
);
-- Sign out everywhere revokes an account's open sessions.
CREATE INDEX sessions_account ON sessions (account_id) WHERE revoked_at IS NULL;

-- Per account: consecutive sign-in failures and the lock they led to; the TOTP secret waiting
-- for its first code (sealed like accounts.totp_secret, which holds the confirmed one: AES-256-GCM
-- under a key derived from the server secret, bound to the account id); the last TOTP time step
-- accepted, so that a code is never accepted twice (RFC 6238 §5.2).
CREATE TABLE account_security (
    account_id       TEXT    PRIMARY KEY REFERENCES accounts (id),
    failed_attempts  BIGINT  NOT NULL DEFAULT 0,
    last_failed_at   BIGINT,
    locked_until     BIGINT,
    totp_pending     TEXT,                        -- sealed secret of an enrolment not yet confirmed
    totp_last_step   BIGINT                       -- unix seconds / 30 of the last accepted code
);

-- Single-use password reset links: used_at is set by the statement that accepts the token, so
-- two concurrent uses cannot both succeed.
CREATE TABLE password_resets (
    token_hash  TEXT    PRIMARY KEY,
    account_id  TEXT    NOT NULL REFERENCES accounts (id),
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    used_at     BIGINT
);

-- Email waiting to be sent, written in the same transaction as what it announces (a reset
-- token), and delivered by the sender task with retries. The body is sealed (it may carry a
-- link that works once) and cleared once sent. next_attempt_at is also the sender's claim: a
-- sender moves it forward before trying, so two senders do not send the same message.
CREATE TABLE email_outbox (
    id              TEXT    PRIMARY KEY,          -- uuid v7: in creation order
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body_sealed     TEXT,                         -- NULL once sent
    created_at      BIGINT  NOT NULL,
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    sent_at         BIGINT,
    last_error      TEXT                          -- the SMTP error code or kind, never the body
);
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE sent_at IS NULL;
