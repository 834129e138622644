//! The FHIR resource use cases: create, read, vread, update, delete, history, search, batch and
//! transaction.

mod audit_events;
mod audit_writes;
mod audited;
mod break_glass;
mod bundle;
pub(crate) use bundle::Along;
mod bundle_entry;
mod bundle_response;
mod chart;
mod conditional;
mod create_many;
mod error;
mod guard;
mod history;
mod own_accesses;
mod read;
mod search;
mod search_bundle;
mod write;

use std::sync::{Arc, OnceLock};

use relais_core::{Clock, IdGenerator};
use relais_fhir::SchemaValidator;
use relais_fhir::search::SearchParams;
use relais_store::{ResourceRow, ResourceStore};

pub use break_glass::{BreakGlassError, MAX_MINUTES, ReviewPage};
pub use chart::{PatientQuery, PatientRecord};
pub(crate) use create_many::NewItem;
pub use error::FhirError;
pub use history::{HistoryParams, HistoryScope};
pub use own_accesses::OwnAccess;

/// What the client asked to get back after a write (`Prefer: return=…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Prefer {
    Minimal,
    #[default]
    Representation,
    OperationOutcome,
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// A new resource (create, or update of an id that did not exist or was deleted).
    Created,
    /// A new version of an existing resource.
    Updated,
    /// A conditional create found the resource already there; nothing was written.
    Existing,
    /// A conditional create found a resource the caller could have written but may not read
    /// (a write-only device sending a message again): nothing was written, and the answer must
    /// not show its content — only that it exists, and its id.
    ExistingHidden,
    /// A deletion (or the resource was already deleted: nothing new was written).
    Deleted,
}

/// The result of a write: the version now current.
#[derive(Debug, Clone)]
pub struct Written {
    pub kind: WriteKind,
    pub row: ResourceRow,
}

/// Reads an `If-Match` value (`W/"3"`) as the version it names.
pub fn parse_if_match(tag: &str) -> Result<i64, FhirError> {
    relais_fhir::id::parse_etag_version(tag).ok_or_else(|| {
        FhirError::Invalid(vec![relais_fhir::Issue::error(
            relais_fhir::IssueType::Invalid,
            "invalid-if-match",
            "If-Match must be a version ETag such as W/\"3\"",
        )])
    })
}

/// The FHIR use cases over one store.
#[derive(Clone)]
pub struct Fhir {
    pub(crate) store: Arc<dyn ResourceStore>,
    schema: Arc<SchemaValidator>,
    pub(crate) search: Arc<SearchParams>,
    pub(crate) clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    /// The audit trail's writer over `store`, started on first use (inside the runtime).
    audit: Arc<OnceLock<crate::audit::AuditWriter>>,
    /// Every committed write is announced here (live pages follow it).
    changes: crate::changes::Changes,
}

impl Fhir {
    /// Use cases over `store`, validating with `schema` and indexing with `search`.
    pub fn new(
        store: Arc<dyn ResourceStore>,
        schema: Arc<SchemaValidator>,
        search: Arc<SearchParams>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        let changes = crate::changes::Changes::new();
        Self { store, schema, search, clock, ids, audit: Arc::new(OnceLock::new()), changes }
    }

    /// The announcements of committed writes.
    pub fn changes(&self) -> &crate::changes::Changes {
        &self.changes
    }

    /// Announces what `written` wrote, if it wrote something.
    pub(crate) fn announce(&self, written: &Written) {
        if !matches!(written.kind, WriteKind::Existing | WriteKind::ExistingHidden) {
            self.changes.announce(&written.row);
        }
    }

    /// The store, for health checks and metrics.
    pub fn store(&self) -> &Arc<dyn ResourceStore> {
        &self.store
    }

    /// The clock the use cases read.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The id generator for new resources.
    pub fn ids(&self) -> &Arc<dyn IdGenerator> {
        &self.ids
    }

    /// The schema validator (resource types, validation).
    pub fn schema(&self) -> &Arc<SchemaValidator> {
        &self.schema
    }

    /// The search parameter definitions (for the CapabilityStatement).
    pub fn search_params(&self) -> &Arc<SearchParams> {
        &self.search
    }

    fn known_type(&self, resource_type: &str) -> Result<(), FhirError> {
        if self.schema.is_resource_type(resource_type) {
            Ok(())
        } else {
            Err(FhirError::UnknownType(resource_type.to_owned()))
        }
    }
}
