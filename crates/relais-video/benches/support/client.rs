//! A synthetic WebRTC client written with str0m, for the SFU benchmark and the node's tests: it
//! joins through the SFU's API, sends one VP8-like video stream (each frame carrying the instant
//! it was written and its sender), answers the SFU's offers, and counts the frames it receives,
//! from whom, and their delay.

// Shared by the benchmark and the tests, each using a part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use relais_video::{ServerMsg, Session};
use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::format::Codec;
use str0m::media::{Direction, Frequency, MediaKind, MediaTime, Mid, Pt, Rid, Simulcast, SimulcastLayer};
use str0m::net::{Protocol, Receive};
use str0m::rtp::VideoOrientation;
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::net::UdpSocket;

const FPS: u64 = 30;
const KEYFRAME_EVERY: u64 = 60;

/// An SFU on a free loopback port, with the default timeouts.
pub fn loopback_config() -> relais_video::VideoConfig {
    relais_video::VideoConfig {
        udp_bind: "127.0.0.1:0".parse().expect("address"),
        public_ip: None,
        ice_servers: Vec::new(),
        peer_timeout: relais_video::PEER_TIMEOUT,
        rejoin_window: relais_video::REJOIN_WINDOW,
        simulcast: true,
        realtime_priority: None,
    }
}

pub fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// When the measuring window is open (nanoseconds since `epoch`), shared with every client.
#[derive(Default)]
pub struct Window {
    pub start: std::sync::atomic::AtomicU64,
    pub end: std::sync::atomic::AtomicU64,
}

impl Window {
    /// A window opening `settle` from now (renegotiation and keyframe requests done) and
    /// closing 300 ms before `length` (frames still in flight then), and when to stop.
    pub fn opening(settle: Duration, length: Duration) -> (Window, Instant) {
        use std::sync::atomic::Ordering::Relaxed;
        let window = Window::default();
        let now = Instant::now();
        let nanos = |t: Instant| u64::try_from(t.duration_since(epoch()).as_nanos()).unwrap_or(u64::MAX);
        window.start.store(nanos(now + settle), Relaxed);
        window.end.store(nanos(now + length - Duration::from_millis(300)), Relaxed);
        (window, now + length)
    }

    fn contains(&self, t: u64) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        let start = self.start.load(Relaxed);
        start != 0 && t >= start && t < self.end.load(Relaxed)
    }
}

/// What one client saw in the window.
#[derive(Default)]
pub struct Seen {
    pub latencies_us: Vec<u32>,
    pub frames_received: u64,
    pub frames_sent: u64,
    pub connected: bool,
    /// Who was in the room at the last roster.
    pub roster: Vec<String>,
    /// Camera frames received, by the number of their sender's peer id (`7` for `p7`).
    pub from: std::collections::BTreeMap<u64, u64>,
    /// Screen frames received, by sender.
    pub screens: std::collections::BTreeMap<u64, u64>,
    /// Camera frames received, by `(sender, layer)`: the layer's index among the sender's
    /// simulcast layers (0 without simulcast).
    pub layers: std::collections::BTreeMap<(u64, u8), u64>,
    /// Camera frames received, by `(sender, degrees)`: the rotation their sender's camera
    /// signalled (the video-orientation header extension), frames without it not counted.
    pub rotations: std::collections::BTreeMap<(u64, u16), u64>,
    /// The error codes the SFU sent.
    pub errors: Vec<String>,
    /// SFU offers that crossed one of ours (ignored, as a browser does).
    pub crossed: u32,
}

pub struct Client {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    session: Session,
    mid: Mid,
    pending: Option<SdpPendingOffer>,
    pt: Option<Pt>,
    /// The m-line of its shared screen, once added.
    screen: Option<Mid>,
    /// What its camera sends: one stream (no rid), or simulcast layers, with their frame sizes.
    layers: Vec<(Option<Rid>, usize)>,
    /// A keyframe was asked for: the next frame is one.
    keyframe_asked: bool,
    /// Frames written so far (their media time goes on from run to run).
    written: u64,
    /// Which way up its camera is, as a phone says (none: it says nothing).
    orientation: Option<VideoOrientation>,
}

/// Clockwise degrees of a video orientation.
fn degrees(orientation: VideoOrientation) -> u16 {
    match orientation {
        VideoOrientation::Deg0 => 0,
        VideoOrientation::Deg90 => 90,
        VideoOrientation::Deg180 => 180,
        VideoOrientation::Deg270 => 270,
    }
}

