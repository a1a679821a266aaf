//! The base of the R-tree of institution positions: a static, packed R-tree in flat
//! arrays (Flatbush's layout), with each node's least key beside its box.
//!
//! Why not `rstar` for the base: at two million points its nodes held 24-byte entries in
//! 64-byte enum slots, with a vector per node, about 190 MB; here a point is its
//! coordinates and key (20 bytes, 40 MB in all) and the nodes add a few MB. The base never
//! changes after it is built (moves go to the overlay, `points.rs`), so a tree that
//! cannot insert costs nothing. rstar also keeps no aggregates, which counting and paging
//! a box need; the crates that pack a static tree (`static_aabb2d_index`) give no access
//! to their nodes either, so this one is ours. The small trees (the overlay, per
//! occupation) stay on rstar.
//!
//! - Points are sorted along a Hilbert curve (`curve.rs`) over their extent, then cut
//!   into leaves of [`NODE`] consecutive points; each level above groups [`NODE`]
//!   consecutive nodes of the level below. Children are found by arithmetic, and a
//!   node's point count is its span, so neither is stored.
//! - Coordinates stay `f64`: answers on a box's edge are exactly those of the points.
//! - Counting adds a node's count when the box holds its whole box and descends only into
//!   nodes the box's edge crosses: the work grows with the box's perimeter, not with what
//!   it holds (a 1.1° box around a town holds hundreds of thousands of points).
//! - The `k` least positions come from a best-first walk ordered by each node's least
//!   key, a lower bound of every position under it: points leave the queue in ascending
//!   order, and the walk stops after `k`. Keys are ids in random order in space, so the
//!   first page of a large box lies under few nodes.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::ops::Range;

use rstar::primitives::GeomWithData;
use rstar::{AABB, Envelope};

use super::curve::HilbertCurve;
use super::points::PointEntry;

/// Children per node: Flatbush's default, a good trade between the height of the tree and
/// the points a leaf makes a query test.
const NODE: usize = 16;

/// A node's box: min x, min y, max x, max y.
type NodeBox = [f64; 4];

#[derive(Debug, Default)]
pub struct PackedPoints {
    /// Coordinates in curve order.
    points: Box<[[f64; 2]]>,
    /// Each point's key, in the same order.
    keys: Box<[u32]>,
    /// Levels of nodes, the leaves first and the root (one node) last; empty when there
    /// are no points.
    levels: Box<[Level]>,
}

#[derive(Debug)]
struct Level {
    boxes: Box<[NodeBox]>,
    /// The least key under each node.
    least: Box<[u32]>,
}

/// A node: its level and its place in that level.
type NodeAt = (u8, u32);

impl PackedPoints {
    pub fn build(entries: Vec<PointEntry>) -> Self {
        if entries.is_empty() {
            return Self::default();
        }
        let curve = HilbertCurve::over(entries.iter().map(|e| *e.geom()));
        // Each place on the curve computed once, not at every comparison; the key breaks
        // ties, so equal inputs give the same tree.
        let mut on_curve: Vec<(u64, PointEntry)> = entries
            .into_iter()
            .map(|e| (curve.place(*e.geom()), e))
            .collect();
        on_curve.sort_unstable_by_key(|(h, e)| (*h, e.data));
        let points: Box<[[f64; 2]]> = on_curve.iter().map(|(_, e)| *e.geom()).collect();
        let keys: Box<[u32]> = on_curve.iter().map(|(_, e)| e.data).collect();
        drop(on_curve);
        let mut levels = vec![Level {
            boxes: points
                .chunks(NODE)
                .map(|c| {
                    c.iter()
                        .fold(empty_box(), |b, p| merge(b, [p[0], p[1], p[0], p[1]]))
                })
                .collect(),
            least: keys
                .chunks(NODE)
                .map(|c| c.iter().copied().min().unwrap_or(u32::MAX))
                .collect(),
        }];
        while let Some(below) = levels.last().filter(|l| l.boxes.len() > 1) {
            let level = Level {
                boxes: below
                    .boxes
                    .chunks(NODE)
                    .map(|c| c.iter().fold(empty_box(), |b, n| merge(b, *n)))
                    .collect(),
                least: below
                    .least
                    .chunks(NODE)
                    .map(|c| c.iter().copied().min().unwrap_or(u32::MAX))
                    .collect(),
            };
            levels.push(level);
        }
        Self {
            points,
            keys,
            levels: levels.into(),
        }
    }

