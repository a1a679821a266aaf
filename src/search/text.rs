//! A small inverted index over folded words, with exact, prefix and small-typo matching.
//!
//! Crates considered (November 2026):
//! - `tantivy`: a full search engine (segments, a schema, a query parser, its own
//!   tokenizer pipeline, on-disk or RAM directories). It would work, but it is built around
//!   writers and commits, adds a large dependency tree and build time, and its results
//!   would still need our Vietnamese folding, field weights and distance re-ranking.
//! - `fst` (BurntSushi) + Levenshtein automata: a compact, immutable, sorted term
//!   dictionary whose `search` takes an automaton, so prefix (`Str::starts_with`) and
//!   typo (`Levenshtein`) lookups walk only the matching terms. This fits an index that
//!   is built whole and swapped whole, like the rest of [`crate::index::ServingIndex`].
//! - `strsim`: distances between two strings; it would mean scanning the whole
//!   vocabulary for each query word.
//!
//! So: `fst` for the dictionary; postings (sorted document numbers per term and field)
//! are bit-packed blocks with a skip table (`postings.rs`). A query matches a document
//! when every query word that matches any term at all matches one of the document's
//! terms (AND); words matching nothing (gibberish, typos too far) are dropped but lower
//! the score.

use std::cell::OnceCell;
use std::cmp::Ordering;
use std::collections::HashMap;

use fst::automaton::{Levenshtein, Str};
use fst::{Automaton, IntoStreamer, Streamer};

use super::persist::{Reader, Writer};
use super::postings::{PostingList, Postings, PostingsBuilder};

/// Where a word was found; names weigh more than places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name = 0,
    Programme = 1,
    Place = 2,
}

pub(super) const FIELDS: usize = 3;
/// The completions of a prefix stop once they reach more postings than the index has
/// documents, but never below this many (so a province-sized index completes fully).
const PREFIX_POSTINGS_FLOOR: usize = 200_000;
const FIELD_WEIGHT: [f32; FIELDS] = [1.0, 0.85, 0.6];
/// Prefix lookups stop after this many terms: a one-letter prefix must not fan out to the
/// whole vocabulary.
const MAX_PREFIX_TERMS: usize = 64;
const MAX_FUZZY_TERMS: usize = 32;
/// Below this a match is mostly typos and unknown words: noise, not a result.
const MIN_SCORE: f32 = 0.3;
/// Longer words get no typo matching. A typo automaton grows with its word (fst
/// measured 15 ms and some 20 MB to build one for 24 letters), and a word that long is
/// a code or a pasted run, not a mistyped Vietnamese syllable (7 letters at most).
pub const MAX_TYPO_WORD_CHARS: usize = 16;
/// Only the first words of a query get typo matching: one automaton costs up to a
/// millisecond to build, so a query of many words must not cost many of them.
pub const MAX_TYPO_WORDS: usize = 8;
/// States one typo automaton may have (fst's default is 10,000); past it, building
/// stops (in about a millisecond, measured) and the word gets no typo matching.
const TYPO_STATE_LIMIT: usize = 3_000;

/// A folded query word and its typo automaton, built at most once per query and shared
/// by every index the query reads.
pub struct QueryWord {
    text: String,
    /// Edits a typo may make (0: none).
    distance: u32,
    typos: OnceCell<Option<Levenshtein>>,
}

