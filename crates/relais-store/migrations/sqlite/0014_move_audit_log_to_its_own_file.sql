-- The audit trail now lives in its own file (`relais-audit.db`, migrations/sqlite-audit). Before
-- this migration runs, `SqliteStore::migrate` has copied every record of this table there
-- (sqlite_audit.rs, `move_legacy_trail`), keeping seq and hashes, so the chain verifies across the
-- move. Dropping the table drops its triggers first, so the append-only triggers do not fire.
DROP TABLE IF EXISTS audit_log;