    pub fn size(&self) -> usize {
        self.points.len()
    }

    /// The box of every point; empty (as rstar's) when there are none.
    pub fn envelope(&self) -> AABB<[f64; 2]> {
        match self.levels.last() {
            Some(root) => {
                let b = root.boxes[0];
                AABB::from_corners([b[0], b[1]], [b[2], b[3]])
            }
            None => AABB::new_empty(),
        }
    }

    /// Every point, in curve order.
    pub fn iter(&self) -> impl Iterator<Item = PointEntry> + '_ {
        (0..self.points.len()).map(|n| self.entry(n))
    }

    fn entry(&self, n: usize) -> PointEntry {
        GeomWithData::new(self.points[n], self.keys[n])
    }

    fn root(&self) -> Option<NodeAt> {
        (!self.levels.is_empty()).then(|| ((self.levels.len() - 1) as u8, 0))
    }

    fn node_box(&self, (level, n): NodeAt) -> NodeBox {
        self.levels[level as usize].boxes[n as usize]
    }

    fn least_key(&self, (level, n): NodeAt) -> u32 {
        self.levels[level as usize].least[n as usize]
    }

    /// The points under a leaf (level 0).
    fn points_of(&self, n: u32) -> Range<usize> {
        let start = n as usize * NODE;
        start..(start + NODE).min(self.points.len())
    }

    /// The nodes under a node above the leaves, as places in the level below.
    fn children_of(&self, (level, n): NodeAt) -> impl Iterator<Item = NodeAt> {
        let below = level - 1;
        let start = n as usize * NODE;
        let end = (start + NODE).min(self.levels[below as usize].boxes.len());
        (start as u32..end as u32).map(move |c| (below, c))
    }

    /// Points under a node: its span of the curve order, cut by the end.
    fn count_of(&self, (level, n): NodeAt) -> usize {
        let span = NODE.pow(u32::from(level) + 1);
        let start = n as usize * span;
        (start + span).min(self.points.len()) - start
    }

    /// Points inside or on the edge of `env`, in no particular order.
    pub fn locate_in_envelope(&self, env: AABB<[f64; 2]>) -> InEnvelope<'_> {
        let stack = self
            .root()
            .filter(|&r| intersects(&env, self.node_box(r)))
            .into_iter()
            .collect();
        InEnvelope {
            tree: self,
            env,
            stack,
            points: 0..0,
        }
    }

    /// How many points `locate_in_envelope` finds.
    pub fn count_in_envelope(&self, env: &AABB<[f64; 2]>) -> usize {
        self.root()
            .filter(|&r| intersects(env, self.node_box(r)))
            .map_or(0, |r| self.count_under(r, env))
    }

    fn count_under(&self, node: NodeAt, env: &AABB<[f64; 2]>) -> usize {
        if contains(env, self.node_box(node)) {
            return self.count_of(node);
        }
        if node.0 == 0 {
            return self.points[self.points_of(node.1)]
                .iter()
                .filter(|p| env.contains_point(p))
                .count();
        }
        self.children_of(node)
            .filter(|&c| intersects(env, self.node_box(c)))
            .map(|c| self.count_under(c, env))
            .sum()
    }

    /// The `k` least positions of the points inside or on the edge of `env`, ascending,
    /// less those whose key `skip` refuses, merged with `extra` (positions found
    /// elsewhere, each once and none of them here unskipped). `position` gives an
    /// unskipped key's position and, for any key, a position no larger than that of any
    /// greater key (it is non-decreasing), so each node's least key bounds the positions
    /// under it.
    pub fn least_in_envelope(
        &self,
        env: &AABB<[f64; 2]>,
        k: usize,
        skip: impl Fn(u32) -> bool,
        position: impl Fn(u32) -> u32,
        extra: impl IntoIterator<Item = u32>,
    ) -> Vec<u32> {
        let bound = |least: u32| {
            if least == u32::MAX {
                u32::MAX
            } else {
                position(least)
            }
        };
        let mut out = Vec::with_capacity(k.min(1 << 16));
        if k == 0 {
            return out;
        }
        // Keyed by the least position under each candidate; a point is its own key.
        let mut queue: BinaryHeap<Reverse<(u32, Option<NodeAt>)>> = BinaryHeap::new();
        if let Some(root) = self.root().filter(|&r| intersects(env, self.node_box(r))) {
            queue.push(Reverse((bound(self.least_key(root)), Some(root))));
        }
        queue.extend(extra.into_iter().map(|p| Reverse((p, None))));
        while let Some(Reverse((key, node))) = queue.pop() {
            match node {
                None => {
                    out.push(key);
                    if out.len() == k {
                        break;
                    }
                }
                Some((0, leaf)) => {
                    for n in self.points_of(leaf) {
                        let key = self.keys[n];
                        if env.contains_point(&self.points[n]) && !skip(key) {
                            queue.push(Reverse((position(key), None)));
                        }
                    }
                }
                Some(parent) => {
                    for c in self.children_of(parent) {
                        if intersects(env, self.node_box(c)) {
                            queue.push(Reverse((bound(self.least_key(c)), Some(c))));
                        }
                    }
                }
            }
        }
        out
    }

    /// Every point with its squared Euclidean distance (in degrees) to `p`, nearest first
    /// (best-first over the nodes' boxes).
    pub fn nearest_with_distance_2(&self, p: [f64; 2]) -> Nearest<'_> {
        let mut queue = BinaryHeap::new();
        if let Some(root) = self.root() {
            queue.push(Reverse(Candidate {
                d2: box_distance_2(self.node_box(root), p),
                what: Err(root),
            }));
        }
        Nearest {
            tree: self,
            p,
            queue,
        }
    }
}

