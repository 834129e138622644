//! The video visit pages: opening a room, and the room itself (device check, lobby, call),
//! which `static/video.js` brings to life over the signalling WebSocket.

use askama::Template;

use crate::pages::Chrome;

/// `/rooms`: a clinician opens a room.
#[derive(Template)]
#[template(path = "video_rooms.html")]
pub struct RoomsPage {
    pub chrome: Chrome,
}

/// `/rooms/{id}`.
#[derive(Template)]
#[template(path = "video_room.html")]
pub struct RoomPage {
    pub chrome: Chrome,
    pub room: String,
    /// The visitor's name, as the others will see it.
    pub name: String,
    /// The STUN/TURN servers, as JSON for `RTCPeerConnection`.
    pub ice_servers: String,
    /// A clinician (may invite; hosts a room they opened), not a guest.
    pub is_staff: bool,
    /// Joining as an observer: no camera, no microphone.
    pub observe: bool,
    /// Send the camera as simulcast layers (`video_simulcast`), or as one stream.
    pub simulcast: bool,
}

/// `GET /i/{token}`: an invitation link asks before it is used (`action` spends it).
#[derive(Template)]
#[template(path = "video_join_link.html")]
pub struct JoinLinkPage {
    pub chrome: Chrome,
    pub action: String,
}
