//! Building the search index: whole, over every institution of a snapshot, or as a delta
//! segment over the institutions changed since the base was built.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::blocks::Blocks;
use super::persist::StoredBase;
use super::text::{Field, TextIndex, TextIndexBuilder};
use super::{
    Base, DeltaSegment, DocumentWords, FastMap, SearchIndex, admin_codes, fold, fold::fold_into,
    owned, with_expansions, words,
};
use crate::index::{HilbertCurve, Institutions, Keys, programmes_of};
use crate::model::{Institution, Level, Occupation, OccupationCode, Scheme};

type ProgrammeWords<'i> = FastMap<(OccupationCode, &'i str), Vec<(Field, String)>>;
type AreaWords<'i> = FastMap<(Scheme, &'i str), Vec<(Field, String)>>;

impl SearchIndex {
    /// `area_name` resolves an institution's administrative codes to names, so that old
    /// district names ("huyện Cầu Kè") find the institutions that were in them.
    ///
    /// Text that many institutions share (a programme's code and names, an area's name)
    /// is folded and split once, not once per institution: at national scale that is
    /// millions of programmes over a few hundred distinct (code, name) pairs.
    ///
    /// `keys` is a numbering that starts here (keys are positions). `stored` is the
    /// institutions' text index as the snapshot file kept it for exactly these
    /// institutions and this catalogue (`persist.rs`): the documents are then not
    /// indexed again.
    pub fn build<'a>(
        institutions: &Institutions,
        keys: Arc<Keys>,
        occupations: &BTreeMap<OccupationCode, Occupation>,
        area_name: impl Fn(Scheme, &str) -> Option<&'a str>,
        stored: Option<StoredBase>,
    ) -> Self {
        debug_assert!(keys.is_identity() && keys.base_len() as usize == institutions.len());
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
        let (programme_words, area_words) =
            shared_words(institutions.iter(), occupations, &area_name, &mut by_name);

        let mut by_occupation: FastMap<OccupationCode, Vec<u32>> = FastMap::default();
        let mut taught: FastMap<(OccupationCode, Level), u32> = FastMap::default();
        for (n, inst) in institutions.iter().enumerate() {
            for p in &inst.programmes {
                let teaching = by_occupation.entry(p.occupation_code()).or_default();
                if teaching.last() != Some(&(n as u32)) {
                    teaching.push(n as u32);
                }
            }
            for (code, level) in taught_pairs(inst) {
                *taught.entry((code, level)).or_default() += 1;
            }
        }
        let mut level_counts: BTreeMap<OccupationCode, BTreeMap<Level, u32>> = BTreeMap::new();
        for ((code, level), count) in taught {
            level_counts.entry(code).or_default().insert(level, count);
        }
        // Over the same institutions, the stored base was ordered along this same curve.
        let curve = HilbertCurve::over(institutions.iter().map(|i| i.location.into()));
        let (text, order, name_words) = match stored {
            Some(s) => (s.institutions, s.doc_key, s.name_words),
            None => index_documents(institutions, &curve, &programme_words, &area_words),
        };
        let blocks = Blocks::build(&name_words, &order, institutions, curve);
        Self {
            base: Arc::new(Base {
                institutions: text,
                blocks,
                name_words,
                doc_key: order,
                occupations: ob.finish(),
                occupation_codes,
            }),
            delta: None,
            keys,
            // Grown by pushing, each list had up to twice its length in spare room:
            // about 10 MB at two million institutions.
            by_occupation: Arc::new(
                by_occupation
                    .into_iter()
                    .map(|(k, mut v)| {
                        v.shrink_to_fit();
                        (k, Arc::new(v))
                    })
                    .collect(),
            ),
            by_name: Arc::new(by_name),
            level_counts: Arc::new(level_counts),
        }
    }

    /// The index of the next snapshot, numbered by `keys`, in which `changed` (key,
    /// before, after; `None` before for a creation, after for a retirement) holds, the
    /// institutions as they now are. Only the delta's recent segment is made again (the
    /// institutions changed since its older one was made: `segment.rs`, so its cost
    /// grows with the changes, not the data) and the occupation lists of the codes the
    /// changes touch; the rest is shared with `self`.
    pub fn with_changes<'a>(
        &self,
        keys: Arc<Keys>,
        changed: &[(u32, Option<&Institution>, Option<&Institution>)],
        occupations: &BTreeMap<OccupationCode, Occupation>,
        area_name: impl Fn(Scheme, &str) -> Option<&'a str>,
    ) -> Self {
        let current: Vec<(u32, &Institution)> = changed
            .iter()
            .filter_map(|&(key, _, now)| Some((key, now?)))
            .collect();
        // When no programme changed (a rename, a move, contacts), every programme name of
        // `current` is already known and the occupation lists and counts hold: they are
        // shared, not copied (they grow with the catalogue, and a delta should cost what
        // it changes).
        let programmes_changed = changed
            .iter()
            .any(|&(_, old, new)| programmes_of(old) != programmes_of(new));
        // Names are only added: a programme name no institution uses any more still
        // resolves to its code (which then finds nobody) until the next full build.
        let mut by_name = if programmes_changed {
            self.by_name.as_ref().clone()
        } else {
            HashMap::new()
        };
        let (programme_words, area_words) = shared_words(
            current.iter().map(|&(_, inst)| inst),
            occupations,
            &area_name,
            &mut by_name,
        );
        let by_name = if programmes_changed {
            Arc::new(by_name)
        } else {
            self.by_name.clone()
        };
        // Only the institutions changed now are folded; those changed by earlier deltas
        // keep their folded words in the delta's segments.
        let documents: Vec<(u32, Option<Arc<DocumentWords>>)> = changed
            .iter()
            .map(|&(key, _, now)| {
                let document = now.map(|inst| {
                    with_document_words(inst, &programme_words, &area_words, |n, doc| {
                        Arc::new(DocumentWords {
                            name_words: n,
                            words: doc.into_iter().map(|(f, w)| (f, Box::from(w))).collect(),
                        })
                    })
                });
                (key, document)
            })
            .collect();
        let delta = DeltaSegment::with_changes(
            self.delta.as_deref(),
            documents,
            self.keys.base_len(),
            keys.count() as u32,
        );

        if !programmes_changed {
            return Self {
                base: self.base.clone(),
                delta: Some(Arc::new(delta)),
                keys,
                by_occupation: self.by_occupation.clone(),
                by_name,
                level_counts: self.level_counts.clone(),
            };
        }
        // Occupation lists: only those of codes a change added or removed.
        let mut edits: BTreeMap<OccupationCode, (Vec<u32>, Vec<u32>)> = BTreeMap::new();
        let mut level_counts = self.level_counts.as_ref().clone();
        for &(key, old, new) in changed {
            let before: BTreeSet<OccupationCode> = programmes_of(old)
                .iter()
                .map(|p| p.occupation_code())
                .collect();
            let after: BTreeSet<OccupationCode> = programmes_of(new)
                .iter()
                .map(|p| p.occupation_code())
                .collect();
            for c in before.difference(&after) {
                edits.entry(c.clone()).or_default().0.push(key);
            }
            for c in after.difference(&before) {
                edits.entry(c.clone()).or_default().1.push(key);
            }
            for (code, level) in old.into_iter().flat_map(taught_pairs) {
                if let Some(levels) = level_counts.get_mut(&code) {
                    if let Some(n) = levels.get_mut(&level) {
                        *n = n.saturating_sub(1);
                        if *n == 0 {
                            levels.remove(&level);
                        }
                    }
                    if levels.is_empty() {
                        level_counts.remove(&code);
                    }
                }
            }
            for (code, level) in new.into_iter().flat_map(taught_pairs) {
                *level_counts
                    .entry(code)
                    .or_default()
                    .entry(level)
                    .or_default() += 1;
            }
        }
        let mut by_occupation = self.by_occupation.as_ref().clone();
        for (code, (remove, add)) in edits {
            let mut list: Vec<u32> = by_occupation
                .get(&code)
                .map(|l| l.as_ref().clone())
                .unwrap_or_default();
            for k in remove {
                if let Ok(i) = list.binary_search(&k) {
                    list.remove(i);
                }
            }
            for k in add {
                if let Err(i) = list.binary_search(&k) {
                    list.insert(i, k);
                }
            }
            if list.is_empty() {
                by_occupation.remove(&code);
            } else {
                by_occupation.insert(code, Arc::new(list));
            }
        }
        Self {
            base: self.base.clone(),
            delta: Some(Arc::new(delta)),
            keys,
            by_occupation: Arc::new(by_occupation),
            by_name,
            level_counts: Arc::new(level_counts),
        }
    }
}

