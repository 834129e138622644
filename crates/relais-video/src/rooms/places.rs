//! Who sees and hears whom. Besides its main room, a room may have side rooms, where a few of
//! its people talk apart (a nurse and a caregiver, a lawyer and a client) while the others keep
//! their call. Media goes only between admitted people in the same place, a shared screen only
//! to the people where its sharer is, and there is one sharer at a time in each place. Moving to
//! or from a side room stops one's screen share: it was shown to the people one leaves.

use super::{Effect, Member, PeerId, Room, RoomError, Rooms};
use crate::protocol::{Role, ServerMsg};

/// What a track carries, for the forwarding rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Audio,
    Camera,
    Screen,
}

impl Room {
    /// Sends `people` (admitted, in the main room, not the host) to a new side room. Answers
    /// their audit actors. The caller resyncs the room's media.
    pub(super) fn open_side(
        &mut self,
        people: &[PeerId],
        effects: &mut Vec<Effect>,
    ) -> Result<String, RoomError> {
        let mut unique = people.to_vec();
        unique.sort_unstable();
        unique.dedup();
        if unique.is_empty() || unique.len() != people.len() {
            return Err(RoomError::SideRoomInvalid);
        }
        for peer in &unique {
            let member = self.members.get(peer).ok_or(RoomError::UnknownMember)?;
            if !member.admitted || member.role == Role::Host || member.side.is_some() {
                return Err(RoomError::SideRoomInvalid);
            }
        }
        self.last_side += 1;
        let side = Some(self.last_side);
        Ok(self.move_to(&unique, side, effects))
    }

    /// Everyone in side room `side` returns to the main room. Answers their audit actors.
    pub(super) fn close_side(&mut self, side: u32, effects: &mut Vec<Effect>) -> Result<String, RoomError> {
        let people: Vec<PeerId> =
            self.members.iter().filter(|(_, m)| m.side == Some(side)).map(|(id, _)| *id).collect();
        if people.is_empty() {
            return Err(RoomError::SideRoomInvalid);
        }
        Ok(self.move_to(&people, None, effects))
    }

    fn move_to(&mut self, people: &[PeerId], side: Option<u32>, effects: &mut Vec<Effect>) -> String {
        let mut actors = Vec::new();
        for peer in people {
            if let Some(member) = self.members.get_mut(peer) {
                member.side = side;
                if member.screen {
                    member.screen = false;
                    effects.push(Effect::Send(*peer, ServerMsg::ScreenStopped));
                }
                actors.push(member.actor.clone());
            }
        }
        actors.join(",")
    }
}

/// Whether `origin`'s media reaches `receiver`: both admitted, in the same place, and the
/// origin may send.
fn reaches(origin: &Member, receiver: &Member) -> bool {
    origin.admitted && receiver.admitted && origin.role != Role::Observer && origin.side == receiver.side
}

impl Rooms {
    /// `peer` shares its screen with the people where it is.
    ///
    /// # Errors
    /// It is not admitted or only observes, or someone else shares there already.
    pub fn share(&mut self, room_id: &str, peer: PeerId) -> Result<Vec<Effect>, RoomError> {
        let room = self.rooms.get_mut(room_id).ok_or(RoomError::NotInRoom)?;
        let member = room.members.get(&peer).filter(|m| m.admitted).ok_or(RoomError::NotInRoom)?;
        if member.role == Role::Observer {
            return Err(RoomError::NotInRoom);
        }
        let side = member.side;
        if room.members.iter().any(|(id, m)| *id != peer && m.screen && m.side == side) {
            return Err(RoomError::ScreenBusy);
        }
        let mut effects = Vec::new();
        if let Some(member) = room.members.get_mut(&peer)
            && !member.screen
        {
            member.screen = true;
            effects.push(Effect::Resync(room_id.to_owned()));
            super::roster(room, &mut effects);
        }
        Ok(effects)
    }

    /// `peer` stops sharing its screen.
    pub fn unshare(&mut self, room_id: &str, peer: PeerId) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(room) = self.rooms.get_mut(room_id)
            && let Some(member) = room.members.get_mut(&peer)
            && member.screen
        {
            member.screen = false;
            effects.push(Effect::Resync(room_id.to_owned()));
            super::roster(room, &mut effects);
        }
        effects
    }

    /// Whether media from `peer`'s `source` is forwarded at all: it is admitted, may send, and
    /// has not been muted (audio, camera) or shares its screen (screen).
    pub fn forwards(&self, room_id: &str, peer: PeerId, source: Source) -> bool {
        self.rooms.get(room_id).and_then(|r| r.members.get(&peer)).is_some_and(|m| {
            m.admitted
                && m.role != Role::Observer
                && match source {
                    Source::Audio => m.audio,
                    Source::Camera => m.video,
                    Source::Screen => m.screen,
                }
        })
    }

    /// Who receives `origin`'s media: the others admitted where it is.
    /// (An iterator: this runs for every frame forwarded, and a list would be allocated for each.)
    pub fn audience(&self, room_id: &str, origin: PeerId) -> impl Iterator<Item = PeerId> {
        let room = self.rooms.get(room_id);
        let sender = room.and_then(|r| Some((r, r.members.get(&origin)?)));
        sender.into_iter().flat_map(move |(room, from)| {
            room.members.iter().filter(move |(id, m)| **id != origin && reaches(from, m)).map(|(id, _)| *id)
        })
    }

    /// The side room `peer` is in, if any.
    pub fn side_of(&self, room_id: &str, peer: PeerId) -> Option<u32> {
        self.rooms.get(room_id)?.members.get(&peer)?.side
    }

    /// Whose media `receiver` gets, and whether with their shared screen.
    pub fn senders_to(&self, room_id: &str, receiver: PeerId) -> Vec<(PeerId, bool)> {
        let Some(room) = self.rooms.get(room_id) else { return Vec::new() };
        let Some(to) = room.members.get(&receiver) else { return Vec::new() };
        room.members
            .iter()
            .filter(|(id, m)| **id != receiver && reaches(m, to))
            .map(|(id, m)| (*id, m.screen))
            .collect()
    }
}
