//! The SFU loop: one task owns the UDP socket, every room and every peer. It wakes on a packet,
//! a signalling command or a str0m timer, feeds the input to the [`Rtc`] it belongs to, drains
//! every peer's output (packets to send, media to forward within its room, keyframe requests),
//! and sleeps until the next timer.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::media::{MediaData, MediaKind, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, IceConnectionState, Input, Output};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};

use crate::peer::Peer;
use crate::protocol::{ClientMsg, Role, ServerMsg};
use crate::rooms::{Control, Effect, Joiner, PeerId, Refusal, RoomError, Rooms};

/// How long a session may stay ICE-disconnected before its peer counts as gone.
const ICE_GRACE: Duration = Duration::from_secs(15);

/// The longest the loop sleeps without a timer due (str0m asks for less when it needs to).
const MAX_SLEEP: Duration = Duration::from_millis(100);

/// What the signalling side asks of the loop.
pub(crate) enum Command {
    Open { room: String, actor: String },
    Join { room: String, joiner: Joiner, reply: oneshot::Sender<Result<Joined, Refusal>> },
    Signal { peer: PeerId, msg: ClientMsg },
    Control { peer: PeerId, control: Control, reply: oneshot::Sender<Result<Option<String>, RoomError>> },
    Leave { peer: PeerId },
    Ended { room: String, reply: oneshot::Sender<bool> },
    Stats { reply: oneshot::Sender<crate::Stats> },
}

/// A join that went through.
pub(crate) struct Joined {
    pub peer: PeerId,
    pub role: Role,
    pub events: mpsc::UnboundedReceiver<ServerMsg>,
}

/// What one peer's output asks of the others.
// Media is the common case: boxing it would allocate once per packet for nothing.
#[allow(clippy::large_enum_variant)]
enum Propagated {
    TrackOpen(PeerId, Mid, MediaKind),
    Media(PeerId, MediaData),
    Keyframe(PeerId, Mid),
}

pub(crate) struct Node {
    socket: Arc<UdpSocket>,
    bound: SocketAddr,
    candidate: Candidate,
    rooms: Rooms,
    peers: HashMap<PeerId, Peer>,
    next_peer: u64,
    forwarded_bytes: u64,
    forwarded_packets: u64,
    /// What `forwarded_*` were when last added to the metrics.
    published: (u64, u64),
    published_at: Instant,
}

impl Node {
    pub fn new(socket: UdpSocket, candidate: Candidate) -> std::io::Result<Self> {
        let bound = socket.local_addr()?;
        Ok(Self {
            socket: Arc::new(socket),
            bound,
            candidate,
            rooms: Rooms::default(),
            peers: HashMap::new(),
            next_peer: 1,
            forwarded_bytes: 0,
            forwarded_packets: 0,
            published: (0, 0),
            published_at: Instant::now(),
        })
    }