impl QueryWord {
    /// The query's words; the first [`MAX_TYPO_WORDS`] of typo-worthy length may match
    /// with typos.
    pub fn list(words: impl IntoIterator<Item = String>) -> Vec<QueryWord> {
        let mut budget = MAX_TYPO_WORDS;
        words
            .into_iter()
            .map(|text| {
                let mut distance = match text.chars().count() {
                    0..=3 => 0,
                    4..=7 => 1,
                    8..=MAX_TYPO_WORD_CHARS => 2,
                    _ => 0,
                };
                if budget == 0 {
                    distance = 0;
                } else if distance > 0 {
                    budget -= 1;
                }
                QueryWord {
                    text,
                    distance,
                    typos: OnceCell::new(),
                }
            })
            .collect()
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The typo automaton, or none: too short, too long, past the budget, or too many
    /// states (fst refuses to build it, which is no error to the client).
    fn typos(&self) -> Option<&Levenshtein> {
        self.typos
            .get_or_init(|| {
                (self.distance > 0)
                    .then(|| {
                        Levenshtein::new_with_limit(&self.text, self.distance, TYPO_STATE_LIMIT)
                            .ok()
                    })
                    .flatten()
            })
            .as_ref()
    }
}

pub struct TextIndex {
    terms: fst::Map<Vec<u8>>,
    /// The documents of each term (its id in `terms`) in each field.
    postings: Postings,
    doc_count: u32,
    /// The documents of the whole index this one is part of (a delta segment is a few
    /// documents of millions): the thresholds that depend on how common a word is use
    /// it, so a segment matches as the whole would.
    corpus: u32,
}

impl TextIndex {
    /// Writes the index to `w`, for the dataset snapshot file (`persist.rs`).
    pub(super) fn encode<'a>(&'a self, w: &mut Writer<'a>) {
        w.u32(self.doc_count);
        w.u32(self.corpus);
        w.bytes(self.terms.as_fst().as_bytes());
        let (bytes, term_at) = self.postings.parts();
        w.u64s(term_at);
        w.bytes(bytes);
    }

    /// Reads what [`TextIndex::encode`] wrote, checking everything a search indexes by
    /// (offsets, sorted postings within the documents), so that a damaged section is
    /// refused here rather than panicking in a query.
    pub(super) fn decode(r: &mut Reader<'_>) -> Result<Self, String> {
        let doc_count = r.u32()?;
        let corpus = r.u32()?;
        let terms = fst::Map::new(r.bytes()?.to_vec()).map_err(|e| format!("terms: {e}"))?;
        // The FST's own checksum: walking a damaged FST can panic inside the crate.
        terms.as_fst().verify().map_err(|e| format!("terms: {e}"))?;
        let term_at = r.u64s()?;
        let bytes = r.bytes()?.to_vec();
        if term_at.len() != terms.len() + 1 {
            return Err(format!(
                "{} term offsets for {} terms",
                term_at.len(),
                terms.len()
            ));
        }
        let postings = Postings::from_parts(bytes, term_at, doc_count)?;
        // Term ids are the terms' ranks (`finish_with`): the postings' slots follow them.
        let mut stream = terms.stream();
        let mut rank = 0u64;
        while let Some((_, id)) = stream.next() {
            if id != rank {
                return Err("a term numbered out of order".into());
            }
            rank += 1;
        }
        if corpus < doc_count {
            return Err("fewer documents in all than in the index".into());
        }
        Ok(TextIndex {
            terms,
            postings,
            doc_count,
            corpus,
        })
    }

    /// Its documents.
    pub(super) fn doc_count(&self) -> u32 {
        self.doc_count
    }

    /// Says this index is part of one of `documents` documents in all.
    pub fn set_corpus(&mut self, documents: u32) {
        self.corpus = documents.max(self.doc_count);
    }
}

#[derive(Default)]
pub struct TextIndexBuilder {
    /// Hashed with foldhash: building the index of a national network hashes a hundred
    /// million words, and SipHash's flood resistance buys nothing for our own data.
    ids: HashMap<String, u32, foldhash::fast::RandomState>,
    postings: Vec<[DocList; FIELDS]>,
    doc_count: u32,
    scratch: Vec<(u32, usize)>,
}

