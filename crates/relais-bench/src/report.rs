//! What gets printed: machine facts, and per engine a table of requests, errors, requests/s,
//! latency percentiles and the CPU the server and the benchmark itself used.

use std::path::Path;
use std::time::Duration;

use crate::Args;
use crate::load::Phase;
use crate::server::{Engine, Logs};

/// Prints the machine and the settings, before anything runs.
pub fn print_machine(relais: &Path, args: &Args) {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = proc_field("/proc/cpuinfo", "model name").unwrap_or_else(|| "?".to_owned());
    let memory = proc_field("/proc/meminfo", "MemTotal")
        .and_then(|kb| kb.trim_end_matches(" kB").parse::<f64>().ok())
        .map_or_else(|| "?".to_owned(), |kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0));
    let kernel = read("/proc/sys/kernel/osrelease").unwrap_or_else(|| "?".to_owned());
    let load = read("/proc/loadavg")
        .map_or_else(|| "?".to_owned(), |l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".to_owned());
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    println!(
        "relais-bench: {} clients, {} s per phase, at most {} requests per phase",
        args.clients, args.seconds, args.max_requests
    );
    println!("machine:      {cpus} CPUs ({model}), {memory} RAM, Linux {kernel}, load average {load}");
    println!("commit:       {commit}{}", if dirty { " (with uncommitted changes)" } else { "" });
    println!("server:       {}", relais.display());
}

/// One measured phase and the CPU time spent during it.
pub struct Row {
    pub name: &'static str,
    pub phase: Phase,
    pub cpu: Option<(Duration, Duration)>,
}

impl Row {
    pub fn new(name: &'static str, phase: Phase, cpu: Option<(Duration, Duration)>) -> Row {
        Row { name, phase, cpu }
    }
}

/// Prints one engine's table, then its errors and the server's own complaints.
pub fn print_engine(engine: Engine, url: &str, rows: &[Row], logs: &Logs, exit: &str) {
    println!("\n== {engine} ({url}) ==");
    println!(
        "{:<9} {:>9} {:>7} {:>10} {:>8} {:>8} {:>8} {:>11} {:>10}",
        "operation", "requests", "errors", "req/s", "p50 ms", "p99 ms", "max ms", "server CPU", "bench CPU"
    );
    for row in rows {
        let phase = &row.phase;
        let seconds = phase.elapsed.as_secs_f64().max(f64::EPSILON);
        let cores = |cpu: Duration| format!("{:.2} cores", cpu.as_secs_f64() / seconds);
        let (server, bench) = row.cpu.map_or(("?".to_owned(), "?".to_owned()), |(s, b)| (cores(s), cores(b)));
        println!(
            "{:<9} {:>9} {:>7} {:>10.1} {:>8} {:>8} {:>8} {:>11} {:>10}",
            row.name,
            phase.ok + phase.errors,
            phase.errors,
            phase.ok as f64 / seconds,
            percentile_ms(&phase.latencies_us, 50.0),
            percentile_ms(&phase.latencies_us, 99.0),
            percentile_ms(&phase.latencies_us, 100.0),
            server,
            bench,
        );
    }
    println!("(req/s and latencies count successful requests only; server CPU is the relais process alone)");
    print_errors_and_logs(rows, logs, exit);
}

/// Each phase's first kinds of errors, the server's own complaints, and how it stopped.
pub fn print_errors_and_logs(rows: &[Row], logs: &Logs, exit: &str) {
    for row in rows.iter().filter(|row| row.phase.errors > 0) {
        println!("{} errors, first kinds:", row.name);
        for (message, count) in &row.phase.error_kinds {
            println!("  {count} × {message}");
        }
    }
    if logs.count > 0 {
        println!("the server logged {} warning/error lines, first ones:", logs.count);
        for line in &logs.first {
            println!("  {line}");
        }
    }
    println!("server stop (SIGTERM): {exit}");
}

