//! `/admin/devices`: home devices' tokens for administrators — the page form of
//! `relais device token issue | list | revoke`, through the same use cases (`Devices`), each
//! issue and revocation on the audit trail under the administrator's account. A new token is
//! shown once, on the answer to the form (never in a URL, never again); only its hash is kept.
//! The page shows no clinical data: a Device id, the tokens' labels and dates.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use relais_app::accounts::Actor;
use relais_app::devices::DeviceError;
use relais_views::admin::{AdminDevicesPage, DeviceTokenRow};
use relais_views::pages::FormErrors;
use serde::Deserialize;

use super::admin::administrator;
use super::render::{Posted, Visitor, html, local_time, redirect, server_error};
use crate::state::AppState;

/// The longest label kept.
const MAX_LABEL_CHARS: usize = 100;

#[derive(Debug, Default, Deserialize)]
pub(super) struct DevicesQuery {
    #[serde(default)]
    device: String,
    /// What was just done (`revoked`) or refused (`unknown-token`).
    #[serde(default)]
    done: String,
}

/// What to show besides the device's tokens.
#[derive(Default)]
struct Shown {
    notice: String,
    errors: FormErrors,
    label: String,
    issued: String,
}

fn account_id(actor: &Actor) -> String {
    match actor {
        Actor::Account { id, .. } => id.clone(),
        Actor::Operator => String::new(),
    }
}

async fn show(
    state: &AppState,
    visitor: &Visitor,
    device: &str,
    shown: Shown,
    status: StatusCode,
) -> Response {
    let tr = visitor.tr;
    let device = device.trim();
    let mut shown = shown;
    let found = if device.is_empty() {
        None
    } else {
        match state.devices.find_device(device).await {
            Ok(found) => found,
            Err(e) => return failed(visitor, &e),
        }
    };
    if found.is_none() && !device.is_empty() {
        shown.errors = shown.errors.and_field("device", tr.t("error-device-unknown"));
    }
    let tokens = match &found {
        Some(id) => match state.devices.tokens_of(id).await {
            Ok(tokens) => tokens,
            Err(e) => return failed(visitor, &e),
        },
        None => Vec::new(),
    };
    let zone = &state.settings.time_zone;
    let tokens = tokens
        .iter()
        .map(|t| DeviceTokenRow {
            id: t.id.clone(),
            label: t.label.clone(),
            issued: local_time(zone, t.created_at),
            issued_iso: t.created_at.to_string(),
            state: match t.revoked_at {
                None => tr.t("devices-state-active"),
                Some(at) => tr.t1("devices-state-revoked", "when", &local_time(zone, at)),
            },
            active: t.revoked_at.is_none(),
        })
        .collect();
    let status = if shown.errors.is_empty() { status } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = AdminDevicesPage {
        chrome: visitor.chrome(),
        notice: shown.notice,
        errors: shown.errors,
        device: found.clone().unwrap_or_else(|| device.to_owned()),
        label: shown.label,
        found: found.is_some(),
        tokens,
        issued: shown.issued,
    };
    html(status, &page)
}

fn failed(visitor: &Visitor, e: &DeviceError) -> Response {
    tracing::error!(error = %e, "a device token operation failed");
    server_error(visitor.tr)
}

/// `GET /admin/devices?device=…`
pub(super) async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<DevicesQuery>,
) -> Response {
    if let Err(answer) = administrator(&visitor) {
        return answer;
    }
    let notice = match query.done.as_str() {
        "revoked" => visitor.tr.t("devices-done-revoked"),
        "unknown-token" => visitor.tr.t("error-device-token-unknown"),
        _ => String::new(),
    };
    show(&state, &visitor, &query.device, Shown { notice, ..Shown::default() }, StatusCode::OK).await
}

/// `POST /admin/devices/tokens` (`device`, `label`): the new token, shown once on this answer.
pub(super) async fn issue(
    State(state): State<AppState>,
    visitor: Visitor,
    Posted(fields): Posted,
) -> Response {
    let actor = match administrator(&visitor) {
        Ok(actor) => actor,
        Err(answer) => return answer,
    };
    let tr = visitor.tr;
    let (device, label) = (fields.get("device").trim(), fields.get("label").trim());
    if label.chars().count() > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
        let shown = Shown {
            errors: FormErrors::field("label", tr.t("error-device-label-invalid")),
            label: label.to_owned(),
            ..Shown::default()
        };
        return show(&state, &visitor, device, shown, StatusCode::OK).await;
    }
    let id = match state.devices.find_device(device).await {
        Ok(found) => found.unwrap_or_else(|| device.to_owned()),
        Err(e) => return failed(&visitor, &e),
    };
    match state.devices.issue_token(&id, label, &account_id(&actor)).await {
        Ok(issued) => {
            let shown = Shown {
                notice: tr.t("devices-done-issued"),
                issued: issued.token.as_str().to_owned(),
                ..Shown::default()
            };
            show(&state, &visitor, &id, shown, StatusCode::OK).await
        }
        // `show` says so next to the field, with what was typed.
        Err(DeviceError::UnknownDevice) => {
            let shown = Shown { label: label.to_owned(), ..Shown::default() };
            show(&state, &visitor, device, shown, StatusCode::OK).await
        }
        Err(e) => failed(&visitor, &e),
    }
}

/// `POST /admin/devices/tokens/{id}/revoke` (`device`, to come back to).
pub(super) async fn revoke(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Posted(fields): Posted,
) -> Response {
    let actor = match administrator(&visitor) {
        Ok(actor) => actor,
        Err(answer) => return answer,
    };
    let device: String = form_urlencoded::byte_serialize(fields.get("device").trim().as_bytes()).collect();
    let done = match state.devices.revoke_token(&id, &account_id(&actor)).await {
        Ok(()) => "revoked",
        Err(DeviceError::UnknownToken) => "unknown-token",
        Err(e) => return failed(&visitor, &e),
    };
    redirect(&format!("/admin/devices?device={device}&done={done}"), &[])
}
