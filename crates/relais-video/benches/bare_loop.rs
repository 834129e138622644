//! A bare str0m forwarding loop, the yardstick of issue 6's browser figure: no rooms, no access,
//! no lobby, no statistics; one thread, one socket, one blocking read per datagram (with the
//! next timer as its timeout), one `send_to` per datagram, str0m's frame API, every client
//! forwarded to every other. It is what "a bare str0m forwarding loop" meant when the 0.25 % of
//! a core per forwarded Mbit/s was set, written here so that Relais and the loop can be
//! measured side by side on the same day (`scripts/video-bare.sh`, `docs/video.md`).
//!
//! Signalling is on the standard streams, one JSON object per line: it prints
//! `{"udp":"127.0.0.1:PORT"}` once, then answers each `{"offer":"<sdp>"}` it reads with
//! `{"answer":"<sdp>"}` (or `{"error":"…"}`). A browser's offer sends its camera and microphone
//! and receives up to three others (`e2e/tests/video-bare.spec.js`): its n-th receiving video
//! (or audio) line carries the n-th other client it saw, for as long as both stay.
//!
//! Built with `cargo bench -p relais-video --bench bare_loop --no-run` (a release build).

// A measurement harness stops at the first thing that does not work: there is no one to report
// it to.
#![allow(clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::io::{BufRead, ErrorKind, Write};
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use str0m::change::SdpOffer;
use str0m::media::{Direction, KeyframeRequestKind, MediaData, MediaKind, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};

fn main() {
    // A panic in the loop's thread must end the process: a measurement of a loop that no longer
    // forwards would read as a cheap one.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        report(info);
        std::process::exit(101);
    }));
    let socket = UdpSocket::bind("127.0.0.1:0").expect("a loopback UDP port");
    let local = socket.local_addr().expect("its address");
    println!("{}", json!({ "udp": local.to_string() }));
    let (sessions, arriving) = channel();
    std::thread::Builder::new()
        .name("bare-loop".into())
        .spawn(move || forward(&socket, local, &arriving))
        .expect("the loop's thread");
    answer_offers(local, &sessions);
}

/// Reads offers from the standard input until it closes; each answered session goes to the loop.
fn answer_offers(local: SocketAddr, sessions: &Sender<Rtc>) {
    let candidate = Candidate::host(local, "udp").expect("a host candidate");
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("the standard input");
        let reply = match accept(&line, &candidate) {
            Ok((rtc, answer)) => {
                sessions.send(rtc).expect("the loop is running");
                json!({ "answer": answer })
            }
            Err(error) => json!({ "error": error }),
        };
        let mut out = std::io::stdout().lock();
        writeln!(out, "{reply}").and_then(|()| out.flush()).expect("the standard output");
    }
}

fn accept(line: &str, candidate: &Candidate) -> Result<(Rtc, String), String> {
    let request: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let sdp = request["offer"].as_str().ok_or("no offer")?;
    let offer = SdpOffer::from_sdp_string(sdp).map_err(|e| e.to_string())?;
    // The codecs Relais answers with, so both forward the same streams.
    let mut rtc = Rtc::builder()
        .set_crypto_provider(Arc::new(str0m::crypto::from_feature_flags()))
        .clear_codecs()
        .enable_vp8(true)
        .enable_opus(true, false)
        .build(Instant::now());
    rtc.add_local_candidate(candidate.clone());
    let answer = rtc.sdp_api().accept_offer(offer).map_err(|e| e.to_string())?;
    Ok((rtc, answer.to_sdp_string()))
}

/// One browser: its session, the lines it sends on and the lines it receives on.
struct Client {
    id: u64,
    rtc: Rtc,
    sending: Vec<(Mid, MediaKind)>,
    receiving: Vec<(Mid, MediaKind)>,
    /// Which of its receiving lines of each kind (the n-th) each other client's media goes to,
    /// fixed when first seen: a sender stays on its lines when others come or go.
    places: HashMap<u64, usize>,
}

impl Client {
    /// The line on which this client receives `kind` from `from`.
    fn line_for(&mut self, from: u64, kind: MediaKind) -> Option<Mid> {
        let next = self.places.len();
        let nth = *self.places.entry(from).or_insert(next);
        self.receiving.iter().filter(|(_, k)| *k == kind).nth(nth).map(|(mid, _)| *mid)
    }

    /// The client whose video this client receives on `line`, if any.
    fn sender_on(&self, line: Mid) -> Option<u64> {
        let nth = self
            .receiving
            .iter()
            .filter(|(_, k)| *k == MediaKind::Video)
            .position(|(mid, _)| *mid == line)?;
        self.places.iter().find(|&(_, &place)| place == nth).map(|(&sender, _)| sender)
    }

    fn sends_on(&self, kind: MediaKind) -> Option<Mid> {
        self.sending.iter().find(|(_, k)| *k == kind).map(|(mid, _)| *mid)
    }

