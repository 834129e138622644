//! FHIR search, the parts without IO: the official R4 SearchParameter definitions and where each
//! parameter's values are kept ([`definitions`], [`Storage`]), the FHIRPath subset their
//! expressions use ([`path`]), the index rows a resource yields ([`extract`]) and the search URL
//! parser ([`query`]). The index tables and the SQL planner are relais-store's (`search/`).

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
