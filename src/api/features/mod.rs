//! OGC API – Features (Part 1 Core, GeoJSON, HTML, OpenAPI 3.0; Part 3 filtering with
//! CQL2) for the `institutions` and `admin-areas` collections.
//!
//! `/` is shared with the web map: JSON clients (and `?f=json`) get the landing
//! document, `?f=html` the HTML landing page, and browsers asking for HTML without `f=`
//! the web map (`web/index.html`).

mod collections;
mod html;
mod items;
mod params;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use self::collections::Collection;
use self::params::Params;
use super::AppState;
use super::edge::extract::{Path, Query};
use super::edge::links::{Links, link};
use super::edge::negotiate::{Format, negotiate, prefers_html};
use super::edge::validators::Validators;
use crate::error::ApiError;

pub use self::params::{CRS84, DEFAULT_LIMIT, MAX_LIMIT};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(landing))
        .route("/conformance", get(conformance))
        .route("/collections", get(collections_list))
        .route("/collections/{collection_id}", get(collection))
        .route("/collections/{collection_id}/queryables", get(queryables))
        .route("/collections/{collection_id}/items", get(items::items))
        .route(
            "/collections/{collection_id}/items/{feature_id}",
            get(items::item),
        )
}

/// The conformance classes this service implements, each one tested.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
];

const DOCS: &[Format] = &[Format::Json, Format::Html];

/// A document in the negotiated format, with caching headers and 304 on revalidation.
fn respond(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
    format: Format,
    json: impl FnOnce() -> Value,
    html: impl FnOnce(&Value) -> String,
) -> Response {
    let index = state.index.current();
    let v = Validators::new(
        index.version(),
        index.built_at(),
        &items::variant(uri, headers, format),
    );
    if let Some(r) = v.not_modified(headers) {
        return r;
    }
    let doc = json();
    let mut r = match format {
        Format::Html => Html(html(&doc)).into_response(),
        _ => axum::Json(doc).into_response(),
    };
    v.apply(&mut r);
    r
}

async fn landing(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let headers = req.headers().clone();
    let uri = req.uri().clone();
    let f = uri.query().and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("f="))
            .map(str::to_owned)
    });
    if f.is_none() && prefers_html(&headers) {
        // A browser: the web map. Its own query parameters are none of our business.
        let file = state.config.web_dir.join("index.html");
        return ServeFile::new(file)
            .oneshot(req)
            .await
            .map(IntoResponse::into_response)
            .map_err(|e| ApiError::Internal(format!("serving web/index.html: {e}")));
    }
    let format = negotiate(f.as_deref(), &headers, DOCS)?;
    let l = Links::new(state.config.public_url.as_deref(), &headers);
    Ok(respond(
        &state,
        &uri,
        &headers,
        format,
        || landing_document(&l),
        html::landing_page,
    ))
}

fn landing_document(l: &Links) -> Value {
    json!({
        "title": "vetmap — Bản đồ mạng lưới GDNN / Vocational education network map",
        "description": "Cơ sở giáo dục nghề nghiệp và đơn vị hành chính theo chuẩn OGC API – Features. \
                        GDNN institutions and administrative areas, by OGC API – Features.",
        "links": [
            link(l.url("/", "json"), "self", "application/json", "Trang chủ / This document"),
            link(l.url("/", "html"), "alternate", "text/html", "Trang chủ HTML / This document as HTML"),
            link(l.url("/api", ""), "service-desc", "application/vnd.oai.openapi+json;version=3.0", "OpenAPI 3.0"),
            link(l.url("/api", "html"), "service-doc", "text/html", "Tài liệu API / API documentation"),
            link(l.url("/conformance", "json"), "conformance", "application/json", "Chuẩn tuân thủ / Conformance"),
            link(l.url("/collections", "json"), "data", "application/json", "Lớp dữ liệu / Collections"),
            link(l.url("/", ""), "alternate", "text/html", "Bản đồ / Web map"),
        ],
    })
}

async fn conformance(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let params = Params::new(pairs, &[&["f"]])?;
    let format = negotiate(params.get("f"), &headers, DOCS)?;
    Ok(respond(
        &state,
        &uri,
        &headers,
        format,
        || json!({"conformsTo": CONFORMANCE}),
        html::conformance_page,
    ))
}

async fn collections_list(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let params = Params::new(pairs, &[&["f"]])?;
    let format = negotiate(params.get("f"), &headers, DOCS)?;
    let l = Links::new(state.config.public_url.as_deref(), &headers);
    let index = state.index.current();
    Ok(respond(
        &state,
        &uri,
        &headers,
        format,
        || {
            json!({
                "links": [
                    link(l.url("/collections", "json"), "self", "application/json", "Collections"),
                    link(l.url("/collections", "html"), "alternate", "text/html", "Lớp dữ liệu / Collections as HTML"),
                ],
                "collections": Collection::ALL.iter().map(|c| c.document(&index, &l)).collect::<Vec<_>>(),
            })
        },
        html::collections_page,
    ))
}

async fn collection(
    State(state): State<AppState>,
    Path(collection_id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let coll = Collection::find(&collection_id)?;
    let params = Params::new(pairs, &[&["f"]])?;
    let format = negotiate(params.get("f"), &headers, DOCS)?;
    let l = Links::new(state.config.public_url.as_deref(), &headers);
    let index = state.index.current();
    Ok(respond(
        &state,
        &uri,
        &headers,
        format,
        || coll.document(&index, &l),
        html::collection_page,
    ))
}

async fn queryables(
    State(state): State<AppState>,
    Path(collection_id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let coll = Collection::find(&collection_id)?;
    let params = Params::new(pairs, &[&["f"]])?;
    negotiate(params.get("f"), &headers, &[Format::Json])?;
    let l = Links::new(state.config.public_url.as_deref(), &headers);
    let mut r = respond(
        &state,
        &uri,
        &headers,
        Format::Json,
        || coll.queryables(&l),
        |_| String::new(),
    );
    if r.status().is_success() {
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/schema+json"),
        );
    }
    Ok(r)
}
