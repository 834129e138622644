//! What every page handler shares: who is visiting (language, session, address), the layout's
//! [`Chrome`], rendering a template into a response, redirects, error pages, the language
//! switch and the static assets.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use relais_access::policy::Role;
use relais_app::access::{BearerError, Caller};
use relais_app::auth::{AuthError, Profile};
use relais_views::pages::{Chrome, ErrorPage, UserBar};
use relais_views::{Locale, Template, Tr};

use crate::session::form::{Fields, MAX_FORM_BYTES};
use crate::session::{cookie_token, cookie_value, secure};
use crate::state::AppState;

/// The cookie remembering the language chosen before signing in.
const LANGUAGE_COOKIE: &str = "relais-lang";

/// Who is asking for a page.
pub(super) struct Visitor {
    pub tr: Tr,
    /// The session cookie's token, if one was sent (whatever its stage).
    pub token: Option<String>,
    /// The signed-in person (a session past its second factor).
    pub profile: Option<Profile>,
    pub address: Option<String>,
    /// The request path, for the layout.
    pub path: String,
}

impl Visitor {
    /// The layout of a page for this visitor.
    pub fn chrome(&self) -> Chrome {
        Chrome {
            tr: self.tr,
            path: self.path.clone(),
            user: self.profile.as_ref().map(|p| user_bar(self.tr, p)),
        }
    }

    pub fn token(&self) -> &str {
        self.token.as_deref().unwrap_or_default()
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = cookie_token(&parts.headers, secure(&state.settings.public_url));
        let profile = match &token {
            Some(token) => match state.auth.profile(token).await {
                Ok(profile) => Some(profile),
                Err(AuthError::SessionInvalid | AuthError::SecondFactorRequired) => None,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the session of a page request");
                    return Err(server_error(Tr::new(locale(&parts.headers))));
                }
            },
            None => None,
        };
        // The language the person chose, remembered with their account, comes first.
        let chosen = profile.as_ref().and_then(|p| p.locale.as_deref()).and_then(Locale::from_code);
        let tr = Tr::new(chosen.unwrap_or_else(|| locale(&parts.headers)));
        let address = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
        Ok(Visitor { tr, token, profile, address, path: parts.uri.path().to_owned() })
    }
}

/// The language of a request: the language cookie, else the browser's `Accept-Language`,
/// else French.
pub(super) fn locale(headers: &HeaderMap) -> Locale {
    let chosen = cookie_value(headers, LANGUAGE_COOKIE);
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    Locale::negotiate(chosen.as_deref(), accept)
}

fn user_bar(tr: Tr, profile: &Profile) -> UserBar {
    UserBar {
        name: profile.display_name.clone(),
        email: profile.email.clone(),
        roles: profile.roles.iter().map(|r| tr.t(&format!("role-{}", r.code()))).collect(),
        is_patient: profile.roles.contains(&Role::Patient),
        is_admin: profile.roles.contains(&Role::Administrator),
        is_clinical: is_clinician(&profile.roles),
    }
}

/// The signed-in visitor as the caller of a use case, or the answer for someone who is not
/// (the sign-in page, coming back here afterwards).
pub(super) async fn caller(state: &AppState, visitor: &Visitor) -> Result<Caller, Response> {
    let Some(profile) = &visitor.profile else { return Err(redirect(&sign_in_then(&visitor.path), &[])) };
    match state.tokens.signed_in(&profile.account_id).await {
        Ok(principal) => Ok(Caller { principal, address: visitor.address.clone(), purpose: None }),
        Err(BearerError::Invalid | BearerError::Expired) => Err(redirect("/sign-in", &[])),
        Err(BearerError::Store(e)) => {
            tracing::error!(error = %e, "cannot read the signed-in account");
            Err(server_error(visitor.tr))
        }
    }
}

/// Whether `roles` make someone a clinician: queues, patient search and charts are theirs.
pub(super) fn is_clinician(roles: &[Role]) -> bool {
    roles.iter().any(|r| r.is_clinical())
}

/// The signed-in clinician as a caller, or the answer for anyone else (the sign-in page, or 403
/// without reading their grants).
pub(super) async fn clinician(state: &AppState, visitor: &Visitor) -> Result<Caller, Response> {
    if visitor.profile.as_ref().is_some_and(|p| !is_clinician(&p.roles)) {
        return Err(forbidden(visitor));
    }
    caller(state, visitor).await
}

/// `2026-11-26 09:05` in the display time zone.
pub(super) fn local_time(zone: &jiff::tz::TimeZone, when: jiff::Timestamp) -> String {
    when.to_zoned_datetime(zone.clone()).strftime("%Y-%m-%d %H:%M").to_string()
}

/// `template` as an HTML response with `status`.
pub(super) fn html(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page could not be rendered");
            (StatusCode::INTERNAL_SERVER_ERROR, "500").into_response()
        }
    }
}

/// `303 See Other` to `location` (a path of this server), with `cookies` set.
pub(super) fn redirect(location: &str, cookies: &[HeaderValue]) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    for cookie in cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie.clone());
    }
    response
}

/// `next` if it is a path of this server (`/…`, not `//host` nor `/\host`, which browsers
/// follow to another site), else `/`: a sign-in link cannot send someone elsewhere.
pub(super) fn local_path(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if local { next } else { "/" }
}

