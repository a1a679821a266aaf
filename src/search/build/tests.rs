//! The parallel build against one builder over every institution: the same index.

use std::collections::BTreeMap;

use super::super::SearchIndex;
use crate::index::ServingIndex;

fn same(a: &SearchIndex, b: &SearchIndex) {
    let (x, y) = (&a.base, &b.base);
    assert!(x.institutions.same_as(&y.institutions));
    assert!(x.occupations.same_as(&y.occupations));
    assert_eq!(x.name_words, y.name_words);
    assert_eq!(x.position, y.position);
    assert_eq!(x.doc_of, y.doc_of);
    assert_eq!(x.occupation_codes, y.occupation_codes);
    let lists = |s: &SearchIndex| -> BTreeMap<_, _> {
        s.by_occupation
            .iter()
            .map(|(k, v)| (k.clone(), v.as_ref().clone()))
            .collect()
    };
    assert_eq!(lists(a), lists(b));
    assert_eq!(a.by_name, b.by_name);
    assert_eq!(a.level_counts, b.level_counts);
}

#[test]
fn built_in_parts_on_every_core_the_index_is_the_one_builder_gives() {
    let index = ServingIndex::build(crate::synth::generate(3_000, 7));
    let occupations: BTreeMap<_, _> = index
        .occupations()
        .map(|o| (o.code.clone(), o.clone()))
        .collect();
    let build = |part| {
        SearchIndex::build_in_parts(
            index.institutions(),
            &occupations,
            |scheme, code| index.area(scheme, code).map(|a| a.name.as_str()),
            part,
        )
    };
    let sequential = build(usize::MAX);
    assert_eq!(sequential.base.position.len(), 3_000);
    assert!(!sequential.by_occupation.is_empty());
    // Parts of one, of a few and of uneven sizes; and the build the index made.
    for part in [1, 7, 1_000, 2_999] {
        same(&build(part), &sequential);
    }
    same(index.search(), &sequential);
}
