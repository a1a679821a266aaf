//! Finding institutions: text search that ignores Vietnamese diacritics and tolerates small
//! typos ([`text`]), nearest institutions by geodesic distance ([`nearby`]), and the
//! lookups both need (which institutions teach an occupation, occupation names).
//!
//! [`SearchIndex`] is built inside [`crate::index::ServingIndex::build`], so every change
//! to the data is searchable as soon as the new snapshot is swapped in: there is no
//! separate index to rebuild overnight. A delta (`build.rs`, [`SearchIndex::with_changes`])
//! indexes only the institutions changed or created since the base was built, in a small
//! segment; the base documents of those changed or retired are hidden. Documents and
//! occupation lists name institutions by key ([`Keys`]), which creations and retirements
//! do not shift, and answers give positions, translated through the snapshot's keys.

mod blocks;
mod build;
pub mod fold;
pub mod nearby;
mod persist;
mod postings;
mod query;
mod segment;
mod text;
mod walk;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

pub use fold::fold;
pub use persist::StoredBase;
pub use query::{MAX_QUERY_CHARS, MAX_QUERY_WORDS, SearchHit, SearchRequest, search};

use crate::index::Keys;
use crate::model::{Institution, Level, LonLat, OccupationCode, Scheme};
use segment::DeltaSegment;
#[cfg(doc)]
use text::TextIndexBuilder;
use text::{Field, TextIndex};

/// Maps hashed millions of times while building (keys from our own data, so SipHash's
/// flood resistance buys nothing).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Abbreviations in names, indexed with their long form too, so "giáo dục nghề nghiệp"
/// finds a "Trung tâm GDNN-GDTX" and "thành phố Trà Vinh" finds "TP. Trà Vinh".
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("gdnn", "giao duc nghe nghiep"),
    ("gdtx", "giao duc thuong xuyen"),
    ("tp", "thanh pho"),
    ("tx", "thi xa"),
    ("tt", "thi tran"),
    ("cd", "cao dang"),
    ("dh", "dai hoc"),
];

#[derive(Clone)]
pub struct SearchIndex {
    /// Built with the snapshot's base: one document per institution as it was then.
    base: Arc<Base>,
    /// Institutions changed or created since the base was built, indexed again: a small
    /// segment that each delta rebuilds, whose institutions' base documents are hidden.
    delta: Option<Arc<DeltaSegment>>,
    /// Keys of the institutions with a programme of each code, ascending. Each list is
    /// shared between snapshots until a change touches its code.
    by_occupation: Arc<FastMap<OccupationCode, Arc<Vec<u32>>>>,
    /// The snapshot's numbering: key to position.
    keys: Arc<Keys>,
    /// Folded catalogue and programme names to the codes they name.
    by_name: Arc<HashMap<String, BTreeSet<OccupationCode>>>,
    /// How many institutions teach each code at each level.
    level_counts: Arc<BTreeMap<OccupationCode, BTreeMap<Level, u32>>>,
}

struct Base {
    /// Documents numbered by words in the name, then along a Hilbert curve over the
    /// institutions' positions: see `build::index_documents`.
    institutions: TextIndex,
    /// Words in each document's Vietnamese name, to prefer names the query covers
    /// (ascending, by the documents' order).
    name_words: Vec<u8>,
    /// Document `n` is the institution with key `doc_key[n]` (keys were positions when
    /// the base was built).
    doc_key: Vec<u32>,
    /// Runs of documents of one name length, each with its box, and the curve they
    /// follow.
    blocks: blocks::Blocks,
    /// Document `n` is `occupation_codes[n]`.
    occupations: TextIndex,
    occupation_codes: Vec<OccupationCode>,
}

/// One institution's document, folded and split: its words with their fields, and how
/// many of them its name has.
struct DocumentWords {
    name_words: u8,
    words: Vec<(text::Field, Box<str>)>,
}

impl SearchIndex {
    /// Keys of the institutions with a programme of `code`; empty when none.
    pub fn keys_teaching(&self, code: &OccupationCode) -> &[u32] {
        self.by_occupation
            .get(code)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
    }

    /// How many institutions have a programme of `code`.
    pub fn count_teaching(&self, code: &OccupationCode) -> usize {
        self.keys_teaching(code).len()
    }

    /// Positions (in the serving index) of the institutions with a programme of `code`,
    /// in no particular order.
    pub fn institutions_teaching(&self, code: &OccupationCode) -> impl Iterator<Item = u32> {
        self.keys_teaching(code)
            .iter()
            .filter_map(|&key| self.keys.position_of(key))
    }

