//! `/api`: the OpenAPI 3.0 document of the whole service, built in code as plain JSON.
//! One function per resource group; a module that adds endpoints adds its function here
//! (and to [`document`]'s list), so the document always says what the router serves.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::AppState;
use super::edge::extract::Query;
use super::edge::negotiate::{Format, negotiate};
use super::features::{CONFORMANCE, CRS84, DEFAULT_LIMIT, MAX_LIMIT};
use crate::error::ApiError;
use crate::model::{AdminLevel, InstitutionKind, Level, Ownership};

pub fn router() -> Router<AppState> {
    Router::new().route("/api", get(api))
}

async fn api(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, ApiError> {
    if let Some(name) = q.keys().find(|k| k.as_str() != "f") {
        return Err(ApiError::bad_parameter(
            name.clone(),
            format!("unknown parameter {name:?}; /api takes only f"),
        ));
    }
    let format = negotiate(
        q.get("f").map(String::as_str),
        &headers,
        &[Format::Json, Format::Html],
    )?;
    let server = state.config.public_url.clone().unwrap_or_default();
    let doc = document(&server);
    Ok(match format {
        Format::Html => Html(format!(
            "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>API</title></head>\
             <body><h1>Tài liệu API / API (OpenAPI 3.0)</h1><p><a href=\"/api?f=json\">JSON</a></p><pre>{}</pre></body></html>",
            html_escape::encode_text(&serde_json::to_string_pretty(&doc).unwrap_or_default())
        ))
        .into_response(),
        _ => (
            [(header::CONTENT_TYPE, "application/vnd.oai.openapi+json;version=3.0")],
            doc.to_string(),
        )
            .into_response(),
    })
}

/// The whole document. `server` is the public base URL ("" for relative).
pub fn document(server: &str) -> Value {
    let mut paths = Map::new();
    for group in [
        service_paths(),
        features_paths(),
        finder_paths(),
        super::credentials::openapi_paths(),
        coverage_paths(),
        super::progress::openapi_paths(),
        super::officials::province_reports::openapi_paths(),
    ] {
        paths.extend(group);
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "vetmap",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Bản đồ số mạng lưới giáo dục nghề nghiệp / The digital map of a province's \
                            vocational education network. OGC API – Features conformance: see /conformance.",
        },
        "servers": [{"url": if server.is_empty() { "/" } else { server }}],
        "paths": paths,
        "components": components(),
    })
}

fn err(status: &str) -> Value {
    json!({"$ref": format!("#/components/responses/{status}")})
}

fn param(name: &str) -> Value {
    json!({"$ref": format!("#/components/parameters/{name}")})
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema, "style": "form", "explode": false})
}

fn enum_list(allowed: &str) -> Value {
    json!({"type": "array", "items": {"type": "string", "enum": allowed.split_whitespace().collect::<Vec<_>>()}})
}

fn ok(description: &str, content: Value) -> Value {
    json!({"description": description, "content": content})
}

/// `/health`, `/ready`, `/api/v1/institutions`.
fn service_paths() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("/health".into(), json!({"get": {
        "summary": "Liveness: the process answers", "operationId": "health", "tags": ["service"],
        "responses": {"200": ok("alive", json!({"application/json": {"schema": {"type": "object"}}}))}}}));
    m.insert("/ready".into(), json!({"get": {
        "summary": "Readiness: the serving index is loaded (and the database answers)", "operationId": "ready", "tags": ["service"],
        "responses": {"200": ok("ready, with data version and counts", json!({"application/json": {"schema": {"type": "object"}}})),
                      "503": err("503")}}}));
    m.insert("/api/v1/institutions".into(), json!({"get": {
        "summary": "The whole network as a plain JSON list", "operationId": "listInstitutions", "tags": ["institutions"],
        "responses": {"200": ok("all institutions", json!({"application/json": {"schema": {"type": "object"}}}))}}}));
    m
}

