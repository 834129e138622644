//! FHIR errors as HTTP responses: an OperationOutcome with the status the specification gives.
//! Server faults are logged (with the request id, never with resource content) and answered
//! without their cause.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use relais_app::FhirError;
use relais_fhir::Issue;
use relais_fhir::outcome::operation_outcome;

use crate::fhir::negotiate::FHIR_JSON;

/// An OperationOutcome response.
pub(crate) fn outcome_response(status: StatusCode, issues: &[Issue]) -> Response {
    let body = operation_outcome(issues).to_string();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    response
}

/// A FHIR use-case error, ready to send.
pub(crate) struct ApiError(pub FhirError);

impl From<FhirError> for ApiError {
    fn from(e: FhirError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(error = %self.0, "request failed");
        } else {
            tracing::debug!(
                status = status.as_u16(),
                code = self.0.issues().first().map(|i| i.error_code),
                "request refused"
            );
        }
        outcome_response(status, &self.0.issues())
    }
}
