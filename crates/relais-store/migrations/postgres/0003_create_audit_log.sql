-- The audit trail: who did what to whose record, when, from where, with what outcome. One row per
-- relais_access::audit::AuditRecord field. Each row carries the hash of the row before it
-- (prev_hash) and its own (hash, over prev_hash and every other column), so `relais audit verify`
-- finds a row changed, removed or reordered behind Relais's back.
--
-- seq is assigned by the writer (the sealed record's position, from 1, no gaps), not by a
-- sequence: it is part of what is hashed, and a sequence would leave gaps on rollback. As the
-- primary key it also refuses a second record at the same place, should two writers ever seal
-- after the same record.
--
-- No CHECK on action or outcome: a new code must not need a migration (and SQLite, kept in step,
-- cannot alter a CHECK), and the hash already covers the value.
CREATE TABLE audit_log (
    seq            BIGINT PRIMARY KEY,     -- position in the chain, from 1
    recorded       BIGINT NOT NULL,        -- microseconds since 1970-01-01T00:00:00Z
    actor          TEXT   NOT NULL,        -- user id, OAuth client id or `anonymous`
    on_behalf_of   TEXT,
    action         TEXT   NOT NULL,        -- read, search, create, sign-in, break-glass, …
    outcome        TEXT   NOT NULL,        -- success, denied or failed
    resource_type  TEXT,
    resource_id    TEXT,
    patient_id     TEXT,
    query          TEXT,
    source_address TEXT,
    purpose        TEXT,
    prev_hash      TEXT   NOT NULL,        -- hash of record seq - 1; 64 zeros for record 1
    hash           TEXT   NOT NULL         -- lowercase hex SHA-256 of prev_hash and this record
);

-- Append-only, enforced by the database and not only by the code: no statement Relais runs
-- changes or removes a record, and these triggers make sure no other statement does it by mistake
-- either (an ad-hoc fix, a cleanup script, a bug in a later version). They do not stop someone who
-- can drop them (the table owner); the hash chain, and a head written down elsewhere, catch that.
-- Where the database allows it, also give the application role INSERT and SELECT only.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

-- TRUNCATE fires no row trigger: refuse it with a statement trigger.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
