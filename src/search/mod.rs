//! Finding institutions: text search that ignores Vietnamese diacritics and tolerates small
//! typos ([`text`]), nearest institutions by geodesic distance ([`nearby`]), and the
//! lookups both need (which institutions teach an occupation, occupation names).
//!
//! [`SearchIndex`] is built inside [`crate::index::ServingIndex::build`], so every change
//! to the data is searchable as soon as the new snapshot is swapped in: there is no
//! separate index to rebuild overnight.

pub mod fold;
pub mod nearby;
mod query;
mod text;

use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use fold::fold;
pub use query::{MAX_QUERY_CHARS, MAX_QUERY_WORDS, SearchHit, SearchRequest, search};

use crate::model::{Institution, Level, Occupation, OccupationCode, Scheme};
use text::{Field, TextIndex, TextIndexBuilder};

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

pub struct SearchIndex {
    /// Document `n` is institution `n` of the serving index.
    institutions: TextIndex,
    /// Words in each institution's Vietnamese name, to prefer names the query covers.
    name_words: Vec<u8>,
    /// Document `n` is `occupation_codes[n]`.
    occupations: TextIndex,
    occupation_codes: Vec<OccupationCode>,
    /// Positions of the institutions with a programme of each code, ascending.
    by_occupation: FastMap<OccupationCode, Vec<u32>>,
    /// Folded catalogue and programme names to the codes they name.
    by_name: HashMap<String, BTreeSet<OccupationCode>>,
    /// How many institutions teach each code at each level.
    level_counts: BTreeMap<OccupationCode, BTreeMap<Level, u32>>,
}

