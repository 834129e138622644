-- The trail's lookups move off the request's path (docs/performance.md, 2026-11-26 late).
--
-- Every audited request waits for its record's commit, and with four secondary indexes on
-- audit_log each commit wrote the table's last page and one leaf of each index (the by-patient
-- leaves scattered): about five WAL pages per record. Now audit_log keeps only its primary key,
-- so an append writes the table's last page, and the lookups live in the tables below, filled in
-- large batches by the trail's writer thread between appends (sqlite_audit_index.rs).
--
-- audit_index_state.indexed_seq is the watermark: every record with seq <= indexed_seq has its
-- rows in the lookup tables, none after it does. The indexer commits its rows and the new
-- watermark in one transaction, so a crash leaves both as they were. A search reads the lookup
-- tables for the records up to the watermark and scans the few records after it by seq, in one
-- statement (one snapshot), so its results are the same as with the old indexes, including a
-- record appended a moment ago.
--
-- These tables are derived from audit_log and are not part of the hash chain: `relais audit
-- verify` reads audit_log only.
DROP INDEX audit_log_patient;
DROP INDEX audit_log_actor;
DROP INDEX audit_log_on_behalf_of;
DROP INDEX audit_log_recorded;

CREATE TABLE audit_index_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),   -- one row
    indexed_seq INTEGER NOT NULL                      -- the last record indexed; 0 for none
);

-- Records about a patient's record (the portal's "who accessed my record", ?patient=).
CREATE TABLE audit_by_patient (
    patient_id TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (patient_id, seq)
) WITHOUT ROWID;

-- Records where an id acted or was acted for (actor, and on_behalf_of when different): ?agent=.
CREATE TABLE audit_by_agent (
    agent TEXT    NOT NULL,
    seq   INTEGER NOT NULL,
    PRIMARY KEY (agent, seq)
) WITHOUT ROWID;

-- Records by date (?date=). recorded is the request's clock, not strictly increasing with seq
-- (records are sealed in the order they reach the writer), so a search by seq alone would not be
-- exact.
CREATE TABLE audit_by_recorded (
    recorded INTEGER NOT NULL,
    seq      INTEGER NOT NULL,
    PRIMARY KEY (recorded, seq)
) WITHOUT ROWID;

-- An existing trail is indexed here, once, whole; in key order, so each table is built by
-- appending to its B-tree (a few seconds of CPU per million records, measured).
INSERT INTO audit_by_patient (patient_id, seq)
    SELECT patient_id, seq FROM audit_log WHERE patient_id IS NOT NULL ORDER BY patient_id, seq;
INSERT INTO audit_by_agent (agent, seq)
    SELECT agent, seq FROM (
        SELECT actor AS agent, seq FROM audit_log
        UNION ALL
        SELECT on_behalf_of, seq FROM audit_log WHERE on_behalf_of IS NOT NULL AND on_behalf_of != actor
    ) ORDER BY agent, seq;
INSERT INTO audit_by_recorded (recorded, seq) SELECT recorded, seq FROM audit_log ORDER BY recorded, seq;
INSERT INTO audit_index_state (id, indexed_seq) VALUES (1, (SELECT COALESCE(MAX(seq), 0) FROM audit_log));
