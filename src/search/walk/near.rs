//! The ranked walk near a point: blocks of documents taken by the best score any of their
//! documents could reach, and each block's documents walked in order.
//!
//! A block's documents share a name length and lie in the block's box (`blocks.rs`), so
//! none scores more than
//!
//! > best text score × name factor (the block's name length) × distance factor (the
//! > box's least possible distance)
//!
//! Each name length's R-tree gives its blocks nearest first, so that bound falls along
//! each; merged in one queue, blocks leave it best bound first, and the walk stops when
//! the next one's bound is under the k-th best score kept. Inside a block, a list whose
//! best cannot lift a document of the block to the k-th best is not read.
//!
//! Before this walk, the nearest-first walk of the institutions' R-tree ran beside the
//! text walk (Fagin's threshold algorithm); when the best matches lay tens of kilometres
//! from the point, it could not stop before it had passed every institution within that
//! radius (docs/BENCHMARKS.md, "search as the map sends it").

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::filter::LazyFilter;
use super::{Conjunction, Lists, best_sum, km_at_least};
use crate::index::Institutions;
use crate::model::LonLat;
use crate::search::SearchIndex;
use crate::search::blocks::PLACE_ERROR_KM;
use crate::search::query::{Key, TopK, distance_factor, haversine_km, institution_score};
use crate::search::text::text_score_bound;

/// Pushes into `top` every base institution that can be among the best near `point`:
/// `lists` are the query's words' lists over the base, `query_words` the words asked.
pub(super) fn walk(
    si: &SearchIndex,
    institutions: &Institutions,
    lists: &[Lists],
    query_words: usize,
    point: LonLat,
    top: &mut TopK,
) {
    let b = &si.base;
    let n = query_words;
    let best = best_sum(lists);
    let p = [point.lon(), point.lat()];
    let bound = |sum: u32, name_words: u8, d2: f64| {
        let text = text_score_bound(sum, n);
        institution_score(text, n, name_words, None)
            * distance_factor(km_at_least(point, d2.sqrt()))
    };
    let groups = b.blocks.groups();
    let mut nearest: Vec<_> = groups
        .iter()
        .map(|g| g.tree.nearest_neighbor_iter_with_distance_2(p))
        .collect();
    let mut queue = BinaryHeap::with_capacity(groups.len());
    let mut pull = |g: usize, queue: &mut BinaryHeap<Next>| {
        if let Some((e, d2)) = nearest[g].next() {
            let name_words = groups[g].name_words;
            let bound = bound(best, name_words, d2);
            queue.push(Next {
                bound,
                group: g,
                block: e.data,
                d2,
            });
        }
    };
    for g in 0..groups.len() {
        pull(g, &mut queue);
    }
    let mut kept: Vec<Lists> = Vec::with_capacity(lists.len());
    let mut filter = LazyFilter::new(lists, b.name_words.len());
    while let Some(next) = queue.pop() {
        if top.kth().is_some_and(|kth| next.bound < kth) {
            return;
        }
        pull(next.group, &mut queue);
        let Some(docs) = filter.narrow(b.blocks.docs(next.block)) else {
            continue;
        };
        let name_words = groups[next.group].name_words;
        if !lists_that_can_win(lists, best, top.kth(), &mut kept, |sum| {
            bound(sum, name_words, next.d2)
        }) {
            continue;
        }
        filter.spend(kept.iter().map(Vec::len).sum());
        let Some(mut conjunction) = Conjunction::within(&kept, docs.clone(), n) else {
            continue;
        };
        while let Some((doc, t)) = conjunction.next_match_before(docs.end) {
            let key = b.doc_key[doc as usize];
            // Changed and created institutions were scored from the delta segment.
            if si.stale(key) {
                continue;
            }
            let pos = si.position(key);
            // A document that cannot enter the k best, scored from a little nearer than
            // its point and ranked by its place, is passed over without reading its
            // institution's record.
            if let (Some((kth, kth_key)), Some(near)) = (top.kth_entry(), b.blocks.point(doc)) {
                let km = (haversine_km(point, near) - PLACE_ERROR_KM).max(0.0);
                let most = institution_score(t, n, name_words, Some(km));
                if most < kth
                    || (most == kth && Key::Institution(b.blocks.place(doc), pos) > kth_key)
                {
                    continue;
                }
            }
            let at = institutions[pos as usize].location;
            let km = haversine_km(point, at);
            let score = institution_score(t, n, name_words, Some(km));
            // The same key as `si.institution_key(pos, at)`: the document is not stale.
            top.push_with(score, || Key::Institution(b.blocks.place(doc), pos));
        }
    }
}

/// Fills `kept` with each word's lists on which a document bounded by `bound(sum of its
/// words' scores)` can still reach `kth`, the word with the fewest postings first; false
/// when some word has none left.
fn lists_that_can_win<'a>(
    lists: &[Lists<'a>],
    best: u32,
    kth: Option<f64>,
    kept: &mut Vec<Lists<'a>>,
    bound: impl Fn(u32) -> f64,
) -> bool {
    kept.clear();
    for word in lists {
        let best_w = word.iter().map(|e| e.1 as u32).max().unwrap_or(0);
        let others = best - best_w;
        let can = word
            .iter()
            .filter(|e| kth.is_none_or(|kth| bound(others + e.1 as u32) >= kth));
        let can: Lists = can.copied().collect();
        if can.is_empty() {
            return false;
        }
        kept.push(can);
    }
    kept.sort_by_key(|l| l.iter().map(|e| e.0.len()).sum::<usize>());
    true
}

/// A block waiting in the queue, with the best score any of its documents could reach.
struct Next {
    bound: f64,
    group: usize,
    block: u32,
    /// The squared distance (degrees) from the point to the block's box.
    d2: f64,
}

impl PartialEq for Next {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Next {}
impl PartialOrd for Next {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Next {
    /// The best bound is the greatest; ties by block, so the walk is the same every time.
    fn cmp(&self, other: &Self) -> Ordering {
        self.bound
            .total_cmp(&other.bound)
            .then(other.block.cmp(&self.block))
    }
}
