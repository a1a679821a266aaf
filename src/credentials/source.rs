//! Where credentials are read from: PostGIS, or (the embedded default) the bundled
//! fictitious records, whose status index is their position in the file.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use sqlx::PgPool;

use super::check::StoredCredential;
use super::status_list::LIST_SIZE;
use crate::model::{Credential, CredentialKind, Level};
use crate::store::{StoreError, pg};

#[derive(Clone)]
pub enum Source {
    Db(PgPool),
    Bundled(Arc<Vec<Credential>>),
}

/// How many credentials an institution issued in a year at a level: aggregates only,
/// never individual records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CredentialCount {
    pub graduation_year: i32,
    pub level: Level,
    pub kind: CredentialKind,
    pub count: u64,
}

fn stored((credential, status_index): (Credential, u64)) -> StoredCredential {
    StoredCredential {
        credential,
        status_index,
    }
}

impl Source {
    /// Every record with this (normalised) serial, ordered by institution and kind so that
    /// when two institutions issued one serial, the answer does not depend on row order.
    pub async fn by_serial(&self, serial: &str) -> Result<Vec<StoredCredential>, StoreError> {
        let mut found = self.unordered_by_serial(serial).await?;
        fn key(s: &StoredCredential) -> (&str, &str) {
            (
                s.credential.institution_id.as_str(),
                s.credential.kind.as_str(),
            )
        }
        found.sort_by(|a, b| key(a).cmp(&key(b)));
        Ok(found)
    }

    async fn unordered_by_serial(&self, serial: &str) -> Result<Vec<StoredCredential>, StoreError> {
        match self {
            Source::Db(pool) => Ok(pg::credentials::by_serial(pool, serial)
                .await?
                .into_iter()
                .map(stored)
                .collect()),
            // A full scan of a small file: the same work whatever the serial.
            Source::Bundled(all) => Ok(all
                .iter()
                .enumerate()
                .filter(|(_, c)| c.serial == serial)
                .map(|(i, c)| stored((c.clone(), i as u64)))
                .collect()),
        }
    }

    pub async fn by_status_index(
        &self,
        index: u64,
    ) -> Result<Option<StoredCredential>, StoreError> {
        match self {
            Source::Db(pool) => Ok(pg::credentials::by_status_index(pool, index)
                .await?
                .map(stored)),
            Source::Bundled(all) => Ok(usize::try_from(index)
                .ok()
                .and_then(|i| all.get(i))
                .map(|c| stored((c.clone(), index)))),
        }
    }

    /// Positions within list `list` of revoked records, or `None` when no record falls
    /// in that list.
    pub async fn revoked_in_list(&self, list: u64) -> Result<Option<Vec<u64>>, StoreError> {
        let from = list.saturating_mul(LIST_SIZE);
        let to = from.saturating_add(LIST_SIZE);
        let max = match self {
            Source::Db(pool) => pg::credentials::max_status_index(pool).await?,
            Source::Bundled(all) => (all.len() as u64).checked_sub(1),
        };
        if max.is_none_or(|m| m < from) {
            return Ok(None);
        }
        let revoked = match self {
            Source::Db(pool) => pg::credentials::revoked_between(pool, from, to).await?,
            Source::Bundled(all) => all
                .iter()
                .enumerate()
                .map(|(i, c)| (i as u64, c))
                .filter(|(i, c)| {
                    (from..to).contains(i)
                        && matches!(c.status, crate::model::CredentialStatus::Revoked { .. })
                })
                .map(|(i, _)| i)
                .collect(),
        };
        Ok(Some(revoked.into_iter().map(|i| i - from).collect()))
    }
}

/// Credentials an institution issued, per graduation year and kind (for its profile).
pub async fn credential_counts(
    source: &Source,
    institution_id: &str,
) -> Result<Vec<CredentialCount>, StoreError> {
    let mut counts: BTreeMap<(i32, CredentialKind), u64> = BTreeMap::new();
    match source {
        Source::Db(pool) => {
            for (year, kind, n) in pg::credentials::counts(pool, institution_id).await? {
                let kind: CredentialKind = kind
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("credential kind {kind:?}")))?;
                counts.insert((year, kind), u64::try_from(n).unwrap_or(0));
            }
        }
        Source::Bundled(all) => {
            for c in all
                .iter()
                .filter(|c| c.institution_id.as_str() == institution_id)
            {
                *counts.entry((c.graduation_year, c.kind)).or_default() += 1;
            }
        }
    }
    Ok(counts
        .into_iter()
        .map(|((graduation_year, kind), count)| CredentialCount {
            graduation_year,
            level: kind.level(),
            kind,
            count,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::check::stored_for_tests;
    use crate::credentials::{VerifyRequest, find_match};
    use crate::model::InstitutionId;

    #[tokio::test]
    async fn one_serial_from_two_institutions_answers_the_same_whatever_the_row_order() {
        let at = |id: &str| {
            let mut c = stored_for_tests(0).credential;
            c.institution_id = InstitutionId::parse(id).unwrap();
            c.holder_birth_date = "2000-02-02".parse().unwrap();
            c
        };
        let request = VerifyRequest::parse("DEMO 1", "2000-02-02", None).unwrap();
        for records in [
            vec![at("truong-b"), at("truong-a")],
            vec![at("truong-a"), at("truong-b")],
        ] {
            let source = Source::Bundled(Arc::new(records));
            let found = source.by_serial("DEMO 1").await.unwrap();
            let matched = find_match(&found, &request).expect("both match");
            assert_eq!(matched.credential.institution_id.as_str(), "truong-a");
        }
    }
}
