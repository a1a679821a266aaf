//! Ranked retrieval that stops early: the best `k` institutions for a query without
//! scoring every document that holds a common word ("truong" is in most names of two
//! million).
//!
//! An institution's score ([`institution_score`]) is its text score (the mean of its
//! words' scores, each set by the field and the quality of the match) times a factor
//! that falls with the number of words in its name, times, near a point, a factor that
//! falls with distance. The base's documents are numbered by the words in their name
//! ([`super::text::TextIndexBuilder::finish_ordered`]), so the conjunction of the query's
//! postings, walked in document order, meets the largest name factors first: no
//! institution not yet met can score more than
//!
//! > best text score × name factor (next document's name)
//!
//! and the walk stops once that is below the k-th best score kept. Near a point the
//! documents are walked by blocks instead, nearest first ([`near`]). Scores and ties are
//! those of scoring every document (`tests` checks it against that): the ranking did not
//! change. The best text score is the sum of each word's best score among the lists it
//! reaches, so a query whose best matches fall short of it (every match a typo, or in a
//! weaker field than some other document's) walks further before it can stop.
//!
//! The delta's two segments (institutions changed since the base was built, a few
//! thousand at most) are scored whole first; their base documents are skipped by both
//! walks.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::Range;

use super::SearchIndex;
use super::postings::{PostingCursor, PostingList};
use super::query::{TopK, haversine_km, institution_score};
use super::text::{QueryWord, text_score, text_score_bound};
use crate::index::{Institutions, ServingIndex};
use crate::model::LonLat;

/// A word's posting lists, each with the score a document on it gets for the word.
type Lists<'a> = Vec<(PostingList<'a>, u8)>;

/// Pushes into `top` every institution that can be among its best for `words`.
pub(super) fn institutions(
    index: &ServingIndex,
    words: &[QueryWord],
    prefix_last: bool,
    near: Option<LonLat>,
    top: &mut TopK,
) {
    let si = index.search();
    let n = words.len();
    let base: Vec<Option<Lists>> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            si.base
                .institutions
                .word_lists(w, prefix_last && i + 1 == n)
        })
        .collect();
    let delta = si
        .delta
        .as_ref()
        .map(|d| d.scores(words, prefix_last))
        .unwrap_or_default();
    let recognised = super::recognised(&base, delta.iter().map(|d| d.scores.as_slice()));
    let institutions = index.institutions();
    for segment in delta {
        segment.for_each_match(&recognised, |key, text, name_words| {
            let pos = si.position(key);
            let at = institutions[pos as usize].location;
            let km = near.map(|p| haversine_km(p, at));
            let score = institution_score(text, n, name_words, km);
            top.push_with(score, || si.institution_key(pos, at));
        });
    }
    // The rules of `TextIndex::for_each_match_of`: most words recognised, and a word
    // the whole index recognises but the base does not excludes every base document.
    let known = recognised.iter().filter(|r| **r).count();
    if known == 0 || known * 2 < n || base.iter().zip(&recognised).any(|(l, r)| *r && l.is_none()) {
        return;
    }
    let lists: Vec<Lists> = base.into_iter().flatten().collect();
    if lists.is_empty() {
        return;
    }
    match near {
        Some(point) => near::walk(si, institutions, &lists, n, point, top),
        None => without_point(si, institutions, lists, n, top),
    }
}

/// The walk without a point: the conjunction in document order, with names ever longer.
fn without_point(
    si: &SearchIndex,
    institutions: &Institutions,
    lists: Vec<Lists>,
    n: usize,
    top: &mut TopK,
) {
    let b = &si.base;
    let mut text = TextWalk::new(lists, n);
    // No document from `doc` on scores more than this with a text sum of `sum`.
    let bound = |sum: u32, doc: u32| {
        let t = text_score_bound(sum, n);
        institution_score(t, n, b.name_words[doc as usize], None)
    };
    while let Some(doc) = text.peek() {
        let Some((kth, kth_key)) = top.kth_entry() else {
            text.step(si, institutions, top);
            continue;
        };
        let best = bound(text.best_sum, doc);
        if best < kth {
            return;
        }
        // Documents of one name length come in ranking-key order, so once the k-th best
        // is a tie no later document of this length can win (ties go to the smaller
        // key), and longer names cannot even tie. A document out of date is no guide:
        // its place may have moved.
        let longer = b.name_words[doc as usize].saturating_add(1);
        let key = b.doc_key[doc as usize];
        if best == kth
            && !si.stale(key)
            && institution_score(text_score_bound(text.best_sum, n), n, longer, None) < kth
        {
            let pos = si.position(key);
            if si.institution_key(pos, institutions[pos as usize].location) > kth_key {
                return;
            }
        }
        if !text.prune(kth, |sum| bound(sum, doc)) {
            return;
        }
        text.step(si, institutions, top);
    }
}

