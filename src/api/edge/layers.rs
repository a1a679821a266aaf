//! The layers every request passes through, outermost first: a request id, a tracing
//! span naming the matched route, metrics, CORS, compression, refusals as JSON, the
//! not-yet-loaded gate, the request timeout and the body limit.

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, Method, StatusCode};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
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
            .layer(axum::middleware::from_fn(super::metrics::record))
            .layer(
                CorsLayer::new()
                    .allow_origin(Any)
                    .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
                    .expose_headers([REQUEST_ID]),
            )
            .layer(CompressionLayer::new())
            .layer(axum::middleware::map_response(layer_refusals_as_json))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                crate::api::health::until_loaded,
            ))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                config.request_timeout(),
            ))
            .layer(RequestBodyLimitLayer::new(config.max_body_bytes)),
    )
}

/// The body limit and the timeout answer from tower layers, below the handlers' error
/// type and as plain text; this gives them the same JSON body as every other refusal.
async fn layer_refusals_as_json<B>(response: axum::http::Response<B>) -> axum::response::Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    use axum::response::IntoResponse;
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
        _ => response.map(axum::body::Body::new),
    }
}