impl TextIndexBuilder {
    /// Adds the next document (numbered from 0 in call order) from already folded words.
    pub fn add<'a>(&mut self, words: impl IntoIterator<Item = (Field, &'a str)>) -> u32 {
        let mut ids = std::mem::take(&mut self.scratch);
        ids.clear();
        self.push_word_ids(words, &mut ids);
        let doc = self.add_ids(&ids);
        self.scratch = ids;
        doc
    }

    /// Pushes onto `ids` the id and field of each of `words`, in order, adding new words
    /// to the dictionary: for callers that keep the ids of words many documents share.
    pub fn push_word_ids<'a>(
        &mut self,
        words: impl IntoIterator<Item = (Field, &'a str)>,
        ids: &mut Vec<(u32, usize)>,
    ) {
        // Driven from inside (`for_each`): the callers' chains of splits and
        // expansions then run as plain loops, not as a state machine polled per word.
        words.into_iter().for_each(|(field, w)| {
            let id = self.term_id(w);
            ids.push((id, field as usize));
        });
    }

    /// Adds the next document from its words' ids and fields ([`Self::push_word_ids`]),
    /// which may repeat. A repeat is found at the end of its list: documents are added
    /// in order, so a list that already holds this one ends with it (sorting each
    /// document's ids to drop repeats was a tenth of a national build).
    pub fn add_ids(&mut self, ids: &[(u32, usize)]) -> u32 {
        let doc = self.doc_count;
        for &(id, f) in ids {
            let list = &mut self.postings[id as usize][f];
            if list.last() != Some(&doc) {
                list.push(doc);
            }
        }
        self.doc_count += 1;
        doc
    }

    /// The id of `word`, added to the dictionary when new. Most words are already known,
    /// so the key is looked up before one is allocated.
    fn term_id(&mut self, word: impl AsRef<str> + Into<String>) -> u32 {
        if let Some(&id) = self.ids.get(word.as_ref()) {
            return id;
        }
        let id = self.ids.len() as u32;
        self.ids.insert(word.into(), id);
        self.postings.push(Default::default());
        id
    }

    pub fn finish(self) -> TextIndex {
        Self::finish_parts(self, None, || {
            |docs: &mut Vec<u32>, head: &[u32], tail: &[u32], offset: u32| {
                docs.extend_from_slice(head);
                docs.extend(tail.iter().map(|&d| d + offset));
            }
        })
    }

    /// As [`TextIndexBuilder::finish`] for `head` and `tail` (whose documents follow
    /// `head`'s), with the documents renumbered in the order of (`key`, document): the
    /// new document `n` is the old `order[n]`. Search orders institutions by how many
    /// words their name has, so a posting list read from the front meets the
    /// best-covered names first and a ranked walk can stop early.
    ///
    /// Two builders, so that documents can be added on two threads: their dictionaries
    /// are sorted on two threads and merged, and each term's lists read from both where
    /// they lie. Appending the second builder to the first instead took 2.3 s on one
    /// core at national scale (a million words and their lists moved into the first
    /// builder's map) while the other idled.
    pub fn finish_ordered_pair(
        head: Self,
        tail: Option<Self>,
        key: &[u8],
    ) -> (TextIndex, Vec<u32>) {
        let n = (head.doc_count + tail.as_ref().map_or(0, |t| t.doc_count)) as usize;
        // A counting sort by key, stable in document order.
        let mut start = [0usize; 257];
        for &k in &key[..n] {
            start[k as usize + 1] += 1;
        }
        for k in 0..256 {
            start[k + 1] += start[k];
        }
        let mut order = vec![0u32; n];
        let mut rank = vec![0u32; n];
        let mut at = start;
        for (doc, &k) in key[..n].iter().enumerate() {
            order[at[k as usize]] = doc as u32;
            rank[doc] = at[k as usize] as u32;
            at[k as usize] += 1;
        }
        let (key, rank) = (&key[..n], &rank);
        let index = Self::finish_parts(head, tail, || {
            let mut counts = [0usize; 256];
            move |docs: &mut Vec<u32>, head: &[u32], tail: &[u32], offset: u32| {
                let list = || head.iter().copied().chain(tail.iter().map(|&d| d + offset));
                let from = docs.len();
                if head.len() + tail.len() <= 64 {
                    docs.extend(list().map(|d| rank[d as usize]));
                    docs[from..].sort_unstable();
                    return;
                }
                // Within one key the new numbers follow the old ones, so the list is its
                // keys' runs, each already sorted: placed by a counting sort.
                counts.fill(0);
                for d in list() {
                    counts[key[d as usize] as usize] += 1;
                }
                let mut next = from;
                for c in counts.iter_mut() {
                    let len = *c;
                    *c = next;
                    next += len;
                }
                docs.resize(next, 0);
                for d in list() {
                    let slot = &mut counts[key[d as usize] as usize];
                    docs[*slot] = rank[d as usize];
                    *slot += 1;
                }
            }
        });
        (index, order)
    }

    /// Sorts the dictionary (of `head` and `tail`, whose documents follow `head`'s) and
    /// writes each term's lists, `put` (one made per thread) writing a list's documents
    /// (`head`'s list, then `tail`'s with the offset to add) as the index numbers them.
    /// A large dictionary is written in two halves on two threads (2,000,000 terms at
    /// national scale: 3 s on one), the second half's bytes appended to the first's:
    /// the same bytes.
    fn finish_parts<P>(head: Self, tail: Option<Self>, make_put: impl Fn() -> P + Sync) -> TextIndex
    where
        P: FnMut(&mut Vec<u32>, &[u32], &[u32], u32),
    {
        let offset = head.doc_count;
        let doc_count = offset + tail.as_ref().map_or(0, |t| t.doc_count);
        let sorted = |ids: HashMap<String, u32, foldhash::fast::RandomState>| {
            let mut terms: Vec<(String, u32)> = ids.into_iter().collect();
            terms.sort_unstable();
            terms
        };
        let (mut head_lists, mut tail_lists, terms) = match tail {
            None => {
                let terms = sorted(head.ids)
                    .into_iter()
                    .map(|(t, i)| (t, Some(i), None));
                (head.postings, Vec::new(), terms.collect())
            }
            Some(tail) => {
                let (a, b) = std::thread::scope(|s| {
                    let b = s.spawn(|| sorted(tail.ids));
                    let a = sorted(head.ids);
                    (a, b.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                });
                (head.postings, tail.postings, merge_sorted(a, b))
            }
        };
        // In term order, so that each half owns its terms' lists and frees them as it goes.
        let mut in_order: Vec<TermLists> = terms
            .iter()
            .map(|(_, h, t)| {
                let take = |lists: &mut Vec<[DocList; FIELDS]>, id: &Option<u32>| {
                    id.map(|i| std::mem::take(&mut lists[i as usize]))
                        .unwrap_or_default()
                };
                (take(&mut head_lists, h), take(&mut tail_lists, t))
            })
            .collect();
        drop((head_lists, tail_lists));
        let write = |part: &mut [TermLists]| {
            let mut put = make_put();
            let mut postings = PostingsBuilder::with_capacity(part.len());
            let mut scratch: [Vec<u32>; FIELDS] = Default::default();
            for term in part {
                let (h, t) = std::mem::take(term);
                for f in 0..FIELDS {
                    scratch[f].clear();
                    put(&mut scratch[f], &h[f], &t[f], offset);
                }
                postings.push_term([&scratch[0], &scratch[1], &scratch[2]]);
            }
            postings
        };
        let postings = if in_order.len() < PARALLEL_FINISH_TERMS {
            write(&mut in_order)
        } else {
            let half = in_order.len() / 2;
            let (head, tail) = in_order.split_at_mut(half);
            std::thread::scope(|s| {
                let tail = s.spawn(|| write(tail));
                let mut head = write(head);
                head.append(tail.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
                head
            })
        };
        // Keys are sorted and unique, so building cannot fail.
        let map = fst::Map::from_iter(terms.iter().enumerate().map(|(n, (t, _, _))| (t, n as u64)))
            .unwrap_or_default();
        TextIndex {
            terms: map,
            postings: postings.finish(),
            doc_count,
            corpus: doc_count,
        }
    }
}

/// A term's lists in the first builder and in the second (empty where it has none).
type TermLists = ([DocList; FIELDS], [DocList; FIELDS]);

/// A term's documents in one field while building. Most of a national dictionary's
/// two million words are in one or two documents (a name's or an address's own word):
/// held in place, they cost no allocation to make nor to free, in the 24 bytes a `Vec`
/// takes.
type DocList = smallvec::SmallVec<[u32; 4]>;

/// Two dictionaries sorted by term, as one: each term once, with its id in each.
fn merge_sorted(
    a: Vec<(String, u32)>,
    b: Vec<(String, u32)>,
) -> Vec<(String, Option<u32>, Option<u32>)> {
    let mut merged = Vec::with_capacity(a.len().max(b.len()));
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(x), Some(y)) => x.0.cmp(&y.0),
        };
        let term = match next {
            Ordering::Less => a.next().map(|(t, i)| (t, Some(i), None)),
            Ordering::Greater => b.next().map(|(t, j)| (t, None, Some(j))),
            Ordering::Equal => a
                .next()
                .zip(b.next())
                .map(|((t, i), (_, j))| (t, Some(i), Some(j))),
        };
        // Always a term: the side taken was peeked.
        let Some(term) = term else { break };
        merged.push(term);
    }
    merged
}

