//! Work queues as pages: the clinician's home shows "my tasks" and "to claim" (`/`), each
//! queue's rows alone for the live update (`/queues/{kind}/rows`), the announcements that make
//! the update happen (`/queues/events`, server-sent events), and claiming or assigning a task
//! (`/queues/tasks/{id}/claim`, `/queues/tasks/{id}/assign`).
//!
//! The queue's content always comes from `Fhir::queue` as the signed-in person (decided and
//! audited there); an announcement says only that some task changed, and the browser then asks
//! for its rows again.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use relais_app::access::Caller;
use relais_app::queues::{Priority, QueueError, QueueItem, QueueKind, QueueSort, QueueView};
use relais_views::Tr;
use relais_views::queues::{Choice, QueueRow, QueueRows, QueueSection, QueuesPage};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::render::{Posted, Visitor, clinician, html, local_time, redirect, server_error};
use crate::session::form::Fields;
use crate::state::AppState;

/// How often an idle event stream sends a comment, so proxies keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The filter and order of the queues, from the query string.
#[derive(Debug, Default, Deserialize)]
pub(super) struct QueueQuery {
    #[serde(default)]
    priority: String,
    #[serde(default)]
    sort: String,
    /// A refused claim's reason (an error code), shown above the queues.
    #[serde(default)]
    notice: String,
}

impl QueueQuery {
    fn view(&self) -> QueueView {
        QueueView {
            priority: Priority::from_code(&self.priority),
            sort: QueueSort::from_code(&self.sort).unwrap_or_default(),
        }
    }

    /// The same filter as a query string, for the rows' address.
    fn query_string(&self) -> String {
        let view = self.view();
        let mut out = form_urlencoded::Serializer::new(String::new());
        if let Some(priority) = view.priority {
            out.append_pair("priority", priority.code());
        }
        if !self.sort.is_empty() {
            out.append_pair("sort", &self.sort);
        }
        out.finish()
    }
}

/// The home page of a clinician: their queues.
pub(super) async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<QueueQuery>,
) -> Response {
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(answer) => return answer,
    };
    let tr = visitor.tr;
    let colleagues = match state.fhir.colleagues(&caller).await {
        Ok(colleagues) => colleagues,
        Err(e) => return failed(tr, &e),
    };
    let mut sections = Vec::new();
    for kind in QueueKind::ALL {
        match section(&state, &caller, tr, kind, &query).await {
            Ok(section) => sections.push(section),
            // An account without a Practitioner has no tasks of its own; it still sees the
            // tasks to claim (and is told why it cannot claim them when it tries).
            Err(QueueError::NotLinked) => {}
            Err(e) => return failed(tr, &e),
        }
    }
    let view = query.view();
    let all =
        Choice { value: String::new(), label: tr.t("queue-filter-all"), selected: view.priority.is_none() };
    let priorities = std::iter::once(all)
        .chain(Priority::ALL.into_iter().map(|p| Choice {
            value: p.code().to_owned(),
            label: tr.t(&format!("priority-{}", p.code())),
            selected: view.priority == Some(p),
        }))
        .collect();
    let sorts = [("priority", QueueSort::Priority), ("due", QueueSort::Due), ("newest", QueueSort::Newest)]
        .into_iter()
        .map(|(code, sort)| Choice {
            value: code.to_owned(),
            label: tr.t(&format!("queue-sort-{code}")),
            selected: view.sort == sort,
        })
        .collect();
    let notice = match query.notice.as_str() {
        "" => String::new(),
        code => tr.t(&format!("error-{code}")),
    };
    let page = QueuesPage { chrome: visitor.chrome(), sections, colleagues, priorities, sorts, notice };
    html(StatusCode::OK, &page)
}

async fn section(
    state: &AppState,
    caller: &Caller,
    tr: Tr,
    kind: QueueKind,
    query: &QueueQuery,
) -> Result<QueueSection, QueueError> {
    let items = state.fhir.queue(caller, kind, &query.view()).await?;
    let now = state.auth.now();
    let zone = &state.settings.time_zone;
    let rows = items.iter().map(|item| row(tr, zone, now, item)).collect();
    let filter = query.query_string();
    let src = if filter.is_empty() {
        format!("/queues/{}/rows", kind.code())
    } else {
        format!("/queues/{}/rows?{filter}", kind.code())
    };
    Ok(QueueSection {
        kind: kind.code().to_owned(),
        title: tr.t(&format!("queue-{}", kind.code())),
        rows,
        src,
    })
}

