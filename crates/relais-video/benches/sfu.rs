//! The SFU benchmark: synthetic WebRTC clients written with str0m (no browsers) on loopback,
//! `ROOMS` rooms of `PARTICIPANTS` people each sending one video-like VP8 stream
//! (`KBPS` kbit/s at 30 frames a second, a keyframe every 2 s), all forwarded by one SFU node
//! through its public API (join, lobby admission by the room's host, SDP over the session).
//!
//! It prints, over a `SECONDS` window after everyone is connected: media packets and datagrams
//! per second forwarded, the SFU thread's CPU (from `/proc/self/task/TID/schedstat`, so the
//! clients' own cost is not counted) per forwarded stream and per forwarded Mbit/s, the share of
//! frames delivered, the SFU's own forwarding delay per RTP packet (from the kernel's arrival stamp of the
//! datagram that carried it to the packet sent: the SFU forwards packets as they come, RTP
//! mode), and the end-to-end latency p50/p99/max. Each frame carries the instant it
//! was written by its sender; the receiver reads it when str0m hands it the whole frame, so the
//! latency is an upper bound on what the SFU adds: it also holds both clients' SRTP and their
//! scheduling on the same (shared) cores.
//!
//! `RELAIS_BENCH_SIMULCAST=1`: each client sends a low layer too, as browsers do; the SFU then
//! estimates the bandwidth towards each client and paces what it sends (packets of paced
//! sessions are timed less exactly: see docs/video.md).
//!
//! `RELAIS_BENCH_ROOMS=17 RELAIS_BENCH_PARTICIPANTS=4 cargo bench -p relais-video --bench sfu`
//! (defaults: 17 rooms × 4 = 68 senders, each forwarded to 3 others: 204 streams, 1500 kbit/s, 20 s).

// A benchmark stops at the first thing that does not work: there is no one to report it to.
#![allow(clippy::expect_used, clippy::panic)]

mod support {
    pub mod client;
    pub mod threads;
}

use std::sync::Arc;
use std::time::{Duration, Instant};

use relais_video::{Control, Joiner, JoinerKind, Session, Sfu};
use support::client::{Client, Window, epoch, loopback_config};
use support::threads::{switches, thread_named};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `RELAIS_BENCH_SIMULCAST=1`: every client sends two layers (`l` at a sixth of the rate).
fn simulcast() -> bool {
    setting("RELAIS_BENCH_SIMULCAST", 0) == 1
}

/// Nanoseconds the thread `tid` of this process has run.
fn thread_cpu_ns(tid: i32) -> u64 {
    std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// The bucket bound under which a share `p` of the packets fall.
fn bucket_bound(counts: &[u64], p: f64) -> String {
    let total: u64 = counts.iter().sum();
    let mut seen = 0;
    for (count, bound) in counts.iter().zip(relais_video::DELAY_BOUNDS_US) {
        seen += count;
        if total > 0 && seen as f64 >= total as f64 * p {
            return if bound == u64::MAX {
                "more than 100 ms".to_owned()
            } else {
                format!("{:.2} ms", bound as f64 / 1000.0)
            };
        }
    }
    "n/a".to_owned()
}

/// CPU seconds of the whole process (user + system, from `/proc/self/stat`, 100 ticks a second).
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // After the command name: state is field 0, utime field 11, stime field 12.
    (ticks(11) + ticks(12)) / 100.0
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    f64::from(sorted[index]) / 1000.0
}

fn main() {
    let rooms = setting("RELAIS_BENCH_ROOMS", 17);
    let participants = setting("RELAIS_BENCH_PARTICIPANTS", 4).max(2);
    let kbps = setting("RELAIS_BENCH_KBPS", 1500);
    let seconds = setting("RELAIS_BENCH_SECONDS", 20);
    let client_threads = setting("RELAIS_BENCH_CLIENT_THREADS", 2) as usize;
    epoch();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(client_threads.max(1))
        .enable_all()
        .build()
        .expect("client runtime");
    runtime.block_on(async move {
        // The node runs on a thread of its own (`relais-sfu`): its CPU time is its alone.
        let sfu = Sfu::start(&loopback_config()).await.expect("the SFU starts");
        let sfu_tid = thread_named("relais-sfu");
        run(sfu, sfu_tid, rooms, participants, kbps, seconds).await;
    });
}

