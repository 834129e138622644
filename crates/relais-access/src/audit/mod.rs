//! The tamper-evident audit trail: every record carries the SHA-256 of its predecessor's hash
//! and its own contents, so changing, removing or reordering a stored record breaks the chain at
//! a place [`verify`] names.
//!
//! What this proves and what it does not: anyone who can only edit rows is caught. Someone who
//! can rewrite the whole tail and recompute every hash after the edit is not, and neither is
//! truncation of the newest records; for those, the caller keeps the latest `(seq, hash)` head
//! somewhere the database administrator cannot write (a signed checkpoint, another system) and
//! compares it with the last record verified.
//!
//! The store appends records and reads them back in `seq` order; `relais-app` builds the
//! [`AuditDraft`] for every access and sign-in; this module only seals and checks.

mod chain;
mod record;

pub use chain::{ChainBreak, GENESIS_HASH, seal, seal_after, verify};
pub use record::{AuditDraft, AuditRecord, Outcome, action, canonical_bytes, chain_hash};

#[cfg(test)]
mod tests;
