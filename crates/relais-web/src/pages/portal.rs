//! The signed-in person's pages: the home page (a patient's portal: upcoming appointments and
//! messages; a clinician's queues, in `queues.rs`; links for the others) and, for a patient,
//! their own measurements (the clinician's trend charts, from `vitals.rs`) and who accessed
//! their record (from the audit trail).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use relais_access::policy::Role;
use relais_app::FhirError;
use relais_app::fhir::OwnAccess;
use relais_app::portal::{PortalAppointment, PortalError, PortalMessage};
use relais_views::Tr;
use relais_views::chart_pages::MyMeasurementsPage;
use relais_views::pages::{AccessRow, AppointmentRow, HomePage, MessageRow, MyAccessesPage};
use serde::Deserialize;

use super::render::{Visitor, caller, forbidden, html, is_clinician, local_time, redirect, server_error};
use super::vitals::{chartable_observations, latest_values, vital_charts};
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
    if is_clinician(&profile.roles) {
        return super::queues::page(state, visitor, query).await;
    }
    let (mut appointments, mut messages) = (Vec::new(), Vec::new());
    if profile.roles.contains(&Role::Patient) {
        let caller = match caller(&state, &visitor).await {
            Ok(caller) => caller,
            Err(answer) => return answer,
        };
        let zone = &state.settings.time_zone;
        let tr = visitor.tr;
        match state.fhir.my_appointments(&caller).await {
            Ok(found) => appointments = found.iter().map(|a| appointment_row(tr, zone, a)).collect(),
            // A patient account not yet linked to its record has nothing to list.
            Err(PortalError::NoOwnRecord) => {}
            Err(e) => return portal_failed(tr, &e),
        }
        match state.fhir.my_messages(&caller).await {
            Ok(found) => messages = found.iter().map(|m| message_row(tr, zone, m)).collect(),
            Err(PortalError::NoOwnRecord) => {}
            Err(e) => return portal_failed(tr, &e),
        }
    }
    html(StatusCode::OK, &HomePage { chrome: visitor.chrome(), appointments, messages })
}

fn portal_failed(tr: Tr, e: &PortalError) -> Response {
    tracing::error!(error = %e, "the portal could not be read");
    server_error(tr)
}

fn appointment_row(tr: Tr, zone: &jiff::tz::TimeZone, a: &PortalAppointment) -> AppointmentRow {
    AppointmentRow {
        when: a.start.map(|s| local_time(zone, s)).unwrap_or_default(),
        when_iso: a.start.map(|s| s.to_string()).unwrap_or_default(),
        what: if a.what.is_empty() { tr.t("appointment-what-unspecified") } else { a.what.clone() },
        with: a.with.join(", "),
        status: tr.t(&format!("appointment-status-{}", a.status)),
        cancelled: a.status == "cancelled",
    }
}

fn message_row(tr: Tr, zone: &jiff::tz::TimeZone, m: &PortalMessage) -> MessageRow {
    MessageRow {
        when: m.sent.map(|s| local_time(zone, s)).unwrap_or_default(),
        when_iso: m.sent.map(|s| s.to_string()).unwrap_or_default(),
        from: m.from.clone().unwrap_or_else(|| tr.t("portal-from-care-team")),
        text: m.text.clone(),
    }
}

/// `GET /me/measurements`: the patient's latest value of each vital sign and its trend chart,
/// read as them (their own record only; the search is audited).
pub(super) async fn my_measurements(State(state): State<AppState>, visitor: Visitor) -> Response {
    let caller = match caller(&state, &visitor).await {
        Ok(caller) => caller,
        Err(answer) => return answer,
    };
    if !caller.principal.roles.contains(&Role::Patient) {
        return forbidden(&visitor);
    }
    let tr = visitor.tr;
    let resources = match state.fhir.my_measurements(&caller).await {
        Ok(found) => found,
        // A patient account not yet linked to its record has nothing measured.
        Err(PortalError::NoOwnRecord) => Vec::new(),
        Err(e) => return portal_failed(tr, &e),
    };
    let observations = chartable_observations(&resources);
    let zone = &state.settings.time_zone;
    let page = MyMeasurementsPage {
        chrome: visitor.chrome(),
        latest: latest_values(&observations, tr, zone),
        charts: vital_charts(&observations, tr, zone),
    };
    html(StatusCode::OK, &page)
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
        who: match (&access.actor_name, &access.application) {
            (Some(name), _) => name.clone(),
            (None, Some(application)) => tr.t1("accesses-application", "name", application),
            (None, None) => tr.t("accesses-unknown-actor"),
        },
        what,
        outcome: tr.t(&format!("outcome-{}", access.outcome.code())),
        break_glass: access.break_glass,
    }
}
