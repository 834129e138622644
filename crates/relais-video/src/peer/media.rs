//! What passes through a peer: media packets of the others forwarded to it as they came (RTP
//! mode: one simulcast layer each, numbered on as one stream, see `splice.rs`; a video frame's
//! packets together, see `hold.rs`), and keyframe requests to its browser for its own tracks.

use std::time::Instant;

use str0m::Rtc;
use str0m::format::{Codec, PayloadParams};
use str0m::media::{KeyframeRequestKind, MediaKind, Mid, Rid};
use str0m::rtp::{ExtensionValues, RtpPacket, RtpWrite, Ssrc, Vp8Descriptor};

use super::splice::Numbers;
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
        // Absent when the track (or layer) is not receiving any more: nothing to ask.
        if let Some(stream) = rtc.direct_api().stream_rx_by_mid(mid, rid) {
            stream.request_keyframe(KeyframeRequestKind::Pli);
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

    /// Writes `incoming` from `origin` on the m-line carrying it, if open. Answers the payload
    /// bytes written.
    pub fn forward(&mut self, origin: PeerId, incoming: &Incoming) -> usize {
        let Some(rtc) = self.rtc.as_mut() else { return 0 };
        let written = &mut self.written;
        let Some(track) = self
            .tracks_out
            .iter_mut()
            .find(|t| t.origin == origin && t.origin_mid == incoming.mid && t.open_mid().is_some())
        else {
            return 0;
        };
        let Some(mid) = track.open_mid() else { return 0 };
        let packet = &incoming.packet;
        // Simulcast: one layer only, the chosen one from its first keyframe on (a decoder
        // cannot start a layer mid-stream); until then, the one forwarded so far.
        if let Some(rid) = incoming.rid {
            if track.target == Some(rid) && track.layer != Some(rid) && incoming.starts_keyframe() {
                tracing::debug!(peer = %self.id, %origin, rid = %rid, "simulcast layer switched");
                track.layer = Some(rid);
            }
            if track.layer != Some(rid) {
                return 0;
            }
        }
        let numbers = Numbers {
            ssrc: packet.header.ssrc,
            seq: *packet.seq_no,
            time: packet.header.timestamp,
            vp8: incoming.vp8.as_ref(),
        };
        // A new source: the first packet forwarded, a layer switch (each layer is a stream of
        // its own), or a sender whose stream changed; its next frame follows the last
        // forwarded by one frame at 30 fps.
        if track.splice.source() != Some(numbers.ssrc) {
            track.splice.switch(&numbers, incoming.params.spec().clock_rate.get() / 30);
        }
        let Some(spliced) = track.splice.rewrite(&numbers) else { return 0 };
        let pt = match track.pt {
            Some((sent, ours)) if sent == packet.header.payload_type => ours,
            _ => {
                let Some(ours) = rtc.codec_config().match_params(incoming.params).map(|p| p.pt()) else {
                    return 0;
                };
                track.pt = Some((packet.header.payload_type, ours));
                ours
            }
        };
        let mut api = rtc.direct_api();
        let Some(stream) = api.stream_tx_by_mid(mid, None) else { return 0 };
        let video = track.kind == MediaKind::Video;
        let header = &packet.header;
        // What a receiver uses of the sender's header extensions: the speaker's level, and
        // which way up a phone holds its camera.
        let ext_vals = ExtensionValues {
            audio_level: header.ext_vals.audio_level,
            voice_activity: header.ext_vals.voice_activity,
            video_orientation: header.ext_vals.video_orientation,
            ..ExtensionValues::default()
        };
        let mut write =
            RtpWrite::new(pt, spliced.seq.into(), spliced.time, packet.timestamp, packet.payload.clone())
                .marker(header.marker)
                .ext_vals(ext_vals)
                // A receiver asks again for lost video (audio is not worth the wait).
                .nackable(video);
        if let Some(patch) = spliced.patch {
            write = write.vp8_patch(patch);
        }
        // Its forwarding delay counts from the arrival of its datagram (see `receive` in
        // `node/mod.rs`), a held packet's wait included.
        let mut send = |(write, read)| {
            stream.write_rtp(write);
            written.push(read);
        };
        if video {
            track.hold.push((write, packet.timestamp), spliced.time, header.marker, send);
        } else {
            send((write, packet.timestamp));
        }
        packet.payload.len()
    }
}

/// A media packet from a browser, with what its receivers need to know of it (found once for
/// all of them).
pub(crate) struct Incoming {
    pub mid: Mid,
    /// Its simulcast layer, if its track sends layers.
    pub rid: Option<Rid>,
    /// Its codec, as its sender's session numbers it.
    pub params: PayloadParams,
    /// Its VP8 payload descriptor (video).
    pub vp8: Option<Vp8Descriptor>,
    pub packet: RtpPacket,
}

impl Incoming {
    /// A media packet a browser sent, with its m-line, layer and codec (`None` for a stream
    /// or codec its session does not know).
    pub fn read(
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

    /// Whether it is the first packet of a keyframe.
    pub fn starts_keyframe(&self) -> bool {
        self.vp8.is_some_and(|d| d.starts_keyframe(&self.packet.payload))
    }
}
