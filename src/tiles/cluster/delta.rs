//! A pyramid updated by a delta instead of built again: each changed institution is
//! taken out of the bottom cell it was in and put in the one it is in now (when the
//! filter takes it; a retired one is only taken out, a created one only put in), and only the cells above those are made again from their four
//! children. The cost grows with the change (cells × zooms), not with the network; the
//! levels share every chunk the change does not touch with the previous pyramid.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use rstar::AABB;

use super::{CLUSTER_MAX_ZOOM, Cluster, ClusterPyramid, KINDS, cell_at, fixed_position, kind_slot};
use crate::index::ServingIndex;
use crate::model::Institution;
use crate::tiles::InstitutionFilter;
use crate::tiles::coord::{TileCoord, world_to_lonlat};

/// An institution whose tiles may show something new: its key (stable across the
/// delta, see [`crate::index::Keys`]) and its record before and after (`None`: created,
/// or retired).
#[derive(Clone, Copy)]
pub struct Change<'a> {
    pub key: u32,
    pub old: Option<&'a Institution>,
    pub new: Option<&'a Institution>,
}

/// What a delta does to one bottom cell.
#[derive(Default)]
struct Edit {
    count: i64,
    sum_x: i128,
    sum_y: i128,
    kinds: [i64; KINDS],
}

impl Edit {
    fn apply(&self, c: &mut Cluster) {
        let add = |v: u64, d: i128| u64::try_from(i128::from(v) + d).unwrap_or(0);
        c.count = u32::try_from(i64::from(c.count) + self.count).unwrap_or(0);
        c.sum_x = add(c.sum_x, self.sum_x);
        c.sum_y = add(c.sum_y, self.sum_y);
        for (k, d) in c.by_kind.iter_mut().zip(self.kinds) {
            *k = u32::try_from(i64::from(*k) + d).unwrap_or(0);
        }
    }
}

impl ClusterPyramid {
    /// This pyramid after `changes` (keys of the same numbering as the pyramid's),
    /// over `index`, the snapshot the changes lead to; with the tiles whose drawing
    /// changed (a cell appeared, emptied, or shows other counts, place or institution).
    pub fn with_changes(
        &self,
        index: &ServingIndex,
        filter: &InstitutionFilter,
        changes: &[Change<'_>],
    ) -> (Self, Vec<TileCoord>) {
        let top = CLUSTER_MAX_ZOOM;
        let mut next = self.clone();
        let shown: HashSet<u32> = changes.iter().map(|c| c.key).collect();
        let mut edits: BTreeMap<(u32, u32), Edit> = BTreeMap::new();
        for c in changes {
            let pairs = [(c.old, -1i64), (c.new, 1)];
            for (inst, sign) in pairs.into_iter().filter_map(|(i, s)| Some((i?, s))) {
                let f = fixed_position(inst);
                let e = edits.entry(cell_at(top, f)).or_default();
                if filter.matches(inst) {
                    e.count += sign;
                    e.sum_x += i128::from(sign) * i128::from(f.0);
                    e.sum_y += i128::from(sign) * i128::from(f.1);
                    e.kinds[kind_slot(inst.kind)] += sign;
                }
            }
        }
        let mut tiles = Vec::new();
        let mut note = |z: u8, cell: (u32, u32), old: Option<&Cluster>, new: Option<&Cluster>| {
            if !drawn_alike(old, new, &shown) {
                let (x, y) = super::tile_of_cell(cell.0, cell.1);
                tiles.push(TileCoord { z, x, y });
            }
        };
        let level = &mut next.levels[usize::from(top)];
        for (&cell, e) in &edits {
            let old = level.get(cell).cloned();
            let mut c = old
                .clone()
                .unwrap_or_else(|| Cluster::empty(cell.0, cell.1, u32::MAX, top + 1));
            e.apply(&mut c);
            let new = match c.count {
                0 => None,
                1 => {
                    c.member = sole_member(index, filter, cell).unwrap_or(c.member);
                    Some(c)
                }
                _ => Some(c),
            };
            note(top, cell, old.as_ref(), new.as_ref());
            level.set(cell, new);
        }
        let mut touched: BTreeSet<(u32, u32)> = edits.into_keys().collect();
        for z in (0..top).rev() {
            let parents: BTreeSet<(u32, u32)> =
                touched.iter().map(|&(x, y)| (x >> 1, y >> 1)).collect();
            let (upper, lower) = next.levels.split_at_mut(usize::from(z) + 1);
            let (level, below) = (&mut upper[usize::from(z)], &lower[0]);
            for &p in &parents {
                let old = level.get(p).cloned();
                let children = [(0, 0), (1, 0), (0, 1), (1, 1)]
                    .into_iter()
                    .filter_map(|(dx, dy)| below.get((2 * p.0 + dx, 2 * p.1 + dy)));
                let new = Cluster::parent(z, p, children);
                note(z, p, old.as_ref(), new.as_ref());
                level.set(p, new);
            }
            touched = parents;
        }
        (next, tiles)
    }
}

/// Whether a tile draws the two cells alike: a lone institution as the same, unchanged
/// institution; a cluster with the same counts, place and expansion zoom.
fn drawn_alike(old: Option<&Cluster>, new: Option<&Cluster>, shown: &HashSet<u32>) -> bool {
    match (old, new) {
        (None, None) => true,
        (Some(a), Some(b)) if a.count == b.count => {
            if a.count == 1 {
                a.member == b.member && !shown.contains(&a.member)
            } else {
                (a.sum_x, a.sum_y, a.by_kind, a.expansion_zoom)
                    == (b.sum_x, b.sum_y, b.by_kind, b.expansion_zoom)
            }
        }
        _ => false,
    }
}

/// The key of the one institution of a bottom cell the filter takes (the smallest
/// position, as a build finds it), from the R-tree: a cell is about a kilometre wide.
fn sole_member(index: &ServingIndex, filter: &InstitutionFilter, cell: (u32, u32)) -> Option<u32> {
    let side = f64::from(1u32 << super::BOTTOM_BITS);
    let max = (1u32 << super::BOTTOM_BITS) - 1;
    let (lon0, mut lat1) = world_to_lonlat(f64::from(cell.0) / side, f64::from(cell.1) / side);
    let (lon1, mut lat0) =
        world_to_lonlat(f64::from(cell.0 + 1) / side, f64::from(cell.1 + 1) / side);
    // Cells on the world's edge hold what lies beyond Web Mercator's latitudes too.
    if cell.1 == 0 {
        lat1 = 90.0;
    }
    if cell.1 == max {
        lat0 = -90.0;
    }
    let margin = 1e-6;
    let env = AABB::from_corners(
        [lon0 - margin, lat0 - margin],
        [lon1 + margin, lat1 + margin],
    );
    let all = index.institutions();
    index
        .points()
        .locate_in_envelope(env)
        .map(|e| e.data)
        .filter(|&n| {
            let inst = &all[n as usize];
            filter.matches(inst) && cell_at(CLUSTER_MAX_ZOOM, fixed_position(inst)) == cell
        })
        .min()
        .map(|n| index.keys().key_of(n))
}
