//! What the signalling side asks of the node: joins, SDP, chat, host controls, leaving; and the
//! end of peers whose media session died.

use std::time::Instant;

use str0m::media::Mid;
use tokio::sync::mpsc;

use super::{Command, Joined, Node};
use crate::peer::Peer;
use crate::protocol::{ClientMsg, Role, ServerMsg};
use crate::rooms::{Control, Effect, Joiner, PeerId, Refusal, RoomError};

impl Node {
    pub(super) fn command(&mut self, command: Command) {
        match command {
            Command::Open { room, actor } => self.rooms.open(&room, &actor),
            Command::Join { room, joiner, reply } => {
                let peer = PeerId(self.next_peer);
                self.next_peer += 1;
                let (events, receiver) = mpsc::unbounded_channel();
                let joined = match self.rejoin(&room, peer, &joiner) {
                    Some(entered) => entered,
                    None => self.rooms.join(&room, peer, joiner),
                };
                match joined {
                    Ok((role, effects)) => {
                        self.peers.insert(peer, Peer::new(peer, room, events));
                        if reply.send(Ok(Joined { peer, role, events: receiver })).is_err() {
                            // The page went away while joining.
                            self.leave(peer);
                            return;
                        }
                        self.apply(effects);
                    }
                    Err(refusal) => {
                        let _ = reply.send(Err(refusal));
                    }
                }
                self.publish_counts();
            }
            Command::Signal { peer, msg } => self.signal(peer, msg),
            Command::Control { peer, control, reply } => {
                let Some(room) = self.peers.get(&peer).map(|p| p.room.clone()) else {
                    let _ = reply.send(Err(RoomError::NotInRoom));
                    return;
                };
                let end = control == Control::End;
                match self.rooms.control(&room, peer, control) {
                    Ok((effects, target)) => {
                        if end {
                            self.tickets.void_room(&room);
                        }
                        self.apply(effects);
                        let _ = reply.send(Ok(target));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
                self.publish_counts();
            }
            Command::Leave { peer } => self.leave(peer),
            Command::Ended { room, reply } => {
                let _ = reply.send(self.rooms.is_ended(&room));
            }
            Command::Stats { reply } => {
                let (rooms, participants) = self.rooms.counts();
                let _ = reply.send(crate::Stats {
                    rooms,
                    participants,
                    forwarded_bytes: self.figures.forwarded_bytes,
                    forwarded_packets: self.figures.forwarded_packets,
                    sent_datagrams: self.figures.sent_datagrams,
                    forwarded_bps: self.figures.bitrate_bps,
                    worst_room_loss: self.figures.worst_room_loss,
                    forwarding_delays: self.figures.delays,
                    udp_port: self.bound.port(),
                });
            }
        }
    }

    pub(super) fn signal(&mut self, id: PeerId, msg: ClientMsg) {
        let Some(peer) = self.peers.get(&id) else { return };
        let room = peer.room.clone();
        let admitted = self.rooms.admitted(&room).contains(&id);
        match msg {
            ClientMsg::Offer { sdp } => {
                if !admitted {
                    peer.send(ServerMsg::Error { code: "not-admitted".to_owned() });
                    return;
                }
                let candidate = self.candidate.clone();
                let Some(peer) = self.peers.get_mut(&id) else { return };
                let first = peer.rtc.is_none();
                if let Err(e) = peer.accept_first_offer(&sdp, candidate, Instant::now()) {
                    tracing::debug!(peer = %id, error = %e, "offer refused");
                    peer.send(ServerMsg::Error { code: "offer-invalid".to_owned() });
                    return;
                }
                if first {
                    // Everything already sent where the newcomer is comes to it.
                    self.sync(&room);
                } else {
                    // Its offer may have crossed ours, which was dropped: offer again.
                    peer.negotiate();
                }
            }
            ClientMsg::Answer { sdp } => {
                let Some(peer) = self.peers.get_mut(&id) else { return };
                match peer.accept_answer(&sdp) {
                    Ok(opened) => {
                        peer.negotiate();
                        // Simulcast tracks just opened get their layer (and its keyframe) now.
                        self.choose_layers_of(id);
                        let now = Instant::now();
                        for (origin, mid, rid) in opened {
                            if let Some(origin) = self.peers.get_mut(&origin) {
                                origin.request_keyframe(mid, rid, now);
                            }
                        }
                    }
                    Err(e) => {
                        tracing::debug!(peer = %id, error = %e, "answer refused");
                        peer.send(ServerMsg::Error { code: "answer-invalid".to_owned() });
                    }
                }
            }
            ClientMsg::Chat { text } => match self.rooms.chat(&room, id, &text) {
                Ok(effects) => self.apply(effects),
                Err(e) => peer.send(ServerMsg::Error { code: e.code().to_owned() }),
            },
            ClientMsg::SetMedia { audio, video } => {
                let effects = self.rooms.set_media(&room, id, audio, video);
                self.apply(effects);
            }
            ClientMsg::Screen { mid } => {
                // An m-line id of the browser's own offers (Chromium: digits).
                if mid.is_empty() || mid.len() > 16 || !mid.chars().all(|c| c.is_ascii_alphanumeric()) {
                    peer.send(ServerMsg::Error { code: "message-invalid".to_owned() });
                    return;
                }
                // That m-line is the screen even if it may not be shown now: never a camera.
                if let Some(peer) = self.peers.get_mut(&id) {
                    peer.screen_on(Mid::from(mid.as_str()));
                }
                match self.rooms.share(&room, id) {
                    Ok(effects) => self.apply(effects),
                    Err(e) => {
                        if let Some(peer) = self.peers.get(&id) {
                            peer.send(ServerMsg::Error { code: e.code().to_owned() });
                        }
                        self.sync(&room);
                    }
                }
            }
            ClientMsg::ScreenStop => {
                let effects = self.rooms.unshare(&room, id);
                self.apply(effects);
            }
            ClientMsg::Ping => peer.send(ServerMsg::Pong),
            ClientMsg::ReceiveCap { kbps } => {
                let Some(peer) = self.peers.get_mut(&id) else { return };
                peer.cap = kbps.map(|k| u64::from(k) * 1000);
                // At once, not at the next measurement: the person asked for it.
                self.choose_layers_of(id);
            }
            // Host controls come as `Command::Control`, to be audited.
            ClientMsg::Admit { .. }
            | ClientMsg::Refuse { .. }
            | ClientMsg::Remove { .. }
            | ClientMsg::Mute { .. }
            | ClientMsg::StopCamera { .. }
            | ClientMsg::SideRoom { .. }
            | ClientMsg::SideRoomEnd { .. }
            | ClientMsg::End => peer.send(ServerMsg::Error { code: "not-a-signal".to_owned() }),
        }
    }

    pub(super) fn apply(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Send(to, msg) => {
                    if let Some(peer) = self.peers.get(&to) {
                        peer.send(msg);
                    }
                }
                // Media starts with the browser's offer, which only an admitted peer may make;
                // the ticket lets it back in if its connection drops.
                Effect::Admitted(id) => {
                    let Some(peer) = self.peers.get(&id) else { continue };
                    let (Some(role), Some(actor)) =
                        (self.rooms.role(&peer.room, id), self.rooms.actor(&peer.room, id))
                    else {
                        continue;
                    };
                    let ticket = self.tickets.issue(&peer.room, actor, id, role);
                    peer.send(ServerMsg::Rejoin { ticket, valid_secs: self.tickets.window().as_secs() });
                }
                Effect::Resync(room) => self.sync(&room),
                // Removed or refused: back only through the lobby.
                Effect::Drop(peer) => {
                    self.tickets.void_peer(peer);
                    self.drop_peer(peer);
                }
            }
        }
    }

