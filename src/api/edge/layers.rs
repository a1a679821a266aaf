//! The layers every request passes through, outermost first: a request id, a tracing
//! span naming the matched route, the security headers, metrics, CORS (for reads only),
//! compression, refusals as JSON, the not-yet-loaded gate, the request timeout, the pause
//! allowed between body chunks and the body limit.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::cors::{Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::{TimeoutBody, TimeoutError, TimeoutLayer};
use tower_http::trace::TraceLayer;

use super::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Wraps the application's routes in the edge's layers.
pub fn apply(routes: Router, state: &AppState) -> Router {
    let config = &state.config;
    routes.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(
                // Spans name the matched route, never the full URI: query strings and
                // paths may carry what a person typed.
                TraceLayer::new_for_http().make_span_with(|req: &Request| {
                    let route = req
                        .extensions()
                        .get::<MatchedPath>()
                        .map(|m| m.as_str().to_owned())
                        .unwrap_or_else(|| "(static)".into());
                    let id = req
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-")
                        .to_owned();
                    tracing::info_span!("request", method = %req.method(), %route, request_id = %id)
                }),
            )
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(axum::middleware::map_response(super::headers::secure))
            .layer(axum::middleware::from_fn(super::metrics::record))
            .layer(axum::middleware::from_fn(cors_for_reads_only))
            .layer(
                CorsLayer::new()
                    .allow_origin(Any)
                    .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
                    .expose_headers([REQUEST_ID]),
            )
            .layer(axum::middleware::map_response(refused_encoding_as_json))
            .layer(
                CompressionLayer::new().compress_when(DefaultPredicate::new().and(NotPreEncoded)),
            )
            .layer(axum::middleware::map_response(layer_refusals_as_json))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                crate::api::health::until_loaded,
            ))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                config.request_timeout(),
            ))
            .layer(axum::middleware::from_fn_with_state(
                config.body_read_timeout(),
                body_read_timeout,
            ))
            .layer(RequestBodyLimitLayer::new(config.max_body_bytes)),
    )
}

/// Responses that carry their own content coding (tiles, compressed once and cached
/// in every coding) are left as they are: compressing them again per request is what
/// the cache is there to avoid.
#[derive(Clone, Copy)]
struct NotPreEncoded;

impl Predicate for NotPreEncoded {
    fn should_compress<B>(&self, response: &axum::http::Response<B>) -> bool
    where
        B: axum::body::HttpBody,
    {
        response
            .extensions()
            .get::<super::encoding::PreEncoded>()
            .is_none()
    }
}

/// CORS lets other sites read what anyone may read (GET, HEAD and their preflights) and
/// nothing else: an answer to any other method never carries
/// `Access-Control-Allow-Origin`, so a foreign page cannot read it, and a preflight for
/// one is not granted, so a browser does not send it. (A `text/plain` POST needs no
/// preflight; the credential check refuses it with 415 before any lookup.)
async fn cors_for_reads_only(
    request: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let is_read = |m: &Method| *m == Method::GET || *m == Method::HEAD;
    let preflight_for_read = request.method() == Method::OPTIONS
        && request
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|v| Method::from_bytes(v.as_bytes()).ok())
            .is_some_and(|m| is_read(&m));
    let grant = is_read(request.method()) || preflight_for_read;
    let mut response = next.run(request).await;
    if !grant {
        let h = response.headers_mut();
        for name in [
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            header::ACCESS_CONTROL_ALLOW_METHODS,
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            header::ACCESS_CONTROL_MAX_AGE,
        ] {
            h.remove(name);
        }
    }
    response
}

/// A body that pauses longer than `timeout` between two chunks ends the request with
/// 408. tower-http's `TimeoutBody` cuts the body; the handler then sees only an
/// unreadable body (and would answer 400), so the cut is remembered here and answered
/// for what it is. The whole request stays bounded by the request timeout, so a body
/// trickled just under this pause still ends.
async fn body_read_timeout(State(timeout): State<Duration>, req: Request, next: Next) -> Response {
    let stalled = Arc::new(AtomicBool::new(false));
    let seen = stalled.clone();
    let req = req.map(|body| {
        Body::new(TimeoutBody::new(timeout, body).map_err(move |e| {
            if e.is::<TimeoutError>() {
                seen.store(true, Ordering::Relaxed);
            }
            e
        }))
    });
    let response = next.run(req).await;
    if stalled.load(Ordering::Relaxed) {
        return crate::error::ApiError::RequestTimeout(format!(
            "the request body paused for more than {} s (VETMAP_BODY_READ_TIMEOUT_SECS)",
            timeout.as_secs()
        ))
        .into_response();
    }
    response
}

