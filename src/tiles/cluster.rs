//! Server-side clusters of institutions for the low zooms, computed once per data
//! version (and per filter) so that a national dataset still makes small tiles, and kept
//! up to date by deltas (`delta.rs`) instead of being built again for every edit.
//!
//! The clustering is a grid pyramid: at zoom `z` every tile is cut into
//! `2^CELLS_LOG2 × 2^CELLS_LOG2` cells and the institutions in one cell form one
//! cluster. Cells at `z` are exactly four cells at `z + 1`, so the pyramid is built
//! bottom-up in one pass over the points plus one pass per zoom over the level below
//! (linear time: two million points take well under a second), clusters nest
//! (the counts at every zoom add up to the same total), and no cluster straddles a tile
//! edge, so no point or cluster appears in two tiles. A cluster is drawn at the mean
//! position of its members (in Web Mercator), which lies inside its cell.
//!
//! Positions are summed in fixed point (world units × 2³²) so that sums are exact and
//! independent of order: a cluster updated by a delta (members taken out, others put
//! in) is the cluster a fresh build makes, bit for bit, and so are the tiles drawn from
//! it.

use strum::IntoEnumIterator;

use super::InstitutionFilter;
use super::coord::{TileCoord, lonlat_to_world};
use crate::index::ServingIndex;
use crate::model::{Institution, InstitutionKind};

mod delta;
mod level;
pub use delta::Change;
use level::Level;

/// The highest zoom with clusters; from the next one on, every institution is a point.
pub const CLUSTER_MAX_ZOOM: u8 = 11;
/// Cells per tile side, as a power of two: 16 cells of 32 pixels on a 512-pixel tile.
pub const CELLS_LOG2: u8 = 4;
/// Above [`CLUSTER_MAX_ZOOM`] a tile shows each institution as a point, unless it holds
/// more than this many: then (below the tileset's top zoom) it is clustered on the fly on
/// the same 16 × 16 grid, so a dense town cannot make a multi-megabyte tile.
pub const DENSE_TILE_POINTS: usize = 1000;
/// The number of institution kinds (checked against the enum in a test).
pub const KINDS: usize = 7;
/// Fixed-point world units: 2³² per world (about a centimetre at the equator).
const FIXED_BITS: u32 = 32;
/// Cell bits of the pyramid's bottom level.
const BOTTOM_BITS: u32 = CLUSTER_MAX_ZOOM as u32 + CELLS_LOG2 as u32;

/// A world position in fixed point, each axis in `0..2^32`.
pub fn fixed_world((wx, wy): (f64, f64)) -> (u64, u64) {
    let scale = (1u64 << FIXED_BITS) as f64;
    let max = (1u64 << FIXED_BITS) - 1;
    let f = |w: f64| ((w * scale).floor().max(0.0) as u64).min(max);
    (f(wx), f(wy))
}

/// An institution's position in fixed-point world units.
pub fn fixed_position(i: &Institution) -> (u64, u64) {
    fixed_world(lonlat_to_world(i.location.lon(), i.location.lat()))
}

/// The cell at zoom `z` (cells of `2^(z + CELLS_LOG2)` per world side) of a fixed-point
/// position.
pub fn cell_at(z: u8, (fx, fy): (u64, u64)) -> (u32, u32) {
    let shift = FIXED_BITS - (u32::from(z) + u32::from(CELLS_LOG2));
    ((fx >> shift) as u32, (fy >> shift) as u32)
}

/// The tile (x, y) a cell of any zoom lies in, at the cell's zoom.
fn tile_of_cell(cx: u32, cy: u32) -> (u32, u32) {
    (cx >> CELLS_LOG2, cy >> CELLS_LOG2)
}

/// One cell's institutions at one zoom.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    cx: u32,
    cy: u32,
    pub count: u32,
    /// Sums of the members' fixed-point world positions: exact, in any order.
    sum_x: u64,
    sum_y: u64,
    /// Members by kind, in `InstitutionKind::iter()` order.
    pub by_kind: [u32; KINDS],
    /// When `count == 1`, the member itself: in a pyramid its key (stable across deltas,
    /// see [`crate::index::Keys`]), in a dense tile's clusters its position; otherwise some
    /// member, or none, and never read.
    pub member: u32,
    /// The zoom at which this cluster splits (or its members show as points).
    pub expansion_zoom: u8,
    children: u32,
}

impl Cluster {
    fn empty(cx: u32, cy: u32, member: u32, expansion_zoom: u8) -> Self {
        Self {
            cx,
            cy,
            count: 0,
            sum_x: 0,
            sum_y: 0,
            by_kind: [0; KINDS],
            member,
            expansion_zoom,
            children: 0,
        }
    }

