//! The documents that hold the query's rarest words, as one bit each, so that the walk
//! near a point can pass over a block that holds none of them without reading a list.
//!
//! The walk near a point must prove that no block it has not read can beat the k-th
//! best. When the best matches lie far away (a place's name searched from another
//! province), every block nearer than them keeps a bound above the k-th best, and
//! reading one costs a search in each of the query's lists: hundreds of blocks, dozens of
//! lists. Marking the rarest word's documents costs one pass over its postings, which a
//! query the blocks answer quickly would never repay; so the walk builds the filter only
//! once the searches it has spent would have paid for it (the ski-rental rule: never more
//! than about twice the better of the two).

use std::ops::Range;

use super::Lists;

/// A search in a list (a binary search of its skip table, then one bit-packed block
/// decoded) costs about as much as marking this many postings.
const POSTINGS_PER_SEARCH: usize = 64;

/// A word joins the filter when it has at most this many times the rarest word's
/// postings: a second rare word can narrow the filter (two places' names), a common one
/// would only cost.
const JOIN_RATIO: usize = 2;

/// Builds the filter when the walk has spent as much on searches as the filter costs.
pub(super) struct LazyFilter<'a> {
    words: &'a [Lists<'a>],
    /// The words it marks (`chosen`).
    chosen: Vec<usize>,
    docs: usize,
    /// What building the filter costs, in postings marked; `None` once it is built.
    cost: Option<usize>,
    spent: usize,
    filter: Option<DocFilter>,
}

impl<'a> LazyFilter<'a> {
    /// A filter over the base's `docs` documents for the query's `words`.
    pub fn new(words: &'a [Lists<'a>], docs: usize) -> Self {
        let chosen = chosen(words);
        Self {
            cost: Some(chosen.iter().map(|&w| total(&words[w])).sum()),
            words,
            chosen,
            docs,
            spent: 0,
            filter: None,
        }
    }

    /// The part of `docs` from its first document that holds every word the filter
    /// marks, or `None` when none does. Before the filter is built, `docs` whole.
    pub fn narrow(&self, docs: Range<u32>) -> Option<Range<u32>> {
        match &self.filter {
            Some(f) => f.first_in(docs.clone()).map(|d| d..docs.end),
            None => Some(docs),
        }
    }

    /// Counts `searches` made in the lists, and builds the filter once they cost as much.
    pub fn spend(&mut self, searches: usize) {
        let Some(cost) = self.cost else { return };
        self.spent += searches * POSTINGS_PER_SEARCH;
        if self.spent >= cost {
            self.filter = Some(DocFilter::build(self.words, &self.chosen, self.docs));
            self.cost = None;
        }
    }
}

/// The words the filter marks: the rarest, and those not far more common.
fn chosen(words: &[Lists]) -> Vec<usize> {
    let rarest = words.iter().map(total).min().unwrap_or(0);
    (0..words.len())
        .filter(|&w| total(&words[w]) <= rarest.saturating_mul(JOIN_RATIO))
        .collect()
}

fn total(word: &Lists) -> usize {
    word.iter().map(|e| e.0.len()).sum()
}

/// One bit per document: set when the document holds each marked word.
struct DocFilter {
    bits: Vec<u64>,
}

impl DocFilter {
    fn build(words: &[Lists], chosen: &[usize], docs: usize) -> Self {
        let marked = |w: usize| {
            let mut bits = vec![0u64; docs.div_ceil(64)];
            for (list, _) in &words[w] {
                for doc in list.iter() {
                    if let Some(word) = bits.get_mut(doc as usize / 64) {
                        *word |= 1 << (doc % 64);
                    }
                }
            }
            bits
        };
        let mut bits = chosen.first().map_or_else(Vec::new, |&w| marked(w));
        for &w in chosen.iter().skip(1) {
            bits.iter_mut().zip(marked(w)).for_each(|(a, b)| *a &= b);
        }
        Self { bits }
    }

    /// The first document of `docs` whose bit is set.
    fn first_in(&self, docs: Range<u32>) -> Option<u32> {
        let (mut at, end) = (docs.start as usize, docs.end as usize);
        while at < end {
            let word = self.bits.get(at / 64)? >> (at % 64);
            if word != 0 {
                let doc = at + word.trailing_zeros() as usize;
                return (doc < end).then_some(doc as u32);
            }
            at = (at / 64 + 1) * 64;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::postings::PostingsBuilder;

    #[test]
    fn marks_the_documents_holding_every_rare_word() {
        // Word 0: documents 3, 70, 200; word 1 (as rare): 70, 130, 200; word 2 (common).
        let common: Vec<u32> = (0..300).collect();
        let mut builder = PostingsBuilder::with_capacity(3);
        builder.push_term([&[3, 70, 200], &[], &[]]);
        builder.push_term([&[70, 130], &[200], &[]]);
        builder.push_term([&common, &[], &[]]);
        let postings = builder.finish();
        let list = |t: u64, f: usize| (postings.list(t, f), 1u8);
        let words: Vec<Lists> = vec![
            vec![list(0, 0)],
            vec![list(1, 0), list(1, 1)],
            vec![list(2, 0)],
        ];
        assert_eq!(chosen(&words), vec![0, 1]);
        let filter = DocFilter::build(&words, &chosen(&words), 300);
        assert_eq!(filter.first_in(0..300), Some(70));
        assert_eq!(filter.first_in(71..300), Some(200));
        assert_eq!(filter.first_in(71..200), None);
        assert_eq!(filter.first_in(0..70), None);
        assert_eq!(filter.first_in(200..201), Some(200));
    }

    #[test]
    fn is_built_only_once_the_searches_would_have_paid_for_it() {
        let docs: Vec<u32> = (0..1000).step_by(2).collect();
        let mut builder = PostingsBuilder::with_capacity(1);
        builder.push_term([&docs, &[], &[]]);
        let postings = builder.finish();
        let words: Vec<Lists> = vec![vec![(postings.list(0, 0), 1)]];
        let mut lazy = LazyFilter::new(&words, 1000);
        assert_eq!(lazy.narrow(1..2), Some(1..2), "not built: the range whole");
        lazy.spend(500usize.div_ceil(POSTINGS_PER_SEARCH) - 1);
        assert_eq!(lazy.narrow(1..2), Some(1..2), "not built yet");
        lazy.spend(1);
        assert_eq!(lazy.narrow(1..2), None, "built: document 1 holds no word");
        assert_eq!(lazy.narrow(1..5), Some(2..5));
    }
}
