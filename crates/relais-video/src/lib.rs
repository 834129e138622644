//! The video SFU of Relais: rooms whose media (VP8/Opus over WebRTC) is forwarded by the server
//! itself, on str0m, with no third-party video service.
//!
//! **One task per node.** A single tokio task ([`node`]), alone on its own thread (`relais-sfu`),
//! owns the one UDP socket, every room and every peer's str0m `Rtc` (sans-IO: a `&mut` state
//! machine with no tasks of its own). Demuxing
//! one socket needs every session in one place anyway; one owner means no locks on the media
//! path; and on our 2-core machines a room's forwarding costs a few per cent of one core (see
//! `docs/video.md`), so one task carries many rooms. Rooms are partitions inside it: media is
//! forwarded only between admitted peers of the same room ([`rooms`]). A node that outgrows one
//! core would shard rooms over several such tasks, each with its own socket.
//!
//! Signalling (HTTP, WebSocket, who may join: `relais-web` and `relais-app`) talks to the task
//! through [`Sfu`] and a [`Session`] per connection: join (the lobby or, for the host, the room),
//! SDP offers and answers, chat, host controls. Dropping a `Session` leaves the room. A peer whose
//! media session times out (the browser vanished: no ICE for str0m's timeout) leaves too; a
//! joining peer's senders are asked for a keyframe (PLI) so it sees a picture at once.
//!
//! A browser whose connection drops comes back within `rejoin_window` without the lobby, with
//! the rejoin ticket it was handed when admitted ([`tickets`]).
//!
//! Screen sharing: a browser adds its screen with an offer of its own (the SFU gives way when
//! offers cross, see [`protocol`]); the SFU forwards it, as `p7-screen`, to the people where
//! the sharer is. Side rooms: the host sends some people to talk apart; media, shared screens
//! and chat go only between people in the same place ([`rooms`]).
//!
//! Simulcast: a browser may send its camera as two or three layers (rids); each receiver gets
//! one, chosen from the bandwidth str0m estimates towards it and the cap it asked for, and
//! switched on a keyframe ([`simulcast`]). A sender without layers is forwarded as it is.

mod config;
mod node;
mod peer;
mod priority;
pub mod protocol;
pub mod rooms;
pub mod simulcast;
mod tickets;

use std::net::SocketAddr;

use str0m::Candidate;
use tokio::sync::{mpsc, oneshot};

pub use config::{IceServer, PEER_TIMEOUT, REJOIN_WINDOW, VideoConfig};
pub use node::DELAY_BOUNDS_US;
pub use priority::MAX_REALTIME_PRIORITY;
pub use protocol::{ClientMsg, Role, ServerMsg};
pub use rooms::{Control, Joiner, JoinerKind, PeerId, Refusal, RoomError};

/// The UDP receive buffer asked for (see `Sfu::start`).
const RECEIVE_BUFFER: usize = 4 * 1024 * 1024;

/// A running SFU: cheap to clone, every clone talks to the same task.
#[derive(Clone)]
pub struct Sfu {
    commands: mpsc::UnboundedSender<node::Command>,
    ice_servers: std::sync::Arc<Vec<IceServer>>,
    udp: SocketAddr,
    simulcast: bool,
}

/// Figures of a node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// Rooms with someone in them.
    pub rooms: usize,
    /// People in them, lobbies included.
    pub participants: usize,
    /// Media payload bytes forwarded, counted once per receiver.
    pub forwarded_bytes: u64,
    /// Media packets forwarded, counted once per receiver.
    pub forwarded_packets: u64,
    /// Datagrams the node sent (media, RTCP, ICE, DTLS).
    pub sent_datagrams: u64,
    /// Forwarded bitrate over the last second.
    pub forwarded_bps: u64,
    /// The worst room's loss on the way in over the last second (its worst sender's).
    pub worst_room_loss: f32,
    /// RTP packets forwarded by the delay the node added (from the read of the datagram that
    /// completed their frame to the packet sent), in buckets bounded by [`DELAY_BOUNDS_US`].
    pub forwarding_delays: [u64; DELAY_BOUNDS_US.len()],
    pub udp_port: u16,
}

/// The SFU stopped (it never does while a handle exists, barring a bug).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

