//! The serving index: how long a bulk build takes (start-up and every data change) and
//! how fast a bbox query answers, at the national size and far beyond.

mod common;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use vetmap::index::ServingIndex;
use vetmap::model::Bbox;

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
    // A town-sized box (about 11 km) and a province-sized one (about 55 km).
    over_boxes(c, "index_bbox", &[0.1, 0.5], 256, |index, bbox| {
        index.in_bbox(bbox).len()
    });
}

/// A page of `/collections/institutions/items?bbox=...&limit=100` without the HTTP: the
/// selection (R-tree query, count for `numberMatched`) and the first page in id order.
fn items_page(c: &mut Criterion) {
    use vetmap::features::institutions::{InstitutionQuery, select_page};
    // A town-sized box and a region-sized one, as in scripts/bench/paths.py.
    over_boxes(c, "items_page", &[0.1, 1.1], 64, |index, bbox| {
        let query = InstitutionQuery {
            bbox: Some(*bbox),
            ..Default::default()
        };
        let page = select_page(index, &query, 0, 100);
        (page.matched, page.positions)
    });
}

/// Benches `query` over `count` boxes of each side (degrees) near towns, at every size,
/// cycling through the boxes.
fn over_boxes<R>(
    c: &mut Criterion,
    group: &str,
    sides: &[f64],
    count: usize,
    query: impl Fn(&ServingIndex, &Bbox) -> R,
) {
    let mut g = c.benchmark_group(group);
    for &side in sides {
        let boxes = common::bboxes(count, side);
        for n in common::sizes() {
            let index = common::index(n);
            let mut k = 0;
            g.bench_function(BenchmarkId::new(format!("side_{side}deg"), n), |b| {
                b.iter(|| {
                    k = (k + 1) % boxes.len();
                    black_box(query(&index, &boxes[k]))
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, build, bbox, items_page);
criterion_main!(benches);
