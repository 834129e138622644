//! Access: who someone is in the record and what they are entitled to (the decisions themselves
//! are `relais_access::policy`'s), and the OAuth2 client credentials that turn a bearer token
//! into a principal.

mod caller;
pub mod grants;
pub mod scope;
pub mod tokens;

pub use caller::Caller;
pub use grants::{Identity, grants_for};
pub use scope::visibility;
pub use tokens::{
    BearerError, IssuedToken, NewClient, TokenError, Tokens, principal_for_account, register_client,
};