/// Prints the search phases' table: latencies, and how much each Bundle held on average.
pub fn print_search(rows: &[Row], logs: &Logs, exit: &str) {
    println!(
        "{:<13} {:>9} {:>7} {:>9} {:>7} {:>7} {:>7} {:>8} {:>8} {:>9} {:>7} {:>11} {:>10}",
        "phase",
        "requests",
        "errors",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "matches",
        "included",
        "empty",
        "server CPU",
        "bench CPU"
    );
    for row in rows {
        let phase = &row.phase;
        let seconds = phase.elapsed.as_secs_f64().max(f64::EPSILON);
        let cores = |cpu: Duration| format!("{:.2} cores", cpu.as_secs_f64() / seconds);
        let (server, bench) = row.cpu.map_or(("?".to_owned(), "?".to_owned()), |(s, b)| (cores(s), cores(b)));
        let per_bundle = |n: u64| {
            if phase.ok == 0 { "-".to_owned() } else { format!("{:.1}", n as f64 / phase.ok as f64) }
        };
        println!(
            "{:<13} {:>9} {:>7} {:>9.1} {:>7} {:>7} {:>7} {:>8} {:>8} {:>9} {:>7} {:>11} {:>10}",
            row.name,
            phase.ok + phase.errors,
            phase.errors,
            phase.ok as f64 / seconds,
            percentile_ms(&phase.latencies_us, 50.0),
            percentile_ms(&phase.latencies_us, 90.0),
            percentile_ms(&phase.latencies_us, 99.0),
            percentile_ms(&phase.latencies_us, 100.0),
            per_bundle(phase.matches),
            per_bundle(phase.included),
            phase.empty,
            server,
            bench,
        );
    }
    println!(
        "(req/s and latencies count 200 Bundles only; matches and included are entries per Bundle; \
         empty counts Bundles without a match)"
    );
    print_errors_and_logs(rows, logs, exit);
}

/// The nearest-rank percentile of sorted microsecond latencies, in milliseconds.
fn percentile_ms(sorted_us: &[u32], percentile: f64) -> String {
    let rank = (percentile / 100.0 * sorted_us.len() as f64).ceil() as usize;
    match sorted_us.get(rank.max(1) - 1) {
        Some(us) => format!("{:.2}", f64::from(*us) / 1000.0),
        None => "-".to_owned(),
    }
}

/// CPU time used by the server and by this process, measured from [`Cpu::start`].
pub struct Cpu {
    pid: u32,
    start: Option<(Duration, Duration)>,
}

impl Cpu {
    pub fn start(pid: u32) -> Cpu {
        Cpu { pid, start: both(pid) }
    }

    /// (server, bench) CPU time since the start, if /proc could tell.
    pub fn stop(self) -> Option<(Duration, Duration)> {
        let (server0, bench0) = self.start?;
        let (server1, bench1) = both(self.pid)?;
        Some((server1.saturating_sub(server0), bench1.saturating_sub(bench0)))
    }
}

fn both(pid: u32) -> Option<(Duration, Duration)> {
    Some((cpu_time(&pid.to_string())?, cpu_time("self")?))
}

/// User + system time of a process, from `/proc/<pid>/stat` (Linux reports it in 1/100 s).
fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = read(&format!("/proc/{pid}/stat"))?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // After the command name come fields 3 (state) onwards: utime is field 14, stime 15.
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|text| text.trim().to_owned())
}

/// The value of the first `key : value` line of a /proc file.
fn proc_field(path: &str, key: &str) -> Option<String> {
    let text = read(path)?;
    let line = text.lines().find(|line| line.starts_with(key))?;
    Some(line.split_once(':')?.1.trim().to_owned())
}

fn git(args: &[&str]) -> Option<String> {
    let output = std::process::Command::new("git").args(args).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let sorted: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(percentile_ms(&sorted, 50.0), "50.00");
        assert_eq!(percentile_ms(&sorted, 99.0), "99.00");
        assert_eq!(percentile_ms(&sorted, 100.0), "100.00");
        assert_eq!(percentile_ms(&[1500], 99.0), "1.50");
        assert_eq!(percentile_ms(&[], 50.0), "-");
    }

    #[test]
    fn this_process_has_a_cpu_time() {
        assert!(cpu_time("self").is_some());
    }
}
