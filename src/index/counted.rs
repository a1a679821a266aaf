//! Per-node counts and least positions of the R-tree base, so that a box is counted and
//! its first page in position (id) order is found without visiting every point in it.
//!
//! rstar keeps no aggregates in its nodes, so they sit beside the tree: one [`NodeStat`]
//! per parent node in pre-order, built once with the base (which every snapshot shares
//! until the next rebuild). A walk follows rstar's own nodes and finds each child's
//! stat by the sizes of its earlier siblings' subtrees.
//!
//! - Counting adds a node's count when the box holds its whole envelope and descends only
//!   into nodes the box's edge crosses: the work grows with the box's perimeter, not with
//!   what it holds (a 1.1° box around a town holds hundreds of thousands of points).
//! - The `k` least positions come from a best-first walk ordered by each node's least
//!   position, a lower bound of every position under it: points leave the queue in
//!   ascending order, and the walk stops after `k`. Positions are ids in random order in
//!   space, so the first page of a large box lies under few nodes.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rstar::{AABB, Envelope, ParentNode, RTree, RTreeNode};

use super::points::PointEntry;

/// What one parent node holds.
#[derive(Debug, Clone, Copy)]
struct NodeStat {
    /// Points under it.
    count: u32,
    /// Parent nodes in its subtree, itself included (to skip over it in pre-order).
    nodes: u32,
    /// The least position under it (`u32::MAX` when empty).
    least: u32,
}

/// The stats of every parent node of a tree, in pre-order (the root first).
#[derive(Debug, Default)]
pub struct NodeStats(Vec<NodeStat>);

impl NodeStats {
    pub fn build(tree: &RTree<PointEntry>) -> Self {
        let mut stats = Vec::new();
        collect(tree.root(), &mut stats);
        Self(stats)
    }

    /// Points of `tree` (the tree these stats were built from) inside or on the edge of
    /// `env`, as `locate_in_envelope` would find them.
    pub fn count(&self, tree: &RTree<PointEntry>, env: &AABB<[f64; 2]>) -> usize {
        self.count_under(tree.root(), 0, env)
    }

    fn count_under(&self, node: &ParentNode<PointEntry>, at: usize, env: &AABB<[f64; 2]>) -> usize {
        if env.contains_envelope(&node.envelope()) {
            return self.0[at].count as usize;
        }
        let mut n = 0;
        let mut child = at + 1;
        for c in node.children() {
            match c {
                RTreeNode::Leaf(e) => n += usize::from(env.contains_point(e.geom())),
                RTreeNode::Parent(p) => {
                    if env.intersects(&p.envelope()) {
                        n += self.count_under(p, child, env);
                    }
                    child += self.0[child].nodes as usize;
                }
            }
        }
        n
    }

    /// The `k` least positions of `tree`'s points inside or on the edge of `env`,
    /// ascending, less those whose key `skip` refuses, merged with `extra` (positions found
    /// elsewhere, each once and none of them in the tree unskipped). The tree holds keys:
    /// `position` gives an unskipped key's position and, for any key, a position no
    /// larger than that of any greater key (it is non-decreasing), so each node's least
    /// key bounds the positions under it.
    pub fn least(
        &self,
        tree: &RTree<PointEntry>,
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
        let mut queue: BinaryHeap<Reverse<(u32, Candidate)>> = BinaryHeap::new();
        let mut node_refs: Vec<&ParentNode<PointEntry>> = vec![tree.root()];
        queue.push(Reverse((bound(self.0[0].least), Candidate::Node(0, 0))));
        for p in extra {
            queue.push(Reverse((p, Candidate::Point)));
        }
        while let Some(Reverse((key, c))) = queue.pop() {
            match c {
                Candidate::Point => {
                    out.push(key);
                    if out.len() == k {
                        break;
                    }
                }
                Candidate::Node(at, slot) => {
                    let node = node_refs[slot];
                    let mut child = at + 1;
                    for c in node.children() {
                        match c {
                            RTreeNode::Leaf(e) => {
                                if env.contains_point(e.geom()) && !skip(e.data) {
                                    queue.push(Reverse((position(e.data), Candidate::Point)));
                                }
                            }
                            RTreeNode::Parent(p) => {
                                if env.intersects(&p.envelope()) {
                                    queue.push(Reverse((
                                        bound(self.0[child].least),
                                        Candidate::Node(child, node_refs.len()),
                                    )));
                                    node_refs.push(p);
                                }
                                child += self.0[child].nodes as usize;
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

/// An entry of the best-first queue: a point (its position is the key), or a parent node
/// by its stat and its slot in the walk's list of node references.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Candidate {
    Point,
    Node(usize, usize),
}

/// Appends the stats of `node`'s subtree in pre-order; returns (count, least).
fn collect(node: &ParentNode<PointEntry>, stats: &mut Vec<NodeStat>) -> (u32, u32) {
    let at = stats.len();
    stats.push(NodeStat {
        count: 0,
        nodes: 1,
        least: u32::MAX,
    });
    let (mut count, mut least) = (0u32, u32::MAX);
    for c in node.children() {
        let (n, l) = match c {
            RTreeNode::Leaf(e) => (1, e.data),
            RTreeNode::Parent(p) => collect(p, stats),
        };
        count += n;
        least = least.min(l);
    }
    let nodes = (stats.len() - at) as u32;
    stats[at] = NodeStat {
        count,
        nodes,
        least,
    };
    (count, least)
}
