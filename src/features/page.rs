//! Cutting one page out of a selection without sorting every match.
//!
//! A page at `offset` of `limit` needs only the `offset + limit` first matches in output
//! order, not all of them in order: in position order (the index's id or (scheme, code)
//! order) a bounded max-heap keeps them in one pass over the matches, and never holds
//! the matches themselves; under `sortby`, `select_nth_unstable_by` splits off the first
//! `offset + limit` in linear time and only those are sorted. Both count every match on
//! the way for `numberMatched`. The result equals sorting every match and slicing it
//! (tests/features_paging.rs checks it on random queries).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// One page of a selection: how many features matched, and the page's positions in the
/// collection's list, in output order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub matched: usize,
    pub positions: Vec<usize>,
}

impl Page {
    /// Everything matched (`n` features), the page cut from position order.
    pub fn of_all(n: usize, offset: usize, limit: usize) -> Page {
        let start = offset.min(n);
        let end = offset.saturating_add(limit).min(n);
        Page {
            matched: n,
            positions: (start..end).collect(),
        }
    }
}

/// The page in position order (ascending), from matches in any order, each position once.
pub fn smallest(matches: impl Iterator<Item = usize>, offset: usize, limit: usize) -> Page {
    let k = offset.saturating_add(limit);
    // The heap grows with the page, not with the matches.
    let mut heap: BinaryHeap<usize> = BinaryHeap::with_capacity(k.min(1 << 16));
    let mut matched = 0usize;
    for n in matches {
        matched += 1;
        if heap.len() < k {
            heap.push(n);
        } else if let Some(mut top) = heap.peek_mut()
            && n < *top
        {
            *top = n;
        }
    }
    let sorted = heap.into_sorted_vec();
    Page {
        matched,
        positions: sorted.into_iter().skip(offset).collect(),
    }
}

/// The page of `matches` (each position once) in the total order `cmp`.
pub fn by(
    mut matches: Vec<usize>,
    offset: usize,
    limit: usize,
    cmp: impl Fn(&usize, &usize) -> Ordering,
) -> Page {
    let matched = matches.len();
    let k = offset.saturating_add(limit).min(matched);
    if k == 0 || offset >= k {
        return Page {
            matched,
            positions: Vec::new(),
        };
    }
    if k < matched {
        matches.select_nth_unstable_by(k - 1, &cmp);
        matches.truncate(k);
    }
    matches.sort_unstable_by(&cmp);
    Page {
        matched,
        positions: matches.split_off(offset),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_equal_the_slices_of_the_sorted_matches() {
        let matches: Vec<usize> = (0..50).map(|i| (i * 37) % 101).collect();
        let mut sorted = matches.clone();
        sorted.sort_unstable();
        for offset in [0, 1, 10, 49, 50, 60] {
            for limit in [1, 5, 50, 100] {
                let want: Vec<usize> = sorted.iter().skip(offset).take(limit).copied().collect();
                let heap = smallest(matches.iter().copied(), offset, limit);
                assert_eq!(heap.matched, 50);
                assert_eq!(heap.positions, want, "heap {offset} {limit}");
                let desc = by(matches.clone(), offset, limit, |a, b| b.cmp(a));
                let want_desc: Vec<usize> = sorted
                    .iter()
                    .rev()
                    .skip(offset)
                    .take(limit)
                    .copied()
                    .collect();
                assert_eq!(desc.positions, want_desc, "select {offset} {limit}");
            }
        }
        assert_eq!(Page::of_all(10, 8, 5).positions, vec![8, 9]);
        assert!(Page::of_all(10, 20, 5).positions.is_empty());
    }
}
