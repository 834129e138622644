//! The SFU benchmark: synthetic WebRTC clients written with str0m (no browsers) on loopback,
//! `ROOMS` rooms of `PARTICIPANTS` people each sending one video-like VP8 stream
//! (`KBPS` kbit/s at 30 frames a second, a keyframe every 2 s), all forwarded by one SFU node
//! through its public API (join, lobby admission by the room's host, SDP over the session).
//!
//! It prints, over a `SECONDS` window after everyone is connected: frames and datagrams per
//! second forwarded, the SFU thread's CPU (from `/proc/self/task/TID/schedstat`, so the
//! clients' own cost is not counted) per forwarded stream and per forwarded Mbit/s, the share of
//! frames delivered, and the forwarding latency p50/p99/max. Each frame carries the instant it
//! was written by its sender; the receiver reads it when str0m hands it the whole frame, so the
//! latency is an upper bound on what the SFU adds: it also holds both clients' SRTP and their
//! scheduling on the same (shared) cores.
//!
//! `RELAIS_BENCH_ROOMS=17 RELAIS_BENCH_PARTICIPANTS=4 cargo bench -p relais-video --bench sfu`
//! (defaults: 17 rooms × 4 = 68 senders, each forwarded to 3 others: 204 streams, 1500 kbit/s, 20 s).

// A benchmark stops at the first thing that does not work: there is no one to report it to.
#![allow(clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use relais_video::{Control, Joiner, JoinerKind, ServerMsg, Session, Sfu, VideoConfig};
use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::format::Codec;
use str0m::media::{Direction, Frequency, MediaKind, MediaTime, Mid, Pt};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::net::UdpSocket;

const FPS: u64 = 30;
const KEYFRAME_EVERY: u64 = 60;

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// When the measuring window is open (nanoseconds since `epoch`), shared with every client.
#[derive(Default)]
struct Window {
    start: std::sync::atomic::AtomicU64,
    end: std::sync::atomic::AtomicU64,
}

impl Window {
    fn contains(&self, t: u64) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        let start = self.start.load(Relaxed);
        start != 0 && t >= start && t < self.end.load(Relaxed)
    }
}

/// What one client saw in the window.
#[derive(Default)]
struct Seen {
    latencies_us: Vec<u32>,
    frames_received: u64,
    frames_sent: u64,
    connected: bool,
}

struct Client {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    session: Session,
    mid: Mid,
    pending: Option<SdpPendingOffer>,
    pt: Option<Pt>,
    frame_bytes: usize,
}

impl Client {
    async fn new(session: Session, kbps: u64) -> Client {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind a client socket");
        let local = socket.local_addr().expect("client address");
        let mut rtc = Rtc::builder()
            .set_crypto_provider(Arc::new(str0m::crypto::from_feature_flags()))
            .clear_codecs()
            .enable_vp8(true)
            .build(Instant::now());
        rtc.add_local_candidate(Candidate::host(local, "udp").expect("candidate"));
        let mut change = rtc.sdp_api();
        let mid = change.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
        let (offer, pending) = change.apply().expect("an offer");
        session.signal(relais_video::ClientMsg::Offer { sdp: offer.to_sdp_string() });
        let frame_bytes = usize::try_from(kbps * 1000 / 8 / FPS).unwrap_or(6000);
        Client { rtc, socket, local, session, mid, pending: Some(pending), pt: None, frame_bytes }
    }

    fn signalling(&mut self, msg: ServerMsg) {
        match msg {
            ServerMsg::Answer { sdp } => {
                let answer = SdpAnswer::from_sdp_string(&sdp).expect("an SDP answer");
                if let Some(pending) = self.pending.take() {
                    self.rtc.sdp_api().accept_answer(pending, answer).expect("answer accepted");
                }
            }
            ServerMsg::Offer { sdp } => {
                let offer = SdpOffer::from_sdp_string(&sdp).expect("an SDP offer");
                let answer = self.rtc.sdp_api().accept_offer(offer).expect("offer accepted");
                self.session.signal(relais_video::ClientMsg::Answer { sdp: answer.to_sdp_string() });
            }
            _ => {}
        }
    }

