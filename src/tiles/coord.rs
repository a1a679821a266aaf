//! Tile addresses and the Web Mercator projection (EPSG:3857, XYZ scheme: tile 0/0/0 is
//! the whole world, y grows southward).
//!
//! Positions are handled in "world" units: the square of the world mapped onto `[0, 1]²`
//! with y down. A tile `z/x/y` is the square `[x, x+1] × [y, y+1] / 2^z`; tile units
//! scale that square to `[0, EXTENT]²`.

use std::ops::RangeInclusive;

use super::TileError;

/// MVT extent: tile units across a tile.
pub const EXTENT: u32 = 4096;
/// How far (in tile units) geometry reaches beyond the tile edge, so that lines and
/// polygon edges join without seams when the client draws neighbouring tiles.
pub const BUFFER: u32 = 64;
/// The largest latitude Web Mercator shows.
pub const MAX_LAT: f64 = 85.051_128_779_806_59;

/// A tile address checked against its tileset's zoom range: `x` and `y` are within
/// `0..2^z`. Code past the handler never re-checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileCoord {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileCoord {
    pub fn new(z: u32, x: u32, y: u32, zooms: RangeInclusive<u8>) -> Result<Self, TileError> {
        if z < u32::from(*zooms.start()) || z > u32::from(*zooms.end()) {
            return Err(TileError::ZoomOutOfRange {
                z,
                min: *zooms.start(),
                max: *zooms.end(),
            });
        }
        let z = z as u8;
        let n = 1u64 << z;
        for (name, v) in [("x", x), ("y", y)] {
            if u64::from(v) >= n {
                return Err(TileError::OutOfRange {
                    axis: name,
                    value: v,
                    z,
                    max: n - 1,
                });
            }
        }
        Ok(Self { z, x, y })
    }

    /// Parses the path segments of `{z}/{x}/{y}.mvt`: plain decimal digits (no sign,
    /// no spaces, at most 10), then checked as [`TileCoord::new`] checks. Whatever the
    /// segments hold, the answer is a coordinate or an error, never a panic.
    pub fn parse_path(
        z: &str,
        x: &str,
        file: &str,
        zooms: RangeInclusive<u8>,
    ) -> Result<Self, TileError> {
        let y = file
            .strip_suffix(".mvt")
            .ok_or_else(|| TileError::Format(clip(file)))?;
        Self::new(number("z", z)?, number("x", x)?, number("y", y)?, zooms)
    }

    /// Tiles across the world at this zoom.
    pub fn world_size(&self) -> f64 {
        f64::from(1u32 << self.z)
    }

    /// World coordinates to tile units of this tile (may fall outside `[0, EXTENT]`).
    pub fn world_to_tile(&self, wx: f64, wy: f64) -> (f64, f64) {
        let n = self.world_size();
        let e = f64::from(EXTENT);
        (
            (wx * n - f64::from(self.x)) * e,
            (wy * n - f64::from(self.y)) * e,
        )
    }

    /// The tile's square in world units, widened by `margin` tile units on every side.
    pub fn world_bounds(&self, margin: f64) -> [f64; 4] {
        let n = self.world_size();
        let m = margin / f64::from(EXTENT);
        [
            (f64::from(self.x) - m) / n,
            (f64::from(self.y) - m) / n,
            (f64::from(self.x) + 1.0 + m) / n,
            (f64::from(self.y) + 1.0 + m) / n,
        ]
    }

    /// The tile's square in WGS84 (min lon, min lat, max lon, max lat), widened by
    /// `margin` tile units.
    pub fn lonlat_bounds(&self, margin: f64) -> [f64; 4] {
        let [x0, y0, x1, y1] = self.world_bounds(margin);
        let (lon0, lat1) = world_to_lonlat(x0, y0);
        let (lon1, lat0) = world_to_lonlat(x1, y1);
        [lon0, lat0, lon1, lat1]
    }

    /// The tiles at zoom `z` covering a WGS84 box (used by tests and benchmarks).
    pub fn covering(z: u8, bbox: [f64; 4]) -> impl Iterator<Item = TileCoord> {
        let n = 1u32 << z;
        let (wx0, wy1) = lonlat_to_world(bbox[0], bbox[1]);
        let (wx1, wy0) = lonlat_to_world(bbox[2], bbox[3]);
        let clamp = |v: f64| ((v * f64::from(n)).floor().max(0.0) as u32).min(n - 1);
        let (x0, x1, y0, y1) = (clamp(wx0), clamp(wx1), clamp(wy0), clamp(wy1));
        (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| TileCoord { z, x, y }))
    }
}