/// The sign-in page's address that comes back to `path` afterwards.
pub(super) fn sign_in_then(path: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new()).append_pair("next", path).finish();
    format!("/sign-in?{query}")
}

/// The fields of a posted form, as a handler's last argument; a body that is not a form is
/// answered with the translated "form not readable" page before the handler runs.
pub(super) struct Posted(pub Fields);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Posted {
    type Rejection = Response;

    async fn from_request(request: Request, _: &S) -> Result<Self, Self::Rejection> {
        let tr = Tr::new(locale(request.headers()));
        form(request, tr).await.map(Posted)
    }
}

/// The fields of a posted form, or the page to answer instead.
pub(super) async fn form(request: Request, tr: Tr) -> Result<Fields, Response> {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return Err(error_page(
            tr,
            StatusCode::PAYLOAD_TOO_LARGE,
            "error-form-invalid-title",
            "error-form-invalid",
        ));
    };
    Fields::parse(&parts.headers, &bytes).ok_or_else(|| {
        error_page(tr, StatusCode::BAD_REQUEST, "error-form-invalid-title", "error-form-invalid")
    })
}

/// A translated error page, for someone not known to be signed in.
pub(super) fn error_page(tr: Tr, status: StatusCode, title: &str, message: &str) -> Response {
    page_error(Chrome { tr, path: String::new(), user: None }, status, title, message)
}

/// A translated error page in the layout `chrome` (the signed-in person's header kept).
fn page_error(chrome: Chrome, status: StatusCode, title: &str, message: &str) -> Response {
    let tr = chrome.tr;
    html(status, &ErrorPage { chrome, title: tr.t(title), message: tr.t(message) })
}

pub(super) fn server_error(tr: Tr) -> Response {
    error_page(tr, StatusCode::INTERNAL_SERVER_ERROR, "error-server-title", "error-server-error")
}

/// 403 for a signed-in person whose roles do not open the page.
pub(super) fn forbidden(visitor: &Visitor) -> Response {
    page_error(visitor.chrome(), StatusCode::FORBIDDEN, "error-forbidden-title", "error-forbidden")
}

/// 404 for a signed-in person: what does not exist and what they may not see, alike.
pub(super) fn not_found_for(visitor: &Visitor) -> Response {
    page_error(visitor.chrome(), StatusCode::NOT_FOUND, "error-not-found-title", "error-not-found")
}

pub(super) fn too_many_attempts(headers: &HeaderMap) -> Response {
    error_page(
        Tr::new(locale(headers)),
        StatusCode::TOO_MANY_REQUESTS,
        "error-too-many-title",
        "error-too-many-attempts",
    )
}

/// The answer to a path nothing serves: a translated page for a browser, a short JSON body
/// for anything else.
pub(crate) async fn not_found(headers: HeaderMap) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html {
        let tr = Tr::new(locale(&headers));
        return error_page(tr, StatusCode::NOT_FOUND, "error-not-found-title", "error-not-found");
    }
    (StatusCode::NOT_FOUND, axum::Json(serde_json::json!({"error": "not-found"}))).into_response()
}

/// `POST /language` (`lang`, `back`): remembers the language — with the signed-in person's
/// account, and in a cookie for a year — and goes back to the page it was chosen on.
pub(super) async fn switch_language(
    State(state): State<AppState>,
    visitor: Visitor,
    Posted(fields): Posted,
) -> Response {
    let tr = visitor.tr;
    let locale = Locale::from_code(fields.get("lang")).unwrap_or(tr.locale());
    if let Some(profile) = &visitor.profile {
        // Remembered with the account, so every device and the emails follow it. The cookie
        // below still carries it if this fails.
        let saved =
            state.accounts.set_locale(&profile.account_id, locale.code(), visitor.address.as_deref()).await;
        if let Err(e) = saved {
            tracing::error!(error = %e, "cannot remember a language choice");
        }
    }
    let flags = if secure(&state.settings.public_url) { "; Secure" } else { "" };
    let cookie =
        format!("{LANGUAGE_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000{flags}", locale.code());
    let cookies: Vec<HeaderValue> = HeaderValue::from_str(&cookie).into_iter().collect();
    redirect(local_path(fields.get("back")), &cookies)
}

/// `GET /assets/{name}`: the stylesheet and the script. They change only with the binary;
/// browsers revalidate them (`no-cache`) rather than keeping a stale copy after an upgrade.
pub(super) async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = relais_views::assets::asset(&name) else { return not_found(headers).await };
    // FNV-1a of the content: changes with the file, costs nothing next to sending it.
    let hash = asset
        .body
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let etag = format!("\"{hash:016x}\"");
    let unchanged = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str());
    let status = if unchanged { StatusCode::NOT_MODIFIED } else { StatusCode::OK };
    let body = if unchanged { "" } else { asset.body };
    let mut response = (status, [(header::CONTENT_TYPE, asset.content_type)], body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_path_of_this_server_is_followed_after_sign_in() {
        for ok in ["/", "/me/accesses", "/admin/users?page=2"] {
            assert_eq!(local_path(ok), ok);
        }
        for bad in
            ["", "https://evil.example/", "//evil.example", "/\\evil.example", "evil", "/a\\b", "/a\nb"]
        {
            assert_eq!(local_path(bad), "/", "{bad:?}");
        }
        assert_eq!(sign_in_then("/me/accesses?before=9"), "/sign-in?next=%2Fme%2Faccesses%3Fbefore%3D9");
    }
}
