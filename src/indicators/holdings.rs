//! What the service holds about institutions beyond their records, for the indicators of
//! target d4 (the map linked to certification): which institutions have credentials
//! anyone can check here, and which have only demonstration records.
//!
//! Credentials do not move the data version, so the holdings are read apart from the
//! index: from PostGIS one indexed walk over the institutions that have credentials
//! (`store::pg::holdings`), kept for a minute so a busy indicators page does not repeat
//! it; from the bundled file at once.

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use crate::credentials::Source;
use crate::credentials::demonstration::is_demonstration;
use crate::store::{StoreError, pg};

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Holdings {
    /// Institutions with at least one credential that is not a demonstration record.
    pub real: BTreeSet<String>,
    /// Institutions with at least one demonstration record.
    pub demonstration: BTreeSet<String>,
}

impl Holdings {
    pub fn has_real_credentials(&self, institution_id: &str) -> bool {
        self.real.contains(institution_id)
    }

    /// Institutions whose only credentials are demonstration records.
    pub fn demonstration_only(&self) -> impl Iterator<Item = &str> {
        self.demonstration
            .iter()
            .filter(|id| !self.real.contains(*id))
            .map(String::as_str)
    }

    /// Names these holdings in cache keys: equal holdings, equal fingerprints.
    pub fn fingerprint(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.hash(&mut h);
        h.finish()
    }

    fn of_records<'a>(records: impl Iterator<Item = &'a crate::model::Credential>) -> Self {
        let mut held = Holdings::default();
        for c in records {
            let id = c.institution_id.as_str().to_owned();
            if is_demonstration(c) {
                held.demonstration.insert(id);
            } else {
                held.real.insert(id);
            }
        }
        held
    }
}

/// The holdings of a credential source, read at most once a minute.
#[derive(Clone)]
pub struct HoldingsCache {
    entry: moka::sync::Cache<(), Arc<Holdings>>,
}

impl Default for HoldingsCache {
    fn default() -> Self {
        Self {
            entry: moka::sync::Cache::builder()
                .max_capacity(1)
                .time_to_live(Duration::from_secs(60))
                .build(),
        }
    }
}

impl HoldingsCache {
    pub async fn get(&self, source: &Source) -> Result<Arc<Holdings>, StoreError> {
        if let Some(h) = self.entry.get(&()) {
            return Ok(h);
        }
        let held = Arc::new(load(source).await?);
        self.entry.insert((), held.clone());
        Ok(held)
    }
}

pub async fn load(source: &Source) -> Result<Holdings, StoreError> {
    match source {
        Source::Db(pool) => {
            let (real, demonstration) = pg::holdings::credential_holders(pool).await?;
            Ok(Holdings {
                real: real.into_iter().collect(),
                demonstration: demonstration.into_iter().collect(),
            })
        }
        Source::Bundled(all) => Ok(Holdings::of_records(all.iter())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::check::stored_for_tests;
    use crate::model::InstitutionId;

    #[tokio::test]
    async fn bundled_records_split_into_real_and_demonstration_holders() {
        let record = |id: &str, serial: &str| {
            let mut c = stored_for_tests(0).credential;
            c.institution_id = InstitutionId::parse(id).unwrap();
            c.serial = serial.into();
            c
        };
        let source = Source::Bundled(Arc::new(vec![
            record("truong-a", "CD 0001"),
            record("truong-a", "DEMO-CD 0002"),
            record("truong-b", "DEMO-TC 0003"),
        ]));
        let held = load(&source).await.unwrap();
        assert!(held.has_real_credentials("truong-a"));
        assert!(!held.has_real_credentials("truong-b"));
        assert_eq!(held.demonstration_only().collect::<Vec<_>>(), ["truong-b"]);
        assert_ne!(held.fingerprint(), Holdings::default().fingerprint());
    }
}
