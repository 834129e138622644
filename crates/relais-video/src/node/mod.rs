//! The SFU loop: one task owns the UDP socket, every room and every peer. It wakes on a packet,
//! a signalling command or a str0m timer, feeds the input to the [`Rtc`] it belongs to, drains
//! the output of the peers that have something to do (packets to send, media to forward within
//! its room, keyframe requests), and sleeps until the next timer.
//!
//! The media path costs O(1) in the number of peers on the node: a datagram finds its session
//! by its source address (a scan of every session's ICE credentials only for a new address),
//! only the sessions whose timer is due are woken, and only the sessions that were handed
//! input are drained (a datagram's at once, the others through `busy`). Signalling is rare and
//! may touch anyone: after a command every session is drained once.
//!
//! [`Rtc`]: str0m::Rtc

mod arrival;
mod batch;
mod commands;
mod figures;
mod layers;
mod tracks;

pub use figures::DELAY_BOUNDS_US;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::media::{MediaKind, Mid, Rid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Input, Rtc};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};

use crate::peer::{Incoming, Peer};
use crate::protocol::{ClientMsg, Role, ServerMsg};
use crate::rooms::{Control, Joiner, PeerId, Refusal, RoomError, Rooms};

/// The longest the loop sleeps without a timer due (str0m asks for less when it needs to).
const MAX_SLEEP: Duration = Duration::from_millis(100);
/// How long the loop sleeps with no call at all: a command wakes it sooner (an idle server's
/// node used to wake ten times a second for nothing).
const IDLE_SLEEP: Duration = Duration::from_secs(3600);

/// Datagrams read in one wake (one system call) before the media they carried is forwarded:
/// fewer wakes under load, and a packet waits at most this many others' decryption.
const RECEIVE_BATCH: usize = 8;

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
pub(crate) enum Propagated {
    TrackOpen(PeerId, Mid, MediaKind),
    Media(PeerId, Incoming),
    /// A keyframe from this sender's track, of this layer if it sends simulcast.
    Keyframe(PeerId, Mid, Option<Rid>),
}

pub(crate) struct Node {
    socket: Arc<UdpSocket>,
    bound: SocketAddr,
    candidate: Candidate,
    rooms: Rooms,
    peers: HashMap<PeerId, Peer>,
    /// The session each remote address last sent to.
    routes: HashMap<SocketAddr, PeerId>,
    /// Sessions handed input (a timeout, media, a command) since they were last drained.
    busy: HashSet<PeerId>,
    /// The sessions being drained (`busy` of the round before; empty between rounds).
    draining: HashSet<PeerId>,
    /// What the sessions drained in a round ask of the others (empty between rounds).
    work: Vec<Propagated>,
    next_peer: u64,
    figures: figures::Figures,
    /// How long a session may stay ICE-disconnected before its peer counts as gone.
    peer_timeout: Duration,
    tickets: crate::tickets::Tickets,
    /// When the senders' simulcast layers were last measured (and receivers' layers chosen).
    layers_measured: Instant,
    /// The simulcast layers each sending track offered at the last measurement.
    table: crate::peer::LayerTable,
    /// Datagrams waiting to be sent together.
    batch: batch::Batch,
}

impl Node {
    pub fn new(
        socket: UdpSocket,
        candidate: Candidate,
        config: &crate::VideoConfig,
    ) -> std::io::Result<Self> {
        let bound = socket.local_addr()?;
        let batch = batch::Batch::new(&socket);
        Ok(Self {
            socket: Arc::new(socket),
            bound,
            candidate,
            rooms: Rooms::default(),
            peers: HashMap::new(),
            routes: HashMap::new(),
            busy: HashSet::new(),
            draining: HashSet::new(),
            work: Vec::new(),
            next_peer: 1,
            figures: figures::Figures::new(Instant::now()),
            peer_timeout: config.peer_timeout,
            tickets: crate::tickets::Tickets::new(config.rejoin_window),
            layers_measured: Instant::now(),
            table: crate::peer::LayerTable::new(),
            batch,
        })
    }

