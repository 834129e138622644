//! The nurse's triage dashboard: `/triage` (the open alerts), `/triage/rows` (the rows alone,
//! for the live update), `/triage/events` (server-sent events: an alert's Task or DetectedIssue
//! was written — no content), and the actions `/triage/{task}/acknowledge | call | resolve`.
//!
//! The alerts come from `Triage::alerts` as the signed-in clinician (decided and audited there);
//! the page reuses the work-queue component (`queues.js`), which refetches the rows when told.
//! A refused resolution comes back on the page with the reason next to the field (400).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use relais_app::access::Caller;
use relais_app::triage::{Alert, Outcome, TriageError};
use relais_views::Tr;
use relais_views::queues::Choice;
use relais_views::triage::{ResolveForm, TriagePage, TriageRow, TriageRows};
use serde::Deserialize;

use super::render::{Posted, Visitor, clinician, html, local_time, redirect, server_error};
use crate::state::AppState;

/// `?notice=…` (an error code) or `?done=…` after an action.
#[derive(Debug, Default, Deserialize)]
pub(super) struct TriageQuery {
    #[serde(default)]
    notice: String,
    #[serde(default)]
    done: String,
}

/// A resolve form sent back with an error: for which alert, and what was typed.
struct Refused<'a> {
    task: &'a str,
    outcome: &'a str,
    form: ResolveForm,
}

/// `GET /triage`
pub(super) async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<TriageQuery>,
) -> Response {
    let notice = match (query.notice.as_str(), query.done.as_str()) {
        ("", "") => String::new(),
        ("", done) if ["acknowledged", "called", "resolved"].contains(&done) => {
            visitor.tr.t(&format!("triage-done-{done}"))
        }
        ("", _) => String::new(),
        (code, _) => visitor.tr.t(&format!("error-{code}")),
    };
    render(&state, &visitor, notice, None).await
}

async fn render(
    state: &AppState,
    visitor: &Visitor,
    notice: String,
    refused: Option<Refused<'_>>,
) -> Response {
    let caller = match clinician(state, visitor).await {
        Ok(caller) => caller,
        Err(answer) => return answer,
    };
    let status = if refused.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    // The badge is a convenience: the dashboard still shows when the queue cannot be read.
    let review_waiting = match state.monitoring.review_count(&caller).await {
        Ok(0) => String::new(),
        Ok(count) => visitor.tr.t_count("triage-review-badge", i64::try_from(count).unwrap_or(i64::MAX)),
        Err(e) => {
            tracing::error!(error = %e, "the review queue could not be counted");
            String::new()
        }
    };
    match rows(state, &caller, visitor.tr, refused.as_ref()).await {
        Ok(rows) => html(status, &TriagePage { chrome: visitor.chrome(), rows, notice, review_waiting }),
        Err(e) => failed(visitor.tr, &e),
    }
}

async fn rows(
    state: &AppState,
    caller: &Caller,
    tr: Tr,
    refused: Option<&Refused<'_>>,
) -> Result<Vec<TriageRow>, TriageError> {
    let alerts = state.triage.alerts(caller).await?;
    let now = state.auth.now();
    Ok(alerts.iter().map(|a| row(state, tr, now, a, refused.filter(|r| r.task == a.task))).collect())
}

