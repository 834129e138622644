-- People who sign in: staff, patients, caregivers, administrators. Sign-in looks an account up
-- by email; access decisions read its roles (account_roles) and the FHIR resource it stands for.
--
-- id is a uuid v7 string made by the caller (time-ordered, so inserts stay at the end of the
-- index; made outside the database, so the id is known before the write and both engines agree).
--
-- email is stored lower-cased and trimmed by the code, so the UNIQUE constraint is also
-- case-insensitive in practice and sign-in is a plain equality lookup. The constraint, not a
-- check before inserting, refuses a second account with the same email: two concurrent creations
-- cannot both pass it.
--
-- password_hash is an Argon2id PHC string (relais_access::password): algorithm, parameters, salt
-- and hash in one value, so parameters can be raised later without a migration. Never the
-- password.
--
-- totp_secret: the second factor's shared secret. It must be encrypted at rest before the second
-- factor ships (a copy of the database must not yield working codes); that is not done here, and
-- nothing writes this column yet.
--
-- practitioner_id / patient_id: the FHIR Practitioner of a staff member, the FHIR Patient of a
-- patient account (resource ids in resource_versions; no foreign key, as resources are
-- versioned and may be deleted as FHIR allows while the account remains to be audited).
--
-- disabled_at: set instead of deleting, so the audit trail's actor ids keep naming an account.
CREATE TABLE accounts (
    id              TEXT    PRIMARY KEY,        -- uuid v7
    email           TEXT    NOT NULL UNIQUE,    -- lower-cased and trimmed
    display_name    TEXT    NOT NULL,
    password_hash   TEXT    NOT NULL,           -- Argon2id PHC string
    totp_secret     TEXT,                       -- must be encrypted at rest before 2FA ships
    organisation    TEXT,
    practitioner_id TEXT,                       -- FHIR Practitioner id (staff)
    patient_id      TEXT,                       -- FHIR Patient id (patient account)
    created_at      BIGINT  NOT NULL,           -- microseconds since 1970-01-01T00:00:00Z
    disabled_at     BIGINT                      -- microseconds; NULL while the account is active
);

-- The roles an account holds (relais_access::policy::Role codes), one row each. A table rather
-- than a list in a column: "who holds role X" is a query, and a role cannot be held twice.
-- specialty qualifies a role where it matters (a specialist's dermatology). No CHECK on role: a
-- new role must not need a migration (and SQLite, kept in step, cannot alter a CHECK); the
-- application reads codes with Role::from_code.
CREATE TABLE account_roles (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    role       TEXT NOT NULL,
    specialty  TEXT,
    PRIMARY KEY (account_id, role)
);
