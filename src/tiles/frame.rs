//! Placing geometry in one tile: projection to tile units, simplification for a zoom,
//! clipping to the tile plus its buffer.
//!
//! Polygons are snapped to integer tile units first and then clipped with i_overlay's
//! integer overlay (OGC-valid output), so they are valid as encoded, whatever
//! simplification and snapping did to the input. Lines are clipped with `geo`.

use geo::{
    BooleanOps, BoundingRect, Coord, LineString, MapCoords, MultiLineString, MultiPolygon, Polygon,
    Rect, Simplify,
};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::{IntOverlayOptions, Overlay};
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::core::solver::Solver;
use i_overlay::i_float::int::point::IntPoint;

use super::coord::{BUFFER, EXTENT, TileCoord, lonlat_to_world};

/// Simplification tolerance in tile units: a quarter of a pixel at 512-pixel tiles
/// (8 tile units per pixel), invisible on screen.
const SIMPLIFY_TILE_UNITS: f64 = 2.0;

/// A tile and the maths to put geometry in it.
#[derive(Debug, Clone, Copy)]
pub struct TileFrame {
    pub coord: TileCoord,
    /// The tile plus buffer, in tile units.
    clip: Rect<f64>,
}

impl TileFrame {
    pub fn new(coord: TileCoord) -> Self {
        let b = f64::from(BUFFER);
        let e = f64::from(EXTENT);
        Self {
            coord,
            clip: Rect::new(Coord { x: -b, y: -b }, Coord { x: e + b, y: e + b }),
        }
    }

    /// A WGS84 position in tile units, if it lies in the tile proper (`[0, EXTENT)` on
    /// both axes, so that a point on an edge belongs to exactly one tile).
    pub fn point_lonlat(&self, lon: f64, lat: f64) -> Option<Coord<f64>> {
        let (wx, wy) = lonlat_to_world(lon, lat);
        self.point_world(wx, wy)
    }

    pub fn point_world(&self, wx: f64, wy: f64) -> Option<Coord<f64>> {
        let (x, y) = self.coord.world_to_tile(wx, wy);
        let e = f64::from(EXTENT);
        ((0.0..e).contains(&x) && (0.0..e).contains(&y)).then_some(Coord { x, y })
    }

    /// Polygons given in WGS84, simplified for this zoom and clipped: for callers that
    /// have no per-zoom cache (see [`simplify_world`] for those that do).
    pub fn polygons_lonlat(&self, polys: &MultiPolygon<f64>) -> Option<MultiPolygon<f64>> {
        let world = simplify_world(&to_world(polys), self.coord.z);
        self.polygons_world(&world)
    }

    /// Polygons in world units (already simplified for this zoom), snapped to the
    /// integer grid of tile units and clipped to the tile plus buffer. The clip is an
    /// integer overlay with OGC-valid output, so what comes out is valid *after*
    /// rounding (no self-intersections or overlaps that snapping created), and the
    /// encoder has nothing left to round. `None` when nothing is left.
    pub fn polygons_world(&self, world: &MultiPolygon<f64>) -> Option<MultiPolygon<f64>> {
        if !self.touches(world.bounding_rect()?) {
            return None;
        }
        let subject: Vec<Vec<IntPoint>> = world
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .filter_map(|ring| self.int_ring(ring))
            .collect();
        if subject.is_empty() {
            return None;
        }
        let (lo, hi) = (-(BUFFER as i32), (EXTENT + BUFFER) as i32);
        let clip = vec![vec![
            IntPoint::new(lo, lo),
            IntPoint::new(hi, lo),
            IntPoint::new(hi, hi),
            IntPoint::new(lo, hi),
        ]];
        let shapes = Overlay::with_contours_custom(
            &subject,
            &clip,
            IntOverlayOptions::ogc(),
            Solver::default(),
        )
        .overlay(OverlayRule::Intersect, FillRule::EvenOdd);
        let polys: Vec<Polygon<f64>> = shapes
            .into_iter()
            .filter_map(|shape| {
                let mut rings = shape.into_iter().map(|c| {
                    LineString::from(
                        c.into_iter()
                            .map(|p| (f64::from(p.x), f64::from(p.y)))
                            .collect::<Vec<_>>(),
                    )
                });
                let exterior = rings.next()?;
                Some(Polygon::new(exterior, rings.collect()))
            })
            .collect();
        (!polys.is_empty()).then_some(MultiPolygon(polys))
    }

