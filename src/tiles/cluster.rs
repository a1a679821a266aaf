//! Server-side clusters of institutions for the low zooms, computed once per data
//! version (and per filter) so that a national dataset still makes small tiles.
//!
//! The clustering is a grid pyramid: at zoom `z` every tile is cut into
//! `2^CELLS_LOG2 × 2^CELLS_LOG2` cells and the institutions in one cell form one
//! cluster. Cells at `z` are exactly four cells at `z + 1`, so the pyramid is built
//! bottom-up in one pass over the points plus one pass per zoom over the level below
//! (linear time: two million points take well under a second), clusters nest
//! (the counts at every zoom add up to the same total), and no cluster straddles a tile
//! edge, so no point or cluster appears in two tiles. A cluster is drawn at the mean
//! position of its members (in Web Mercator), which lies inside its cell.

use strum::IntoEnumIterator;

use super::InstitutionFilter;
use super::coord::{TileCoord, lonlat_to_world};
use crate::index::ServingIndex;
use crate::model::InstitutionKind;

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

/// One cell's institutions at one zoom.
#[derive(Debug, Clone)]
pub struct Cluster {
    cx: u32,
    cy: u32,
    pub count: u32,
    sum_x: f64,
    sum_y: f64,
    /// Members by kind, in `InstitutionKind::iter()` order.
    pub by_kind: [u32; KINDS],
    /// A member (its position in the index): the institution itself when `count == 1`.
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
            sum_x: 0.0,
            sum_y: 0.0,
            by_kind: [0; KINDS],
            member,
            expansion_zoom,
            children: 0,
        }
    }

    /// Counts one institution (at world position `wx`, `wy`) in.
    fn add(&mut self, (wx, wy): (f64, f64), kind: InstitutionKind) {
        self.count += 1;
        self.sum_x += wx;
        self.sum_y += wy;
        self.by_kind[kind_slot(kind)] += 1;
    }

    /// The mean position of the members, in world units.
    pub fn world_position(&self) -> (f64, f64) {
        let n = f64::from(self.count);
        (self.sum_x / n, self.sum_y / n)
    }

    /// A number unique among the clusters of one zoom (MVT feature id).
    pub fn id(&self, z: u8) -> u64 {
        (u64::from(z) << 58) | (u64::from(self.cx) << 29) | u64::from(self.cy)
    }

    fn tile_key(&self) -> (u32, u32) {
        (self.cx >> CELLS_LOG2, self.cy >> CELLS_LOG2)
    }
}

/// Clusters for zooms `0..=CLUSTER_MAX_ZOOM`, each level sorted by tile.
pub struct ClusterPyramid {
    levels: Vec<Vec<Cluster>>,
}

impl ClusterPyramid {
    pub fn build(index: &ServingIndex, filter: &InstitutionFilter) -> Self {
        let top = usize::from(CLUSTER_MAX_ZOOM);
        let cells = f64::from(1u32 << (CLUSTER_MAX_ZOOM + CELLS_LOG2));
        let max_cell = (1u32 << (CLUSTER_MAX_ZOOM + CELLS_LOG2)) - 1;
        let mut bottom = std::collections::HashMap::<(u32, u32), Cluster>::new();
        for (n, inst) in index.institutions().iter().enumerate() {
            if !filter.matches(inst) {
                continue;
            }
            let (wx, wy) = lonlat_to_world(inst.location.lon(), inst.location.lat());
            let cx = ((wx * cells).floor().max(0.0) as u32).min(max_cell);
            let cy = ((wy * cells).floor().max(0.0) as u32).min(max_cell);
            bottom
                .entry((cx, cy))
                .or_insert_with(|| Cluster::empty(cx, cy, n as u32, CLUSTER_MAX_ZOOM + 1))
                .add((wx, wy), inst.kind);
        }
        let mut levels: Vec<Vec<Cluster>> = vec![Vec::new(); top + 1];
        levels[top] = sorted(bottom.into_values().collect());
        for z in (0..top).rev() {
            levels[z] = sorted(merge_up(&levels[z + 1], z as u8));
        }
        Self { levels }
    }

    /// The clusters (and single institutions, `count == 1`) of one tile.
    pub fn in_tile(&self, coord: TileCoord) -> &[Cluster] {
        let Some(level) = self.levels.get(usize::from(coord.z)) else {
            return &[];
        };
        let key = (coord.x, coord.y);
        let start = level.partition_point(|c| c.tile_key() < key);
        let end = start + level[start..].partition_point(|c| c.tile_key() == key);
        &level[start..end]
    }

    /// Institutions counted at zoom `z` (the same at every zoom).
    pub fn total(&self, z: u8) -> u64 {
        self.levels
            .get(usize::from(z))
            .map_or(0, |l| l.iter().map(|c| u64::from(c.count)).sum())
    }

    /// Approximate heap size, for the benchmarks' memory figures.
    pub fn heap_bytes(&self) -> usize {
        self.levels
            .iter()
            .map(|l| l.capacity() * std::mem::size_of::<Cluster>())
            .sum()
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
    let cells = f64::from(1u32 << (u32::from(coord.z) + u32::from(CELLS_LOG2)));
    let side = 1u32 << CELLS_LOG2;
    let (min_cx, min_cy) = (coord.x << CELLS_LOG2, coord.y << CELLS_LOG2);
    let mut grid = std::collections::HashMap::<(u32, u32), Cluster>::new();
    for (member, kind, (wx, wy)) in members {
        // Points on the tile's far edge belong to this tile: clamp into its cells.
        let cx = ((wx * cells).floor().max(0.0) as u32).clamp(min_cx, min_cx + side - 1);
        let cy = ((wy * cells).floor().max(0.0) as u32).clamp(min_cy, min_cy + side - 1);
        let c = grid
            .entry((cx, cy))
            .or_insert_with(|| Cluster::empty(cx, cy, member, coord.z + 1));
        c.add((wx, wy), kind);
        c.member = c.member.min(member);
    }
    sorted(grid.into_values().collect())
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
/// Input is sorted by tile then cell, which keeps a parent's children apart from other
/// parents' only per tile, so a map gathers them.
fn merge_up(below: &[Cluster], z: u8) -> Vec<Cluster> {
    let mut parents =
        std::collections::HashMap::<(u32, u32), Cluster>::with_capacity(below.len() / 2);
    for child in below {
        let key = (child.cx >> 1, child.cy >> 1);
        let p = parents
            .entry(key)
            .or_insert_with(|| Cluster::empty(key.0, key.1, child.member, child.expansion_zoom));
        p.count += child.count;
        p.sum_x += child.sum_x;
        p.sum_y += child.sum_y;
        for (a, b) in p.by_kind.iter_mut().zip(child.by_kind) {
            *a += b;
        }
        p.children += 1;
        // One child: the parent splits when the child does. Several: at the next zoom.
        p.expansion_zoom = if p.children > 1 {
            z + 1
        } else {
            child.expansion_zoom
        };
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
            for c in &pyramid.levels[usize::from(z)] {
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
        assert_eq!(pyramid.levels[0].len(), 1);
        assert_eq!(pyramid.levels[0][0].count as u64, n);
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

    #[test]
    fn kinds_constant_matches_the_vocabulary() {
        assert_eq!(InstitutionKind::iter().count(), KINDS);
    }
}
