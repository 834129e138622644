//! Relais access: the security primitives that decide who someone is and prove what happened.
//!
//! This crate owns
//! - [`password`]: Argon2id hashing in PHC strings, verification that says when to rehash, and the
//!   minimal password rule (reason codes, not sentences: the web layer translates them);
//! - [`totp`]: the TOTP second factor (RFC 6238), enrolment URI and replay-safe verification;
//! - [`token`]: opaque bearer tokens (sessions, invitations, password resets), stored only hashed;
//! - [`keys`]: the server secret and the keys derived from it (token signing, TOTP encryption);
//! - [`access_token`]: the short-lived signed bearer tokens of the FHIR API (JWT, HS256);
//! - [`sealed`]: secrets the server reads back (TOTP secrets, queued mail) encrypted at rest;
//! - [`audit`]: the hash chain that makes the audit trail tamper-evident, and its verifier;
//! - [`policy`]: who may read and change what — roles, grants on a patient's record,
//!   break-the-glass — as one decision every read, search and write asks.
//! - [`scopes`]: SMART-style scopes a bearer token carries, which narrow (never widen) the policy;
//! - [`consent`]: where a patient stands on telehealth, photos, recording, device loans and
//!   sharing, from their FHIR Consents, and the Consent written when they give it.
//!
//! It does no IO: no database, no network, no files, no wall clock. Instants are passed in (read
//! from a `relais_core::Clock` by the caller), and randomness comes through [`Entropy`], whose only
//! real implementation, [`OsEntropy`], is the one place that asks the operating system for bytes.
//! It must not depend on `relais-store`, `relais-app`, `relais-web` or any HTTP or SQL crate.

pub mod access_token;
pub mod audit;
pub mod consent;
pub mod invitation;
pub mod keys;
pub mod password;
pub mod policy;
mod random;
pub mod scopes;
pub mod sealed;
pub mod token;
pub mod totp;

pub use random::{Entropy, EntropyError, OsEntropy};