/// Pass 2: one document per institution, numbered by name length and, within one,
/// along a Hilbert curve: the text index, which position each document is, and each
/// document's name words.
fn index_documents<'i>(
    institutions: &'i Institutions,
    curve: &HilbertCurve,
    programme_words: &ProgrammeWords<'i>,
    area_words: &AreaWords<'i>,
) -> (TextIndex, Vec<u32>, Vec<u8>) {
    // Added in curve order, the stable sort by name length below keeps that order within
    // each length, so runs of documents lie close together (`blocks.rs`).
    let curve = curve.order(institutions.len(), |pos| institutions[pos].location.into());
    // The two halves on two threads, each with its own dictionary; they are finished
    // together (the second's documents numbered after the first's), which gives the
    // index one build would give.
    let (head, tail) = curve.split_at(curve.len() / 2);
    let documents = |part: &[u32]| {
        let mut ib = TextIndexBuilder::default();
        let mut shared = SharedIds::default();
        let mut name_words = Vec::with_capacity(part.len());
        for &pos in part {
            let inst = &institutions[pos as usize];
            shared.add_document(&mut ib, &mut name_words, inst, programme_words, area_words);
        }
        (ib, name_words)
    };
    let ((ib, mut name_words), (tail_ib, tail_names)) = std::thread::scope(|s| {
        let tail_half = s.spawn(|| documents(tail));
        let head_half = documents(head);
        let tail_half = tail_half
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (head_half, tail_half)
    });
    name_words.extend(tail_names);

    // Documents in order of name length, so ranked walks meet the names a query
    // covers best first (`walk.rs`).
    let (text, order) = TextIndexBuilder::finish_ordered_pair(ib, Some(tail_ib), &name_words);
    let doc_key = order.iter().map(|&d| curve[d as usize]).collect();
    let name_words = order.iter().map(|&d| name_words[d as usize]).collect();
    (text, doc_key, name_words)
}

