//! FHIR search, the parts without IO (the start of issue 3): the official R4 SearchParameter
//! definitions ([`definitions`]), the FHIRPath subset their expressions use ([`path`]) and the
//! index entries a resource yields per parameter ([`extract`]). Still to come: composite
//! entries, the search URL parser, and the index tables and SQL planner in relais-store.

pub mod definitions;
pub mod extract;
pub mod path;

pub use definitions::{ParamType, SearchParam, SearchParams};
pub use extract::{IndexEntry, IndexValue, extract, normalise};
