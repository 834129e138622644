//! Rejoin tickets: a browser whose connection dropped (a network blip, a phone switching from
//! Wi-Fi to mobile data) comes back into its room without waiting in the lobby again.
//!
//! Each admitted connection is handed a ticket (random, for this room and this person — the
//! account or invitation that was admitted). Once the connection is gone, the ticket is honoured
//! for `window` (`video_rejoin_secs`), once; then it has expired and the person waits in the
//! lobby like anyone. A ticket does not authenticate: the person must still get through the
//! room's door (staff session or guest pass) with the same identity; it only spares the
//! admission. A host who removes or refuses someone, or ends the room, voids their tickets.
//! Pure state with the time passed in, so the rules are tested alone.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::protocol::Role;
use crate::rooms::PeerId;

#[derive(Debug)]
struct Ticket {
    room: String,
    actor: String,
    peer: PeerId,
    role: Role,
    /// When its connection went; `None` while it is in the room.
    left_at: Option<Instant>,
    /// The side room it was in when its connection went.
    side: Option<u32>,
}

/// A ticket honoured: the role to come back with, and the old connection if it is still there
/// (its drop not noticed yet), to be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejoined {
    pub role: Role,
    pub replaces: Option<PeerId>,
    /// The side room it was in when its connection went (it goes back there if still open).
    pub side: Option<u32>,
}

#[derive(Debug)]
pub struct Tickets {
    tickets: HashMap<String, Ticket>,
    window: Duration,
}

impl Tickets {
    pub fn new(window: Duration) -> Self {
        Self { tickets: HashMap::new(), window }
    }

    /// How long a ticket is honoured after its connection went.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// A ticket for `peer`, just admitted to `room` as `actor` with `role`.
    pub fn issue(&mut self, room: &str, actor: &str, peer: PeerId, role: Role) -> String {
        self.tickets.retain(|_, t| t.peer != peer);
        let ticket = uuid::Uuid::new_v4().simple().to_string();
        let entry =
            Ticket { room: room.to_owned(), actor: actor.to_owned(), peer, role, left_at: None, side: None };
        self.tickets.insert(ticket.clone(), entry);
        ticket
    }

    /// `peer`'s connection went, from side room `side` if it was in one: its ticket's window
    /// starts.
    pub fn left(&mut self, peer: PeerId, now: Instant, side: Option<u32>) {
        self.sweep(now);
        for ticket in self.tickets.values_mut().filter(|t| t.peer == peer) {
            ticket.left_at.get_or_insert(now);
            ticket.side = side;
        }
    }

    /// `peer` was removed or refused: no coming back without the host.
    pub fn void_peer(&mut self, peer: PeerId) {
        self.tickets.retain(|_, t| t.peer != peer);
    }

    /// `room` ended.
    pub fn void_room(&mut self, room: &str) {
        self.tickets.retain(|_, t| t.room != room);
    }

    /// Uses `ticket` to come back into `room` as `actor`, if it is theirs, for this room, and
    /// still honoured. A ticket is used once.
    pub fn redeem(&mut self, ticket: &str, room: &str, actor: &str, now: Instant) -> Option<Rejoined> {
        self.sweep(now);
        let entry = self.tickets.get(ticket)?;
        if entry.room != room || entry.actor != actor {
            return None;
        }
        let entry = self.tickets.remove(ticket)?;
        let replaces = entry.left_at.is_none().then_some(entry.peer);
        Some(Rejoined { role: entry.role, replaces, side: entry.side })
    }

    /// Forgets the tickets whose window has passed.
    fn sweep(&mut self, now: Instant) {
        let window = self.window;
        self.tickets.retain(|_, t| t.left_at.is_none_or(|left| now.duration_since(left) <= window));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: PeerId = PeerId(7);

    #[test]
    fn a_ticket_brings_its_holder_back_within_the_window_once_then_expires() {
        let start = Instant::now();
        let mut tickets = Tickets::new(Duration::from_secs(60));
        let ticket = tickets.issue("r1", "invitation:i1", P, Role::Participant);
        // It dropped from side room 2: it comes back with that.
        tickets.left(P, start, Some(2));
        let back = tickets.redeem(&ticket, "r1", "invitation:i1", start + Duration::from_secs(59));
        assert_eq!(back, Some(Rejoined { role: Role::Participant, replaces: None, side: Some(2) }));
        // Used once.
        assert_eq!(tickets.redeem(&ticket, "r1", "invitation:i1", start + Duration::from_secs(59)), None);

        let late = tickets.issue("r1", "invitation:i1", PeerId(8), Role::Participant);
        tickets.left(PeerId(8), start, None);
        assert_eq!(tickets.redeem(&late, "r1", "invitation:i1", start + Duration::from_secs(61)), None);
    }

    #[test]
    fn a_ticket_is_its_holders_for_its_room_only() {
        let now = Instant::now();
        let mut tickets = Tickets::new(Duration::from_secs(60));
        let ticket = tickets.issue("r1", "doc", P, Role::Host);
        assert_eq!(tickets.redeem(&ticket, "r2", "doc", now), None);
        assert_eq!(tickets.redeem(&ticket, "r1", "invitation:i1", now), None);
        assert_eq!(tickets.redeem("not-a-ticket", "r1", "doc", now), None);
        // Before its connection is known to be gone, it replaces that connection.
        assert_eq!(
            tickets.redeem(&ticket, "r1", "doc", now),
            Some(Rejoined { role: Role::Host, replaces: Some(P), side: None })
        );
    }

    #[test]
    fn removal_refusal_and_the_end_of_the_room_void_tickets() {
        let now = Instant::now();
        let mut tickets = Tickets::new(Duration::from_secs(60));
        let removed = tickets.issue("r1", "a", P, Role::Participant);
        let ended = tickets.issue("r2", "b", PeerId(9), Role::Participant);
        tickets.void_peer(P);
        tickets.void_room("r2");
        assert_eq!(tickets.redeem(&removed, "r1", "a", now), None);
        assert_eq!(tickets.redeem(&ended, "r2", "b", now), None);
    }
}
