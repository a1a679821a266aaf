//! The `coverage` tileset: an analysis's hexagonal cells and area shares as Mapbox Vector
//! Tiles, drawn with the tiles module's encoder (`crate::tiles`).
//!
//! Layers: `coverage_cells` (one polygon per grid cell: `distance_m`, absent when no
//! institution matches; `within_radius`; `band` 0-4 as in the legend; `population` when a
//! layer is loaded) and `coverage_areas` (areas with geometry: `code`, `name`,
//! `institutions`, `share_area_within_radius`, `share_population_within_radius`).

use std::ops::RangeInclusive;

use geo::{Coord, LineString, MultiPolygon, Polygon};

use super::Analysis;
use crate::index::ServingIndex;
use crate::tiles::{Prop, TileBuilder, TileCoord, TileFrame};

pub const ZOOMS: RangeInclusive<u8> = 0..=14;

/// This tileset's entry in the `/tiles` catalogue (the same shape as the others').
pub fn catalogue_entry(base: &str) -> serde_json::Value {
    serde_json::json!({
        "id": "coverage",
        "name": "Độ phủ mạng lưới / Network coverage",
        "description": "Hexagonal cells with the distance to the nearest matching institution, and areas with their share within the radius; the query string takes the parameters of /api/v1/coverage (radius_km, cell_km, occupation, level, scheme, area_level)",
        "minzoom": ZOOMS.start(),
        "maxzoom": ZOOMS.end(),
        "layers": ["coverage_cells", "coverage_areas"],
        "tilejson": format!("{base}/tiles/coverage.json"),
        "tiles": format!("{base}/tiles/coverage/{{z}}/{{x}}/{{y}}.mvt"),
    })
}

pub const CELL_FIELDS: &[(&str, &str)] = &[
    (
        "distance_m",
        "metres to the nearest matching institution (absent: none exists)",
    ),
    (
        "within_radius",
        "whether that distance is within the radius asked for",
    ),
    (
        "band",
        "0: ≤ ½ radius, 1: ≤ radius, 2: ≤ 2 × radius, 3: farther, 4: no institution",
    ),
    (
        "population",
        "people counted in the cell, when a population layer is loaded",
    ),
];

pub const AREA_FIELDS: &[(&str, &str)] = &[
    ("code", "GSO code (with the scheme asked for)"),
    ("name", "official name"),
    (
        "institutions",
        "matching institutions whose code is this area's",
    ),
    (
        "share_area_within_radius",
        "share (0-1) of the area's grid cells within the radius",
    ),
    (
        "share_population_within_radius",
        "share (0-1) of the area's people within the radius",
    ),
];

/// The distance band of the legend (shared with the report and the web view).
pub fn band(distance_m: Option<f64>, radius_m: f64) -> i64 {
    match distance_m {
        None => 4,
        Some(d) if d <= radius_m / 2.0 => 0,
        Some(d) if d <= radius_m => 1,
        Some(d) if d <= 2.0 * radius_m => 2,
        Some(_) => 3,
    }
}

/// One tile; `None` when nothing falls in it (answer 204). Visits only the cells near
/// the tile, so a tile at a high zoom costs little however large the grid.
pub fn render(analysis: &Analysis, index: &ServingIndex, coord: TileCoord) -> Option<Vec<u8>> {
    let frame = TileFrame::new(coord);
    let [x0, y0, x1, y1] = coord.lonlat_bounds(f64::from(crate::tiles::EXTENT) / 8.0);
    let mut tile = TileBuilder::new();
    let mut cells = tile.layer("coverage_cells");
    let radius = analysis.params.radius_m;
    let grid = analysis.grid();
    for n in grid.cells_near(x0, y0, x1, y1) {
        let c = &grid.cells()[n];
        let ring = grid.ring(c);
        let outside = ring
            .iter()
            .all(|[x, y]| *x < x0 || *x > x1 || *y < y0 || *y > y1);
        if outside {
            continue;
        }
        let poly = MultiPolygon::new(vec![Polygon::new(
            LineString::from(
                ring.iter()
                    .map(|[x, y]| Coord { x: *x, y: *y })
                    .collect::<Vec<_>>(),
            ),
            vec![],
        )]);
        let Some(clipped) = frame.polygons_lonlat(&poly) else {
            continue;
        };
        let d = analysis.cell_distance_m()[n];
        let mut props = vec![
            ("within_radius", Prop::Bool(analysis.within_radius(n))),
            ("band", Prop::Int(band(d, radius))),
        ];
        if let Some(d) = d {
            props.push(("distance_m", Prop::Double((d * 10.0).round() / 10.0)));
        }
        if let Some(p) = analysis.cell_population() {
            props.push(("population", Prop::Double(p[n])));
        }
        cells.polygons(&clipped, Some(n as u64), &props);
    }
    tile.add(cells);
    let mut areas = tile.layer("coverage_areas");
    for a in &analysis.report.areas {
        let Some(g) = index
            .area(a.scheme, &a.code)
            .and_then(|x| x.geometry.as_ref())
        else {
            continue;
        };
        let Some(clipped) = frame.polygons_lonlat(g) else {
            continue;
        };
        let mut props = vec![
            ("code", Prop::Str(&a.code)),
            ("name", Prop::Str(&a.name)),
            ("institutions", Prop::Int(a.institutions as i64)),
        ];
        if let Some(s) = a.share_area_within_radius {
            props.push(("share_area_within_radius", Prop::Double(s)));
        }
        if let Some(s) = a.share_population_within_radius {
            props.push(("share_population_within_radius", Prop::Double(s)));
        }
        areas.polygons(&clipped, None, &props);
    }
    tile.add(areas);
    tile.finish()
}
