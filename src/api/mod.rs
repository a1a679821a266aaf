//! The HTTP API: one module per resource, each exposing `router()`, merged here with the
//! layers every request passes through.

pub mod caching;
mod coverage;
pub mod credentials;
pub mod extract;
mod features;
mod health;
mod html;
mod indicators;
mod institutions;
mod locate;
mod nearby;
pub mod openapi;
mod profile;
mod query_params;
mod report;
mod search;
mod tiles;
mod web;

use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, Method, StatusCode};
use sqlx::PgPool;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::index::IndexHandle;
use crate::model::Credential;
use crate::tiles::TileService;

/// Everything a handler may need, cloned cheaply into each request.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    /// The serving index; every map read goes through it.
    pub index: IndexHandle,
    /// The system of record, when the server runs with `DATABASE_URL`.
    pub db: Option<PgPool>,
    /// The embedded default's fictitious credentials (empty with a database).
    pub bundled_credentials: Arc<Vec<Credential>>,
    /// Vector tiles: per-version preparation and the tile cache.
    pub tiles: Arc<TileService>,
    /// Credential verification: records' source, signing keys, rate limiter.
    pub credentials: Arc<crate::credentials::CredentialService>,
    /// The population layer and cached coverage analyses.
    pub coverage: Arc<crate::coverage::CoverageState>,
}

impl AppState {
    /// "bundled" or "postgis": which source the index was built from.
    pub fn source_name(&self) -> &'static str {
        if self.db.is_some() {
            "postgis"
        } else {
            "bundled"
        }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application; tests call it too.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    Router::new()
        .merge(health::router())
        .merge(institutions::router())
        .merge(web::router())
        .merge(features::router())
        .merge(openapi::router())
        .merge(
            // Answers that follow from the request and the data alone: revalidated by the
            // data version, so a repeat visit of the map costs 304s.
            Router::new()
                .merge(tiles::router())
                .merge(nearby::router())
                .merge(search::router())
                .merge(locate::router())
                .route_layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    caching::revalidate_by_data_version,
                )),
        )
        .merge(profile::router())
        .merge(html::router())
        .merge(credentials::router())
        .merge(coverage::router())
        .merge(indicators::router())
        .merge(report::router())
        .fallback(web::static_file)
        .with_state(state)
        .layer(
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
                .layer(
                    CorsLayer::new()
                        .allow_origin(Any)
                        .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
                        .expose_headers([REQUEST_ID]),
                )
                .layer(CompressionLayer::new())
                .layer(axum::middleware::map_response(layer_refusals_as_json))
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
