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
pub use query::{SearchHit, SearchRequest, search};

use crate::model::{Institution, Level, Occupation, OccupationCode, Scheme};
use text::{Field, TextIndex, TextIndexBuilder};

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
    by_occupation: HashMap<OccupationCode, Vec<u32>>,
    /// Folded catalogue and programme names to the codes they name.
    by_name: HashMap<String, BTreeSet<OccupationCode>>,
    /// How many institutions teach each code at each level.
    level_counts: BTreeMap<OccupationCode, BTreeMap<Level, u32>>,
}

impl SearchIndex {
    /// `area_name` resolves an institution's administrative codes to names, so that old
    /// district names ("huyện Cầu Kè") find the institutions that were in them.
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

        let mut ib = TextIndexBuilder::default();
        let mut name_words = Vec::with_capacity(institutions.len());
        let mut by_occupation: HashMap<OccupationCode, Vec<u32>> = HashMap::new();
        let mut level_counts: BTreeMap<OccupationCode, BTreeMap<Level, u32>> = BTreeMap::new();
        for (n, inst) in institutions.iter().enumerate() {
            let name = fold(&inst.name_vi);
            name_words.push(words(&name, Field::Name).count().min(255) as u8);
            let mut texts: Vec<(Field, String)> = vec![
                (Field::Name, name),
                (
                    Field::Name,
                    inst.name_en.as_deref().map(fold).unwrap_or_default(),
                ),
                (Field::Name, inst.code.clone().unwrap_or_default()),
                (
                    Field::Place,
                    inst.address.as_deref().map(fold).unwrap_or_default(),
                ),
            ];
            let a = &inst.admin;
            for (scheme, code) in [
                (Scheme::Pre2025, &a.province_pre2025),
                (Scheme::Pre2025, &a.district_pre2025),
                (Scheme::Pre2025, &a.commune_pre2025),
                (Scheme::Y2025, &a.province_2025),
                (Scheme::Y2025, &a.commune_2025),
            ] {
                if let Some(name) = code.as_deref().and_then(|c| area_name(scheme, c)) {
                    texts.push((Field::Place, fold(name)));
                }
            }
            let mut seen: BTreeSet<(&OccupationCode, Level)> = BTreeSet::new();
            for p in &inst.programmes {
                let folded = fold(&p.occupation_name);
                texts.push((Field::Programme, p.occupation_code.as_str().to_owned()));
                if let Some(o) = occupations.get(&p.occupation_code) {
                    texts.push((Field::Programme, fold(&o.name_vi)));
                    texts.push((
                        Field::Programme,
                        o.name_en.as_deref().map(fold).unwrap_or_default(),
                    ));
                }
                texts.push((Field::Programme, folded.clone()));
                by_name
                    .entry(folded)
                    .or_default()
                    .insert(p.occupation_code.clone());
                let teaching = by_occupation.entry(p.occupation_code.clone()).or_default();
                if teaching.last() != Some(&(n as u32)) {
                    teaching.push(n as u32);
                }
                if seen.insert((&p.occupation_code, p.level)) {
                    *level_counts
                        .entry(p.occupation_code.clone())
                        .or_default()
                        .entry(p.level)
                        .or_default() += 1;
                }
            }
            let expansions: Vec<(Field, &str)> = texts
                .iter()
                .flat_map(|(f, t)| words(t, *f))
                .filter_map(|(f, w)| ABBREVIATIONS.iter().find(|a| a.0 == w).map(|a| (f, a.1)))
                .collect();
            ib.add(
                texts
                    .iter()
                    .flat_map(|(f, t)| words(t, *f))
                    .chain(expansions.into_iter().flat_map(|(f, t)| words(t, f))),
            );
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

/// The words of already folded text, tagged with their field.
fn words(folded: &str, field: Field) -> impl Iterator<Item = (Field, &str)> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(move |w| (field, w))
}
