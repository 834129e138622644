//! `relais-bench search`: loads patients, a year of their vital signs and a Task queue through
//! transaction Bundles (or reuses a database loaded before), then measures three searches with
//! `--clients` concurrent clients: a patient's recent heart rates, a nurse's Task queue with the
//! tasks' focus included, and a patient look-up by the start of a family name.
//!
//! Every answer must be a 200 Bundle, and every phase must find something: a server whose
//! search returns empty Bundles fails the run instead of looking fast.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use http_body_util::{BodyExt, Full};
use hyper::{Request, StatusCode, Uri, header};

use crate::dataset::{Dataset, FAMILIES, Kind};
use crate::load::{self, MakeQuery, Op};
use crate::report::{self, Cpu, Row};
use crate::rng::Rng;
use crate::server::{Database, Engine, Server};
use crate::{Args, Engines, WARM_UP};

/// Settings of the search benchmark (the phases' length and clients are the global flags).
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// Patients to load.
    #[arg(long, default_value_t = 10_000)]
    pub patients: u64,
    /// Vital-sign Observations to load, spread evenly over the patients.
    #[arg(long, default_value_t = 1_000_000)]
    pub observations: u64,
    /// Tasks to load (and one ServiceRequest per two Tasks, which half of them focus on).
    #[arg(long, default_value_t = 20_000)]
    pub tasks: u64,
    /// The data covers the 365 days before this date.
    #[arg(long, default_value = "2026-11-25")]
    pub until: String,
    /// Entries per transaction Bundle.
    #[arg(long, default_value_t = 500)]
    pub bundle_size: usize,
    /// Loader connections sending transactions in parallel.
    #[arg(long, default_value_t = 4)]
    pub loaders: usize,
    /// Keep the data in this database instead of a throw-away one: a SQLite file (created if
    /// missing) or the postgres:// URL of an existing database. Its engine is the one measured.
    #[arg(long)]
    pub database: Option<String>,
    /// Do not load: --database already holds data loaded with the same sizes and --until.
    #[arg(long, requires = "database")]
    pub skip_load: bool,
}

/// Runs the search benchmark on each engine asked for (or on `--database`'s).
pub async fn run(relais: &Path, args: &Args, search: &SearchArgs) -> anyhow::Result<()> {
    if search.patients == 0 || search.bundle_size == 0 || search.loaders == 0 {
        bail!("--patients, --bundle-size and --loaders must be at least 1");
    }
    let dataset = Dataset::new(search.patients, search.observations, search.tasks, &search.until)?;
    let engines = match args.engine {
        Engines::Sqlite => vec![Engine::Sqlite],
        Engines::Postgres => vec![Engine::Postgres],
        Engines::Both => vec![Engine::Sqlite, Engine::Postgres],
    };
    println!(
        "data:         {} patients, {} Observations, {} Tasks (+{} ServiceRequests, {} nurses), \
         the year before {}, Bundles of {} entries, {} loaders",
        dataset.patients,
        dataset.observations,
        dataset.tasks,
        dataset.tasks.div_ceil(2),
        crate::dataset::NURSES,
        search.until,
        search.bundle_size,
        search.loaders
    );
    let mut problems = Vec::new();
    let planned: Vec<(Engine, Option<Database>)> = match &search.database {
        Some(spec) => {
            let (engine, database) = Database::reuse(spec)?;
            if !engines.contains(&engine) {
                bail!("--database is a {engine} database but --engine asks for {:?}", args.engine);
            }
            vec![(engine, Some(database))]
        }
        None => engines.into_iter().map(|engine| (engine, None)).collect(),
    };
    for (engine, kept) in planned {
        let outcome = match kept.map_or_else(|| Database::create(engine), Ok) {
            Ok(database) => bench_engine(engine, database, relais, args, search, &dataset).await,
            Err(error) => Err(error),
        };
        if let Err(error) = outcome {
            println!("\n{engine} FAILED: {error:#}");
            problems.push(format!("{engine}: {error:#}"));
        }
    }
    if !problems.is_empty() {
        bail!("the search benchmark FAILED:\n  {}", problems.join("\n  "));
    }
    Ok(())
}

/// Loads (unless told not to) and measures one engine; fails if any phase failed.
async fn bench_engine(
    engine: Engine,
    mut database: Database,
    relais: &Path,
    args: &Args,
    search: &SearchArgs,
    dataset: &Dataset,
) -> anyhow::Result<()> {
    let mut server = Server::start(relais, &database).await?;
    println!("\n== {engine} ({}) ==", database.url());
    let measured = load_and_measure(&server, &database, args, search, dataset).await;
    let stopped = server.stop().await;
    let logs = server.logs();
    let removed = database.remove();
    let exit = stopped.as_ref().map_or_else(|error| format!("{error:#}"), ToString::to_string);
    let rows = match measured {
        Ok(rows) => rows,
        Err(error) => {
            report::print_errors_and_logs(&[], &logs, &exit); // the server may say why
            return Err(error);
        }
    };
    report::print_search(&rows, &logs, &exit);
    stopped?;
    removed?;
    let problems: Vec<String> = rows.iter().filter_map(problem).collect();
    if !problems.is_empty() {
        bail!("{}", problems.join("; "));
    }
    Ok(())
}

/// What is wrong with a phase, if anything: an error, or nothing found at all.
fn problem(row: &Row) -> Option<String> {
    let phase = &row.phase;
    if phase.errors > 0 {
        Some(format!(
            "{}: {} of {} requests were not 200 Bundles",
            row.name,
            phase.errors,
            phase.ok + phase.errors
        ))
    } else if phase.matches == 0 {
        Some(format!("{}: no search found anything ({} Bundles, all empty)", row.name, phase.ok))
    } else {
        None
    }
}

