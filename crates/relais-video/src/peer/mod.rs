//! One browser's WebRTC session on the SFU: its str0m [`Rtc`], the tracks it sends us
//! (`tracks_in`), the tracks of the others we send it (`tracks_out`), and the drain of its
//! output; the renegotiation that adds or stops those is in `negotiation.rs` (the SFU makes
//! the offers, sent over the WebSocket), the media it forwards in `media.rs`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::bwe::{Bitrate, BweKind};
use str0m::change::SdpPendingOffer;
use str0m::media::{MediaKind, Mid, Rid};
use str0m::rtp::Ssrc;
use str0m::{Event, IceConnectionState, Input, Output, Rtc};
use tokio::sync::mpsc;

use crate::node::Propagated;

use crate::protocol::ServerMsg;
use crate::rooms::{PeerId, Source};

mod clock;
mod hold;
mod layers;
mod media;
mod negotiation;
mod splice;
mod tracks;

pub(crate) use clock::SessionClock;
use hold::Hold;
pub(crate) use layers::LayerTable;
pub(crate) use media::Incoming;
use splice::Splice;
pub(crate) use tracks::{TrackIn, TrackOut, Wanted};

/// Where str0m's bandwidth estimate towards a browser that sends simulcast starts (it probes
/// upwards from there).
const INITIAL_ESTIMATE: Bitrate = Bitrate::kbps(1_000);

/// How many times a drain wakes a session whose timer is already due (see `Peer::drain`).
const MAX_WAKES: u32 = 4;

/// The same for a paced session: str0m's pacer lets one packet go per wake, so a held frame
/// (and the audio beside it) leaves in one drain, as one segmented send, while the pacer's
/// budget allows it, instead of four packets per turn of the node's loop, each turn a
/// `sendmmsg` of its own (docs/video.md, eighth session).
const MAX_PACED_WAKES: u32 = 64;

/// How late an unpaced session's timer may be served: it is then served on whichever datagram
/// wakes the node first, or with the other sessions' timers due by then.
///
/// Why: str0m's timers (transport feedback every 50 ms, a NACK check every 33 ms, reports) are
/// four or five dozen a second per session, each at its own phase, and woke the node on their
/// own between datagrams: with one room of four, 40 % of its wake-ups (docs/video.md). What is
/// late: feedback (it carries its own arrival times), a request for a lost packet, and, only
/// after a loss, the frames str0m holds until it gives up on the lost packet. Written media
/// goes out in the drain that wrote it (str0m asks for an immediate wake, see `drain`), and a
/// timer already past when the drain ends is not delayed. Paced sessions are exact: their
/// timer is the pacer's, when the next packet may go.
pub(crate) const TIMER_SLACK: Duration = Duration::from_millis(10);

/// No more than one keyframe request a second per track: a PLI storm costs every receiver.
const KEYFRAME_INTERVAL: Duration = Duration::from_secs(1);

/// One browser's media session.
pub(crate) struct Peer {
    pub id: PeerId,
    /// Its room's id (shared: it is looked at for every frame forwarded).
    pub room: Arc<str>,
    /// Signalling to the browser (its WebSocket task).
    pub events: mpsc::UnboundedSender<ServerMsg>,
    /// Set once admitted and the browser made its offer.
    pub rtc: Option<Rtc>,
    pending: Option<SdpPendingOffer>,
    pub tracks_in: Vec<TrackIn>,
    pub tracks_out: Vec<TrackOut>,
    /// The m-line of its own offers its browser shares its screen on, once it said so.
    pub screen_mid: Option<Mid>,
    /// When ICE last went from connected to disconnected, if it has not come back since.
    pub ice_lost_at: Option<Instant>,
    /// When a datagram last came from its browser (media, RTCP or ICE: a browser in a call
    /// sends some every second or so, even muted).
    pub last_heard: Instant,
    /// When its session's timer is next due.
    pub due: Instant,
    /// Whether str0m paces what its session sends (it estimates the bandwidth towards it).
    paced: bool,
    /// The share of its media packets lost on the way to us over the last second.
    pub loss: Option<f32>,
    /// str0m's estimate of the bandwidth towards its browser (bits/s), when it estimates one
    /// (for browsers that send simulcast themselves, see `accept_first_offer`).
    pub estimate: Option<u64>,
    /// The most its browser asked to receive (bits/s), if it did (`receive-cap`).
    pub cap: Option<u64>,
    /// When each packet written to this peer since its last drain arrived (the kernel's stamp
    /// of its datagram): forwarding delays are measured when packets are queued for sending.
    pub written: Vec<Instant>,
    /// The time handed to its session.
    pub clock: SessionClock,
    /// The m-line and layer of each stream its browser sends (by SSRC), as its session told.
    sources: Vec<(Ssrc, Mid, Option<Rid>)>,
}

impl Peer {
    pub fn new(id: PeerId, room: String, events: mpsc::UnboundedSender<ServerMsg>) -> Self {
        Self {
            id,
            room: room.into(),
            events,
            rtc: None,
            pending: None,
            tracks_in: Vec::new(),
            tracks_out: Vec::new(),
            screen_mid: None,
            ice_lost_at: None,
            due: Instant::now(),
            paced: false,
            last_heard: Instant::now(),
            loss: None,
            estimate: None,
            cap: None,
            written: Vec::new(),
            clock: SessionClock::new(Instant::now()),
            sources: Vec::new(),
        }
    }