    /// Counts one institution (at fixed-point position `fx`, `fy`) in.
    fn add(&mut self, (fx, fy): (u64, u64), kind: InstitutionKind) {
        self.count += 1;
        self.sum_x += fx;
        self.sum_y += fy;
        self.by_kind[kind_slot(kind)] += 1;
    }

    /// The mean position of the members, in world units (the integer mean, so it stays
    /// inside the cell).
    pub fn world_position(&self) -> (f64, f64) {
        let n = u64::from(self.count.max(1));
        let scale = (1u64 << FIXED_BITS) as f64;
        (
            (self.sum_x / n) as f64 / scale,
            (self.sum_y / n) as f64 / scale,
        )
    }

    /// A number unique among the clusters of one zoom (MVT feature id).
    pub fn id(&self, z: u8) -> u64 {
        (u64::from(z) << 58) | (u64::from(self.cx) << 29) | u64::from(self.cy)
    }

    fn tile_key(&self) -> (u32, u32) {
        tile_of_cell(self.cx, self.cy)
    }

    /// Takes a child cell (of zoom `z + 1`) into this cell of zoom `z`. The result does
    /// not depend on the children's order, so a build and a delta agree.
    fn absorb(&mut self, child: &Cluster, z: u8) {
        self.count += child.count;
        self.sum_x += child.sum_x;
        self.sum_y += child.sum_y;
        for (a, b) in self.by_kind.iter_mut().zip(child.by_kind) {
            *a += b;
        }
        self.children += 1;
        self.member = self.member.min(child.member);
        // One child: the parent splits when the child does. Several: at the next zoom.
        self.expansion_zoom = if self.children > 1 {
            z + 1
        } else {
            child.expansion_zoom
        };
    }

    /// The parent cell of zoom `z` made from its children of zoom `z + 1` (none: empty).
    fn parent<'a>(
        z: u8,
        (px, py): (u32, u32),
        children: impl Iterator<Item = &'a Cluster>,
    ) -> Option<Self> {
        let mut p: Option<Cluster> = None;
        for child in children {
            p.get_or_insert_with(|| Cluster::empty(px, py, u32::MAX, child.expansion_zoom))
                .absorb(child, z);
        }
        p
    }
}

/// Clusters for zooms `0..=CLUSTER_MAX_ZOOM`, each level sorted by tile.
#[derive(Clone)]
pub struct ClusterPyramid {
    levels: Vec<Level>,
}

impl ClusterPyramid {
    pub fn build(index: &ServingIndex, filter: &InstitutionFilter) -> Self {
        let top = usize::from(CLUSTER_MAX_ZOOM);
        let mut bottom = std::collections::HashMap::<(u32, u32), Cluster>::new();
        let keys = index.keys();
        for (n, inst) in index.institutions().iter().enumerate() {
            if !filter.matches(inst) {
                continue;
            }
            let key = keys.key_of(n as u32);
            let f = fixed_position(inst);
            let (cx, cy) = cell_at(CLUSTER_MAX_ZOOM, f);
            // Positions come in ascending order: the first is the smallest member (the
            // one a delta's update finds too), named by its key.
            bottom
                .entry((cx, cy))
                .or_insert_with(|| Cluster::empty(cx, cy, key, CLUSTER_MAX_ZOOM + 1))
                .add(f, inst.kind);
        }
        let mut below = sorted(bottom.into_values().collect());
        let mut levels: Vec<Level> = vec![Level::default(); top + 1];
        for z in (0..top).rev() {
            let above = sorted(merge_up(&below, z as u8));
            levels[z + 1] = Level::from_sorted(std::mem::replace(&mut below, above));
        }
        levels[0] = Level::from_sorted(below);
        Self { levels }
    }

    /// The clusters (and single institutions, `count == 1`) of one tile.
    pub fn in_tile(&self, coord: TileCoord) -> &[Cluster] {
        match self.levels.get(usize::from(coord.z)) {
            Some(level) => level.in_tile((coord.x, coord.y)),
            None => &[],
        }
    }

    /// Institutions counted at zoom `z` (the same at every zoom).
    pub fn total(&self, z: u8) -> u64 {
        self.levels
            .get(usize::from(z))
            .map_or(0, |l| l.iter().map(|c| u64::from(c.count)).sum())
    }

    /// Approximate heap size, for the benchmarks' memory figures.
    pub fn heap_bytes(&self) -> usize {
        self.levels.iter().map(Level::heap_bytes).sum()
    }
}

