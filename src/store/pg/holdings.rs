//! Which institutions hold credentials, for target d4 (the map linked to certification).
//! Credentials run to millions of rows; both reads here touch only an index: the holders
//! by a loose index scan of the primary key (one probe per institution that has
//! credentials, each stopping at its first real record), the demonstration holders by
//! the small partial index `credentials_demonstration_idx`.

use sqlx::PgPool;

use crate::store::StoreError;

/// (institutions with at least one credential that is not a demonstration record,
/// institutions with at least one demonstration record).
pub async fn credential_holders(pool: &PgPool) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let real: Vec<String> = sqlx::query_scalar(
        "WITH RECURSIVE holders(id) AS (
             (SELECT institution_id FROM credentials ORDER BY institution_id LIMIT 1)
             UNION ALL
             SELECT (SELECT c.institution_id FROM credentials c
                     WHERE c.institution_id > h.id ORDER BY c.institution_id LIMIT 1)
             FROM holders h WHERE h.id IS NOT NULL
         )
         SELECT id FROM holders h
         WHERE id IS NOT NULL
           AND EXISTS (SELECT 1 FROM credentials c
                       WHERE c.institution_id = h.id AND NOT c.demonstration)",
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::db(
        "reading which institutions hold credentials",
    ))?;
    let demonstration: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT institution_id FROM credentials WHERE demonstration")
            .fetch_all(pool)
            .await
            .map_err(StoreError::db(
                "reading which institutions hold demonstration credentials",
            ))?;
    Ok((real, demonstration))
}
