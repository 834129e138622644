//! FHIR R4 rules for Relais, without IO: validation against HL7's official R4 JSON schema plus our
//! own rules ([`validate`]), resource ids, server-owned `meta`, OperationOutcome ([`outcome`]),
//! batch and transaction Bundles ([`bundle`]), the CapabilityStatement ([`capability`]), search
//! parameters and index entries ([`search`]) and the patient compartment ([`compartment`]).
//!
//! Must not depend on a database, on HTTP or on the network: it takes JSON and returns decisions.
//! The schema is embedded (`data/fhir.schema.json`, CC0, see `data/SOURCES.md`), so the binary needs
//! no file at run time.

pub mod bundle;
pub mod capability;
pub mod compartment;
pub mod id;
pub mod meta;
pub mod outcome;
mod primitives;
pub mod schema;
pub mod search;
pub mod validate;

pub use outcome::{Issue, IssueType, Severity};
pub use schema::SchemaValidator;
