//! The serving index: how long a bulk build takes (start-up and every data change) and
//! how fast a bbox query answers, at the national size and far beyond.

mod common;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use vetmap::index::ServingIndex;

fn build(c: &mut Criterion) {
    let mut g = c.benchmark_group("index_build");
    g.sample_size(10);
    for n in common::sizes() {
        let ds = common::dataset(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &ds, |b, ds| {
            b.iter_batched(
                || (**ds).clone(),
                |d| black_box(ServingIndex::build(d)),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

fn bbox(c: &mut Criterion) {
    let mut g = c.benchmark_group("index_bbox");
    // A town-sized box (about 11 km) and a province-sized one (about 55 km).
    for side in [0.1, 0.5] {
        let boxes = common::bboxes(256, side);
        for n in common::sizes() {
            let index = common::index(n);
            let mut k = 0;
            g.bench_function(BenchmarkId::new(format!("side_{side}deg"), n), |b| {
                b.iter(|| {
                    k = (k + 1) % boxes.len();
                    black_box(index.in_bbox(&boxes[k]).len())
                })
            });
        }
    }
    g.finish();
}

/// A page of `/collections/institutions/items?bbox=...&limit=100` without the HTTP: the
/// selection (R-tree query, count for `numberMatched`) and the first page in id order.
fn items_page(c: &mut Criterion) {
    use vetmap::features::institutions::{InstitutionQuery, select};
    let mut g = c.benchmark_group("items_page");
    // A town-sized box and a region-sized one, as in scripts/bench/paths.py.
    for side in [0.1, 1.1] {
        let boxes = common::bboxes(64, side);
        for n in common::sizes() {
            let index = common::index(n);
            let mut k = 0;
            g.bench_function(BenchmarkId::new(format!("side_{side}deg"), n), |b| {
                b.iter(|| {
                    k = (k + 1) % boxes.len();
                    let query = InstitutionQuery {
                        bbox: Some(boxes[k]),
                        ..Default::default()
                    };
                    let matched = select(&index, &query);
                    black_box((matched.len(), matched.page(0, 100)))
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, build, bbox, items_page);
criterion_main!(benches);
