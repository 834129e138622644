//! Who is in which room, and what each may do: the lobby, roles, host controls, chat, the end
//! of a room. Pure state, no media and no I/O: every operation answers the [`Effect`]s the node
//! carries out (messages to send, media to allow or cut), so the rules are tested alone.
//!
//! Rules: the person who opened a room (`open`) is its host; a clinician joining a room nobody
//! opened (an appointment's room) opens it. Everyone else — guests, other staff, observers —
//! waits in the lobby until a host admits them. An ended room stays ended: nobody joins it
//! again.
//!
//! Here: who is in a room (joining, the lobby, leaving, the roster). What the host and the
//! people in the room do is in [`controls`]; who sees and hears whom (side rooms, the shared
//! screen, what the node forwards) in [`places`].

mod controls;
mod places;

pub use places::Source;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::protocol::{MemberView, Role, ServerMsg, WaitingView};

/// Most people in one room, lobby included.
pub const MAX_MEMBERS: usize = 16;

/// One connection to a room (a browser tab), unique on this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerId(pub u64);

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{}", self.0)
    }
}

impl PeerId {
    /// The id a page names (`p7`).
    pub fn parse(text: &str) -> Option<PeerId> {
        text.strip_prefix('p')?.parse().ok().map(PeerId)
    }
}

/// Who is joining.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joiner {
    /// As shown to the others.
    pub name: String,
    /// As on the audit trail (`account id`, `invitation:{id}`): who opened a room.
    pub actor: String,
    pub kind: JoinerKind,
    /// A rejoin ticket this connection was given before it dropped (see `tickets`).
    pub rejoin: Option<String>,
}

/// How someone comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinerKind {
    /// A clinician: hosts a room they opened or that nobody opened.
    Clinician,
    /// A clinician who only watches and listens.
    Observer,
    /// Someone with an invitation.
    Guest,
}

/// Why a join is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Ended,
    Full,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Ended => "room-ended",
            Refusal::Full => "room-full",
        }
    }
}

/// A host's control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    Admit(PeerId),
    Refuse(PeerId),
    Remove(PeerId),
    Mute(PeerId),
    StopCamera(PeerId),
    End,
    /// These admitted people talk apart in a new side room.
    SideRoom(Vec<PeerId>),
    /// Everyone in this side room returns to the main room (the host, or one of them).
    SideRoomEnd(u32),
}

impl Control {
    /// The audit action code.
    pub fn code(&self) -> &'static str {
        match self {
            Control::Admit(_) => "video-admit",
            Control::Refuse(_) => "video-refuse",
            Control::Remove(_) => "video-remove",
            Control::Mute(_) => "video-mute",
            Control::StopCamera(_) => "video-stop-camera",
            Control::End => "video-end",
            Control::SideRoom(_) => "video-side-room",
            Control::SideRoomEnd(_) => "video-side-room-end",
        }
    }
}

/// Why a control or a message is not carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomError {
    NotHost,
    NotInRoom,
    UnknownMember,
    NotWaiting,
    ChatInvalid,
    /// Someone else shares their screen where this person is.
    ScreenBusy,
    /// A side room needs admitted people from the main room, other than the host.
    SideRoomInvalid,
}

impl RoomError {
    pub fn code(self) -> &'static str {
        match self {
            RoomError::NotHost => "not-host",
            RoomError::NotInRoom => "not-in-room",
            RoomError::UnknownMember => "unknown-member",
            RoomError::NotWaiting => "not-waiting",
            RoomError::ChatInvalid => "chat-invalid",
            RoomError::ScreenBusy => "screen-busy",
            RoomError::SideRoomInvalid => "side-room-invalid",
        }
    }
}

/// What the node must do after an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Send(PeerId, ServerMsg),
    /// This peer may now send its offer: media may flow.
    Admitted(PeerId),
    /// This peer is out: cut its media and close its signalling (after what was sent).
    Drop(PeerId),
    /// Who receives whom changed in this room (a side room, a shared screen): the node opens
    /// and stops the forwarded tracks to match.
    Resync(String),
}

#[derive(Debug, Clone)]
struct Member {
    name: String,
    actor: String,
    role: Role,
    admitted: bool,
    audio: bool,
    video: bool,
    /// Shares their screen with the people where they are.
    screen: bool,
    /// The side room they are in; `None`: the main room.
    side: Option<u32>,
}

impl Member {
    fn new(joiner: Joiner, role: Role, admitted: bool) -> Member {
        let sends = role != Role::Observer;
        Member {
            name: joiner.name,
            actor: joiner.actor,
            role,
            admitted,
            audio: sends,
            video: sends,
            screen: false,
            side: None,
        }
    }
}

#[derive(Debug, Default)]
struct Room {
    opened_by: Option<String>,
    members: BTreeMap<PeerId, Member>,
    ended: bool,
    /// The number of the last side room opened.
    last_side: u32,
}

/// Every room of this node.
#[derive(Debug, Default)]
pub struct Rooms {
    rooms: HashMap<String, Room>,
}

impl Rooms {
    /// Opens `room` with `actor` as its host (a room created by a clinician).
    pub fn open(&mut self, room: &str, actor: &str) {
        let entry = self.rooms.entry(room.to_owned()).or_default();
        if entry.opened_by.is_none() {
            entry.opened_by = Some(actor.to_owned());
        }
    }

    /// Whether `room` was ended by its host.
    pub fn is_ended(&self, room: &str) -> bool {
        self.rooms.get(room).is_some_and(|r| r.ended)
    }