    /// Runs until every handle to the SFU is gone.
    pub async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let socket = self.socket.clone();
        let mut buf = vec![0_u8; 2000];
        loop {
            let deadline = self.drive();
            enum Woke {
                Packet(std::io::Result<(usize, SocketAddr)>),
                Command(Option<Command>),
                Timer,
            }
            let woke = tokio::select! {
                received = socket.recv_from(&mut buf) => Woke::Packet(received),
                command = commands.recv() => Woke::Command(command),
                () = tokio::time::sleep_until(deadline.into()) => Woke::Timer,
            };
            match woke {
                Woke::Packet(Ok((n, source))) => self.receive(&buf[..n], source),
                Woke::Packet(Err(e)) => tracing::debug!(error = %e, "UDP receive failed"),
                Woke::Command(Some(command)) => self.command(command),
                Woke::Command(None) => break,
                Woke::Timer => {}
            }
            let now = Instant::now();
            for peer in self.peers.values_mut() {
                if let Some(rtc) = peer.rtc.as_mut().filter(|r| r.is_alive())
                    && rtc.handle_input(Input::Timeout(now)).is_err()
                {
                    rtc.disconnect();
                }
            }
            self.reap();
            if now.duration_since(self.published_at) >= Duration::from_secs(1) {
                self.publish_forwarded(now);
            }
        }
    }

    /// Adds what was forwarded since last time to the metrics (batched: not once per packet).
    fn publish_forwarded(&mut self, now: Instant) {
        self.published_at = now;
        let (bytes, packets) = self.published;
        if self.forwarded_packets > packets {
            metrics::counter!("relais_video_forwarded_bytes_total").increment(self.forwarded_bytes - bytes);
            metrics::counter!("relais_video_forwarded_packets_total")
                .increment(self.forwarded_packets - packets);
            self.published = (self.forwarded_bytes, self.forwarded_packets);
        }
    }

    /// Hands a datagram to the session it belongs to (ICE credentials, then the 5-tuple).
    fn receive(&mut self, data: &[u8], source: SocketAddr) {
        let Ok(contents) = data.try_into() else { return };
        let input = Input::Receive(
            Instant::now(),
            Receive { proto: Protocol::Udp, source, destination: self.bound_for_candidate(), contents },
        );
        let owner = self.peers.values_mut().filter_map(|p| p.rtc.as_mut()).find(|rtc| rtc.accepts(&input));
        if let Some(rtc) = owner
            && rtc.handle_input(input).is_err()
        {
            rtc.disconnect();
        }
    }

    /// The destination str0m matches against its local candidate.
    fn bound_for_candidate(&self) -> SocketAddr {
        if self.bound.ip().is_unspecified() { self.candidate.addr() } else { self.bound }
    }

    /// Drains every peer's output until nothing is left to propagate; answers the next timer.
    fn drive(&mut self) -> Instant {
        loop {
            let mut deadline = Instant::now() + MAX_SLEEP;
            let mut work = Vec::new();
            for peer in self.peers.values_mut() {
                let id = peer.id;
                let Some(rtc) = peer.rtc.as_mut() else { continue };
                // Keyframe requests from this browser, for tracks whose sender is found after.
                let mut asked = Vec::new();
                while rtc.is_alive() {
                    match rtc.poll_output() {
                        Ok(Output::Timeout(t)) => {
                            deadline = deadline.min(t);
                            break;
                        }
                        Ok(Output::Transmit(t)) => {
                            // UDP: a datagram the kernel cannot take now is lost, like on the wire.
                            let _ = self.socket.try_send_to(&t.contents, t.destination);
                        }
                        Ok(Output::Event(event)) => match event {
                            Event::MediaAdded(added) => {
                                work.push(Propagated::TrackOpen(id, added.mid, added.kind))
                            }
                            Event::MediaData(data) => work.push(Propagated::Media(id, data)),
                            Event::KeyframeRequest(request) => {
                                asked.push(request.mid);
                            }
                            // A blip (a busy machine, a Wi-Fi hand-over) may heal: the session is
                            // given ICE_GRACE before it counts as gone (see `reap`).
                            Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                                peer.ice_lost_at.get_or_insert_with(Instant::now);
                            }
                            Event::IceConnectionStateChange(_) => peer.ice_lost_at = None,
                            _ => {}
                        },
                        Err(e) => {
                            tracing::debug!(peer = %id, error = %e, "media session failed");
                            rtc.disconnect();
                        }
                    }
                }
                for mid in asked {
                    if let Some((origin, origin_mid)) = peer.origin_of(mid) {
                        work.push(Propagated::Keyframe(origin, origin_mid));
                    }
                }
            }
            if work.is_empty() {
                return deadline;
            }
            for item in work {
                self.propagate(item);
            }
        }
    }

    fn propagate(&mut self, item: Propagated) {
        match item {
            Propagated::TrackOpen(origin, mid, kind) => {
                let Some(peer) = self.peers.get_mut(&origin) else { return };
                peer.track_added(mid, kind);
                let room = peer.room.clone();
                if self.rooms.role(&room, origin) == Some(Role::Observer) {
                    return;
                }
                for id in self.rooms.admitted(&room) {
                    if id != origin
                        && let Some(other) = self.peers.get_mut(&id)
                        && other.rtc.is_some()
                    {
                        other.receive_track(origin, mid, kind);
                        other.negotiate();
                    }
                }
            }
            Propagated::Media(origin, data) => {
                let Some(peer) = self.peers.get(&origin) else { return };
                let audio = peer.kind_in(data.mid) == Some(MediaKind::Audio);
                let room = peer.room.clone();
                if !self.rooms.forwards(&room, origin, audio) {
                    return;
                }
                for id in self.rooms.admitted(&room) {
                    if id != origin
                        && let Some(other) = self.peers.get_mut(&id)
                    {
                        let written = other.forward(origin, &data);
                        if written > 0 {
                            self.forwarded_bytes += written as u64;
                            self.forwarded_packets += 1;
                        }
                    }
                }
            }
            Propagated::Keyframe(origin, mid) => {
                if let Some(peer) = self.peers.get_mut(&origin) {
                    peer.request_keyframe(mid, Instant::now());
                }
            }
        }
    }

    fn command(&mut self, command: Command) {
        match command {
            Command::Open { room, actor } => self.rooms.open(&room, &actor),
            Command::Join { room, joiner, reply } => {
                let peer = PeerId(self.next_peer);
                self.next_peer += 1;
                let (events, receiver) = mpsc::unbounded_channel();
                match self.rooms.join(&room, peer, joiner) {
                    Ok((role, effects)) => {
                        self.peers.insert(peer, Peer::new(peer, room, events));
                        if reply.send(Ok(Joined { peer, role, events: receiver })).is_err() {
                            // The page went away while joining.
                            self.leave(peer);
                            return;
                        }
                        self.apply(effects);
                    }
                    Err(refusal) => {
                        let _ = reply.send(Err(refusal));
                    }
                }
                self.publish_counts();
            }
            Command::Signal { peer, msg } => self.signal(peer, msg),
            Command::Control { peer, control, reply } => {
                let Some(room) = self.peers.get(&peer).map(|p| p.room.clone()) else {
                    let _ = reply.send(Err(RoomError::NotInRoom));
                    return;
                };
                match self.rooms.control(&room, peer, control) {
                    Ok((effects, target)) => {
                        self.apply(effects);
                        let _ = reply.send(Ok(target));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
                self.publish_counts();
            }
            Command::Leave { peer } => self.leave(peer),
            Command::Ended { room, reply } => {
                let _ = reply.send(self.rooms.is_ended(&room));
            }
            Command::Stats { reply } => {
                let (rooms, participants) = self.rooms.counts();
                let _ = reply.send(crate::Stats {
                    rooms,
                    participants,
                    forwarded_bytes: self.forwarded_bytes,
                    forwarded_packets: self.forwarded_packets,
                    udp_port: self.bound.port(),
                });
            }
        }
    }

    fn signal(&mut self, id: PeerId, msg: ClientMsg) {
        let Some(peer) = self.peers.get(&id) else { return };
        let room = peer.room.clone();
        let admitted = self.rooms.admitted(&room).contains(&id);
        match msg {
            ClientMsg::Offer { sdp } => {
                if !admitted {
                    peer.send(ServerMsg::Error { code: "not-admitted".to_owned() });
                    return;
                }
                let candidate = self.candidate.clone();
                let Some(peer) = self.peers.get_mut(&id) else { return };
                let first = peer.rtc.is_none();
                if let Err(e) = peer.accept_first_offer(&sdp, candidate, Instant::now()) {
                    tracing::debug!(peer = %id, error = %e, "offer refused");
                    peer.send(ServerMsg::Error { code: "offer-invalid".to_owned() });
                    return;
                }
                if first {
                    // Everything already sent in the room comes to the newcomer.
                    let senders: Vec<(PeerId, Vec<(Mid, MediaKind)>)> = self
                        .rooms
                        .admitted(&room)
                        .into_iter()
                        .filter(|p| *p != id && self.rooms.role(&room, *p) != Some(Role::Observer))
                        .filter_map(|p| {
                            self.peers
                                .get(&p)
                                .map(|o| (p, o.tracks_in.iter().map(|t| (t.mid, t.kind)).collect()))
                        })
                        .collect();
                    if let Some(peer) = self.peers.get_mut(&id) {
                        for (origin, tracks) in senders {
                            for (mid, kind) in tracks {
                                peer.receive_track(origin, mid, kind);
                            }
                        }
                        peer.negotiate();
                    }
                }
            }
            ClientMsg::Answer { sdp } => {
                let Some(peer) = self.peers.get_mut(&id) else { return };
                match peer.accept_answer(&sdp) {
                    Ok(opened) => {
                        peer.negotiate();
                        let now = Instant::now();
                        for (origin, mid) in opened {
                            if let Some(origin) = self.peers.get_mut(&origin) {
                                origin.request_keyframe(mid, now);
                            }
                        }
                    }
                    Err(e) => {
                        tracing::debug!(peer = %id, error = %e, "answer refused");
                        peer.send(ServerMsg::Error { code: "answer-invalid".to_owned() });
                    }
                }
            }
            ClientMsg::Chat { text } => match self.rooms.chat(&room, id, &text) {
                Ok(effects) => self.apply(effects),
                Err(e) => peer.send(ServerMsg::Error { code: e.code().to_owned() }),
            },
            ClientMsg::SetMedia { audio, video } => {
                let effects = self.rooms.set_media(&room, id, audio, video);
                self.apply(effects);
            }
            ClientMsg::Ping => peer.send(ServerMsg::Pong),
            // Host controls come as `Command::Control`, to be audited.
            ClientMsg::Admit { .. }
            | ClientMsg::Refuse { .. }
            | ClientMsg::Remove { .. }
            | ClientMsg::Mute { .. }
            | ClientMsg::StopCamera { .. }
            | ClientMsg::End => peer.send(ServerMsg::Error { code: "not-a-signal".to_owned() }),
        }
    }

    fn apply(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Send(to, msg) => {
                    if let Some(peer) = self.peers.get(&to) {
                        peer.send(msg);
                    }
                }
                // Media starts with the browser's offer, which only an admitted peer may make.
                Effect::Admitted(_) => {}
                Effect::Drop(peer) => self.drop_peer(peer),
            }
        }
    }

    /// `peer` left on its own: out of its room, its media cut.
    fn leave(&mut self, peer: PeerId) {
        let Some(room) = self.peers.get(&peer).map(|p| p.room.clone()) else { return };
        let effects = self.rooms.leave(&room, peer);
        self.drop_peer(peer);
        self.apply(effects);
        self.publish_counts();
    }

    /// Removes `peer`'s session (closing its signalling once what was sent is read) and stops
    /// its tracks on everyone else in its room.
    fn drop_peer(&mut self, id: PeerId) {
        let Some(mut peer) = self.peers.remove(&id) else { return };
        if let Some(rtc) = peer.rtc.as_mut() {
            rtc.disconnect();
        }
        for other in self.peers.values_mut().filter(|p| p.room == peer.room) {
            other.stop_receiving(id);
            other.negotiate();
        }
    }

    /// Peers whose media session died (ICE gone for longer than `ICE_GRACE`, or failed: the
    /// browser vanished) leave.
    fn reap(&mut self) {
        let now = Instant::now();
        for peer in self.peers.values_mut() {
            if peer.ice_lost_at.is_some_and(|t| now.duration_since(t) > ICE_GRACE)
                && let Some(rtc) = peer.rtc.as_mut()
            {
                rtc.disconnect();
            }
        }
        let dead: Vec<PeerId> = self
            .peers
            .values()
            .filter(|p| p.rtc.as_ref().is_some_and(|r| !r.is_alive()))
            .map(|p| p.id)
            .collect();
        for id in dead {
            if let Some(peer) = self.peers.get(&id) {
                peer.send(ServerMsg::Closed { reason: "timed-out".to_owned() });
            }
            tracing::info!(peer = %id, "media session timed out");
            self.leave(id);
        }
    }

    fn publish_counts(&self) {
        let (rooms, participants) = self.rooms.counts();
        metrics::gauge!("relais_video_rooms").set(rooms as f64);
        metrics::gauge!("relais_video_participants").set(participants as f64);
    }
}
