//! The R-tree of institution positions as an immutable base (`packed.rs`, a packed static
//! tree) plus a small overlay (an rstar tree). Entries
//! carry institutions' keys ([`Keys`]), which creations and retirements do not shift, and
//! queries hand out positions, translated through the snapshot's keys (the identity until
//! something is created or retired). The keys changed since the base was built (moved,
//! created or retired) are hidden in the base (`stale`, with where the base has them), and
//! those on the map now are held, at their place now, in a small tree of their own
//! (`moved`). A delta rebuilds only the overlay, in time proportional to it; the base
//! (millions of entries) is shared by every snapshot until the overlay grows past
//! [`OVERLAY_LIMIT`] and the next snapshot builds a fresh base.
//!
//! Queries see the union: envelope queries chain the two, nearest-neighbour walks merge
//! the two distance-ordered streams, so callers meet one tree.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rstar::primitives::GeomWithData;
use rstar::{AABB, Envelope, RTree};

use super::Keys;
use super::packed::PackedPoints;

/// A point in the R-tree, carrying the position of its institution in the list (the key,
/// inside [`Points`]).
pub type PointEntry = GeomWithData<[f64; 2], u32>;

/// Overlay entries past which a snapshot rebuilds its base instead: each delta rebuilds
/// the overlay whole, so it must stay small against the base.
pub const OVERLAY_LIMIT: usize = 4096;

/// One change to the points: an institution's key, where it was (`None`: created now)
/// and where it is (`None`: retired now).
pub type PointChange = (u32, Option<[f64; 2]>, Option<[f64; 2]>);

#[derive(Clone)]
pub struct Points {
    base: Arc<PackedPoints>,
    /// Keys whose entry in `base` is out of date (moved or retired), with where `base`
    /// has them.
    stale: Arc<HashMap<u32, [f64; 2]>>,
    /// The entries of the keys moved or created since the base, as they now are.
    moved: Arc<RTree<PointEntry>>,
    /// The snapshot's numbering: key to position.
    keys: Arc<Keys>,
}

impl Points {
    /// A base of `entries`, whose data are keys of `keys` (positions, at a full build).
    pub fn build(entries: Vec<PointEntry>, keys: Arc<Keys>) -> Self {
        Self {
            base: Arc::new(PackedPoints::build(entries)),
            stale: Arc::default(),
            moved: Arc::new(RTree::new()),
            keys,
        }
    }

    /// Entries in the overlay.
    pub fn overlay_len(&self) -> usize {
        self.stale.len().max(self.moved.size())
    }

    /// A copy in which `changes` hold, numbered by `keys` (the next snapshot's); shares
    /// the base.
    pub fn with_changes(&self, changes: &[PointChange], keys: Arc<Keys>) -> Self {
        let base_len = self.keys.base_len();
        let mut stale = self.stale.as_ref().clone();
        for &(key, before, _) in changes {
            // The first change of a base key hides the base's place; later ones change
            // the overlay only. A key created since the base is in the overlay only.
            if let Some(before) = before
                && key < base_len
            {
                stale.entry(key).or_insert(before);
            }
        }
        let now: HashSet<u32> = changes.iter().map(|c| c.0).collect();
        let mut entries: Vec<PointEntry> = self
            .moved
            .iter()
            .filter(|e| !now.contains(&e.data))
            .copied()
            .collect();
        entries.extend(
            changes
                .iter()
                .filter_map(|&(key, _, at)| Some(GeomWithData::new(at?, key))),
        );
        Self {
            base: self.base.clone(),
            stale: Arc::new(stale),
            moved: Arc::new(RTree::bulk_load(entries)),
            keys,
        }
    }

    /// The entry with its key translated to the position.
    fn at_position(&self, e: PointEntry) -> PointEntry {
        if self.keys.is_identity() {
            return e;
        }
        // Every key in the union is on the map (retired keys are stale or gone).
        let pos = self.keys.position_of(e.data).unwrap_or(u32::MAX);
        GeomWithData::new(*e.geom(), pos)
    }

    /// Entries inside or on the edge of `env`, in no particular order.
    pub fn locate_in_envelope(&self, env: AABB<[f64; 2]>) -> impl Iterator<Item = PointEntry> {
        self.base
            .locate_in_envelope(env)
            .filter(|e| !self.stale.contains_key(&e.data))
            .chain(self.moved.locate_in_envelope(env).copied())
            .map(|e| self.at_position(e))
    }

    /// How many entries `locate_in_envelope` finds, from per-node counts: the work
    /// grows with the box's edge, not with the points inside.
    pub fn count_in_envelope(&self, env: AABB<[f64; 2]>) -> usize {
        let stale_inside = self
            .stale
            .values()
            .filter(|p| env.contains_point(p))
            .count();
        self.base.count_in_envelope(&env) - stale_inside
            + self.moved.locate_in_envelope(env).count()
    }

    /// The `k` least positions `locate_in_envelope` finds, ascending, without visiting
    /// the others (a best-first walk by each node's least position).
    pub fn least_in_envelope(&self, env: AABB<[f64; 2]>, k: usize) -> Vec<u32> {
        self.base.least_in_envelope(
            &env,
            k,
            |key| self.stale.contains_key(&key),
            |key| self.keys.position_at_least(key),
            self.moved
                .locate_in_envelope(env)
                .map(|e| self.at_position(*e).data),
        )
    }

