//! Indicator reports kept per data version and breakdown: each counts every institution
//! (about 0.1 s at 200,000, measured in docs/BENCHMARKS.md), while the answer changes only
//! with the data. A report is a few kilobytes per area, so a count bounds the cache.

use std::sync::Arc;

use super::IndicatorsReport;

#[derive(Clone)]
pub struct IndicatorsCache {
    entries: moka::sync::Cache<String, Arc<IndicatorsReport>>,
}

impl IndicatorsCache {
    pub fn new() -> Self {
        Self {
            // Five breakdowns (scheme × level) of the current and the previous data version.
            entries: moka::sync::Cache::new(10),
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
