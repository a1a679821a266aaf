//! The tile matrix set our tiles are cut in, as OGC's Two-Dimensional Tile Matrix Set
//! standard (OGC 17-083r4, "2DTMS 2.0") describes it: `WebMercatorQuad`, the XYZ
//! scheme of every web map (EPSG:3857, 256-pixel tiles, matrix `z` is `2^z × 2^z`
//! tiles, row 0 at the north). Our `z/x/y` is its `tileMatrix/tileCol/tileRow`.
//!
//! Also the tile matrix set *limits* of a tileset (the rows and columns of each matrix
//! that hold its data) and locating an OGC tile request in them. Nothing here knows
//! HTTP; `api::ogc_tiles` serves it.

use std::ops::RangeInclusive;

use serde_json::{Value, json};

use super::coord::lonlat_to_world;
use super::{TileCoord, TileError};

/// The identifier of the one tile matrix set we serve.
pub const WEB_MERCATOR_QUAD: &str = "WebMercatorQuad";
/// Its registered URI (the OGC definitions server).
pub const WEB_MERCATOR_QUAD_URI: &str =
    "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
/// Web Mercator, EPSG:3857.
pub const CRS_3857: &str = "http://www.opengis.net/def/crs/EPSG/0/3857";
/// WGS84 longitude, latitude.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const WELL_KNOWN_SCALE_SET: &str = "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible";
/// WebMercatorQuad's matrices: `0` to `24`.
pub const MAX_TILE_MATRIX: u8 = 24;
const TILE_SIZE: u32 = 256;
/// Half the equator in EPSG:3857 metres: the matrices' origin is `(-E, E)`.
const HALF_EQUATOR: f64 = 6_378_137.0 * std::f64::consts::PI;
/// The standardised rendering pixel (0.28 mm) that turns a cell size into a scale.
const PIXEL_METRES: f64 = 0.28e-3;

/// The rows and columns of one tile matrix that hold a tileset's data (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileMatrixLimits {
    pub tile_matrix: u8,
    pub min_row: u32,
    pub max_row: u32,
    pub min_col: u32,
    pub max_col: u32,
}

impl TileMatrixLimits {
    pub fn to_json(self) -> Value {
        json!({
            "tileMatrix": self.tile_matrix.to_string(),
            "minTileRow": self.min_row,
            "maxTileRow": self.max_row,
            "minTileCol": self.min_col,
            "maxTileCol": self.max_col,
        })
    }

    fn contains(&self, row: u32, col: u32) -> bool {
        (self.min_row..=self.max_row).contains(&row) && (self.min_col..=self.max_col).contains(&col)
    }
}

/// The limits of a tileset holding data within `bounds` (west, south, east, north in
/// WGS84) at the matrices `zooms`.
pub fn limits(bounds: [f64; 4], zooms: RangeInclusive<u8>) -> Vec<TileMatrixLimits> {
    let (wx0, wy1) = lonlat_to_world(bounds[0], bounds[1]);
    let (wx1, wy0) = lonlat_to_world(bounds[2], bounds[3]);
    zooms
        .filter(|z| *z <= MAX_TILE_MATRIX)
        .map(|z| {
            let n = 1u32 << z;
            let cell = |v: f64| ((v * f64::from(n)).floor().max(0.0) as u32).min(n - 1);
            TileMatrixLimits {
                tile_matrix: z,
                min_row: cell(wy0),
                max_row: cell(wy1),
                min_col: cell(wx0),
                max_col: cell(wx1),
            }
        })
        .collect()
}

/// The tile an OGC request names (`{tileMatrix}/{tileRow}/{tileCol}`), checked against
/// the tileset's limits. Each segment must be plain digits (else `NotANumber`, a 400);
/// a matrix WebMercatorQuad does not have, or a tile outside the limits, is not a tile
/// of this tileset (a 404, as OGC API – Tiles' `/req/core/tc-error` allows).
pub fn locate(
    tile_matrix: &str,
    tile_row: &str,
    tile_col: &str,
    limits: &[TileMatrixLimits],
) -> Result<TileCoord, TileError> {
    let z = number("tileMatrix", tile_matrix)?;
    let row = number("tileRow", tile_row)?;
    let col = number("tileCol", tile_col)?;
    if z > u32::from(MAX_TILE_MATRIX) {
        return Err(TileError::NoSuchTileMatrix(z));
    }
    let outside = || TileError::OutsideLimits {
        tile_matrix: z,
        row,
        col,
    };
    let l = limits
        .iter()
        .find(|l| u32::from(l.tile_matrix) == z)
        .ok_or_else(outside)?;
    if !l.contains(row, col) {
        return Err(outside());
    }
    let zooms = l.tile_matrix..=l.tile_matrix;
    TileCoord::new(z, col, row, zooms)
}

/// Plain decimal digits, at most 10 of them (as `TileCoord::parse_path` takes them).
fn number(parameter: &'static str, s: &str) -> Result<u32, TileError> {
    let bad = || TileError::NotANumber {
        axis: parameter,
        value: s.chars().take(40).collect(),
    };
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    s.parse().map_err(|_| bad())
}

/// `/tileMatrixSets`: the tile matrix sets this service cuts tiles in. `base` is the
/// service's public root (no trailing slash).
pub fn list(base: &str) -> Value {
    let href = format!("{base}/tileMatrixSets");
    json!({
        "links": [
            {"href": href, "rel": "self", "type": "application/json", "title": "Tile matrix sets"},
        ],
        "tileMatrixSets": [{
            "id": WEB_MERCATOR_QUAD,
            "title": "Google Maps Compatible for the World",
            "uri": WEB_MERCATOR_QUAD_URI,
            "crs": CRS_3857,
            "links": [{
                "href": format!("{href}/{WEB_MERCATOR_QUAD}"),
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
                "type": "application/json",
                "title": "WebMercatorQuad (OGC 2DTMS 2.0 JSON)",
            }],
        }],
    })
}