    fn write_frame(&mut self, n: u64, seen: &mut Seen, window: &Window) {
        let pt = match self.pt {
            Some(pt) => pt,
            None => {
                let Some(writer) = self.rtc.writer(self.mid) else { return };
                let Some(pt) = writer.payload_params().find(|p| p.spec().codec == Codec::Vp8).map(|p| p.pt())
                else {
                    return;
                };
                self.pt = Some(pt);
                pt
            }
        };
        let now = Instant::now();
        let sent_at = u64::try_from(now.duration_since(epoch()).as_nanos()).unwrap_or(u64::MAX);
        let mut frame = vec![0x9d_u8; self.frame_bytes];
        // VP8: bit 0 of the first byte clear for a keyframe.
        frame[0] = if n % KEYFRAME_EVERY == 0 { 0x10 } else { 0x11 };
        frame[1..9].copy_from_slice(&sent_at.to_le_bytes());
        let time = MediaTime::new(n * 90_000 / FPS, Frequency::NINETY_KHZ);
        if let Some(writer) = self.rtc.writer(self.mid)
            && writer.write(pt, now, time, frame).is_ok()
            && window.contains(sent_at)
        {
            seen.frames_sent += 1;
        }
    }

    /// Drains str0m; answers when it next wants the time.
    fn drive(&mut self, seen: &mut Seen, window: &Window) -> Instant {
        loop {
            match self.rtc.poll_output() {
                Ok(Output::Timeout(t)) => return t,
                Ok(Output::Transmit(t)) => {
                    let _ = self.socket.try_send_to(&t.contents, t.destination);
                }
                Ok(Output::Event(Event::MediaData(data))) => {
                    let received = u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX);
                    if let Some(bytes) = data.data.get(1..9) {
                        let sent = u64::from_le_bytes(bytes.try_into().unwrap_or_default());
                        if window.contains(sent) {
                            seen.frames_received += 1;
                            let us = received.saturating_sub(sent) / 1000;
                            seen.latencies_us.push(u32::try_from(us).unwrap_or(u32::MAX));
                        }
                    }
                }
                Ok(Output::Event(Event::Connected)) => {
                    seen.connected = true;
                }
                Ok(Output::Event(_)) => {}
                Err(e) => panic!("client session failed: {e}"),
            }
        }
    }

    async fn run(mut self, window: Arc<Window>, stop: Instant) -> Seen {
        let mut seen = Seen::default();
        let mut buf = vec![0_u8; 2000];
        let offset = Duration::from_micros(fastrand_offset(self.local.port()));
        let mut next_frame = Instant::now() + offset;
        let mut n = 0_u64;
        loop {
            let timeout = self.drive(&mut seen, &window).min(next_frame);
            if Instant::now() >= stop {
                return seen;
            }
            tokio::select! {
                received = self.socket.recv_from(&mut buf) => {
                    let Ok((len, source)) = received else { continue };
                    let Ok(contents) = buf[..len].try_into() else { continue };
                    let input = Input::Receive(Instant::now(), Receive {
                        proto: Protocol::Udp, source, destination: self.local, contents,
                    });
                    let _ = self.rtc.handle_input(input);
                }
                msg = self.session.events.recv() => match msg {
                    Some(msg) => self.signalling(msg),
                    None => return seen,
                },
                () = tokio::time::sleep_until(timeout.into()) => {}
            }
            let now = Instant::now();
            if now >= next_frame {
                if seen.connected {
                    self.write_frame(n, &mut seen, &window);
                    n += 1;
                }
                next_frame += Duration::from_nanos(1_000_000_000 / FPS);
                if next_frame < now {
                    next_frame = now;
                }
            }
            let _ = self.rtc.handle_input(Input::Timeout(now));
        }
    }
}

/// Spreads the senders' frames over the frame interval, as independent cameras would be.
fn fastrand_offset(seed: u16) -> u64 {
    u64::from(seed).wrapping_mul(2_654_435_761) % (1_000_000 / FPS)
}

