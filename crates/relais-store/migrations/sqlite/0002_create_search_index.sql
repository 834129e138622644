-- Search index: one table per FHIR search parameter type. Rows belong to the current version of
-- a resource and are replaced in the same transaction as every write (deleted with it).

-- idx_token gains `text` (display/text, normalised, for :text) and a nullable code (a
-- CodeableConcept with text only).
CREATE TABLE idx_token_new (
    res_type TEXT NOT NULL,
    res_id   TEXT NOT NULL,
    param    TEXT NOT NULL,
    system   TEXT,
    code     TEXT,
    text     TEXT
);
INSERT INTO idx_token_new (res_type, res_id, param, system, code) SELECT res_type, res_id, param, system, code FROM idx_token;
DROP TABLE idx_token;
ALTER TABLE idx_token_new RENAME TO idx_token;
CREATE INDEX idx_token_lookup ON idx_token (res_type, param, code, system);
CREATE INDEX idx_token_resource ON idx_token (res_type, res_id);

CREATE TABLE idx_string (
    res_type TEXT NOT NULL,
    res_id   TEXT NOT NULL,
    param    TEXT NOT NULL,
    value    TEXT NOT NULL             -- lower case, accents removed
);
CREATE INDEX idx_string_lookup ON idx_string (res_type, param, value);
CREATE INDEX idx_string_resource ON idx_string (res_type, res_id);

CREATE TABLE idx_date (
    res_type TEXT    NOT NULL,
    res_id   TEXT    NOT NULL,
    param    TEXT    NOT NULL,
    lo       INTEGER NOT NULL,         -- microseconds since the epoch, first instant covered
    hi       INTEGER NOT NULL          -- last instant covered (inclusive)
);
CREATE INDEX idx_date_lookup ON idx_date (res_type, param, lo, hi);
CREATE INDEX idx_date_resource ON idx_date (res_type, res_id);

CREATE TABLE idx_reference (
    res_type    TEXT NOT NULL,
    res_id      TEXT NOT NULL,
    param       TEXT NOT NULL,
    target_type TEXT,                  -- for a relative reference Type/id
    target_id   TEXT,
    url         TEXT NOT NULL          -- the reference as written
);
CREATE INDEX idx_reference_lookup ON idx_reference (res_type, param, target_id, target_type);
CREATE INDEX idx_reference_target ON idx_reference (target_type, target_id);
CREATE INDEX idx_reference_resource ON idx_reference (res_type, res_id);

CREATE TABLE idx_quantity (
    res_type TEXT NOT NULL,
    res_id   TEXT NOT NULL,
    param    TEXT NOT NULL,
    value    REAL NOT NULL,
    system   TEXT,
    code     TEXT,
    unit     TEXT
);
CREATE INDEX idx_quantity_lookup ON idx_quantity (res_type, param, code, value);
CREATE INDEX idx_quantity_resource ON idx_quantity (res_type, res_id);

CREATE TABLE idx_number (
    res_type TEXT NOT NULL,
    res_id   TEXT NOT NULL,
    param    TEXT NOT NULL,
    value    REAL NOT NULL
);
CREATE INDEX idx_number_lookup ON idx_number (res_type, param, value);
CREATE INDEX idx_number_resource ON idx_number (res_type, res_id);

CREATE TABLE idx_uri (
    res_type TEXT NOT NULL,
    res_id   TEXT NOT NULL,
    param    TEXT NOT NULL,
    value    TEXT NOT NULL
);
CREATE INDEX idx_uri_lookup ON idx_uri (res_type, param, value);
CREATE INDEX idx_uri_resource ON idx_uri (res_type, res_id);
