//! A page of `/collections/institutions/items?bbox=...&limit=100` in process, without the
//! HTTP: the selection alone (`select`, from the R-tree's per-node counts and least
//! positions), the selection as it was before those (`select_walk`: every point in the
//! box through a bounded heap), the selection and the GeoJSON bytes as the handler writes
//! them (`bytes`), and the same page built as a `serde_json::Value` tree first and then
//! turned to text (`value_tree`, how the handler wrote pages before the direct writer;
//! the HTML pages still read the tree).

mod common;

use axum::http::HeaderMap;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use vetmap::api::edge::links::{Links, link};
use vetmap::api::features::geojson::{Feature, FeatureCollection, InstitutionFeature};
use vetmap::features::institutions::{InstitutionQuery, select_page};
use vetmap::features::page;
use vetmap::index::ServingIndex;
use vetmap::model::Bbox;

const LIMIT: usize = 100;

fn page<'a>(index: &'a ServingIndex, bbox: &Bbox, l: &'a Links) -> FeatureCollection<'a> {
    let query = InstitutionQuery {
        bbox: Some(*bbox),
        ..Default::default()
    };
    let selected = select_page(index, &query, 0, LIMIT);
    let features = selected
        .positions
        .iter()
        .map(|&n| {
            Feature::Institution(InstitutionFeature {
                institution: &index.institutions()[n],
                base: l.base(),
                wanted: None,
            })
        })
        .collect();
    let links = vec![link(
        l.url("/collections/institutions/items", "json"),
        "self",
        "application/geo+json",
        "This page",
    )];
    FeatureCollection::new(
        selected.matched,
        "2026-01-01T00:00:00Z".into(),
        links,
        features,
    )
}

fn items(c: &mut Criterion) {
    let l = Links::new(None, &HeaderMap::new());
    let mut g = c.benchmark_group("items");
    // A town-sized box and a region-sized one, as in scripts/bench/paths.py.
    for side in [0.1, 1.1] {
        let boxes = common::bboxes(64, side);
        for n in common::sizes() {
            let index = common::index(n);
            let mut k = 0;
            let mut next = || {
                k = (k + 1) % boxes.len();
                &boxes[k]
            };
            let id = |what: &str| BenchmarkId::new(format!("{what}/side_{side}deg"), n);
            g.bench_function(id("select"), |b| {
                b.iter(|| {
                    let query = InstitutionQuery {
                        bbox: Some(*next()),
                        ..Default::default()
                    };
                    black_box(select_page(&index, &query, 0, LIMIT))
                })
            });
            g.bench_function(id("select_walk"), |b| {
                b.iter(|| {
                    let bbox = next();
                    let env = rstar::AABB::from_corners(
                        [bbox.min.lon(), bbox.min.lat()],
                        [bbox.max.lon(), bbox.max.lat()],
                    );
                    let matches = index.points().locate_in_envelope(env);
                    black_box(page::smallest(matches.map(|e| e.data as usize), 0, LIMIT))
                })
            });
            g.bench_function(id("bytes"), |b| {
                b.iter(|| black_box(page(&index, next(), &l).to_bytes().map(|v| v.len())))
            });
            g.bench_function(id("value_tree"), |b| {
                b.iter(|| {
                    let page = page(&index, next(), &l);
                    black_box(serde_json::to_value(&page).map(|v| v.to_string().len()))
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, items);
criterion_main!(benches);
