//! Fixtures shared by the criterion benches: synthetic networks (built once per size and
//! process) and reproducible query points. Under `cargo test --all-targets` the benches
//! run once each as smoke tests, so the sizes shrink to keep that quick.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use vetmap::index::ServingIndex;
use vetmap::model::{Bbox, Dataset, LonLat};
use vetmap::synth::{self, places::TOWNS};

/// The seed of every bench fixture, so figures compare across runs.
pub const SEED: u64 = 42;

/// Network sizes to measure: `VETMAP_BENCH_SIZES` (comma-separated) when set; under
/// `cargo bench` 2,000 (the national network today) and 200,000; a tiny one otherwise.
pub fn sizes() -> Vec<usize> {
    if let Ok(v) = std::env::var("VETMAP_BENCH_SIZES") {
        let parsed: Vec<usize> = v.split(',').filter_map(|s| s.trim().parse().ok()).collect();
        if !parsed.is_empty() {
            return parsed;
        }
    }
    if std::env::args().any(|a| a == "--bench") {
        vec![2_000, 200_000]
    } else {
        vec![200]
    }
}

/// The synthetic dataset of `count` institutions, generated once per process.
pub fn dataset(count: usize) -> Arc<Dataset> {
    static CACHE: OnceLock<Mutex<HashMap<usize, Arc<Dataset>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(count)
        .or_insert_with(|| Arc::new(synth::generate(count, SEED)))
        .clone()
}

/// The serving index over [`dataset`]`(count)`, built once per process.
pub fn index(count: usize) -> Arc<ServingIndex> {
    static CACHE: OnceLock<Mutex<HashMap<usize, Arc<ServingIndex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(count)
        .or_insert_with(|| Arc::new(ServingIndex::build((*dataset(count)).clone())))
        .clone()
}

/// `n` reproducible points near the towns the synthetic networks cluster around (where
/// people using the map are), within about 30 km.
pub fn points(n: usize) -> Vec<LonLat> {
    let mut rng = Pcg64::seed_from_u64(SEED ^ 0x5eed);
    (0..n)
        .map(|_| {
            let t = &TOWNS[rng.random_range(0..TOWNS.len())];
            let dlon = rng.random_range(-0.3..0.3);
            let dlat = rng.random_range(-0.3..0.3);
            LonLat::new(t.lon + dlon, t.lat + dlat).expect("near a town is a valid position")
        })
        .collect()
}

/// `n` boxes of `side_deg` degrees centred on [`points`].
pub fn bboxes(n: usize, side_deg: f64) -> Vec<Bbox> {
    points(n)
        .into_iter()
        .map(|p| {
            let h = side_deg / 2.0;
            Bbox::new(p.lon() - h, p.lat() - h, p.lon() + h, p.lat() + h)
                .expect("a small box near a town is valid")
        })
        .collect()
}
