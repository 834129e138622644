//! What the host and the people in a room do: host controls (admit, refuse, remove, mute, stop a
//! camera, side rooms, end), one's own microphone and camera, chat.

use super::{Control, Effect, PeerId, RoomError, Rooms, roster};
use crate::protocol::{MAX_CHAT_CHARS, Role, ServerMsg};

impl Rooms {
    /// A host's `control`, by `by` (a side room's end also by one of its people). Answers the
    /// effects and the audit actor of whom it concerned (none for `End`; for a side room, its
    /// people, comma-separated).
    ///
    /// # Errors
    /// `by` may not do it here, or the target is not someone it applies to.
    pub fn control(
        &mut self,
        room_id: &str,
        by: PeerId,
        control: Control,
    ) -> Result<(Vec<Effect>, Option<String>), RoomError> {
        let room = self.rooms.get_mut(room_id).ok_or(RoomError::NotInRoom)?;
        let host = room.members.get(&by).ok_or(RoomError::NotInRoom)?;
        let in_side = |side| host.admitted && host.side == Some(side);
        let allowed = match control {
            Control::SideRoomEnd(side) => host.role == Role::Host || in_side(side),
            _ => host.role == Role::Host,
        };
        if !allowed {
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
            Control::SideRoom(ref people) => {
                let actors = room.open_side(people, &mut effects)?;
                effects.push(Effect::Resync(room_id.to_owned()));
                Some(actors)
            }
            Control::SideRoomEnd(side) => {
                let actors = room.close_side(side, &mut effects)?;
                effects.push(Effect::Resync(room_id.to_owned()));
                Some(actors)
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

    /// `peer` says `text` to everyone admitted where it is (the main room, or its side room),
    /// itself included: it sees it was delivered.
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
            .filter(|(_, m)| m.admitted && m.side == member.side)
            .map(|(id, _)| Effect::Send(*id, msg.clone()))
            .collect())
    }
}
