//! Turning geometries in tile units plus properties into an MVT 2.1 tile, on top of the
//! `mvt` crate (which owns the protobuf and command encoding).
//!
//! This is the public API other tilesets use (the `coverage` tileset, for one):
//!
//! ```
//! use vetmap::tiles::{TileBuilder, Prop, TileCoord, TileFrame};
//! let coord = TileCoord::new(10, 814, 483, 0..=16).unwrap();
//! let frame = TileFrame::new(coord);
//! let mut tile = TileBuilder::new();
//! let mut layer = tile.layer("example");
//! if let Some(p) = frame.point_lonlat(106.34, 9.93) {
//!     layer.point(p, None, &[("name", Prop::Str("Trà Vinh")), ("n", Prop::Int(3))]);
//! }
//! tile.add(layer);
//! let bytes: Option<Vec<u8>> = tile.finish(); // None: no feature at all (answer 204)
//! assert!(bytes.is_some());
//! ```
//!
//! Geometry goes in already clipped and in tile units (see [`super::TileFrame`]); this
//! module rounds to integers and guarantees what MVT requires of each geometry: polygon
//! rings of at least three distinct points with non-zero area, exterior rings with
//! positive area in tile coordinates (clockwise with y down), holes negative, no repeated
//! consecutive points, and no empty layer in the tile.

use geo::{Coord, LineString, MultiLineString, MultiPolygon};
use mvt::{GeomEncoder, GeomType};

use super::coord::EXTENT;

/// A property value. Strings are borrowed: layers copy what they keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Prop<'a> {
    Str(&'a str),
    Int(i64),
    Double(f64),
    Bool(bool),
}

/// A tile under construction.
pub struct TileBuilder {
    tile: mvt::Tile,
    features: usize,
}

impl Default for TileBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl TileBuilder {
    pub fn new() -> Self {
        Self {
            tile: mvt::Tile::new(EXTENT),
            features: 0,
        }
    }

    /// A new, empty layer for this tile; hand it back with [`TileBuilder::add`].
    pub fn layer(&self, name: &str) -> LayerBuilder {
        LayerBuilder {
            layer: Some(self.tile.create_layer(name)),
        }
    }

    /// Adds the layer unless it has no feature (MVT layers are never empty here).
    pub fn add(&mut self, layer: LayerBuilder) {
        if let Some(l) = layer.layer
            && l.num_features() > 0
        {
            self.features += l.num_features();
            // Only a duplicate name can fail; tilesets use distinct names, and losing a
            // layer is better than losing the tile.
            if let Err(e) = self.tile.add_layer(l) {
                tracing::warn!(error = %e, "layer dropped");
            }
        }
    }

    /// The encoded tile, or `None` when no layer has a feature.
    pub fn finish(self) -> Option<Vec<u8>> {
        if self.features == 0 {
            return None;
        }
        self.tile.to_bytes().ok()
    }
}

/// One layer under construction. Features whose geometry vanishes at tile resolution are
/// skipped silently: they would be invisible anyway.
pub struct LayerBuilder {
    // `mvt::Layer` moves into each feature and back; the option holds it in between.
    layer: Option<mvt::Layer>,
}

impl LayerBuilder {
    pub fn is_empty(&self) -> bool {
        self.layer.as_ref().is_none_or(|l| l.num_features() == 0)
    }

    pub fn len(&self) -> usize {
        self.layer.as_ref().map_or(0, |l| l.num_features())
    }

