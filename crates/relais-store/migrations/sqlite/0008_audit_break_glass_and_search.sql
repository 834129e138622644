-- The audit trail as the privacy officer reads it (GET /fhir/AuditEvent) and as the use cases
-- now write it, one record per access.
--
-- break_glass: the access was allowed only by a break-the-glass grant, for the privacy officer's
-- review. Covered by the record's hash when set (relais_access::audit::canonical_bytes); records
-- written before this column existed read as not flagged and keep their hash. Adding a column
-- updates no row, so the append-only triggers do not fire.
ALTER TABLE audit_log ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0;

-- "What did this person do" (AuditEvent?agent=…), newest first, without scanning the trail.
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
-- The same for whom someone acted on behalf of (agent matches either).
CREATE INDEX audit_log_on_behalf_of ON audit_log (on_behalf_of, seq) WHERE on_behalf_of IS NOT NULL;
-- Date ranges (AuditEvent?date=ge…&date=lt…): records are written in time order, so a range of
-- `recorded` is a range of seq, found through this index.
CREATE INDEX audit_log_recorded ON audit_log (recorded);
