//! One outgoing stream made of incoming packets from one source at a time: the numbers a
//! receiver orders and decodes by (sequence numbers, RTP times, VP8 picture ids and TL0PICIDX)
//! continue from one source to the next, as if one camera had sent them all.
//!
//! Why: the SFU forwards the browsers' RTP packets as they are (RTP mode, no re-packetizing),
//! but a simulcast switch changes the source to another layer, whose numbers start anywhere;
//! a receiver seeing them jump would drop the new layer's frames as old ones, or wait for
//! thousands of "lost" packets. A receiver that joins late must also see sequence numbers
//! whose rollover count is zero (SRTP keys them by it, and a new receiver starts at zero).

use str0m::rtp::{Ssrc, Vp8Descriptor, Vp8Patch};

/// Picture ids are counted in 15 bits (browsers send them so; a 7-bit id that would outgrow
/// its field keeps its own value, see `rewrite`).
const PICTURE_ID_15: u16 = 0x8000;

/// What a forwarded packet carries on the outgoing stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spliced {
    /// Extended sequence number (its rollover count keys SRTP).
    pub seq: u64,
    pub time: u32,
    /// The VP8 descriptor's new picture id and TL0PICIDX, when they move.
    pub patch: Option<Vp8Patch>,
}

/// The last numbers written on the outgoing stream.
#[derive(Debug, Clone, Copy)]
struct Last {
    seq: u64,
    time: u32,
    picture: Option<u16>,
    tl0: Option<u8>,
}

/// An incoming packet's numbers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Numbers<'a> {
    pub ssrc: Ssrc,
    /// Extended sequence number.
    pub seq: u64,
    pub time: u32,
    /// Its VP8 payload descriptor (video), parsed once for every receiver.
    pub vp8: Option<&'a Vp8Descriptor>,
}

/// The continuity of one outgoing stream (see the module's header).
#[derive(Debug, Default)]
pub(crate) struct Splice {
    /// The incoming stream forwarded now (`None` before the first packet).
    source: Option<Ssrc>,
    /// Added (wrapping) to the source's numbers.
    seq_shift: u64,
    time_shift: u32,
    picture_shift: u16,
    tl0_shift: u8,
    /// The first sequence number written from the current source: its packets that arrive
    /// later but were sent before it (reordered across the switch) are not forwarded.
    floor: u64,
    last: Option<Last>,
}

impl Splice {
    /// The incoming stream forwarded now.
    pub fn source(&self) -> Option<Ssrc> {
        self.source
    }

    /// Makes `first` (a keyframe's first packet, for video) the start of a new source, whose
    /// frame follows the last written by `frame_step` in RTP time.
    pub fn switch(&mut self, first: &Numbers, frame_step: u32) {
        let picture = first.vp8.and_then(Vp8Descriptor::picture_id);
        let tl0 = first.vp8.and_then(Vp8Descriptor::tl0_pic_idx);
        match self.last {
            // The first packet ever: its numbers as they are, but counted from rollover zero.
            None => {
                self.seq_shift = (first.seq & 0xffff).wrapping_sub(first.seq);
                (self.time_shift, self.picture_shift, self.tl0_shift) = (0, 0, 0);
            }
            Some(last) => {
                self.seq_shift = last.seq.wrapping_add(1).wrapping_sub(first.seq);
                self.time_shift = last.time.wrapping_add(frame_step).wrapping_sub(first.time);
                self.picture_shift = match (last.picture, picture) {
                    (Some(last), Some(new)) => last.wrapping_add(1).wrapping_sub(new) % PICTURE_ID_15,
                    _ => 0,
                };
                self.tl0_shift = match (last.tl0, tl0) {
                    (Some(last), Some(new)) => last.wrapping_add(1).wrapping_sub(new),
                    _ => 0,
                };
            }
        }
        self.source = Some(first.ssrc);
        self.floor = first.seq.wrapping_add(self.seq_shift);
    }

    /// Where a packet of the current source goes; `None` if it was sent before the source's
    /// first packet forwarded.
    pub fn rewrite(&mut self, packet: &Numbers) -> Option<Spliced> {
        let seq = packet.seq.wrapping_add(self.seq_shift);
        if seq < self.floor {
            return None;
        }
        let time = packet.time.wrapping_add(self.time_shift);
        let (mut picture, mut tl0) = (None, None);
        let mut patch = None;
        if let Some(vp8) = packet.vp8 {
            picture = vp8.picture_id().map(|id| id.wrapping_add(self.picture_shift) % PICTURE_ID_15);
            tl0 = vp8.tl0_pic_idx().map(|i| i.wrapping_add(self.tl0_shift));
            if self.picture_shift != 0 || self.tl0_shift != 0 {
                let mut builder = vp8.patch();
                if let Some(id) = picture {
                    builder = builder.picture_id(id);
                }
                if let Some(index) = tl0 {
                    builder = builder.tl0_pic_idx(index);
                }
                // A 7-bit descriptor too narrow for the new id keeps its own: the receiver
                // copes with a jump at a keyframe, only less smoothly.
                patch = builder.build().ok();
            }
        }
        let last = self.last.get_or_insert(Last { seq, time, picture, tl0 });
        // Later numbers only: a reordered packet does not move them back.
        if seq > last.seq {
            last.seq = seq;
        }
        if (time.wrapping_sub(last.time) as i32) > 0 {
            last.time = time;
        }
        if let Some(id) = picture
            && last.picture.is_none_or(|l| ahead_15(id, l))
        {
            last.picture = Some(id);
        }
        if let Some(index) = tl0
            && last.tl0.is_none_or(|l| (index.wrapping_sub(l) as i8) > 0)
        {
            last.tl0 = Some(index);
        }
        Some(Spliced { seq, time, patch })
    }
}

