//! Nearby and search latency in process, on the bundled data and on a synthetic national
//! network (`vetmap::synth::generate`, 2,000,000 institutions unless
//! `VETMAP_BENCH_INSTITUTIONS` says otherwise), with filters that match about 100%, 1%
//! and 0.01% of the institutions (the occupation codes whose shares come closest; the
//! actual shares are printed).
//!
//! `cargo bench --bench finder`

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use vetmap::index::ServingIndex;
use vetmap::model::{LonLat, OccupationCode};
use vetmap::search::nearby::{Filter, NearbyQuery, nearby};
use vetmap::search::{SearchRequest, search};

/// Under `cargo test --all-targets` (no `--bench`) the bench runs once as a smoke test on
/// a small network, so the debug build does not generate two million institutions.
fn synthetic_count() -> usize {
    let default = if std::env::args().any(|a| a == "--bench") {
        2_000_000
    } else {
        2_000
    };
    std::env::var("VETMAP_BENCH_INSTITUTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The occupation code whose share of institutions is closest to `share`.
fn code_with_share(index: &ServingIndex, share: f64) -> (OccupationCode, f64) {
    let n = index.institutions().len() as f64;
    index
        .search()
        .level_counts()
        .keys()
        .map(|c| (c.clone(), index.search().count_teaching(c) as f64 / n))
        .min_by(|a, b| {
            (a.1.ln() - share.ln())
                .abs()
                .total_cmp(&(b.1.ln() - share.ln()).abs())
        })
        .expect("some occupation is taught")
}

/// Query points spread over the data's extent, fixed so runs compare.
fn points(index: &ServingIndex, count: usize) -> Vec<LonLat> {
    let is = index.institutions();
    (0..count)
        .map(|k| {
            let i = &is[(k * 7919) % is.len()];
            LonLat::new(i.location.lon() + 0.01, i.location.lat() - 0.01).unwrap()
        })
        .collect()
}

fn bench_index(c: &mut Criterion, label: &str, index: &ServingIndex) {
    let pts = points(index, 64);
    let mut filters: Vec<(String, Filter)> = vec![("all".into(), Filter::default())];
    for share in [0.01, 0.0001] {
        let (code, actual) = code_with_share(index, share);
        eprintln!(
            "{label}: occupation {code} is taught by {:.4}% of institutions",
            actual * 100.0
        );
        // Named by the share aimed at, not the one found: on small data both aims can
        // land on the same occupation, and criterion refuses duplicate ids.
        filters.push((
            format!("occupation_near_{}pct", share * 100.0),
            Filter {
                occupations: Some([code].into()),
                ..Filter::default()
            },
        ));
    }
    let mut g = c.benchmark_group(format!("nearby/{label}"));
    for (name, filter) in &filters {
        let mut k = 0;
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                k = (k + 1) % pts.len();
                black_box(nearby(
                    index,
                    &NearbyQuery {
                        point: pts[k],
                        limit: 10,
                        radius_m: None,
                        filter: filter.clone(),
                    },
                ))
            })
        });
    }
    g.finish();

    let rare_name = index.institutions()[index.institutions().len() / 2]
        .name_vi()
        .to_string();
    // A town every synthetic address ends with ("Địa chỉ tổng hợp số 12, Hà Nội").
    let town = index.institutions()[0]
        .address()
        .and_then(|a| a.rsplit(", ").next())
        .unwrap_or("Trà Vinh")
        .to_owned();
    let text = |q: &str| q.to_owned();
    let queries = [
        (
            "cao_dang_nghe_tra_vinh",
            text("cao dang nghe tra vinh"),
            false,
        ),
        ("han_dien", text("han dien"), false),
        ("trung_tam_gdnn", text("trung tam gdnn"), false),
        ("typo_truomg_cao_dang", text("truomg cao dang"), false),
        ("one_institution_by_name", rare_name, false),
        ("autocomplete_cao_d", text("cao d"), true),
        // Words most names hold, a town's name, and prefixes as they are typed.
        ("truong", text("Trường"), false),
        ("cao_dang", text("Cao đẳng"), false),
        ("nghe", text("nghề"), false),
        ("town", town.clone(), false),
        ("truong_town", format!("Trường {town}"), false),
        ("autocomplete_tr", text("tr"), true),
        ("autocomplete_truong_cao_d", text("truong cao d"), true),
        (
            "autocomplete_town_prefix",
            town.chars().take(4).collect(),
            true,
        ),
    ];
    let here = pts[0];
    let mut g = c.benchmark_group(format!("search/{label}"));
    for (name, q, autocomplete) in &queries {
        for (suffix, near) in [("", None), ("_near_a_point", Some(here))] {
            g.bench_function(
                BenchmarkId::from_parameter(format!("{name}{suffix}")),
                |b| {
                    b.iter(|| {
                        black_box(search(
                            index,
                            &SearchRequest {
                                text: q,
                                near,
                                limit: 10,
                                autocomplete: *autocomplete,
                            },
                        ))
                    })
                },
            );
        }
    }
    g.finish();
}

fn finder(c: &mut Criterion) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let bundled = vetmap::store::bundled::load_dir(&data).expect("bundled data loads");
    bench_index(c, "bundled", &ServingIndex::build(bundled.dataset));

    let n = synthetic_count();
    let started = std::time::Instant::now();
    let index = ServingIndex::build(vetmap::synth::generate(n, 7));
    eprintln!(
        "synthetic {n}: generated and indexed in {:.1?}",
        started.elapsed()
    );
    bench_index(c, &format!("synthetic_{n}"), &index);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = finder
}
criterion_main!(benches);