/// Bytes per frame at `kbps`: at least what a frame carries (its send instant, sender, marks).
fn frame_bytes(kbps: u64) -> usize {
    usize::try_from(kbps * 1000 / 8 / FPS).unwrap_or(6000).max(32)
}

impl Client {
    pub async fn new(session: Session, kbps: u64) -> Client {
        Self::with_layers(session, &[("", kbps)]).await
    }

    /// A client whose camera sends simulcast: one layer per `(rid, kbps)`, as a browser does
    /// with `sendEncodings`. A single layer with an empty rid sends no simulcast.
    pub async fn with_layers(session: Session, layers: &[(&str, u64)]) -> Client {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind a client socket");
        let local = socket.local_addr().expect("client address");
        let mut rtc = Rtc::builder()
            .set_crypto_provider(Arc::new(str0m::crypto::from_feature_flags()))
            .clear_codecs()
            .enable_vp8(true)
            .build(Instant::now());
        rtc.add_local_candidate(Candidate::host(local, "udp").expect("candidate"));
        let simulcast = layers.iter().any(|(rid, _)| !rid.is_empty()).then(|| {
            let mut simulcast = Simulcast::new();
            for (rid, _) in layers {
                simulcast.add_send_layer(SimulcastLayer::new(rid));
            }
            simulcast
        });
        let layers: Vec<(Option<Rid>, usize)> = layers
            .iter()
            .map(|(rid, kbps)| ((!rid.is_empty()).then(|| Rid::from(*rid)), frame_bytes(*kbps)))
            .collect();
        let mut change = rtc.sdp_api();
        let mid = change.add_media(MediaKind::Video, Direction::SendOnly, None, None, simulcast);
        let (offer, pending) = change.apply().expect("an offer");
        session.signal(relais_video::ClientMsg::Offer { sdp: offer.to_sdp_string() });
        Client {
            rtc,
            socket,
            local,
            session,
            mid,
            pending: Some(pending),
            pt: None,
            screen: None,
            layers,
            keyframe_asked: false,
            written: 0,
            orientation: None,
        }
    }

    fn signalling(&mut self, msg: ServerMsg, seen: &mut Seen) {
        match msg {
            ServerMsg::Roster { members, .. } => seen.roster = members.into_iter().map(|m| m.id).collect(),
            ServerMsg::Answer { sdp } => {
                let answer = SdpAnswer::from_sdp_string(&sdp).expect("an SDP answer");
                if let Some(pending) = self.pending.take() {
                    self.rtc.sdp_api().accept_answer(pending, answer).expect("answer accepted");
                }
            }
            // Ours crossed it: the SFU gives way and offers again after answering ours.
            ServerMsg::Offer { .. } if self.pending.is_some() => seen.crossed += 1,
            ServerMsg::Offer { sdp } => {
                let offer = SdpOffer::from_sdp_string(&sdp).expect("an SDP offer");
                let answer = self.rtc.sdp_api().accept_offer(offer).expect("offer accepted");
                self.session.signal(relais_video::ClientMsg::Answer { sdp: answer.to_sdp_string() });
            }
            ServerMsg::Error { code } => seen.errors.push(code),
            _ => {}
        }
    }

    /// Turns its camera as a phone does: its frames from now on say so.
    pub fn rotate(&mut self, orientation: VideoOrientation) {
        self.orientation = Some(orientation);
    }

    /// Shares a screen as a browser does: names the new m-line, then offers it (the first time).
    pub fn share_screen(&mut self) {
        if let Some(mid) = self.screen {
            self.session.signal(relais_video::ClientMsg::Screen { mid: mid.to_string() });
            return;
        }
        let mut change = self.rtc.sdp_api();
        let mid = change.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
        let Some((offer, pending)) = change.apply() else { panic!("an offer") };
        self.pending = Some(pending);
        self.screen = Some(mid);
        self.session.signal(relais_video::ClientMsg::Screen { mid: mid.to_string() });
        self.session.signal(relais_video::ClientMsg::Offer { sdp: offer.to_sdp_string() });
    }

    fn write_frame(&mut self, n: u64, seen: &mut Seen, window: &Window) {
        let keyframe = n.is_multiple_of(KEYFRAME_EVERY) || std::mem::take(&mut self.keyframe_asked);
        let top = self.layers.last().copied().unwrap_or((None, 32));
        if let Some(screen) = self.screen {
            self.write_on(screen, 1, (0, top), keyframe, n, seen, window);
        }
        for (index, layer) in self.layers.clone().into_iter().enumerate() {
            let index = u8::try_from(index).unwrap_or(u8::MAX);
            self.write_on(self.mid, 0, (index, layer), keyframe, n, seen, window);
        }
    }

