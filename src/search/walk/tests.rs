//! The ranked walk against scoring every document, on a synthetic network, before and
//! after a delta: same hits, same scores, same order.

use std::collections::BTreeMap;

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64 as StdRng;

use super::super::query::{Key, TopK, haversine_km, institution_score};
use super::super::text::QueryWord;
use super::super::{SearchHit, SearchRequest, fold, search};
use crate::index::{Delta, ServingIndex};
use crate::model::LonLat;

/// What `search` answered before the walk: every matching document scored.
fn exhaustive(index: &ServingIndex, req: &SearchRequest) -> Vec<SearchHit> {
    let words = QueryWord::list(fold::words(req.text).take(super::super::MAX_QUERY_WORDS));
    if words.is_empty() || req.limit == 0 {
        return Vec::new();
    }
    let si = index.search();
    let institutions = index.institutions();
    let mut top = TopK::new(req.limit);
    si.for_each_institution(&words, req.autocomplete, |pos, text, name_words| {
        let km = req
            .near
            .map(|p| haversine_km(p, institutions[pos as usize].location));
        top.push(
            institution_score(text, words.len(), name_words, km),
            si.institution_key(pos, institutions[pos as usize].location),
        );
    });
    si.base
        .occupations
        .for_each_match(&words, req.autocomplete, |doc, s| {
            top.push(s as f64, Key::Occupation(doc));
        });
    top.into_sorted()
        .into_iter()
        .map(|(score, key)| match key {
            Key::Institution(_, pos) => SearchHit::Institution {
                pos: pos as usize,
                score,
                distance_m: req
                    .near
                    .map(|p| p.geodesic_distance_m(institutions[pos as usize].location)),
            },
            Key::Occupation(doc) => SearchHit::Occupation {
                code: si.base.occupation_codes[doc as usize].clone(),
                score,
            },
        })
        .collect()
}

/// Words people would type: from names (common and rare), programmes and addresses,
/// sometimes cut short, mistyped or joined by a word nobody has.
fn random_query(index: &ServingIndex, rng: &mut StdRng) -> String {
    let is = index.institutions();
    let inst = &is[rng.random_range(0..is.len())];
    let mut pool: Vec<String> = fold::words(inst.name_vi()).collect();
    if let Some(p) = inst.programmes.first() {
        pool.extend(fold::words(p.occupation_name()));
    }
    if let Some(a) = inst.address() {
        pool.extend(fold::words(a));
    }
    let count = rng.random_range(1..=4);
    let mut words: Vec<String> = (0..count)
        .map(|_| pool[rng.random_range(0..pool.len())].clone())
        .collect();
    for w in &mut words {
        match rng.random_range(0..10) {
            0 if w.len() > 2 => w.truncate(rng.random_range(1..w.len())),
            1 if w.len() > 4 => {
                let at = rng.random_range(0..w.len());
                if w.is_char_boundary(at) && w.is_char_boundary(at + 1) {
                    w.replace_range(at..at + 1, "x");
                }
            }
            2 => *w = "zzqq".to_owned(),
            _ => {}
        }
    }
    words.join(" ")
}

fn assert_walk_is_exhaustive(index: &ServingIndex, seed: u64, queries: usize) {
    let mut rng = StdRng::seed_from_u64(seed);
    let is = index.institutions();
    let mut nonempty = 0;
    for _ in 0..queries {
        let text = random_query(index, &mut rng);
        let near = rng.random_bool(0.5).then(|| {
            let i = &is[rng.random_range(0..is.len())];
            let (dx, dy) = (rng.random_range(-0.3..0.3), rng.random_range(-0.3..0.3));
            LonLat::new(i.location.lon() + dx, i.location.lat() + dy).expect("near the data")
        });
        let req = SearchRequest {
            text: &text,
            near,
            limit: rng.random_range(1..=20),
            autocomplete: rng.random_bool(0.5),
        };
        let want = exhaustive(index, &req);
        nonempty += usize::from(!want.is_empty());
        assert_eq!(
            search(index, &req),
            want,
            "{text:?} near {near:?}, limit {}",
            req.limit
        );
    }
    // The comparison means something only if most queries find something.
    assert!(
        nonempty * 2 > queries,
        "{nonempty} of {queries} found anything"
    );
}

