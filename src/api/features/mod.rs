//! OGC API – Features (Part 1 Core, GeoJSON, HTML, OpenAPI 3.0; Part 3 filtering with
//! CQL2) for the `institutions` and `admin-areas` collections.
//!
//! `/` is shared with the web map: JSON clients (and `?f=json`) get the landing
//! document, `?f=html` the HTML landing page, and browsers asking for HTML without `f=`
//! the web map (`web/index.html`).

mod collections;
mod doc;
pub mod geojson;
mod html;
mod items;
mod params;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};
use tower::ServiceExt;
use tower_http::services::ServeFile;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::collections::Collection;
use self::params::Params;
use super::AppState;
use super::edge::extract::{Path, Query};
use super::edge::links::{Links, link};
use super::edge::negotiate::{Format, negotiate, prefers_html};
use super::edge::validators::Validators;
use crate::error::{ApiError, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(landing))
        .routes(routes!(conformance))
        .routes(routes!(collections_list))
        .routes(routes!(collection))
        .routes(routes!(queryables))
        .routes(routes!(items::items))
        .routes(routes!(items::item))
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

/// Landing page (browsers without f= get the web map)
///
/// JSON for `application/json` or `f=json`; the HTML landing page for `f=html`; the web
/// map (`web/index.html`) for browsers asking for `text/html` without `f=`.
#[utoipa::path(get, path = "/", tag = "features", params(doc::FormatOnly),
    responses(
        (status = 200, description = "the landing document, its HTML page, or the web map", content(
            (doc::Landing = "application/json"), (String = "text/html"))),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 406, description = "a format (f= or Accept) other than JSON or HTML", body = ErrorBody)))]
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
            link(l.url("/base/tiles", ""), crate::tiles::ogc::REL_TILESETS_VECTOR, "application/json", "Bản đồ nền, ô vector / The base map's vector tiles (OGC API – Tiles)"),
            link(l.url("/tileMatrixSets", ""), crate::tiles::ogc::REL_TILING_SCHEMES, "application/json", "Lưới ô / Tile matrix sets"),
            link(l.url("/", ""), "alternate", "text/html", "Bản đồ / Web map"),
        ],
    })
}

/// Conformance classes implemented
#[utoipa::path(get, path = "/conformance", tag = "features", params(doc::FormatOnly),
    responses(
        (status = 200, description = "the conformance classes", content(
            (doc::Conformance = "application/json"), (String = "text/html"))),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "an unknown or repeated parameter", body = ErrorBody),
        (status = 406, description = "a format (f= or Accept) other than JSON or HTML", body = ErrorBody)))]
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
        || {
            let classes: Vec<&str> = CONFORMANCE
                .iter()
                .chain(super::ogc_tiles::CONFORMANCE)
                .copied()
                .collect();
            json!({"conformsTo": classes})
        },
        html::conformance_page,
    ))
}

/// The collections
#[utoipa::path(get, path = "/collections", tag = "features", params(doc::FormatOnly),
    responses(
        (status = 200, description = "the collections", content(
            (doc::Collections = "application/json"), (String = "text/html"))),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "an unknown or repeated parameter", body = ErrorBody),
        (status = 406, description = "a format (f= or Accept) other than JSON or HTML", body = ErrorBody)))]
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

/// One collection's metadata
#[utoipa::path(get, path = "/collections/{collectionId}", tag = "features",
    params(("collectionId" = String, Path, description = "`institutions` or `admin-areas`", pattern = "^(institutions|admin-areas)$"), doc::FormatOnly),
    responses(
        (status = 200, description = "the collection", content(
            (doc::CollectionDocument = "application/json"), (String = "text/html"))),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "an unknown or repeated parameter", body = ErrorBody),
        (status = 404, description = "no such collection", body = ErrorBody),
        (status = 406, description = "a format (f= or Accept) other than JSON or HTML", body = ErrorBody)))]
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

/// The properties a CQL2 filter, sortby or properties= can name
#[utoipa::path(get, path = "/collections/{collectionId}/queryables", tag = "features",
    params(("collectionId" = String, Path, description = "`institutions` or `admin-areas`", pattern = "^(institutions|admin-areas)$"), doc::FormatOnly),
    responses(
        (status = 200, description = "a JSON Schema of the queryables", body = Object,
            content_type = "application/schema+json"),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "an unknown or repeated parameter", body = ErrorBody),
        (status = 404, description = "no such collection", body = ErrorBody),
        (status = 406, description = "a format other than JSON", body = ErrorBody)))]
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