    /// Sends what the session has to send and collects what it asks of the others, until it
    /// waits for its timer (kept in `due`). Answers the datagrams sent; each media packet's
    /// forwarding delay goes to `delays`.
    pub fn drain(
        &mut self,
        send: &mut impl FnMut(SocketAddr, Vec<u8>),
        work: &mut Vec<Propagated>,
        delays: &mut impl FnMut(Duration),
    ) -> u64 {
        let id = self.id;
        let most_wakes = if self.paced { MAX_PACED_WAKES } else { MAX_WAKES };
        let Some(rtc) = self.rtc.as_mut() else { return 0 };
        let mut sent = 0;
        // Keyframe requests from this browser, for tracks whose sender is found after.
        let mut asked = Vec::new();
        // RTP packets sent in this drain, and the times str0m was woken within it.
        let (mut rtp, mut woken) = (0_u32, 0_u32);
        while rtc.is_alive() {
            match rtc.poll_output() {
                Ok(Output::Timeout(t)) => {
                    // str0m sends what was written only once woken: woken here, at once,
                    // rather than after another turn of the node's loop (a bounded number of
                    // times: a session may ask for the time again and again, a paced one once
                    // per packet its pacer lets go).
                    let now = Instant::now();
                    if t <= now && woken < most_wakes {
                        woken += 1;
                        if rtc.handle_input(Input::Timeout(self.clock.at(now))).is_err() {
                            rtc.disconnect();
                        }
                        continue;
                    }
                    self.due = t;
                    // What was written has gone (unless paced: those packets are not timed).
                    if rtp > 0 {
                        self.written.clear();
                    }
                    break;
                }
                Ok(Output::Transmit(t)) => {
                    // What was written goes out in this drain (a paced session's, while its
                    // pacer's budget allows): each RTP packet is counted from the read of the
                    // oldest packet pending.
                    let timed = self.written.first().filter(|_| layers::is_rtp(&t.contents));
                    send(t.destination, t.contents.into());
                    sent += 1;
                    if let Some(first) = timed {
                        delays(first.elapsed());
                        rtp += 1;
                    }
                }
                Ok(Output::Event(event)) => match event {
                    Event::MediaAdded(added) => work.push(Propagated::TrackOpen(id, added.mid, added.kind)),
                    Event::RtpPacket(packet) => {
                        if let Some(incoming) = Incoming::read(rtc, &mut self.sources, packet) {
                            work.push(Propagated::Media(id, incoming));
                        }
                    }
                    Event::KeyframeRequest(request) => asked.push(request.mid),
                    Event::PeerStats(stats) => self.loss = stats.ingress_loss_fraction,
                    Event::EgressBitrateEstimate(BweKind::Twcc { estimate, .. }) => {
                        self.estimate = Some(estimate.as_u64());
                    }
                    // A blip (a busy machine, a Wi-Fi hand-over) may heal: the session is
                    // given a grace period before it counts as gone (see `Node::reap`).
                    Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                        self.ice_lost_at.get_or_insert_with(Instant::now);
                    }
                    Event::IceConnectionStateChange(_) => self.ice_lost_at = None,
                    _ => {}
                },
                Err(e) => {
                    tracing::debug!(peer = %id, error = %e, "media session failed");
                    rtc.disconnect();
                }
            }
        }
        for mid in asked {
            if let Some((origin, origin_mid, rid)) = self.origin_of(mid) {
                work.push(Propagated::Keyframe(origin, origin_mid, rid));
            }
        }
        sent
    }

    pub fn send(&self, msg: ServerMsg) {
        // A closed page is noticed by its WebSocket task, which says so: nothing to do here.
        let _ = self.events.send(msg);
    }

    /// When the node should wake for this session's timer (see [`TIMER_SLACK`]); a datagram
    /// or another session may wake it sooner, and it is served then if due. A timer already
    /// due at `now` (a drain that stopped at its most wakes) is served at once.
    pub fn wake_at(&self, now: Instant) -> Instant {
        if self.paced || self.due <= now { self.due } else { self.due + TIMER_SLACK }
    }

    /// The browser started sending a track.
    pub fn track_added(&mut self, mid: Mid, kind: MediaKind) {
        if !self.tracks_in.iter().any(|t| t.mid == mid) {
            let screen = self.screen_mid == Some(mid);
            self.tracks_in.push(TrackIn {
                mid,
                kind,
                screen,
                layers: Vec::new(),
                last_keyframe_request: Vec::new(),
            });
        }
    }

    /// The browser shares its screen on its m-line `mid` (which may come in its next offer).
    pub fn screen_on(&mut self, mid: Mid) {
        self.screen_mid = Some(mid);
        for track in &mut self.tracks_in {
            track.screen = track.mid == mid;
        }
    }

    /// What the track `mid` this peer sends carries.
    pub fn source_in(&self, mid: Mid) -> Option<Source> {
        self.tracks_in.iter().find(|t| t.mid == mid).map(|t| match t.kind {
            MediaKind::Audio => Source::Audio,
            MediaKind::Video if t.screen => Source::Screen,
            MediaKind::Video => Source::Camera,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unpaced_sessions_timer_waits_for_company_and_a_paced_ones_does_not() {
        let (events, _browser) = mpsc::unbounded_channel();
        let mut peer = Peer::new(PeerId(1), "room".to_owned(), events);
        let now = Instant::now();
        let due = now + Duration::from_millis(20);
        peer.due = due;
        assert_eq!(peer.wake_at(now), due + TIMER_SLACK, "served with the next datagram or the slack");
        peer.due = now;
        assert_eq!(peer.wake_at(now), now, "a timer already due waits for nothing");
        peer.due = due;
        peer.paced = true;
        assert_eq!(peer.wake_at(now), due, "a paced session's next packet would leave late");
    }
}