    /// Every entry with its squared Euclidean distance (in degrees) to `p`, nearest first.
    pub fn nearest_neighbor_iter_with_distance_2(
        &self,
        p: [f64; 2],
    ) -> impl Iterator<Item = (PointEntry, f64)> {
        let base = self
            .base
            .nearest_with_distance_2(p)
            .filter(|(e, _)| !self.stale.contains_key(&e.data));
        Merge {
            a: base.peekable(),
            b: self
                .moved
                .nearest_neighbor_iter_with_distance_2(p)
                .map(|(e, d)| (*e, d))
                .peekable(),
        }
        .map(|(e, d)| (self.at_position(e), d))
    }

    /// The box of every entry (after removals it may be larger than the points it
    /// holds, never smaller); empty when there are none.
    pub fn envelope(&self) -> AABB<[f64; 2]> {
        let mut e = self.base.envelope();
        if self.moved.size() > 0 {
            if self.base.size() == self.stale.len() {
                e = self.moved.root().envelope();
            } else {
                e.merge(&self.moved.root().envelope());
            }
        }
        e
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = PointEntry> {
        self.base
            .iter()
            .filter(|e| !self.stale.contains_key(&e.data))
            .chain(self.moved.iter().copied())
            .map(|e| self.at_position(e))
    }
}

/// Two distance-ordered streams as one.
struct Merge<A: Iterator, B: Iterator> {
    a: std::iter::Peekable<A>,
    b: std::iter::Peekable<B>,
}

impl<A, B> Iterator for Merge<A, B>
where
    A: Iterator<Item = (PointEntry, f64)>,
    B: Iterator<Item = (PointEntry, f64)>,
{
    type Item = (PointEntry, f64);

    fn next(&mut self) -> Option<Self::Item> {
        match (self.a.peek(), self.b.peek()) {
            (Some(x), Some(y)) if y.1 < x.1 => self.b.next(),
            (Some(_), _) => self.a.next(),
            (None, _) => self.b.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(n: u32) -> Vec<PointEntry> {
        (0..n)
            .map(|k| GeomWithData::new([f64::from(k % 50), f64::from(k / 50)], k))
            .collect()
    }

    /// The same answers as one tree built from the current entries.
    fn assert_like_one_tree(p: &Points, current: &[PointEntry]) {
        let one = RTree::bulk_load(current.to_vec());
        let env = AABB::from_corners([3.5, 2.0], [20.0, 9.5]);
        let mut got: Vec<u32> = p.locate_in_envelope(env).map(|e| e.data).collect();
        let mut want: Vec<u32> = one.locate_in_envelope(env).map(|e| e.data).collect();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want);
        assert_eq!(p.count_in_envelope(env), want.len());
        for k in [0, 1, 5, 50, want.len(), want.len() + 10] {
            let least: Vec<u32> = want.iter().take(k).copied().collect();
            assert_eq!(p.least_in_envelope(env, k), least, "{k} least");
        }
        for env in [
            AABB::from_corners([-100.0, -100.0], [100.0, 100.0]),
            AABB::from_corners([60.0, 60.0], [70.0, 70.0]),
            AABB::from_corners([10.0, 5.0], [10.0, 5.0]),
            AABB::from_corners([0.0, 0.0], [49.0, 0.5]),
        ] {
            let mut want: Vec<u32> = one.locate_in_envelope(env).map(|e| e.data).collect();
            want.sort_unstable();
            assert_eq!(p.count_in_envelope(env), want.len(), "{env:?}");
            let least: Vec<u32> = want.iter().take(7).copied().collect();
            assert_eq!(p.least_in_envelope(env, 7), least, "{env:?}");
        }
        for q in [[0.0, 0.0], [25.3, 7.7], [-3.0, 100.0], [49.0, 1.0]] {
            let got: Vec<f64> = p
                .nearest_neighbor_iter_with_distance_2(q)
                .map(|(_, d)| d)
                .collect();
            let want: Vec<f64> = one
                .nearest_neighbor_iter_with_distance_2(q)
                .map(|(_, d)| d)
                .collect();
            assert_eq!(got, want, "distances from {q:?}");
            let first = p.nearest_neighbor_iter_with_distance_2(q).next().unwrap().0;
            assert_eq!(
                first.geom(),
                one.nearest_neighbor_iter_with_distance_2(q)
                    .next()
                    .unwrap()
                    .0
                    .geom()
            );
        }
        assert_eq!(p.iter().count(), current.len());
    }

    #[test]
    fn moves_are_seen_by_every_query_and_the_base_is_shared() {
        let mut current = grid(1000);
        let keys = Arc::new(Keys::identity(1000));
        let p = Points::build(current.clone(), keys.clone());
        assert_like_one_tree(&p, &current);
        let moves: Vec<PointChange> = [(7, [33.3, 44.4]), (999, [-2.0, -2.0]), (400, [10.0, 5.0])]
            .into_iter()
            .map(|(n, to)| (n, Some(*current[n as usize].geom()), Some(to)))
            .collect();
        let q = p.with_changes(&moves, keys.clone());
        for &(n, _, at) in &moves {
            current[n as usize] = GeomWithData::new(at.unwrap(), n);
        }
        assert_like_one_tree(&q, &current);
        assert!(Arc::ptr_eq(&p.base, &q.base));
        assert_eq!(q.overlay_len(), 3);
        // Moving one again replaces its overlay entry.
        let r = q.with_changes(&[(7, Some([33.3, 44.4]), Some([1.5, 1.5]))], keys);
        current[7] = GeomWithData::new([1.5, 1.5], 7);
        assert_like_one_tree(&r, &current);
        assert_eq!(r.overlay_len(), 3);
        let e = r.envelope();
        assert_eq!(e.lower(), [-2.0, -2.0]);
        // The old snapshot still answers as it did.
        assert_like_one_tree(&p, &grid(1000));
    }
}