/// Nanoseconds the thread `tid` of this process has run.
fn thread_cpu_ns(tid: i32) -> u64 {
    std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// The bucket bound under which a share `p` of the frames fall.
fn bucket_bound(counts: &[u64], p: f64) -> String {
    let total: u64 = counts.iter().sum();
    let mut seen = 0;
    for (count, bound) in counts.iter().zip(relais_video::DELAY_BOUNDS_US) {
        seen += count;
        if total > 0 && seen as f64 >= total as f64 * p {
            return if bound == u64::MAX { "more than 100 ms".to_owned() } else { format!("{:.2} ms", bound as f64 / 1000.0) };
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

    // The SFU on a thread of its own, so its CPU time is its alone.
    let (handle_tx, handle_rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("sfu".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async move {
                let config = VideoConfig {
                    udp_bind: "127.0.0.1:0".parse().expect("address"),
                    public_ip: None,
                    ice_servers: Vec::new(),
                    peer_timeout: relais_video::PEER_TIMEOUT,
                    rejoin_window: relais_video::REJOIN_WINDOW,
                };
                let sfu = Sfu::start(&config).await.expect("the SFU starts");
                let _ = handle_tx.send((sfu, this_thread_id()));
                std::future::pending::<()>().await;
            });
        })
        .expect("SFU thread");
    let (sfu, sfu_tid): (Sfu, i32) = handle_rx.recv().expect("the SFU handle");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(client_threads.max(1))
        .enable_all()
        .build()
        .expect("client runtime");
    runtime.block_on(run(sfu, sfu_tid, rooms, participants, kbps, seconds));
}

/// The kernel's id of the calling thread (`/proc/thread-self` points to `PID/task/TID`).
fn this_thread_id() -> i32 {
    std::fs::read_link("/proc/thread-self")
        .ok()
        .and_then(|p| p.file_name().and_then(|n| n.to_str()).and_then(|n| n.parse().ok()))
        .expect("a Linux /proc")
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
            let joiner = Joiner { name: format!("p{p}"), actor: format!("bench-{room}-{p}"), kind, rejoin: None };
            let session: Session = sfu.join(&name, joiner).await.expect("joined");
            if let Some(host) = sessions.first() {
                let host: &Session = host;
                host.control(Control::Admit(session.peer)).await.expect("admitted");
            }
            sessions.push(session);
        }
        for session in sessions {
            let client = Client::new(session, kbps).await;
            tasks.push(tokio::spawn(client.run(window.clone(), stop)));
        }
    }
    tokio::time::sleep(settle).await;
    let before = sfu.stats().await.expect("stats");
    let cpu_before = thread_cpu_ns(sfu_tid);
    let now = u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(0);
    window.end.store(now + seconds * 1_000_000_000, std::sync::atomic::Ordering::Relaxed);
    window.start.store(now, std::sync::atomic::Ordering::Relaxed);
    let process_before = process_cpu_seconds();
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let after = sfu.stats().await.expect("stats");
    let cpu = thread_cpu_ns(sfu_tid).saturating_sub(cpu_before);
    let elapsed = started.elapsed().as_secs_f64();

    let mut latencies = Vec::new();
    let (mut sent, mut received, mut connected) = (0_u64, 0_u64, 0_u64);
    for task in tasks {
        let seen = task.await.expect("client task");
        latencies.extend(seen.latencies_us);
        sent += seen.frames_sent;
        received += seen.frames_received;
        connected += u64::from(seen.connected);
    }
    latencies.sort_unstable();
    let streams = rooms * participants * (participants - 1);
    let frames = (after.forwarded_packets - before.forwarded_packets) as f64 / elapsed;
    let datagrams = (after.sent_datagrams - before.sent_datagrams) as f64 / elapsed;
    let mbits = (after.forwarded_bytes - before.forwarded_bytes) as f64 * 8.0 / elapsed / 1e6;
    let core_share = cpu as f64 / 1e9 / elapsed * 100.0;
    let expected = sent * (participants - 1);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("SFU benchmark: {rooms} rooms x {participants} participants, {kbps} kbit/s each, {seconds} s");
    println!("  clients connected:        {connected}/{}", rooms * participants);
    println!("  forwarded streams:        {streams}");
    println!("  forwarded:                {frames:.0} frames/s, {datagrams:.0} datagrams/s sent, {mbits:.1} Mbit/s");
    println!("  SFU thread CPU:           {core_share:.1} % of one core");
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
        "  SFU forwarding delay:     p50 <= {}, p99 <= {} (first packet read -> frame written)",
        bucket_bound(&delays, 0.5),
        bucket_bound(&delays, 0.99)
    );
    let process = process_cpu_seconds() - process_before;
    println!("  whole process CPU:        {:.1} % of one core (SFU + clients)", process / elapsed * 100.0);
    println!("  load average (1 5 15 min): {}", load.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
}