/// OGC API – Features: landing, conformance, api, collections, items.
fn features_paths() -> Map<String, Value> {
    let doc = |summary: &str, id: &str| {
        json!({"get": {
        "summary": summary, "operationId": id, "tags": ["features"],
        "parameters": [param("f")],
        "responses": {"200": ok(summary, json!({"application/json": {"schema": {"type": "object"}}, "text/html": {"schema": {"type": "string"}}})),
                      "304": err("304"), "400": err("400"), "406": err("406"), "500": err("500")}}})
    };
    let mut m = Map::new();
    let mut landing = doc(
        "Landing page (browsers without f= get the web map)",
        "getLandingPage",
    );
    landing["get"]["description"] = json!(
        "JSON for application/json or f=json; the HTML landing page for f=html; the web map (web/index.html) for browsers asking for text/html without f=."
    );
    m.insert("/".into(), landing);
    m.insert(
        "/conformance".into(),
        doc("Conformance classes implemented", "getConformance"),
    );
    m.insert("/api".into(), json!({"get": {
        "summary": "This OpenAPI 3.0 document", "operationId": "getApi", "tags": ["features"],
        "parameters": [param("f")],
        "responses": {"200": ok("the API definition", json!({"application/vnd.oai.openapi+json;version=3.0": {"schema": {"type": "object"}}, "text/html": {"schema": {"type": "string"}}})),
                      "400": err("400"), "406": err("406")}}}));
    m.insert(
        "/collections".into(),
        doc("The collections", "getCollections"),
    );
    let mut one = doc("One collection's metadata", "describeCollection");
    one["get"]["parameters"] = json!([param("collectionId"), param("f")]);
    one["get"]["responses"]["404"] = err("404");
    m.insert("/collections/{collectionId}".into(), one);
    m.insert("/collections/{collectionId}/queryables".into(), json!({"get": {
        "summary": "The properties a CQL2 filter, sortby or properties= can name", "operationId": "getQueryables", "tags": ["features"],
        "parameters": [param("collectionId"), param("f")],
        "responses": {"200": ok("JSON Schema", json!({"application/schema+json": {"schema": {"type": "object"}}})),
                      "304": err("304"), "400": err("400"), "404": err("404"), "406": err("406")}}}));
    for (coll, extra) in [
        ("institutions", institution_params()),
        ("admin-areas", area_params()),
    ] {
        let mut params: Vec<Value> = [
            "f",
            "bbox",
            "bbox-crs",
            "crs",
            "limit",
            "offset",
            "datetime",
            "properties",
            "sortby",
            "q",
            "filter",
            "filter-lang",
            "filter-crs",
        ]
        .iter()
        .map(|p| param(p))
        .collect();
        params.extend(extra);
        m.insert(format!("/collections/{coll}/items"), json!({"get": {
            "summary": format!("Features of {coll}"), "operationId": format!("getFeatures-{coll}"), "tags": ["features"],
            "description": "Paged by offset over a stable order (id, or sortby then id): next/prev links list every feature once while the data version (ETag) is unchanged. Unknown or repeated parameters are refused (400).",
            "parameters": params,
            "responses": {"200": ok("a page of features", json!({"application/geo+json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}, "text/html": {"schema": {"type": "string"}}})),
                          "304": err("304"), "400": err("400"), "404": err("404"), "406": err("406"), "500": err("500")}}}));
        m.insert(format!("/collections/{coll}/items/{{featureId}}"), json!({"get": {
            "summary": format!("One feature of {coll}"), "operationId": format!("getFeature-{coll}"), "tags": ["features"],
            "parameters": [param("featureId"), param("f")],
            "responses": {"200": ok("the feature", json!({"application/geo+json": {"schema": {"$ref": "#/components/schemas/Feature"}}, "text/html": {"schema": {"type": "string"}}})),
                          "304": err("304"), "400": err("400"), "404": err("404"), "406": err("406")}}}));
    }
    m
}

fn institution_params() -> Vec<Value> {
    let flag = |n: &str| {
        query(
            n,
            &format!("{n} is true / false (unknown matches neither)"),
            json!({"type": "boolean"}),
        )
    };
    vec![
        query(
            "kind",
            "Kinds, comma-separated (any of)",
            enum_list(InstitutionKind::ALLOWED),
        ),
        query(
            "ownership",
            "Ownerships, comma-separated (any of)",
            enum_list(Ownership::ALLOWED),
        ),
        query(
            "district",
            "Pre-2025 district GSO code (3 digits)",
            json!({"type": "string", "pattern": "^[0-9]{3}$"}),
        ),
        query(
            "commune",
            "2025 commune GSO code (5 digits)",
            json!({"type": "string", "pattern": "^[0-9]{5}$"}),
        ),
        query(
            "commune_pre2025",
            "Pre-2025 commune GSO code (5 digits)",
            json!({"type": "string", "pattern": "^[0-9]{5}$"}),
        ),
        query(
            "occupation",
            "Has a programme in this occupation (7-digit catalogue code)",
            json!({"type": "string", "pattern": "^[0-9]{7}$"}),
        ),
        query(
            "level",
            "Has a programme at one of these levels (with occupation: that occupation at that level)",
            enum_list(Level::ALLOWED),
        ),
        flag("digital_infrastructure"),
        flag("connected_national_platform"),
        flag("digitised_learning_records"),
        flag("digitised_diplomas"),
        flag("high_quality_school"),
        flag("digital_school"),
    ]
}

fn area_params() -> Vec<Value> {
    vec![
        query(
            "scheme",
            "Coding: pre2025 (three tiers, until 30 June 2025) or 2025 (two tiers)",
            json!({"type": "string", "enum": ["pre2025", "2025"]}),
        ),
        query(
            "level",
            "Levels, comma-separated",
            enum_list(AdminLevel::ALLOWED),
        ),
        query(
            "parent",
            "Parent unit's code (same scheme)",
            json!({"type": "string"}),
        ),
    ]
}

fn components() -> Value {
    let exception =
        json!({"application/json": {"schema": {"$ref": "#/components/schemas/exception"}}});
    json!({
        "parameters": {
            "f": {"name": "f", "in": "query", "required": false, "description": "Format; overrides Accept", "schema": {"type": "string", "enum": ["json", "html"]}},
            "collectionId": {"name": "collectionId", "in": "path", "required": true, "schema": {"type": "string", "enum": ["institutions", "admin-areas"]}},
            "featureId": {"name": "featureId", "in": "path", "required": true, "description": "Institution id (slug) or area {scheme}-{code}", "schema": {"type": "string"}},
            "bbox": {"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
                     "description": "minLon,minLat,maxLon,maxLat in CRS84; edges included; an inverted or out-of-range box is a 400",
                     "schema": {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}}},
            "bbox-crs": {"name": "bbox-crs", "in": "query", "required": false, "schema": {"type": "string", "enum": [CRS84]}},
            "crs": {"name": "crs", "in": "query", "required": false, "schema": {"type": "string", "enum": [CRS84]}},
            "limit": {"name": "limit", "in": "query", "required": false, "style": "form", "explode": false,
                      "description": format!("Features per page (default {DEFAULT_LIMIT}; more than {MAX_LIMIT} is served as {MAX_LIMIT})"),
                      "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
            "offset": {"name": "offset", "in": "query", "required": false, "description": "Features to skip (the next link sets it)", "schema": {"type": "integer", "minimum": 0, "default": 0}},
            "datetime": {"name": "datetime", "in": "query", "required": false, "description": "Instant or interval (a/b, ../b, a/..): institutions by updated_at, areas by validity", "schema": {"type": "string"}},
            "properties": {"name": "properties", "in": "query", "required": false, "style": "form", "explode": false, "description": "Properties to include", "schema": {"type": "array", "items": {"type": "string"}}},
            "sortby": {"name": "sortby", "in": "query", "required": false, "style": "form", "explode": false, "description": "Queryables to sort by, - for descending (ties by id); each once", "schema": {"type": "array", "items": {"type": "string"}, "maxItems": 8}},
            "q": {"name": "q", "in": "query", "required": false, "description": "Free text; every word must occur; Vietnamese diacritics ignored", "schema": {"type": "string", "maxLength": 200}},
            "filter": {"name": "filter", "in": "query", "required": false, "description": "CQL2 filter (see /conformance and /collections/{id}/queryables); at most 8 KiB, 32 levels of nesting, 256 operators, IN lists of 1000 values, LIKE patterns of 256 characters, geometries of 1000 positions", "schema": {"type": "string"}},
            "filter-lang": {"name": "filter-lang", "in": "query", "required": false, "schema": {"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"}},
            "filter-crs": {"name": "filter-crs", "in": "query", "required": false, "schema": {"type": "string", "enum": [CRS84]}},
        },
        "responses": {
            "304": {"description": "Not modified: the ETag / Last-Modified still match"},
            "400": {"description": "Bad request: the body names the parameter and says why", "content": exception},
            "404": {"description": "No such collection or feature", "content": exception},
            "406": {"description": "A format (f= or Accept) this resource does not serve", "content": exception},
            "500": {"description": "Our error; quote the x-request-id header", "content": exception},
            "503": {"description": "Not ready, or needs a database", "content": exception},
        },
        "schemas": {
            "exception": {"type": "object", "required": ["code"], "properties": {
                "code": {"type": "string"}, "description": {"type": "string"}, "parameter": {"type": "string"}}},
            "Feature": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
                "type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "string"},
                "geometry": {"type": "object", "nullable": true}, "properties": {"type": "object", "nullable": true},
                "links": {"type": "array", "items": {"type": "object"}}}},
            "FeatureCollection": {"type": "object", "required": ["type", "features"], "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}},
                "links": {"type": "array", "items": {"type": "object"}},
                "timeStamp": {"type": "string", "format": "date-time"},
                "numberMatched": {"type": "integer", "minimum": 0}, "numberReturned": {"type": "integer", "minimum": 0}}},
        },
        "securitySchemes": super::credentials::openapi_security_schemes(),
        "x-conformance": CONFORMANCE,
    })
}

