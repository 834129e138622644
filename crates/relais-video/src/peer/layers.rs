//! A peer's simulcast side: the layers its browser sends (measured as they arrive), and the
//! layer of each other peer's video it receives, chosen from its budget (`crate::simulcast`).

use std::collections::HashMap;

use str0m::bwe::Bitrate;
use str0m::media::{MediaKind, Mid, Rid};

use super::Peer;
use crate::rooms::PeerId;
use crate::simulcast::{self, Layer};

/// A simulcast layer a peer sends, and what it carried.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LayerIn {
    pub rid: Rid,
    /// Bytes since the last measurement.
    bytes: u64,
    /// Bits per second at the last measurement, and the one before.
    bps: u64,
    before: u64,
}

/// The layers each sending track offers, by `(sender, its m-line)`.
pub(crate) type LayerTable = HashMap<(PeerId, Mid), Vec<Layer>>;

/// Whether a datagram is an RTP packet (not RTCP, ICE or DTLS): version 2, and a payload type
/// outside RTCP's 200–204 range (RFC 5761's demultiplexing).
pub(super) fn is_rtp(datagram: &[u8]) -> bool {
    match datagram {
        [first, second, ..] => (first >> 6) == 2 && !(192..=223).contains(second),
        _ => false,
    }
}

impl Peer {
    /// `bytes` of media arrived on this peer's track `mid`, layer `rid`.
    pub fn count_layer(&mut self, mid: Mid, rid: Rid, bytes: usize) {
        let Some(track) = self.tracks_in.iter_mut().find(|t| t.mid == mid) else { return };
        if let Some(layer) = track.layers.iter_mut().find(|l| l.rid == rid) {
            layer.bytes += bytes as u64;
        } else if track.layers.len() < 8 {
            // A browser declares a handful of layers: the list stays short.
            track.layers.push(LayerIn { rid, bytes: bytes as u64, bps: 0, before: 0 });
        }
    }

    /// Measures its layers' bitrates over the last `seconds` and adds them to `table`.
    pub fn measure_layers(&mut self, seconds: f64, table: &mut LayerTable) {
        for track in &mut self.tracks_in {
            if track.layers.is_empty() {
                continue;
            }
            let mut layers = Vec::with_capacity(track.layers.len());
            for layer in &mut track.layers {
                layer.before = layer.bps;
                layer.bps = (layer.bytes as f64 * 8.0 / seconds.max(1e-3)) as u64;
                layer.bytes = 0;
                // The better of the last two seconds: a sender starved of CPU for a moment
                // (its encoder skipping frames) does not make its receivers switch, each
                // switch costing a keyframe; a layer silent for two seconds has stopped.
                layers.push(Layer { rid: layer.rid, bps: layer.bps.max(layer.before) });
            }
            table.insert((self.id, track.mid), layers);
        }
    }

    /// Chooses the layer of each simulcast track it receives; answers the layers newly chosen,
    /// whose senders are asked for a keyframe (the switch happens on it).
    pub fn choose_layers(&mut self, table: &LayerTable) -> Vec<(PeerId, Mid, Rid)> {
        let video = self.tracks_out.iter().filter(|t| t.live() && t.kind == MediaKind::Video).count();
        let budget = simulcast::per_track_budget(self.estimate, self.cap, video);
        let mut switches = Vec::new();
        let mut desired = 0_u64;
        // Only open m-lines: a keyframe asked for before the receiver can take it is lost (the
        // answer that opens one chooses at once).
        for track in self.tracks_out.iter_mut().filter(|t| t.open_mid().is_some()) {
            let Some(layers) = table.get(&(track.origin, track.origin_mid)) else { continue };
            desired += layers.iter().map(|l| l.bps).max().unwrap_or(0);
            let current = track.target.or(track.layer);
            let Some(chosen) = simulcast::choose(layers, current, budget) else { continue };
            if track.target != Some(chosen) {
                tracing::debug!(peer = %self.id, origin = %track.origin, ?layers, ?budget, rid = %chosen, "simulcast layer chosen");
            }
            track.target = Some(chosen);
            // Asked again each time while the switch waits (a keyframe may have been lost;
            // requests are limited to one a second per layer).
            if track.layer != Some(chosen) {
                switches.push((track.origin, track.origin_mid, chosen));
            }
        }
        // Let the estimator probe up to what the best layers would take, so a receiver on a
        // lower layer can find its way back up.
        if self.estimate.is_some()
            && desired > 0
            && let Some(rtc) = self.rtc.as_mut()
        {
            let desired = (desired as f64 * simulcast::UP_MARGIN) as u64;
            rtc.bwe().set_bitrate(Bitrate::ZERO, Bitrate::bps(desired));
        }
        switches
    }
}

#[cfg(test)]
mod tests {
    use super::is_rtp;

    #[test]
    fn rtp_is_told_from_rtcp_and_the_rest() {
        // RTP, VP8 on payload type 96 (marker bit set or not).
        assert!(is_rtp(&[0x90, 96, 0, 1]));
        assert!(is_rtp(&[0x80, 96 | 0x80, 0, 1]));
        // RTCP receiver report (201), PLI (206).
        assert!(!is_rtp(&[0x81, 201, 0, 7]));
        assert!(!is_rtp(&[0x81, 206, 0, 2]));
        // A STUN binding request, a DTLS record.
        assert!(!is_rtp(&[0x00, 0x01, 0, 0]));
        assert!(!is_rtp(&[22, 254, 253]));
        assert!(!is_rtp(&[0x80]));
    }
}
