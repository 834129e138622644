//! What passes through a peer: media of the others forwarded to it (one simulcast layer each),
//! and keyframe requests to its browser for its own tracks.

use std::time::Instant;

use str0m::media::{KeyframeRequestKind, MediaData, MediaTime, Mid, Rid};

use super::{KEYFRAME_INTERVAL, Peer};
use crate::rooms::PeerId;

impl Peer {
    /// Asks this peer's browser for a keyframe on its track `mid`, layer `rid` if simulcast
    /// (at most once a second per layer).
    pub fn request_keyframe(&mut self, mid: Mid, rid: Option<Rid>, now: Instant) {
        let Some(rtc) = self.rtc.as_mut() else { return };
        let Some(track) = self.tracks_in.iter_mut().find(|t| t.mid == mid) else { return };
        // A track sending layers: its receivers' layer choice asks for the layer it needs.
        if rid.is_none() && !track.layers.is_empty() {
            return;
        }
        let asked = track.last_keyframe_request.iter_mut().find(|(r, _)| *r == rid);
        if asked.as_ref().is_some_and(|(_, t)| now.duration_since(*t) < KEYFRAME_INTERVAL) {
            return;
        }
        if let Some(mut writer) = rtc.writer(mid) {
            // Fails only when the track (or layer) is not receiving any more; nothing to ask.
            let _ = writer.request_keyframe(rid, KeyframeRequestKind::Pli);
            match asked {
                Some((_, t)) => *t = now,
                None => track.last_keyframe_request.push((rid, now)),
            }
        }
    }

    /// The track of another peer that an m-line of this peer carries, and the layer it gets
    /// (or is to get), for a keyframe request.
    pub fn origin_of(&self, mid: Mid) -> Option<(PeerId, Mid, Option<Rid>)> {
        self.tracks_out
            .iter()
            .find(|t| t.open_mid() == Some(mid))
            .map(|t| (t.origin, t.origin_mid, t.target.or(t.layer)))
    }

    /// Writes `data` from `origin` on the m-line carrying it, if open. Answers the bytes written.
    pub fn forward(&mut self, origin: PeerId, data: &MediaData) -> usize {
        let Some(rtc) = self.rtc.as_mut() else { return 0 };
        let Some(track) = self
            .tracks_out
            .iter_mut()
            .find(|t| t.origin == origin && t.origin_mid == data.mid && t.open_mid().is_some())
        else {
            return 0;
        };
        let Some(mid) = track.open_mid() else { return 0 };
        // Simulcast: one layer only, the chosen one from its first keyframe on (a decoder
        // cannot start a layer mid-stream); until then, the one forwarded so far.
        if let Some(rid) = data.rid {
            if track.target == Some(rid) && track.layer != Some(rid) && data.is_keyframe() {
                tracing::debug!(peer = %self.id, %origin, rid = %rid, time = ?data.time, "simulcast layer switched");
                track.layer = Some(rid);
                // The new layer's first frame follows the last one forwarded by one frame time
                // (30 fps): a jump in RTP time would make the receiver hold it, or drop it.
                if let Some(last) = track.last_time {
                    let step = u64::from(data.time.denom() / 30);
                    track.time_shift = last.wrapping_add(step).wrapping_sub(data.time.numer());
                }
            }
            if track.layer != Some(rid) {
                return 0;
            }
        }
        let Some(writer) = rtc.writer(mid) else { return 0 };
        let Some(pt) = writer.match_params(data.params) else { return 0 };
        let time = data.time.numer().wrapping_add(track.time_shift);
        track.last_time = Some(time);
        let time = MediaTime::new(time, data.time.frequency());
        match writer.write(pt, data.network_time, time, data.data.clone()) {
            Ok(()) => data.data.len(),
            Err(e) => {
                tracing::debug!(peer = %self.id, error = %e, "cannot forward media; disconnecting");
                rtc.disconnect();
                0
            }
        }
    }
}
