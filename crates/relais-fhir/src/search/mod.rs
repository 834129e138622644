//! FHIR search, the parts without IO (the start of issue 3): the official R4 SearchParameter
//! definitions ([`definitions`]), the FHIRPath subset their expressions use ([`path`]) and the
//! index entries a resource yields per parameter ([`extract`]). The search URL parser is
//! [`query`]. Still to come: composite entries, and the index tables and SQL planner in relais-store.

pub mod definitions;
pub mod extract;
pub mod path;
pub mod query;

pub use definitions::{ParamType, SearchParam, SearchParams, Storage};
pub use extract::{IndexEntry, IndexValue, extract, normalise};
pub use query::{
    Chain, Filter, FilterValue, Has, Include, Modifier, ParseOptions, Prefix, SearchQuery, SortKey, Summary,
    TokenSystem, TotalMode, parse_query,
};
