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

/// One edit at scale: what a single-institution delta costs the server that applies it.
/// `delta/apply` is `ServingIndex::apply` of a renamed institution; `delta/replace` the
/// swap of the result into the handle readers load from; `delta/tiles`
/// the tile service's snapshot of the result and the first zoom-5 tile after it (which
/// needs the cluster pyramid), as the first tile request after an edit pays. A delta
/// should cost in proportion to the change, not to `n`.
fn delta(c: &mut Criterion) {
    use vetmap::index::Delta;
    use vetmap::tiles::{InstitutionFilter, Land, TileCoord, TileService, Tileset};
    let mut g = c.benchmark_group("delta");
    g.sample_size(10);
    for n in common::sizes() {
        let index = common::index(n);
        let edit = |k: usize| {
            let pos = (k * 7919) % index.institutions().len();
            let mut inst = index.institutions()[pos].clone();
            inst.set_name_vi(&format!("{} {k}", inst.name_vi()))
                .unwrap();
            Delta {
                version: format!("bench-{k}"),
                institutions: [(inst.id.as_str().to_owned(), Some(inst))].into(),
                ..Delta::default()
            }
        };
        let mut k = 0;
        g.bench_function(BenchmarkId::new("apply", n), |b| {
            b.iter_batched(
                || {
                    k += 1;
                    edit(k)
                },
                |d| black_box(index.apply(d)),
                criterion::BatchSize::SmallInput,
            )
        });
        // An edit on top of 4,000 earlier ones: the overlays just under OVERLAY_LIMIT,
        // where a delta costs most (each rebuilds them whole).
        let edits = |from: usize, count: usize| Delta {
            version: format!("bench-grown-{from}"),
            institutions: (from..from + count)
                .flat_map(|k| edit(k).institutions)
                .collect(),
            ..Delta::default()
        };
        // (Half the institutions, for the small sizes of `cargo test --benches`.)
        let grown_by = 4000.min(n / 2);
        let grown = index.apply(edits(1_000_000, grown_by));
        assert!(
            grown.overlay_len() >= grown_by * 9 / 10,
            "applied as a delta"
        );
        g.bench_function(BenchmarkId::new("apply_on_4000", n), |b| {
            b.iter_batched(
                || {
                    k += 1;
                    edit(k)
                },
                |d| black_box(grown.apply(d)),
                criterion::BatchSize::SmallInput,
            )
        });
        // A background merge's last step, under the listener's lock: the snapshot rebuilt
        // aside brought to the serving one, ten edits later.
        let merged = grown.merged();
        let later = grown.apply(edits(2_000_000, 10));
        g.bench_function(BenchmarkId::new("rebase_10", n), |b| {
            b.iter(|| black_box(merged.rebased(&grown, &later)))
        });
        drop((merged, later, grown));
        // Swapping it in: what the listener does on its async thread after each delta.
        let handle = vetmap::index::IndexHandle::new(index.apply(edit(0)));
        g.bench_function(BenchmarkId::new("replace", n), |b| {
            b.iter_batched(
                || {
                    k += 1;
                    index.apply(edit(k))
                },
                |next| handle.replace_after_delta(next),
                criterion::BatchSize::SmallInput,
            )
        });
        let service = TileService::new(Land::none());
        let none = InstitutionFilter::default();
        let first = index.institutions()[0].location;
        let coord = TileCoord::covering(5, [first.lon(), first.lat(), first.lon(), first.lat()])
            .next()
            .expect("a tile");
        // What the first tile request after a change pays: the snapshot's preparation
        // (from the previous one's, held by the service) and one zoom-5 tile.
        let first_tile = |next: &std::sync::Arc<ServingIndex>| {
            let prepared = service.prepared(next);
            black_box(
                service
                    .tile(&prepared, Tileset::Institutions, coord, &none)
                    .ok(),
            )
        };
        first_tile(&index);
        g.bench_function(BenchmarkId::new("tiles", n), |b| {
            b.iter_batched(
                || {
                    k += 1;
                    std::sync::Arc::new(index.apply(edit(k)))
                },
                |next| first_tile(&next),
                criterion::BatchSize::SmallInput,
            )
        });
        // A creation: a new institution beside an existing one (a different one each
        // time). `create_apply` is a delta like an edit (the R-tree and text index name
        // institutions by key); `create_tiles` prepares from the previous snapshot by
        // key, where before keys a creation prepared whole: `create_tiles_whole` is that
        // path (a fresh preparation and the first zoom-5 tile), measured beside it.
        let create = |k: usize| {
            let pos = (k * 7919) % index.institutions().len();
            let mut inst = index.institutions()[pos].clone();
            inst.id =
                vetmap::model::InstitutionId::parse(&format!("bench-new-{k}")).expect("a slug");
            Delta {
                version: format!("bench-new-{k}"),
                institutions: [(inst.id.as_str().to_owned(), Some(inst))].into(),
                ..Delta::default()
            }
        };
        g.bench_function(BenchmarkId::new("create_apply", n), |b| {
            b.iter_batched(
                || {
                    k += 1;
                    create(k)
                },
                |d| black_box(index.apply(d)),
                criterion::BatchSize::PerIteration,
            )
        });
        first_tile(&index);
        g.bench_function(BenchmarkId::new("create_tiles", n), |b| {
            b.iter_batched(
                || {
                    k += 1;
                    std::sync::Arc::new(index.apply(create(k)))
                },
                |next| first_tile(&next),
                criterion::BatchSize::PerIteration,
            )
        });
        g.bench_function(BenchmarkId::new("create_tiles_whole", n), |b| {
            b.iter_batched(
                || {
                    k += 1;
                    (
                        std::sync::Arc::new(index.apply(create(k))),
                        TileService::new(Land::none()),
                    )
                },
                |(next, fresh)| {
                    let prepared = fresh.prepared(&next);
                    black_box(
                        fresh
                            .tile(&prepared, Tileset::Institutions, coord, &none)
                            .ok(),
                    )
                },
                criterion::BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, build, bbox, items_page, delta);
criterion_main!(benches);