impl Sfu {
    /// Binds the UDP socket and starts the node on a thread of its own (`relais-sfu`).
    ///
    /// Its own thread, not a task among the web server's: a packet is read and forwarded as
    /// soon as the kernel runs the thread, never queued behind an HTTP request on a shared
    /// worker, and an operator can give the thread a higher priority than the rest.
    ///
    /// # Errors
    /// The socket cannot be bound, the address offered to browsers is unusable, or the
    /// thread cannot start.
    pub async fn start(config: &VideoConfig) -> std::io::Result<Sfu> {
        let realtime = config
            .realtime_priority
            .map(priority::Realtime::new)
            .transpose()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let socket = std::net::UdpSocket::bind(config.udp_bind)?;
        socket.set_nonblocking(true)?;
        // A busy machine may not run the node for some milliseconds; at 300 Mbit/s the default
        // 208 KiB receive buffer overflows in 6 ms, and a lost packet stalls its frame until
        // resent. The kernel caps the size at `net.core.rmem_max`.
        let _ = socket2::SockRef::from(&socket).set_recv_buffer_size(RECEIVE_BUFFER);
        let bound = socket.local_addr()?;
        let address = config.candidate_address(bound).map_err(std::io::Error::other)?;
        let candidate = Candidate::host(address, "udp").map_err(std::io::Error::other)?;
        let (commands, receiver) = mpsc::unbounded_channel();
        let (started, start_result) = oneshot::channel();
        let node_config = config.clone();
        std::thread::Builder::new().name("relais-sfu".to_owned()).spawn(move || {
            if let Some(realtime) = realtime {
                // Video works either way: a refusal is the operator's to fix, not a reason
                // to stop the server.
                match realtime.apply_to_current_thread() {
                    Ok(()) => tracing::info!(priority = realtime.priority(), "the SFU thread runs on the real-time FIFO policy"),
                    Err(e) => tracing::warn!(
                        priority = realtime.priority(),
                        error = %e,
                        "the SFU thread stays on the normal policy (real-time needs CAP_SYS_NICE or LimitRTPRIO)"
                    ),
                }
            }
            let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime,
                Err(e) => {
                    let _ = started.send(Err(e));
                    return;
                }
            };
            runtime.block_on(async move {
                let node = tokio::net::UdpSocket::from_std(socket)
                    .and_then(|socket| node::Node::new(socket, candidate, &node_config));
                match node {
                    Ok(node) => {
                        let _ = started.send(Ok(()));
                        node.run(receiver).await;
                    }
                    Err(e) => {
                        let _ = started.send(Err(e));
                    }
                }
            });
        })?;
        start_result.await.map_err(|_| std::io::Error::other("the SFU thread ended at start"))??;
        Ok(Sfu {
            commands,
            ice_servers: std::sync::Arc::new(config.ice_servers.clone()),
            udp: address,
            simulcast: config.simulcast,
        })
    }

    /// The address browsers send media to.
    pub fn media_address(&self) -> SocketAddr {
        self.udp
    }

    /// Whether browsers are asked to send their camera as simulcast layers.
    pub fn simulcast(&self) -> bool {
        self.simulcast
    }

    /// The STUN/TURN servers browsers are given.
    pub fn ice_servers(&self) -> &[IceServer] {
        &self.ice_servers
    }

    /// Opens `room` with `actor` (a clinician's account id) as its host.
    pub fn open(&self, room: &str, actor: &str) {
        let _ = self.commands.send(node::Command::Open { room: room.to_owned(), actor: actor.to_owned() });
    }

    /// Whether `room` was ended by its host.
    pub async fn is_ended(&self, room: &str) -> bool {
        let (reply, answer) = oneshot::channel();
        let _ = self.commands.send(node::Command::Ended { room: room.to_owned(), reply });
        answer.await.unwrap_or(false)
    }

    /// The node's figures.
    ///
    /// # Errors
    /// [`Stopped`] if the task is gone.
    pub async fn stats(&self) -> Result<Stats, Stopped> {
        let (reply, answer) = oneshot::channel();
        self.commands.send(node::Command::Stats { reply }).map_err(|_| Stopped)?;
        answer.await.map_err(|_| Stopped)
    }

    /// `joiner` joins `room`: the host enters it, anyone else waits in its lobby.
    ///
    /// # Errors
    /// The room has ended or is full (or the SFU stopped: `Ended`).
    pub async fn join(&self, room: &str, joiner: Joiner) -> Result<Session, Refusal> {
        let (reply, answer) = oneshot::channel();
        let command = node::Command::Join { room: room.to_owned(), joiner, reply };
        self.commands.send(command).map_err(|_| Refusal::Ended)?;
        let joined = answer.await.map_err(|_| Refusal::Ended)??;
        Ok(Session {
            peer: joined.peer,
            role: joined.role,
            events: joined.events,
            commands: self.commands.clone(),
        })
    }
}

/// One connection's place in a room. Dropping it leaves the room.
pub struct Session {
    pub peer: PeerId,
    pub role: Role,
    /// What to send the browser; closed when the peer is out (refused, removed, room ended).
    pub events: mpsc::UnboundedReceiver<ServerMsg>,
    commands: mpsc::UnboundedSender<node::Command>,
}

impl Session {
    /// A signalling message from the browser (offer, answer, chat, its own mute, ping).
    pub fn signal(&self, msg: ClientMsg) {
        let _ = self.commands.send(node::Command::Signal { peer: self.peer, msg });
    }

    /// A host's control. Answers the audit actor of whom it concerned.
    ///
    /// # Errors
    /// Not a host, or not someone it applies to.
    pub async fn control(&self, control: Control) -> Result<Option<String>, RoomError> {
        let (reply, answer) = oneshot::channel();
        let command = node::Command::Control { peer: self.peer, control, reply };
        self.commands.send(command).map_err(|_| RoomError::NotInRoom)?;
        answer.await.map_err(|_| RoomError::NotInRoom)?
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.commands.send(node::Command::Leave { peer: self.peer });
    }
}