    /// `peer` left on its own: out of its room, its media cut.
    pub(super) fn leave(&mut self, peer: PeerId) {
        let Some(room) = self.peers.get(&peer).map(|p| p.room.clone()) else { return };
        let side = self.rooms.side_of(&room, peer);
        let effects = self.rooms.leave(&room, peer);
        self.tickets.left(peer, Instant::now(), side);
        self.drop_peer(peer);
        self.apply(effects);
        self.publish_counts();
    }

    /// `joiner` enters `room` directly if they carry a rejoin ticket still honoured; a
    /// connection of theirs not yet known to be gone is replaced. `None`: through the lobby.
    fn rejoin(
        &mut self,
        room: &str,
        peer: PeerId,
        joiner: &Joiner,
    ) -> Option<Result<(Role, Vec<Effect>), Refusal>> {
        let ticket = joiner.rejoin.as_deref()?;
        let mut back = self.tickets.redeem(ticket, room, &joiner.actor, Instant::now())?;
        if let Some(old) = back.replaces {
            back.side = self.rooms.side_of(room, old);
            if let Some(peer) = self.peers.get(&old) {
                peer.send(ServerMsg::Closed { reason: "replaced".to_owned() });
            }
            let effects = self.rooms.leave(room, old);
            self.drop_peer(old);
            self.apply(effects);
        }
        Some(
            self.rooms
                .enter_directly(room, peer, joiner.clone(), back.role, back.side)
                .map(|effects| (back.role, effects)),
        )
    }

    /// Removes `peer`'s session (closing its signalling once what was sent is read) and stops
    /// its tracks on everyone else in its room.
    pub(super) fn drop_peer(&mut self, id: PeerId) {
        let Some(mut peer) = self.peers.remove(&id) else { return };
        self.routes.retain(|_, p| *p != id);
        if let Some(rtc) = peer.rtc.as_mut() {
            rtc.disconnect();
        }
        for other in self.peers.values_mut().filter(|p| p.room == peer.room) {
            other.stop_receiving(id);
            other.negotiate();
        }
    }

    /// Peers whose browser vanished leave: nothing heard from it, or ICE gone, for longer than
    /// `peer_timeout`, or its media session failed.
    pub(super) fn reap(&mut self, now: Instant) {
        for peer in self.peers.values_mut() {
            let ice_gone = peer.ice_lost_at.is_some_and(|t| now.duration_since(t) > self.peer_timeout);
            let silent = now.duration_since(peer.last_heard) > self.peer_timeout;
            if (ice_gone || silent)
                && let Some(rtc) = peer.rtc.as_mut()
            {
                rtc.disconnect();
            }
        }
        let dead: Vec<PeerId> = self
            .peers
            .values()
            .filter(|p| p.rtc.as_ref().is_some_and(|r| !r.is_alive()))
            .map(|p| p.id)
            .collect();
        for id in dead {
            if let Some(peer) = self.peers.get(&id) {
                peer.send(ServerMsg::Closed { reason: "timed-out".to_owned() });
            }
            tracing::info!(peer = %id, "media session timed out");
            self.leave(id);
        }
    }
}
