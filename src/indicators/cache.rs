//! Indicator reports kept per data version, breakdown and the other inputs' fingerprints
//! (credentials held, the province's reports, which do not move the data version): each
//! counts every institution (about 0.1 s at 200,000, measured in docs/BENCHMARKS.md),
//! while the answer changes only with those. A report is a few kilobytes per area, so a
//! count bounds the cache.

use std::sync::Arc;

use super::IndicatorsReport;
use super::holdings::HoldingsCache;

#[derive(Clone)]
pub struct IndicatorsCache {
    entries: moka::sync::Cache<String, Arc<IndicatorsReport>>,
    /// The credentials behind target d4, which do not move the data version.
    pub holdings: HoldingsCache,
}

impl IndicatorsCache {
    pub fn new() -> Self {
        Self {
            // Five breakdowns (scheme × level) of the current and the previous data version.
            entries: moka::sync::Cache::new(10),
            holdings: HoldingsCache::default(),
        }
    }

    pub fn get(&self, key: &str) -> Option<Arc<IndicatorsReport>> {
        self.entries.get(key)
    }

    pub fn insert(&self, key: String, report: Arc<IndicatorsReport>) {
        self.entries.insert(key, report);
    }
}

impl Default for IndicatorsCache {
    fn default() -> Self {
        Self::new()
    }
}
