-- The audit trail in its own SQLite file (`relais-audit.db` beside `relais.db`), in the shape the
-- main file's migrations 0003, 0005 and 0008 gave it there (see those files for why each part is
-- as it is). Why a file of its own: every read appends to the trail, and in WAL mode any commit to
-- a file makes every other connection to that file drop its page cache at its next read; with
-- the trail beside the resources, each read emptied the caches of all the readers of resources.
--
-- One row per relais_access::audit::AuditRecord field; each row carries the hash of the row before
-- it (prev_hash) and its own (hash), so `relais audit verify` finds a row changed, removed or
-- reordered. seq is assigned by the writer (part of what is hashed), and as the primary key it
-- refuses a second record at the same place.
CREATE TABLE audit_log (
    seq            INTEGER PRIMARY KEY,    -- position in the chain, from 1
    recorded       INTEGER NOT NULL,       -- microseconds since 1970-01-01T00:00:00Z
    actor          TEXT    NOT NULL,       -- user id, OAuth client id or `anonymous`
    on_behalf_of   TEXT,
    action         TEXT    NOT NULL,       -- read, search, create, sign-in, break-glass, …
    outcome        TEXT    NOT NULL,       -- success, denied or failed
    resource_type  TEXT,
    resource_id    TEXT,
    patient_id     TEXT,
    query          TEXT,
    source_address TEXT,
    purpose        TEXT,
    prev_hash      TEXT    NOT NULL,       -- hash of record seq - 1; 64 zeros for record 1
    hash           TEXT    NOT NULL,       -- lowercase hex SHA-256 of prev_hash and this record
    break_glass    INTEGER NOT NULL DEFAULT 0
);

-- Append-only, enforced by the database as well as the code (see main migration 0003).
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- By patient, newest first (the portal's "who accessed my record"); by actor, on behalf of, and
-- date range (GET /fhir/AuditEvent).
CREATE INDEX audit_log_patient ON audit_log (patient_id, seq) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_on_behalf_of ON audit_log (on_behalf_of, seq) WHERE on_behalf_of IS NOT NULL;
CREATE INDEX audit_log_recorded ON audit_log (recorded);