    /// A point in tile units.
    pub fn point(&mut self, p: Coord<f64>, id: Option<u64>, props: &[(&str, Prop<'_>)]) {
        let mut enc = GeomEncoder::<i32>::new(GeomType::Point);
        let (x, y) = (round(p.x), round(p.y));
        if enc.add_point(x, y).is_err() {
            return;
        }
        self.push(enc, id, props);
    }

    /// Lines in tile units (already clipped).
    pub fn lines(
        &mut self,
        lines: &MultiLineString<f64>,
        id: Option<u64>,
        props: &[(&str, Prop<'_>)],
    ) {
        let mut enc = GeomEncoder::<i32>::new(GeomType::Linestring);
        let mut any = false;
        for line in lines {
            let pts = integer_path(line);
            if pts.len() < 2 {
                continue;
            }
            for (x, y) in pts {
                if enc.add_point(x, y).is_err() {
                    return;
                }
            }
            if enc.complete_geom().is_err() {
                return;
            }
            any = true;
        }
        if any {
            self.push(enc, id, props);
        }
    }

    /// Polygons in tile units (already clipped, valid). Rings that collapse when rounded
    /// to integers are dropped, and a polygon whose exterior collapses is dropped whole.
    pub fn polygons(
        &mut self,
        polys: &MultiPolygon<f64>,
        id: Option<u64>,
        props: &[(&str, Prop<'_>)],
    ) {
        let mut enc = GeomEncoder::<i32>::new(GeomType::Polygon);
        let mut any = false;
        let mut last: Option<(i32, i32)> = None;
        for poly in polys {
            let Some(ext) = integer_ring(poly.exterior(), true) else {
                continue;
            };
            let holes = poly
                .interiors()
                .iter()
                .filter_map(|r| integer_ring(r, false));
            for ring in std::iter::once(ext).chain(holes) {
                if !add_ring(&mut enc, ring, &mut last) {
                    return;
                }
            }
            any = true;
        }
        if any {
            self.push(enc, id, props);
        }
    }

    fn push(&mut self, enc: GeomEncoder<i32>, id: Option<u64>, props: &[(&str, Prop<'_>)]) {
        let (Some(layer), Ok(geom)) = (self.layer.take(), enc.encode()) else {
            return;
        };
        let mut f = layer.into_feature(geom);
        if let Some(id) = id {
            f.set_id(id);
        }
        for (k, v) in props {
            match *v {
                Prop::Str(s) => f.add_tag_string(k, s),
                Prop::Int(i) => f.add_tag_sint(k, i),
                Prop::Double(d) => f.add_tag_double(k, d),
                Prop::Bool(b) => f.add_tag_bool(k, b),
            }
        }
        self.layer = Some(f.into_layer());
    }
}

fn round(v: f64) -> i32 {
    v.round()
        .clamp(f64::from(i32::MIN / 2), f64::from(i32::MAX / 2)) as i32
}

/// Rounded points with consecutive repeats removed.
fn integer_path(line: &LineString<f64>) -> Vec<(i32, i32)> {
    let mut out: Vec<(i32, i32)> = Vec::with_capacity(line.0.len());
    for c in &line.0 {
        let p = (round(c.x), round(c.y));
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    out
}

/// A ring rounded to integers, open (no closing repeat), oriented for MVT: positive area
/// (surveyor's formula in tile coordinates) for an exterior, negative for a hole. `None`
/// when it has fewer than three distinct points or no area left.
fn integer_ring(ring: &LineString<f64>, exterior: bool) -> Option<Vec<(i32, i32)>> {
    let mut pts = integer_path(ring);
    while pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    if pts.len() < 3 {
        return None;
    }
    let area2: i64 = pts
        .iter()
        .zip(pts.iter().cycle().skip(1))
        .map(|(a, b)| i64::from(a.0) * i64::from(b.1) - i64::from(b.0) * i64::from(a.1))
        .sum();
    if area2 == 0 {
        return None;
    }
    if (area2 > 0) != exterior {
        pts.reverse();
    }
    Some(pts)
}

/// Adds one ring. The `mvt` encoder joins a path to the previous one when it starts where
/// that one ended (right for lines, wrong for rings), so a ring starting on the previous
/// ring's last point is rotated to start elsewhere.
fn add_ring(
    enc: &mut GeomEncoder<i32>,
    mut ring: Vec<(i32, i32)>,
    last: &mut Option<(i32, i32)>,
) -> bool {
    if *last == ring.first().copied() {
        ring.rotate_left(1);
    }
    for &(x, y) in &ring {
        if enc.add_point(x, y).is_err() {
            return false;
        }
    }
    *last = ring.last().copied();
    enc.complete_geom().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon, polygon};

    #[test]
    fn rings_are_oriented_exterior_positive_and_holes_negative() {
        // Counter-clockwise in y-down coordinates (negative area) must be reversed.
        let ring = LineString::from(vec![
            (0.0, 0.0),
            (0.0, 10.0),
            (10.0, 10.0),
            (10.0, 0.0),
            (0.0, 0.0),
        ]);
        let ext = integer_ring(&ring, true).unwrap();
        let hole = integer_ring(&ring, false).unwrap();
        assert_eq!(ext.len(), 4);
        assert_ne!(ext, hole);
    }

    #[test]
    fn slivers_that_collapse_when_rounded_are_dropped() {
        let sliver: Polygon<f64> =
            polygon![(x: 0.0, y: 0.0), (x: 100.0, y: 0.1), (x: 200.0, y: 0.2)];
        assert!(integer_ring(sliver.exterior(), true).is_none());
        let mut tile = TileBuilder::new();
        let mut layer = tile.layer("x");
        layer.polygons(&MultiPolygon(vec![sliver]), None, &[]);
        assert!(layer.is_empty());
        tile.add(layer);
        assert!(
            tile.finish().is_none(),
            "a tile with only empty layers is no tile"
        );
    }
}
