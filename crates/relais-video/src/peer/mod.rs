//! One browser's WebRTC session on the SFU: its str0m [`Rtc`], the tracks it sends us
//! (`tracks_in`), the tracks of the others we send it (`tracks_out`), and the renegotiation
//! that adds or stops those (the SFU makes the offers, sent over the WebSocket).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::bwe::{Bitrate, BweKind};
use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, Mid, Rid};
use str0m::rtp::{RtpPacket, Ssrc, Vp8Descriptor};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};
use tokio::sync::mpsc;

use crate::node::Propagated;

use crate::protocol::ServerMsg;
use crate::rooms::{PeerId, Source};

mod clock;
mod hold;
mod layers;
mod media;
mod splice;
mod tracks;

pub(crate) use clock::SessionClock;
use hold::Hold;
pub(crate) use layers::LayerTable;
pub(crate) use media::Incoming;
use splice::Splice;
use tracks::OutState;
pub(crate) use tracks::{TrackIn, TrackOut, Wanted};

/// Where str0m's bandwidth estimate towards a browser that sends simulcast starts (it probes
/// upwards from there).
const INITIAL_ESTIMATE: Bitrate = Bitrate::kbps(1_000);

/// How many times a drain wakes a session whose timer is already due (see `Peer::drain`).
const MAX_WAKES: u32 = 4;

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

    /// A media packet its browser sent, with its m-line, layer and codec (`None` for a stream
    /// or codec its session does not know).
    fn incoming(
        rtc: &mut Rtc,
        sources: &mut Vec<(Ssrc, Mid, Option<Rid>)>,
        packet: RtpPacket,
    ) -> Option<Incoming> {
        let ssrc = packet.header.ssrc;
        let (mid, rid) = match sources.iter().find(|s| s.0 == ssrc) {
            Some(&(_, mid, rid)) => (mid, rid),
            None => {
                // Asked of the session once per stream: its direct API counts as a change
                // to the session, which it would then poll again for nothing.
                let mut api = rtc.direct_api();
                let stream = api.stream_rx(&ssrc)?;
                let (mid, rid) = (stream.mid(), stream.rid());
                // A browser sends a few streams; one renegotiating often does not grow this.
                if sources.len() >= 32 {
                    sources.clear();
                }
                sources.push((ssrc, mid, rid));
                (mid, rid)
            }
        };
        let params = *rtc.codec_config().params().iter().find(|p| p.pt() == packet.header.payload_type)?;
        let vp8 =
            if params.spec().codec == Codec::Vp8 { Vp8Descriptor::parse(&packet.payload).ok() } else { None };
        Some(Incoming { mid, rid, params, vp8, packet })
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
                    // rather than after another turn of the node's loop (a few times at most:
                    // a session may ask for the time again and again).
                    let now = Instant::now();
                    if t <= now && woken < MAX_WAKES {
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
                    // Without pacing (no estimate), what was written goes out in this drain:
                    // each RTP packet is counted from the read of the oldest packet pending.
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
                        if let Some(incoming) = Self::incoming(rtc, &mut self.sources, packet) {
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
    /// due at `now` (a drain that stopped at `MAX_WAKES`) is served at once.
    pub fn wake_at(&self, now: Instant) -> Instant {
        if self.paced || self.due <= now { self.due } else { self.due + TIMER_SLACK }
    }

    /// The browser's first offer: a session with the SFU's socket as its one candidate.
    pub fn accept_first_offer(
        &mut self,
        sdp: &str,
        candidate: Candidate,
        now: Instant,
    ) -> Result<(), String> {
        if self.rtc.is_some() {
            return self.accept_offer(sdp);
        }
        let offer = SdpOffer::from_sdp_string(sdp).map_err(|e| e.to_string())?;
        let mut builder = Rtc::builder()
            .set_crypto_provider(Arc::new(str0m::crypto::from_feature_flags()))
            // Packets are forwarded as they came, not reassembled into frames and cut up again
            // for each receiver (a sixth of the SFU's time in its benchmark, docs/video.md).
            .set_rtp_mode(true)
            // One codec per kind for everyone: what one browser sends, any other decodes, and
            // the SFU reads VP8's keyframes to switch simulcast layers. Every WebRTC browser
            // has both (RFC 7742 requires VP8, RFC 7874 Opus).
            .clear_codecs()
            .enable_vp8(true)
            .enable_opus(true, false)
            // Loss figures for the metrics, once a second.
            .set_stats_interval(Some(Duration::from_secs(1)));
        // A browser that sends simulcast receives it too: the bandwidth towards it is
        // estimated to choose its layers. The estimate comes with str0m's pacer (packets sent
        // at twice the estimate), which spreads frames out: browsers that send no layers (and
        // the benchmark's clients) are not paced.
        self.paced = sdp.contains("a=simulcast:");
        if self.paced {
            builder = builder.enable_bwe(Some(INITIAL_ESTIMATE));
        }
        let mut rtc = builder.build(now);
        self.clock = SessionClock::new(now);
        rtc.add_local_candidate(candidate);
        let answer = rtc.sdp_api().accept_offer(offer).map_err(|e| e.to_string())?;
        self.rtc = Some(rtc);
        // Silence counts from now: the lobby's wait is not silence.
        self.last_heard = now;
        self.send(ServerMsg::Answer { sdp: answer.to_sdp_string() });
        Ok(())
    }

    /// A later offer of the browser (it changed its own tracks).
    fn accept_offer(&mut self, sdp: &str) -> Result<(), String> {
        let offer = SdpOffer::from_sdp_string(sdp).map_err(|e| e.to_string())?;
        let Some(rtc) = self.rtc.as_mut() else { return Err("no session".to_owned()) };
        let answer = rtc.sdp_api().accept_offer(offer).map_err(|e| e.to_string())?;
        // Its offer replaced ours: what we were negotiating is redone after.
        self.pending = None;
        for track in &mut self.tracks_out {
            track.state = match track.state {
                OutState::Negotiating(_) => OutState::ToOpen,
                OutState::Stopping(mid) => OutState::ToStop(mid),
                other => other,
            };
        }
        self.send(ServerMsg::Answer { sdp: answer.to_sdp_string() });
        Ok(())
    }

    /// The browser's answer to our offer. Answers the tracks that just opened, whose senders
    /// are asked for a keyframe so the new receiver shows a picture at once.
    pub fn accept_answer(&mut self, sdp: &str) -> Result<Vec<(PeerId, Mid, Option<Rid>)>, String> {
        let answer = SdpAnswer::from_sdp_string(sdp).map_err(|e| e.to_string())?;
        let (Some(rtc), Some(pending)) = (self.rtc.as_mut(), self.pending.take()) else {
            return Err("no offer pending".to_owned());
        };
        rtc.sdp_api().accept_answer(pending, answer).map_err(|e| e.to_string())?;
        let mut opened = Vec::new();
        for track in &mut self.tracks_out {
            if let OutState::Negotiating(mid) = track.state {
                track.state = OutState::Open(mid);
                if track.kind == MediaKind::Video {
                    opened.push((track.origin, track.origin_mid, track.target));
                }
            }
        }
        self.tracks_out.retain(|t| !matches!(t.state, OutState::Stopping(_)));
        Ok(opened)
    }

    /// This peer receives exactly the `wanted` tracks of the others: the missing ones are
    /// opened, the others stopped (then `negotiate`).
    pub fn receive_only(&mut self, wanted: &[Wanted]) {
        self.tracks_out.retain_mut(|t| {
            !t.live() || wanted.iter().any(|w| (w.0, w.1) == (t.origin, t.origin_mid)) || t.stop()
        });
        for &(origin, origin_mid, kind, screen) in wanted {
            if !self.tracks_out.iter().any(|t| t.live() && (t.origin, t.origin_mid) == (origin, origin_mid)) {
                // A track stopped earlier and wanted again comes on a new m-line.
                self.tracks_out.push(TrackOut {
                    origin,
                    origin_mid,
                    kind,
                    screen,
                    state: OutState::ToOpen,
                    layer: None,
                    target: None,
                    splice: Splice::default(),
                    pt: None,
                    hold: Hold::default(),
                });
            }
        }
    }

    /// Stops receiving every track of `origin` (it left).
    pub fn stop_receiving(&mut self, origin: PeerId) {
        self.tracks_out.retain_mut(|t| t.origin != origin || t.stop());
    }

    /// Sends an offer when tracks are to be added or stopped and no offer is pending.
    pub fn negotiate(&mut self) {
        let Some(rtc) = self.rtc.as_mut() else { return };
        if self.pending.is_some() {
            return;
        }
        let mut change = rtc.sdp_api();
        for track in &mut self.tracks_out {
            match track.state {
                OutState::ToOpen => {
                    // The stream id is the sender's peer id: the page puts the track in its
                    // tile; a shared screen's is `p7-screen`, for the large tile.
                    let stream = if track.screen {
                        format!("{}-screen", track.origin)
                    } else {
                        track.origin.to_string()
                    };
                    let track_id = track.screen.then(|| stream.clone());
                    let mid = change.add_media(track.kind, Direction::SendOnly, Some(stream), track_id, None);
                    track.state = OutState::Negotiating(mid);
                }
                OutState::ToStop(mid) => {
                    change.stop_media(mid);
                    track.state = OutState::Stopping(mid);
                }
                _ => {}
            }
        }
        if !change.has_changes() {
            return;
        }
        if let Some((offer, pending)) = change.apply() {
            self.pending = Some(pending);
            self.send(ServerMsg::Offer { sdp: offer.to_sdp_string() });
        }
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
