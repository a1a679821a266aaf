//! The search index's delta: the institutions changed or created since the base was
//! built, indexed again, in two segments so that a delta's cost does not grow with every
//! change since the base. `recent` holds those changed since `older` was made and is
//! made again by each delta (at most [`RECENT_LIMIT`] documents); past that, both are
//! folded into a new `older`, which then serves unchanged for the next
//! [`RECENT_LIMIT`] deltas. A delta thus re-adds at most [`RECENT_LIMIT`] documents, and
//! once every [`RECENT_LIMIT`] changes the others (up to the overlay limit, when the
//! whole index is merged in the background): measured in `benches/index.rs`
//! (`delta/apply_on_4000`).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use super::DocumentWords;
use super::text::{QueryWord, TextIndex, TextIndexBuilder, WordScores};

/// Documents past which `recent` is folded into `older`.
pub const RECENT_LIMIT: usize = 128;

pub(super) struct DeltaSegment {
    /// Base keys changed or retired since the base: their base documents are out of date.
    pub(super) stale: HashSet<u32>,
    older: Arc<Segment>,
    /// Keys whose document in `older` is out of date (changed again, or retired, since).
    older_stale: HashSet<u32>,
    recent: Segment,
}

/// Documents of one segment, by key (ascending).
struct Segment {
    text: TextIndex,
    name_words: Vec<u8>,
    doc_key: Vec<u32>,
    /// Each document's words as they were added, so that folding or making a segment
    /// again re-adds them without folding their text again.
    documents: Vec<Arc<DocumentWords>>,
}

impl Segment {
    fn build(documents: BTreeMap<u32, Arc<DocumentWords>>, corpus: u32) -> Self {
        let mut ib = TextIndexBuilder::default();
        let mut name_words = Vec::with_capacity(documents.len());
        for document in documents.values() {
            name_words.push(document.name_words);
            ib.add(document.words.iter().map(|(f, w)| (*f, &**w)));
        }
        let mut text = ib.finish();
        text.set_corpus(corpus);
        Self {
            text,
            name_words,
            doc_key: documents.keys().copied().collect(),
            documents: documents.into_values().collect(),
        }
    }

    fn holds(&self, key: u32) -> bool {
        self.doc_key.binary_search(&key).is_ok()
    }

    fn entries(&self) -> impl Iterator<Item = (u32, Arc<DocumentWords>)> + '_ {
        self.doc_key
            .iter()
            .copied()
            .zip(self.documents.iter().cloned())
    }
}

/// One segment's scores for a query, with the keys whose documents it must skip.
pub(super) struct SegmentScores<'a> {
    segment: &'a Segment,
    hidden: Option<&'a HashSet<u32>>,
    pub(super) scores: Vec<Option<WordScores>>,
}

impl SegmentScores<'_> {
    /// Calls `hit(key, score, name words)` for every live document matching (the rules of
    /// [`TextIndex::for_each_match_of`], `recognised` over the whole index).
    pub(super) fn for_each_match(self, recognised: &[bool], mut hit: impl FnMut(u32, f32, u8)) {
        let Self {
            segment,
            hidden,
            scores,
        } = self;
        segment
            .text
            .for_each_match_of(scores, recognised, |doc, score| {
                let key = segment.doc_key[doc as usize];
                if !hidden.is_some_and(|h| h.contains(&key)) {
                    hit(key, score, segment.name_words[doc as usize]);
                }
            });
    }
}

impl DeltaSegment {
    /// The delta after `changed` (key, the institution's document now or `None` when it
    /// is gone), over `self` (or nothing): `base_len` is the base's numbering's length
    /// (keys below it have a base document) and `corpus` the institutions on the map.
    pub(super) fn with_changes(
        previous: Option<&DeltaSegment>,
        changed: Vec<(u32, Option<Arc<DocumentWords>>)>,
        base_len: u32,
        corpus: u32,
    ) -> Self {
        let (mut stale, older, mut older_stale, mut recent) = match previous {
            Some(d) => (
                d.stale.clone(),
                d.older.clone(),
                d.older_stale.clone(),
                d.recent.entries().collect::<BTreeMap<_, _>>(),
            ),
            None => (
                HashSet::new(),
                Arc::new(Segment::build(BTreeMap::new(), corpus)),
                HashSet::new(),
                BTreeMap::new(),
            ),
        };
        for (key, now) in changed {
            if key < base_len {
                stale.insert(key);
            }
            if older.holds(key) {
                older_stale.insert(key);
            }
            match now {
                Some(document) => recent.insert(key, document),
                None => recent.remove(&key),
            };
        }
        if recent.len() <= RECENT_LIMIT {
            return Self {
                stale,
                older,
                older_stale,
                recent: Segment::build(recent, corpus),
            };
        }
        let mut folded: BTreeMap<u32, Arc<DocumentWords>> = older
            .entries()
            .filter(|(key, _)| !older_stale.contains(key))
            .collect();
        folded.extend(recent);
        Self {
            stale,
            older: Arc::new(Segment::build(folded, corpus)),
            older_stale: HashSet::new(),
            recent: Segment::build(BTreeMap::new(), corpus),
        }
    }

    /// Institutions indexed in the delta (documents of either segment still live).
    pub(super) fn len(&self) -> usize {
        self.older.doc_key.len() - self.older_stale.len() + self.recent.doc_key.len()
    }

    /// Each non-empty segment's scores for `words`.
    pub(super) fn scores(&self, words: &[QueryWord], prefix_last: bool) -> Vec<SegmentScores<'_>> {
        [
            (&*self.older, Some(&self.older_stale)),
            (&self.recent, None),
        ]
        .into_iter()
        .filter(|(s, _)| !s.doc_key.is_empty())
        .map(|(segment, hidden)| SegmentScores {
            segment,
            hidden,
            scores: segment.text.scores(words, prefix_last),
        })
        .collect()
    }
}
