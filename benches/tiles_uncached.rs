//! Uncached institution tiles at zoom 14 (issue 16, "tiles at line rate"): distinct tiles
//! where institutions are, each rendered from the prepared snapshot without the tile
//! cache, which is what a server does for a tile's first request.
//!
//! Two sets of 256 distinct tiles: `by_institution`, the tiles of institutions drawn at
//! random, so dense towns weigh as much as they hold (a tile is drawn as often as it has
//! institutions); and `by_tile`, tiles drawn evenly from every z14 tile that holds an
//! institution, as `scripts/bench/peers.sh` lists the distinct tiles of its HTTP row
//! (most of them sparse). One iteration renders every tile of a set once; criterion's
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
use vetmap::model::Institution;
use vetmap::tiles::{InstitutionFilter, Land, TileCoord, TileService, Tileset};

mod common;

/// Distinct tiles per set: enough to leave the caches of the CPU little to reuse.
const TILES: usize = 256;
const ZOOM: u8 = 14;

/// `n` distinct z14 tiles holding institutions, drawn by institution, in the order drawn.
fn by_institution(index: &ServingIndex, n: usize) -> Vec<TileCoord> {
    let all = index.institutions();
    let mut rng = Pcg64::seed_from_u64(common::SEED ^ 0x711e);
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n * 1000 {
        if out.len() == n || all.is_empty() {
            break;
        }
        let coord = tile_of(&all[rng.random_range(0..all.len())]);
        if seen.insert(coord) {
            out.push(coord);
        }
    }
    out
}

/// `n` of the z14 tiles holding institutions, each as likely as another.
fn by_tile(index: &ServingIndex, n: usize) -> Vec<TileCoord> {
    let mut every: Vec<TileCoord> = index
        .institutions()
        .iter()
        .map(tile_of)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    every.sort_unstable();
    let mut rng = Pcg64::seed_from_u64(common::SEED ^ 0x711f);
    // A partial Fisher-Yates shuffle: the first `n` are a uniform sample.
    let n = n.min(every.len());
    for k in 0..n {
        let j = rng.random_range(k..every.len());
        every.swap(k, j);
    }
    every.truncate(n);
    every
}

fn tile_of(i: &Institution) -> TileCoord {
    let (lon, lat) = (i.location.lon(), i.location.lat());
    TileCoord::covering(ZOOM, [lon, lat, lon, lat])
        .next()
        .expect("a position is in a tile")
}

fn uncached(c: &mut Criterion) {
    let none = InstitutionFilter::default();
    for count in common::sizes() {
        let index = common::index(count);
        let service = TileService::new(Land::none());
        let prepared = service.prepared(&index);
        for (set, coords) in [
            ("by_institution", by_institution(&index, TILES)),
            ("by_tile", by_tile(&index, TILES)),
        ] {
            let (mut bytes, mut empty) = (0usize, 0usize);
            for &coord in &coords {
                match service.render(&prepared, Tileset::Institutions, coord, &none) {
                    Some(b) => bytes += b.len(),
                    None => empty += 1,
                }
            }
            eprintln!(
                "synthetic_{count} {set}: {} distinct z{ZOOM} tiles, {} bytes on average, {empty} empty",
                coords.len(),
                bytes / coords.len().max(1)
            );
            let mut group = c.benchmark_group("tiles_uncached");
            group
                .sample_size(20)
                .measurement_time(Duration::from_secs(5))
                .warm_up_time(Duration::from_secs(1))
                .throughput(Throughput::Elements(coords.len() as u64));
            group.bench_function(format!("institutions_z{ZOOM}/{set}/{count}"), |b| {
                b.iter(|| {
                    for &coord in &coords {
                        black_box(service.render(&prepared, Tileset::Institutions, coord, &none));
                    }
                })
            });
            group.finish();
        }
    }
}

criterion_group!(benches, uncached);
criterion_main!(benches);
