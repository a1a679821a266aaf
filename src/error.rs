//! The HTTP layer's error: every failure a handler can meet, turned into a response in
//! one place. Clients get a JSON body in the OGC API exception shape
//! (`{"code", "description"}`, plus the offending `parameter` where there is one) for
//! their mistakes, and a plain 500 for ours, whose cause is logged, never shown.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::model::FieldError;
use crate::store::StoreError;

/// The `code` of an error answer, kept on the response for the metrics layer
/// (`api::edge::metrics`), which counts refusals by it without reading bodies.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);

/// The JSON body of every refusal (the OGC API exception shape, extended): the type the
/// OpenAPI document describes them all with.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for programs: `InvalidParameterValue`, `NotFound`, `Busy`, ...
    #[schema(value_type = String)]
    pub code: &'static str,
    /// What went wrong, for people.
    pub description: String,
    /// The query or path parameter (or body field) at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// `InvalidData`: every problem found, by line or field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<crate::store::ImportError>>,
    /// A stale `If-Match` (412): the version now stored, also sent as the ETag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{description}")]
    BadRequest {
        parameter: Option<String>,
        description: String,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    NotAcceptable(String),
    #[error("{0}")]
    TooManyRequests(String, u64),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    /// The resource changed since the client read it (a stale `If-Match`, say).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    PreconditionRequired(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Too much of one kind of heavy work is already running: try again shortly.
    #[error("{description}")]
    Busy {
        description: String,
        retry_after_secs: u64,
    },
    /// The database is configured but does not answer now.
    #[error("{0}")]
    DatabaseUnavailable(String),
    /// The embedded default has no database; the message says what needs one.
    #[error("{0} needs a database: start the server with DATABASE_URL set")]
    NeedsDatabase(&'static str),
    #[error("not ready: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Timeout(String),
    /// The client stopped sending its request (a body that stalls): its fault, not ours.
    #[error("{0}")]
    RequestTimeout(String),
    /// Any other store failure; an unavailable database becomes
    /// [`ApiError::DatabaseUnavailable`] on the way in (`From<StoreError>`).
    #[error(transparent)]
    Store(StoreError),
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad_parameter(parameter: impl Into<String>, description: impl Into<String>) -> Self {
        ApiError::BadRequest {
            parameter: Some(parameter.into()),
            description: description.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            // The driver's words (addresses, OS errors) are for the log, not the client.
            tracing::warn!(error = %e, "answering 503: the database is unavailable");
            return ApiError::DatabaseUnavailable(
                "the database does not answer at the moment; try again shortly".into(),
            );
        }
        ApiError::Store(e)
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::BadRequest {
            description: format!("{}: {}", e.field, e.message),
            parameter: Some(e.field),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            ApiError::BadRequest { .. } => (StatusCode::BAD_REQUEST, "InvalidParameterValue"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "NotFound"),
            ApiError::NotAcceptable(_) => (StatusCode::NOT_ACCEPTABLE, "NotAcceptable"),
            ApiError::TooManyRequests(..) => (StatusCode::TOO_MANY_REQUESTS, "TooManyRequests"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLarge"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "Unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "Forbidden"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "Conflict"),
            ApiError::PreconditionFailed(_) => {
                (StatusCode::PRECONDITION_FAILED, "PreconditionFailed")
            }
            ApiError::PreconditionRequired(_) => {
                (StatusCode::PRECONDITION_REQUIRED, "PreconditionRequired")
            }
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "UnsupportedMediaType")
            }
            ApiError::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "Busy"),
            ApiError::DatabaseUnavailable(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "DatabaseUnavailable")
            }
            ApiError::NeedsDatabase(_) => (StatusCode::SERVICE_UNAVAILABLE, "NeedsDatabase"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "NotReady"),
            ApiError::Timeout(_) => (StatusCode::SERVICE_UNAVAILABLE, "Timeout"),
            ApiError::RequestTimeout(_) => (StatusCode::REQUEST_TIMEOUT, "RequestTimeout"),
            ApiError::Store(StoreError::Invalid(_)) => (StatusCode::BAD_REQUEST, "InvalidData"),
            ApiError::Store(StoreError::Missing(_)) => (StatusCode::NOT_FOUND, "NotFound"),
            ApiError::Store(StoreError::Stale { .. }) => {
                (StatusCode::PRECONDITION_FAILED, "PreconditionFailed")
            }
            ApiError::Store(StoreError::NotPermitted(_)) => (StatusCode::FORBIDDEN, "Forbidden"),
            ApiError::Store(StoreError::AlreadyExists(_)) => (StatusCode::CONFLICT, "Conflict"),
            ApiError::Store(_) | ApiError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "ServerError")
            }
        };
        let description = match &self {
            ApiError::Store(StoreError::Invalid(errors)) => format!(
                "{} problem(s) in the input; nothing was written",
                crate::store::problem_count(errors)
            ),
            _ if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE => {
                tracing::error!(error = %self, "request failed");
                "internal error; quote the x-request-id response header when reporting it".into()
            }
            _ => self.to_string(),
        };
        let mut body = ErrorBody {
            code,
            description,
            parameter: None,
            errors: None,
            current_version: None,
        };
        match &self {
            ApiError::BadRequest {
                parameter: Some(p), ..
            } => body.parameter = Some(p.clone()),
            ApiError::Store(StoreError::Invalid(errors)) => body.errors = Some(errors.clone()),
            // Tells the editor what to reload; the ETag says it the HTTP way.
            ApiError::Store(StoreError::Stale { current }) => body.current_version = Some(*current),
            _ => {}
        }
        let current_version = body.current_version;
        let mut response = (status, Json(body)).into_response();
        if let Some(v) = current_version
            && let Ok(etag) = format!("\"{v}\"").parse()
        {
            response
                .headers_mut()
                .insert(axum::http::header::ETAG, etag);
        }
        response.extensions_mut().insert(ErrorCode(code));
        let retry_after = match self {
            ApiError::TooManyRequests(_, secs) => Some(secs),
            ApiError::Busy {
                retry_after_secs, ..
            } => Some(retry_after_secs),
            _ => None,
        };
        if let Some(secs) = retry_after
            && let Ok(v) = secs.to_string().parse()
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ImportError, Location};

    #[tokio::test]
    async fn a_capped_problem_list_counts_the_unlisted_in_its_description() {
        let at = |n: usize| ImportError {
            location: Some(Location {
                file: "upload.csv".into(),
                position: format!("line {n}"),
            }),
            record: None,
            field: None,
            message: "unreadable row".into(),
            unlisted: 0,
        };
        let mut errors: Vec<ImportError> = (2..4).map(at).collect();
        errors.push(ImportError {
            message: "and 40 more problem(s) not listed".into(),
            unlisted: 40,
            ..at(0)
        });
        let response = ApiError::Store(StoreError::Invalid(errors)).into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body["description"],
            "42 problem(s) in the input; nothing was written"
        );
        assert_eq!(body["errors"].as_array().unwrap().len(), 3);
        assert!(body["errors"][0].get("unlisted").is_none());
        assert_eq!(body["errors"][2]["unlisted"], 40);
    }
}
