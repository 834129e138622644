//! Relais core: the small vocabulary every other crate shares — the injected [`Clock`],
//! identifier generation ([`IdGenerator`]) and nothing else that does IO.
//!
//! Must not depend on any other Relais crate, on a database, on HTTP or on the network.

mod clock;
mod ids;

pub use clock::{Clock, FixedClock, SystemClock};
pub use ids::{IdGenerator, SequentialIds, UuidV7Ids};
