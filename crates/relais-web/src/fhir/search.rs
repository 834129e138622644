//! Search on one resource type: `GET /fhir/{type}?…` and `POST /fhir/{type}/_search` with a form
//! body. Both reach the same use case with the same pairs.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::negotiate::{FormBody, Format, strict_handling};
use super::reply::json_response;
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::AppState;

/// The search pairs of a request, percent-decoded: URL first, then the form body. `_format` and
/// `_pretty` are this layer's (see `negotiate.rs`), not search parameters.
fn search_pairs(query: Option<&str>, body: Vec<(String, String)>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .chain(body)
        .filter(|(name, _)| !matches!(name.as_str(), "_format" | "_pretty"))
        .collect()
}

async fn search(
    state: &AppState,
    Authenticated(caller): Authenticated,
    resource_type: &str,
    pairs: &[(String, String)],
    headers: &HeaderMap,
    format: Format,
) -> Result<Response, ApiError> {
    let bundle = state
        .fhir
        .search_as(&caller, resource_type, pairs, strict_handling(headers), &state.settings.fhir_base())
        .await?;
    Ok(json_response(StatusCode::OK, format, &bundle))
}

/// GET /fhir/{type}?… — search; answers a `searchset` Bundle.
pub(crate) async fn get_search(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(resource_type): Path<String>,
    RawQuery(q): RawQuery,
    format: Format,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let pairs = search_pairs(q.as_deref(), Vec::new());
    search(&state, caller, &resource_type, &pairs, &headers, format).await
}

/// POST /fhir/{type}/_search — search with the parameters in an
/// `application/x-www-form-urlencoded` body (and the URL); same answer as the GET.
pub(crate) async fn post_search(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(resource_type): Path<String>,
    RawQuery(q): RawQuery,
    format: Format,
    headers: HeaderMap,
    FormBody(body): FormBody,
) -> Result<Response, ApiError> {
    let pairs = search_pairs(q.as_deref(), body);
    search(&state, caller, &resource_type, &pairs, &headers, format).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_and_body_pairs_both_count_and_format_is_not_a_parameter() {
        let pairs = search_pairs(
            Some("name=L%C3%A9a&_format=json&_pretty=true"),
            vec![("birthdate".into(), "ge1940".into()), ("_format".into(), "json".into())],
        );
        assert_eq!(
            pairs,
            [("name".to_owned(), "Léa".to_owned()), ("birthdate".to_owned(), "ge1940".to_owned())]
        );
    }
}
