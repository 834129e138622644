//! FHIR search, the parts without IO (the start of issue 3): the official R4 SearchParameter
//! definitions ([`definitions`]) and the FHIRPath subset their expressions use ([`path`]).
//! Still to come: the index entries a resource yields per parameter, the search URL parser and
//! the SQL planner in relais-store.

pub mod definitions;
pub mod path;

pub use definitions::{ParamType, SearchParam, SearchParams};
