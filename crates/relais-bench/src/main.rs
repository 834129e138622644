//! `relais-bench`: benchmarks a real `relais serve` process over HTTP.
//!
//! For each database engine it starts a fresh server (SQLite in a temporary folder, or a new
//! PostgreSQL database), warms it up, then runs two timed phases with `--clients` concurrent
//! clients, each on its own HTTP/1.1 keep-alive connection: creating vital-sign Observations,
//! then reading random created ones back. It prints requests, errors (every non-2xx answer),
//! requests/s and latency percentiles, and exits non-zero if any request failed.
//!
//! `relais-bench search` loads patients, their vital signs and a Task queue instead, and
//! measures three searches (see `search.rs`).
//!
//! `cargo build --release -p relais -p relais-bench && target/release/relais-bench`

mod bulk;
mod dataset;
mod load;
mod report;
mod rng;
mod search;
mod server;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};

use crate::load::Op;
use crate::report::{Cpu, Row};
use crate::server::{Database, Engine, Server};

/// Which engines to benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engines {
    Sqlite,
    Postgres,
    Both,
}

/// Benchmarks a real Relais server over HTTP: creates/s, reads/s and latency percentiles.
#[derive(Debug, Parser)]
#[command(name = "relais-bench", about)]
pub struct Args {
    /// What to measure (default: creates and reads).
    #[command(subcommand)]
    mode: Option<Mode>,
    /// Database engine(s) to run on.
    #[arg(long, value_enum, default_value_t = Engines::Both, global = true)]
    engine: Engines,
    /// Concurrent clients, each on its own keep-alive connection.
    #[arg(long, default_value_t = 16, global = true)]
    clients: usize,
    /// Length of each measured phase, in seconds.
    #[arg(long, default_value_t = 10, global = true)]
    seconds: u64,
    /// Most requests per phase, so that a phase always ends.
    #[arg(long, default_value_t = 2_000_000, global = true)]
    max_requests: u64,
    /// The relais binary (default: `relais` next to this executable).
    #[arg(long, global = true)]
    relais: Option<PathBuf>,
}

/// Benchmarks other than creates and reads.
#[derive(Debug, Subcommand)]
enum Mode {
    /// Load patients, a year of vital signs and a Task queue, then measure three searches.
    Search(search::SearchArgs),
}

/// How long the warm-up runs (its figures are printed but are not the result).
pub(crate) const WARM_UP: Duration = Duration::from_secs(1);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.clients == 0 || args.seconds == 0 || args.max_requests == 0 {
        bail!("--clients, --seconds and --max-requests must be at least 1");
    }
    let relais = match &args.relais {
        Some(path) => path.clone(),
        None => std::env::current_exe()
            .context("cannot find this executable")?
            .with_file_name(format!("relais{}", std::env::consts::EXE_SUFFIX)),
    };
    if !relais.is_file() {
        bail!(
            "{} does not exist: build it (cargo build --release -p relais) or pass --relais",
            relais.display()
        );
    }
    report::print_machine(&relais, &args);
    if let Some(Mode::Search(search)) = &args.mode {
        return search::run(&relais, &args, search).await;
    }

    let engines = match args.engine {
        Engines::Sqlite => vec![Engine::Sqlite],
        Engines::Postgres => vec![Engine::Postgres],
        Engines::Both => vec![Engine::Sqlite, Engine::Postgres],
    };
    let mut problems = Vec::new();
    for engine in engines {
        match bench_engine(engine, &relais, &args).await {
            Ok(0) => {}
            Ok(errors) => problems.push(format!("{errors} requests failed on {engine}")),
            Err(error) => {
                println!("\n{engine} FAILED: {error:#}");
                problems.push(format!("{engine} failed"));
            }
        }
    }
    if !problems.is_empty() {
        bail!("{} (see above)", problems.join("; "));
    }
    Ok(())
}

/// Runs both phases on a fresh server and database, prints the table; returns the error count.
async fn bench_engine(engine: Engine, relais: &Path, args: &Args) -> anyhow::Result<u64> {
    let mut database = Database::create(engine)?;
    let mut server = Server::start(relais, &database).await?;
    let measured = measure(&server, args).await;
    let stopped = server.stop().await;
    let logs = server.logs();
    let removed = database.remove();
    let rows = measured?;
    let exit = stopped.as_ref().map_or_else(|error| format!("{error:#}"), ToString::to_string);
    report::print_engine(engine, database.url(), &rows, &logs, &exit);
    stopped?;
    removed?;
    Ok(rows.iter().map(|row| row.phase.errors).sum())
}

/// Warm-up (reported too, so that no failure goes unseen), then creates, then reads.
async fn measure(server: &Server, args: &Args) -> anyhow::Result<Vec<Row>> {
    let clients = load::clients(args.clients, &server.authorization);
    let duration = Duration::from_secs(args.seconds);
    let create = |duration| load::run(&clients, &server.url, &Op::Create, duration, args.max_requests);

    let cpu = Cpu::start(server.pid);
    let warm_up = create(WARM_UP.min(duration)).await?;
    let mut rows = vec![Row::new("warm-up", warm_up, cpu.stop())];
    if rows.iter().all(|row| row.phase.ok == 0) {
        return Ok(rows); // the server creates nothing: its errors are reported
    }

    let cpu = Cpu::start(server.pid);
    let mut creates = create(duration).await?;
    let ids = std::mem::take(&mut creates.ids);
    rows.push(Row::new("create", creates, cpu.stop()));
    if ids.is_empty() {
        return Ok(rows);
    }

    let cpu = Cpu::start(server.pid);
    let reads = load::run(&clients, &server.url, &Op::Read(ids.into()), duration, args.max_requests).await?;
    rows.push(Row::new("read", reads, cpu.stop()));
    Ok(rows)
}
