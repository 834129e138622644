//! Store errors: what the use-case layer needs to tell apart, nothing more.

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another writer changed the resource first; the caller decides between 409 and 412.
    #[error("the resource was changed by another request")]
    Conflict,
    /// The database URL names no engine Relais supports.
    #[error("the database URL must start with sqlite: or postgres:")]
    UnsupportedUrl,
    /// The database cannot hold a value of the resource (e.g. a number beyond its range).
    #[error("the resource holds a value the database cannot store")]
    Unstorable,
    /// A search `_cursor` that this store did not hand out, or for another query.
    #[error("the paging cursor is not valid for this search")]
    BadCursor,
    /// A stored audit record holds a value Relais never writes (a negative `seq`, an unknown
    /// outcome code): the row was edited behind Relais's back.
    #[error("audit record {seq} holds a value Relais never writes")]
    AuditUnreadable {
        /// The record's `seq` as stored.
        seq: i64,
    },
    /// An account already has this email (compared lower-cased and trimmed); nothing was
    /// written. Stable code `email-taken`.
    #[error("an account already uses this email")]
    EmailTaken,
    /// The store is shutting down.
    #[error("the store is closed")]
    Closed,
    /// Migrations failed to apply.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A point read on SQLite failed (see `sqlite_reads.rs`). Never shown to clients.
    #[error("database read error: {0}")]
    Read(String),
    /// A write on SQLite's audit writer thread failed (see `sqlite_audit_writer.rs`). Never
    /// shown to clients.
    #[error("database write error: {0}")]
    Write(String),
    /// Anything else the database said. Never shown to clients.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            // PostgreSQL: deadlock detected, serialization failure, lock not available — another
            // writer got there first; the client may retry.
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("40P01" | "40001" | "55P03")) =>
            {
                StoreError::Conflict
            }
            // PostgreSQL: a value JSONB cannot hold (a NUL character, a number out of range).
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("22P05" | "22003" | "22P02")) =>
            {
                StoreError::Unstorable
            }
            _ => StoreError::Database(e),
        }
    }
}
