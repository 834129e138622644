//! How each entry of a batch or transaction Bundle is answered: its status, location, ETag and
//! (as `Prefer` asks) resource or OperationOutcome — or the OperationOutcome of its failure.

use relais_fhir::Issue;
use relais_fhir::bundle::{EntryResponse, response_entry};
use relais_fhir::id::etag;
use relais_fhir::meta::instant;
use relais_fhir::outcome::operation_outcome;
use relais_store::ResourceRow;
use serde_json::{Value, json};

use super::error::status_line;
use super::{FhirError, Prefer, WriteKind, Written};

/// What an entry produced.
pub(super) enum Done {
    Written(Written),
    Read(ResourceRow),
}

pub(super) fn success_entry(done: Done, prefer: Prefer, base_url: &str) -> Value {
    let hidden = matches!(&done, Done::Written(Written { kind: WriteKind::ExistingHidden, .. }));
    let (status, row, is_read) = match done {
        Done::Read(row) => (200, row, true),
        Done::Written(Written { kind, row }) => {
            let status = match kind {
                WriteKind::Created => 201,
                WriteKind::Updated | WriteKind::Existing | WriteKind::ExistingHidden => 200,
                WriteKind::Deleted => 204,
            };
            (status, row, false)
        }
    };
    let full_url = format!("{base_url}/{}/{}", row.resource_type, row.id);
    let location = format!("{}/{}/_history/{}", row.resource_type, row.id, row.version);
    // A match the caller may not read shows that it exists, never what it holds.
    let content = if hidden { None } else { row.content.as_ref() };
    let resource = match (content, prefer, is_read) {
        (Some(content), Prefer::Representation, _) | (Some(content), _, true) => {
            serde_json::from_str(content).ok()
        }
        _ => None,
    };
    let outcome = (prefer == Prefer::OperationOutcome).then(|| {
        operation_outcome(&[Issue::information("ok", format!("{} {location}", status_line(status)))])
    });
    response_entry(
        EntryResponse {
            status: match status {
                201 => "201 Created",
                204 => "204 No Content",
                _ => "200 OK",
            },
            location: (status != 204 || row.deleted).then_some(location),
            etag: Some(etag(row.version)),
            last_modified: Some(instant(row.last_updated)),
        },
        Some(full_url),
        resource,
        outcome,
    )
}

pub(super) fn failure_entry(error: &FhirError) -> Value {
    json!({"response": {"status": status_line(error.status()), "outcome": operation_outcome(&error.issues())}})
}