    fn request_keyframe(&mut self, kind: KeyframeRequestKind) {
        if let Some(mid) = self.sends_on(MediaKind::Video)
            && let Some(mut writer) = self.rtc.writer(mid)
        {
            let _ = writer.request_keyframe(None, kind);
        }
    }
}

/// What a client's output asks of the others.
// Media is the common case: boxing it would add an allocation per frame to the yardstick.
#[allow(clippy::large_enum_variant)]
enum Forward {
    Media(u64, MediaData),
    /// A receiver of this line wants a keyframe (a browser asks when it cannot decode).
    Keyframe(u64, Mid, KeyframeRequestKind),
    /// A new client: every sender starts with a keyframe for it.
    Connected,
}

fn forward(socket: &UdpSocket, local: SocketAddr, arriving: &Receiver<Rtc>) {
    let mut clients: Vec<Client> = Vec::new();
    let mut next_id = 0;
    let mut buf = vec![0; 2000];
    let mut work = Vec::new();
    loop {
        clients.retain(|c| c.rtc.is_alive());
        while let Ok(rtc) = arriving.try_recv() {
            next_id += 1;
            clients.push(Client {
                id: next_id,
                rtc,
                sending: Vec::new(),
                receiving: Vec::new(),
                places: HashMap::new(),
            });
        }
        let mut deadline = Instant::now() + Duration::from_millis(100);
        for client in &mut clients {
            deadline = deadline.min(drain(client, socket, &mut work));
        }
        if !work.is_empty() {
            for item in work.drain(..) {
                propagate(item, &mut clients);
            }
            continue;
        }
        let wait = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
        socket.set_read_timeout(Some(wait)).expect("a read timeout");
        match socket.recv_from(&mut buf) {
            Ok((n, source)) => {
                if let Ok(contents) = buf[..n].try_into() {
                    let input = Input::Receive(
                        Instant::now(),
                        Receive { proto: Protocol::Udp, source, destination: local, contents },
                    );
                    if let Some(client) = clients.iter_mut().find(|c| c.rtc.accepts(&input))
                        && client.rtc.handle_input(input).is_err()
                    {
                        client.rtc.disconnect();
                    }
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("the UDP socket failed: {e}"),
        }
        let now = Instant::now();
        for client in &mut clients {
            if client.rtc.is_alive() && client.rtc.handle_input(Input::Timeout(now)).is_err() {
                client.rtc.disconnect();
            }
        }
    }
}

/// Sends what the client has to send and collects what it asks of the others, until its next
/// timer, which it returns.
fn drain(client: &mut Client, socket: &UdpSocket, work: &mut Vec<Forward>) -> Instant {
    loop {
        if !client.rtc.is_alive() {
            return Instant::now() + Duration::from_millis(100);
        }
        let output = match client.rtc.poll_output() {
            Ok(output) => output,
            Err(_) => {
                client.rtc.disconnect();
                continue;
            }
        };
        match output {
            Output::Timeout(at) => return at,
            Output::Transmit(t) => {
                let _ = socket.send_to(&t.contents, t.destination);
            }
            Output::Event(Event::MediaAdded(added)) => match added.direction {
                Direction::RecvOnly => client.sending.push((added.mid, added.kind)),
                Direction::SendOnly => client.receiving.push((added.mid, added.kind)),
                _ => {}
            },
            Output::Event(Event::MediaData(data)) => work.push(Forward::Media(client.id, data)),
            Output::Event(Event::KeyframeRequest(request)) => {
                work.push(Forward::Keyframe(client.id, request.mid, request.kind));
            }
            // DTLS done: media can flow to it now.
            Output::Event(Event::Connected) => work.push(Forward::Connected),
            Output::Event(Event::IceConnectionStateChange(IceConnectionState::Disconnected)) => {
                client.rtc.disconnect();
            }
            Output::Event(_) => {}
        }
    }
}

fn propagate(item: Forward, clients: &mut [Client]) {
    match item {
        Forward::Media(from, data) => {
            let Some(kind) = clients
                .iter()
                .find(|c| c.id == from)
                .and_then(|c| c.sending.iter().find(|(mid, _)| *mid == data.mid))
                .map(|(_, kind)| *kind)
            else {
                return;
            };
            for client in clients.iter_mut().filter(|c| c.id != from) {
                let Some(mid) = client.line_for(from, kind) else { continue };
                let Some(writer) = client.rtc.writer(mid) else { continue };
                let Some(pt) = writer.match_params(data.params) else { continue };
                let _ = writer.write(pt, data.network_time, data.time, data.data.clone());
            }
        }
        Forward::Keyframe(receiver, mid, kind) => {
            let sender = clients.iter().find(|c| c.id == receiver).and_then(|c| c.sender_on(mid));
            if let Some(sender) = clients.iter_mut().find(|c| Some(c.id) == sender) {
                sender.request_keyframe(kind);
            }
        }
        Forward::Connected => {
            for client in clients.iter_mut() {
                client.request_keyframe(KeyframeRequestKind::Pli);
            }
        }
    }
}