    /// A ring in integer tile units, without repeats; `None` if fewer than 3 points stay.
    fn int_ring(&self, ring: &LineString<f64>) -> Option<Vec<IntPoint>> {
        const LIMIT: f64 = (1 << 29) as f64;
        let mut out: Vec<IntPoint> = Vec::with_capacity(ring.0.len());
        for c in &ring.0 {
            let t = self.tile_units(*c);
            let p = IntPoint::new(
                t.x.round().clamp(-LIMIT, LIMIT) as i32,
                t.y.round().clamp(-LIMIT, LIMIT) as i32,
            );
            if out.last() != Some(&p) {
                out.push(p);
            }
        }
        while out.len() > 1 && out.first() == out.last() {
            out.pop();
        }
        (out.len() >= 3).then_some(out)
    }

    /// Lines in world units, clipped, in tile units.
    pub fn lines_world(&self, world: &MultiLineString<f64>) -> Option<MultiLineString<f64>> {
        if !self.touches(world.bounding_rect()?) {
            return None;
        }
        let local = world.map_coords(|c| self.tile_units(c));
        let bounds = local.bounding_rect()?;
        let clipped = if self.contains(bounds) {
            local
        } else {
            self.clip.to_polygon().clip(&local, false)
        };
        (!clipped.0.is_empty()).then_some(clipped)
    }

    fn tile_units(&self, c: Coord<f64>) -> Coord<f64> {
        let (x, y) = self.coord.world_to_tile(c.x, c.y);
        Coord { x, y }
    }

    /// Whether a box in world units meets the tile plus buffer.
    fn touches(&self, r: Rect<f64>) -> bool {
        let [x0, y0, x1, y1] = self.coord.world_bounds(f64::from(BUFFER));
        r.min().x <= x1 && r.max().x >= x0 && r.min().y <= y1 && r.max().y >= y0
    }

    fn contains(&self, r: Rect<f64>) -> bool {
        let c = self.clip;
        r.min().x >= c.min().x
            && r.min().y >= c.min().y
            && r.max().x <= c.max().x
            && r.max().y <= c.max().y
    }
}

/// WGS84 polygons to world units.
pub fn to_world(polys: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    polys.map_coords(|c| {
        let (x, y) = lonlat_to_world(c.x, c.y);
        Coord { x, y }
    })
}

/// Simplified for zoom `z` (Douglas-Peucker, tolerance a fraction of a pixel there).
/// Rings may come out self-intersecting or collapsed; clipping repairs or drops them.
pub fn simplify_world(world: &MultiPolygon<f64>, z: u8) -> MultiPolygon<f64> {
    world.simplify(tolerance(z))
}

pub fn simplify_world_lines(world: &MultiLineString<f64>, z: u8) -> MultiLineString<f64> {
    world.simplify(tolerance(z))
}

fn tolerance(z: u8) -> f64 {
    SIMPLIFY_TILE_UNITS / (f64::from(EXTENT) * f64::from(1u32 << z))
}

/// The rings of polygons as lines (area outlines for the base layer).
pub fn outlines(polys: &MultiPolygon<f64>) -> MultiLineString<f64> {
    MultiLineString(
        polys
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .cloned()
            .collect::<Vec<LineString<f64>>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, polygon};

    #[test]
    fn a_polygon_larger_than_the_tile_is_cut_to_tile_plus_buffer() {
        let coord = TileCoord { z: 1, x: 1, y: 0 };
        let frame = TileFrame::new(coord);
        // The whole world, in world units: the tile is its north-east quarter, so only
        // its west and south sides get a buffer.
        let world = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)
        ]]);
        let clipped = frame.polygons_world(&world).unwrap();
        let r = clipped.bounding_rect().unwrap();
        let b = f64::from(BUFFER);
        let e = f64::from(EXTENT);
        assert!(r.min().x >= -b - 1e-6 && r.max().x <= e + b + 1e-6, "{r:?}");
        assert!((clipped.unsigned_area() - (e + b) * (e + b)).abs() < 1.0);
    }

    #[test]
    fn points_on_a_shared_edge_belong_to_one_tile_only() {
        let (lon, lat) = super::super::coord::world_to_lonlat(0.5, 0.25);
        let left = TileFrame::new(TileCoord { z: 1, x: 0, y: 0 });
        let right = TileFrame::new(TileCoord { z: 1, x: 1, y: 0 });
        assert!(left.point_lonlat(lon, lat).is_none());
        assert!(right.point_lonlat(lon, lat).is_some());
    }
}
