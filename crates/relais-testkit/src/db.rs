//! Throw-away databases: a SQLite file in a temporary folder, or a fresh PostgreSQL database
//! created on the test server and dropped afterwards.

use std::path::{Path, PathBuf};

use sqlx::{Connection, PgConnection};
use tempfile::TempDir;

/// A database engine Relais runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// Both engines.
    pub const ALL: [Engine; 2] = [Engine::Sqlite, Engine::Postgres];
}

/// `TEST_DATABASE_URL`, or the local PostgreSQL every Relais machine runs.
pub fn pg_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database that exists for the life of this value.
pub struct TestDb {
    pub engine: Engine,
    url: String,
    /// Holds the SQLite file (and serves as the server's data folder).
    dir: TempDir,
    pg_name: Option<String>,
}

impl TestDb {
    /// A new, empty database on `engine`.
    pub async fn new(engine: Engine) -> TestDb {
        let dir = tempfile::Builder::new().prefix("relais-test-").tempdir().expect("temporary folder");
        match engine {
            Engine::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("relais.db").display());
                TestDb { engine, url, dir, pg_name: None }
            }
            Engine::Postgres => {
                let name = format!("relais_t_{}", uuid::Uuid::new_v4().simple());
                let admin = pg_admin_url();
                let mut conn = PgConnection::connect(&admin).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL at {admin} is needed for this test (set TEST_DATABASE_URL): {e}")
                });
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                let _ = conn.close().await;
                let url = replace_db_name(&admin, &name);
                TestDb { engine, url, dir, pg_name: Some(name) }
            }
        }
    }

    /// The database URL for `relais --database-url`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A folder that lives as long as the database (the server's data folder).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The SQLite file, for tests that look at it.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        (self.engine == Engine::Sqlite).then(|| self.dir.path().join("relais.db"))
    }
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let base = match base.rfind('/') {
        Some(slash)
            if base[..slash].contains('@')
                || base[..slash].ends_with(|c: char| c.is_ascii_digit() || c.is_alphabetic()) =>
        {
            &base[..slash]
        }
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else { return };
        let admin = pg_admin_url();
        // Drop runs outside any runtime we can borrow: use a small one on its own thread.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            runtime.block_on(async move {
                if let Ok(mut conn) = PgConnection::connect(&admin).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            replace_db_name("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            replace_db_name("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
    }
}
