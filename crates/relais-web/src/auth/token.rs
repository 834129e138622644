//! `POST /auth/token`: the OAuth2 client credentials grant (RFC 6749 §4.4), and the SMART
//! discovery document that points clients to it.
//!
//! The client authenticates with HTTP Basic (`client_secret_basic`) or with `client_id` and
//! `client_secret` in the form (`client_secret_post`), not both. Answers are RFC 6749 JSON:
//! `{access_token, token_type, expires_in, scope}`, or `{error, error_description}` with 400 —
//! 401 for `invalid_client`.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use data_encoding::BASE64;
use relais_app::access::TokenError;
use serde_json::json;

use super::PeerAddress;
use crate::state::AppState;

/// The scopes this server understands, as examples for clients (any resource type may be named).
const SCOPES_SUPPORTED: &[&str] = &[
    "system/*.read",
    "system/*.write",
    "system/*.*",
    "user/*.read",
    "user/*.*",
    "patient/*.read",
    "patient/*.*",
];

/// POST /auth/token
pub(crate) async fn post_token(
    State(state): State<AppState>,
    PeerAddress(address): PeerAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (client_id, secret, scope) = match read_request(&headers, &body) {
        Ok(request) => request,
        Err(Refusal::Client) => return invalid_client(true),
        Err(Refusal::Request(error, description)) => {
            return oauth_error(StatusCode::BAD_REQUEST, error, &description);
        }
    };
    match state.tokens.client_credentials(&client_id, &secret, scope.as_deref(), address.as_deref()).await {
        Ok(issued) => {
            let body = json!({
                "access_token": issued.access_token,
                "token_type": "Bearer",
                "expires_in": issued.expires_in,
                "scope": issued.scope,
            });
            no_cache((StatusCode::OK, axum::Json(body)).into_response())
        }
        Err(TokenError::InvalidClient) => invalid_client(headers.contains_key(header::AUTHORIZATION)),
        Err(TokenError::InvalidScope(scope)) => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!("scope not understood or not granted to this client: {scope}"),
        ),
        Err(e) => {
            tracing::error!(error = %e, "cannot issue an access token");
            oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "the server cannot issue a token now",
            )
        }
    }
}

/// Why a token request is refused before the client is looked up.
enum Refusal {
    /// Unusable client authentication (a Basic header that cannot be read).
    Client,
    /// An RFC 6749 error code and what to do about it.
    Request(&'static str, String),
}

/// The client id, secret and requested scope of a token request.
fn read_request(headers: &HeaderMap, body: &[u8]) -> Result<(String, String, Option<String>), Refusal> {
    let form: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let field = |name: &str| {
        let mut values = form.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
        match (values.next(), values.next()) {
            (Some(v), None) => Ok(Some(v)),
            (None, _) => Ok(None),
            (Some(_), Some(_)) => Err(Refusal::Request("invalid_request", format!("{name} is repeated"))),
        }
    };
    if field("grant_type")? != Some("client_credentials") {
        return Err(Refusal::Request(
            "unsupported_grant_type",
            "grant_type must be client_credentials".into(),
        ));
    }
    let basic = headers.get(header::AUTHORIZATION).map(basic_credentials);
    let (id, secret) = match (basic, (field("client_id")?, field("client_secret")?)) {
        (Some(Some(pair)), (None, None)) => pair,
        (None, (Some(id), Some(secret))) => (id.to_owned(), secret.to_owned()),
        (Some(None), _) => return Err(Refusal::Client),
        _ => {
            return Err(Refusal::Request(
                "invalid_request",
                "authenticate the client with HTTP Basic or with client_id and client_secret, once".into(),
            ));
        }
    };
    Ok((id, secret, field("scope")?.map(str::to_owned)))
}

/// GET /fhir/.well-known/smart-configuration (SMART App Launch §2.3).
pub(crate) async fn get_smart_configuration(State(state): State<AppState>) -> Response {
    let body = json!({
        "issuer": state.settings.public_url,
        "token_endpoint": format!("{}/auth/token", state.settings.public_url),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": SCOPES_SUPPORTED,
        "capabilities": ["client-confidential-symmetric", "permission-v1"],
    });
    axum::Json(body).into_response()
}

/// The (id, secret) of an `Authorization: Basic` header, each form-decoded (RFC 6749 §2.3.1);
/// `None` for anything else.
fn basic_credentials(value: &HeaderValue) -> Option<(String, String)> {
    let text = value.to_str().ok()?;
    let (scheme, encoded) = text.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(BASE64.decode(encoded.trim().as_bytes()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape =
        |s: &str| form_urlencoded::parse(format!("v={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
    Some((unescape(id)?, unescape(secret)?))
}

fn invalid_client(challenge: bool) -> Response {
    let mut response =
        oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "client authentication failed");
    if challenge {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"relais\""));
    }
    response
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    no_cache((status, axum::Json(json!({"error": error, "error_description": description}))).into_response())
}

/// RFC 6749 §5.1: token responses are never cached.
fn no_cache(mut response: Response) -> Response {
    response.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_base64_then_form_decoded() {
        let header = |id: &str, secret: &str| {
            HeaderValue::from_str(&format!("Basic {}", BASE64.encode(format!("{id}:{secret}").as_bytes())))
                .unwrap()
        };
        assert_eq!(basic_credentials(&header("gw", "s3cr:t")), Some(("gw".into(), "s3cr:t".into())));
        assert_eq!(basic_credentials(&header("a%2Bb", "c+d")), Some(("a+b".into(), "c d".into())));
        assert_eq!(basic_credentials(&HeaderValue::from_static("Bearer x")), None);
        assert_eq!(basic_credentials(&HeaderValue::from_static("Basic !!!")), None);
    }
}
