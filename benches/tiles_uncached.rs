//! Uncached institution tiles at zoom 14 (issue 16, "tiles at line rate"): distinct tiles
//! where institutions are, each rendered from the prepared snapshot without the tile
//! cache, which is what a server does for a tile's first request.
//!
//! The tiles are those of institutions drawn at random, so dense towns weigh as much as
//! they hold (the HTTP run in `scripts/bench/peers.sh` lists distinct z14 tiles of the
//! table the same way). One iteration renders every tile of the set once; criterion's
//! throughput is then tiles per second on one core.
//!
//! VETMAP_BENCH_SIZES=200000,2000000 cargo bench --bench tiles_uncached

use std::collections::HashSet;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use vetmap::index::ServingIndex;
use vetmap::tiles::{InstitutionFilter, Land, TileCoord, TileService, Tileset};

mod common;

/// Distinct tiles per set: enough to leave the caches of the CPU little to reuse.
const TILES: usize = 256;
const ZOOM: u8 = 14;

/// `n` distinct z14 tiles holding institutions, drawn by institution (a tile is drawn as
/// often as it has institutions), in the order drawn.
fn tiles_where_institutions_are(index: &ServingIndex, n: usize) -> Vec<TileCoord> {
    let all = index.institutions();
    let mut rng = Pcg64::seed_from_u64(common::SEED ^ 0x711e);
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n * 1000 {
        if out.len() == n || all.is_empty() {
            break;
        }
        let i = &all[rng.random_range(0..all.len())];
        let (lon, lat) = (i.location.lon(), i.location.lat());
        let Some(coord) = TileCoord::covering(ZOOM, [lon, lat, lon, lat]).next() else {
            continue;
        };
        if seen.insert(coord) {
            out.push(coord);
        }
    }
    out
}

fn uncached(c: &mut Criterion) {
    let none = InstitutionFilter::default();
    for count in common::sizes() {
        let index = common::index(count);
        let service = TileService::new(Land::none());
        let prepared = service.prepared(&index);
        let coords = tiles_where_institutions_are(&index, TILES);
        let (mut bytes, mut empty) = (0usize, 0usize);
        for &coord in &coords {
            match service.render(&prepared, Tileset::Institutions, coord, &none) {
                Some(b) => bytes += b.len(),
                None => empty += 1,
            }
        }
        eprintln!(
            "synthetic_{count}: {} distinct z{ZOOM} tiles, {} bytes on average, {empty} empty",
            coords.len(),
            bytes / coords.len().max(1)
        );
        let mut group = c.benchmark_group("tiles_uncached");
        group
            .sample_size(20)
            .measurement_time(Duration::from_secs(5))
            .warm_up_time(Duration::from_secs(1))
            .throughput(Throughput::Elements(coords.len() as u64));
        group.bench_function(format!("institutions_z{ZOOM}/{count}"), |b| {
            b.iter(|| {
                for &coord in &coords {
                    black_box(service.render(&prepared, Tileset::Institutions, coord, &none));
                }
            })
        });
        group.finish();
    }
}

criterion_group!(benches, uncached);
criterion_main!(benches);