async fn load_and_measure(
    server: &Server,
    database: &Database,
    args: &Args,
    search: &SearchArgs,
    dataset: &Dataset,
) -> anyhow::Result<Vec<Row>> {
    let probe = load::clients(1, &server.authorization).into_iter().next().context("no client")?;
    let first = Dataset::reference(Kind::Patient, 0);
    if search.skip_load {
        for (kind, count) in dataset.kinds() {
            let last = Dataset::reference(kind, count.saturating_sub(1));
            if count > 0 && status(&probe, &server.url, &last).await? != StatusCode::OK {
                bail!("--skip-load, but the database has no {last}: load it with these sizes first");
            }
        }
        println!("load:         skipped (--skip-load); the data is there");
    } else {
        if status(&probe, &server.url, &first).await? != StatusCode::NOT_FOUND {
            bail!(
                "the database already holds {first}: pass --skip-load to reuse it, or start from an empty one"
            );
        }
        let loaded = crate::bulk::load(
            &server.url,
            &server.authorization,
            dataset,
            search.bundle_size,
            search.loaders,
        )
        .await?;
        let seconds = loaded.elapsed.as_secs_f64();
        println!(
            "load:         {} resources in {} transaction Bundles in {seconds:.1} s: {:.0} resources/s",
            loaded.resources,
            loaded.bundles,
            loaded.resources as f64 / seconds.max(f64::EPSILON)
        );
        let started = std::time::Instant::now();
        if database.analyze()? {
            println!(
                "analyze:      {:.1} s (planner statistics, as autovacuum would gather)",
                started.elapsed().as_secs_f64()
            );
        }
    }

    let clients = load::clients(args.clients, &server.authorization);
    let duration = Duration::from_secs(args.seconds);
    let phases: [(&'static str, MakeQuery); 3] = [
        ("observations", observation_query(dataset)),
        ("task queue", Arc::new(|_: &mut Rng| TASK_QUEUE.to_owned())),
        ("patient name", Arc::new(patient_query)),
    ];
    let mut rows = Vec::new();
    let cpu = Cpu::start(server.pid);
    let warm_up = load::run(
        &clients,
        &server.url,
        &Op::Search(phases[0].1.clone()),
        WARM_UP.min(duration),
        args.max_requests,
    )
    .await?;
    rows.push(Row::new("warm-up", warm_up, cpu.stop()));
    for (name, query) in phases {
        let cpu = Cpu::start(server.pid);
        let phase = load::run(&clients, &server.url, &Op::Search(query), duration, args.max_requests).await?;
        rows.push(Row::new(name, phase, cpu.stop()));
    }
    Ok(rows)
}

/// A nurse's queue: tasks nobody has taken yet, oldest first, with what each is about.
/// (`_sort=priority` would order the codes alphabetically — asap, routine, stat, urgent — which
/// is no triage order, so the queue is sorted by age.)
pub const TASK_QUEUE: &str = "Task?status=requested&_sort=authored-on&_include=Task:focus&_count=50";

/// A random patient's heart rates since a random day of the year, newest first.
fn observation_query(dataset: &Dataset) -> MakeQuery {
    let dataset = dataset.clone();
    Arc::new(move |rng: &mut Rng| {
        let patient = Dataset::reference(Kind::Patient, rng.below(dataset.patients as usize) as u64);
        format!(
            "Observation?subject={patient}&code=http://loinc.org%7C8867-4&date=ge{}&_sort=-date&_count=50",
            dataset.random_day(rng)
        )
    })
}

/// The first 3 to 6 letters of a random family name, typed without accents.
fn patient_query(rng: &mut Rng) -> String {
    let (_, plain) = FAMILIES[rng.below(FAMILIES.len())];
    let length = (3 + rng.below(4)).min(plain.len());
    format!("Patient?name={}", &plain[..length])
}

/// The status of `GET /fhir/{reference}`.
async fn status(client: &load::Client, base: &str, reference: &str) -> anyhow::Result<StatusCode> {
    let uri: Uri = format!("{base}/fhir/{reference}").parse().context("read URL")?;
    let request = Request::get(uri).header(header::ACCEPT, "application/fhir+json").body(Full::default())?;
    let response = client.request(request).await.with_context(|| format!("GET {reference}"))?;
    let status = response.status();
    response.into_body().collect().await.context("reading the answer")?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_name_real_patients_and_days_of_the_year() {
        let dataset = Dataset::new(100, 10_000, 500, "2026-11-25").unwrap();
        let query = observation_query(&dataset);
        let mut rng = Rng::seeded(1);
        for _ in 0..100 {
            let url = query(&mut rng);
            let patient: u64 =
                url.split("Patient/pat-").nth(1).unwrap().split('&').next().unwrap().parse().unwrap();
            assert!(patient < 100);
            let day = url.split("date=ge").nth(1).unwrap().split('&').next().unwrap();
            assert!(("2025-11-25".."2026-11-25").contains(&day), "{day}");
            assert!(format!("http://h/fhir/{url}").parse::<Uri>().is_ok(), "{url}");
        }
    }

    #[test]
    fn name_searches_are_unaccented_prefixes() {
        let mut rng = Rng::seeded(2);
        for _ in 0..100 {
            let url = patient_query(&mut rng);
            let prefix = url.strip_prefix("Patient?name=").unwrap();
            assert!(prefix.len() >= 3 && prefix.is_ascii());
            assert!(FAMILIES.iter().any(|(_, plain)| plain.starts_with(prefix)));
        }
        assert!(format!("http://h/fhir/{TASK_QUEUE}").parse::<Uri>().is_ok());
    }
}
