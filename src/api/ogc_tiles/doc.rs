//! What the OGC API – Tiles endpoints answer, for the OpenAPI document. The JSON is
//! written by `tiles::ogc` and `tiles::tms`; these types describe it.

#![allow(dead_code)]

use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// A link of an OGC API – Tiles document.
#[derive(ToSchema)]
pub struct TilesLink {
    href: String,
    rel: String,
    #[schema(rename = "type")]
    media_type: String,
    title: String,
    /// `true` when `href` is a template (`{tileMatrix}/{tileRow}/{tileCol}`).
    templated: Option<bool>,
}

/// `/tileMatrixSets`.
#[derive(ToSchema)]
pub struct TileMatrixSetList {
    links: Vec<TilesLink>,
    #[schema(rename = "tileMatrixSets")]
    tile_matrix_sets: Vec<TileMatrixSetEntry>,
}

#[derive(ToSchema)]
pub struct TileMatrixSetEntry {
    /// `WebMercatorQuad`.
    id: String,
    title: String,
    uri: String,
    crs: String,
    links: Vec<TilesLink>,
}

/// A tile matrix set (OGC 2DTMS 2.0 JSON; the same matrices are repeated under their
/// 2DTMS 1.0 names `identifier`, `supportedCRS`, `tileMatrix` for older readers).
#[derive(ToSchema)]
pub struct TileMatrixSetDefinition {
    id: String,
    title: String,
    uri: String,
    crs: String,
    #[schema(rename = "orderedAxes")]
    ordered_axes: Vec<String>,
    #[schema(rename = "wellKnownScaleSet")]
    well_known_scale_set: String,
    /// 25 matrices, `0` to `24`.
    #[schema(rename = "tileMatrices")]
    tile_matrices: Vec<TileMatrixDefinition>,
    links: Vec<TilesLink>,
}

#[derive(ToSchema)]
pub struct TileMatrixDefinition {
    /// The zoom level as text: `0` to `24`.
    id: String,
    #[schema(rename = "scaleDenominator")]
    scale_denominator: f64,
    /// Metres per pixel.
    #[schema(rename = "cellSize")]
    cell_size: f64,
    /// `topLeft`.
    #[schema(rename = "cornerOfOrigin")]
    corner_of_origin: String,
    #[schema(rename = "pointOfOrigin", min_items = 2, max_items = 2)]
    point_of_origin: Vec<f64>,
    #[schema(rename = "tileWidth")]
    tile_width: u32,
    #[schema(rename = "tileHeight")]
    tile_height: u32,
    #[schema(rename = "matrixWidth")]
    matrix_width: u32,
    #[schema(rename = "matrixHeight")]
    matrix_height: u32,
}

/// `{resource}/tiles`: the tilesets of a collection or of the base map.
#[derive(ToSchema)]
pub struct TileSetList {
    links: Vec<TilesLink>,
    tilesets: Vec<TileSetEntry>,
}

#[derive(ToSchema)]
pub struct TileSetEntry {
    title: String,
    /// `vector`.
    #[schema(rename = "dataType")]
    data_type: String,
    crs: String,
    #[schema(rename = "tileMatrixSetURI")]
    tile_matrix_set_uri: String,
    links: Vec<TilesLink>,
}

/// A tileset's metadata (2DTMS 2.0 tile set metadata, JSON).
#[derive(ToSchema)]
pub struct TileSetMetadata {
    title: String,
    description: String,
    attribution: String,
    /// `vector`.
    #[schema(rename = "dataType")]
    data_type: String,
    crs: String,
    #[schema(rename = "tileMatrixSetURI")]
    tile_matrix_set_uri: String,
    /// The matrices this tileset has and, in each, the rows and columns holding its data;
    /// a tile outside them is a 404.
    #[schema(rename = "tileMatrixSetLimits")]
    tile_matrix_set_limits: Vec<TileMatrixLimitsDoc>,
    #[schema(rename = "boundingBox")]
    bounding_box: TilesBoundingBox,
    #[schema(rename = "centerPoint")]
    center_point: TilesCenterPoint,
    #[schema(rename = "mediaTypes")]
    media_types: Vec<String>,
    layers: Vec<TileSetLayer>,
    links: Vec<TilesLink>,
}

#[derive(ToSchema)]
pub struct TileMatrixLimitsDoc {
    #[schema(rename = "tileMatrix")]
    tile_matrix: String,
    #[schema(rename = "minTileRow")]
    min_tile_row: u32,
    #[schema(rename = "maxTileRow")]
    max_tile_row: u32,
    #[schema(rename = "minTileCol")]
    min_tile_col: u32,
    #[schema(rename = "maxTileCol")]
    max_tile_col: u32,
}

#[derive(ToSchema)]
pub struct TilesBoundingBox {
    /// West, south (WGS84).
    #[schema(rename = "lowerLeft", min_items = 2, max_items = 2)]
    lower_left: Vec<f64>,
    /// East, north (WGS84).
    #[schema(rename = "upperRight", min_items = 2, max_items = 2)]
    upper_right: Vec<f64>,
    crs: String,
}

#[derive(ToSchema)]
pub struct TilesCenterPoint {
    #[schema(min_items = 2, max_items = 2)]
    coordinates: Vec<f64>,
    #[schema(rename = "tileMatrix")]
    tile_matrix: String,
    crs: String,
}

/// One layer of the tiles (an MVT layer).
#[derive(ToSchema)]
pub struct TileSetLayer {
    id: String,
    description: String,
    #[schema(rename = "dataType")]
    data_type: String,
    /// 0 points, 1 lines, 2 polygons.
    #[schema(rename = "geometryDimension")]
    geometry_dimension: u8,
    #[schema(rename = "minTileMatrix")]
    min_tile_matrix: String,
    #[schema(rename = "maxTileMatrix")]
    max_tile_matrix: String,
    /// The attributes: name → `{description}`.
    #[schema(rename = "propertiesSchema")]
    properties_schema: LayerPropertiesSchema,
}

#[derive(ToSchema)]
pub struct LayerPropertiesSchema {
    #[schema(rename = "type")]
    kind: String,
    properties: std::collections::BTreeMap<String, LayerProperty>,
}

#[derive(ToSchema)]
pub struct LayerProperty {
    description: String,
}

/// `/base`: the base map as a resource with tilesets.
#[derive(ToSchema)]
pub struct BaseMapDocument {
    /// `base`.
    id: String,
    title: String,
    description: String,
    attribution: String,
    extent: BaseMapExtent,
    links: Vec<TilesLink>,
}

#[derive(ToSchema)]
pub struct BaseMapExtent {
    spatial: BaseMapSpatial,
}

#[derive(ToSchema)]
pub struct BaseMapSpatial {
    /// One box: west, south, east, north.
    bbox: Vec<[f64; 4]>,
    crs: String,
}

/// The query string of the tiles' JSON documents.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JsonOnly {
    /// Format (overrides `Accept`): `json` only.
    #[param(value_type = Option<String>, pattern = "^json$")]
    pub f: Option<String>,
}

/// The query string of a tile.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MvtOnly {
    /// Format: `mvt` (Mapbox Vector Tile 2.1) only, the default.
    #[param(value_type = Option<String>, pattern = "^mvt$")]
    pub f: Option<String>,
}