/// Below this many terms a dictionary is written on one thread: a delta's or the
/// catalogue's take microseconds, less than starting a thread.
const PARALLEL_FINISH_TERMS: usize = 1 << 16;

/// A word's score on a document, from 1 to 255: its match quality (1 exact, less for
/// completions and typos) weighed by the field.
fn word_byte(quality: f32, field: usize) -> u8 {
    ((quality * FIELD_WEIGHT[field] * 255.0).round() as u8).max(1)
}

/// A document's text score from the sum of its words' scores in a query of `words`
/// words (unmatched words count 0), or `None` below [`MIN_SCORE`]. Increases with `sum`
/// (each step rounds, and rounding keeps order), which ranked walks rely on.
pub fn text_score(sum: u32, words: usize) -> Option<f32> {
    let score = text_score_bound(sum, words);
    (score >= MIN_SCORE).then_some(score)
}

/// The text score of `sum` without the [`MIN_SCORE`] cut: what bounds use.
pub fn text_score_bound(sum: u32, words: usize) -> f32 {
    let norm = 1.0 / (255.0 * words as f32);
    sum as f32 * norm
}

/// The documents one query word reaches, with a score from 1 to 255.
pub enum WordScores {
    /// Sorted by document, one entry each.
    Sparse(Vec<(u32, u8)>),
    /// One byte per document (0: not reached); for words reaching many documents.
    Dense(Vec<u8>),
}

