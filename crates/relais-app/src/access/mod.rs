//! Access: who someone is in the record and what they are entitled to (the decisions themselves
//! are `relais_access::policy`'s). Enforcement in every use case comes with authentication
//! (issue 4).

mod caller;
pub mod grants;
pub mod scope;

pub use caller::Caller;
pub use grants::{Identity, grants_for};
pub use scope::visibility;
