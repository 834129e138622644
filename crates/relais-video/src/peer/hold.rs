//! A video frame's packets held for one receiver until the frame's last packet (its marker)
//! has come, then written together.
//!
//! Why: browsers pace their packets, so a frame's five or six arrive a few milliseconds apart
//! and each woke the node to be sent on its own, one message per packet and receiver. Written
//! together, a frame goes to each receiver as one segmented send (`node/batch.rs`), a sixth of
//! the kernel's work. The receiver loses nothing by it: it cannot decode a frame before its
//! last packet, which still leaves the moment it arrives. Audio is never held. What goes to a
//! paced session is held too: str0m's pacer lets a frame go at once while the session is
//! within its budget (40 ms of sending at twice the estimate, more than a frame) and spreads
//! it out only past that, which a held frame does not change.

/// The most packets held for one frame (a large keyframe): past it, they go.
const MOST_HELD: usize = 128;

/// The packets of one receiver's frame in progress.
#[derive(Debug)]
pub(crate) struct Hold<T> {
    held: Vec<T>,
    /// The RTP time of the frame held.
    time: u32,
    /// The RTP time of the frame last let go: a straggler of it, or of an older one, is not
    /// held.
    released: Option<u32>,
}

impl<T> Default for Hold<T> {
    fn default() -> Self {
        Self { held: Vec::new(), time: 0, released: None }
    }
}

impl<T> Hold<T> {
    /// Takes `packet`, of the frame at RTP time `time`, its last if `marker`; hands to `send`,
    /// in order, what is to be written now.
    pub fn push(&mut self, packet: T, time: u32, marker: bool, mut send: impl FnMut(T)) {
        // A packet of a frame already let go (late, or resent after a loss): at once.
        if self.released.is_some_and(|released| time.wrapping_sub(released) as i32 <= 0) {
            send(packet);
            return;
        }
        // The next frame began and the last one's end never came (lost): what is held goes.
        if !self.held.is_empty() && self.time != time {
            self.release(&mut send);
        }
        if marker || self.held.len() >= MOST_HELD {
            self.release(&mut send);
            send(packet);
            self.released = Some(time);
        } else {
            self.time = time;
            self.held.push(packet);
        }
    }

    fn release(&mut self, send: &mut impl FnMut(T)) {
        if !self.held.is_empty() {
            self.released = Some(self.time);
        }
        for packet in self.held.drain(..) {
            send(packet);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pushes `(packet, time, marker)`; answers what went.
    fn push(hold: &mut Hold<u32>, packet: u32, time: u32, marker: bool) -> Vec<u32> {
        let mut sent = Vec::new();
        hold.push(packet, time, marker, |p| sent.push(p));
        sent
    }

    #[test]
    fn a_frame_goes_whole_when_its_last_packet_comes() {
        let mut hold = Hold::default();
        assert!(push(&mut hold, 1, 3_000, false).is_empty());
        assert!(push(&mut hold, 2, 3_000, false).is_empty());
        assert_eq!(push(&mut hold, 3, 3_000, true), [1, 2, 3]);
        // A one-packet frame goes at once.
        assert_eq!(push(&mut hold, 4, 6_000, true), [4]);
    }

    #[test]
    fn a_frame_whose_end_was_lost_goes_when_the_next_begins_and_its_stragglers_at_once() {
        let mut hold = Hold::default();
        push(&mut hold, 1, 3_000, false);
        push(&mut hold, 2, 3_000, false);
        // The next frame's first packet: the held ones go, it waits for its own frame's end.
        assert_eq!(push(&mut hold, 4, 6_000, false), [1, 2]);
        // The lost end, resent: its frame has gone, so it goes at once.
        assert_eq!(push(&mut hold, 3, 3_000, true), [3]);
        assert_eq!(push(&mut hold, 5, 6_000, true), [4, 5]);
        // A packet of a frame already gone, late, without its marker: at once too.
        assert_eq!(push(&mut hold, 9, 6_000, false), [9]);
    }

    #[test]
    fn no_more_than_a_large_keyframe_is_held() {
        let mut hold = Hold::default();
        for packet in 0..MOST_HELD as u32 {
            assert!(push(&mut hold, packet, 90_000, false).is_empty());
        }
        assert_eq!(push(&mut hold, 999, 90_000, false).len(), MOST_HELD + 1);
    }
}
