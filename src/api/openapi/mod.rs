//! `/api`: the OpenAPI 3.0 document of the whole service, derived from the handlers.
//!
//! Every resource module builds its routes as a `utoipa_axum::router::OpenApiRouter` with
//! `routes!(handler)`: the route's path and method come from the handler's own
//! `#[utoipa::path]` (its parameters, bodies, statuses and media types), so a route
//! cannot be served undocumented and a documented path is the path the router matches.
//! Parameters are derived from the structs the handlers deserialise (`IntoParams`),
//! bodies and answers from their types (`ToSchema`), the closed vocabularies from the
//! model's enums. [`document`] then adds what the edge does to every request (its
//! statuses, in one place: [`edge_responses`]), the error body, the security schemes
//! and the servers, and converts the result to OpenAPI 3.0.
//!
//! Why utoipa 6 and a conversion: utoipa is the maintained crate that derives a
//! document from axum handlers, and `utoipa-axum` is what ties routes to their
//! documentation; both write OpenAPI 3.1 only since utoipa 5. utoipa 4 wrote 3.0 but
//! has no `utoipa-axum` (routes and documentation would be two lists again, the drift
//! this replaced). OGC API – Features' `oas30` class needs 3.0, so [`v30`] rewrites the
//! few 3.1 spellings utoipa uses into their 3.0 equivalents; the test suite validates
//! the served document against the official OAS 3.0 JSON Schema.
//!
//! Paths whose last segment is a parameter with a suffix (`{y}.mvt`, `{tileset}.json`)
//! are valid OpenAPI but not matchable by axum 0.8's router; [`suffixed`] registers
//! them with the whole segment as the parameter, documented as written.

mod common;
pub mod v30;

use std::sync::Arc;

use axum::Extension;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use super::AppState;
use super::edge::extract::Query;
use super::edge::negotiate::{Format, negotiate};
use crate::error::{ApiError, ErrorBody};

/// The media type `/api` answers JSON with (OGC API – Features, `oas30`).
pub const MEDIA_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "vetmap",
        description = "Bản đồ số mạng lưới giáo dục nghề nghiệp / The digital map of a province's \
                       vocational education network. OGC API – Features conformance: see /conformance."
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "service", description = "Liveness, readiness, metrics"),
        (name = "features", description = "OGC API – Features: landing page, conformance, collections, items"),
        (name = "finder", description = "Finding a training centre: nearby, search, locate, the catalogue"),
        (name = "institutions", description = "Institution profiles and pages"),
        (name = "tiles", description = "Vector tiles (MVT 2.1) and TileJSON 3.0"),
        (name = "coverage", description = "Coverage analyses"),
        (name = "indicators", description = "The Plan's indicators and the periodic report"),
        (name = "credentials", description = "Credential verification, statements, status lists, officials' credential writes"),
        (name = "officials", description = "Sign-in, accounts, tokens, edits, history, audit, reports"),
        (name = "web", description = "The web map's pages"),
    )
)]
struct Base;

/// The router every resource module adds its documented routes to.
pub fn base() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Base::openapi())
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api))
}

/// Registers documented routes whose path has a segment `{name}.suffix`: axum (matchit
/// 0.8) matches a parameter only as a whole segment, so the router gets `{name}` there
/// (the handler strips and checks the suffix) and the document keeps the path as
/// written.
pub fn suffixed<S: Clone + Send + Sync + 'static>(
    mut router: OpenApiRouter<S>,
    (schemas, paths, method_router): UtoipaMethodRouter<S>,
) -> OpenApiRouter<S> {
    for (path, item) in paths.paths {
        let routed = axum_path(&path);
        router = router.route(&routed, method_router.clone());
        let doc = router.get_openapi_mut();
        doc.components
            .get_or_insert_with(Default::default)
            .schemas
            .extend(schemas.clone());
        match doc.paths.paths.get_mut(&path) {
            Some(existing) => existing.merge_operations(item),
            None => {
                doc.paths.paths.insert(path, item);
            }
        }
    }
    router
}