fn row(tr: Tr, zone: &jiff::tz::TimeZone, now: Timestamp, item: &QueueItem) -> QueueRow {
    let (due, due_iso, time_left, overdue) = match item.due {
        Some(due) => {
            let left = due.duration_since(now);
            let overdue = left.is_negative();
            let span = duration(tr, left.abs());
            let key = if overdue { "queue-overdue-by" } else { "queue-due-in" };
            (local_time(zone, due), due.to_string(), tr.t1(key, "time", &span), overdue)
        }
        None => Default::default(),
    };
    QueueRow {
        id: item.id.clone(),
        version: item.version.to_string(),
        title: item.title.clone(),
        priority: item.priority.code().to_owned(),
        priority_label: tr.t(&format!("priority-{}", item.priority.code())),
        status_label: tr.t(&format!("task-status-{}", item.status)),
        due,
        due_iso,
        time_left,
        overdue,
        patient: item.patient.clone(),
        owner: item.owner.as_ref().map(|(_, name)| name.clone()),
        claimable: item.owner.is_none(),
    }
}

/// `45 min`, `3 h 20 min`, `2 j 4 h`.
fn duration(tr: Tr, span: SignedDuration) -> String {
    let minutes = span.as_mins();
    let (d, h, m) =
        ((minutes / 1440).to_string(), (minutes / 60 % 24).to_string(), (minutes % 60).to_string());
    if minutes < 60 {
        tr.t_with("duration-minutes", &[("m", &m)])
    } else if minutes < 1440 {
        tr.t_with("duration-hours", &[("h", &(minutes / 60).to_string()), ("m", &m)])
    } else {
        tr.t_with("duration-days", &[("d", &d), ("h", &h)])
    }
}

fn failed(tr: Tr, e: &QueueError) -> Response {
    tracing::error!(error = %e, "a work queue could not be read");
    server_error(tr)
}

/// `GET /queues/{kind}/rows`: one queue's rows alone. `401` (not a redirect) for someone not
/// signed in, so the script reloads the page instead of showing the sign-in form in a table.
pub(super) async fn rows(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(kind): Path<String>,
    Query(query): Query<QueueQuery>,
) -> Response {
    let Some(kind) = QueueKind::from_code(&kind) else { return StatusCode::NOT_FOUND.into_response() };
    if visitor.profile.is_none() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(answer) => return answer,
    };
    let colleagues = match state.fhir.colleagues(&caller).await {
        Ok(colleagues) => colleagues,
        Err(e) => return failed(visitor.tr, &e),
    };
    match section(&state, &caller, visitor.tr, kind, &query).await {
        Ok(section) => html(StatusCode::OK, &QueueRows { tr: visitor.tr, section, colleagues }),
        Err(e) => failed(visitor.tr, &e),
    }
}

/// `GET /queues/events`: an event `change` each time a task is written (no content), for a
/// signed-in clinician.
pub(super) async fn events(State(state): State<AppState>, visitor: Visitor) -> Response {
    change_events(&state, &visitor, &["Task"], "task").await
}

/// A clinician's stream of `change` events (carrying `data`, never content) each time a resource
/// of one of `types` is written in this process; the page refetches what it shows. A follower
/// that fell behind is told something changed, and refetches everything.
pub(super) async fn change_events(
    state: &AppState,
    visitor: &Visitor,
    types: &'static [&'static str],
    data: &'static str,
) -> Response {
    if visitor.profile.is_none() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if let Err(answer) = clinician(state, visitor).await {
        return answer;
    }
    let changed = move || Some(Ok::<_, Infallible>(Event::default().event("change").data(data)));
    let stream = futures::stream::unfold(state.fhir.changes().subscribe(), move |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(change) if types.contains(&change.resource_type.as_str()) => {
                    return changed().map(|event| (event, receiver));
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => return changed().map(|event| (event, receiver)),
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)).into_response()
}

/// `POST /queues/tasks/{id}/claim` (`version`).
pub(super) async fn claim(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Posted(fields): Posted,
) -> Response {
    hand_over(state, visitor, id, fields, Handover::Claim).await
}

/// `POST /queues/tasks/{id}/assign` (`version`, `to`: a Practitioner id).
pub(super) async fn assign(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Posted(fields): Posted,
) -> Response {
    hand_over(state, visitor, id, fields, Handover::Assign).await
}

/// Who a task goes to.
enum Handover {
    /// The person asking.
    Claim,
    /// The colleague named in the form's `to`.
    Assign,
}

async fn hand_over(
    state: AppState,
    visitor: Visitor,
    id: String,
    fields: Fields,
    handover: Handover,
) -> Response {
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(answer) => return answer,
    };
    let version = fields.get("version").parse::<i64>().unwrap_or(-1);
    let done = match handover {
        Handover::Claim => state.fhir.claim_task(&caller, &id, version).await,
        Handover::Assign => state.fhir.assign_task(&caller, &id, version, fields.get("to")).await,
    };
    match done {
        Ok(()) => redirect("/", &[]),
        Err(e) => {
            if matches!(e, QueueError::Fhir(ref f) if f.status() >= 500) {
                tracing::error!(error = %e, "a task could not be claimed or assigned");
            }
            redirect(&format!("/?notice={}", e.code()), &[])
        }
    }
}
