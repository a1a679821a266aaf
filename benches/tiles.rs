//! Tile generation time per zoom (uncached), on the bundled data and on 2,000,000
//! synthetic institutions; and the one-off cluster pyramid build.
//!
//! cargo bench --bench tiles

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use vetmap::index::ServingIndex;
use vetmap::tiles::cluster::ClusterPyramid;
use vetmap::tiles::{InstitutionFilter, Land, TileCoord, TileService, Tileset};

fn land() -> Land {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/basemap/vietnam-land-ne10m.geojson");
    Land::load(&path).expect("base map")
}

/// The tile at zoom `z` containing a point.
fn at(z: u8, lon: f64, lat: f64) -> TileCoord {
    TileCoord::covering(z, [lon, lat, lon, lat])
        .next()
        .expect("a tile")
}

fn bench_set(
    c: &mut Criterion,
    label: &str,
    index: ServingIndex,
    centre: (f64, f64),
    zooms: &[u8],
    tilesets: &[Tileset],
) {
    let service = TileService::new(land());
    let prepared = service.prepared(&Arc::new(index));
    let none = InstitutionFilter::default();
    let mut group = c.benchmark_group(format!("tiles/{label}"));
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    for &tileset in tilesets {
        for &z in zooms {
            if z > *tileset.zooms().end() {
                continue;
            }
            let coord = at(z, centre.0, centre.1);
            // First render builds the lazy per-version state (clusters, simplification).
            let size = service
                .render(&prepared, tileset, coord, &none)
                .map_or(0, |b| b.len());
            eprintln!("{label} {} {coord}: {size} bytes", tileset.id());
            group.bench_function(format!("{}/z{z}", tileset.id()), |b| {
                b.iter(|| black_box(service.render(&prepared, tileset, coord, &none)))
            });
        }
    }
    group.finish();
}

fn tiles(c: &mut Criterion) {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
    let bundled = vetmap::store::bundled::load_dir(&data).expect("bundled data");
    let zooms = [0u8, 4, 8, 10, 11, 12, 14];
    bench_set(
        c,
        "bundled",
        ServingIndex::build(bundled.dataset),
        (106.34, 9.94),
        &zooms,
        &Tileset::ALL,
    );

    // Two million under `cargo bench`; a smoke-test size under `cargo test --all-targets`.
    let default = if std::env::args().any(|a| a == "--bench") {
        2_000_000
    } else {
        20_000
    };
    let count = std::env::var("VETMAP_BENCH_POINTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    let index = ServingIndex::build(vetmap::synth::generate(count, 1));
    let none = InstitutionFilter::default();
    let mut group = c.benchmark_group("clusters");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function(format!("pyramid_build/{count}"), |b| {
        b.iter(|| black_box(ClusterPyramid::build(&index, &none)))
    });
    group.finish();
    // Hà Nội: the densest synthetic town.
    bench_set(
        c,
        &format!("synthetic_{count}"),
        index,
        (105.85, 21.03),
        &zooms,
        &[Tileset::Institutions],
    );
}

criterion_group!(benches, tiles);
criterion_main!(benches);
