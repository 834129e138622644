//! FHIR search over the index tables: a parsed [`SearchQuery`] becomes one SQL statement per
//! engine (see `plan.rs`), paged by keyset cursors that stay correct while resources are written.

use relais_fhir::search::{SearchParams, SearchQuery};

use crate::ResourceRow;

/// What to search for, and how much of it to return.
#[derive(Debug, Clone, Copy)]
pub struct SearchSpec<'a> {
    pub query: &'a SearchQuery,
    pub params: &'a SearchParams,
    /// Matches per page; `0` returns no resources (`_summary=count`).
    pub count: u32,
    /// Count every match (`_total=accurate`, `_summary=count`).
    pub total: bool,
}

/// One page of a search.
#[derive(Debug, Clone, Default)]
pub struct SearchPage {
    /// Current, non-deleted resources matching, in the requested order.
    pub matches: Vec<ResourceRow>,
    /// Resources added by `_include` / `_revinclude` (each once, none of them also a match).
    pub included: Vec<ResourceRow>,
    /// The number of matches, when asked for, or when this single page holds them all.
    pub total: Option<u64>,
    /// Opaque cursor of the next page (`_cursor`), if there are more matches.
    pub next: Option<String>,
    /// Opaque cursor of the previous page, if this is not the first.
    pub previous: Option<String>,
}
