//! The signed-in person's pages: the home page (what their roles give them) and, for a
//! patient, who accessed their record (from the audit trail).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use relais_app::FhirError;
use relais_app::fhir::OwnAccess;
use relais_views::Tr;
use relais_views::pages::{AccessRow, HomePage, MyAccessesPage};
use serde::Deserialize;

use super::render::{Visitor, caller, forbidden, html, local_time, redirect, server_error};
use crate::state::AppState;

/// Accesses shown per page.
const PAGE_SIZE: u32 = 50;

/// `GET /`: the home page — a clinician's work queues, anyone else's links — or the sign-in
/// page for someone not signed in.
pub(super) async fn home(
    state: State<AppState>,
    visitor: Visitor,
    query: Query<super::queues::QueueQuery>,
) -> Response {
    let Some(profile) = &visitor.profile else { return redirect("/sign-in", &[]) };
    if profile.roles.iter().any(|r| r.is_clinical()) {
        return super::queues::page(state, visitor, query).await;
    }
    html(StatusCode::OK, &HomePage { chrome: visitor.chrome() })
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct AccessesQuery {
    before: Option<u64>,
}

/// `GET /me/accesses?before=SEQ`: who accessed my record, newest first.
pub(super) async fn my_accesses(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<AccessesQuery>,
) -> Response {
    let caller = match caller(&state, &visitor).await {
        Ok(caller) => caller,
        Err(answer) => return answer,
    };
    let accesses = match state.fhir.accesses_of_own_record(&caller, query.before, PAGE_SIZE).await {
        Ok(accesses) => accesses,
        Err(FhirError::Forbidden(_)) => return forbidden(&visitor),
        Err(e) => {
            tracing::error!(error = %e, "cannot list the accesses to a record");
            return server_error(visitor.tr);
        }
    };
    let next = (accesses.len() as u32 >= PAGE_SIZE)
        .then(|| accesses.last().map(|last| format!("/me/accesses?before={}", last.seq)))
        .flatten();
    let zone = &state.settings.time_zone;
    let rows = accesses.iter().map(|a| row(visitor.tr, zone, a)).collect();
    html(StatusCode::OK, &MyAccessesPage { chrome: visitor.chrome(), rows, next })
}

fn row(tr: Tr, zone: &jiff::tz::TimeZone, access: &OwnAccess) -> AccessRow {
    let action = tr.t(&format!("action-{}", access.action));
    let what = match &access.resource_type {
        Some(kind) => format!("{action} — {kind}"),
        None => action,
    };
    AccessRow {
        when: local_time(zone, access.when),
        when_iso: access.when.to_string(),
        who: access.actor_name.clone().unwrap_or_else(|| tr.t("accesses-unknown-actor")),
        what,
        outcome: tr.t(&format!("outcome-{}", access.outcome.code())),
        break_glass: access.break_glass,
    }
}