/// Clusters one dense tile above [`CLUSTER_MAX_ZOOM`] on the pyramid's grid: `members`
/// are (position in the index, kind, world position). A cell with one member stays a
/// point (`count == 1`); every cluster expands at the next zoom. Sorted by cell, so the
/// same tile encodes to the same bytes.
pub fn cluster_dense_tile(
    coord: TileCoord,
    members: impl Iterator<Item = (u32, InstitutionKind, (f64, f64))>,
) -> Vec<Cluster> {
    let side = 1u32 << CELLS_LOG2;
    let (min_cx, min_cy) = (coord.x << CELLS_LOG2, coord.y << CELLS_LOG2);
    // The tile's cells in (cx, cy) order, which is the order `sorted` gives one tile.
    let mut grid: Vec<Option<Cluster>> = vec![None; (side * side) as usize];
    for (member, kind, world) in members {
        let f = fixed_world(world);
        // Points on the tile's far edge belong to this tile: clamp into its cells.
        let (cx, cy) = cell_at(coord.z, f);
        let cx = cx.clamp(min_cx, min_cx + side - 1);
        let cy = cy.clamp(min_cy, min_cy + side - 1);
        let slot = ((cx - min_cx) * side + (cy - min_cy)) as usize;
        let c = grid[slot].get_or_insert_with(|| Cluster::empty(cx, cy, member, coord.z + 1));
        c.add(f, kind);
        c.member = c.member.min(member);
    }
    grid.into_iter().flatten().collect()
}

pub fn kind_slot(kind: InstitutionKind) -> usize {
    InstitutionKind::iter()
        .position(|k| k == kind)
        .unwrap_or(KINDS - 1)
}

fn sorted(mut v: Vec<Cluster>) -> Vec<Cluster> {
    v.sort_unstable_by_key(|c| (c.tile_key(), c.cx, c.cy));
    v
}

