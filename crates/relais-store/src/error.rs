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
    /// The store is shutting down.
    #[error("the store is closed")]
    Closed,
    /// Migrations failed to apply.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A point read on SQLite failed (see `sqlite_reads.rs`). Never shown to clients.
    #[error("database read error: {0}")]
    Read(String),
    /// Anything else the database said. Never shown to clients.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            _ => StoreError::Database(e),
        }
    }
}
