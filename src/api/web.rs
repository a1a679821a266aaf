//! The web map's pages and files: `/embed` (the chrome-less map other sites put in an
//! `<iframe>`, with the configured `frame-ancestors`), `/embed/builder` (the page that
//! writes the snippet) and every other file of `web/` as the fallback.
//!
//! Caching: every file answers `Cache-Control: no-cache` with `Last-Modified`, so a
//! repeat visit revalidates each file with one small 304 and never runs stale code
//! against a newer server. The built bundles in `web/dist/` have precompressed `.br`
//! and `.gz` twins (written by `npm ci`), sent as they are to browsers that accept them.

use std::path::Path;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};

use super::AppState;

const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/embed", get(embed_page))
        .route("/embed/builder", get(builder_page))
}

/// The static files of `web_dir`, for the router's fallback.
pub fn static_files(web_dir: &Path) -> SetResponseHeader<ServeDir, HeaderValue> {
    ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            NO_CACHE,
        ))
        .service(
            ServeDir::new(web_dir)
                .precompressed_br()
                .precompressed_gzip(),
        )
}

/// The embeddable map. Which sites may frame it is the operator's choice
/// (`VETMAP_FRAME_ANCESTORS`, default any).
async fn embed_page(State(state): State<AppState>, req: Request) -> Response {
    let mut res = serve_file(&state.config.web_dir.join("embed.html"), req).await;
    let policy = format!("frame-ancestors {}", state.config.frame_ancestors);
    // The value was checked when the configuration was read; this cannot fail.
    if let Ok(value) = HeaderValue::from_str(&policy) {
        res.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    res
}

async fn builder_page(State(state): State<AppState>, req: Request) -> Response {
    serve_file(&state.config.web_dir.join("embed-builder.html"), req).await
}

async fn serve_file(path: &Path, req: Request) -> Response {
    let res = match ServeFile::new(path).oneshot(req).await {
        Ok(res) => res.into_response(),
        Err(never) => match never {},
    };
    let mut res = res;
    res.headers_mut().insert(header::CACHE_CONTROL, NO_CACHE);
    res
}
