//! OGC API – Tiles (OGC 20-057: Core, TileSet, TileSets List, GeoData TileSets, MVT)
//! over the same tiles `/tiles` serves. Thin: parse, call `tiles::ogc` / `tiles::tms`
//! and `tiles::TileService`, shape the answer.
//!
//! Where things are (the standard discovers them by links, and these are its paths):
//!
//! - `/tileMatrixSets`, `/tileMatrixSets/WebMercatorQuad`: the tile matrix set (2DTMS
//!   2.0 JSON).
//! - `/collections/{collectionId}/tiles[/WebMercatorQuad[/{tileMatrix}/{tileRow}/{tileCol}]]`
//!   for `institutions` and `admin-areas`, linked from each collection
//!   (`rel=…/tilesets-vector`).
//! - The base map is not a feature collection (it has no items), and OGC's dataset
//!   tilesets path `/tiles` is taken by our TileJSON catalogue (`/tiles`,
//!   `/tiles/{tileset}.json`), which the web map and embeds use. So the base map is a
//!   resource of its own, `/base`, with its tilesets at
//!   `/base/tiles[/WebMercatorQuad[/…]]`, linked from the landing page
//!   (`rel=…/tilesets-vector`). We therefore do not claim the "dataset tilesets"
//!   conformance class, whose path is `/tiles`.
//!
//! Documents are revalidated by the data version (`revalidate_by_data_version`); tiles
//! carry their tileset's content version as ETag, exactly as `/tiles` does
//! ([`super::tiles::tile_response`]).

mod doc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::edge::extract::{Path, Query};
use super::edge::links::base_url;
use super::edge::negotiate::{Format, negotiate};
use super::tiles::tile_response;
use crate::error::{ApiError, ErrorBody};
use crate::tiles::ogc::{self, Home};
use crate::tiles::prepared::Prepared;
use crate::tiles::{InstitutionFilter, TileError, Tileset, tilejson, tms};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(tile_matrix_sets))
        .routes(routes!(tile_matrix_set))
        .routes(routes!(collection_tilesets))
        .routes(routes!(collection_tileset))
        .routes(routes!(collection_tile))
        .routes(routes!(base_document))
        .routes(routes!(base_tilesets))
        .routes(routes!(base_tileset))
        .routes(routes!(base_tile))
}

/// The conformance classes of OGC API – Tiles (and the tile matrix set standard) we
/// implement; `/conformance` lists them with those of Features.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/tilesetmetadata",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilesetmetadata",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixsetlimits",
];

/// The collections with tiles, by their OGC API – Features id.
fn tileset_of(id: &str) -> Result<Tileset, ApiError> {
    match id {
        "institutions" => Ok(Tileset::Institutions),
        "admin-areas" => Ok(Tileset::AdminAreas),
        _ => Err(ApiError::NotFound(format!(
            "no collection {:?} with tiles; collections with tiles: institutions, admin-areas",
            id.chars().take(40).collect::<String>()
        ))),
    }
}

fn check_tms(id: &str) -> Result<(), ApiError> {
    if id == tms::WEB_MERCATOR_QUAD {
        Ok(())
    } else {
        Err(TileError::UnknownTileMatrixSet(id.chars().take(40).collect()).into())
    }
}

/// JSON only: `f=json` or none, and an `Accept` JSON can satisfy.
fn json_only(params: &doc::JsonOnly, headers: &HeaderMap) -> Result<(), ApiError> {
    negotiate(params.f.as_deref(), headers, &[Format::Json]).map(|_| ())
}

fn mvt_only(params: &doc::MvtOnly) -> Result<(), ApiError> {
    match params.f.as_deref() {
        None | Some("mvt") => Ok(()),
        Some(other) => Err(ApiError::NotAcceptable(format!(
            "f={:?}: tiles are served as mvt (Mapbox Vector Tile 2.1) only",
            other.chars().take(40).collect::<String>()
        ))),
    }
}

async fn prepared(state: &AppState) -> Result<std::sync::Arc<Prepared>, ApiError> {
    let service = state.tiles.clone();
    let index = state.index.current();
    tokio::task::spawn_blocking(move || service.prepared(&index))
        .await
        .map_err(|e| ApiError::Internal(format!("tiles task: {e}")))
}

fn home<'a>(base: &'a str, tileset: Tileset) -> Home<'a> {
    let geodata = match tileset {
        Tileset::Base => "/base".to_owned(),
        t => format!("/collections/{}", t.id()),
    };
    Home { base, geodata }
}

