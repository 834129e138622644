//! Content negotiation for the FHIR API: `Accept` and `_format`, `_pretty`, `Content-Type` of
//! request bodies, `Prefer`, and the body size limit — each refused with an OperationOutcome.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use relais_app::Prefer;
use relais_fhir::{Issue, IssueType};

use crate::error::outcome_response;

/// The media type of every FHIR answer.
pub(crate) const FHIR_JSON: &str = "application/fhir+json; charset=utf-8";

/// How the client wants answers written.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Format {
    pub pretty: bool,
}

fn query_pairs(query: Option<&str>) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
}

fn is_json_type(media: &str) -> bool {
    let media = media.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    matches!(media.as_str(), "json" | "application/json" | "application/fhir+json" | "application/json+fhir")
}

fn accepts_json(accept: &str) -> bool {
    accept.split(',').any(|part| {
        let media = part.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        is_json_type(&media) || media == "*/*" || media == "application/*" || media.is_empty()
    })
}

impl<S: Send + Sync> FromRequestParts<S> for Format {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let mut format = Format::default();
        let mut asked = None;
        for (name, value) in query_pairs(parts.uri.query()) {
            match name.as_str() {
                "_format" => asked = Some(value),
                "_pretty" => format.pretty = value == "true",
                _ => {}
            }
        }
        let acceptable = match &asked {
            Some(f) => is_json_type(f),
            None => parts.headers.get(header::ACCEPT).and_then(|a| a.to_str().ok()).is_none_or(accepts_json),
        };
        if acceptable {
            Ok(format)
        } else {
            Err(outcome_response(
                StatusCode::NOT_ACCEPTABLE,
                &[Issue::error(
                    IssueType::NotSupported,
                    "format-not-supported",
                    "Relais answers in FHIR JSON only (application/fhir+json); XML and RDF are not supported",
                )],
            ))
        }
    }
}

/// The `Prefer: return=…` of a write.
pub(crate) fn prefer(headers: &HeaderMap) -> Prefer {
    let Some(value) = headers.get("prefer").and_then(|v| v.to_str().ok()) else {
        return Prefer::default();
    };
    for token in value.split([',', ';']) {
        match token.trim().replace(' ', "").as_str() {
            "return=minimal" => return Prefer::Minimal,
            "return=representation" => return Prefer::Representation,
            "return=OperationOutcome" => return Prefer::OperationOutcome,
            _ => {}
        }
    }
    Prefer::default()
}

/// `Prefer: handling=strict` (refuse unknown search parameters); `handling=lenient` or no
/// preference ignores them.
pub(crate) fn strict_handling(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ';']))
        .any(|token| token.trim().replace(' ', "") == "handling=strict")
}

fn unsupported_media_type(diagnostics: String) -> Response {
    outcome_response(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        &[Issue::error(IssueType::NotSupported, "media-type-not-supported", diagnostics)],
    )
}

fn body_rejection(rejection: axum::extract::rejection::BytesRejection) -> Response {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        outcome_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            &[Issue::error(
                IssueType::TooLong,
                "body-too-large",
                "The request body is larger than this server accepts; nothing was stored",
            )],
        )
    } else {
        outcome_response(
            StatusCode::BAD_REQUEST,
            &[Issue::error(
                IssueType::Structure,
                "body-unreadable",
                format!("The request body could not be read: {}", rejection.body_text()),
            )],
        )
    }
}

/// The body of `POST …/_search`: `application/x-www-form-urlencoded` pairs, percent-decoded. An
/// empty body may come without a `Content-Type` (a search with every parameter in the URL).
pub(crate) struct FormBody(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for FormBody {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let media = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|c| c.to_str().ok())
            .map(|ct| ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
        if let Some(other) = media.as_deref().filter(|m| *m != "application/x-www-form-urlencoded") {
            return Err(unsupported_media_type(format!(
                "Content-Type '{other}' is not supported for a search; send application/x-www-form-urlencoded"
            )));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(body_rejection)?;
        if media.is_none() && !bytes.is_empty() {
            return Err(unsupported_media_type(
                "The request has no Content-Type; send application/x-www-form-urlencoded".to_owned(),
            ));
        }
        Ok(FormBody(form_urlencoded::parse(&bytes).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()))
    }
}

/// A FHIR request body: JSON by `Content-Type`, within the size limit.
pub(crate) struct FhirBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for FhirBody {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type =
            request.headers().get(header::CONTENT_TYPE).and_then(|c| c.to_str().ok()).map(str::to_owned);
        match content_type.as_deref() {
            Some(ct) if is_json_type(ct) => {}
            Some(ct) => {
                let media = ct.split(';').next().unwrap_or_default().trim().to_owned();
                return Err(unsupported_media_type(format!(
                    "Content-Type '{media}' is not supported; send application/fhir+json"
                )));
            }
            None => {
                return Err(unsupported_media_type(
                    "The request has no Content-Type; send application/fhir+json".to_owned(),
                ));
            }
        }
        Bytes::from_request(request, state).await.map(FhirBody).map_err(body_rejection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types() {
        for ok in
            ["application/fhir+json", "application/json; charset=utf-8", "json", "application/json+fhir"]
        {
            assert!(is_json_type(ok), "{ok}");
        }
        for bad in ["application/fhir+xml", "text/plain", "application/x-www-form-urlencoded", ""] {
            assert!(!is_json_type(bad), "{bad}");
        }
        assert!(accepts_json("text/html,application/xhtml+xml,*/*;q=0.8"));
        assert!(!accepts_json("application/fhir+xml"));
    }

    #[test]
    fn handling_preference() {
        let mut h = HeaderMap::new();
        assert!(!strict_handling(&h), "lenient by default");
        h.insert("prefer", "return=minimal, handling=strict".parse().unwrap());
        assert!(strict_handling(&h));
        h.insert("prefer", "handling=lenient".parse().unwrap());
        assert!(!strict_handling(&h));
    }

    #[test]
    fn prefer_header() {
        let mut h = HeaderMap::new();
        assert_eq!(prefer(&h), Prefer::Representation);
        h.insert("prefer", "return=minimal".parse().unwrap());
        assert_eq!(prefer(&h), Prefer::Minimal);
        h.insert("prefer", "handling=strict, return=OperationOutcome".parse().unwrap());
        assert_eq!(prefer(&h), Prefer::OperationOutcome);
    }
}