#[test]
fn the_walk_ranks_like_scoring_every_document() {
    let index = ServingIndex::build(crate::synth::generate(3_000, 11));
    assert_walk_is_exhaustive(&index, 1, 600);
}

#[test]
fn the_walk_ranks_like_scoring_every_document_after_a_delta() {
    let index = ServingIndex::build(crate::synth::generate(3_000, 12));
    let mut rng = StdRng::seed_from_u64(5);
    let is = index.institutions();
    let mut changes = BTreeMap::new();
    // More than the recent segment holds (`segment::RECENT_LIMIT`): folded into the older.
    for _ in 0..150 {
        let mut inst = is[rng.random_range(0..is.len())].clone();
        // Renamed after another institution (so its words are common ones) and moved a
        // little.
        let other = &is[rng.random_range(0..is.len())];
        inst.set_name_vi(&format!("{} moi", other.name_vi()))
            .unwrap();
        let loc = inst.location;
        inst.location = LonLat::new(loc.lon() + 0.05, loc.lat()).expect("in range");
        let id = inst.id.as_str().to_owned();
        changes.insert(id, Some(inst));
    }
    // Removals and creations shift positions; documents are named by key, so they are
    // a delta too, and ties (by position) must still break as in a fresh index.
    for k in 0..20 {
        let gone = is[rng.random_range(0..is.len())].id.as_str().to_owned();
        changes.entry(gone).or_insert(None);
        let mut new = is[rng.random_range(0..is.len())].clone();
        let id = format!("{}-moi{k}", new.id.as_str());
        new.id = crate::model::InstitutionId::parse(&id).expect("an id");
        changes.insert(id, Some(new));
    }
    let changed = index.apply(Delta {
        version: "changed".into(),
        institutions: changes,
        occupations: None,
        areas: None,
        mapping: None,
    });
    assert!(changed.search().overlay_len() > 0, "applied as a delta");
    assert_walk_is_exhaustive(&changed, 2, 600);
    // A second delta: the recent segment beside the older one, some of whose documents
    // it replaces or retires.
    let is = changed.institutions();
    let mut again = BTreeMap::new();
    for _ in 0..30 {
        let mut inst = is[rng.random_range(0..is.len())].clone();
        inst.set_name_vi(&format!(
            "{} lai",
            is[rng.random_range(0..is.len())].name_vi()
        ))
        .unwrap();
        again.insert(inst.id.as_str().to_owned(), Some(inst));
    }
    for _ in 0..5 {
        again.insert(
            is[rng.random_range(0..is.len())].id.as_str().to_owned(),
            None,
        );
    }
    let twice = changed.apply(Delta {
        version: "twice".into(),
        institutions: again,
        occupations: None,
        areas: None,
        mapping: None,
    });
    assert_walk_is_exhaustive(&twice, 3, 600);
}

#[test]
fn the_distance_bound_never_exceeds_the_haversine_distance() {
    let mut rng = StdRng::seed_from_u64(3);
    for _ in 0..100_000 {
        let p = LonLat::new(rng.random_range(100.0..112.0), rng.random_range(5.0..25.0))
            .expect("in range");
        let q = LonLat::new(
            p.lon() + rng.random_range(-3.0..3.0),
            p.lat() + rng.random_range(-3.0..3.0),
        )
        .expect("in range");
        let r = ((q.lon() - p.lon()).powi(2) + (q.lat() - p.lat()).powi(2)).sqrt();
        assert!(
            super::km_at_least(p, r) <= haversine_km(p, q),
            "{p:?} {q:?}"
        );
    }
}