/// Whether picture id `a` comes after `b` (15 bits, wrapping).
fn ahead_15(a: u16, b: u16) -> bool {
    let d = a.wrapping_sub(b) % PICTURE_ID_15;
    d != 0 && d < PICTURE_ID_15 / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A VP8 payload with a 15-bit picture id and TL0PICIDX, first packet of a frame.
    fn vp8(picture: u16, tl0: u8, keyframe: bool) -> Vec<u8> {
        let [high, low] = picture.to_be_bytes();
        // X and S set; I, L and T set; TID 0; then the VP8 payload header (P clear: keyframe).
        vec![0x90, 0xe0, 0x80 | high, low, tl0, 0x00, if keyframe { 0x10 } else { 0x11 }, 0x9d]
    }

    /// The patch that gives a descriptor of `vp8` this picture id and TL0PICIDX.
    fn patch_to(picture: u16, tl0: u8) -> Vp8Patch {
        let descriptor = Vp8Descriptor::parse(&vp8(picture, tl0, true)).expect("descriptor");
        descriptor.patch().picture_id(picture).tl0_pic_idx(tl0).build().expect("patch")
    }

    /// Starts `splice` on `first` and answers where `first` goes.
    fn start(splice: &mut Splice, first: &Numbers) -> Spliced {
        splice.switch(first, 3_000);
        splice.rewrite(first).expect("a source's first packet is forwarded")
    }

    fn numbers<'a>(ssrc: u32, seq: u64, time: u32, vp8: Option<&'a Vp8Descriptor>) -> Numbers<'a> {
        Numbers { ssrc: ssrc.into(), seq, time, vp8 }
    }

    #[test]
    fn the_first_source_keeps_its_numbers_from_rollover_zero() {
        let mut splice = Splice::default();
        // A sender that has sent more than 65 536 packets: rollover count 2.
        let out = start(&mut splice, &numbers(1, 2 * 65_536 + 500, 90_000, None));
        assert_eq!((out.seq, out.time, out.patch), (500, 90_000, None));
        let next = splice.rewrite(&numbers(1, 2 * 65_536 + 501, 93_000, None)).expect("forwarded");
        assert_eq!((next.seq, next.time), (501, 93_000));
    }

    #[test]
    fn a_switch_continues_every_number_from_the_last_written() {
        let mut splice = Splice::default();
        let low = Vp8Descriptor::parse(&vp8(1_000, 20, false)).expect("descriptor");
        let out = start(&mut splice, &numbers(1, 7_000, 500_000, Some(&low)));
        assert_eq!((out.seq, out.time, out.patch), (7_000, 500_000, None));

        // The high layer: other numbers altogether, from its keyframe on.
        let payload = vp8(30_000, 200, true);
        let high = Vp8Descriptor::parse(&payload).expect("descriptor");
        assert!(high.starts_keyframe(&payload));
        let out = start(&mut splice, &numbers(2, 40_000, 9_000_000, Some(&high)));
        assert_eq!((out.seq, out.time), (7_001, 503_000), "the next sequence number, one frame later");
        assert_eq!(out.patch, Some(patch_to(1_001, 21)), "picture id and TL0PICIDX move on");

        // A packet of the high layer sent before its keyframe, arriving late: not forwarded.
        assert_eq!(splice.rewrite(&numbers(2, 39_999, 8_997_000, Some(&high))), None);
        // The next one follows.
        let next = splice.rewrite(&numbers(2, 40_001, 9_000_000, Some(&high))).expect("forwarded");
        assert_eq!((next.seq, next.time), (7_002, 503_000));
    }

    #[test]
    fn picture_ids_wrap_within_fifteen_bits() {
        let mut splice = Splice::default();
        let old = Vp8Descriptor::parse(&vp8(0x7fff, 255, false)).expect("descriptor");
        start(&mut splice, &numbers(1, 10, 0, Some(&old)));
        let new = Vp8Descriptor::parse(&vp8(5, 9, true)).expect("descriptor");
        let out = start(&mut splice, &numbers(2, 900, 0, Some(&new)));
        assert_eq!(out.patch, Some(patch_to(0, 0)), "0x7fff + 1 is 0, 255 + 1 is 0");
        assert!(ahead_15(0, 0x7fff) && !ahead_15(0x7fff, 0));
    }
}