/// The conjunction of the query's words over the base, walked in document order, with
/// the lists that can no longer lead to a winner dropped as the bar rises (MaxScore's
/// idea: a completion or a field whose best leaves a document under the k-th best
/// score is not read any more).
struct TextWalk<'a> {
    /// Each word's lists that still count; the first word (fewest postings) drives.
    words: Vec<Lists<'a>>,
    /// The sum of each word's best score over its lists: no document scores more.
    best_sum: u32,
    conjunction: Conjunction<'a>,
    query_words: usize,
    /// The bar (k-th best score) and the document of the last pruning.
    pruned: Option<(f64, u32)>,
    /// A name length whose documents from here on lose every tie with the k-th best
    /// while its score is this one: they come in ranking-key order, and at one k-th
    /// score the k-th best's key only falls. Ties are common without a point (equal
    /// names), and a key reads the institution's record.
    losing_ties: Option<(u8, f64)>,
}

impl<'a> TextWalk<'a> {
    fn new(mut words: Vec<Lists<'a>>, query_words: usize) -> Self {
        words.sort_by_key(|l| l.iter().map(|e| e.0.len()).sum::<usize>());
        Self {
            best_sum: best_sum(&words),
            conjunction: Conjunction::new(&words, 0, query_words),
            words,
            query_words,
            pruned: None,
            losing_ties: None,
        }
    }

    fn peek(&self) -> Option<u32> {
        self.conjunction.peek()
    }

    /// Takes the next document and, when it matches, pushes it (no distance).
    fn step(&mut self, si: &SearchIndex, institutions: &Institutions, top: &mut TopK) {
        if let Some((doc, t)) = self.conjunction.next_match() {
            let key = si.base.doc_key[doc as usize];
            if !si.stale(key) {
                let name_words = si.base.name_words[doc as usize];
                let score = institution_score(t, self.query_words, name_words, None);
                let Some((kth, kth_key)) = top.kth_entry() else {
                    let pos = si.position(key);
                    top.push(
                        score,
                        si.institution_key(pos, institutions[pos as usize].location),
                    );
                    return;
                };
                if score < kth || (score == kth && self.losing_ties == Some((name_words, kth))) {
                    return;
                }
                let pos = si.position(key);
                let ranked = si.institution_key(pos, institutions[pos as usize].location);
                if score == kth && ranked > kth_key {
                    self.losing_ties = Some((name_words, kth));
                    return;
                }
                top.push(score, ranked);
            }
        }
    }

    /// Drops the lists on which no document can beat `kth`, `bound(sum)` bounding the
    /// score of any document not yet met whose word scores sum to `sum`. Checked when
    /// the bar or the walk has moved on by a stretch (it reads every list); false when a
    /// word has no list left, so nothing not yet met can win.
    fn prune(&mut self, kth: f64, bound: impl Fn(u32) -> f64) -> bool {
        let Some(doc) = self.peek() else {
            return true;
        };
        if self
            .pruned
            .is_some_and(|(bar, at)| bar == kth && doc < at.saturating_add(PRUNE_EVERY))
        {
            return true;
        }
        self.pruned = Some((kth, doc));
        let mut changed = false;
        loop {
            let mut dropped = false;
            for w in 0..self.words.len() {
                let best_w = self.words[w].iter().map(|e| e.1 as u32).max().unwrap_or(0);
                let others = self.best_sum - best_w;
                let before = self.words[w].len();
                self.words[w].retain(|e| bound(others + e.1 as u32) >= kth);
                if self.words[w].is_empty() {
                    return false;
                }
                if self.words[w].len() < before {
                    dropped = true;
                    self.best_sum = best_sum(&self.words);
                }
            }
            if !dropped {
                break;
            }
            changed = true;
        }
        if changed {
            self.words
                .sort_by_key(|l| l.iter().map(|e| e.0.len()).sum::<usize>());
            self.conjunction = Conjunction::new(&self.words, doc, self.query_words);
        }
        true
    }
}

/// Documents between two prunings at the same bar.
const PRUNE_EVERY: u32 = 4096;

fn best_sum(words: &[Lists]) -> u32 {
    words
        .iter()
        .map(|l| l.iter().map(|e| e.1 as u32).max().unwrap_or(0))
        .sum()
}

/// The least haversine distance, in km, of a point at Euclidean distance `r` degrees
/// (longitude, latitude) from `p` or further; 0 where no bound holds (near a pole or the
/// antimeridian). A point within D km lies within D / a degrees of latitude and
/// D / (a · cos φmax) of longitude, φmax the highest latitude within D (a = 111.195 km a
/// degree on haversine's sphere; 111 here, a little safer), so within
/// D / a · √(1 + 1 / cos² φmax) degrees; below the bound returned that is under `r`.
fn km_at_least(p: LonLat, r: f64) -> f64 {
    const KM_PER_DEGREE: f64 = 111.0;
    let lat_max = p.lat().abs() + r;
    if lat_max >= 89.0 || p.lon() - r < -180.0 || p.lon() + r > 180.0 {
        return 0.0;
    }
    let c = lat_max.to_radians().cos();
    r * KM_PER_DEGREE / (1.0 + 1.0 / (c * c)).sqrt()
}

