//! The signed-in person's pages: the home page (what their roles give them) and, for a
//! patient, who accessed their record (from the audit trail).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use relais_app::FhirError;
use relais_app::access::{BearerError, Caller};
use relais_app::fhir::OwnAccess;
use relais_views::Tr;
use relais_views::pages::{AccessRow, HomePage, MyAccessesPage};
use serde::Deserialize;

use super::render::{Visitor, forbidden, html, redirect, server_error, sign_in_then};
use crate::state::AppState;

/// Accesses shown per page.
const PAGE_SIZE: u32 = 50;

/// `GET /`: the home page, or the sign-in page for someone not signed in.
pub(super) async fn home(visitor: Visitor) -> Response {
    if visitor.profile.is_none() {
        return redirect("/sign-in", &[]);
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
    let Some(profile) = &visitor.profile else { return redirect(&sign_in_then(&visitor.path), &[]) };
    let principal = match state.tokens.signed_in(&profile.account_id).await {
        Ok(principal) => principal,
        Err(BearerError::Invalid | BearerError::Expired) => return redirect("/sign-in", &[]),
        Err(BearerError::Store(e)) => {
            tracing::error!(error = %e, "cannot read the signed-in account");
            return server_error(visitor.tr);
        }
    };
    let caller = Caller { principal, address: visitor.address.clone(), purpose: None };
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

/// `2026-11-26 09:05` in the server's display time zone.
fn local_time(zone: &jiff::tz::TimeZone, when: Timestamp) -> String {
    when.to_zoned_datetime(zone.clone()).strftime("%Y-%m-%d %H:%M").to_string()
}
