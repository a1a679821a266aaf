//! `/tiles`: the catalogue, TileJSON per tileset and the vector tiles themselves. Thin:
//! parse and validate, call `tiles::TileService`, shape the response with caching
//! headers (ETag from the tile's content version, per tile for institutions; 304, 204
//! for empty tiles).

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::edge::encoding::{PreEncoded, negotiate_coding};
use super::edge::extract::{Path, Query};
use super::edge::links::base_url;
use super::edge::params::vocabulary;
use super::edge::validators::etag_matches;
use crate::api::openapi::suffixed;
use crate::error::{ApiError, ErrorBody};
use crate::index::ServingIndex;
use crate::model::{InstitutionKind, Level, OccupationCode, Ownership};
use crate::tiles::{Coding, InstitutionFilter, TileCoord, TileError, Tileset, tilejson};

/// The catalogue and TileJSON: revalidated by the data version like other reads.
pub fn router() -> OpenApiRouter<AppState> {
    let router = OpenApiRouter::new().routes(routes!(catalogue));
    suffixed(router, routes!(tilejson_handler))
}

/// The tiles themselves: they carry their own validators (the tileset's content
/// version, formatted once per snapshot) and their own content codings, so they stay
/// outside the data-version middleware and the compression layer.
pub fn tile_router() -> OpenApiRouter<AppState> {
    suffixed(OpenApiRouter::new(), routes!(tile))
}

pub const MVT_CONTENT_TYPE: &str = "application/vnd.mapbox-vector-tile";
/// Fresh for five minutes everywhere (browsers and CDNs), then revalidated with the
/// ETag, which costs a 304 when nothing changed.
const TILE_CACHE_CONTROL: &str = "public, max-age=300, stale-while-revalidate=60";

impl From<TileError> for ApiError {
    fn from(e: TileError) -> Self {
        match &e {
            TileError::UnknownTileset(_) => ApiError::NotFound(e.to_string()),
            TileError::ZoomOutOfRange { .. } => ApiError::bad_parameter("z", e.to_string()),
            TileError::OutOfRange { axis, .. } | TileError::NotANumber { axis, .. } => {
                ApiError::bad_parameter(*axis, e.to_string())
            }
            TileError::Format(_) => ApiError::bad_parameter("format", e.to_string()),
            TileError::FilterNotSupported(_) => ApiError::BadRequest {
                parameter: None,
                description: e.to_string(),
            },
            TileError::Basemap(_) | TileError::Encode(_) => ApiError::Internal(e.to_string()),
            TileError::UnknownTileMatrixSet(_)
            | TileError::NoSuchTileMatrix(_)
            | TileError::OutsideLimits { .. } => ApiError::NotFound(e.to_string()),
        }
    }
}

/// The query string of `institutions` tiles. Unknown parameters are refused so that a
/// typo does not silently give unfiltered tiles.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct FilterParams {
    /// `institutions` only: institutions of this kind.
    #[param(value_type = Option<InstitutionKind>)]
    kind: Option<String>,
    /// `institutions` only: institutions of this ownership.
    #[param(value_type = Option<Ownership>)]
    ownership: Option<String>,
    /// `institutions` only: institutions with a programme at this level.
    #[param(value_type = Option<Level>)]
    level: Option<String>,
    /// `institutions` only: institutions teaching this occupation (a catalogue code).
    #[param(value_type = Option<OccupationCode>)]
    occupation: Option<String>,
}