fn row(state: &AppState, tr: Tr, now: Timestamp, alert: &Alert, refused: Option<&Refused<'_>>) -> TriageRow {
    let zone = &state.settings.time_zone;
    let (identified, identified_iso, waiting) = match alert.identified {
        Some(at) => {
            let minutes = now.duration_since(at).as_mins().max(0);
            let span = if minutes < 60 {
                tr.t_with("duration-minutes", &[("m", &minutes.to_string())])
            } else if minutes < 1440 {
                tr.t_with(
                    "duration-hours",
                    &[("h", &(minutes / 60).to_string()), ("m", &(minutes % 60).to_string())],
                )
            } else {
                tr.t_with(
                    "duration-days",
                    &[("d", &(minutes / 1440).to_string()), ("h", &(minutes / 60 % 24).to_string())],
                )
            };
            (local_time(zone, at), at.to_string(), tr.t1("triage-waiting", "time", &span))
        }
        None => Default::default(),
    };
    let typed = refused.map_or("", |r| r.outcome);
    let outcomes = Outcome::ALL
        .into_iter()
        .map(|o| Choice {
            value: o.code().to_owned(),
            label: tr.t(&format!("triage-outcome-{}", o.code())),
            selected: o.code() == typed,
        })
        .collect();
    TriageRow {
        id: alert.task.clone(),
        version: alert.version.to_string(),
        severity: alert.severity.clone(),
        severity_label: tr.t(&format!("severity-{}", alert.severity)),
        title: alert.title.clone(),
        identified,
        identified_iso,
        waiting,
        status_label: tr.t(&format!("task-status-{}", alert.status)),
        patient: alert.patient.clone(),
        owner: alert.owner.as_ref().map(|(_, name)| name.clone()),
        acknowledgeable: alert.owner.is_none(),
        resolve: refused.map(|r| r.form.clone()).unwrap_or_default(),
        outcomes,
    }
}

fn failed(tr: Tr, e: &TriageError) -> Response {
    tracing::error!(error = %e, "the triage alerts could not be read");
    server_error(tr)
}

/// `GET /triage/rows`: 401 (not a redirect) for someone not signed in, so the script reloads.
pub(super) async fn rows_fragment(State(state): State<AppState>, visitor: Visitor) -> Response {
    if visitor.profile.is_none() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(answer) => return answer,
    };
    match rows(&state, &caller, visitor.tr, None).await {
        Ok(rows) => html(StatusCode::OK, &TriageRows { tr: visitor.tr, rows }),
        Err(e) => failed(visitor.tr, &e),
    }
}

/// `GET /triage/events`: an event `change` each time a Task or a DetectedIssue is written.
pub(super) async fn events(State(state): State<AppState>, visitor: Visitor) -> Response {
    super::queues::change_events(&state, &visitor, &["Task", "DetectedIssue"], "alert").await
}

/// `POST /triage/{task}/{action}`: `acknowledge` (`version`), `call` (`note`), `resolve`
/// (`version`, `outcome`, `note`).
pub(super) async fn act(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((task, action)): Path<(String, String)>,
    Posted(fields): Posted,
) -> Response {
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(answer) => return answer,
    };
    let version = fields.get("version").parse::<i64>().unwrap_or(-1);
    let (done, result) = match action.as_str() {
        "acknowledge" => ("acknowledged", state.triage.acknowledge(&caller, &task, version).await),
        "call" => ("called", state.triage.record_call(&caller, &task, fields.get("note")).await),
        "resolve" => {
            let outcome = fields.get("outcome");
            let result = state.triage.resolve(&caller, &task, version, outcome, fields.get("note")).await;
            if let Err(TriageError::Field { field, code }) = &result {
                let message = visitor.tr.t(&format!("error-{code}"));
                let mut form =
                    ResolveForm { open: true, note: fields.get("note").to_owned(), ..ResolveForm::default() };
                if *field == "outcome" {
                    form.outcome_error = message;
                } else {
                    form.note_error = message;
                }
                return render(&state, &visitor, String::new(), Some(Refused { task: &task, outcome, form }))
                    .await;
            }
            ("resolved", result)
        }
        _ => return super::render::not_found_for(&visitor),
    };
    match result {
        Ok(()) => redirect(&format!("/triage?done={done}"), &[]),
        Err(e) => {
            if e.code() == "server-error" {
                tracing::error!(error = %e, "a triage action failed");
            }
            redirect(&format!("/triage?notice={}", e.code()), &[])
        }
    }
}