    /// Runs until every handle to the SFU is gone.
    pub async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let socket = self.socket.clone();
        let (mut receiver, stamping) = arrival::Receiver::new(&socket, RECEIVE_BATCH);
        if !stamping {
            tracing::warn!(
                "the kernel does not stamp UDP arrivals: browsers' estimates may suffer on a busy machine"
            );
        }
        loop {
            let deadline = self.drive();
            enum Woke {
                Readable(std::io::Result<()>),
                Command(Option<Command>),
                Timer,
            }
            let woke = tokio::select! {
                readable = socket.readable() => Woke::Readable(readable),
                command = commands.recv() => Woke::Command(command),
                () = tokio::time::sleep_until(deadline.into()) => Woke::Timer,
            };
            match woke {
                Woke::Readable(Ok(())) => match receiver.receive(&socket) {
                    Ok(_) => {
                        for (contents, d) in receiver.datagrams() {
                            self.receive(contents, d.source, d.arrived);
                        }
                    }
                    Err(e) => tracing::debug!(error = %e, "UDP receive failed"),
                },
                Woke::Readable(Err(e)) => tracing::debug!(error = %e, "UDP socket failed"),
                Woke::Command(Some(command)) => {
                    self.command(command);
                    self.busy.extend(self.peers.keys().copied());
                }
                Woke::Command(None) => break,
                Woke::Timer => {}
            }
            let now = Instant::now();
            for peer in self.peers.values_mut() {
                if peer.due <= now
                    && let Some(rtc) = peer.rtc.as_mut().filter(|r| r.is_alive())
                {
                    if rtc.handle_input(Input::Timeout(peer.clock.at(now))).is_err() {
                        rtc.disconnect();
                    }
                    self.busy.insert(peer.id);
                }
            }
            if self.figures.due(now) {
                self.reap(now);
                self.publish(now);
                self.choose_layers(now);
            }
        }
    }

    /// Hands a datagram that `arrived` to the session it belongs to: the one its address last
    /// sent to, else the one whose ICE credentials it carries.
    fn receive(&mut self, data: &[u8], source: SocketAddr, arrived: Instant) {
        let Ok(contents) = data.try_into() else { return };
        let input = Input::Receive(
            arrived,
            Receive { proto: Protocol::Udp, source, destination: self.bound_for_candidate(), contents },
        );
        let routed = self
            .routes
            .get(&source)
            .and_then(|id| self.peers.get(id))
            .filter(|p| p.rtc.as_ref().is_some_and(|rtc| rtc.accepts(&input)))
            .map(|p| p.id);
        let owner = routed.or_else(|| {
            let found = self.peers.values().find(|p| p.rtc.as_ref().is_some_and(|rtc| rtc.accepts(&input)));
            found.map(|p| p.id)
        });
        let Some(id) = owner else { return };
        if routed.is_none() {
            self.routes.insert(source, id);
        }
        let Some(peer) = self.peers.get_mut(&id) else { return };
        // A datagram that arrived before the last timeout handed over counts as arrived then.
        let arrived = peer.clock.at(arrived);
        // `arrived` is also the stamp str0m gives the media packet (`RtpPacket::timestamp`),
        // where its forwarding delay counts from: the wait in the socket is the node's too.
        peer.last_heard = arrived;
        let Input::Receive(_, receive) = input else { return };
        let Some(rtc) = peer.rtc.as_mut() else { return };
        if rtc.handle_input(Input::Receive(arrived, receive)).is_err() {
            rtc.disconnect();
        }
        // At once: in RTP mode a session holds one media packet until it is polled, and the
        // next datagram of the batch would replace it.
        // Drained here, it need not be again in this round: what it is asked later (media to
        // send, a keyframe) marks it busy then.
        let mut work = std::mem::take(&mut self.work);
        self.drain_peer(id, &mut work);
        self.work = work;
    }

    /// Drains one session: what it sends goes to the batch, what it asks of the others to
    /// `work`.
    fn drain_peer(&mut self, id: PeerId, work: &mut Vec<Propagated>) {
        let Some(peer) = self.peers.get_mut(&id) else { return };
        let (socket, batch, figures) = (&self.socket, &mut self.batch, &mut self.figures);
        let mut send = |to, contents: Vec<u8>| batch.push(socket, to, contents);
        let sent = peer.drain(&mut send, work, &mut |delay| figures.delayed(delay));
        figures.sent_datagrams += sent;
    }

    /// The destination str0m matches against its local candidate.
    fn bound_for_candidate(&self) -> SocketAddr {
        if self.bound.ip().is_unspecified() { self.candidate.addr() } else { self.bound }
    }

    /// Drains the busy peers' output until nothing is left to propagate; answers the next
    /// timer of any peer.
    fn drive(&mut self) -> Instant {
        // The sets and lists of a round keep their memory from one wake to the next: this
        // runs on every wake, and allocating them anew cost more than the loop's own work.
        // (`work` may already hold what the datagrams just read carried, see `receive`.)
        let mut work = std::mem::take(&mut self.work);
        let mut draining = std::mem::take(&mut self.draining);
        loop {
            std::mem::swap(&mut self.busy, &mut draining);
            for id in draining.drain() {
                self.drain_peer(id, &mut work);
            }
            // What this round produced goes out before the media it carried is propagated.
            self.batch.flush(&self.socket);
            if work.is_empty() {
                self.work = work;
                self.draining = draining;
                let idle = self.figures.quiet && self.peers.is_empty();
                let now = Instant::now();
                let cap = now + if idle { IDLE_SLEEP } else { MAX_SLEEP };
                // A dead session's timer is never served (it leaves at the next reap): counted,
                // its past `due` would spin the loop until then.
                return self
                    .peers
                    .values()
                    .filter(|p| p.rtc.as_ref().is_some_and(Rtc::is_alive))
                    .map(|p| p.wake_at(now))
                    .fold(cap, Instant::min);
            }
            for item in work.drain(..) {
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
                self.sync(&room);
            }
            Propagated::Media(origin, incoming) => {
                let Some(peer) = self.peers.get_mut(&origin) else { return };
                let Some(source) = peer.source_in(incoming.mid) else { return };
                if let Some(rid) = incoming.rid {
                    peer.count_layer(incoming.mid, rid, incoming.packet.payload.len());
                }
                // A count, not a copy: the room's id is shared.
                let room = peer.room.clone();
                if !self.rooms.forwards(&room, origin, source) {
                    return;
                }
                // Only to the people where the sender is (its side room, or the main room).
                for id in self.rooms.audience(&room, origin) {
                    if let Some(other) = self.peers.get_mut(&id) {
                        let written = other.forward(origin, &incoming);
                        if written > 0 {
                            self.figures.forwarded(&room, written);
                            self.busy.insert(id);
                        }
                    }
                }
            }
            Propagated::Keyframe(origin, mid, rid) => {
                if let Some(peer) = self.peers.get_mut(&origin) {
                    peer.request_keyframe(mid, rid, Instant::now());
                    self.busy.insert(origin);
                }
            }
        }
    }
}