/// The iterator of [`PackedPoints::locate_in_envelope`]: a depth-first walk.
pub struct InEnvelope<'t> {
    tree: &'t PackedPoints,
    env: AABB<[f64; 2]>,
    stack: Vec<NodeAt>,
    /// The rest of the leaf being read.
    points: Range<usize>,
}

impl Iterator for InEnvelope<'_> {
    type Item = PointEntry;

    fn next(&mut self) -> Option<PointEntry> {
        loop {
            for n in self.points.by_ref() {
                if self.env.contains_point(&self.tree.points[n]) {
                    return Some(self.tree.entry(n));
                }
            }
            match self.stack.pop()? {
                (0, leaf) => self.points = self.tree.points_of(leaf),
                parent => {
                    let (tree, env) = (self.tree, &self.env);
                    self.stack.extend(
                        tree.children_of(parent)
                            .filter(|&c| intersects(env, tree.node_box(c))),
                    );
                }
            }
        }
    }
}

/// The iterator of [`PackedPoints::nearest_with_distance_2`].
pub struct Nearest<'t> {
    tree: &'t PackedPoints,
    p: [f64; 2],
    queue: BinaryHeap<Reverse<Candidate>>,
}

/// A point (by its place) or a node, with its least squared distance.
struct Candidate {
    d2: f64,
    what: Result<usize, NodeAt>,
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.d2.total_cmp(&other.d2)
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate {}

impl Iterator for Nearest<'_> {
    type Item = (PointEntry, f64);

    fn next(&mut self) -> Option<Self::Item> {
        let tree = self.tree;
        while let Some(Reverse(c)) = self.queue.pop() {
            match c.what {
                Ok(n) => return Some((tree.entry(n), c.d2)),
                Err((0, leaf)) => {
                    self.queue.extend(tree.points_of(leaf).map(|n| {
                        let [x, y] = tree.points[n];
                        let (dx, dy) = (x - self.p[0], y - self.p[1]);
                        Reverse(Candidate {
                            d2: dx * dx + dy * dy,
                            what: Ok(n),
                        })
                    }));
                }
                Err(parent) => {
                    self.queue.extend(tree.children_of(parent).map(|c| {
                        Reverse(Candidate {
                            d2: box_distance_2(tree.node_box(c), self.p),
                            what: Err(c),
                        })
                    }));
                }
            }
        }
        None
    }
}

fn empty_box() -> NodeBox {
    [f64::MAX, f64::MAX, f64::MIN, f64::MIN]
}

fn merge(a: NodeBox, b: NodeBox) -> NodeBox {
    [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[2].max(b[2]),
        a[3].max(b[3]),
    ]
}

fn intersects(env: &AABB<[f64; 2]>, b: NodeBox) -> bool {
    let (lo, hi) = (env.lower(), env.upper());
    lo[0] <= b[2] && b[0] <= hi[0] && lo[1] <= b[3] && b[1] <= hi[1]
}

fn contains(env: &AABB<[f64; 2]>, b: NodeBox) -> bool {
    let (lo, hi) = (env.lower(), env.upper());
    lo[0] <= b[0] && b[2] <= hi[0] && lo[1] <= b[1] && b[3] <= hi[1]
}

