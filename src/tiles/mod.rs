//! Mapbox Vector Tiles (MVT 2.1) of the network, from the serving index.
//!
//! # Layout
//!
//! - [`coord`]: [`TileCoord`] (a validated `z/x/y`) and the Web Mercator maths.
//! - [`frame`]: [`TileFrame`]: projecting, simplifying and clipping geometry for a tile.
//! - [`encode`]: [`TileBuilder`] / [`LayerBuilder`]: geometry in tile units plus
//!   properties to MVT bytes (the protobuf written directly, as the `mvt` crate wrote it,
//!   in `encode/wire.rs`). **This is the public encoding API
//!   for other tilesets** (e.g. `coverage`): make a `TileFrame` for the coordinate, clip
//!   with `frame.polygons_lonlat(..)` / `frame.point_lonlat(..)`, add features to a
//!   layer, `tile.finish()` (`None` means empty: answer 204).
//! - [`cluster`]: the grid pyramid of clusters for zooms below 12.
//! - [`tilesets`]: what each tileset and layer carries (TileJSON's source of truth).
//! - [`prepared`], [`land`], [`places`], [`render`], [`service`]: per-version
//!   preparation, the base map's land and names, one renderer per tileset, and the
//!   cached [`TileService`].
//! - [`archive`]: a PMTiles archive served as the `basemap` tileset (`--basemap`).
//! - [`tms`], [`ogc`]: OGC API – Tiles' side of the same tiles: the WebMercatorQuad
//!   tile matrix set, tileset limits, and the tileset documents.
//!
//! Nothing here knows about HTTP; `api::tiles` parses requests and shapes responses.

pub mod archive;
pub mod cluster;
pub mod coord;
pub mod encode;
mod filter;
pub mod frame;
pub mod land;
pub mod ogc;
pub mod places;
pub mod prepared;
mod render;
mod service;
pub mod tilejson;
pub mod tilesets;
pub mod tms;

pub use coord::{EXTENT, TileCoord};
pub use encode::{LayerBuilder, Prop, TileBuilder};
pub use filter::InstitutionFilter;
pub use frame::TileFrame;
pub use land::Land;
pub use service::{Coding, TileBytes, TileService, TileSnapshot};
pub use tilesets::Tileset;

#[derive(Debug, thiserror::Error)]
pub enum TileError {
    #[error("unknown tileset {0:?}; see /tiles for the catalogue")]
    UnknownTileset(String),
    #[error("zoom {z} is outside this tileset's range {min}..{max}")]
    ZoomOutOfRange { z: u32, min: u8, max: u8 },
    #[error("{axis}={value} is outside 0..{max} at zoom {z}")]
    OutOfRange {
        axis: &'static str,
        value: u32,
        z: u8,
        max: u64,
    },
    #[error("{axis} must be a whole number, got {value:?}")]
    NotANumber { axis: &'static str, value: String },
    #[error("{0:?}: tiles are served as .mvt (Mapbox Vector Tile 2.1)")]
    Format(String),
    #[error("the {0} tileset takes no filter")]
    FilterNotSupported(&'static str),
    #[error("could not compress a tile: {0}")]
    Encode(String),
    #[error("could not read the base map {0}")]
    Basemap(String),
    #[error("no tile matrix set {0:?}; tiles are cut in WebMercatorQuad (/tileMatrixSets)")]
    UnknownTileMatrixSet(String),
    #[error("tileMatrix {0} is not one of WebMercatorQuad's (0 to 24)")]
    NoSuchTileMatrix(u32),
    #[error(
        "tile {tile_matrix}/{row}/{col} (tileMatrix/tileRow/tileCol) is outside this tileset; its tileMatrixSetLimits say which tiles it has"
    )]
    OutsideLimits {
        tile_matrix: u32,
        row: u32,
        col: u32,
    },
}