impl WordScores {
    fn get(&self, doc: u32) -> u8 {
        match self {
            WordScores::Sparse(v) => v
                .binary_search_by_key(&doc, |e| e.0)
                .map(|i| v[i].1)
                .unwrap_or(0),
            WordScores::Dense(v) => v[doc as usize],
        }
    }
}

impl TextIndex {
    fn postings(&self, term: u64, field: usize) -> PostingList<'_> {
        self.postings.list(term, field)
    }

    /// Terms matching `word` with their match quality (1 exact, less for prefixes and
    /// typos). `prefix` allows completing the word (the last word being typed).
    fn matching_terms(&self, query_word: &QueryWord, prefix: bool) -> Vec<(u64, f32)> {
        let word = query_word.as_str();
        let mut out: Vec<(u64, f32)> = Vec::new();
        if let Some(t) = self.terms.get(word) {
            out.push((t, 1.0));
            // A word that many documents hold exactly was not mistyped: its near
            // spellings ("truong" ~ "trung", "duong") would only add millions of weaker
            // postings to score at national scale.
            let held: usize = (0..FIELDS).map(|f| self.postings(t, f).len()).sum();
            if !prefix && held > self.corpus as usize / 64 {
                return out;
            }
        }
        let len = word.chars().count();
        if prefix || len >= 4 {
            let mut s = self
                .terms
                .search(Str::new(word).starts_with())
                .into_stream();
            let mut n = 0;
            // A short prefix of a big index completes to words that together reach more
            // documents than there are: past that, more completions only add scoring
            // work (at 2M, "d" alone reaches millions). Small indexes never hit this.
            let budget = (self.corpus as usize).max(PREFIX_POSTINGS_FLOOR);
            let mut reached = 0usize;
            while let Some((k, t)) = s.next() {
                if k.len() == word.len() {
                    continue;
                }
                // Longer completions are less likely what was meant.
                out.push((t, 0.55 + 0.3 * word.len() as f32 / k.len() as f32));
                reached += (0..FIELDS)
                    .map(|f| self.postings(t, f).len())
                    .sum::<usize>();
                n += 1;
                if n == MAX_PREFIX_TERMS || reached > budget {
                    break;
                }
            }
        }
        if let Some(lev) = query_word.typos() {
            let quality = if query_word.distance == 1 { 0.5 } else { 0.4 };
            let mut s = self.terms.search(lev).into_stream();
            let mut n = 0;
            while let Some((_, t)) = s.next() {
                out.push((t, quality));
                n += 1;
                if n == MAX_FUZZY_TERMS {
                    break;
                }
            }
        }
        out
    }

    /// Every posting list `word` reaches (each term it matches, in each field), with the
    /// score a document on it gets for the word (a document on several takes the best);
    /// `None` when it reaches nothing here.
    pub fn word_lists(&self, word: &QueryWord, prefix: bool) -> Option<Vec<(PostingList<'_>, u8)>> {
        let lists: Vec<(PostingList<'_>, u8)> = self
            .matching_terms(word, prefix)
            .into_iter()
            .flat_map(|(t, q)| (0..FIELDS).map(move |f| (t, q, f)))
            .map(|(t, q, f)| (self.postings(t, f), word_byte(q, f)))
            .filter(|(l, _)| !l.is_empty())
            .collect();
        (!lists.is_empty()).then_some(lists)
    }

    fn word_scores(&self, word: &QueryWord, prefix: bool) -> Option<WordScores> {
        let lists = self.word_lists(word, prefix)?;
        let total: usize = lists.iter().map(|l| l.0.len()).sum();
        if total > self.doc_count as usize / 16 {
            let mut dense = vec![0u8; self.doc_count as usize];
            for &(list, b) in &lists {
                for d in list.iter() {
                    let slot = &mut dense[d as usize];
                    *slot = (*slot).max(b);
                }
            }
            Some(WordScores::Dense(dense))
        } else {
            let mut v = Vec::with_capacity(total);
            for &(list, b) in &lists {
                v.extend(list.iter().map(|d| (d, b)));
            }
            // Best score first within a document, then keep that one.
            v.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            v.dedup_by_key(|e| e.0);
            Some(WordScores::Sparse(v))
        }
    }

    /// Calls `hit(doc, score)` for every document matching all of `words` that match
    /// anything, provided at least half the words match something; `score` is in (0, 1],
    /// the mean word score, where unmatched words count 0.
    /// The last word may be a prefix when `prefix_last` is set (autocomplete).
    pub fn for_each_match(
        &self,
        words: &[QueryWord],
        prefix_last: bool,
        hit: impl FnMut(u32, f32),
    ) {
        let scores = self.scores(words, prefix_last);
        let recognised: Vec<bool> = scores.iter().map(Option::is_some).collect();
        self.for_each_match_of(scores, &recognised, hit);
    }

    /// Each query word's scores in this index (`None`: it matches nothing here).
    pub fn scores(&self, words: &[QueryWord], prefix_last: bool) -> Vec<Option<WordScores>> {
        words
            .iter()
            .enumerate()
            .map(|(i, w)| self.word_scores(w, prefix_last && i + 1 == words.len()))
            .collect()
    }

    /// As [`TextIndex::for_each_match`], from [`TextIndex::scores`], where `recognised`
    /// says which words match anything in the whole index this one is part of: a word
    /// the whole recognises and this part does not excludes every document here, as it
    /// would in one index.
    pub fn for_each_match_of(
        &self,
        scores: Vec<Option<WordScores>>,
        recognised: &[bool],
        mut hit: impl FnMut(u32, f32),
    ) {
        let words = recognised.len();
        let known = recognised.iter().filter(|r| **r).count();
        // Most of the query must be recognised: one word matching by a typo in a long
        // query ("xuong moc" ~ "duong") is not a result.
        if known == 0 || known * 2 < words {
            return;
        }
        if scores
            .iter()
            .zip(recognised)
            .any(|(s, r)| *r && s.is_none())
        {
            return;
        }
        let mut scores: Vec<WordScores> = scores.into_iter().flatten().collect();
        if scores.is_empty() {
            return;
        }
        let size = |s: &WordScores| match s {
            WordScores::Sparse(v) => v.len(),
            WordScores::Dense(v) => v.len(),
        };
        scores.sort_by_key(size);
        let rest = &scores[1..];
        let mut visit = |doc: u32, first: u8| {
            let mut sum = first as u32;
            for s in rest {
                match s.get(doc) {
                    0 => return,
                    b => sum += b as u32,
                }
            }
            if let Some(score) = text_score(sum, words) {
                hit(doc, score);
            }
        };
        match &scores[0] {
            WordScores::Sparse(v) => v.iter().for_each(|&(d, b)| visit(d, b)),
            WordScores::Dense(v) => v
                .iter()
                .enumerate()
                .filter(|e| *e.1 > 0)
                .for_each(|(d, &b)| visit(d as u32, b)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_builders_finished_together_index_like_one_builder() {
        let docs: Vec<Vec<(Field, String)>> = (0..50)
            .map(|n| {
                vec![
                    (Field::Name, format!("truong {}", n % 7)),
                    (Field::Programme, format!("nghe {} han", n % 3)),
                    (Field::Place, format!("xa {n}")),
                ]
            })
            .collect();
        let add = |b: &mut TextIndexBuilder, d: &[(Field, String)]| {
            b.add(
                d.iter()
                    .flat_map(|(f, t)| t.split(' ').map(move |w| (*f, w))),
            );
        };
        let key: Vec<u8> = (0..50).map(|n| (n * 7 % 5) as u8).collect();
        let mut whole = TextIndexBuilder::default();
        docs.iter().for_each(|d| add(&mut whole, d));
        let (mut head, mut tail) = (TextIndexBuilder::default(), TextIndexBuilder::default());
        docs[..23].iter().for_each(|d| add(&mut head, d));
        docs[23..].iter().for_each(|d| add(&mut tail, d));
        let (a, a_order) = TextIndexBuilder::finish_ordered_pair(whole, None, &key);
        let (b, b_order) = TextIndexBuilder::finish_ordered_pair(head, Some(tail), &key);
        assert_eq!(a_order, b_order);
        assert_eq!(a.doc_count, b.doc_count);
        assert_eq!(a.terms.as_fst().as_bytes(), b.terms.as_fst().as_bytes());
        assert_eq!(a.postings.parts(), b.postings.parts());
        // And renumbered: the first documents are those of the least key.
        assert!(
            b_order
                .windows(2)
                .all(|w| (key[w[0] as usize], w[0]) < (key[w[1] as usize], w[1]))
        );
    }

    #[test]
    fn a_dictionary_written_on_two_threads_finds_each_terms_own_documents() {
        // Each document has a word of its own and a shared one: enough terms for the
        // two-thread path. Two builders, as the institutions' index is made (the
        // second's documents after the first's), renumbered by a key: odd ones first.
        let docs = PARALLEL_FINISH_TERMS as u32 + 1_001;
        let (mut head, mut tail) = (TextIndexBuilder::default(), TextIndexBuilder::default());
        for n in 0..docs {
            let own = format!("w{n}");
            let b = if n < 40_000 { &mut head } else { &mut tail };
            b.add([(Field::Name, own.as_str()), (Field::Place, "chung")]);
        }
        let key: Vec<u8> = (0..docs).map(|n| (n % 2 == 0) as u8).collect();
        let (ix, order) = TextIndexBuilder::finish_ordered_pair(head, Some(tail), &key);
        let mut rank = vec![0u32; docs as usize];
        for (new, &old) in order.iter().enumerate() {
            rank[old as usize] = new as u32;
        }
        // Every 97th (terms of both halves of the dictionary), and those about the
        // builders' border.
        for n in (0..docs).step_by(97).chain(39_997..40_003) {
            // Other terms match by a typo, with less weight: the exact one ranks alone first.
            let found = matches(&ix, &format!("w{n}"), false);
            assert_eq!(found[0].0, rank[n as usize], "w{n}");
            assert!(found.get(1).is_none_or(|next| next.1 < found[0].1), "w{n}");
        }
        assert_eq!(matches(&ix, "chung", false).len(), docs as usize);
    }

    fn index(docs: &[&[(Field, &str)]]) -> TextIndex {
        let mut b = TextIndexBuilder::default();
        for d in docs {
            b.add(
                d.iter()
                    .flat_map(|&(f, text)| text.split(' ').map(move |w| (f, w))),
            );
        }
        b.finish()
    }

    fn query(q: &str) -> Vec<QueryWord> {
        QueryWord::list(q.split(' ').map(str::to_owned))
    }

    fn matches(ix: &TextIndex, q: &str, prefix: bool) -> Vec<(u32, f32)> {
        let words = query(q);
        let mut v = Vec::new();
        ix.for_each_match(&words, prefix, |d, s| v.push((d, s)));
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }

    #[test]
    fn a_short_prefix_of_a_big_index_stops_completing_once_it_reaches_every_document() {
        let words: Vec<String> = (0..10).map(|k| format!("d{k}")).collect();
        let mut big = TextIndexBuilder::default();
        for _ in 0..300_000 {
            big.add(words.iter().map(|w| (Field::Name, w.as_str())));
        }
        let big = big.finish();
        // Each completion reaches all 300,000 documents: two are past the budget.
        assert_eq!(big.matching_terms(&query("d")[0], true).len(), 2);
        // A province-sized index completes as far as MAX_PREFIX_TERMS allows.
        let small = index(&[&[(Field::Name, "d0 d1 d2 d3 d4 d5 d6 d7 d8 d9")]]);
        assert_eq!(small.matching_terms(&query("d")[0], true).len(), 10);
    }

    #[test]
    fn every_matching_word_must_be_found_and_names_weigh_more() {
        let ix = index(&[
            &[(Field::Name, "cao dang nghe tra vinh")],
            &[(Field::Name, "cao dang y te"), (Field::Place, "tra vinh")],
            &[(Field::Name, "dai hoc tra vinh")],
        ]);
        let m = matches(&ix, "cao dang tra vinh", false);
        assert_eq!(m.iter().map(|e| e.0).collect::<Vec<_>>(), [0, 1]);
        assert!(m[0].1 > m[1].1);
    }

    #[test]
    fn prefixes_and_small_typos_match_with_less_weight() {
        let ix = index(&[
            &[(Field::Name, "truong cao dang nghe")],
            &[(Field::Name, "nghiep")],
        ]);
        assert_eq!(matches(&ix, "cao dan", true).len(), 1);
        // Without completion "dan" (too short for typos) matches nothing and costs score.
        assert!(matches(&ix, "cao dan", false)[0].1 < matches(&ix, "cao dan", true)[0].1);
        let typo = matches(&ix, "truomg", false);
        assert_eq!(typo.len(), 1);
        assert!(typo[0].1 < 1.0);
    }

    #[test]
    fn words_matching_nothing_are_dropped_but_cost_score() {
        let ix = index(&[&[(Field::Name, "han dien")]]);
        let m = matches(&ix, "han dien xyzzyq", false);
        assert_eq!(m.len(), 1);
        assert!(m[0].1 < 0.7);
        assert!(matches(&ix, "xyzzyq", false).is_empty());
    }

    #[test]
    fn only_the_first_words_of_typo_length_get_typo_matching() {
        let w = query("cao truong nghiepvu abcdefghijklmnopq a b c d e f g h i j k l");
        let distances: Vec<u32> = w.iter().map(|w| w.distance).collect();
        assert_eq!(&distances[..4], [0, 1, 2, 0], "short, 4-7, 8-16, over 16");
        let many = query(&["truong"; 12].join(" "));
        let typo_words = many.iter().filter(|w| w.distance > 0).count();
        assert_eq!(typo_words, MAX_TYPO_WORDS);
        assert!(many[MAX_TYPO_WORDS - 1].typos().is_some());
        assert!(many[MAX_TYPO_WORDS].typos().is_none());
    }

    #[test]
    fn a_typo_automaton_too_big_to_build_is_no_expansion_not_an_error() {
        // 16 distinct letters at distance 2 need more states than the limit.
        let ix = index(&[&[(Field::Name, "abcdefghijklmnop xyz")]]);
        let w = query("abcdefghijklmnoq");
        assert_eq!(w[0].distance, 2);
        assert!(w[0].typos().is_none(), "fst refused it");
        assert!(matches(&ix, "abcdefghijklmnoq", false).is_empty());
        // The exact word still matches.
        assert_eq!(matches(&ix, "abcdefghijklmnop", false).len(), 1);
    }
}
