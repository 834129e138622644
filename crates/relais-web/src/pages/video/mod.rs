//! Video visits over HTTP (issue 6): the pages (`/rooms`, a clinician opening a room; the room
//! page, `/rooms/{id}`, with the device check, the lobby and the call), the guest's way in
//! (`GET /i/{token}` asks, `POST /i/{token}/enter` uses: an invitation to a room or an appointment becomes a guest pass cookie for
//! that room), and the signalling WebSocket (`/rooms/{id}/ws`, in [`signal`]).
//!
//! Who may be in a room is decided in `relais_app::video`; the media is `relais_video`'s.

mod guest;
mod signal;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use relais_app::video::{Video, VideoError};
use relais_views::video::{RoomPage, RoomsPage};
use serde::Deserialize;

use super::render::{Visitor, clinician, error_page, forbidden, html, is_clinician, redirect, server_error};
use crate::session::{cookie_value, protect, secure};
use crate::state::AppState;

/// The guest pass cookie (scoped to its room's path).
pub(crate) const GUEST_COOKIE: &str = "relais-guest";

/// The routes.
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let pages = Router::new()
        .route("/rooms", get(rooms_page).post(open_room))
        .route("/rooms/{id}", get(room_page))
        .route("/i/{token}", get(guest::confirm))
        .route("/i/{token}/enter", axum::routing::post(guest::enter));
    protect(pages, &state.settings.public_url).route("/rooms/{id}/ws", get(signal::connect))
}

/// `GET /rooms`: a clinician opens a new room.
async fn rooms_page(State(state): State<AppState>, visitor: Visitor) -> Response {
    if let Err(page) = clinician(&state, &visitor).await {
        return page;
    }
    html(StatusCode::OK, &RoomsPage { chrome: visitor.chrome() })
}

/// `POST /rooms`: opens a room hosted by the clinician and takes them to it.
async fn open_room(State(state): State<AppState>, visitor: Visitor) -> Response {
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(page) => return page,
    };
    let Some(sfu) = &state.sfu else { return unavailable(&visitor) };
    match state.video.open_room(&caller).await {
        Ok(room) => {
            sfu.open(&room, &caller.principal.id);
            redirect(&format!("/rooms/{room}"), &[])
        }
        Err(VideoError::Forbidden) => forbidden(&visitor),
        Err(e) => {
            tracing::error!(error = %e, "a room could not be opened");
            server_error(visitor.tr)
        }
    }
}

#[derive(Deserialize)]
struct RoomQuery {
    #[serde(default)]
    observe: Option<String>,
}

/// `GET /rooms/{id}`: the room, for a clinician or the holder of a guest pass for it; anyone
/// else is refused here and again at the WebSocket.
async fn room_page(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(room): Path<String>,
    Query(query): Query<RoomQuery>,
) -> Response {
    let tr = visitor.tr;
    if !relais_fhir::id::is_valid_id(&room) {
        return error_page(tr, StatusCode::NOT_FOUND, "error-not-found-title", "error-not-found");
    }
    let Some(sfu) = &state.sfu else { return unavailable(&visitor) };
    // A clinician comes in as staff; anyone else (a patient signed in to the portal too) with
    // the guest pass of this room.
    let staff = visitor.profile.as_ref().is_some_and(|p| is_clinician(&p.roles));
    let name = if staff {
        if let Err(page) = clinician(&state, &visitor).await {
            return page;
        }
        visitor.profile.as_ref().map(|p| p.display_name.clone()).unwrap_or_default()
    } else {
        let token = cookie_value(&headers, GUEST_COOKIE).unwrap_or_default();
        match state.video.guest(&token, &room).await {
            Ok(pass) => pass.name,
            Err(VideoError::PassInvalid) if visitor.profile.is_some() => return forbidden(&visitor),
            Err(VideoError::PassInvalid) => {
                return error_page(tr, StatusCode::FORBIDDEN, "video-not-invited-title", "video-not-invited");
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot check a guest pass");
                return server_error(tr);
            }
        }
    };
    if sfu.is_ended(&room).await {
        return error_page(tr, StatusCode::GONE, "video-ended-title", "video-ended");
    }
    let ice = serde_json::to_string(sfu.ice_servers()).unwrap_or_else(|_| "[]".to_owned());
    let observe = staff && query.observe.is_some();
    html(
        StatusCode::OK,
        &RoomPage {
            chrome: visitor.chrome(),
            room,
            name,
            ice_servers: ice,
            is_staff: staff,
            observe,
            simulcast: sfu.simulcast(),
        },
    )
}

/// Video is switched off on this server (it could not bind its UDP socket).
fn unavailable(visitor: &Visitor) -> Response {
    error_page(visitor.tr, StatusCode::SERVICE_UNAVAILABLE, "video-unavailable-title", "video-unavailable")
}

/// `Set-Cookie` for a guest pass to `room`, for `max_age` seconds.
fn guest_cookie(state: &AppState, room: &str, token: &str, max_age: i64) -> Option<HeaderValue> {
    let flags = if secure(&state.settings.public_url) { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{GUEST_COOKIE}={token}; Path=/rooms/{room}; HttpOnly; SameSite=Lax; Max-Age={max_age}{flags}"
    ))
    .ok()
}

/// Whether `Video` allows this signed-in person to host or join as staff.
pub(crate) fn is_staff(caller: &relais_app::access::Caller) -> bool {
    Video::staff(caller).is_ok()
}
