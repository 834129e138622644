-- Break-the-glass grants (issue 4): a clinician opened a patient's record outside their care
-- team, giving a reason. The grant is read-only and lasts until expires_at (at most 12 hours, as
-- relais_access::policy::break_glass decides); the access is flagged on the audit trail and the
-- privacy officer reviews each grant here (reviewed_at, reviewed_by, review_note).
--
-- reason and review_note are free text that may name health facts: this table is as protected
-- as the audit trail, and neither is ever logged.
CREATE TABLE break_glass_grants (
    id          TEXT    PRIMARY KEY,                        -- uuid v7
    account_id  TEXT    NOT NULL REFERENCES accounts (id),  -- the clinician
    patient_id  TEXT    NOT NULL,                           -- FHIR Patient id
    reason      TEXT    NOT NULL,
    granted_at  BIGINT  NOT NULL,                           -- microseconds since 1970-01-01T00:00:00Z
    expires_at  BIGINT  NOT NULL,                           -- microseconds
    reviewed_at BIGINT,                                     -- microseconds; NULL until reviewed
    reviewed_by TEXT    REFERENCES accounts (id),           -- the privacy officer
    review_note TEXT
);

-- A person's grants still running (read on every request of theirs).
CREATE INDEX break_glass_grants_account ON break_glass_grants (account_id, expires_at);
-- The review list: unreviewed ones first, newest first.
CREATE INDEX break_glass_grants_review ON break_glass_grants (granted_at, id);