    /// `peer` joins `room`: a host enters, anyone else waits in the lobby.
    ///
    /// # Errors
    /// The room has ended, or is full.
    pub fn join(
        &mut self,
        room_id: &str,
        peer: PeerId,
        joiner: Joiner,
    ) -> Result<(Role, Vec<Effect>), Refusal> {
        let room = self.rooms.entry(room_id.to_owned()).or_default();
        if room.ended {
            return Err(Refusal::Ended);
        }
        if room.members.len() >= MAX_MEMBERS {
            return Err(Refusal::Full);
        }
        let role = match joiner.kind {
            JoinerKind::Clinician => {
                let opener = room.opened_by.get_or_insert_with(|| joiner.actor.clone());
                if *opener == joiner.actor { Role::Host } else { Role::Participant }
            }
            JoinerKind::Observer => Role::Observer,
            JoinerKind::Guest => Role::Participant,
        };
        let admitted = role == Role::Host;
        room.members.insert(peer, Member::new(joiner, role, admitted));
        let mut effects = Vec::new();
        if admitted {
            effects.push(Effect::Send(peer, ServerMsg::Admitted { you: peer.to_string(), role }));
            effects.push(Effect::Admitted(peer));
        } else {
            effects.push(Effect::Send(peer, ServerMsg::Waiting { you: peer.to_string() }));
        }
        roster(room, &mut effects);
        Ok((role, effects))
    }

    /// `peer` comes back with a rejoin ticket (see `tickets`): in the room at once, as `role`.
    ///
    /// # Errors
    /// The room has ended, or is full.
    pub fn enter_directly(
        &mut self,
        room_id: &str,
        peer: PeerId,
        joiner: Joiner,
        role: Role,
        side: Option<u32>,
    ) -> Result<Vec<Effect>, Refusal> {
        let room = self.rooms.get_mut(room_id).ok_or(Refusal::Ended)?;
        if room.ended {
            return Err(Refusal::Ended);
        }
        if room.members.len() >= MAX_MEMBERS {
            return Err(Refusal::Full);
        }
        let mut member = Member::new(joiner, role, true);
        // Back to the side room it dropped from, if someone is still in it (a side room with
        // nobody left has been closed); else the main room.
        if side.is_some() && room.members.values().any(|m| m.side == side) {
            member.side = side;
        }
        room.members.insert(peer, member);
        let mut effects = vec![
            Effect::Send(peer, ServerMsg::Admitted { you: peer.to_string(), role }),
            Effect::Admitted(peer),
        ];
        roster(room, &mut effects);
        Ok(effects)
    }

    /// Who `peer` is in `room`, as on the audit trail.
    pub fn actor(&self, room_id: &str, peer: PeerId) -> Option<&str> {
        self.rooms.get(room_id)?.members.get(&peer).map(|m| m.actor.as_str())
    }

    /// `peer` left (closed the page, lost its connection): its screen and its place go with it.
    pub fn leave(&mut self, room_id: &str, peer: PeerId) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(room) = self.rooms.get_mut(room_id)
            && room.members.remove(&peer).is_some()
        {
            roster(room, &mut effects);
        }
        self.forget_if_empty(room_id);
        effects
    }

    /// The admitted peers of `room`.
    pub fn admitted(&self, room_id: &str) -> Vec<PeerId> {
        self.rooms
            .get(room_id)
            .map(|r| r.members.iter().filter(|(_, m)| m.admitted).map(|(id, _)| *id).collect())
            .unwrap_or_default()
    }

    /// The role of `peer` in `room`, if it is there.
    pub fn role(&self, room_id: &str, peer: PeerId) -> Option<Role> {
        self.rooms.get(room_id).and_then(|r| r.members.get(&peer)).map(|m| m.role)
    }

    /// Rooms with someone in them, and how many people are in them (lobbies included).
    pub fn counts(&self) -> (usize, usize) {
        let live = self.rooms.values().filter(|r| !r.members.is_empty());
        live.fold((0, 0), |(rooms, people), r| (rooms + 1, people + r.members.len()))
    }

    /// An empty room nobody opened is forgotten; an opened or ended one is kept (its host, and
    /// that it ended, still matter).
    fn forget_if_empty(&mut self, room_id: &str) {
        if self.rooms.get(room_id).is_some_and(|r| r.members.is_empty() && r.opened_by.is_none() && !r.ended)
        {
            self.rooms.remove(room_id);
        }
    }
}

/// The roster, to everyone admitted; hosts also see the lobby.
fn roster(room: &Room, effects: &mut Vec<Effect>) {
    let members: Vec<MemberView> = room
        .members
        .iter()
        .filter(|(_, m)| m.admitted)
        .map(|(id, m)| MemberView {
            id: id.to_string(),
            name: m.name.clone(),
            role: m.role,
            audio: m.audio,
            video: m.video,
            screen: m.screen,
            side: m.side,
        })
        .collect();
    let waiting: Vec<WaitingView> = room
        .members
        .iter()
        .filter(|(_, m)| !m.admitted)
        .map(|(id, m)| WaitingView { id: id.to_string(), name: m.name.clone() })
        .collect();
    for (id, member) in room.members.iter().filter(|(_, m)| m.admitted) {
        let waiting = if member.role == Role::Host { waiting.clone() } else { Vec::new() };
        effects.push(Effect::Send(*id, ServerMsg::Roster { members: members.clone(), waiting }));
    }
}

#[cfg(test)]
mod tests;