/// Finding a training centre: nearby, search, locate, profiles, the catalogue, pages.
fn finder_paths() -> Map<String, Value> {
    let json_ok = |d: &str| {
        ok(
            d,
            json!({"application/json": {"schema": {"type": "object"}}}),
        )
    };
    let required = |name: &str, description: &str, schema: Value| json!({"name": name, "in": "query", "required": true, "description": description, "schema": schema});
    let lon = |req: bool| {
        json!({"name": "lon", "in": "query", "required": req, "description": "Longitude, WGS84, -180 to 180",
               "schema": {"type": "number", "minimum": -180, "maximum": 180}})
    };
    let lat = |req: bool| {
        json!({"name": "lat", "in": "query", "required": req, "description": "Latitude, WGS84, -90 to 90",
               "schema": {"type": "number", "minimum": -90, "maximum": 90}})
    };
    let limit = |default: u32, max: u32| {
        query(
            "limit",
            "How many results",
            json!({"type": "integer", "minimum": 1, "maximum": max, "default": default}),
        )
    };
    let one_of = |allowed: &str| json!({"type": "string", "enum": allowed.split_whitespace().collect::<Vec<_>>()});
    let id = json!({"name": "id", "in": "path", "required": true, "description": "Institution id (slug)", "schema": {"type": "string"}});
    let mut m = Map::new();
    m.insert("/api/v1/nearby".into(), json!({"get": {
        "summary": "Institutions nearest a point by geodesic distance, filtered", "operationId": "nearby", "tags": ["finder"],
        "parameters": [lon(true), lat(true), limit(10, 100),
            query("radius_km", "Only institutions within this many kilometres", json!({"type": "number", "exclusiveMinimum": 0})),
            query("occupation", "A 7-digit catalogue code, or an occupation or programme name (diacritics ignored)", json!({"type": "string"})),
            query("level", "Programme level", one_of(Level::ALLOWED)),
            query("kind", "Institution kind", one_of(InstitutionKind::ALLOWED)),
            query("ownership", "Ownership", one_of(Ownership::ALLOWED))],
        "responses": {"200": json_ok("results nearest first, each with distance_m, matched_programmes and links"), "400": err("400")}}}));
    let search_params = |default: u32, max: u32| {
        json!([
            required(
                "q",
                "Text: names, occupation names or codes, addresses; diacritics and small typos ignored",
                json!({"type": "string", "maxLength": 200})
            ),
            lon(false),
            lat(false),
            limit(default, max)
        ])
    };
    m.insert("/api/v1/search".into(), json!({"get": {
        "summary": "Institutions and occupations by text, ranked; lon/lat prefer nearby results", "operationId": "search", "tags": ["finder"],
        "parameters": search_params(10, 50),
        "responses": {"200": json_ok("ranked results of type institution or occupation"), "400": err("400")}}}));
    m.insert("/api/v1/search/autocomplete".into(), json!({"get": {
        "summary": "Search as you type: the last word is completed; short results", "operationId": "autocomplete", "tags": ["finder"],
        "parameters": search_params(5, 10),
        "responses": {"200": json_ok("ranked results, short form"), "400": err("400")}}}));
    m.insert("/api/v1/locate".into(), json!({"get": {
        "summary": "The administrative areas (pre-2025 and 2025) containing a point", "operationId": "locate", "tags": ["finder"],
        "parameters": [lon(true), lat(true)],
        "responses": {"200": json_ok("inside (bool) and the areas"), "400": err("400")}}}));
    m.insert("/api/v1/institutions/{id}".into(), json!({"get": {
        "summary": "An institution's full profile", "operationId": "institutionProfile", "tags": ["institutions"],
        "parameters": [id.clone()],
        "responses": {"200": json_ok("every stored field, programmes by level, area names of both codings, links"), "400": err("400"), "404": err("404")}}}));
    m.insert("/api/v1/occupations".into(), json!({"get": {
        "summary": "The occupation catalogue with how many institutions teach each occupation at each level", "operationId": "occupations", "tags": ["finder"],
        "responses": {"200": json_ok("the catalogue")}}}));
    m.insert("/institutions/{id}".into(), json!({"get": {
        "summary": "An institution's page: HTML with schema.org JSON-LD and Open Graph", "operationId": "institutionPage", "tags": ["institutions"],
        "parameters": [id, query("lang", "Page language (Vietnamese by default)", json!({"type": "string", "enum": ["vi", "en"]}))],
        "responses": {"200": ok("the page", json!({"text/html": {"schema": {"type": "string"}}})), "400": err("400"), "404": err("404")}}}));
    m
}