/// The (code, level) pairs an institution teaches, each once.
fn taught_pairs(inst: &Institution) -> impl Iterator<Item = (OccupationCode, Level)> {
    let mut seen: Vec<(OccupationCode, Level)> = Vec::new();
    for p in &inst.programmes {
        let pair = (p.occupation_code(), p.level());
        if !seen.contains(&pair) {
            seen.push(pair);
        }
    }
    seen.into_iter()
}

/// The words of every distinct programme and area of `institutions`, folded once each;
/// programme names are added to `by_name`.
fn shared_words<'i, 'a>(
    institutions: impl Iterator<Item = &'i Institution>,
    occupations: &BTreeMap<OccupationCode, Occupation>,
    area_name: &impl Fn(Scheme, &str) -> Option<&'a str>,
    by_name: &mut HashMap<String, BTreeSet<OccupationCode>>,
) -> (ProgrammeWords<'i>, AreaWords<'i>) {
    let mut programme_words: ProgrammeWords<'i> = FastMap::default();
    let mut area_words: AreaWords<'i> = FastMap::default();
    for inst in institutions {
        for p in &inst.programmes {
            programme_words
                .entry((p.occupation_code(), p.occupation_name().as_str()))
                .or_insert_with(|| {
                    let folded = fold(p.occupation_name());
                    let catalogue = occupations.get(&p.occupation_code());
                    let vi = catalogue.map(|o| fold(&o.name_vi)).unwrap_or_default();
                    let en = catalogue
                        .and_then(|o| o.name_en.as_deref())
                        .map(fold)
                        .unwrap_or_default();
                    let w = owned(with_expansions(
                        words(p.occupation_code().as_str(), Field::Programme)
                            .chain(words(&vi, Field::Programme))
                            .chain(words(&en, Field::Programme))
                            .chain(words(&folded, Field::Programme)),
                    ));
                    by_name
                        .entry(folded)
                        .or_default()
                        .insert(p.occupation_code());
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
    (programme_words, area_words)
}

/// One builder's ids of the words documents share, an area's or a programme's, looked
/// up in its dictionary the first time a document names the area or programme, then
/// reused: at national scale most of a document's fifty-odd words are these, and each
/// was hashed and compared in the dictionary again for every document.
#[derive(Default)]
struct SharedIds<'i> {
    areas: FastMap<(Scheme, &'i str), Vec<(u32, usize)>>,
    /// By code and the name's allocation: a load shares each distinct name
    /// ([`crate::model::Interner`]), so the key is two numbers, not a string hashed
    /// and compared for each of millions of programmes. Equal names in two allocations
    /// (after changes) are two keys with the same ids.
    programmes: FastMap<(u32, usize), Vec<(u32, usize)>>,
    /// The document being added, reused.
    doc: Vec<(u32, usize)>,
    own: OwnText,
}

impl<'i> SharedIds<'i> {
    /// Adds `inst` as the builder's next document: the words [`with_document_words`]
    /// gives, in the same order, so the dictionary numbers them as it would.
    fn add_document(
        &mut self,
        ib: &mut TextIndexBuilder,
        name_words: &mut Vec<u8>,
        inst: &'i Institution,
        programme_words: &ProgrammeWords<'i>,
        area_words: &AreaWords<'i>,
    ) {
        let Self {
            areas,
            programmes,
            doc,
            own,
        } = self;
        doc.clear();
        let name_count = own.fold(inst);
        ib.push_word_ids(own.words(inst), doc);
        let shared_ids = |ib: &mut TextIndexBuilder, words: Option<&Vec<(Field, String)>>| {
            let mut ids = Vec::new();
            if let Some(w) = words {
                ib.push_word_ids(w.iter().map(|(f, w)| (*f, w.as_str())), &mut ids);
            }
            ids
        };
        for key in admin_codes(inst) {
            let ids = areas
                .entry(key)
                .or_insert_with(|| shared_ids(ib, area_words.get(&key)));
            doc.extend_from_slice(ids);
        }
        for p in &inst.programmes {
            let code = p.occupation_code();
            let name = p.occupation_name().as_str();
            let ids = programmes
                .entry((code.bcd(), name.as_ptr() as usize))
                .or_insert_with(|| shared_ids(ib, programme_words.get(&(code, name))));
            doc.extend_from_slice(ids);
        }
        name_words.push(name_count);
        ib.add_ids(doc);
    }
}

/// Hands `sink` an institution's document: how many words its name has, and its words
/// with their fields (name, English name, code and address folded here; its areas' and
/// programmes' words from the shared maps).
fn with_document_words<'i, R>(
    inst: &'i Institution,
    programme_words: &ProgrammeWords<'i>,
    area_words: &AreaWords<'i>,
    sink: impl FnOnce(u8, Vec<(Field, &str)>) -> R,
) -> R {
    let mut own = OwnText::default();
    let name_count = own.fold(inst);
    let mut doc: Vec<(Field, &str)> = own.words(inst).collect();
    for key in admin_codes(inst) {
        if let Some(w) = area_words.get(&key) {
            doc.extend(w.iter().map(|(f, w)| (*f, w.as_str())));
        }
    }
    for p in &inst.programmes {
        if let Some(w) = programme_words.get(&(p.occupation_code(), p.occupation_name().as_str())) {
            doc.extend(w.iter().map(|(f, w)| (*f, w.as_str())));
        }
    }
    sink(name_count, doc)
}

/// An institution's own text, folded: its name, English name and address, in buffers
/// a builder reuses from one document to the next.
#[derive(Default)]
struct OwnText {
    name: String,
    name_en: String,
    address: String,
}

impl OwnText {
    /// Folds `inst`'s text into the buffers; how many words its name has.
    fn fold(&mut self, inst: &Institution) -> u8 {
        for (buf, text) in [
            (&mut self.name, Some(inst.name_vi())),
            (&mut self.name_en, inst.name_en()),
            (&mut self.address, inst.address()),
        ] {
            buf.clear();
            if let Some(t) = text {
                fold_into(t, buf);
            }
        }
        words(&self.name, Field::Name).count().min(255) as u8
    }

    /// The words of the text last folded, with their fields and expansions: name,
    /// English name, `inst`'s code and address.
    fn words<'s>(&'s self, inst: &'s Institution) -> impl Iterator<Item = (Field, &'s str)> {
        with_expansions(
            words(&self.name, Field::Name)
                .chain(words(&self.name_en, Field::Name))
                .chain(words(inst.code().unwrap_or_default(), Field::Name))
                .chain(words(&self.address, Field::Place)),
        )
    }
}
