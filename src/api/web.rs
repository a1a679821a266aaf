//! The web map's pages and files: `/embed` (the chrome-less map other sites put in an
//! `<iframe>`, the one page with the configured `frame-ancestors`), `/embed/builder` (the
//! page that writes the snippet), `/admin` (the officials' pages, also at `/admin.html`)
//! and every other file of `web/` as the fallback.
//!
//! Caching: every file answers `Cache-Control: no-cache` with `Last-Modified`, so a
//! repeat visit revalidates each file with one small 304 and never runs stale code
//! against a newer server. The built bundles in `web/dist/` have precompressed `.br`
//! and `.gz` twins (written by `npm ci`), sent as they are to browsers that accept them.

use std::path::Path;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tower::{ServiceBuilder, ServiceExt};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::edge::headers::content_security_policy;
use crate::error::ApiError;

const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(embed_page))
        .routes(routes!(builder_page))
        .routes(routes!(admin_page))
}

/// The router's fallback: a public file of `web_dir`, else 404. `web/` also holds the
/// npm tree, the browser tests and the build script, which are not the site's to serve.
pub async fn static_file(State(state): State<AppState>, req: Request) -> Response {
    if !is_public(req.uri().path()) {
        return ApiError::NotFound(format!("no page or file at {}", req.uri().path()))
            .into_response();
    }
    match static_files(&state.config.web_dir).oneshot(req).await {
        Ok(res) => res.into_response(),
        Err(never) => match never {},
    }
}

/// The pages at the top of `web/`, the built bundles, the officials' assets, and
/// MapLibre's own distribution (the tile test page loads it unbundled). Judged on the
/// percent-decoded path, as ServeDir will read it: `/node_modules%2Fx.html` is a path
/// into node_modules, not a page at the top.
///
/// A name no file of ours can have is not public either: a control character (a NUL
/// made `ServeDir` fail to open the path and answer 500) or a segment longer than a
/// file name may be (255 bytes; the file system refuses to look it up).
fn is_public(raw_path: &str) -> bool {
    const TREES: [&str; 3] = ["/dist/", "/officials/", "/node_modules/maplibre-gl/dist/"];
    const NAME_MAX: usize = 255;
    let Ok(path) = percent_encoding::percent_decode_str(raw_path).decode_utf8() else {
        return false;
    };
    if path.contains("..") || path.contains('\\') || path.contains("//") {
        return false;
    }
    if path.chars().any(char::is_control) || path.split('/').any(|s| s.len() > NAME_MAX) {
        return false;
    }
    if TREES.iter().any(|t| path.starts_with(t)) {
        return true;
    }
    match path.strip_prefix('/') {
        Some("") => true,
        Some(file) => !file.contains('/') && (file.ends_with(".html") || file == "favicon.svg"),
        None => false,
    }
}

/// The static files of `web_dir`.
fn static_files(web_dir: &Path) -> SetResponseHeader<ServeDir, HeaderValue> {
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

/// The embeddable map (for an `<iframe>` on other sites)
///
/// The embeddable map: our one policy (`edge::headers`), except that the sites the
/// operator names (`VETMAP_FRAME_ANCESTORS`, default any) may frame it.
#[utoipa::path(get, path = "/embed", tag = "web",
    responses(
        (status = 200, description = "the page", body = String, content_type = "text/html"),
        (status = 304, description = "not modified since If-Modified-Since")))]
async fn embed_page(State(state): State<AppState>, req: Request) -> Response {
    let mut res = serve_file(&state.config.web_dir.join("embed.html"), req).await;
    // The source list was checked when the configuration was read; this cannot fail.
    if let Some(policy) = content_security_policy(&state.config.frame_ancestors) {
        res.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    res
}

/// The page that writes the embed snippet
#[utoipa::path(get, path = "/embed/builder", tag = "web",
    responses(
        (status = 200, description = "the page", body = String, content_type = "text/html"),
        (status = 304, description = "not modified since If-Modified-Since")))]
async fn builder_page(State(state): State<AppState>, req: Request) -> Response {
    serve_file(&state.config.web_dir.join("embed-builder.html"), req).await
}

/// The officials' pages
///
/// The officials' pages (the same file as `/admin.html`; its routes are in the URL's
/// fragment, so one address serves them all).
#[utoipa::path(get, path = "/admin", tag = "web",
    responses(
        (status = 200, description = "the page", body = String, content_type = "text/html"),
        (status = 304, description = "not modified since If-Modified-Since")))]
async fn admin_page(State(state): State<AppState>, req: Request) -> Response {
    serve_file(&state.config.web_dir.join("admin.html"), req).await
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

#[cfg(test)]
mod tests {
    use super::is_public;

    #[test]
    fn pages_and_bundles_are_public_and_the_build_tree_is_not() {
        for p in [
            "/",
            "/index.html",
            "/verify.html",
            "/admin.html",
            "/favicon.svg",
            "/dist/map.js",
            "/officials/officials.js",
            "/node_modules/maplibre-gl/dist/maplibre-gl.css",
        ] {
            assert!(is_public(p), "{p}");
        }
        for p in [
            "/package.json",
            "/build.mjs",
            "/tests/helpers.mjs",
            "/src/main.js",
            "/node_modules/esbuild/bin/esbuild",
            "/node_modules/maplibre-gl/package.json",
            "/dist/../package.json",
            "/node_modules%2Fplaywright-core%2Flib%2Fvite%2FtraceViewer%2Findex.html",
            "/node_modules%2fx.html",
            "/dist/%2e%2e/package.json",
            "/dist/..%5Cpackage.json",
            "//node_modules/x.html",
            "/%ff.html",
            "/dist/%00.js",
            "/a%0Ab.html",
            format!("/{}.html", "a".repeat(300)).as_str(),
        ] {
            assert!(!is_public(p), "{p}");
        }
    }
}