/// The documents holding every word, in document order.
struct Conjunction<'a> {
    driver: Union<'a>,
    rest: Vec<Cursor<'a>>,
    words: usize,
}

impl<'a> Conjunction<'a> {
    /// From document `from` on; `words` non-empty, the first one driving.
    fn new(words: &[Lists<'a>], from: u32, query_words: usize) -> Self {
        Self {
            driver: Union::new(words[0].clone(), from),
            rest: words[1..]
                .iter()
                .map(|l| Cursor::new(l.clone(), from))
                .collect(),
            words: query_words,
        }
    }

    /// The conjunction over the documents `docs`, or `None` when the driving word
    /// has none there (the other words' cursors are then never made).
    fn within(words: &[Lists<'a>], docs: Range<u32>, query_words: usize) -> Option<Self> {
        let driver = Union::new(words[0].clone(), docs.start);
        if driver.peek().is_none_or(|d| d >= docs.end) {
            return None;
        }
        Some(Self {
            driver,
            rest: words[1..]
                .iter()
                .map(|l| Cursor::new(l.clone(), docs.start))
                .collect(),
            words: query_words,
        })
    }

    /// The next match before `end`, as [`Conjunction::next_match`] gives them.
    fn next_match_before(&mut self, end: u32) -> Option<(u32, f32)> {
        while self.peek().is_some_and(|d| d < end) {
            if let Some(m) = self.next_match() {
                return Some(m);
            }
        }
        None
    }

    /// The next document the walk will consider; every later match is at or after it.
    fn peek(&self) -> Option<u32> {
        self.driver.peek()
    }

    /// Takes the next document of the driving word: `Some((doc, text score))` when it
    /// holds every word and scores at least the minimum.
    fn next_match(&mut self) -> Option<(u32, f32)> {
        let (doc, first) = self.driver.next()?;
        let mut sum = first as u32;
        for c in &mut self.rest {
            match c.seek(doc) {
                0 => return None,
                s => sum += s as u32,
            }
        }
        text_score(sum, self.words).map(|t| (doc, t))
    }
}

/// A word's lists merged in document order, each document once with its best score.
struct Union<'a> {
    cursors: Vec<(PostingCursor<'a>, u8)>,
    heap: BinaryHeap<Reverse<(u32, u32)>>,
}

impl<'a> Union<'a> {
    fn new(lists: Lists<'a>, from: u32) -> Self {
        let cursors = cursors_from(&lists, from);
        let heap = cursors
            .iter()
            .enumerate()
            .filter_map(|(i, (c, _))| c.doc().map(|d| Reverse((d, i as u32))))
            .collect();
        Self { cursors, heap }
    }

    fn peek(&self) -> Option<u32> {
        self.heap.peek().map(|e| e.0.0)
    }

    fn next(&mut self) -> Option<(u32, u8)> {
        let doc = self.peek()?;
        let mut best = 0;
        while let Some(&Reverse((d, i))) = self.heap.peek() {
            if d != doc {
                break;
            }
            self.heap.pop();
            let (cursor, score) = &mut self.cursors[i as usize];
            best = best.max(*score);
            cursor.advance();
            if let Some(next) = cursor.doc() {
                self.heap.push(Reverse((next, i)));
            }
        }
        Some((doc, best))
    }
}

/// A cursor on each list, at its first document from `from` on.
fn cursors_from<'a>(lists: &[(PostingList<'a>, u8)], from: u32) -> Vec<(PostingCursor<'a>, u8)> {
    lists
        .iter()
        .map(|&(list, score)| (list.cursor_at(from), score))
        .collect()
}

/// A word's lists read forward: its score on ever later documents.
struct Cursor<'a> {
    cursors: Vec<(PostingCursor<'a>, u8)>,
}

impl<'a> Cursor<'a> {
    fn new(lists: Lists<'a>, from: u32) -> Self {
        Self {
            cursors: cursors_from(&lists, from),
        }
    }

    /// The word's score on `doc` (0: it does not hold it); `doc` never decreases.
    fn seek(&mut self, doc: u32) -> u8 {
        let mut best = 0;
        for (cursor, score) in &mut self.cursors {
            if cursor.seek(doc) == Some(doc) {
                best = best.max(*score);
            }
        }
        best
    }
}

mod filter;
mod near;
#[cfg(test)]
mod tests;
