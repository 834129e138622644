//! Relais use cases. Every request that reads or writes clinical data calls exactly one function
//! here; this is where the transaction is opened, input is validated, and (as access control and
//! audit land) where policy is enforced — never in a handler.
//!
//! Knows no HTTP and no SQL: it speaks FHIR values to the web layer and rows to the store.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod changes;
pub mod devices;
pub mod fhir;
pub mod invitations;
pub mod mail;
pub mod monitoring;
pub mod organisations;
pub mod portal;
pub mod queues;
pub mod triage;
pub mod video;
pub mod visits;

pub use fhir::{
    BreakGlassError, Fhir, FhirError, HistoryParams, HistoryScope, Prefer, WriteKind, Written, parse_if_match,
};
