//! Coverage grid timings: the bundled province, and a 2,000,000-institution synthetic
//! country (`vetmap::synth::generate`) with 100,000 synthetic population points made here
//! (never committed). `cargo bench --bench coverage`; results in docs/BENCHMARKS.md.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use vetmap::coverage::{Filter, Params, analyse};
use vetmap::index::ServingIndex;
use vetmap::model::{AdminLevel, LonLat, OccupationCode, PopulationCell, PopulationLayer, Scheme};

fn params(
    index: &ServingIndex,
    occupation: Option<&str>,
    radius_km: f64,
    cell_km: f64,
    level: AdminLevel,
) -> Params {
    let filter = Filter {
        occupation: occupation.map(|c| OccupationCode::parse(c).expect("a code")),
        level: None,
    };
    Params::new(index, filter, radius_km, cell_km, Scheme::Pre2025, level)
        .expect("valid parameters")
}

/// 100,000 points spread uniformly over the synthetic provinces (squares of 0.6°).
fn synthetic_population(index: &ServingIndex, n: usize) -> PopulationLayer {
    let squares: Vec<_> = index
        .areas()
        .iter()
        .filter(|a| a.scheme == Scheme::Pre2025)
        .filter_map(|a| geo::BoundingRect::bounding_rect(a.geometry.as_ref()?))
        .collect();
    let mut seed = 42u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let cells = (0..n)
        .map(|i| {
            let r = squares[i % squares.len()];
            let lon = r.min().x + next() * r.width();
            let lat = r.min().y + next() * r.height();
            PopulationCell {
                location: LonLat::new(lon, lat).expect("inside a square"),
                population: (50.0 + 2000.0 * next()).round(),
                source: "synthetic benchmark population".into(),
            }
        })
        .collect();
    PopulationLayer {
        cells,
        version: "bench".into(),
    }
}

fn province(c: &mut Criterion) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let index = ServingIndex::build(
        vetmap::store::bundled::load_dir(&data)
            .expect("bundled data")
            .dataset,
    );
    let none = PopulationLayer::default();
    let mut g = c.benchmark_group("coverage_province");
    for (name, occupation, cell_km) in [
        ("all_2km", None, 2.0),
        ("it_college_2km", Some("6480201"), 2.0),
        ("all_0.5km", None, 0.5),
    ] {
        let p = params(&index, occupation, 10.0, cell_km, AdminLevel::District);
        g.bench_function(name, |b| {
            b.iter(|| black_box(analyse(&index, &none, &p).expect("analysis")))
        });
    }
    g.finish();
}

fn country(c: &mut Criterion) {
    // `cargo test --all-targets` runs benches once as a smoke test: keep that small.
    let benching = std::env::args().any(|a| a == "--bench");
    let (count, cells) = if benching {
        (2_000_000, 100_000)
    } else {
        (2_000, 1_000)
    };
    let index = ServingIndex::build(vetmap::synth::generate(count, 1));
    let population = synthetic_population(&index, cells);
    let occupation = index
        .institutions()
        .iter()
        .flat_map(|i| i.programmes.first())
        .next()
        .map(|p| p.occupation_code().to_string());
    let mut g = c.benchmark_group("coverage_country_2m");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    for (name, occupation) in [
        ("all_5km_pop100k", None),
        ("one_occupation_5km_pop100k", occupation.as_deref()),
    ] {
        let p = params(&index, occupation, 20.0, 5.0, AdminLevel::Province);
        g.bench_function(name, |b| {
            b.iter(|| black_box(analyse(&index, &population, &p).expect("analysis")))
        });
    }
    g.finish();
}

criterion_group!(benches, province, country);
criterion_main!(benches);
