-- Invitation links (issue 4): single-purpose (one appointment, one room, one hearing, one photo
-- upload), expiring, revocable, usable without an account. Only the SHA-256 of the token is
-- stored (relais_access::token): a copy of the database opens no invitation.
-- uses counts successful uses; it is raised by one conditional UPDATE that also checks expiry,
-- revocation and max_uses, so a single-use link used twice at once succeeds once.
CREATE TABLE invitations (
    id           TEXT    PRIMARY KEY,
    token_hash   TEXT    NOT NULL UNIQUE,         -- SHA-256 hex of the link's token
    purpose      TEXT    NOT NULL,                -- appointment, room, hearing, photo-upload
    target       TEXT    NOT NULL,                -- a reference such as Appointment/123
    patient_id   TEXT,
    invitee      TEXT    NOT NULL,                -- the invitee's display name
    created_by   TEXT    NOT NULL,
    created_at   BIGINT NOT NULL,               -- microseconds since 1970-01-01T00:00:00Z
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    max_uses     BIGINT NOT NULL,
    uses         BIGINT NOT NULL DEFAULT 0,
    last_used_at BIGINT
);
