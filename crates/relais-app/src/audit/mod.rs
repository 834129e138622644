//! The audit trail as the application presents it (recording it in every use case comes with
//! access control, issue 4).

pub mod event;

pub use event::audit_event;