    /// A frame on `mid`, marked `1` for a screen, `0` for the camera, on the layer `(index,
    /// (rid, size))`.
    #[allow(clippy::too_many_arguments)]
    fn write_on(
        &mut self,
        mid: Mid,
        marker: u8,
        (index, (rid, bytes)): (u8, (Option<Rid>, usize)),
        keyframe: bool,
        n: u64,
        seen: &mut Seen,
        window: &Window,
    ) {
        let pt = match self.pt.filter(|_| marker == 0) {
            Some(pt) => pt,
            None => {
                let Some(writer) = self.rtc.writer(mid) else { return };
                let Some(pt) = writer.payload_params().find(|p| p.spec().codec == Codec::Vp8).map(|p| p.pt())
                else {
                    return;
                };
                if marker == 0 {
                    self.pt = Some(pt);
                }
                pt
            }
        };
        let now = Instant::now();
        let sent_at = u64::try_from(now.duration_since(epoch()).as_nanos()).unwrap_or(u64::MAX);
        let mut frame = vec![0x9d_u8; bytes];
        // VP8: bit 0 of the first byte clear for a keyframe.
        frame[0] = if keyframe { 0x10 } else { 0x11 };
        frame[1..9].copy_from_slice(&sent_at.to_le_bytes());
        frame[9..17].copy_from_slice(&self.session.peer.0.to_le_bytes());
        frame[17] = marker;
        frame[18] = index;
        let time = MediaTime::new(n * 90_000 / FPS, Frequency::NINETY_KHZ);
        let Some(writer) = self.rtc.writer(mid) else { return };
        let writer = match rid {
            Some(rid) => writer.rid(rid),
            None => writer,
        };
        let writer = match self.orientation.filter(|_| marker == 0) {
            Some(orientation) => writer.video_orientation(orientation),
            None => writer,
        };
        if writer.write(pt, now, time, frame).is_ok() && window.contains(sent_at) && marker == 0 && index == 0
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
                            if let (Some(sender), Some(marker), Some(layer)) =
                                (data.data.get(9..17), data.data.get(17), data.data.get(18))
                            {
                                let sender = u64::from_le_bytes(sender.try_into().unwrap_or_default());
                                let counts = if *marker == 1 { &mut seen.screens } else { &mut seen.from };
                                *counts.entry(sender).or_default() += 1;
                                if *marker == 0 {
                                    *seen.layers.entry((sender, *layer)).or_default() += 1;
                                    if let Some(orientation) = data.ext_vals.video_orientation {
                                        *seen.rotations.entry((sender, degrees(orientation))).or_default() +=
                                            1;
                                    }
                                }
                            }
                            let us = received.saturating_sub(sent) / 1000;
                            seen.latencies_us.push(u32::try_from(us).unwrap_or(u32::MAX));
                        }
                    }
                }
                Ok(Output::Event(Event::Connected)) => {
                    seen.connected = true;
                }
                Ok(Output::Event(Event::KeyframeRequest(_))) => self.keyframe_asked = true,
                Ok(Output::Event(_)) => {}
                Err(e) => panic!("client session failed: {e}"),
            }
        }
    }

    /// Runs until `stop`; answers what it saw and its session (still in the room).
    pub async fn run(mut self, window: Arc<Window>, stop: Instant) -> (Seen, Session) {
        let seen = self.run_for(&window, stop).await;
        (seen, self.session)
    }

    /// Its place in the room, for the host's controls between runs.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Runs until `stop` (or its signalling closes), and can run again after; answers what it
    /// saw meanwhile.
    pub async fn run_for(&mut self, window: &Window, stop: Instant) -> Seen {
        let mut seen = Seen::default();
        let mut buf = vec![0_u8; 2000];
        let offset = Duration::from_micros(fastrand_offset(self.local.port()));
        let mut next_frame = Instant::now() + offset;
        loop {
            let timeout = self.drive(&mut seen, window).min(next_frame);
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
                    Some(msg) => self.signalling(msg, &mut seen),
                    None => return seen,
                },
                () = tokio::time::sleep_until(timeout.into()) => {}
            }
            let now = Instant::now();
            if now >= next_frame {
                if seen.connected || self.rtc.is_connected() {
                    self.write_frame(self.written, &mut seen, window);
                    self.written += 1;
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
pub fn fastrand_offset(seed: u16) -> u64 {
    u64::from(seed).wrapping_mul(2_654_435_761) % (1_000_000 / FPS)
}
