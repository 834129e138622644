//! Simulcast: which layer of a sender's video a receiver gets.
//!
//! A browser that sends simulcast sends the same camera two or three times (rids `l`, `h`, …:
//! smaller pictures at lower bitrates). The SFU forwards one layer to each receiver, the best
//! its budget allows: the bandwidth str0m estimates towards that receiver (TWCC), capped by
//! what the receiver asked for (`receive-cap`), shared among the video tracks it receives.
//!
//! Layers are ordered by the bitrate measured on each (not by their names, which browsers
//! choose), over the last second; a layer the sender stopped (Chromium drops its top layer
//! when its own CPU or uplink cannot keep up) measures nothing and is not chosen.
//!
//! Hysteresis, so a receiver does not flap between layers (each switch waits for a keyframe,
//! which is large): it goes up only when its budget exceeds the higher layer's bitrate by
//! [`UP_MARGIN`], and down only when the current layer no longer fits in its budget.

use str0m::media::Rid;

/// How much room a higher layer needs over its own bitrate before the receiver moves to it.
pub const UP_MARGIN: f64 = 1.25;

/// A layer the sender is sending, with its bitrate over the last period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layer {
    pub rid: Rid,
    pub bps: u64,
}

/// The layer to forward: `layers` are what the sender sends (any order; those measuring 0
/// are not sending), `current` the layer forwarded now, `budget` the receiver's bits per
/// second for this track (`None`: no estimate nor cap, the best layer). `None` when the
/// sender sends no layer at all.
pub fn choose(layers: &[Layer], current: Option<Rid>, budget: Option<u64>) -> Option<Rid> {
    let mut sending: Vec<Layer> = layers.iter().copied().filter(|l| l.bps > 0).collect();
    sending.sort_by_key(|l| l.bps);
    let lowest = sending.first()?;
    let Some(budget) = budget else { return sending.last().map(|l| l.rid) };
    // The best layer that fits at all; the lowest when none does (a picture, even frozen-ish,
    // beats none).
    let fits = sending.iter().rev().find(|l| l.bps <= budget).unwrap_or(lowest);
    let Some(now) = current.and_then(|rid| sending.iter().find(|l| l.rid == rid)) else {
        return Some(fits.rid);
    };
    if fits.bps > now.bps {
        // Up only with room to spare: the best layer that fits with the margin, if above.
        let roomy = sending
            .iter()
            .rev()
            .find(|l| l.bps as f64 * UP_MARGIN <= budget as f64)
            .filter(|l| l.bps > now.bps);
        return Some(roomy.map_or(now.rid, |l| l.rid));
    }
    // Down as soon as the current layer does not fit; otherwise stay.
    Some(if now.bps > budget { fits.rid } else { now.rid })
}

/// What a receiver can spend on each video track it receives: its estimate capped by its
/// own cap, minus room for audio, shared equally. `None`: neither is known.
pub fn per_track_budget(estimate: Option<u64>, cap: Option<u64>, video_tracks: usize) -> Option<u64> {
    /// Opus at its usual rate, per audio track; left out of the video's share.
    const AUDIO_BPS: u64 = 40_000;
    let total = match (estimate, cap) {
        (Some(e), Some(c)) => e.min(c),
        (Some(b), None) | (None, Some(b)) => b,
        (None, None) => return None,
    };
    let tracks = u64::try_from(video_tracks.max(1)).unwrap_or(u64::MAX);
    Some(total.saturating_sub(AUDIO_BPS) / tracks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layers() -> [Layer; 3] {
        [
            Layer { rid: "h".into(), bps: 1_200_000 },
            Layer { rid: "l".into(), bps: 150_000 },
            Layer { rid: "m".into(), bps: 500_000 },
        ]
    }

    fn rid(s: &str) -> Option<Rid> {
        Some(s.into())
    }

    #[test]
    fn a_new_receiver_gets_the_best_layer_that_fits() {
        assert_eq!(choose(&layers(), None, Some(2_000_000)), rid("h"));
        assert_eq!(choose(&layers(), None, Some(700_000)), rid("m"));
        assert_eq!(choose(&layers(), None, Some(200_000)), rid("l"));
        // Nothing fits: the lowest rather than nothing.
        assert_eq!(choose(&layers(), None, Some(50_000)), rid("l"));
        // No estimate nor cap: the best.
        assert_eq!(choose(&layers(), None, None), rid("h"));
    }

    #[test]
    fn going_up_needs_room_to_spare() {
        // 1.3 Mbit/s fits 1.2 but not 1.2 × 1.25: stays on m.
        assert_eq!(choose(&layers(), rid("m"), Some(1_300_000)), rid("m"));
        assert_eq!(choose(&layers(), rid("m"), Some(1_500_000)), rid("h"));
        // From l with 700 kbit/s: m fits with its margin (625 kbit/s).
        assert_eq!(choose(&layers(), rid("l"), Some(700_000)), rid("m"));
        // From l with 560 kbit/s: m fits, but not with the margin.
        assert_eq!(choose(&layers(), rid("l"), Some(560_000)), rid("l"));
        // Straight from l to h when there is room for it.
        assert_eq!(choose(&layers(), rid("l"), Some(3_000_000)), rid("h"));
    }

    #[test]
    fn going_down_as_soon_as_the_layer_does_not_fit() {
        // Between the layer's bitrate and the margin: stays (no flapping).
        assert_eq!(choose(&layers(), rid("h"), Some(1_250_000)), rid("h"));
        assert_eq!(choose(&layers(), rid("h"), Some(1_100_000)), rid("m"));
        assert_eq!(choose(&layers(), rid("h"), Some(300_000)), rid("l"));
        assert_eq!(choose(&layers(), rid("m"), Some(10_000)), rid("l"));
    }

    #[test]
    fn a_layer_the_sender_stopped_is_left() {
        let mut stopped = layers();
        stopped[0].bps = 0;
        assert_eq!(choose(&stopped, rid("h"), Some(5_000_000)), rid("m"));
        assert_eq!(choose(&stopped, None, None), rid("m"));
        let none: Vec<Layer> = layers().iter().map(|l| Layer { bps: 0, ..*l }).collect();
        assert_eq!(choose(&none, rid("h"), None), None);
        assert_eq!(choose(&[], None, Some(1_000_000)), None);
    }

    #[test]
    fn the_budget_is_the_smaller_of_estimate_and_cap_shared_among_tracks() {
        assert_eq!(per_track_budget(None, None, 2), None);
        assert_eq!(per_track_budget(Some(2_040_000), None, 2), Some(1_000_000));
        assert_eq!(per_track_budget(Some(2_040_000), Some(340_000), 1), Some(300_000));
        assert_eq!(per_track_budget(None, Some(340_000), 0), Some(300_000));
        assert_eq!(per_track_budget(Some(10_000), None, 1), Some(0));
    }
}