/// `/tiles`: every tileset, as `tiles::tilejson::catalogue` writes it.
#[derive(ToSchema)]
#[allow(dead_code)]
struct Catalogue {
    tilesets: Vec<CatalogueEntry>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
struct CatalogueEntry {
    /// `institutions`, `admin-areas`, `base`, `coverage`, and `basemap` when the server
    /// has a PMTiles base map archive.
    id: String,
    name: String,
    description: String,
    minzoom: u8,
    maxzoom: u8,
    /// The layers' ids.
    layers: Vec<String>,
    /// The TileJSON's URL.
    tilejson: String,
    /// The tiles' URL template.
    tiles: String,
}

/// TileJSON 3.0.0, as `tiles::tilejson` and the coverage tileset write it.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct TileJson {
    /// `3.0.0`.
    tilejson: String,
    name: String,
    description: String,
    version: String,
    attribution: String,
    /// `xyz`.
    scheme: String,
    /// URL templates with `{z}`, `{x}`, `{y}`.
    tiles: Vec<String>,
    minzoom: u8,
    maxzoom: u8,
    /// West, south, east, north (WGS84).
    #[schema(min_items = 4, max_items = 4)]
    bounds: Vec<f64>,
    /// Longitude, latitude, zoom (not in the coverage tileset's).
    #[schema(min_items = 3, max_items = 3)]
    center: Option<Vec<f64>>,
    vector_layers: Vec<VectorLayer>,
    data_version: String,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct VectorLayer {
    id: String,
    description: String,
    minzoom: u8,
    maxzoom: u8,
    /// Attribute name → what it holds.
    fields: std::collections::BTreeMap<String, String>,
}

impl FilterParams {
    fn validate(self, index: &ServingIndex) -> Result<InstitutionFilter, ApiError> {
        let occupation = match self.occupation {
            None => None,
            Some(s) => {
                let code = OccupationCode::parse(&s)
                    .map_err(|e| ApiError::bad_parameter("occupation", e.message))?;
                if index.occupation(&code).is_none() {
                    return Err(ApiError::bad_parameter(
                        "occupation",
                        format!("occupation {s} is not in the catalogue (/api/v1/occupations)"),
                    ));
                }
                Some(code)
            }
        };
        Ok(InstitutionFilter {
            kind: vocabulary::<InstitutionKind>("kind", self.kind.as_deref())?,
            ownership: vocabulary::<Ownership>("ownership", self.ownership.as_deref())?,
            level: vocabulary::<Level>("level", self.level.as_deref())?,
            occupation,
        })
    }
}

/// The tilesets, with links to their TileJSON and tiles
#[utoipa::path(get, path = "/tiles", tag = "tiles",
    responses(
        (status = 200, description = "the tilesets", body = Catalogue),
        (status = 304, description = "not modified: the ETag still matches")))]
async fn catalogue(State(state): State<AppState>, headers: HeaderMap) -> Json<Value> {
    let base = base_url(state.config.public_url.as_deref(), &headers);
    let mut doc = tilejson::catalogue(&base);
    // The coverage tileset lives with its analysis (src/coverage/) and takes the
    // coverage question as its query string; it belongs in the list all the same.
    if let Some(sets) = doc["tilesets"].as_array_mut() {
        sets.push(crate::coverage::tiles::catalogue_entry(&base));
        // The PMTiles base map, when the server has one: the web map looks for it here.
        if let Some(archive) = &state.basemap {
            sets.push(archive.catalogue_entry(&base));
        }
    }
    Json(doc)
}

/// TileJSON 3.0 of a tileset (filters of the institutions tileset in the query)
#[utoipa::path(get, path = "/tiles/{tileset}.json", tag = "tiles",
    params(("tileset" = inline(Tileset), Path, description = "The tileset"), FilterParams),
    responses(
        (status = 200, description = "TileJSON 3.0.0", body = TileJson),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "a bad or unknown filter, or a filter on a tileset other than institutions", body = ErrorBody),
        (status = 404, description = "no such tileset", body = ErrorBody)))]
async fn tilejson_handler(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(params): Query<FilterParams>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let id = name.strip_suffix(".json").ok_or_else(|| {
        ApiError::NotFound(format!("{name:?}: TileJSON is at /tiles/{{tileset}}.json"))
    })?;
    let tileset = Tileset::parse(id).ok_or_else(|| TileError::UnknownTileset(id.to_owned()))?;
    let index = state.index.current();
    let filter = params.validate(&index)?;
    if tileset != Tileset::Institutions && !filter.is_empty() {
        return Err(TileError::FilterNotSupported(tileset.id()).into());
    }
    let base = base_url(state.config.public_url.as_deref(), &headers);
    let service = state.tiles.clone();
    let doc = tokio::task::spawn_blocking(move || {
        let prepared = service.prepared(&index);
        let version = service.version(&prepared, tileset);
        tilejson::tilejson(tileset, &base, &filter.to_string(), &prepared, &version)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("tilejson task: {e}")))?;
    Ok(Json(doc))
}

/// A vector tile (MVT 2.1); 204 when empty
///
/// Served in the content coding `Accept-Encoding` prefers among `br`, `gzip` and
/// `identity` (ties: that order), each compressed once per content version and kept;
/// `Content-Length` is always given. The ETag is the tileset's content version, the same
/// for every coding.
#[utoipa::path(get, path = "/tiles/{tileset}/{z}/{x}/{y}.mvt", tag = "tiles",
    params(
        ("tileset" = inline(Tileset), Path, description = "The tileset"),
        ("z" = u8, Path, description = "Zoom: 0 to 16 for institutions, 0 to 14 for the others", maximum = 16),
        ("x" = u32, Path, description = "Column, 0 to 2^z - 1"),
        ("y" = u32, Path, description = "Row, 0 to 2^z - 1"),
        FilterParams),
    responses(
        (status = 200, description = "the tile", body = Vec<u8>, content_type = "application/vnd.mapbox-vector-tile"),
        (status = 204, description = "an empty tile"),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "z, x or y out of range or not a number, a bad filter", body = ErrorBody),
        (status = 404, description = "no such tileset", body = ErrorBody),
        (status = 406, description = "Accept-Encoding refuses every coding offered (br, gzip, identity)", body = ErrorBody)))]
