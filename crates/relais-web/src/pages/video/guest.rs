//! The invitation link opened in a browser. `GET /i/{token}` spends nothing: mail previews and
//! link scanners open links too, and would use up a one-use invitation before its guest. It
//! shows a page asking to join (or why the link opens nothing); its button,
//! `POST /i/{token}/enter`, uses the invitation (one use counted and audited by
//! `Invitations::redeem`; a link for anything but a room or an appointment is turned away
//! unused), and the browser gets a guest pass for that room in an `HttpOnly` cookie, then goes
//! to the room. The token is in neither the logs (see `middleware`) nor anything but the form's
//! own action.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use relais_app::invitations::{InvitationError, Purpose};
use relais_app::video::VideoError;
use relais_views::Tr;
use relais_views::video::JoinLinkPage;

use super::super::render::{Visitor, error_page, html, locale, redirect, server_error};
use super::guest_cookie;
use crate::auth::PeerAddress;
use crate::state::AppState;

/// `GET /i/{token}`: asks before using the link.
pub(super) async fn confirm(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Response {
    let tr = visitor.tr;
    match state.invitations.usable_purpose(&token).await {
        Ok(Some(Purpose::Room | Purpose::Appointment)) => {
            let action = format!("/i/{token}/enter");
            html(StatusCode::OK, &JoinLinkPage { chrome: visitor.chrome(), action })
        }
        Ok(Some(_)) => {
            error_page(tr, StatusCode::NOT_FOUND, "video-link-invalid-title", "video-link-not-a-visit")
        }
        Ok(None) => error_page(tr, StatusCode::NOT_FOUND, "video-link-invalid-title", "video-link-invalid"),
        Err(e) => {
            tracing::error!(error = %e, "an invitation link could not be read");
            server_error(tr)
        }
    }
}

/// `POST /i/{token}/enter`: uses the link and enters the room.
pub(super) async fn enter(
    State(state): State<AppState>,
    PeerAddress(address): PeerAddress,
    headers: axum::http::HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let tr = Tr::new(locale(&headers));
    // A link for something else (a photo upload) keeps its uses: it is not spent here.
    match state.invitations.purpose_of(&token).await {
        Ok(Some(purpose)) if !matches!(purpose, Purpose::Room | Purpose::Appointment) => {
            return error_page(
                tr,
                StatusCode::NOT_FOUND,
                "video-link-invalid-title",
                "video-link-not-a-visit",
            );
        }
        Ok(_) => {}
        Err(e) => {
            tracing::error!(error = %e, "an invitation link could not be read");
            return server_error(tr);
        }
    }
    let pass = match state.invitations.redeem(&token, address.as_deref()).await {
        Ok(pass) => pass,
        Err(InvitationError::InvalidLink) => {
            return error_page(tr, StatusCode::NOT_FOUND, "video-link-invalid-title", "video-link-invalid");
        }
        Err(e) => {
            tracing::error!(error = %e, "an invitation link could not be used");
            return server_error(tr);
        }
    };
    match state.video.admit_guest(&pass) {
        Ok((token, guest)) => {
            let max_age = relais_app::video::GUEST_PASS_LIFETIME.as_secs();
            let cookies: Vec<_> = guest_cookie(&state, &guest.room, &token, max_age).into_iter().collect();
            redirect(&format!("/rooms/{}", guest.room), &cookies)
        }
        Err(VideoError::NotAVisit) => {
            error_page(tr, StatusCode::NOT_FOUND, "video-link-invalid-title", "video-link-not-a-visit")
        }
        Err(e) => {
            tracing::error!(error = %e, "a guest pass could not be made");
            server_error(tr)
        }
    }
}
