//! Turning geometries in tile units plus properties into an MVT 2.1 tile. The protobuf
//! and the geometry commands are written by [`wire`], which makes the bytes the `mvt`
//! crate made, without its per-feature allocations (see there why).
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

use super::coord::EXTENT;
use wire::{GeomKind, Geometry, LayerWriter};

#[cfg(test)]
mod tests;
mod wire;

/// A property value. Strings are borrowed: layers copy what they keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Prop<'a> {
    Str(&'a str),
    Int(i64),
    Double(f64),
    Bool(bool),
}

/// A tile under construction.
#[derive(Default)]
pub struct TileBuilder {
    layers: Vec<LayerWriter>,
}

impl TileBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A new, empty layer for this tile; hand it back with [`TileBuilder::add`].
    pub fn layer(&self, name: &str) -> LayerBuilder {
        LayerBuilder {
            layer: LayerWriter::new(name, EXTENT),
            geom: Geometry::new(),
        }
    }

    /// Adds the layer unless it has no feature (MVT layers are never empty here).
    pub fn add(&mut self, layer: LayerBuilder) {
        let l = layer.layer;
        if l.num_features() == 0 {
            return;
        }
        // Tilesets use distinct names, and losing a layer is better than losing the tile.
        if self.layers.iter().any(|known| known.name() == l.name()) {
            tracing::warn!(layer = l.name(), "layer dropped: its name is taken");
            return;
        }
        self.layers.push(l);
    }

    /// The encoded tile, or `None` when no layer has a feature.
    pub fn finish(self) -> Option<Vec<u8>> {
        (!self.layers.is_empty()).then(|| wire::tile(&self.layers))
    }
}

/// One layer under construction. Features whose geometry vanishes at tile resolution are
/// skipped silently: they would be invisible anyway.
pub struct LayerBuilder {
    layer: LayerWriter,
    /// The geometry of the feature being added (its buffer kept from one to the next).
    geom: Geometry,
}

impl LayerBuilder {
    pub fn is_empty(&self) -> bool {
        self.layer.num_features() == 0
    }

    pub fn len(&self) -> usize {
        self.layer.num_features()
    }

    /// Room for `features` more features and `values` more distinct values, when the
    /// caller knows (the tables then do not grow and rehash feature by feature).
    pub fn reserve(&mut self, features: usize, values: usize) {
        self.layer.reserve(features, values);
    }

    /// A point in tile units.
    pub fn point(&mut self, p: Coord<f64>, id: Option<u64>, props: &[(&str, Prop<'_>)]) {
        self.geom.reset(GeomKind::Point);
        self.geom.add_point(round(p.x), round(p.y));
        self.push(id, props);
    }

    /// Lines in tile units (already clipped).
    pub fn lines(
        &mut self,
        lines: &MultiLineString<f64>,
        id: Option<u64>,
        props: &[(&str, Prop<'_>)],
    ) {
        self.geom.reset(GeomKind::Linestring);
        let mut any = false;
        for line in lines {
            let pts = integer_path(line);
            if pts.len() < 2 {
                continue;
            }
            for (x, y) in pts {
                self.geom.add_point(x, y);
            }
            self.geom.complete_geom();
            any = true;
        }
        if any {
            self.push(id, props);
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
        self.geom.reset(GeomKind::Polygon);
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
                add_ring(&mut self.geom, ring, &mut last);
            }
            any = true;
        }
        if any {
            self.push(id, props);
        }
    }

    fn push(&mut self, id: Option<u64>, props: &[(&str, Prop<'_>)]) {
        let kind = self.geom.kind();
        let commands = self.geom.finish();
        self.layer.feature(id, props, kind, commands);
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

/// Adds one ring. The encoder joins a path to the previous one when it starts where
/// that one ended (right for lines, wrong for rings), so a ring starting on the previous
/// ring's last point is rotated to start elsewhere.
fn add_ring(geom: &mut Geometry, ring: Vec<(i32, i32)>, last: &mut Option<(i32, i32)>) {
    add_ring_with(ring, last, |x, y| geom.add_point(x, y));
    geom.complete_geom();
}

fn add_ring_with(
    mut ring: Vec<(i32, i32)>,
    last: &mut Option<(i32, i32)>,
    mut add: impl FnMut(i32, i32),
) {
    if *last == ring.first().copied() {
        ring.rotate_left(1);
    }
    for &(x, y) in &ring {
        add(x, y);
    }
    *last = ring.last().copied();
}
