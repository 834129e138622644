//! `GET /rooms/{id}/ws`: the signalling WebSocket of one browser in one room.
//!
//! Before the upgrade: the `Origin` must be this server's (a page elsewhere cannot use a
//! visitor's cookies), then either the staff session cookie of a clinician or a guest pass for
//! this very room whose invitation is still open; anyone else gets `401`/`403` and never a media
//! session. The join (lobby or room) and every refusal are audited; a join that cannot be
//! recorded is refused (`503`). Then JSON messages flow both ways (`relais_video::protocol`);
//! host controls are audited as they are carried out. A browser silent for
//! [`IDLE_TIMEOUT`] (it pings every 10 s) has vanished: it leaves the room.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use relais_access::audit::{Outcome, action};
use relais_app::auth::AuthError;
use relais_app::video::{RoomEvent, VideoError};
use relais_video::{ClientMsg, Control, Joiner, JoinerKind, PeerId, ServerMsg, Session};
use serde::Deserialize;
use serde_json::json;

use super::GUEST_COOKIE;
use crate::auth::PeerAddress;
use crate::session::{cookie_token, cookie_value, secure};
use crate::state::AppState;

/// A browser that sends nothing for this long has gone.
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest signalling message (an SDP offer with a dozen m-lines is ~20 KB).
const MAX_MESSAGE_BYTES: usize = 256 * 1024;

#[derive(Deserialize)]
pub(super) struct JoinQuery {
    #[serde(default)]
    observe: Option<String>,
    /// A rejoin ticket, after a dropped connection: the room again without the lobby (it
    /// spares the admission only; the door below is the same).
    #[serde(default)]
    rejoin: Option<String>,
}

/// Who is connecting, for the trail.
struct Entrant {
    joiner: Joiner,
    actor: String,
    patient: Option<String>,
}

pub(super) async fn connect(
    State(state): State<AppState>,
    PeerAddress(address): PeerAddress,
    headers: HeaderMap,
    Path(room): Path<String>,
    Query(query): Query<JoinQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    if !relais_fhir::id::is_valid_id(&room) {
        return refusal(StatusCode::NOT_FOUND, "video-room-invalid");
    }
    if !same_origin(&headers, &state.settings.public_url) {
        return refusal(StatusCode::FORBIDDEN, "video-origin-refused");
    }
    let Some(sfu) = state.sfu.clone() else {
        return refusal(StatusCode::SERVICE_UNAVAILABLE, "video-unavailable");
    };
    let mut entrant =
        match entrant(&state, &headers, &room, query.observe.is_some(), address.as_deref()).await {
            Ok(entrant) => entrant,
            Err(response) => return response,
        };
    entrant.joiner.rejoin = query.rejoin.filter(|t| t.len() <= 64);
    let session = match sfu.join(&room, entrant.joiner.clone()).await {
        Ok(session) => session,
        Err(refused) => {
            let event = join_event(&entrant, &room, Outcome::Denied, refused.code(), address.as_deref());
            if let Err(e) = state.video.record(event).await {
                tracing::error!(error = %e, "a refused video join could not be recorded");
            }
            return refusal(StatusCode::GONE, refused.code());
        }
    };
    let detail = format!("{}:{}", session.role.code(), session.peer);
    if let Err(e) =
        state.video.record(join_event(&entrant, &room, Outcome::Success, &detail, address.as_deref())).await
    {
        tracing::error!(error = %e, "a video join could not be recorded; refused");
        return refusal(StatusCode::SERVICE_UNAVAILABLE, "audit-unavailable");
    }
    upgrade
        .max_message_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| run(socket, state, session, room, entrant, address))
}