/// The tile matrix sets tiles are cut in
#[utoipa::path(get, path = "/tileMatrixSets", tag = "tiles", params(doc::JsonOnly),
    responses(
        (status = 200, description = "the tile matrix sets (one: WebMercatorQuad)", body = doc::TileMatrixSetList),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "an unknown or repeated parameter", body = ErrorBody),
        (status = 406, description = "a format other than JSON", body = ErrorBody)))]
async fn tile_matrix_sets(
    State(state): State<AppState>,
    Query(params): Query<doc::JsonOnly>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    json_only(&params, &headers)?;
    let base = base_url(state.config.public_url.as_deref(), &headers);
    Ok(Json(tms::list(&base)))
}

/// A tile matrix set's definition (OGC 2DTMS 2.0 JSON)
#[utoipa::path(get, path = "/tileMatrixSets/{tileMatrixSetId}", tag = "tiles",
    params(("tileMatrixSetId" = String, Path, description = "`WebMercatorQuad`"), doc::JsonOnly),
    responses(
        (status = 200, description = "the tile matrix set, 25 matrices", body = doc::TileMatrixSetDefinition),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "an unknown or repeated parameter", body = ErrorBody),
        (status = 404, description = "no such tile matrix set", body = ErrorBody),
        (status = 406, description = "a format other than JSON", body = ErrorBody)))]
async fn tile_matrix_set(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<doc::JsonOnly>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    check_tms(&id)?;
    json_only(&params, &headers)?;
    let base = base_url(state.config.public_url.as_deref(), &headers);
    Ok(Json(tms::definition(&base)))
}

/// A collection's vector tilesets
#[utoipa::path(get, path = "/collections/{collectionId}/tiles", tag = "tiles",
    params(("collectionId" = String, Path, description = "`institutions` or `admin-areas`", pattern = "^(institutions|admin-areas)$"), doc::JsonOnly),
    responses(
        (status = 200, description = "the collection's tilesets (one: WebMercatorQuad)", body = doc::TileSetList),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "an unknown or repeated parameter", body = ErrorBody),
        (status = 404, description = "no such collection", body = ErrorBody),
        (status = 406, description = "a format other than JSON", body = ErrorBody)))]
async fn collection_tilesets(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    Query(params): Query<doc::JsonOnly>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let tileset = tileset_of(&collection)?;
    json_only(&params, &headers)?;
    let base = base_url(state.config.public_url.as_deref(), &headers);
    Ok(Json(ogc::tileset_list(tileset, &home(&base, tileset))))
}

/// A collection's vector tileset: layers, limits and the tiles' link template
#[utoipa::path(get, path = "/collections/{collectionId}/tiles/{tileMatrixSetId}", tag = "tiles",
    params(
        ("collectionId" = String, Path, description = "`institutions` or `admin-areas`", pattern = "^(institutions|admin-areas)$"),
        ("tileMatrixSetId" = String, Path, description = "`WebMercatorQuad`"),
        doc::JsonOnly),
    responses(
        (status = 200, description = "the tileset's metadata", body = doc::TileSetMetadata),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "an unknown or repeated parameter", body = ErrorBody),
        (status = 404, description = "no such collection or tile matrix set", body = ErrorBody),
        (status = 406, description = "a format other than JSON", body = ErrorBody)))]
async fn collection_tileset(
    State(state): State<AppState>,
    Path((collection, tms_id)): Path<(String, String)>,
    Query(params): Query<doc::JsonOnly>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let tileset = tileset_of(&collection)?;
    check_tms(&tms_id)?;
    json_only(&params, &headers)?;
    tileset_document(&state, tileset, &headers).await
}

/// A tile of a collection (MVT 2.1); 204 when empty
#[utoipa::path(get, path = "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", tag = "tiles",
    params(
        ("collectionId" = String, Path, description = "`institutions` or `admin-areas`", pattern = "^(institutions|admin-areas)$"),
        ("tileMatrixSetId" = String, Path, description = "`WebMercatorQuad`"),
        ("tileMatrix" = String, Path, description = "The zoom level, within the tileset's `tileMatrixSetLimits`"),
        ("tileRow" = String, Path, description = "The row (0 at the north), within the limits"),
        ("tileCol" = String, Path, description = "The column (0 at 180° W), within the limits"),
        doc::MvtOnly),
    responses(
        (status = 200, description = "the tile", body = Vec<u8>, content_type = "application/vnd.mapbox-vector-tile"),
        (status = 204, description = "an empty tile"),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "tileMatrix, tileRow or tileCol not a whole number, an unknown parameter", body = ErrorBody),
        (status = 404, description = "no such collection or tile matrix set, or a tile outside the tileset's limits", body = ErrorBody),
        (status = 406, description = "a format other than MVT", body = ErrorBody)))]