/// The level above: each cell of zoom `z` gathers its (up to four) cells of `z + 1`.
fn merge_up(below: &[Cluster], z: u8) -> Vec<Cluster> {
    let mut parents =
        std::collections::HashMap::<(u32, u32), Cluster>::with_capacity(below.len() / 2);
    for child in below {
        let key = (child.cx >> 1, child.cy >> 1);
        parents
            .entry(key)
            .or_insert_with(|| Cluster::empty(key.0, key.1, u32::MAX, child.expansion_zoom))
            .absorb(child, z);
    }
    parents.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_zoom_counts_every_institution_once_and_clusters_expand_deeper() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let index = ServingIndex::build(crate::store::bundled::load_dir(&dir).unwrap().dataset);
        let n = index.institutions().len() as u64;
        let pyramid = ClusterPyramid::build(&index, &InstitutionFilter::default());
        for z in 0..=CLUSTER_MAX_ZOOM {
            assert_eq!(pyramid.total(z), n, "zoom {z}");
            for c in pyramid.levels[usize::from(z)].iter() {
                assert!(c.expansion_zoom > z);
                assert_eq!(c.by_kind.iter().sum::<u32>(), c.count);
                let (wx, wy) = c.world_position();
                let cells = f64::from(1u32 << (z + CELLS_LOG2));
                assert_eq!(
                    ((wx * cells) as u32, (wy * cells) as u32),
                    (c.cx, c.cy),
                    "mean inside its cell"
                );
            }
        }
        // The whole province is one cluster at zoom 0; every institution is alone at 11
        // or shares its cell with one it cannot be told apart from at that zoom.
        let top: Vec<&Cluster> = pyramid.levels[0].iter().collect();
        assert_eq!(top.len(), 1);
        assert_eq!(top[0].count as u64, n);
    }

    #[test]
    fn a_dense_tile_keeps_every_member_once_in_cells_inside_the_tile() {
        let coord = TileCoord {
            z: 13,
            x: 6520,
            y: 3870,
        };
        let [x0, y0, x1, y1] = coord.lonlat_bounds(0.0);
        // 2,500 members on a 50 × 50 lattice across the tile, edges included.
        let members: Vec<_> = (0..2500u32)
            .map(|n| {
                let lon = x0 + (x1 - x0) * f64::from(n % 50) / 49.0;
                let lat = y0 + (y1 - y0) * f64::from(n / 50) / 49.0;
                (n, InstitutionKind::College, lonlat_to_world(lon, lat))
            })
            .collect();
        let clusters = cluster_dense_tile(coord, members.iter().copied());
        assert_eq!(clusters.iter().map(|c| c.count).sum::<u32>(), 2500);
        assert_eq!(
            clusters.len(),
            256,
            "a 50 × 50 lattice fills all 16 × 16 cells"
        );
        for c in &clusters {
            assert_eq!(c.tile_key(), (coord.x, coord.y));
            assert_eq!(c.expansion_zoom, 14);
            assert_eq!(c.by_kind[kind_slot(InstitutionKind::College)], c.count);
        }
    }

    /// A cell as drawn: cell, lone member, sums, kinds, expansion zoom.
    type Drawn = (u32, u32, u32, u64, u64, [u32; KINDS], u8);

    /// The cells of every zoom as drawn: a lone member's position, a cluster's sums.
    fn drawn(p: &ClusterPyramid) -> Vec<Vec<Drawn>> {
        p.levels
            .iter()
            .map(|l| {
                l.iter()
                    .map(|c| {
                        let member = if c.count == 1 { c.member } else { 0 };
                        let ez = if c.count == 1 { 0 } else { c.expansion_zoom };
                        (c.cx, c.cy, member, c.sum_x, c.sum_y, c.by_kind, ez)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_pyramid_updated_by_a_delta_is_the_pyramid_a_build_makes_and_shares_the_rest() {
        use crate::index::Delta;
        use crate::model::LonLat;
        let index = ServingIndex::build(crate::synth::generate(3000, 5));
        let filters = [
            InstitutionFilter::default(),
            InstitutionFilter {
                kind: Some(InstitutionKind::College),
                ..Default::default()
            },
        ];
        let mut changes = std::collections::BTreeMap::new();
        for (k, n) in [3usize, 400, 401, 1700, 2999].into_iter().enumerate() {
            let mut i = index.institutions()[n].clone();
            match k {
                0 => i.location = index.institutions()[10].location,
                1 => i.kind = InstitutionKind::College,
                2 => i.location = LonLat::new(i.location.lon() + 0.3, i.location.lat()).unwrap(),
                3 => i.set_name_vi(&format!("{} mới", i.name_vi())).unwrap(),
                _ => i.location = LonLat::new(i.location.lon(), i.location.lat() - 0.002).unwrap(),
            }
            changes.insert(i.id.as_str().to_owned(), Some(i));
        }
        let next = index.apply(Delta {
            version: "next".into(),
            institutions: changes,
            ..Delta::default()
        });
        let list: Vec<Change> = [3u32, 400, 401, 1700, 2999]
            .into_iter()
            .map(|pos| Change {
                key: pos,
                old: Some(&index.institutions()[pos as usize]),
                new: Some(&next.institutions()[pos as usize]),
            })
            .collect();
        for f in &filters {
            let before = ClusterPyramid::build(&index, f);
            let (updated, tiles) = before.with_changes(&next, f, &list);
            let fresh = ClusterPyramid::build(&next, f);
            assert_eq!(drawn(&updated), drawn(&fresh), "filter {f}");
            assert!(!tiles.is_empty());
        }
    }

    #[test]
    fn setting_a_cell_copies_only_its_chunk_and_keeps_tiles_whole() {
        // 40 × 40 tiles of 4 cells each: 6,400 cells in chunks of whole tiles.
        let cells: Vec<Cluster> = (0..40u32)
            .flat_map(|tx| (0..40u32).map(move |ty| (tx, ty)))
            .flat_map(|(tx, ty)| {
                [(0, 0), (3, 1), (7, 7), (15, 2)].map(|(dx, dy)| {
                    let mut c = Cluster::empty(tx * 16 + dx, ty * 16 + dy, 0, 12);
                    c.count = 2;
                    c
                })
            })
            .collect();
        let level = Level::from_sorted(sorted(cells));
        let mut next = level.clone();
        let mut c = Cluster::empty(20 * 16 + 5, 9 * 16 + 5, 0, 12);
        c.count = 9;
        next.set((c.cx, c.cy), Some(c.clone()));
        next.set((0, 0), None);
        assert_eq!(next.shared_chunks(&level), level.chunk_count() - 2);
        assert_eq!(next.get((c.cx, c.cy)), Some(&c));
        assert_eq!(next.get((0, 0)), None);
        assert_eq!(next.in_tile((20, 9)).len(), 5);
        assert_eq!(level.in_tile((20, 9)).len(), 4);
        assert_eq!(next.in_tile((0, 0)).len(), 3);
        assert_eq!(next.iter().count(), 6400);
    }

    #[test]
    fn kinds_constant_matches_the_vocabulary() {
        assert_eq!(InstitutionKind::iter().count(), KINDS);
    }
}
