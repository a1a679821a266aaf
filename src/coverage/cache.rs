//! The radius-free parts of coverage questions, kept per data version, population
//! version and parameters: the grid for a province takes milliseconds, for a country
//! seconds, and officials ask the same question repeatedly (the map, the table, the
//! export, the report, other radii). Bounded by an estimate of the bytes each part
//! holds (a 250,000-cell grid is tens of megabytes), not by a count.

use std::sync::Arc;

use super::CoverageBase;

#[derive(Clone)]
pub struct CoverageCache {
    entries: moka::sync::Cache<String, Arc<CoverageBase>>,
}

impl CoverageCache {
    /// A cache holding about `budget_bytes` at most.
    pub fn new(budget_bytes: u64) -> Self {
        Self {
            entries: moka::sync::Cache::builder()
                // Weighed in KiB, so a part of up to 4 TiB fits moka's u32 weights.
                .max_capacity(budget_bytes / 1024)
                .weigher(|_, base: &Arc<CoverageBase>| {
                    u32::try_from(base.approx_bytes().div_ceil(1024)).unwrap_or(u32::MAX)
                })
                .build(),
        }
    }

    pub fn get(&self, key: &str) -> Option<Arc<CoverageBase>> {
        self.entries.get(key)
    }

    pub fn insert(&self, key: String, base: Arc<CoverageBase>) {
        self.entries.insert(key, base);
    }

    /// The bytes held now, as estimated (after pending evictions are applied).
    pub fn weighted_bytes(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.weighted_size() * 1024
    }
}