async fn collection_tile(
    State(state): State<AppState>,
    Path((collection, tms_id, matrix, row, col)): Path<(String, String, String, String, String)>,
    Query(params): Query<doc::MvtOnly>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let tileset = tileset_of(&collection)?;
    check_tms(&tms_id)?;
    mvt_only(&params)?;
    tile(&state, tileset, (&matrix, &row, &col), &headers).await
}

/// The base map: its extent and links to its vector tilesets
#[utoipa::path(get, path = "/base", tag = "tiles", params(doc::JsonOnly),
    responses(
        (status = 200, description = "the base map's description", body = doc::BaseMapDocument),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "an unknown or repeated parameter", body = ErrorBody),
        (status = 406, description = "a format other than JSON", body = ErrorBody)))]
async fn base_document(
    State(state): State<AppState>,
    Query(params): Query<doc::JsonOnly>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    json_only(&params, &headers)?;
    let base = base_url(state.config.public_url.as_deref(), &headers);
    Ok(Json(ogc::base_document(&home(&base, Tileset::Base))))
}

/// The base map's vector tilesets
#[utoipa::path(get, path = "/base/tiles", tag = "tiles", params(doc::JsonOnly),
    responses(
        (status = 200, description = "the base map's tilesets (one: WebMercatorQuad)", body = doc::TileSetList),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "an unknown or repeated parameter", body = ErrorBody),
        (status = 406, description = "a format other than JSON", body = ErrorBody)))]
async fn base_tilesets(
    State(state): State<AppState>,
    Query(params): Query<doc::JsonOnly>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    json_only(&params, &headers)?;
    let base = base_url(state.config.public_url.as_deref(), &headers);
    Ok(Json(ogc::tileset_list(
        Tileset::Base,
        &home(&base, Tileset::Base),
    )))
}

/// The base map's vector tileset: layers, limits and the tiles' link template
#[utoipa::path(get, path = "/base/tiles/{tileMatrixSetId}", tag = "tiles",
    params(("tileMatrixSetId" = String, Path, description = "`WebMercatorQuad`"), doc::JsonOnly),
    responses(
        (status = 200, description = "the tileset's metadata", body = doc::TileSetMetadata),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "an unknown or repeated parameter", body = ErrorBody),
        (status = 404, description = "no such tile matrix set", body = ErrorBody),
        (status = 406, description = "a format other than JSON", body = ErrorBody)))]
async fn base_tileset(
    State(state): State<AppState>,
    Path(tms_id): Path<String>,
    Query(params): Query<doc::JsonOnly>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    check_tms(&tms_id)?;
    json_only(&params, &headers)?;
    tileset_document(&state, Tileset::Base, &headers).await
}

/// A tile of the base map (MVT 2.1); 204 when empty
#[utoipa::path(get, path = "/base/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", tag = "tiles",
    params(
        ("tileMatrixSetId" = String, Path, description = "`WebMercatorQuad`"),
        ("tileMatrix" = String, Path, description = "The zoom level, within the tileset's `tileMatrixSetLimits`"),
        ("tileRow" = String, Path, description = "The row (0 at the north), within the limits"),
        ("tileCol" = String, Path, description = "The column (0 at 180° W), within the limits"),
        doc::MvtOnly),
    responses(
        (status = 200, description = "the tile", body = Vec<u8>, content_type = "application/vnd.mapbox-vector-tile"),
        (status = 204, description = "an empty tile"),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "tileMatrix, tileRow or tileCol not a whole number, an unknown parameter", body = ErrorBody),
        (status = 404, description = "no such tile matrix set, or a tile outside the tileset's limits", body = ErrorBody),
        (status = 406, description = "a format other than MVT", body = ErrorBody)))]
async fn base_tile(
    State(state): State<AppState>,
    Path((tms_id, matrix, row, col)): Path<(String, String, String, String)>,
    Query(params): Query<doc::MvtOnly>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_tms(&tms_id)?;
    mvt_only(&params)?;
    tile(&state, Tileset::Base, (&matrix, &row, &col), &headers).await
}

async fn tileset_document(
    state: &AppState,
    tileset: Tileset,
    headers: &HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(state.config.public_url.as_deref(), headers);
    let prepared = prepared(state).await?;
    Ok(Json(ogc::tileset(
        tileset,
        &home(&base, tileset),
        &prepared,
    )))
}

/// A tile named OGC's way, checked against the tileset's limits in this snapshot.
async fn tile(
    state: &AppState,
    tileset: Tileset,
    (matrix, row, col): (&str, &str, &str),
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let prepared = prepared(state).await?;
    let bounds = tilejson::bounds(tileset, prepared.bounds);
    let coord = tms::locate(matrix, row, col, &tms::limits(bounds, tileset.zooms()))?;
    tile_response(state, tileset, coord, InstitutionFilter::default(), headers).await
}