/// The definition of WebMercatorQuad in the 2DTMS 2.0 JSON encoding, with 25 matrices.
///
/// Each member is also given under its 2DTMS 1.0 name (`identifier`, `supportedCRS`,
/// `tileMatrix`, `topLeftCorner`, `type`): GDAL before 3.7 (Debian 12's 3.6, what
/// `scripts/test.sh` installs) reads only those, and 2.0 readers ignore members they do
/// not know. Both spellings describe the same matrices.
pub fn definition(base: &str) -> Value {
    let origin = [-HALF_EQUATOR, HALF_EQUATOR];
    let matrices: Vec<(u8, f64, u32)> = (0..=MAX_TILE_MATRIX)
        .map(|z| {
            let n = 1u32 << z;
            let cell = 2.0 * HALF_EQUATOR / f64::from(TILE_SIZE) / f64::from(n);
            (z, cell, n)
        })
        .collect();
    let v2: Vec<Value> = matrices
        .iter()
        .map(|&(z, cell, n)| {
            json!({
                "id": z.to_string(),
                "scaleDenominator": cell / PIXEL_METRES,
                "cellSize": cell,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": origin,
                "tileWidth": TILE_SIZE,
                "tileHeight": TILE_SIZE,
                "matrixWidth": n,
                "matrixHeight": n,
            })
        })
        .collect();
    let v1: Vec<Value> = matrices
        .iter()
        .map(|&(z, cell, n)| {
            json!({
                "type": "TileMatrixType",
                "identifier": z.to_string(),
                "scaleDenominator": cell / PIXEL_METRES,
                "topLeftCorner": origin,
                "tileWidth": TILE_SIZE,
                "tileHeight": TILE_SIZE,
                "matrixWidth": n,
                "matrixHeight": n,
            })
        })
        .collect();
    json!({
        "id": WEB_MERCATOR_QUAD,
        "title": "Google Maps Compatible for the World",
        "uri": WEB_MERCATOR_QUAD_URI,
        "crs": CRS_3857,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": WELL_KNOWN_SCALE_SET,
        "tileMatrices": v2,
        "links": [{
            "href": format!("{base}/tileMatrixSets/{WEB_MERCATOR_QUAD}"),
            "rel": "self",
            "type": "application/json",
            "title": "This tile matrix set",
        }],
        "type": "TileMatrixSetType",
        "identifier": WEB_MERCATOR_QUAD,
        "supportedCRS": CRS_3857,
        "tileMatrix": v1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_mercator_quad_has_25_matrices_halving_from_the_whole_world() {
        let d = definition("http://x");
        let m = d["tileMatrices"].as_array().unwrap();
        assert_eq!(m.len(), 25);
        assert_eq!(d["tileMatrix"].as_array().unwrap().len(), 25);
        // OGC 17-083r4 Annex D: 156543.0339280410 m and 1:559082264.0287178 at 0.
        let cell0 = m[0]["cellSize"].as_f64().unwrap();
        assert!((cell0 - 156_543.033_928_041).abs() < 1e-6, "{cell0}");
        let scale0 = m[0]["scaleDenominator"].as_f64().unwrap();
        assert!((scale0 - 559_082_264.028_717_8).abs() < 1e-3, "{scale0}");
        assert_eq!(m[24]["matrixWidth"], 1u32 << 24);
        assert_eq!(m[24]["id"], "24");
        let corner = m[3]["pointOfOrigin"].as_array().unwrap();
        assert!((corner[0].as_f64().unwrap() + 20_037_508.342_789_244).abs() < 1e-6);
    }

    #[test]
    fn limits_cover_the_bounds_and_a_request_outside_them_is_not_a_tile() {
        // Trà Vinh is in tile 10/814/483 (coord.rs checks it against the XYZ formula).
        let l = limits([106.34, 9.93, 106.34, 9.93], 0..=16);
        assert_eq!(l.len(), 17);
        let z10 = l[10];
        assert_eq!(
            (z10.min_col, z10.max_col, z10.min_row, z10.max_row),
            (814, 814, 483, 483)
        );
        assert_eq!(
            locate("10", "483", "814", &l).unwrap(),
            TileCoord {
                z: 10,
                x: 814,
                y: 483
            }
        );
        assert!(matches!(
            locate("10", "814", "483", &l),
            Err(TileError::OutsideLimits { .. })
        ));
        assert!(matches!(
            locate("17", "0", "0", &l),
            Err(TileError::OutsideLimits { .. })
        ));
        assert!(matches!(
            locate("25", "0", "0", &l),
            Err(TileError::NoSuchTileMatrix(25))
        ));
        for (m, r, c) in [
            ("-1", "0", "0"),
            ("1", "+0", "0"),
            ("1", "0", "x"),
            ("", "0", "0"),
        ] {
            assert!(
                matches!(locate(m, r, c, &l), Err(TileError::NotANumber { .. })),
                "{m}/{r}/{c}"
            );
        }
        let long = "9".repeat(100_000);
        let e = locate("1", &long, "0", &l).unwrap_err();
        assert!(e.to_string().len() < 100, "echoes only a little: {e}");
    }

    #[test]
    fn the_whole_world_limits_are_the_whole_matrices() {
        let l = limits([-180.0, -85.06, 180.0, 85.06], 0..=2);
        assert_eq!(l[2].max_col, 3);
        assert_eq!(l[2].max_row, 3);
        assert_eq!((l[0].min_col, l[0].min_row), (0, 0));
    }
}
