//! Computed analyses, kept per data version, population version and parameters: the grid
//! for a province takes milliseconds, for a country seconds, and officials ask the same
//! question repeatedly (the map, the table, the export, the report).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use super::Analysis;

pub struct CoverageCache {
    capacity: usize,
    entries: Mutex<VecDeque<(String, Arc<Analysis>)>>,
}

impl CoverageCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(VecDeque::new()),
        }
    }

    /// The cached analysis for `key`, or computes it (outside the lock: two requests for
    /// the same new key may both compute; the result is the same).
    pub fn get_or_compute<E>(
        &self,
        key: &str,
        compute: impl FnOnce() -> Result<Analysis, E>,
    ) -> Result<Arc<Analysis>, E> {
        if let Some(hit) = self.get(key) {
            return Ok(hit);
        }
        let fresh = Arc::new(compute()?);
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|(k, _)| k != key);
            entries.push_front((key.to_owned(), fresh.clone()));
            entries.truncate(self.capacity);
        }
        Ok(fresh)
    }

    fn get(&self, key: &str) -> Option<Arc<Analysis>> {
        let mut entries = self.entries.lock().ok()?;
        let pos = entries.iter().position(|(k, _)| k == key)?;
        let hit = entries.remove(pos)?;
        let a = hit.1.clone();
        entries.push_front(hit);
        Some(a)
    }
}

impl Default for CoverageCache {
    fn default() -> Self {
        Self::new(16)
    }
}
