//! The audit trail as the application writes and presents it: the access records every use case
//! writes (`access`), the writer that batches them (`writer`), and each record as a FHIR
//! AuditEvent (`event`).

pub mod access;
pub mod event;
pub mod params;
pub mod writer;

pub use access::{Access, Concerned};
pub use event::audit_event;
pub use writer::{AuditUnavailable, AuditWriter};