/// The body limit and the timeout answer from tower layers, below the handlers' error
/// type and as plain text; this gives them the same JSON body as every other refusal.
async fn layer_refusals_as_json<B>(response: axum::http::Response<B>) -> Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if is_json {
        return response.map(axum::body::Body::new);
    }
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => crate::error::ApiError::PayloadTooLarge(
            "the request body is over this server's limit (VETMAP_MAX_BODY_BYTES)".into(),
        )
        .into_response(),
        StatusCode::SERVICE_UNAVAILABLE => crate::error::ApiError::Timeout(
            "the request took longer than this server's timeout (VETMAP_REQUEST_TIMEOUT_SECS)"
                .into(),
        )
        .into_response(),
        status if status.is_client_error() && is_plain(response.headers()) => {
            client_error_as_json(response)
        }
        _ => response.map(axum::body::Body::new),
    }
}

/// tower-http's compression answers 406 when `Accept-Encoding` refuses every coding it
/// has, identity included (`identity;q=0`), by changing only the status of the answer
/// the handler made: a 406 with a map's landing page or a tile as its body (found by
/// the hostile-input suite). Such a 406 gets our JSON body instead; a 406 of our own
/// (`NotAcceptable`, which carries its code) stays as it is.
async fn refused_encoding_as_json<B>(response: axum::http::Response<B>) -> Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let ours = response
        .extensions()
        .get::<crate::error::ErrorCode>()
        .is_some_and(|c| c.0 == "NotAcceptable");
    if response.status() != StatusCode::NOT_ACCEPTABLE || ours {
        return response.map(axum::body::Body::new);
    }
    let vary = response.headers().get(header::VARY).cloned();
    let mut refusal = crate::error::ApiError::NotAcceptable(
        "Accept-Encoding refuses every content coding this server sends (identity, gzip, br)"
            .into(),
    )
    .into_response();
    if let Some(vary) = vary {
        refusal.headers_mut().insert(header::VARY, vary);
    }
    refusal
}

/// A refusal with no body of its own, or tower's plain text (axum's 405, the static
/// files' 404, 405 and 416): nothing a person or program was meant to read as it is.
fn is_plain(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"))
}

/// The router's and the static files' own refusals (found by the hostile-input suite:
/// 405 from the method router, 404/405/416 from `ServeDir`) with the JSON body every
/// other refusal has. Their headers stay (`Allow` of a 405, `Content-Range` of a 416);
/// the body and its length are ours.
fn client_error_as_json<B>(response: axum::http::Response<B>) -> Response {
    let (parts, _) = response.into_parts();
    let status = parts.status;
    let code = match status {
        StatusCode::NOT_FOUND => "NotFound",
        StatusCode::METHOD_NOT_ALLOWED => "MethodNotAllowed",
        StatusCode::RANGE_NOT_SATISFIABLE => "RangeNotSatisfiable",
        StatusCode::NOT_ACCEPTABLE => "NotAcceptable",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UnsupportedMediaType",
        StatusCode::REQUEST_TIMEOUT => "RequestTimeout",
        StatusCode::URI_TOO_LONG => "UriTooLong",
        _ => "InvalidRequest",
    };
    let description = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allow = parts
                .headers
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            format!("this resource does not answer that method; it answers: {allow}")
        }
        StatusCode::RANGE_NOT_SATISFIABLE => {
            "the requested range is not within the file (see Content-Range)".to_owned()
        }
        StatusCode::NOT_FOUND => "no page or file at this address".to_owned(),
        _ => status
            .canonical_reason()
            .unwrap_or("the request was refused")
            .to_owned(),
    };
    let body = crate::error::ErrorBody {
        code,
        description,
        parameter: None,
        errors: None,
        current_version: None,
    };
    let mut json = (status, axum::Json(body)).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            json.headers_mut().append(name.clone(), value.clone());
        }
    }
    json.extensions_mut().insert(crate::error::ErrorCode(code));
    json
}