/// The least squared distance from `p` to a point of the box.
fn box_distance_2(b: NodeBox, p: [f64; 2]) -> f64 {
    let dx = (b[0] - p[0]).max(0.0).max(p[0] - b[2]);
    let dy = (b[1] - p[1]).max(0.0).max(p[1] - b[3]);
    dx * dx + dy * dy
}

#[cfg(test)]
mod tests {
    use rstar::RTree;

    use super::*;

    /// Clustered points with repeats, as towns make them: rstar answers as the reference.
    fn towns(n: u32) -> Vec<PointEntry> {
        let mut s = 0x9E37_79B9_u32;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            f64::from(s) / f64::from(u32::MAX)
        };
        (0..n)
            .map(|k| {
                let town = f64::from(k % 7);
                let at = [104.0 + town + next() * 0.3, 9.0 + town * 1.5 + next() * 0.2];
                // Every tenth sits on another's exact place.
                let at = if k % 10 == 9 { [104.0, 9.0] } else { at };
                // Keys a permutation out of step with space (7919 is prime).
                GeomWithData::new(at, (u64::from(k) * 7919 % u64::from(n)) as u32)
            })
            .collect()
    }

    #[test]
    fn answers_as_rstar_does() {
        for n in [0, 1, 15, 16, 17, 256, 257, 5000] {
            let entries = towns(n);
            let packed = PackedPoints::build(entries.clone());
            let reference = RTree::bulk_load(entries.clone());
            assert_eq!(packed.size(), n as usize);
            let mut all: Vec<u32> = packed.iter().map(|e| e.data).collect();
            all.sort_unstable();
            assert_eq!(all, (0..n).collect::<Vec<_>>());
            assert_eq!(packed.envelope(), reference.root().envelope(), "{n}");
            for env in [
                AABB::from_corners([104.0, 9.0], [104.1, 9.05]),
                AABB::from_corners([104.9, 9.0], [107.2, 13.0]),
                AABB::from_corners([0.0, 0.0], [200.0, 90.0]),
                AABB::from_corners([104.0, 9.0], [104.0, 9.0]),
                AABB::from_corners([50.0, 50.0], [51.0, 51.0]),
            ] {
                let mut got: Vec<u32> = packed.locate_in_envelope(env).map(|e| e.data).collect();
                let mut want: Vec<u32> =
                    reference.locate_in_envelope(env).map(|e| e.data).collect();
                got.sort_unstable();
                want.sort_unstable();
                assert_eq!(got, want, "{n} {env:?}");
                assert_eq!(packed.count_in_envelope(&env), want.len());
                for k in [1, 3, 40] {
                    let least = packed.least_in_envelope(&env, k, |_| false, |key| key, []);
                    assert_eq!(least, want.iter().take(k).copied().collect::<Vec<_>>());
                }
                // Skipped keys are left out, and extra positions merged in order.
                let odd = packed.least_in_envelope(&env, 5, |k| k % 2 == 0, |k| k, [1_000_001]);
                let mut want_odd: Vec<u32> = want.iter().copied().filter(|k| k % 2 == 1).collect();
                want_odd.push(1_000_001);
                want_odd.truncate(5);
                assert_eq!(odd, want_odd);
            }
            for q in [[104.0, 9.0], [106.3, 12.1], [0.0, 0.0], [104.15, 9.1]] {
                let got: Vec<f64> = packed.nearest_with_distance_2(q).map(|(_, d)| d).collect();
                let want: Vec<f64> = reference
                    .nearest_neighbor_iter_with_distance_2(q)
                    .map(|(_, d)| d)
                    .collect();
                assert_eq!(got, want, "{n} {q:?}");
                for (e, d) in packed.nearest_with_distance_2(q).take(20) {
                    let [x, y] = *e.geom();
                    assert_eq!(d, (x - q[0]).powi(2) + (y - q[1]).powi(2));
                }
            }
        }
    }

    #[test]
    fn a_point_costs_twenty_bytes_and_nodes_little() {
        let packed = PackedPoints::build(towns(100_000));
        let nodes: usize = packed.levels.iter().map(|l| l.boxes.len()).sum();
        // 6,250 leaves, 391, 25, 2, 1.
        assert_eq!(nodes, 6_250 + 391 + 25 + 2 + 1);
        assert_eq!(packed.levels.len(), 5);
    }
}
