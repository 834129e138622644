//! Who is in which room, and what each may do: the lobby, roles, host controls, chat, the end
//! of a room. Pure state, no media and no I/O: every operation answers the [`Effect`]s the node
//! carries out (messages to send, media to allow or cut), so the rules are tested alone.
//!
//! Rules: the person who opened a room (`open`) is its host; a clinician joining a room nobody
//! opened (an appointment's room) opens it. Everyone else — guests, other staff, observers —
//! waits in the lobby until a host admits them. An ended room stays ended: nobody joins it
//! again.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::protocol::{MAX_CHAT_CHARS, MemberView, Role, ServerMsg, WaitingView};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Admit(PeerId),
    Refuse(PeerId),
    Remove(PeerId),
    Mute(PeerId),
    StopCamera(PeerId),
    End,
}

impl Control {
    /// The audit action code.
    pub fn code(self) -> &'static str {
        match self {
            Control::Admit(_) => "video-admit",
            Control::Refuse(_) => "video-refuse",
            Control::Remove(_) => "video-remove",
            Control::Mute(_) => "video-mute",
            Control::StopCamera(_) => "video-stop-camera",
            Control::End => "video-end",
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
}

impl RoomError {
    pub fn code(self) -> &'static str {
        match self {
            RoomError::NotHost => "not-host",
            RoomError::NotInRoom => "not-in-room",
            RoomError::UnknownMember => "unknown-member",
            RoomError::NotWaiting => "not-waiting",
            RoomError::ChatInvalid => "chat-invalid",
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
}

#[derive(Debug, Clone)]
struct Member {
    name: String,
    actor: String,
    role: Role,
    admitted: bool,
    audio: bool,
    video: bool,
}

#[derive(Debug, Default)]
struct Room {
    opened_by: Option<String>,
    members: BTreeMap<PeerId, Member>,
    ended: bool,
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
        let sends = role != Role::Observer;
        room.members.insert(
            peer,
            Member { name: joiner.name, actor: joiner.actor, role, admitted, audio: sends, video: sends },
        );
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
    ) -> Result<Vec<Effect>, Refusal> {
        let room = self.rooms.get_mut(room_id).ok_or(Refusal::Ended)?;
        if room.ended {
            return Err(Refusal::Ended);
        }
        if room.members.len() >= MAX_MEMBERS {
            return Err(Refusal::Full);
        }
        let sends = role != Role::Observer;
        let member = Member {
            name: joiner.name,
            actor: joiner.actor,
            role,
            admitted: true,
            audio: sends,
            video: sends,
        };
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

    /// `peer` left (closed the page, lost its connection).
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

    /// A host's `control`, by `by`. Answers the effects and the audit actor of whom it
    /// concerned (none for `End`).
    ///
    /// # Errors
    /// `by` is not a host here, or the target is not someone it applies to.
    pub fn control(
        &mut self,
        room_id: &str,
        by: PeerId,
        control: Control,
    ) -> Result<(Vec<Effect>, Option<String>), RoomError> {
        let room = self.rooms.get_mut(room_id).ok_or(RoomError::NotInRoom)?;
        let host = room.members.get(&by).ok_or(RoomError::NotInRoom)?;
        if host.role != Role::Host {
            return Err(RoomError::NotHost);
        }
        let mut effects = Vec::new();
        let target = match control {
            Control::Admit(peer) => {
                let member = room.members.get_mut(&peer).ok_or(RoomError::UnknownMember)?;
                if member.admitted {
                    return Err(RoomError::NotWaiting);
                }
                member.admitted = true;
                effects.push(Effect::Send(
                    peer,
                    ServerMsg::Admitted { you: peer.to_string(), role: member.role },
                ));
                effects.push(Effect::Admitted(peer));
                Some(member.actor.clone())
            }
            Control::Refuse(peer) | Control::Remove(peer) => {
                let refuse = matches!(control, Control::Refuse(_));
                let member = room.members.get(&peer).ok_or(RoomError::UnknownMember)?;
                if refuse && member.admitted {
                    return Err(RoomError::NotWaiting);
                }
                let actor = member.actor.clone();
                room.members.remove(&peer);
                let reason = if refuse { "refused" } else { "removed" };
                effects.push(Effect::Send(peer, ServerMsg::Closed { reason: reason.to_owned() }));
                effects.push(Effect::Drop(peer));
                Some(actor)
            }
            Control::Mute(peer) | Control::StopCamera(peer) => {
                let member = room.members.get_mut(&peer).ok_or(RoomError::UnknownMember)?;
                if matches!(control, Control::Mute(_)) {
                    member.audio = false;
                } else {
                    member.video = false;
                }
                let msg = ServerMsg::MediaChanged { audio: member.audio, video: member.video };
                effects.push(Effect::Send(peer, msg));
                Some(member.actor.clone())
            }
            Control::End => {
                room.ended = true;
                for peer in std::mem::take(&mut room.members).into_keys() {
                    effects.push(Effect::Send(peer, ServerMsg::Closed { reason: "ended".to_owned() }));
                    effects.push(Effect::Drop(peer));
                }
                return Ok((effects, None));
            }
        };
        roster(room, &mut effects);
        Ok((effects, target))
    }

    /// `peer` turns its own microphone or camera on or off.
    pub fn set_media(&mut self, room_id: &str, peer: PeerId, audio: bool, video: bool) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(room) = self.rooms.get_mut(room_id)
            && let Some(member) = room.members.get_mut(&peer)
            && member.role != Role::Observer
        {
            member.audio = audio;
            member.video = video;
            roster(room, &mut effects);
        }
        effects
    }

    /// `peer` says `text` to everyone admitted (itself included: it sees it was delivered).
    ///
    /// # Errors
    /// `peer` is not admitted, or the text is empty or too long.
    pub fn chat(&self, room_id: &str, peer: PeerId, text: &str) -> Result<Vec<Effect>, RoomError> {
        let room = self.rooms.get(room_id).ok_or(RoomError::NotInRoom)?;
        let member = room.members.get(&peer).filter(|m| m.admitted).ok_or(RoomError::NotInRoom)?;
        let text: String = text.trim().chars().filter(|c| *c == '\n' || !c.is_control()).collect();
        if text.is_empty() || text.chars().count() > MAX_CHAT_CHARS {
            return Err(RoomError::ChatInvalid);
        }
        let msg = ServerMsg::Chat { from: peer.to_string(), name: member.name.clone(), text };
        Ok(room
            .members
            .iter()
            .filter(|(_, m)| m.admitted)
            .map(|(id, _)| Effect::Send(*id, msg.clone()))
            .collect())
    }

    /// Whether media of `kind` (audio: `true`) from `peer` is forwarded: it is admitted, may
    /// send, and has not been muted.
    pub fn forwards(&self, room_id: &str, peer: PeerId, audio: bool) -> bool {
        self.rooms
            .get(room_id)
            .and_then(|r| r.members.get(&peer))
            .is_some_and(|m| m.admitted && m.role != Role::Observer && if audio { m.audio } else { m.video })
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
#[path = "rooms_tests.rs"]
mod tests;