async fn run(sfu: Sfu, sfu_tid: i32, rooms: u64, participants: u64, kbps: u64, seconds: u64) {
    let window = Arc::new(Window::default());
    let settle = Duration::from_secs(5);
    let stop = Instant::now() + settle + Duration::from_secs(seconds) + Duration::from_secs(1);
    let mut tasks = Vec::new();
    for room in 0..rooms {
        let name = format!("bench-{room}");
        let mut sessions = Vec::new();
        for p in 0..participants {
            let kind = if p == 0 { JoinerKind::Clinician } else { JoinerKind::Guest };
            let joiner =
                Joiner { name: format!("p{p}"), actor: format!("bench-{room}-{p}"), kind, rejoin: None };
            let session: Session = sfu.join(&name, joiner).await.expect("joined");
            if let Some(host) = sessions.first() {
                let host: &Session = host;
                host.control(Control::Admit(session.peer)).await.expect("admitted");
            }
            sessions.push(session);
        }
        for session in sessions {
            // Simulcast as the browsers send it: a low layer beside the full one. The SFU then
            // estimates the bandwidth towards each client and paces what it sends them.
            let client = if simulcast() {
                Client::with_layers(session, &[("l", (kbps / 6).max(50)), ("h", kbps)]).await
            } else {
                Client::new(session, kbps).await
            };
            tasks.push(tokio::spawn(client.run(window.clone(), stop)));
        }
    }
    tokio::time::sleep(settle).await;
    let before = sfu.stats().await.expect("stats");
    let cpu_before = thread_cpu_ns(sfu_tid);
    let switches_before = switches(sfu_tid);
    let now = u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(0);
    window.end.store(now + seconds * 1_000_000_000, std::sync::atomic::Ordering::Relaxed);
    window.start.store(now, std::sync::atomic::Ordering::Relaxed);
    let process_before = process_cpu_seconds();
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let after = sfu.stats().await.expect("stats");
    let cpu = thread_cpu_ns(sfu_tid).saturating_sub(cpu_before);
    let switches_after = switches(sfu_tid);
    let elapsed = started.elapsed().as_secs_f64();

    let mut latencies = Vec::new();
    let (mut sent, mut received, mut connected) = (0_u64, 0_u64, 0_u64);
    for task in tasks {
        let (seen, _session) = task.await.expect("client task");
        latencies.extend(seen.latencies_us);
        sent += seen.frames_sent;
        received += seen.frames_received;
        connected += u64::from(seen.connected);
    }
    latencies.sort_unstable();
    let streams = rooms * participants * (participants - 1);
    let packets = (after.forwarded_packets - before.forwarded_packets) as f64 / elapsed;
    let datagrams = (after.sent_datagrams - before.sent_datagrams) as f64 / elapsed;
    let mbits = (after.forwarded_bytes - before.forwarded_bytes) as f64 * 8.0 / elapsed / 1e6;
    let core_share = cpu as f64 / 1e9 / elapsed * 100.0;
    let expected = sent * (participants - 1);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let layers = if simulcast() { " (simulcast: + a low layer, paced sessions)" } else { "" };
    println!(
        "SFU benchmark: {rooms} rooms x {participants} participants, {kbps} kbit/s each{layers}, {seconds} s"
    );
    println!("  clients connected:        {connected}/{}", rooms * participants);
    println!("  forwarded streams:        {streams}");
    println!(
        "  forwarded:                {packets:.0} media packets/s, {datagrams:.0} datagrams/s sent, {mbits:.1} Mbit/s"
    );
    println!("  SFU thread CPU:           {core_share:.1} % of one core");
    let wakes = (switches_after.0 - switches_before.0) as f64 / elapsed;
    let preempted = (switches_after.1 - switches_before.1) as f64 / elapsed;
    println!(
        "  SFU thread wake-ups:      {wakes:.0}/s ({:.2} per datagram sent), preempted {preempted:.0}/s",
        wakes / datagrams.max(1.0)
    );
    println!("  CPU per forwarded stream: {:.3} % of one core", core_share / streams as f64);
    println!("  CPU per forwarded Mbit/s: {:.4} % of one core", core_share / mbits);
    println!(
        "  frames delivered:         {received}/{expected} ({:.2} %)",
        received as f64 * 100.0 / expected.max(1) as f64
    );
    println!(
        "  latency sender->receiver: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    );
    let delays: Vec<u64> =
        after.forwarding_delays.iter().zip(before.forwarding_delays).map(|(a, b)| a - b).collect();
    println!(
        "  SFU forwarding delay:     p50 <= {}, p99 <= {}, p99.9 <= {} over {} RTP packets",
        bucket_bound(&delays, 0.5),
        bucket_bound(&delays, 0.99),
        bucket_bound(&delays, 0.999),
        delays.iter().sum::<u64>()
    );
    println!("    (per packet sent: from the kernel's arrival stamp of the datagram that carried it)");
    let buckets: Vec<String> = relais_video::DELAY_BOUNDS_US
        .iter()
        .zip(&delays)
        .filter(|(_, n)| **n > 0)
        .map(
            |(bound, n)| {
                if *bound == u64::MAX { format!("more: {n}") } else { format!("<= {bound} us: {n}") }
            },
        )
        .collect();
    println!("    {}", buckets.join(", "));
    let process = process_cpu_seconds() - process_before;
    println!("  whole process CPU:        {:.1} % of one core (SFU + clients)", process / elapsed * 100.0);
    println!(
        "  load average (1 5 15 min): {}",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
}