/// The clinician or guest asking, or the answer refusing them (audited).
async fn entrant(
    state: &AppState,
    headers: &HeaderMap,
    room: &str,
    observe: bool,
    address: Option<&str>,
) -> Result<Entrant, Response> {
    let token = cookie_token(headers, secure(&state.settings.public_url));
    let profile = match &token {
        Some(token) => match state.auth.profile(token).await {
            Ok(profile) => Some(profile),
            Err(AuthError::SessionInvalid | AuthError::SecondFactorRequired) => None,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the session of a video join");
                return Err(refusal(StatusCode::SERVICE_UNAVAILABLE, "store-unavailable"));
            }
        },
        None => None,
    };
    let guest_token = cookie_value(headers, GUEST_COOKIE);
    // A clinician joins as staff; anyone else signed in (a patient with a portal account) comes
    // with the room's guest pass like any guest, or is refused.
    if let Some(profile) =
        profile.filter(|p| p.roles.iter().any(|r| r.is_clinical()) || guest_token.is_none())
    {
        let principal = state
            .tokens
            .signed_in(&profile.account_id)
            .await
            .map_err(|_| refusal(StatusCode::UNAUTHORIZED, "authentication-required"))?;
        let caller =
            relais_app::access::Caller { principal, address: address.map(str::to_owned), purpose: None };
        if !super::is_staff(&caller) {
            deny(state, &caller.principal.id, None, room, "video-forbidden", address).await;
            return Err(refusal(StatusCode::FORBIDDEN, "video-forbidden"));
        }
        let name = profile.display_name;
        let kind = if observe { JoinerKind::Observer } else { JoinerKind::Clinician };
        let actor = caller.principal.id.clone();
        let joiner = Joiner { name, actor: actor.clone(), kind, rejoin: None };
        return Ok(Entrant { joiner, actor, patient: None });
    }
    let Some(token) = guest_token else {
        deny(state, "anonymous", None, room, "authentication-required", address).await;
        return Err(refusal(StatusCode::UNAUTHORIZED, "authentication-required"));
    };
    match state.video.guest(&token, room).await {
        Ok(pass) => {
            let actor = format!("invitation:{}", pass.invitation);
            Ok(Entrant {
                joiner: Joiner {
                    name: pass.name,
                    actor: actor.clone(),
                    kind: JoinerKind::Guest,
                    rejoin: None,
                },
                actor,
                patient: pass.patient,
            })
        }
        Err(VideoError::PassInvalid) => {
            deny(state, "anonymous", None, room, "video-pass-invalid", address).await;
            Err(refusal(StatusCode::FORBIDDEN, "video-pass-invalid"))
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot check a guest pass");
            Err(refusal(StatusCode::SERVICE_UNAVAILABLE, "store-unavailable"))
        }
    }
}

async fn deny(
    state: &AppState,
    actor: &str,
    patient: Option<&str>,
    room: &str,
    why: &str,
    address: Option<&str>,
) {
    let event = RoomEvent {
        actor,
        action: action::VIDEO_JOIN,
        room,
        patient,
        outcome: Outcome::Denied,
        detail: Some(why.to_owned()),
        address,
    };
    if let Err(e) = state.video.record(event).await {
        tracing::error!(error = %e, "a refused video join could not be recorded");
    }
}

fn join_event<'a>(
    entrant: &'a Entrant,
    room: &'a str,
    outcome: Outcome,
    detail: &str,
    address: Option<&'a str>,
) -> RoomEvent<'a> {
    RoomEvent {
        actor: &entrant.actor,
        action: action::VIDEO_JOIN,
        room,
        patient: entrant.patient.as_deref(),
        outcome,
        detail: Some(detail.to_owned()),
        address,
    }
}

