//! The data the store reads and writes.

use jiff::Timestamp;
use relais_fhir::search::IndexEntry;

/// The interaction that produced a version; history entries report it as `request.method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Post,
    Put,
    Delete,
}

impl Method {
    /// The HTTP method name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    pub(crate) fn parse(s: &str) -> Method {
        match s {
            "POST" => Method::Post,
            "DELETE" => Method::Delete,
            _ => Method::Put,
        }
    }
}

/// One stored version of a resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceRow {
    /// Global write order.
    pub seq: i64,
    pub resource_type: String,
    pub id: String,
    pub version: i64,
    pub last_updated: Timestamp,
    pub deleted: bool,
    pub method: Method,
    /// The resource JSON as stored (with `id` and `meta`); `None` for a deletion.
    pub content: Option<String>,
}

/// A version about to be written.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    pub resource_type: &'a str,
    pub id: &'a str,
    pub version: i64,
    /// The version this one replaces, or `None` for a resource that does not exist yet.
    pub previous: Option<i64>,
    pub last_updated: Timestamp,
    pub method: Method,
    /// The serialised resource; `None` writes a deletion tombstone.
    pub content: Option<&'a str>,
    /// Search index entries of this version (replacing the previous version's).
    pub index: &'a [IndexEntry],
}

/// Which versions a history read returns.
#[derive(Debug, Clone, Default)]
pub struct HistoryQuery {
    /// `None` for the whole system.
    pub resource_type: Option<String>,
    /// `None` for the whole type.
    pub id: Option<String>,
    /// Only versions written at or after this instant (`_since`).
    pub since: Option<Timestamp>,
    /// Only versions older than this write position (paging cursor).
    pub before_seq: Option<i64>,
    /// Most versions to return.
    pub limit: u32,
}

/// Figures of one connection pool.
#[derive(Debug, Clone)]
pub struct PoolStats {
    /// `writer`, `reader` or `main`.
    pub name: &'static str,
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// A token looked up just before a create, in the same transaction: when a current resource of
/// the type carries it, nothing is created and the ids found are answered instead
/// (`If-None-Exist: identifier=system|value`, a device's message counted once).
#[derive(Debug, Clone, Copy)]
pub struct Unless<'a> {
    pub param: &'a str,
    pub system: Option<&'a str>,
    pub code: &'a str,
    /// The key that serialises lookups of the same condition ([`crate::ResourceTx::lock_key`]).
    pub key: &'a str,
}

/// One create of [`crate::ResourceStore::create_all`].
#[derive(Debug, Clone)]
pub struct NewCreate<'a> {
    /// Version 1, with content.
    pub version: NewVersion<'a>,
    pub unless: Option<Unless<'a>>,
}

/// What became of one create of [`crate::ResourceStore::create_all`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// Stored, at this `seq`.
    Stored(i64),
    /// Not stored: these resources carry its `unless` token.
    Found(Vec<String>),
}
