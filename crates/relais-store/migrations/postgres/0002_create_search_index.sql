-- Search index: one table per FHIR search parameter type, replacing 0001's token table.
-- Rows belong to the current version of a resource: they are written, replaced and deleted in the
-- same transaction as the resource. Parameters that repeat another's rows (`patient` is
-- `subject` pointing to a Patient, `combo-code` is `code` or `component-code`) and `_id` /
-- `_lastUpdated` (columns of resource_versions) have no rows of their own.
--
-- Each table is keyed by the resource, then the parameter and the entry's ordinal, so a search
-- checks one resource's entries with one index descent and a write replaces them by key;
-- the lookup index serves searches that start from a value. Values compare byte by byte
-- (COLLATE "C"), as on SQLite, so prefix ranges and sort orders are the same on both engines.

-- idx_token: code with its system; text is the normalised display or text (for :text). A CodeableConcept
-- with text only has a NULL code. Missing systems are NULL (`|code` finds them).
CREATE TABLE idx_token_v2 (
    res_type TEXT NOT NULL,
    res_id   TEXT NOT NULL,
    param    TEXT NOT NULL,
    ord      BIGINT NOT NULL,
    system TEXT COLLATE "C",
    code TEXT COLLATE "C",
    text TEXT COLLATE "C",
    PRIMARY KEY (res_type, res_id, param, ord)
);
INSERT INTO idx_token_v2 (res_type, res_id, param, ord, system, code)
    SELECT res_type, res_id, param,
           ROW_NUMBER() OVER (PARTITION BY res_type, res_id, param ORDER BY system, code) - 1,
           system, code
    FROM idx_token;
DROP TABLE idx_token;
ALTER TABLE idx_token_v2 RENAME TO idx_token;
CREATE INDEX idx_token_lookup ON idx_token (res_type, param, code, system);

-- idx_string: value is normalised (lower case, accents removed, spaces collapsed); exact is as written.
CREATE TABLE idx_string (
    res_type TEXT NOT NULL,
    res_id   TEXT NOT NULL,
    param    TEXT NOT NULL,
    ord      BIGINT NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    exact TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (res_type, res_id, param, ord)
);
CREATE INDEX idx_string_lookup ON idx_string (res_type, param, value);

-- idx_date: the instants the value covers, microseconds since the epoch, both ends included.
CREATE TABLE idx_date (
    res_type TEXT NOT NULL,
    res_id   TEXT NOT NULL,
    param    TEXT NOT NULL,
    ord      BIGINT NOT NULL,
    lo BIGINT NOT NULL,
    hi BIGINT NOT NULL,
    PRIMARY KEY (res_type, res_id, param, ord)
);
CREATE INDEX idx_date_lookup ON idx_date (res_type, param, lo, hi);

-- idx_reference: a relative reference Type/id as target_type and target_id; url as written.
CREATE TABLE idx_reference (
    res_type TEXT NOT NULL,
    res_id   TEXT NOT NULL,
    param    TEXT NOT NULL,
    ord      BIGINT NOT NULL,
    target_type TEXT COLLATE "C",
    target_id TEXT COLLATE "C",
    url TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (res_type, res_id, param, ord)
);
CREATE INDEX idx_reference_lookup ON idx_reference (res_type, param, target_id, target_type);

-- idx_quantity: concept_system/concept_code: the code of the same element, for token-and-quantity
-- composite rows (component-code-value-quantity); NULL for a plain quantity.
CREATE TABLE idx_quantity (
    res_type TEXT NOT NULL,
    res_id   TEXT NOT NULL,
    param    TEXT NOT NULL,
    ord      BIGINT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    system TEXT COLLATE "C",
    code TEXT COLLATE "C",
    unit TEXT COLLATE "C",
    concept_system TEXT COLLATE "C",
    concept_code TEXT COLLATE "C",
    PRIMARY KEY (res_type, res_id, param, ord)
);
CREATE INDEX idx_quantity_lookup ON idx_quantity (res_type, param, concept_code, value);

CREATE TABLE idx_number (
    res_type TEXT NOT NULL,
    res_id   TEXT NOT NULL,
    param    TEXT NOT NULL,
    ord      BIGINT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (res_type, res_id, param, ord)
);
CREATE INDEX idx_number_lookup ON idx_number (res_type, param, value);

CREATE TABLE idx_uri (
    res_type TEXT NOT NULL,
    res_id   TEXT NOT NULL,
    param    TEXT NOT NULL,
    ord      BIGINT NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (res_type, res_id, param, ord)
);
CREATE INDEX idx_uri_lookup ON idx_uri (res_type, param, value);
