//! What a server keeps for coverage between requests: the population layer in use and
//! the cache of computed radius-free parts.

use std::sync::Arc;

use arc_swap::ArcSwap;

use super::CoverageCache;
use crate::model::PopulationLayer;

pub struct CoverageState {
    pub cache: CoverageCache,
    population: ArcSwap<PopulationLayer>,
    /// Held while the population layer is reloaded, so concurrent requests reload once.
    pub reloading: tokio::sync::Mutex<()>,
}

impl CoverageState {
    /// `cache_bytes`: the memory budget of the analysis cache.
    pub fn new(population: PopulationLayer, cache_bytes: u64) -> Self {
        Self {
            cache: CoverageCache::new(cache_bytes),
            population: ArcSwap::from_pointee(population),
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    pub fn population(&self) -> Arc<PopulationLayer> {
        self.population.load_full()
    }

    pub fn set_population(&self, layer: PopulationLayer) {
        self.population.store(Arc::new(layer));
    }
}
