-- Every version of every FHIR resource, the current one flagged. JSON is the source of truth;
-- search indexes (idx_*) are derived from it in the same transaction.
CREATE TABLE resource_versions (
    seq          BIGSERIAL PRIMARY KEY,        -- global write order: history paging cursor
    res_type     TEXT     NOT NULL,
    res_id       TEXT     NOT NULL,
    version      BIGINT   NOT NULL,
    is_current   BOOLEAN  NOT NULL,            -- true for the latest version of (res_type, res_id)
    deleted      BOOLEAN  NOT NULL,            -- true for a deletion tombstone (content is NULL)
    last_updated BIGINT   NOT NULL,            -- microseconds since 1970-01-01T00:00:00Z
    method       TEXT     NOT NULL,            -- POST, PUT or DELETE: the interaction that made it
    content      JSONB,                        -- the resource as served, meta included
    UNIQUE (res_type, res_id, version)
);

-- At most one current version per resource: the guard against lost updates.
CREATE UNIQUE INDEX resource_versions_current ON resource_versions (res_type, res_id) WHERE is_current;
CREATE INDEX resource_versions_type_seq ON resource_versions (res_type, seq);

-- Token index (identifier for now; FHIR search extends it). Rows belong to the current version.
CREATE TABLE idx_token (
    res_type TEXT NOT NULL,
    res_id   TEXT NOT NULL,
    param    TEXT NOT NULL,
    system   TEXT,
    code     TEXT NOT NULL
);
CREATE INDEX idx_token_lookup ON idx_token (res_type, param, code, system);
CREATE INDEX idx_token_resource ON idx_token (res_type, res_id);
