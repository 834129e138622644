//! Building FHIR responses from stored versions: headers (ETag, Last-Modified, Location) and the
//! body the client preferred.

use std::time::{Duration, SystemTime};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use relais_app::{Prefer, WriteKind, Written};
use relais_fhir::Issue;
use relais_fhir::id::etag;
use relais_fhir::outcome::operation_outcome;
use relais_store::ResourceRow;
use serde_json::Value;

use super::negotiate::{FHIR_JSON, Format};

/// A JSON body, pretty-printed when asked.
pub(crate) fn json_body(format: Format, compact: String) -> String {
    if !format.pretty {
        return compact;
    }
    serde_json::from_str::<Value>(&compact).and_then(|v| serde_json::to_string_pretty(&v)).unwrap_or(compact)
}

/// A JSON value as a FHIR response.
pub(crate) fn json_response(status: StatusCode, format: Format, value: &Value) -> Response {
    let body = if format.pretty { serde_json::to_string_pretty(value) } else { serde_json::to_string(value) };
    (status, [(header::CONTENT_TYPE, FHIR_JSON)], body.unwrap_or_default()).into_response()
}

fn http_date(row: &ResourceRow) -> Option<HeaderValue> {
    let micros = u64::try_from(row.last_updated.as_microsecond()).ok()?;
    let at = SystemTime::UNIX_EPOCH.checked_add(Duration::from_micros(micros))?;
    HeaderValue::from_str(&httpdate::fmt_http_date(at)).ok()
}

fn version_headers(response: &mut Response, row: &ResourceRow) {
    let headers = response.headers_mut();
    if let Ok(tag) = HeaderValue::from_str(&etag(row.version)) {
        headers.insert(header::ETAG, tag);
    }
    if let Some(date) = http_date(row) {
        headers.insert(header::LAST_MODIFIED, date);
    }
}

/// A read or vread: the stored resource with its version headers.
pub(crate) fn read_response(mut row: ResourceRow, format: Format) -> Response {
    let body = json_body(format, row.content.take().unwrap_or_default());
    let mut response = (StatusCode::OK, [(header::CONTENT_TYPE, FHIR_JSON)], body).into_response();
    version_headers(&mut response, &row);
    response
}

/// The answer to a create, update or delete, as `Prefer` asked.
pub(crate) fn write_response(written: Written, prefer: Prefer, format: Format, fhir_base: &str) -> Response {
    let row = written.row;
    let status = match written.kind {
        WriteKind::Created => StatusCode::CREATED,
        WriteKind::Updated | WriteKind::Existing | WriteKind::ExistingHidden => StatusCode::OK,
        WriteKind::Deleted if prefer == Prefer::Minimal => StatusCode::NO_CONTENT,
        WriteKind::Deleted => StatusCode::OK,
    };
    let location = format!("{fhir_base}/{}/{}/_history/{}", row.resource_type, row.id, row.version);
    let summary = match written.kind {
        WriteKind::Created => "Created",
        WriteKind::Updated => "Updated",
        WriteKind::Existing | WriteKind::ExistingHidden => {
            "Already exists (If-None-Exist matched); nothing was created:"
        }
        WriteKind::Deleted => "Deleted",
    };
    let outcome = || {
        operation_outcome(&[Issue::information("ok", format!("{summary} {}/{}", row.resource_type, row.id))])
    };
    let mut response = match (prefer, written.kind) {
        (_, WriteKind::Deleted) if status == StatusCode::NO_CONTENT => status.into_response(),
        (Prefer::Minimal, _) => status.into_response(),
        // A match the caller could have written but may not read (see
        // `Fhir::visible_matches`): they are told it exists, not what it holds.
        (Prefer::OperationOutcome, _) | (_, WriteKind::Deleted | WriteKind::ExistingHidden) => {
            json_response(status, format, &outcome())
        }
        (Prefer::Representation, _) => (
            status,
            [(header::CONTENT_TYPE, FHIR_JSON)],
            json_body(format, row.content.clone().unwrap_or_default()),
        )
            .into_response(),
    };
    version_headers(&mut response, &row);
    if matches!(
        written.kind,
        WriteKind::Created | WriteKind::Updated | WriteKind::Existing | WriteKind::ExistingHidden
    ) && let Ok(location) = HeaderValue::from_str(&location)
    {
        let name =
            if written.kind == WriteKind::Created { header::LOCATION } else { header::CONTENT_LOCATION };
        response.headers_mut().insert(name, location);
    }
    response
}
