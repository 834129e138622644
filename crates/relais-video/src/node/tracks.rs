//! Which tracks each peer receives: those of the people where it is (the main room or its side
//! room), a shared screen while it is shared. Recomputed for a whole room whenever that may
//! change (a track opens, someone joins, a side room opens or closes, a screen is shared or
//! not); each peer then renegotiates only what differs.

use super::Node;
use crate::peer::Wanted;

impl Node {
    /// Makes every admitted peer of `room` receive exactly what the room's rules say.
    pub(super) fn sync(&mut self, room: &str) {
        for receiver in self.rooms.admitted(room) {
            let mut wanted: Vec<Wanted> = Vec::new();
            for (origin, sharing) in self.rooms.senders_to(room, receiver) {
                let Some(sender) = self.peers.get(&origin) else { continue };
                for track in &sender.tracks_in {
                    if !track.screen || sharing {
                        wanted.push((origin, track.mid, track.kind, track.screen));
                    }
                }
            }
            if let Some(peer) = self.peers.get_mut(&receiver)
                && peer.rtc.is_some()
            {
                peer.receive_only(&wanted);
                peer.negotiate();
                self.busy.insert(receiver);
            }
        }
    }
}
