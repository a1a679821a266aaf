//! Which tiles an archive holds.
//!
//! Rendering every tile of a box around the data would spend most of the export on sea
//! and on neighbouring countries (Viet Nam's box at zoom 14 is about 240,000 tiles), so
//! a tile is a candidate only where some tileset can draw something:
//!
//! - at every zoom, each tile holding an institution (clusters and points are drawn
//!   inside the tile that holds their members, so these tiles hold every cluster too);
//! - at every zoom from the one its level is drawn at (`tiles::tilesets::area_min_zoom`),
//!   each tile touching an area's bounding box (polygons, outlines, labels);
//! - up to [`LAND_COUNTRY_MAX_ZOOM`], each tile touching the base map's land (Viet Nam's
//!   box), so the whole country shows around the data when zoomed out. Deeper than that,
//!   land is drawn only where the areas or institutions are: a province's archive is
//!   that province, not the country at street level.
//!
//! Candidates are rendered and the empty ones skipped. Their number is counted before
//! anything is rendered, and an export of more than [`MAX_TILES`] is refused.

use std::collections::HashSet;
use std::ops::RangeInclusive;

use crate::tiles::TileCoord;
use crate::tiles::prepared::Prepared;
use crate::tiles::tilesets::area_min_zoom;
use crate::tiles::{Land, coord::lonlat_to_world};

use super::ExportError;

/// The most tiles an export renders. Zoom 14 over all of Viet Nam's land is about
/// 240,000 tiles, zooms 0–14 over a national dataset's areas fewer than 400,000, so
/// this leaves room for real data while refusing an archive that would take hours.
pub const MAX_TILES: u64 = 1_000_000;

/// The last zoom at which the base map's land is exported over the whole country.
pub const LAND_COUNTRY_MAX_ZOOM: u8 = 10;

/// Where there is something to draw, in world units (`[0, 1]²`, y down).
#[derive(Debug, Default, Clone)]
pub struct Footprint {
    /// The land's box, drawn over the country up to [`LAND_COUNTRY_MAX_ZOOM`].
    pub land: Option<[f64; 4]>,
    /// Each area's box with the first zoom its level is drawn at.
    pub areas: Vec<(u8, [f64; 4])>,
    /// Each institution's position.
    pub points: Vec<(f64, f64)>,
}

impl Footprint {
    pub fn of(prepared: &Prepared, land: &Land) -> Self {
        use geo::BoundingRect;
        let all = prepared.index.areas();
        let areas = prepared
            .areas
            .iter()
            .filter_map(|g| {
                let r = g.world.bounding_rect()?;
                let level = all.get(g.area as usize)?.level;
                Some((
                    area_min_zoom(level),
                    [r.min().x, r.min().y, r.max().x, r.max().y],
                ))
            })
            .collect();
        let points = prepared
            .index
            .institutions()
            .iter()
            .map(|i| lonlat_to_world(i.location.lon(), i.location.lat()))
            .collect();
        Self {
            land: land.world_bounds(),
            areas,
            points,
        }
    }
}

/// The tile column or row of world coordinate `v` at `n` tiles across.
fn tile_of(v: f64, n: u32) -> u32 {
    ((v * f64::from(n)).floor().max(0.0) as u32).min(n - 1)
}

/// The tiles of zoom `z` touching a world box: `(x0, y0, x1, y1)`, inclusive.
fn tile_range(z: u8, b: [f64; 4]) -> (u32, u32, u32, u32) {
    let n = 1u32 << z;
    (
        tile_of(b[0], n),
        tile_of(b[1], n),
        tile_of(b[2], n),
        tile_of(b[3], n),
    )
}

/// The PMTiles tile id of `z/x/y`: the order the archive's directory wants.
pub fn tile_id(z: u8, x: u32, y: u32) -> u64 {
    match ::pmtiles::TileCoord::new(z, x, y) {
        Ok(c) => ::pmtiles::TileId::from(c).value(),
        // `x`, `y` come from `tile_of`, within `0..2^z`, and `z` from a checked range.
        Err(_) => unreachable!("tile {z}/{x}/{y} is outside its zoom"),
    }
}

/// The candidate tiles at `zooms`, in PMTiles tile id order (zoom by zoom, each along
/// its Hilbert curve), or a refusal past [`MAX_TILES`] (`limit` in tests).
pub fn select(
    zooms: RangeInclusive<u8>,
    footprint: &Footprint,
    limit: u64,
) -> Result<Vec<TileCoord>, ExportError> {
    let (min, max) = (*zooms.start(), *zooms.end());
    let mut ids: HashSet<u64> = HashSet::new();
    let too_many = |tiles: u64, z: u8| ExportError::TooManyTiles {
        tiles,
        limit,
        min,
        max,
        at_zoom: z,
    };
    // Institutions' tiles at the last zoom; each lower zoom halves the columns and rows.
    let n = 1u32 << max;
    let top: HashSet<(u32, u32)> = footprint
        .points
        .iter()
        .map(|&(x, y)| (tile_of(x, n), tile_of(y, n)))
        .collect();
    for z in zooms {
        let mut boxes: Vec<[f64; 4]> = footprint
            .areas
            .iter()
            .filter(|(from, _)| z >= *from)
            .map(|(_, b)| *b)
            .collect();
        if z <= LAND_COUNTRY_MAX_ZOOM {
            boxes.extend(footprint.land);
        }
        for b in boxes {
            let (x0, y0, x1, y1) = tile_range(z, b);
            let count = u64::from(x1 - x0 + 1) * u64::from(y1 - y0 + 1);
            // One huge box is refused before its tiles are listed.
            if count > limit {
                return Err(too_many(ids.len() as u64 + count, z));
            }
            for x in x0..=x1 {
                for y in y0..=y1 {
                    ids.insert(tile_id(z, x, y));
                }
            }
            if ids.len() as u64 > limit {
                return Err(too_many(ids.len() as u64, z));
            }
        }
        let shift = max - z;
        ids.extend(top.iter().map(|&(x, y)| tile_id(z, x >> shift, y >> shift)));
        if ids.len() as u64 > limit {
            return Err(too_many(ids.len() as u64, z));
        }
    }
    let mut ids: Vec<u64> = ids.into_iter().collect();
    ids.sort_unstable();
    Ok(ids
        .into_iter()
        .filter_map(|id| {
            let c = ::pmtiles::TileCoord::from(::pmtiles::TileId::new(id).ok()?);
            Some(TileCoord {
                z: c.z(),
                x: c.x(),
                y: c.y(),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests;
