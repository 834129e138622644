//! `/triage/review`: the nurse's queue of readings kept for review, and its decisions
//! `/triage/review/{observation}/accept | entered-in-error`.
//!
//! The queue and the decisions are `Monitoring`'s, as the signed-in clinician (decided and
//! audited there); this page puts them in words. A note refused comes back on the page next
//! to its field (400); a decision someone else made first comes back on the page as a notice
//! naming them (409) — named from the record itself, never from anything a link could carry.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use relais_app::access::Caller;
use relais_app::fhir::FhirError;
use relais_app::monitoring::review::{AwaitingReview, ReviewError};
use relais_views::Tr;
use relais_views::review::{ReviewPage, ReviewRow};
use serde::Deserialize;

use super::render::{Posted, Visitor, clinician, html, local_time, redirect, server_error};
use crate::state::AppState;

/// `?done=…` after a decision, or `?notice=…` (an error code); `?after=…`: the page of older
/// readings a cursor of the queue starts.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ReviewQuery {
    #[serde(default)]
    notice: String,
    #[serde(default)]
    done: String,
    #[serde(default)]
    after: String,
}

/// A note refused: for which reading, what was typed, and the error's code.
struct Refused<'a> {
    id: &'a str,
    note: &'a str,
    code: &'static str,
}

/// `GET /triage/review`
pub(super) async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<ReviewQuery>,
) -> Response {
    let tr = visitor.tr;
    let notice = match (query.notice.as_str(), query.done.as_str()) {
        ("", "accepted" | "entered-in-error") => tr.t(&format!("review-done-{}", query.done)),
        ("", _) => String::new(),
        // Who reviewed first is only ever shown by `decide`, from the record.
        ("review-already-done", _) => String::new(),
        (code, _) if code.starts_with("review-") => tr.t(&format!("error-{code}")),
        (_, _) => tr.t("error-server-error"),
    };
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(answer) => return answer,
    };
    render(
        &state,
        &visitor,
        &caller,
        Shown { status: StatusCode::OK, notice, page: page_of(&query.after) },
        None,
    )
    .await
}

/// The page a cursor names; the first when it is empty.
fn page_of(after: &str) -> Option<&str> {
    Some(after).filter(|a| !a.is_empty())
}

/// The queue's address: the page `after` starts (the first without one), with `pairs`.
fn queue_path(after: Option<&str>, pairs: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs(pairs);
    if let Some(cursor) = after {
        query.append_pair("after", cursor);
    }
    let query = query.finish();
    if query.is_empty() { "/triage/review".to_owned() } else { format!("/triage/review?{query}") }
}

/// What a render of the queue shows: its status, the notice above it, and which page.
struct Shown<'a> {
    status: StatusCode,
    notice: String,
    /// The cursor the page starts at; the first page when `None`.
    page: Option<&'a str>,
}

async fn render(
    state: &AppState,
    visitor: &Visitor,
    caller: &Caller,
    shown: Shown<'_>,
    refused: Option<Refused<'_>>,
) -> Response {
    let queue = match state.monitoring.review_queue(caller, shown.page).await {
        Ok(queue) => queue,
        // A page link that is not one of the queue's (tampered with, or from another list):
        // back to the newest, saying so.
        Err(FhirError::Invalid(issues))
            if shown.page.is_some() && issues.iter().any(|i| i.error_code == "invalid-cursor") =>
        {
            return redirect(&queue_path(None, &[("notice", "review-page-gone")]), &[]);
        }
        Err(e) => {
            tracing::error!(error = %e, "the review queue could not be read");
            return server_error(visitor.tr);
        }
    };
    let rows = queue
        .readings
        .iter()
        .map(|r| row(state, visitor.tr, r, refused.as_ref().filter(|f| f.id == r.observation)))
        .collect();
    let page = ReviewPage {
        chrome: visitor.chrome(),
        rows,
        older: queue.older.as_deref().map(|cursor| queue_path(Some(cursor), &[])),
        after: shown.page.unwrap_or_default().to_owned(),
        notice: shown.notice,
    };
    html(shown.status, &page)
}

fn row(state: &AppState, tr: Tr, reading: &AwaitingReview, refused: Option<&Refused<'_>>) -> ReviewRow {
    let lang = tr.locale().code();
    let measurement = reading.name.as_ref().map_or_else(|| reading.code.clone(), |n| n.get(lang).to_owned());
    let value = match reading.value {
        Some(v) => format!("{v} {}", reading.unit).trim_end().to_owned(),
        None => String::new(),
    };
    let (measured, measured_iso) = reading
        .measured
        .map(|at| (local_time(&state.settings.time_zone, at), at.to_string()))
        .unwrap_or_default();
    ReviewRow {
        id: reading.observation.clone(),
        version: reading.version.to_string(),
        patient: (
            reading.patient.0.clone(),
            if reading.patient.1.is_empty() { reading.patient.0.clone() } else { reading.patient.1.clone() },
        ),
        measurement,
        value,
        reason: tr.t(&format!("review-reason-{}", reading.reason)),
        message: reading.message.clone(),
        measured,
        measured_iso,
        device: reading.device.clone().unwrap_or_default(),
        acceptable: reading.acceptable(),
        not_acceptable: if reading.acceptable() { String::new() } else { tr.t("review-not-acceptable") },
        note: refused.map(|r| r.note.to_owned()).unwrap_or_default(),
        note_error: refused.map(|r| tr.t(&format!("error-{}", r.code))).unwrap_or_default(),
    }
}

/// `POST /triage/review/{observation}/{decision}`: `accept` (`version`), `entered-in-error`
/// (`version`, `note`); both with `after`, the page the form was on, which the answer shows
/// again.
pub(super) async fn decide(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, decision)): Path<(String, String)>,
    Posted(fields): Posted,
) -> Response {
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(answer) => return answer,
    };
    let version = fields.get("version").parse::<i64>().unwrap_or(-1);
    let after = page_of(fields.get("after"));
    let result = match decision.as_str() {
        "accept" => state.monitoring.accept_reading(&caller, &id, version).await.map(|_| ()),
        "entered-in-error" => {
            let note = fields.get("note");
            let result = state.monitoring.mark_entered_in_error(&caller, &id, version, note).await;
            if let Err(ReviewError::Field { code, .. }) = &result {
                let refused = Refused { id: &id, note, code };
                let shown = Shown { status: StatusCode::BAD_REQUEST, notice: String::new(), page: after };
                return render(&state, &visitor, &caller, shown, Some(refused)).await;
            }
            result
        }
        _ => return super::render::not_found_for(&visitor),
    };
    match result {
        Ok(()) => {
            let done = if decision == "accept" { "accepted" } else { "entered-in-error" };
            redirect(&queue_path(after, &[("done", done)]), &[])
        }
        Err(ReviewError::AlreadyReviewed { by }) => {
            let notice = visitor.tr.t1("error-review-already-done", "by", &by);
            render(
                &state,
                &visitor,
                &caller,
                Shown { status: StatusCode::CONFLICT, notice, page: after },
                None,
            )
            .await
        }
        Err(e) => {
            if e.code() == "server-error" {
                tracing::error!(error = %e, "a review decision failed");
            }
            redirect(&queue_path(after, &[("notice", e.code())]), &[])
        }
    }
}