/// `/tiles/{z}/{x}/{y}.mvt` → `/tiles/{z}/{x}/{y}`: the router's form of a path.
fn axum_path(path: &str) -> String {
    path.split('/')
        .map(|segment| match segment.strip_prefix('{') {
            Some(rest) if !segment.ends_with('}') => match rest.split_once('}') {
                Some((name, _suffix)) => format!("{{{name}}}"),
                None => segment.to_owned(),
            },
            _ => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The served document, made once when the router is built.
pub struct ApiDocument {
    json: String,
    html: String,
}

impl ApiDocument {
    pub fn new(doc: &Value) -> Self {
        Self {
            json: doc.to_string(),
            html: format!(
                "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>API</title></head>\
                 <body><h1>Tài liệu API / API (OpenAPI 3.0)</h1><p><a href=\"/api?f=json\">JSON</a></p><pre>{}</pre></body></html>",
                html_escape::encode_text(&serde_json::to_string_pretty(doc).unwrap_or_default())
            ),
        }
    }
}

/// The document of what `openapi` documents: the edge's statuses added, the shared
/// components, `servers` from the public URL ("/" when there is none: relative), and
/// OpenAPI 3.0.
pub fn document(openapi: &utoipa::openapi::OpenApi, public_url: Option<&str>) -> Value {
    let mut doc = serde_json::to_value(openapi).unwrap_or_else(|_| json!({}));
    doc["info"]["version"] = json!(env!("CARGO_PKG_VERSION"));
    doc["info"].as_object_mut().map(|i| i.remove("license"));
    doc["info"].as_object_mut().map(|i| i.remove("contact"));
    doc["servers"] = json!([{"url": public_url.filter(|u| !u.is_empty()).unwrap_or("/")}]);
    common::add_components(&mut doc);
    edge_responses(&mut doc);
    v30::downgrade(&mut doc);
    doc
}

/// What the edge layers (`edge::layers`) may answer to any request, whatever its
/// handler: 500 (our error), 503 (not loaded yet, request timeout, or a handler's own
/// 503s), and for operations with a body 408 (the body paused too long) and 413 (over
/// `VETMAP_MAX_BODY_BYTES`). An operation that documents one of these itself keeps its
/// own words.
fn edge_responses(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for op in item.values_mut() {
            let has_body = op.get("requestBody").is_some();
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            let mut add = |status: &str, name: &str| {
                responses
                    .entry(status)
                    .or_insert_with(|| json!({"$ref": format!("#/components/responses/{name}")}));
            };
            add("500", "ServerError");
            add("503", "Unavailable");
            if has_body {
                add("408", "RequestTimeout");
                add("413", "PayloadTooLarge");
            }
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FormatParam {
    /// Format; overrides `Accept`.
    #[param(value_type = Option<String>, pattern = "^(json|html)$")]
    f: Option<String>,
}

/// This OpenAPI 3.0 document
///
/// JSON (`application/vnd.oai.openapi+json;version=3.0`) for `f=json` or an `Accept`
/// that takes JSON; an HTML page showing it for `f=html` or browsers.
#[utoipa::path(get, path = "/api", tag = "features", params(FormatParam),
    responses(
        (status = 200, description = "the API definition", content(
            (Object = "application/vnd.oai.openapi+json;version=3.0"),
            (String = "text/html"))),
        (status = 400, description = "an unknown parameter", body = ErrorBody),
        (status = 406, description = "a format (f= or Accept) other than JSON or HTML", body = ErrorBody),
    ))]
async fn api(
    Extension(doc): Extension<Arc<ApiDocument>>,
    headers: HeaderMap,
    Query(q): Query<FormatParam>,
) -> Result<Response, ApiError> {
    let format = negotiate(q.f.as_deref(), &headers, &[Format::Json, Format::Html])?;
    Ok(match format {
        Format::Html => Html(doc.html.clone()).into_response(),
        _ => ([(header::CONTENT_TYPE, MEDIA_TYPE)], doc.json.clone()).into_response(),
    })
}

#[cfg(test)]
mod tests {
    use super::axum_path;

    #[test]
    fn a_suffixed_parameter_is_routed_as_the_whole_segment() {
        assert_eq!(
            axum_path("/tiles/{tileset}/{z}/{x}/{y}.mvt"),
            "/tiles/{tileset}/{z}/{x}/{y}"
        );
        assert_eq!(axum_path("/tiles/{tileset}.json"), "/tiles/{tileset}");
        assert_eq!(
            axum_path("/api/v1/institutions/{id}"),
            "/api/v1/institutions/{id}"
        );
    }
}
