//! `vetmap export --pmtiles FILE`: every tileset the public map draws in one PMTiles v3
//! archive, written by the `pmtiles` crate's writer.
//!
//! One tile per `z/x/y` holds the layers of all three tilesets (`base`: land,
//! boundaries, places; `admin-areas`: areas_pre2025, areas_2025, area_labels;
//! `institutions`: institutions with clusters), unfiltered. Each tileset's tile is
//! rendered by the server's renderer (`TileService::render_for_archive`) and the three
//! encodings are concatenated: an MVT tile is a protobuf message whose only field is the
//! repeated `layers`, and concatenated protobuf messages are the message with the
//! layers of both, so no tile is decoded or encoded twice. Layer names are distinct
//! across the tilesets (a test in [`super::metadata`] checks it), so no two layers merge.
//!
//! Tiles are gzip-compressed on the rendering threads (the writer stores them as given)
//! and written in tile id order, so the directory is clustered; identical tiles (open
//! land) are stored once by the writer. The archive is written beside `out` and renamed
//! into place when complete, so a failed export leaves no half archive behind.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ::pmtiles::{Compression, PmTilesWriter, TileType};
use bytes::Bytes;

use super::metadata::{self, About, TILESETS};
use super::select::{self, Footprint, LAND_COUNTRY_MAX_ZOOM, MAX_TILES};
use super::{ExportError, parallel};
use crate::index::ServingIndex;
use crate::tiles::coord::world_to_lonlat;
use crate::tiles::prepared::Prepared;
use crate::tiles::{Coding, Land, TileCoord, TileService, Tileset, tilejson};

/// The last zoom an archive can hold: the base map's and the areas' last zoom.
pub const TOP_ZOOM: u8 = 14;

/// Which zooms to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveOptions {
    pub min_zoom: u8,
    pub max_zoom: u8,
}

impl Default for ArchiveOptions {
    fn default() -> Self {
        Self {
            min_zoom: 0,
            max_zoom: TOP_ZOOM,
        }
    }
}