impl std::fmt::Display for TileCoord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

fn number(axis: &'static str, s: &str) -> Result<u32, TileError> {
    let bad = || TileError::NotANumber {
        axis,
        value: clip(s),
    };
    // `u32::from_str` would also take a leading `+`; one spelling per tile keeps
    // caches from holding the same tile twice.
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    s.parse().map_err(|_| bad())
}

/// A path segment for an error message: at most 40 characters of it.
fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// WGS84 to world units (Web Mercator scaled to `[0, 1]`, y down). Latitudes beyond
/// Mercator's range are clamped to its edge.
pub fn lonlat_to_world(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
    let x = lon / 360.0 + 0.5;
    let y = 0.5 - (lat.tan() + 1.0 / lat.cos()).ln() / (2.0 * std::f64::consts::PI);
    (x, y)
}

pub fn world_to_lonlat(x: f64, y: f64) -> (f64, f64) {
    let lon = (x - 0.5) * 360.0;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * y))
        .sinh()
        .atan()
        .to_degrees();
    (lon, lat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_outside_the_zoom_or_the_grid_are_refused() {
        assert!(TileCoord::new(17, 0, 0, 0..=16).is_err());
        assert!(TileCoord::new(2, 4, 0, 0..=16).is_err());
        assert!(TileCoord::new(2, 0, 4, 0..=16).is_err());
        assert!(TileCoord::new(2, 3, 3, 0..=16).is_ok());
        assert!(TileCoord::new(1, 0, 0, 2..=16).is_err());
    }

    #[test]
    fn tile_paths_parse_to_coordinates_or_errors() {
        let parse = |z: &str, x: &str, f: &str| TileCoord::parse_path(z, x, f, 0..=16);
        assert_eq!(
            parse("10", "814", "483.mvt").unwrap(),
            TileCoord {
                z: 10,
                x: 814,
                y: 483
            }
        );
        for (z, x, f) in [
            ("+1", "0", "0.mvt"),
            ("1", "-0", "0.mvt"),
            ("1", "0", " 0.mvt"),
            ("99999999999999999999", "0", "0.mvt"),
            ("4294967296", "0", "0.mvt"),
            ("1", "0", "٣.mvt"),
            ("", "0", "0.mvt"),
            ("1", "0", ".mvt"),
        ] {
            assert!(
                matches!(parse(z, x, f), Err(TileError::NotANumber { .. })),
                "{z}/{x}/{f}"
            );
        }
        assert!(matches!(
            parse("1", "0", "0.png"),
            Err(TileError::Format(_))
        ));
        assert!(matches!(
            parse("4294967295", "0", "0.mvt"),
            Err(TileError::ZoomOutOfRange { .. })
        ));
        assert!(matches!(
            parse("1", "2", "0.mvt"),
            Err(TileError::OutOfRange { .. })
        ));
        let long = "9".repeat(100_000);
        let e = parse(&long, "0", "0.mvt").unwrap_err();
        assert!(e.to_string().len() < 100, "echoes only a little: {e}");
    }

    #[test]
    fn projection_round_trips_and_puts_tra_vinh_in_the_right_tile() {
        let (x, y) = lonlat_to_world(106.34, 9.93);
        let (lon, lat) = world_to_lonlat(x, y);
        assert!((lon - 106.34).abs() < 1e-9 && (lat - 9.93).abs() < 1e-9);
        // Trà Vinh is in tile 10/814/483 (checked against the XYZ formula by hand:
        // floor((106.34+180)/360*1024) = 814).
        let t = TileCoord::covering(10, [106.34, 9.93, 106.34, 9.93])
            .next()
            .unwrap();
        assert_eq!((t.x, t.y), (814, 483));
        let (px, py) = t.world_to_tile(x, y);
        assert!((0.0..4096.0).contains(&px) && (0.0..4096.0).contains(&py));
    }
}