async fn tile(
    State(state): State<AppState>,
    Path((tileset, z, x, file)): Path<(String, String, String, String)>,
    Query(params): Query<FilterParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let tileset = Tileset::parse(&tileset).ok_or(TileError::UnknownTileset(tileset))?;
    let coord = TileCoord::parse_path(&z, &x, &file, tileset.zooms())?;
    let filter = params.validate(&state.index.current())?;
    tile_response(&state, tileset, coord, filter, &headers).await
}

/// One tile as `/tiles` and OGC API – Tiles answer it: the tile's content version as
/// a weak ETag (304 when it matches `If-None-Match`), 204 for an empty tile, MVT bytes
/// otherwise, cacheable for five minutes.
pub(super) async fn tile_response(
    state: &AppState,
    tileset: Tileset,
    coord: TileCoord,
    filter: InstitutionFilter,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let index = state.index.current();
    if tileset != Tileset::Institutions && !filter.is_empty() {
        return Err(TileError::FilterNotSupported(tileset.id()).into());
    }
    let coding = negotiate_coding(headers, OFFERED_CODINGS)
        .and_then(|name| Coding::ALL.into_iter().find(|c| c.as_str() == name))
        .ok_or_else(|| {
            ApiError::NotAcceptable(
                "Accept-Encoding refuses br, gzip and identity; tiles come in these".into(),
            )
        })?;
    let service = state.tiles.clone();
    // Cached tiles are answered on this worker: a lookup and a reference count, and so
    // are sparse tiles not yet made (`cheap_to_make`). Only a new snapshot or a larger
    // tile (or coding) not yet made goes to a blocking thread.
    let snapshot = match service.ready(&index) {
        Some(s) => s,
        None => {
            let service = service.clone();
            tokio::task::spawn_blocking(move || service.snapshot(&index))
                .await
                .map_err(|e| ApiError::Internal(format!("tile task: {e}")))?
        }
    };
    let etag = HeaderValue::from_maybe_shared(snapshot.etag(tileset, coord, &filter))
        .map_err(|e| ApiError::Internal(format!("tile etag: {e}")))?;
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|h| etag_matches(h, etag.to_str().unwrap_or_default()));
    if fresh {
        return Ok(tile_answer(StatusCode::NOT_MODIFIED, etag, None));
    }
    let bytes = match service.cached(&snapshot, tileset, coord, &filter, coding) {
        Some(b) => b,
        None if service.cheap_to_make(&snapshot, tileset, coord) => {
            service.encoded(&snapshot, tileset, coord, &filter, coding)?
        }
        None => tokio::task::spawn_blocking(move || {
            service.encoded(&snapshot, tileset, coord, &filter, coding)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("tile task: {e}")))??,
    };
    Ok(match bytes {
        None => tile_answer(StatusCode::NO_CONTENT, etag, None),
        Some(b) => tile_answer(StatusCode::OK, etag, Some((b, coding))),
    })
}

/// Headers a tile answer ends with: its own five and the edge layers' (six security
/// headers, the request id, CORS's two).
const TILE_ANSWER_HEADERS: usize = 14;

/// What the tile route offers, best compression first.
const OFFERED_CODINGS: &[&str] = &["br", "gzip", "identity"];

/// A tile answer: the body (with its coding) if any, its validators and caching
/// headers; marked so the compression layer leaves it as it is. The body's length is
/// known, so it goes out with `Content-Length`.
fn tile_answer(status: StatusCode, etag: HeaderValue, body: Option<(Bytes, Coding)>) -> Response {
    let mut response = match body {
        Some((bytes, coding)) => {
            let mut r = Response::new(Body::from(bytes));
            let h = r.headers_mut();
            // Room for these and the edge's (security headers, request id, CORS) at
            // once: grown a few headers at a time, the map was rebuilt on every answer.
            h.reserve(TILE_ANSWER_HEADERS);
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(MVT_CONTENT_TYPE),
            );
            if coding != Coding::Identity {
                h.insert(
                    header::CONTENT_ENCODING,
                    HeaderValue::from_static(coding.as_str()),
                );
            }
            r
        }
        None => {
            let mut r = Response::new(Body::empty());
            r.headers_mut().reserve(TILE_ANSWER_HEADERS);
            r
        }
    };
    *response.status_mut() = status;
    response.extensions_mut().insert(PreEncoded);
    let h = response.headers_mut();
    h.insert(header::ETAG, etag);
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(TILE_CACHE_CONTROL),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}
