//! Property test of OGC API items paging: the page cut by partial selection
//! (`select_page`: a bounded heap, or `select_nth_unstable_by` under `sortby`) equals
//! the page cut from every match fully sorted (`select`, the reference), with the same
//! `numberMatched`, on random boxes, filters, orders, offsets and limits over a
//! synthetic network. In process, no server: the selection is domain code.

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use vetmap::features::areas::{self, AreaQuery};
use vetmap::features::institutions::{self, FIELDS, InstitutionQuery};
use vetmap::features::{Filter, FilterLang, SortKey};
use vetmap::index::ServingIndex;
use vetmap::model::Bbox;

/// Sort keys drawn from these fields: text, numbers with nulls, timestamps, ties.
const SORTABLE: &[&str] = &[
    "name_vi",
    "kind",
    "programme_count",
    "teachers_digital_trained_pct",
    "updated_at",
    "digital_school",
];

fn random_sortby(rng: &mut Pcg64) -> Vec<SortKey> {
    let n = rng.random_range(0..3usize);
    let mut keys: Vec<SortKey> = Vec::new();
    for _ in 0..n {
        let name = SORTABLE[rng.random_range(0..SORTABLE.len())];
        if keys.iter().any(|k| k.field == name) {
            continue;
        }
        let field = FIELDS.iter().find(|f| f.name == name).expect("a field");
        keys.push(SortKey {
            field: field.name,
            descending: rng.random_bool(0.5),
        });
    }
    keys
}

fn random_page(rng: &mut Pcg64, matched_hint: usize) -> (usize, usize) {
    let offset = match rng.random_range(0..4) {
        0 => 0,
        1 => rng.random_range(0..50),
        2 => rng.random_range(0..matched_hint.max(1) + 10),
        _ => matched_hint.saturating_sub(rng.random_range(0..5)),
    };
    (offset, rng.random_range(1..150))
}

#[test]
fn partial_selection_pages_equal_the_full_sort_pages() {
    let index = ServingIndex::build(vetmap::synth::generate(4_000, 7));
    let all = index.institutions();
    let mut rng = Pcg64::seed_from_u64(16);
    for case in 0..400 {
        let mut q = InstitutionQuery::default();
        if rng.random_bool(0.8) {
            let c = all[rng.random_range(0..all.len())].location;
            let half = [0.02, 0.1, 0.5, 3.0][rng.random_range(0..4)];
            q.bbox = Some(
                Bbox::new(
                    (c.lon() - half).max(-180.0),
                    (c.lat() - half).max(-90.0),
                    (c.lon() + half).min(180.0),
                    (c.lat() + half).min(90.0),
                )
                .expect("a box"),
            );
        }
        if rng.random_bool(0.3) {
            q.kinds = vec![all[rng.random_range(0..all.len())].kind];
        }
        if rng.random_bool(0.2) {
            q.flags = vec![("digital_school", rng.random_bool(0.5))];
        }
        if rng.random_bool(0.2) {
            // The CQL2 path: a compiled filter, evaluated per record.
            let text = [
                "programme_count > 2",
                "kind = 'college' OR digital_school = true",
            ][rng.random_range(0..2)];
            q.filter = Some(Filter::parse(text, FilterLang::Cql2Text, FIELDS).expect("a filter"));
        }
        q.sortby = random_sortby(&mut rng);
        let reference = institutions::select(&index, &q);
        let (offset, limit) = random_page(&mut rng, reference.len());
        let page = institutions::select_page(&index, &q, offset, limit);
        assert_eq!(page.matched, reference.len(), "case {case}: numberMatched");
        assert_eq!(
            page.positions,
            reference.page(offset, offset.saturating_add(limit)),
            "case {case}: {q:?} offset {offset} limit {limit}"
        );
    }
}

#[test]
fn partial_selection_pages_of_areas_equal_the_full_sort_pages() {
    let index = ServingIndex::build(vetmap::synth::generate(200, 3));
    let mut rng = Pcg64::seed_from_u64(61);
    let names = ["name", "code", "level", "scheme"];
    for case in 0..200 {
        let mut q = AreaQuery::default();
        if rng.random_bool(0.5) {
            let name = names[rng.random_range(0..names.len())];
            let field = areas::FIELDS
                .iter()
                .find(|f| f.name == name)
                .expect("a field");
            q.sortby = vec![SortKey {
                field: field.name,
                descending: rng.random_bool(0.5),
            }];
        }
        let reference = areas::select(&index, &q);
        let (offset, limit) = random_page(&mut rng, reference.len());
        let page = areas::select_page(&index, &q, offset, limit);
        assert_eq!(page.matched, reference.len(), "case {case}");
        assert_eq!(
            page.positions,
            reference.page(offset, offset.saturating_add(limit)),
            "case {case}: {q:?} offset {offset} limit {limit}"
        );
    }
}