    /// The position of the institution with `key` (every key a document or list names is
    /// on the map; `u32::MAX` would mean a bug, and finds nothing).
    fn position(&self, key: u32) -> u32 {
        self.keys.position_of(key).unwrap_or(u32::MAX)
    }

    /// The ranking key of the institution at `pos`, located `at`: equal scores go to the
    /// institution first along the base's curve, then to the smaller position. Ordered
    /// so, a name length's documents come in ranking-key order (`walk.rs` stops on ties).
    fn institution_key(&self, pos: u32, at: LonLat) -> query::Key {
        query::Key::Institution(self.base.blocks.curve().place(at.into()), pos)
    }

    /// Whether the base document of `key` is out of date.
    fn stale(&self, key: u32) -> bool {
        self.delta.as_ref().is_some_and(|d| d.stale.contains(&key))
    }

    /// The codes a catalogue or programme name stands for, ignoring case and diacritics
    /// ("han dien" → the codes of programmes named "Hàn điện").
    pub fn codes_named(&self, name: &str) -> Option<&BTreeSet<OccupationCode>> {
        self.by_name.get(fold(name).trim())
    }

    /// Every occupation code taught somewhere, with how many institutions teach it at
    /// each level.
    pub fn level_counts(&self) -> &BTreeMap<OccupationCode, BTreeMap<Level, u32>> {
        &self.level_counts
    }

    /// Institutions in the delta segment or hidden in the base (0 right after a full
    /// build).
    pub fn overlay_len(&self) -> usize {
        self.delta
            .as_ref()
            .map_or(0, |d| d.len().max(d.stale.len()))
    }

    /// Calls `hit(position, score, name words)` for every institution matching `words`,
    /// from the base (hiding what changed since) and the delta segment: every document
    /// scored, which the ranked walk (`walk.rs`) is checked against.
    #[cfg(test)]
    fn for_each_institution(
        &self,
        words: &[text::QueryWord],
        prefix_last: bool,
        mut hit: impl FnMut(u32, f32, u8),
    ) {
        let base = self.base.institutions.scores(words, prefix_last);
        let delta = self
            .delta
            .as_ref()
            .map(|d| d.scores(words, prefix_last))
            .unwrap_or_default();
        let recognised = recognised(&base, delta.iter().map(|d| d.scores.as_slice()));
        self.base
            .institutions
            .for_each_match_of(base, &recognised, |doc, score| {
                let key = self.base.doc_key[doc as usize];
                if !self.stale(key) {
                    hit(
                        self.position(key),
                        score,
                        self.base.name_words[doc as usize],
                    );
                }
            });
        for segment in delta {
            segment.for_each_match(&recognised, |key, score, name_words| {
                hit(self.position(key), score, name_words);
            });
        }
    }
}

/// Per query word, whether the base or a delta segment knows it: a word counts as
/// recognised when any does, as in one index.
fn recognised<'s, A, B: 's>(
    base: &[Option<A>],
    delta: impl IntoIterator<Item = &'s [Option<B>]>,
) -> Vec<bool> {
    let mut known: Vec<bool> = base.iter().map(Option::is_some).collect();
    for segment in delta {
        for (k, s) in known.iter_mut().zip(segment) {
            *k |= s.is_some();
        }
    }
    known
}

/// An institution's administrative codes with their scheme.
fn admin_codes(inst: &Institution) -> impl Iterator<Item = (Scheme, &str)> {
    inst.admin
        .with_schemes()
        .into_iter()
        .filter_map(|(_, scheme, code)| Some((scheme, code?)))
}

/// Each word followed by the words of its long form when it is an abbreviation.
fn with_expansions<'w>(
    words_in: impl Iterator<Item = (Field, &'w str)>,
) -> impl Iterator<Item = (Field, &'w str)> {
    words_in.flat_map(|(f, w)| {
        let long = ABBREVIATIONS.iter().find(|a| a.0 == w).map(|a| a.1);
        std::iter::once((f, w)).chain(long.into_iter().flat_map(move |l| words(l, f)))
    })
}

fn owned<'w>(words_in: impl Iterator<Item = (Field, &'w str)>) -> Vec<(Field, String)> {
    words_in.map(|(f, w)| (f, w.to_owned())).collect()
}

/// The words of already folded text, tagged with their field.
fn words(folded: &str, field: Field) -> impl Iterator<Item = (Field, &str)> {
    fold::split_words(folded).map(move |w| (field, w))
}
