//! Answering a text query: institutions and occupations, ranked together, optionally
//! preferring institutions near a point.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::index::ServingIndex;
use crate::model::{LonLat, OccupationCode};

use super::text::QueryWord;
use super::{fold, walk};

/// The longest query, in characters: a full institution name with its district is
/// under 100. Checked at the edge (`api::edge::params::search_text`).
pub const MAX_QUERY_CHARS: usize = 200;
/// Words of a query that are looked up; more only repeat what these found.
pub const MAX_QUERY_WORDS: usize = 16;

pub struct SearchRequest<'a> {
    pub text: &'a str,
    /// Prefer institutions near here.
    pub near: Option<LonLat>,
    pub limit: usize,
    /// Treat the last word as unfinished (search-as-you-type).
    pub autocomplete: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SearchHit {
    Institution {
        /// Position in [`ServingIndex::institutions`].
        pos: usize,
        score: f64,
        distance_m: Option<f64>,
    },
    Occupation {
        code: OccupationCode,
        score: f64,
    },
}

impl SearchHit {
    pub fn score(&self) -> f64 {
        match self {
            SearchHit::Institution { score, .. } | SearchHit::Occupation { score, .. } => *score,
        }
    }
}

/// Ranked hits, best first; empty when the text has no words.
pub fn search(index: &ServingIndex, req: &SearchRequest) -> Vec<SearchHit> {
    let words = QueryWord::list(fold::words(req.text).take(MAX_QUERY_WORDS));
    if words.is_empty() || req.limit == 0 {
        return Vec::new();
    }
    let si = index.search();
    let institutions = index.institutions();
    let mut top = TopK::new(req.limit);
    // Occupations first: a small index scored whole, whose best raise the bar the
    // institutions' walk must clear.
    si.base
        .occupations
        .for_each_match(&words, req.autocomplete, |doc, s| {
            top.push(s as f64, Key::Occupation(doc));
        });
    walk::institutions(index, &words, req.autocomplete, req.near, &mut top);
    top.into_sorted()
        .into_iter()
        .map(|(score, key)| match key {
            Key::Institution(_, doc) => SearchHit::Institution {
                pos: doc as usize,
                score,
                distance_m: req
                    .near
                    .map(|p| p.geodesic_distance_m(institutions[doc as usize].location)),
            },
            Key::Occupation(doc) => SearchHit::Occupation {
                code: si.base.occupation_codes[doc as usize].clone(),
                score,
            },
        })
        .collect()
}

/// An institution's score from its text score, in a query of `query_words` words: names
/// the query covers well are preferred ("cao dang nghe tra vinh" is most of one name and
/// a small part of a longer one), and with a point, nearer institutions. It never grows
/// with `name_words` or `km`, which the ranked walk's bounds rely on.
pub(super) fn institution_score(
    text_score: f32,
    query_words: usize,
    name_words: u8,
    km: Option<f64>,
) -> f64 {
    let name_len = name_words.max(1) as f32;
    let coverage = (query_words as f32 / name_len).min(1.0);
    let score = (text_score * (0.9 + 0.1 * coverage)) as f64;
    match km {
        Some(km) => score * distance_factor(km),
        None => score,
    }
}

/// From 1 at the point down to 0.6 far away.
pub(super) fn distance_factor(km: f64) -> f64 {
    0.6 + 0.4 * (-km / 30.0).exp()
}

/// Great-circle distance on a sphere: cheap enough to rank thousands of candidates; the
/// reported distance is the geodesic one.
pub(super) fn haversine_km(a: LonLat, b: LonLat) -> f64 {
    let (la1, la2) = (a.lat().to_radians(), b.lat().to_radians());
    let dla = la2 - la1;
    let dlo = (b.lon() - a.lon()).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * 6371.0088 * h.sqrt().min(1.0).asin()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Key {
    // Institutions before occupations on equal scores: people look for places.
    // Institutions by place on the base's Hilbert curve, then position
    // (`SearchIndex::institution_key`).
    Institution(u64, u32),
    Occupation(u32),
}

/// The `k` best (score, key) pairs; ties broken by key so results are stable.
pub(super) struct TopK {
    k: usize,
    heap: BinaryHeap<Entry>,
}

#[derive(PartialEq)]
struct Entry(f64, Key);
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// "Greater" is worse, so the heap's top is the worst kept entry.
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0).then(self.1.cmp(&other.1))
    }
}

impl TopK {
    pub(super) fn new(k: usize) -> Self {
        Self {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    /// The worst score kept once `k` are kept: what a newcomer must beat (an equal score
    /// enters only with a smaller key).
    pub(super) fn kth(&self) -> Option<f64> {
        self.kth_entry().map(|e| e.0)
    }

    /// The worst entry kept once `k` are kept.
    pub(super) fn kth_entry(&self) -> Option<(f64, Key)> {
        (self.heap.len() == self.k)
            .then(|| self.heap.peek().map(|e| (e.0, e.1)))
            .flatten()
    }

    pub(super) fn push(&mut self, score: f64, key: Key) {
        let e = Entry(score, key);
        if self.heap.len() < self.k {
            self.heap.push(e);
        } else if let Some(worst) = self.heap.peek()
            && e < *worst
        {
            self.heap.pop();
            self.heap.push(e);
        }
    }

    /// As [`TopK::push`], with the key made only when the score can enter: an
    /// institution's key reads its record, which most candidates never need.
    pub(super) fn push_with(&mut self, score: f64, key: impl FnOnce() -> Key) {
        if self.heap.len() == self.k && self.heap.peek().is_some_and(|worst| score < worst.0) {
            return;
        }
        self.push(score, key());
    }

    pub(super) fn into_sorted(self) -> Vec<(f64, Key)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|Entry(s, k)| (s, k))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_keeps_the_best_in_order_with_stable_ties() {
        let mut t = TopK::new(3);
        for (s, k) in [(0.5, 4), (0.9, 1), (0.5, 2), (0.1, 0), (0.9, 3)] {
            t.push(s, Key::Institution(0, k));
        }
        // A score under the third best never needs its key made; an equal one does.
        t.push_with(0.4, || unreachable!("a score that cannot enter"));
        let mut made = false;
        t.push_with(0.5, || {
            made = true;
            Key::Institution(0, 5)
        });
        assert!(made);
        let got: Vec<(f64, Key)> = t.into_sorted();
        assert_eq!(
            got,
            [
                (0.9, Key::Institution(0, 1)),
                (0.9, Key::Institution(0, 3)),
                (0.5, Key::Institution(0, 2))
            ]
        );
    }
}
