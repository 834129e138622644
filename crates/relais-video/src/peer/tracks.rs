//! The tracks of one peer's session: those its browser sends us (`TrackIn`) and those of the
//! others it receives (`TrackOut`), with where each of the latter stands in the negotiation.

use std::time::Instant;

use str0m::media::{MediaKind, Mid, Pt, Rid};
use str0m::rtp::RtpWrite;

use super::hold::Hold;
use super::layers::LayerIn;
use super::splice::Splice;
use crate::rooms::PeerId;

/// A track this peer sends.
#[derive(Debug)]
pub(crate) struct TrackIn {
    pub mid: Mid,
    pub kind: MediaKind,
    /// Its shared screen (the m-line it named in `screen`), not its camera.
    pub screen: bool,
    /// Its simulcast layers, when it sends some (rids), with their measured bitrates.
    pub layers: Vec<LayerIn>,
    /// When a keyframe was last asked for, per layer (`None`: no simulcast).
    pub(super) last_keyframe_request: Vec<(Option<Rid>, Instant)>,
}

/// Where a track of another peer stands on this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OutState {
    ToOpen,
    Negotiating(Mid),
    Open(Mid),
    ToStop(Mid),
    Stopping(Mid),
}

/// A track of another peer (`origin`, its `origin_mid`) that this peer receives.
#[derive(Debug)]
pub(crate) struct TrackOut {
    pub origin: PeerId,
    pub origin_mid: Mid,
    pub(super) kind: MediaKind,
    pub(super) screen: bool,
    pub(super) state: OutState,
    /// The simulcast layer forwarded now (`None`: none yet, or the sender sends no layers).
    pub(super) layer: Option<Rid>,
    /// The layer chosen for this receiver, forwarded from its next keyframe.
    pub(super) target: Option<Rid>,
    /// Its packets' numbers, continued across layer switches (see `splice.rs`).
    pub(super) splice: Splice,
    /// The sender's payload type last forwarded, and ours for the same codec.
    pub(super) pt: Option<(Pt, Pt)>,
    /// The packets of the video frame in progress, with the arrival of each (see `hold.rs`).
    pub(super) hold: Hold<(RtpWrite, Instant)>,
}

/// A track of another peer that this peer is to receive: `(origin, origin_mid, kind, screen)`.
pub(crate) type Wanted = (PeerId, Mid, MediaKind, bool);

impl TrackOut {
    /// Whether it is (or is to be) received, not on its way out.
    pub(super) fn live(&self) -> bool {
        !matches!(self.state, OutState::ToStop(_) | OutState::Stopping(_))
    }

    /// Marks it to be stopped; answers whether it is to be kept meanwhile (not if it was never
    /// offered).
    pub(super) fn stop(&mut self) -> bool {
        match self.state {
            OutState::ToOpen => false,
            OutState::Negotiating(mid) | OutState::Open(mid) => {
                self.state = OutState::ToStop(mid);
                true
            }
            OutState::ToStop(_) | OutState::Stopping(_) => true,
        }
    }

    /// The m-line on this peer, once negotiated and not being stopped.
    pub(super) fn open_mid(&self) -> Option<Mid> {
        match self.state {
            OutState::Open(mid) => Some(mid),
            _ => None,
        }
    }
}
