//! The public map as static files, for any web host or CDN, with no vetmap server
//! behind them (`vetmap export`).
//!
//! # Layout
//!
//! - [`pmtiles`]: [`pmtiles::write_archive`]: every tileset the public map draws (the
//!   bundled `base`, `admin-areas`, `institutions` with their clusters) for zooms 0–14 in
//!   one PMTiles v3 archive, rendered by the server's own renderers (`tiles::TileService`).
//! - [`select`]: which tiles the archive holds, and the limit on their number.
//! - [`metadata`]: the archive's TileJSON-style metadata and its `vetmap` object.
//! - [`parallel`]: rendering on every core while the writer takes tiles in its order.
//! - [`site`]: [`site::write_site`]: the web map and its embed as a folder of static files
//!   around that archive (`vetmap export --site`).
//!
//! Nothing here knows about HTTP: the command line loads a dataset, builds the serving
//! index and calls in.

pub mod metadata;
pub mod parallel;
pub mod pmtiles;
pub mod select;
pub mod site;

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(
        "zooms {min} to {max}: an archive holds zooms 0 to {top}, the first no greater than the last"
    )]
    Zooms { min: u8, max: u8, top: u8 },
    #[error(
        "the archive would hold more than {limit} tiles ({tiles} counted at zooms {min} to {at_zoom}, before zoom {max}); \
         lower --max-zoom (each zoom about quadruples the tiles of the one before)"
    )]
    TooManyTiles {
        tiles: u64,
        limit: u64,
        min: u8,
        max: u8,
        at_zoom: u8,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not write the archive {}: {source}", path.display())]
    Archive {
        path: PathBuf,
        source: ::pmtiles::PmtError,
    },
    #[error(transparent)]
    Land(#[from] crate::tiles::TileError),
    #[error("could not compress tile {tile}: {source}")]
    Compress {
        tile: String,
        source: std::io::Error,
    },
}
