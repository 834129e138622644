//! The signalling messages, as JSON over the room's WebSocket (`{"type": "offer", …}`).
//!
//! The browser makes the first offer once admitted (its camera and microphone, send only);
//! afterwards the SFU makes the offers, one m-line per track of each other participant, whose
//! stream id is that participant's id: that is how the page knows whose tile a track belongs to.
//! A shared screen's stream id is the sharer's id followed by `-screen` (`p7-screen`).
//!
//! A browser offers again when it adds its screen: if that offer crosses one of the SFU's, the
//! SFU gives way (its offer is dropped, answered, and redone after) and the browser ignores the
//! SFU's offer it received while waiting for its answer (the "perfect negotiation" pattern,
//! the SFU being the polite side).

use serde::{Deserialize, Serialize};

/// Largest chat message, in characters.
pub const MAX_CHAT_CHARS: usize = 2000;

/// What a browser sends.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ClientMsg {
    /// An SDP offer (the first one, with the browser's own tracks).
    Offer {
        sdp: String,
    },
    /// The answer to an offer of the SFU.
    Answer {
        sdp: String,
    },
    Chat {
        text: String,
    },
    /// Mutes or unmutes one's own microphone or camera (what the others receive follows).
    SetMedia {
        audio: bool,
        video: bool,
    },
    /// Host: let someone in from the lobby.
    Admit {
        id: String,
    },
    /// Host: turn someone away from the lobby.
    Refuse {
        id: String,
    },
    /// Host: make someone leave.
    Remove {
        id: String,
    },
    /// Host: silence someone's microphone.
    Mute {
        id: String,
    },
    /// Host: stop someone's camera.
    StopCamera {
        id: String,
    },
    /// Host: end the room for everyone.
    End,
    /// Shares one's screen on the m-line `mid` of one's own offers (sent before the offer that
    /// adds it, when it is new). One sharer at a time in a room or side room: `screen-busy`.
    Screen {
        mid: String,
    },
    /// Stops sharing one's screen.
    ScreenStop,
    /// Host: these admitted people (`p7`, …) talk apart in a new side room.
    SideRoom {
        ids: Vec<String>,
    },
    /// The host, or someone in side room `side`: everyone in it returns to the main room.
    SideRoomEnd {
        side: u32,
    },
    /// Keeps the connection known to be alive.
    Ping,
    /// The most this browser wants to receive, in kbit/s (`null`: no cap): the SFU then
    /// forwards lower simulcast layers of the others' video, where they send some.
    ReceiveCap {
        kbps: Option<u32>,
    },
}

/// A role in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Admits, refuses, mutes, removes, ends.
    Host,
    /// Sends and receives media.
    Participant,
    /// Receives only.
    Observer,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Host => "host",
            Role::Participant => "participant",
            Role::Observer => "observer",
        }
    }
}

/// Someone in the room, as the others see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberView {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub audio: bool,
    pub video: bool,
    /// Shares their screen (with the people where they are).
    pub screen: bool,
    /// The side room they are in, if not the main room.
    pub side: Option<u32>,
}

/// Someone waiting in the lobby, as the host sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitingView {
    pub id: String,
    pub name: String,
}

/// What the SFU sends a browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ServerMsg {
    /// Joined the lobby; waiting for the host.
    Waiting {
        you: String,
    },
    /// In the room: make the first offer.
    Admitted {
        you: String,
        role: Role,
    },
    /// A ticket to come back without the lobby if the connection drops, honoured for
    /// `valid_secs` after it does (see `tickets`).
    Rejoin {
        ticket: String,
        valid_secs: u64,
    },
    /// Who is in the room; the host also gets the lobby.
    Roster {
        members: Vec<MemberView>,
        waiting: Vec<WaitingView>,
    },
    Answer {
        sdp: String,
    },
    Offer {
        sdp: String,
    },
    Chat {
        from: String,
        name: String,
        text: String,
    },
    /// One's screen is no longer shared (one was moved to or from a side room).
    ScreenStopped,
    /// The host silenced the microphone or stopped the camera.
    MediaChanged {
        audio: bool,
        video: bool,
    },
    /// Why the connection ends: `refused`, `removed`, `ended`, `timed-out`, `replaced` (the
    /// same person came back on a new connection).
    Closed {
        reason: String,
    },
    /// A request that could not be carried out (`not-host`, `unknown-member`, …).
    Error {
        code: String,
    },
    Pong,
}
