//! `static/index.json`: what the static map's search and nearby lists read, in one
//! columnar file (one array per field, position i everywhere is institution i, in id
//! order): far smaller than an array of objects, whose keys would repeat per row, and
//! read whole by the browser once.
//!
//! The folded texts are written here, by `search::fold` (the server's own folding), so
//! the browser folds only what is typed (`web/src/static/fold.js` does it the same way;
//! `web/tests/static.test.mjs` and the browser test check the two agree on every name).
//! Closed vocabularies are stored once (`kinds`, `ownerships`, `accuracies`) and
//! referred to by position; coordinates are rounded to 1e-6 degrees (about 0.1 m, the
//! precision the API's distances are given to).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::index::ServingIndex;
use crate::model::{InstitutionKind, Ownership, PositionAccuracy};
use crate::search::fold::fold;

/// Bumped when a field changes meaning; the web map refuses a format it does not know.
pub const FORMAT: u32 = 1;

#[derive(Serialize)]
pub struct SearchIndex<'a> {
    pub format: u32,
    pub version: &'a str,
    pub count: usize,
    kinds: Vec<InstitutionKind>,
    ownerships: Vec<Ownership>,
    accuracies: Vec<PositionAccuracy>,
    id: Vec<&'a str>,
    name_vi: Vec<&'a str>,
    name_en: Vec<Option<&'a str>>,
    address: Vec<Option<&'a str>>,
    /// Positions in `kinds`, `ownerships` and `accuracies`.
    kind: Vec<u8>,
    ownership: Vec<u8>,
    accuracy: Vec<u8>,
    lon: Vec<f64>,
    lat: Vec<f64>,
    /// Both names folded, space-separated (what a name match is looked for in).
    name_fold: Vec<String>,
    /// The address folded ("" when unknown).
    address_fold: Vec<String>,
}

/// A closed vocabulary's values in first-seen order, each value's position beside.
struct Dictionary<T: Ord + Copy> {
    values: Vec<T>,
    positions: BTreeMap<T, u8>,
}

impl<T: Ord + Copy> Dictionary<T> {
    fn new() -> Self {
        Self {
            values: Vec::new(),
            positions: BTreeMap::new(),
        }
    }

    /// The value's position. Vocabularies have a handful of values, far below 256.
    fn position(&mut self, value: T) -> u8 {
        let next = u8::try_from(self.values.len()).unwrap_or(u8::MAX);
        *self.positions.entry(value).or_insert_with(|| {
            self.values.push(value);
            next
        })
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The index of every institution of the snapshot.
pub fn build(index: &ServingIndex) -> SearchIndex<'_> {
    let all = index.institutions();
    let n = all.len();
    let mut kinds = Dictionary::new();
    let mut ownerships = Dictionary::new();
    let mut accuracies = Dictionary::new();
    let mut out = SearchIndex {
        format: FORMAT,
        version: index.version(),
        count: n,
        kinds: Vec::new(),
        ownerships: Vec::new(),
        accuracies: Vec::new(),
        id: Vec::with_capacity(n),
        name_vi: Vec::with_capacity(n),
        name_en: Vec::with_capacity(n),
        address: Vec::with_capacity(n),
        kind: Vec::with_capacity(n),
        ownership: Vec::with_capacity(n),
        accuracy: Vec::with_capacity(n),
        lon: Vec::with_capacity(n),
        lat: Vec::with_capacity(n),
        name_fold: Vec::with_capacity(n),
        address_fold: Vec::with_capacity(n),
    };
    for i in all.iter() {
        out.id.push(i.id.as_str());
        out.name_vi.push(i.name_vi());
        out.name_en.push(i.name_en());
        out.address.push(i.address());
        out.kind.push(kinds.position(i.kind));
        out.ownership.push(ownerships.position(i.ownership));
        out.accuracy.push(accuracies.position(i.position_accuracy));
        out.lon.push(round6(i.location.lon()));
        out.lat.push(round6(i.location.lat()));
        let names = match i.name_en() {
            Some(en) => format!("{} {}", i.name_vi(), en),
            None => i.name_vi().to_string(),
        };
        out.name_fold.push(fold(&names));
        out.address_fold
            .push(i.address().map(fold).unwrap_or_default());
    }
    out.kinds = kinds.values;
    out.ownerships = ownerships.values;
    out.accuracies = accuracies.values;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionaries_give_each_value_one_position() {
        let mut d = Dictionary::new();
        assert_eq!(d.position(InstitutionKind::College), 0);
        assert_eq!(d.position(InstitutionKind::GdnnGdtxCentre), 1);
        assert_eq!(d.position(InstitutionKind::College), 0);
        assert_eq!(
            d.values,
            [InstitutionKind::College, InstitutionKind::GdnnGdtxCentre]
        );
    }

    #[test]
    fn coordinates_keep_a_tenth_of_a_metre() {
        assert_eq!(round6(106.123_456_789), 106.123_457);
        assert_eq!(round6(-9.000_000_4), -9.0);
    }
}