/// The connection, until the browser leaves, is cut off, or falls silent.
async fn run(
    socket: WebSocket,
    state: AppState,
    mut session: Session,
    room: String,
    entrant: Entrant,
    address: Option<String>,
) {
    let (mut sink, mut stream) = socket.split();
    loop {
        tokio::select! {
            event = session.events.recv() => {
                let Some(event) = event else { break };
                let Ok(text) = serde_json::to_string(&event) else { continue };
                if sink.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            incoming = tokio::time::timeout(IDLE_TIMEOUT, stream.next()) => {
                let text = match incoming {
                    Ok(Some(Ok(Message::Text(text)))) => text,
                    Ok(Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Binary(_)))) => continue,
                    // Closed, broken, or silent for too long.
                    _ => break,
                };
                let reply = handle(&state, &session, &room, &entrant, address.as_deref(), &text).await;
                if let Some(reply) = reply
                    && let Ok(text) = serde_json::to_string(&reply)
                    && sink.send(Message::Text(text.into())).await.is_err()
                {
                    break;
                }
            }
        }
    }
    let _ = sink.close().await;
    // Dropping the session leaves the room.
}

/// One message of the browser; answers an error to send back, if any.
async fn handle(
    state: &AppState,
    session: &Session,
    room: &str,
    entrant: &Entrant,
    address: Option<&str>,
    text: &str,
) -> Option<ServerMsg> {
    let Ok(msg) = serde_json::from_str::<ClientMsg>(text) else {
        return Some(ServerMsg::Error { code: "message-invalid".to_owned() });
    };
    let target = |id: &str| PeerId::parse(id);
    let control = match &msg {
        ClientMsg::Admit { id } => target(id).map(Control::Admit),
        ClientMsg::Refuse { id } => target(id).map(Control::Refuse),
        ClientMsg::Remove { id } => target(id).map(Control::Remove),
        ClientMsg::Mute { id } => target(id).map(Control::Mute),
        ClientMsg::StopCamera { id } => target(id).map(Control::StopCamera),
        ClientMsg::End => Some(Control::End),
        ClientMsg::SideRoom { ids } => ids
            .iter()
            .take(relais_video::rooms::MAX_MEMBERS)
            .map(|id| target(id))
            .collect::<Option<Vec<_>>>()
            .map(Control::SideRoom),
        ClientMsg::SideRoomEnd { side } => Some(Control::SideRoomEnd(*side)),
        _ => {
            session.signal(msg);
            return None;
        }
    };
    let Some(control) = control else { return Some(ServerMsg::Error { code: "unknown-member".to_owned() }) };
    let code = control.code();
    match session.control(control).await {
        Ok(whom) => {
            let event = RoomEvent {
                actor: &entrant.actor,
                action: code,
                room,
                patient: entrant.patient.as_deref(),
                outcome: Outcome::Success,
                detail: whom,
                address,
            };
            if let Err(e) = state.video.record(event).await {
                tracing::error!(error = %e, "a video room control could not be recorded");
                return Some(ServerMsg::Error { code: "audit-unavailable".to_owned() });
            }
            None
        }
        Err(e) => Some(ServerMsg::Error { code: e.code().to_owned() }),
    }
}

/// Whether the request comes from a page of this server: no `Origin` (not a browser), or the
/// public URL's origin, or the origin of the `Host` it was sent to.
fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    if origin == public_url.trim_end_matches('/') {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    !host.is_empty() && (origin == format!("http://{host}") || origin == format!("https://{host}"))
}

fn refusal(status: StatusCode, code: &str) -> Response {
    (status, axum::Json(json!({"error": code}))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_servers_pages_may_open_the_socket() {
        let headers = |origin: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
            h.insert(header::ORIGIN, origin.parse().unwrap());
            h
        };
        assert!(same_origin(&headers("http://127.0.0.1:8080"), "https://relais.example"));
        assert!(same_origin(&headers("https://relais.example"), "https://relais.example/"));
        assert!(!same_origin(&headers("https://evil.example"), "https://relais.example"));
        assert!(!same_origin(&headers("http://127.0.0.1:8081"), "http://127.0.0.1:8080"));
        assert!(same_origin(&HeaderMap::new(), "http://127.0.0.1:8080"));
    }
}
