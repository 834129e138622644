//! A throw-away database (a SQLite file in a temporary folder, or a fresh PostgreSQL database
//! made with `psql`), or a kept one named on the command line, and a real `relais serve` process
//! on a free loopback port.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use hyper::header::HeaderValue;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// How long the server may take to listen, and to stop after SIGTERM.
const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(60);
/// Server log lines kept for the report (the count is always exact).
const KEPT_LOG_LINES: usize = 20;

/// A database engine Relais runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        })
    }
}

/// A fresh database and the server's data folder; a PostgreSQL database is dropped by
/// [`Database::remove`] (or, failing that, when this value is dropped).
pub struct Database {
    url: String,
    dir: TempDir,
    /// (admin URL, database name) of a PostgreSQL database still to drop.
    postgres: Option<(String, String)>,
}

impl Database {
    /// A new, empty database on `engine`.
    pub fn create(engine: Engine) -> anyhow::Result<Database> {
        let dir = tempfile::Builder::new().prefix("relais-bench-").tempdir().context("temporary folder")?;
        match engine {
            Engine::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("relais.db").display());
                Ok(Database { url, dir, postgres: None })
            }
            Engine::Postgres => {
                let admin = std::env::var("TEST_DATABASE_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
                let name = format!("relais_bench_{:016x}", RandomState::new().hash_one(std::process::id()));
                psql(&admin, &format!("CREATE DATABASE {name}"))
                    .context("PostgreSQL is needed (set TEST_DATABASE_URL to an admin URL)")?;
                let url = with_database(&admin, &name)?;
                Ok(Database { url, dir, postgres: Some((admin, name)) })
            }
        }
    }

    /// A kept database: a `postgres://` URL of an existing database, or a SQLite file (created
    /// if missing). It is never dropped; the server's data folder is a temporary one.
    pub fn reuse(spec: &str) -> anyhow::Result<(Engine, Database)> {
        let dir = tempfile::Builder::new().prefix("relais-bench-").tempdir().context("temporary folder")?;
        if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
            psql(spec, "SELECT 1").context("cannot reach the --database (create it first)")?;
            return Ok((Engine::Postgres, Database { url: spec.to_owned(), dir, postgres: None }));
        }
        let path = spec.strip_prefix("sqlite://").unwrap_or(spec);
        let path = std::path::absolute(path).with_context(|| format!("--database {spec}"))?;
        if path.is_dir() {
            bail!("--database {} is a folder: name the SQLite file (e.g. search.db)", path.display());
        }
        let url = format!("sqlite://{}", path.display());
        Ok((Engine::Sqlite, Database { url, dir, postgres: None }))
    }

    /// Vacuums and gathers the planner's statistics after a bulk load, as autovacuum would on
    /// PostgreSQL in the following minutes (docs/operations.md): without statistics its plans
    /// scan, and without the visibility map its index-only scans visit the table. `Ok(false)`
    /// on SQLite, where it is not
    /// run: the search statements are shaped to need no statistics, and with STAT4 statistics
    /// (the bundled build has them) SQLite re-prepares a statement each time a value it used
    /// for an estimate is bound again.
    pub fn analyze(&self) -> anyhow::Result<bool> {
        if self.url.starts_with("sqlite:") {
            return Ok(false);
        }
        psql(&self.url, "VACUUM (ANALYZE)")?;
        Ok(true)
    }

    /// The URL for `relais --database-url`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The server's data folder (also holds the SQLite file).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Drops the PostgreSQL database, if any.
    pub fn remove(&mut self) -> anyhow::Result<()> {
        match self.postgres.take() {
            Some((admin, name)) => psql(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")),
            None => Ok(()),
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = self.remove();
    }
}

/// Runs one SQL statement with `psql` on `url`.
fn psql(url: &str, sql: &str) -> anyhow::Result<()> {
    let output = std::process::Command::new("psql")
        .arg(url)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .stdin(Stdio::null())
        .output()
        .context("cannot run psql")?;
    if !output.status.success() {
        bail!("psql {sql:?}: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(())
}

/// `postgres://user@host:port/db?query` with `db` replaced by `name`.
fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let (base, query) = url.split_once('?').map_or((url, None), |(base, query)| (base, Some(query)));
    let (scheme, rest) = base.split_once("://").context("TEST_DATABASE_URL is not a URL")?;
    let authority = rest.split('/').next().unwrap_or(rest);
    Ok(match query {
        Some(query) => format!("{scheme}://{authority}/{name}?{query}"),
        None => format!("{scheme}://{authority}/{name}"),
    })
}

/// What the server logged besides its info lines (warnings, errors, panics).
#[derive(Default)]
pub struct Logs {
    pub count: usize,
    pub first: Vec<String>,
}

/// A running `relais serve`; killed if dropped before [`Server::stop`].
pub struct Server {
    child: Child,
    pub pid: u32,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// `Bearer …`: an access token of a system client with every scope, registered with
    /// `relais admin create-client` when the server started.
    pub authorization: HeaderValue,
    logs: Arc<Mutex<Logs>>,
}

impl Server {
    /// Starts `binary serve` on `database` and waits until it listens.
    pub async fn start(binary: &Path, database: &Database) -> anyhow::Result<Server> {
        let mut child = Command::new(binary)
            .arg("serve")
            .args(["--bind", "127.0.0.1:0", "--database-url", database.url()])
            .arg("--data-dir")
            .arg(database.dir())
            .args(["--log-format", "text", "--log-level", "warn,relais::cli::serve=info"])
            // A load of the full dataset takes minutes: one token for the whole run.
            .env("RELAIS_ACCESS_TOKEN_LIFETIME_SECS", "86400")
            .current_dir(database.dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let logs = Arc::new(Mutex::new(Logs::default()));
        let (found, mut listening) = mpsc::channel(2);
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(drain(stdout, found.clone(), logs.clone()));
        }
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(drain(stderr, found, logs.clone()));
        }
        let url = match tokio::time::timeout(START_TIMEOUT, listening.recv()).await {
            Ok(Some(url)) => url,
            outcome => {
                let _ = child.kill().await;
                let why = if outcome.is_err() { "did not listen within 60 s" } else { "exited" };
                let lines = logs.lock().map(|logs| logs.first.join("\n")).unwrap_or_default();
                bail!("the server {why}:\n{lines}");
            }
        };
        let authorization = authorize(binary, database, &url).await?;
        Ok(Server { child, pid, url, authorization, logs })
    }

    /// Lines the server logged besides info ones.
    pub fn logs(&self) -> Logs {
        match self.logs.lock() {
            Ok(logs) => Logs { count: logs.count, first: logs.first.clone() },
            Err(_) => Logs::default(),
        }
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub async fn stop(&mut self) -> anyhow::Result<ExitStatus> {
        if let Some(status) = self.child.try_wait()? {
            bail!("the server had already exited ({status})");
        }
        let sent = Command::new("kill").args(["-TERM", &self.pid.to_string()]).status().await;
        if !sent.context("cannot run kill")?.success() {
            bail!("kill -TERM {} failed", self.pid);
        }
        match tokio::time::timeout(STOP_TIMEOUT, self.child.wait()).await {
            Ok(status) => Ok(status?),
            Err(_) => {
                self.child.kill().await?;
                bail!("the server did not stop within 60 s of SIGTERM and was killed");
            }
        }
    }
}

/// Registers a system client on `database` and gets it a token from the server at `url`.
async fn authorize(binary: &Path, database: &Database, url: &str) -> anyhow::Result<HeaderValue> {
    let output = Command::new(binary)
        .args(["admin", "create-client", "--name", "relais-bench", "--scope", "system/*.*"])
        .args(["--database-url", database.url()])
        .arg("--data-dir")
        .arg(database.dir())
        .current_dir(database.dir())
        .output()
        .await
        .context("cannot run relais admin create-client")?;
    let printed = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!("relais admin create-client failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let field = |name: &str| {
        printed
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
            .context("no client credentials printed")
    };
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        field("client_id:")?,
        field("client_secret:")?
    );
    let request = hyper::Request::post(format!("{url}/auth/token"))
        .header(hyper::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(http_body_util::Full::new(bytes::Bytes::from(form)))?;
    let response = crate::load::connection().request(request).await?;
    let status = response.status();
    let body = http_body_util::BodyExt::collect(response.into_body()).await?.to_bytes();
    let answer: serde_json::Value = serde_json::from_slice(&body).context("token response")?;
    let Some(token) = answer["access_token"].as_str().filter(|_| status.is_success()) else {
        bail!("no access token ({status}): {answer}");
    };
    Ok(HeaderValue::from_str(&format!("Bearer {token}"))?)
}

/// Reads one output stream of the server: reports the listening URL, keeps other lines.
async fn drain(stream: impl AsyncRead + Unpin, found: mpsc::Sender<String>, logs: Arc<Mutex<Logs>>) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(at) = line.find("listening on http://") {
            let url = line[at + "listening on ".len()..].split_whitespace().next().unwrap_or_default();
            let _ = found.try_send(url.to_owned());
        } else if !line.contains(" INFO ")
            && let Ok(mut logs) = logs.lock()
        {
            logs.count += 1;
            if logs.first.len() < KEPT_LOG_LINES {
                logs.first.push(line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced() {
        let url = with_database("postgres://postgres@127.0.0.1:5432/postgres", "x").unwrap();
        assert_eq!(url, "postgres://postgres@127.0.0.1:5432/x");
        let url = with_database("postgres://u:p@h/db?sslmode=disable", "x").unwrap();
        assert_eq!(url, "postgres://u:p@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://h", "x").unwrap(), "postgres://h/x");
    }
}