/// Coverage, indicators and the periodic report (issue 9).
fn coverage_paths() -> Map<String, Value> {
    let question = || {
        json!([
            query(
                "occupation",
                "7-digit national catalogue code",
                json!({"type": "string", "pattern": "^[0-9]{7}$"})
            ),
            query(
                "level",
                "programme level",
                json!({"type": "string", "enum": ["college", "intermediate", "elementary", "short_course"]})
            ),
            query(
                "radius_km",
                "radius, 0.5 to 200 km (default 10)",
                json!({"type": "number", "minimum": 0.5, "maximum": 200})
            ),
            query(
                "cell_km",
                "grid cell width, 0.25 to 50 km (default 2)",
                json!({"type": "number", "minimum": 0.25, "maximum": 50})
            ),
            query(
                "scheme",
                "administrative scheme (default pre2025)",
                json!({"type": "string", "enum": ["pre2025", "2025"]})
            ),
            query(
                "area_level",
                "areas to report on (default district, or commune for 2025)",
                json!({"type": "string", "enum": ["province", "district", "commune"]})
            ),
        ])
    };
    let with_f = |mut params: Value, formats: &[&str]| {
        if let Value::Array(a) = &mut params {
            a.push(query(
                "f",
                "output format",
                json!({"type": "string", "enum": formats}),
            ));
        }
        params
    };
    let obj = |d: &str| {
        ok(
            d,
            json!({"application/json": {"schema": {"type": "object"}}}),
        )
    };
    let mut m = Map::new();
    m.insert("/api/v1/coverage".into(), json!({"get": {
        "summary": "Coverage per administrative area, worst served first, with caveats", "operationId": "coverage", "tags": ["coverage"],
        "parameters": with_f(question(), &["json", "csv", "geojson"]),
        "responses": {"200": obj("per-area coverage (CSV and GeoJSON with f=)"), "400": err("400")}}}));
    m.insert("/api/v1/coverage/grid".into(), json!({"get": {
        "summary": "Hexagonal grid with the distance to the nearest matching institution", "operationId": "coverageGrid", "tags": ["coverage"],
        "parameters": with_f(question(), &["geojson", "csv"]),
        "responses": {"200": ok("GeoJSON FeatureCollection of cells", json!({"application/geo+json": {"schema": {"type": "object"}}})), "400": err("400")}}}));
    m.insert("/tiles/coverage.json".into(), json!({"get": {
        "summary": "TileJSON 3.0 of the coverage tileset for a question", "operationId": "coverageTileJson", "tags": ["coverage"],
        "parameters": question(), "responses": {"200": obj("TileJSON"), "400": err("400")}}}));
    m.insert("/tiles/coverage/{z}/{x}/{y}.mvt".into(), json!({"get": {
        "summary": "A coverage vector tile (layers coverage_cells, coverage_areas)", "operationId": "coverageTile", "tags": ["coverage"],
        "parameters": question(),
        "responses": {"200": ok("MVT 2.1", json!({"application/vnd.mapbox-vector-tile": {"schema": {"type": "string", "format": "binary"}}})),
                      "204": {"description": "empty tile"}, "400": err("400")}}}));
    m.insert("/api/v1/indicators".into(), json!({"get": {
        "summary": "The Plan's indicators: definitions, values, unknowns, targets, per-area breakdown, caveats", "operationId": "indicators", "tags": ["indicators"],
        "parameters": [
            query("scheme", "breakdown scheme (default pre2025)", json!({"type": "string", "enum": ["pre2025", "2025"]})),
            query("area_level", "breakdown level (default district)", json!({"type": "string", "enum": ["province", "district", "commune"]})),
            query("f", "output format", json!({"type": "string", "enum": ["json", "csv", "geojson"]})),
            query("period", "a reporting year: the indicators from that year's reports (needs the database)", json!({"type": "integer", "minimum": 2000, "maximum": 2100})),
            query("lang", "the language of a CSV's caveats: vi (default) or en", json!({"type": "string", "enum": ["vi", "en"]})),
        ],
        "responses": {"200": obj("indicators"), "400": err("400"), "503": err("503")}}}));
    m.insert("/api/v1/indicators/snapshots".into(), json!({"get": {
        "summary": "Dated indicator snapshots, oldest first (needs the database)", "operationId": "indicatorSnapshots", "tags": ["indicators"],
        "responses": {"200": obj("snapshots and the values now"), "503": err("503")}}}));
    let mut report_params = question();
    if let Value::Array(a) = &mut report_params {
        a.push(query(
            "lang",
            "vi (default) or en",
            json!({"type": "string", "enum": ["vi", "en"]}),
        ));
    }
    m.insert("/reports/periodic".into(), json!({"get": {
        "summary": "The printable periodic report (HTML)", "operationId": "periodicReport", "tags": ["indicators"],
        "parameters": report_params,
        "responses": {"200": ok("HTML", json!({"text/html": {"schema": {"type": "string"}}})), "400": err("400")}}}));
    m
}