impl ArchiveOptions {
    pub fn check(&self) -> Result<(), ExportError> {
        if self.min_zoom > self.max_zoom || self.max_zoom > TOP_ZOOM {
            return Err(ExportError::Zooms {
                min: self.min_zoom,
                max: self.max_zoom,
                top: TOP_ZOOM,
            });
        }
        Ok(())
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ArchiveSummary {
    /// Tiles in the archive (empty tiles are not stored).
    pub tiles: u64,
    /// The archive's size.
    pub bytes: u64,
    pub institutions: u64,
}

/// Writes the archive of `index` (rendered through `tiles`, whose land is the base map's)
/// to `out`. CPU-bound, on every core: call from a blocking thread.
pub fn write_archive(
    index: &Arc<ServingIndex>,
    tiles: &TileService,
    out: &Path,
    options: &ArchiveOptions,
) -> Result<ArchiveSummary, ExportError> {
    options.check()?;
    let prepared = tiles.prepared(index);
    let footprint = Footprint::of(&prepared, tiles.land());
    let zooms = options.min_zoom..=options.max_zoom;
    let coords = select::select(zooms, &footprint, MAX_TILES)?;
    tracing::info!(candidates = coords.len(), "rendering the archive's tiles");
    let about = about(&prepared, tiles.land(), options);
    let partial = Partial::new(out);
    let io = |source| ExportError::Io {
        path: out.to_path_buf(),
        source,
    };
    let archive = |source| ExportError::Archive {
        path: out.to_path_buf(),
        source,
    };
    let file = File::create(&partial.path).map_err(io)?;
    let (lon, lat, zoom) = about.center;
    let [w, s, e, n] = about.bounds;
    let mut writer = PmTilesWriter::new(TileType::Mvt)
        .precompressed(Compression::Gzip)
        .min_zoom(options.min_zoom)
        .max_zoom(options.max_zoom)
        .bounds(w, s, e, n)
        .center(lon, lat)
        .center_zoom(zoom)
        .metadata(metadata::metadata(&about).to_string())
        .create(&file)
        .map_err(archive)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut written = 0u64;
    parallel::in_order(
        &coords,
        threads,
        |c| tile(tiles, &prepared, *c, options.max_zoom),
        |c, bytes| {
            let Some(bytes) = bytes else { return Ok(()) };
            let at = ::pmtiles::TileCoord::new(c.z, c.x, c.y).map_err(archive)?;
            writer.add_tile(at, &bytes).map_err(archive)?;
            written += 1;
            Ok(())
        },
    )?;
    writer.finalize().map_err(archive)?;
    file.sync_all().map_err(io)?;
    let bytes = file.metadata().map_err(io)?.len();
    drop(file);
    partial.finish(out).map_err(io)?;
    Ok(ArchiveSummary {
        tiles: written,
        bytes,
        institutions: about.institutions,
    })
}

/// The base map's land for an archive: the GeoJSON at `path` with the towns of
/// `places.csv` beside it, or no land, with a warning, when the file is missing (as
/// `vetmap serve` does).
pub fn load_land(path: &Path) -> Result<Land, ExportError> {
    if path.exists() {
        return Ok(Land::load(path)?);
    }
    tracing::warn!(path = %path.display(), "no land file: the archive's base map has no land");
    Ok(Land::none())
}

/// One archive tile: the three tilesets' layers, gzip-compressed; `None` when empty.
fn tile(
    tiles: &TileService,
    prepared: &Arc<Prepared>,
    coord: TileCoord,
    top_zoom: u8,
) -> Result<Option<Bytes>, ExportError> {
    let mut raw = Vec::new();
    for t in TILESETS {
        if t.zooms().contains(&coord.z)
            && let Some(b) = tiles.render_for_archive(prepared, t, coord, top_zoom)
        {
            raw.extend_from_slice(&b);
        }
    }
    if raw.is_empty() {
        return Ok(None);
    }
    Coding::Gzip
        .encode(&raw)
        .map(Some)
        .map_err(|source| ExportError::Compress {
            tile: coord.to_string(),
            source,
        })
}

fn about<'a>(prepared: &'a Prepared, land: &Land, options: &ArchiveOptions) -> About<'a> {
    let data = tilejson::bounds(Tileset::Institutions, prepared.bounds);
    let land = land
        .world_bounds()
        .filter(|_| options.min_zoom <= LAND_COUNTRY_MAX_ZOOM)
        .map(|[x0, y0, x1, y1]| {
            let (w, n) = world_to_lonlat(x0, y0);
            let (e, s) = world_to_lonlat(x1, y1);
            [w, s, e, n]
        });
    let bounds = land.map_or(data, |l| {
        [
            l[0].min(data[0]),
            l[1].min(data[1]),
            l[2].max(data[2]),
            l[3].max(data[3]),
        ]
    });
    let center = (
        (data[0] + data[2]) / 2.0,
        (data[1] + data[3]) / 2.0,
        fit_zoom(data, options),
    );
    About {
        version: prepared.index.version(),
        institutions: prepared.index.institutions().len() as u64,
        min_zoom: options.min_zoom,
        max_zoom: options.max_zoom,
        bounds,
        data_bounds: data,
        center,
    }
}

/// The deepest zoom of the archive at which `b` spans at most two tiles each way: about
/// a 1,000-pixel view of the data.
fn fit_zoom(b: [f64; 4], options: &ArchiveOptions) -> u8 {
    use crate::tiles::coord::lonlat_to_world;
    let (x0, y1) = lonlat_to_world(b[0], b[1]);
    let (x1, y0) = lonlat_to_world(b[2], b[3]);
    let span = (x1 - x0).max(y1 - y0).max(f64::MIN_POSITIVE);
    (options.min_zoom..=options.max_zoom)
        .rev()
        .find(|z| span * f64::from(1u32 << z) <= 2.0)
        .unwrap_or(options.min_zoom)
}

/// The archive while it is written (`FILE.partial`), removed unless finished.
struct Partial {
    path: PathBuf,
    done: bool,
}

impl Partial {
    fn new(out: &Path) -> Self {
        let mut name = out.as_os_str().to_owned();
        name.push(".partial");
        Self {
            path: name.into(),
            done: false,
        }
    }

    fn finish(mut self, out: &Path) -> std::io::Result<()> {
        std::fs::rename(&self.path, out)?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.done {
            // Nothing to report if it was never made.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
