//! Extractors whose rejections are our JSON errors, so that a malformed query string
//! or path gets the same clear 400 as any other bad input.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path as AxumPath, Query as AxumQuery};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match AxumQuery::<T>::from_request_parts(parts, state).await {
            Ok(AxumQuery(v)) => Ok(Query(v)),
            Err(e) => Err(query_error(e)),
        }
    }
}

fn query_error(e: QueryRejection) -> ApiError {
    // serde_urlencoded names the field in its message ("unknown field `x`", "invalid
    // digit found in string" for `limit`...); pass it on.
    ApiError::BadRequest {
        parameter: None,
        description: format!("bad query string: {}", e.body_text()),
    }
}

pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match AxumPath::<T>::from_request_parts(parts, state).await {
            Ok(AxumPath(v)) => Ok(Path(v)),
            Err(e) => Err(path_error(e)),
        }
    }
}

fn path_error(e: PathRejection) -> ApiError {
    ApiError::BadRequest {
        parameter: None,
        description: format!("bad path: {}", e.body_text()),
    }
}

/// A JSON request body. Anything but `application/json` is a 415 before the body is
/// read; a body that is not JSON, or not of `T`'s shape, is a 400 saying where; a body
/// over the route's limit is a 413. All with our JSON error body.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::UnsupportedMediaType(
                "the body must be JSON, sent with Content-Type: application/json".into(),
            )),
            Err(JsonRejection::BytesRejection(e))
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(ApiError::PayloadTooLarge(
                    "the request body is over this endpoint's limit".into(),
                ))
            }
            Err(e) => Err(ApiError::BadRequest {
                parameter: None,
                description: format!("bad JSON body: {}", e.body_text()),
            }),
        }
    }
}

/// Admits a request whose body is declared `application/json` (parameters such as
/// `; charset=utf-8` allowed) and refuses any other with 415, from the headers alone.
/// Besides telling clients what to send, it closes the cross-site route: a browser sends
/// `text/plain`, form and multipart bodies to another site without asking it first (no
/// CORS preflight), but never `application/json`.
pub struct JsonContentType;

impl<S: Send + Sync> FromRequestParts<S> for JsonContentType {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let declared = parts
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        if declared.is_some_and(is_json) {
            Ok(JsonContentType)
        } else {
            Err(ApiError::UnsupportedMediaType(
                "the body must be sent as Content-Type: application/json".into(),
            ))
        }
    }
}

fn is_json(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use super::is_json;

    #[test]
    fn only_application_json_with_or_without_parameters_is_json() {
        for yes in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON;charset=UTF-8",
        ] {
            assert!(is_json(yes), "{yes}");
        }
        for no in [
            "text/plain",
            "text/plain; a=application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonp",
            "application/ld+json",
            "",
        ] {
            assert!(!is_json(no), "{no}");
        }
    }
}