impl SearchIndex {
    /// `area_name` resolves an institution's administrative codes to names, so that old
    /// district names ("huyện Cầu Kè") find the institutions that were in them.
    ///
    /// Text that many institutions share (a programme's code and names, an area's name)
    /// is folded and split once, not once per institution: at national scale that is
    /// millions of programmes over a few hundred distinct (code, name) pairs.
    pub fn build<'a>(
        institutions: &[Institution],
        occupations: &BTreeMap<OccupationCode, Occupation>,
        area_name: impl Fn(Scheme, &str) -> Option<&'a str>,
    ) -> Self {
        let mut by_name: HashMap<String, BTreeSet<OccupationCode>> = HashMap::new();
        let mut ob = TextIndexBuilder::default();
        let mut occupation_codes = Vec::with_capacity(occupations.len());
        for o in occupations.values() {
            let vi = fold(&o.name_vi);
            let en = o.name_en.as_deref().map(fold).unwrap_or_default();
            let code = o.code.as_str().to_owned();
            ob.add(
                words(&vi, Field::Name)
                    .chain(words(&en, Field::Name))
                    .chain([(Field::Name, code.as_str())]),
            );
            by_name.entry(vi).or_default().insert(o.code.clone());
            if !en.is_empty() {
                by_name.entry(en).or_default().insert(o.code.clone());
            }
            occupation_codes.push(o.code.clone());
        }

        // Pass 1: the words of every distinct programme and area, once each.
        let mut programme_words: FastMap<(&OccupationCode, &str), Vec<(Field, String)>> =
            FastMap::default();
        let mut area_words: FastMap<(Scheme, &str), Vec<(Field, String)>> = FastMap::default();
        for inst in institutions {
            for p in &inst.programmes {
                programme_words
                    .entry((&p.occupation_code, &*p.occupation_name))
                    .or_insert_with(|| {
                        let folded = fold(&p.occupation_name);
                        let catalogue = occupations.get(&p.occupation_code);
                        let vi = catalogue.map(|o| fold(&o.name_vi)).unwrap_or_default();
                        let en = catalogue
                            .and_then(|o| o.name_en.as_deref())
                            .map(fold)
                            .unwrap_or_default();
                        let w = owned(with_expansions(
                            words(p.occupation_code.as_str(), Field::Programme)
                                .chain(words(&vi, Field::Programme))
                                .chain(words(&en, Field::Programme))
                                .chain(words(&folded, Field::Programme)),
                        ));
                        by_name
                            .entry(folded)
                            .or_default()
                            .insert(p.occupation_code.clone());
                        w
                    });
            }
            for (scheme, code) in admin_codes(inst) {
                area_words.entry((scheme, code)).or_insert_with(|| {
                    let folded = area_name(scheme, code).map(fold).unwrap_or_default();
                    owned(with_expansions(words(&folded, Field::Place)))
                });
            }
        }

        // Pass 2: one document per institution, the two halves on two threads, each with
        // its own dictionary; the second is appended to the first (its documents
        // renumbered after the first's), which gives the index one build would give.
        let mid = institutions.len() / 2;
        let (head, tail) = institutions.split_at(mid);
        let documents = |part: &[Institution]| {
            let mut ib = TextIndexBuilder::default();
            let mut name_words = Vec::with_capacity(part.len());
            for inst in part {
                let name = fold(&inst.name_vi);
                name_words.push(words(&name, Field::Name).count().min(255) as u8);
                let name_en = inst.name_en.as_deref().map(fold).unwrap_or_default();
                let address = inst.address.as_deref().map(fold).unwrap_or_default();
                let own = with_expansions(
                    words(&name, Field::Name)
                        .chain(words(&name_en, Field::Name))
                        .chain(words(inst.code.as_deref().unwrap_or_default(), Field::Name))
                        .chain(words(&address, Field::Place)),
                );
                let mut doc: Vec<(Field, &str)> = own.collect();
                for key in admin_codes(inst) {
                    doc.extend(area_words[&key].iter().map(|(f, w)| (*f, w.as_str())));
                }
                for p in &inst.programmes {
                    let shared = &programme_words[&(&p.occupation_code, &*p.occupation_name)];
                    doc.extend(shared.iter().map(|(f, w)| (*f, w.as_str())));
                }
                ib.add(doc);
            }
            (ib, name_words)
        };
        let ((mut ib, mut name_words), (tail_ib, tail_names)) = std::thread::scope(|s| {
            let tail_half = s.spawn(|| documents(tail));
            let head_half = documents(head);
            let tail_half = tail_half
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (head_half, tail_half)
        });
        ib.append(tail_ib);
        name_words.extend(tail_names);

        let mut by_occupation: FastMap<OccupationCode, Vec<u32>> = FastMap::default();
        let mut taught: FastMap<(OccupationCode, Level), u32> = FastMap::default();
        let mut seen: Vec<(&OccupationCode, Level)> = Vec::new();
        for (n, inst) in institutions.iter().enumerate() {
            seen.clear();
            for p in &inst.programmes {
                let teaching = by_occupation.entry(p.occupation_code.clone()).or_default();
                if teaching.last() != Some(&(n as u32)) {
                    teaching.push(n as u32);
                }
                if !seen.contains(&(&p.occupation_code, p.level)) {
                    seen.push((&p.occupation_code, p.level));
                    *taught
                        .entry((p.occupation_code.clone(), p.level))
                        .or_default() += 1;
                }
            }
        }
        let mut level_counts: BTreeMap<OccupationCode, BTreeMap<Level, u32>> = BTreeMap::new();
        for ((code, level), count) in taught {
            level_counts.entry(code).or_default().insert(level, count);
        }
        Self {
            institutions: ib.finish(),
            name_words,
            occupations: ob.finish(),
            occupation_codes,
            by_occupation,
            by_name,
            level_counts,
        }
    }

    /// Positions (in the serving index) of the institutions with a programme of `code`,
    /// ascending; empty when none.
    pub fn institutions_teaching(&self, code: &OccupationCode) -> &[u32] {
        self.by_occupation
            .get(code)
            .map(Vec::as_slice)
            .unwrap_or(&[])
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
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(move |w| (field, w))
}
