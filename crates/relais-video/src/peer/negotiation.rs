//! A peer's SDP negotiation: the browser's offers (its own tracks) answered, and our offers
//! (the others' tracks it is to receive or stop receiving) made and their answers taken.

use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::Candidate;
use str0m::Rtc;
use str0m::change::{SdpAnswer, SdpOffer};
use str0m::media::{Direction, MediaKind, Mid, Rid};

use super::tracks::OutState;
use super::{Hold, INITIAL_ESTIMATE, Peer, SessionClock, Splice, TrackOut, Wanted};
use crate::protocol::ServerMsg;
use crate::rooms::PeerId;

impl Peer {
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
}
