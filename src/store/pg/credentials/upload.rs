//! Officials' uploads: new credentials, all or nothing, with an audit entry per
//! institution. A row whose record is stored with another revocation status is refused
//! at its line (`credentials::upload::status_refusal`), a row that would change an issued
//! record is refused by the database (`credentials_keep_issued_content`), an identical
//! row writes nothing. The revocation columns of a stored record are never written here,
//! so a revocation made meanwhile is not undone either. (`vetmap import`, the server
//! administrator's, keeps the full upsert.)

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::json;
use sqlx::{PgConnection, PgPool, Row};

use crate::credentials::upload::status_refusal;
use crate::model::{Credential, CredentialStatus};
use crate::store::pg::audit::{self, Actor};
use crate::store::pg::import::{CHUNK, OnConflict, insert_credentials, write_rows};
use crate::store::{ImportError, Location, StoreError};

/// What an upload did with one institution's rows. Counts only: this is what the audit
/// log keeps, and it never keeps holder data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UploadCounts {
    pub rows: usize,
    /// Rows not stored before (of which `created_revoked` arrived revoked).
    pub created: usize,
    pub created_revoked: usize,
    /// Rows stored before, identical: nothing was written for them.
    pub already_stored: usize,
}

/// Per institution id.
pub type UploadSummary = BTreeMap<String, UploadCounts>;

pub async fn upload(
    pool: &PgPool,
    rows: &[(Location, Credential)],
    actor: &Actor,
) -> Result<UploadSummary, StoreError> {
    let db = StoreError::db;
    let mut tx = pool.begin().await.map_err(db("starting an upload"))?;
    let mut summary = UploadSummary::new();
    let mut errors = Vec::new();
    for chunk in rows.chunks(CHUNK) {
        let stored = stored_statuses(&mut tx, chunk).await?;
        for (n, (location, c)) in chunk.iter().enumerate() {
            let counts = summary
                .entry(c.institution_id.as_str().to_owned())
                .or_default();
            counts.rows += 1;
            match stored.get(&n) {
                None => {
                    counts.created += 1;
                    if c.status != CredentialStatus::Valid {
                        counts.created_revoked += 1;
                    }
                }
                Some(s) => match status_refusal(s, &c.status) {
                    None => counts.already_stored += 1,
                    Some(e) => errors.push(ImportError {
                        location: Some(location.clone()),
                        record: None,
                        field: Some(e.field),
                        message: e.message,
                        unlisted: 0,
                    }),
                },
            }
        }
    }
    write_rows(&mut tx, rows, &mut errors, async |conn, items| {
        insert_credentials(conn, items, OnConflict::KeepStatus).await
    })
    .await?;
    if !errors.is_empty() {
        tx.rollback().await.map_err(db("rolling back an upload"))?;
        errors.sort_by_key(|e| e.location.as_ref().map(line_number));
        return Err(StoreError::Invalid(errors));
    }
    for (institution_id, counts) in &summary {
        // Counts, never the rows: the audit log holds no holder data.
        let changes = json!({"credentials": {"before": null, "after": counts}});
        audit::append(
            &mut tx,
            actor,
            "credential.upload",
            Some(institution_id),
            None,
            &changes,
        )
        .await?;
    }
    tx.commit().await.map_err(db("committing an upload"))?;
    Ok(summary)
}

/// The stored revocation status of each row of `chunk` that has a record, by its
/// position in the chunk. The records are locked until the upload ends, so the status
/// compared is the status kept.
async fn stored_statuses(
    conn: &mut PgConnection,
    chunk: &[(Location, Credential)],
) -> Result<HashMap<usize, CredentialStatus>, StoreError> {
    let col = |f: &dyn Fn(&Credential) -> String| -> Vec<String> {
        chunk.iter().map(|(_, c)| f(c)).collect()
    };
    let rows = sqlx::query(
        "SELECT t.n, c.revoked_on, c.revocation_reason
         FROM UNNEST($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(i, k, s, n)
         JOIN credentials c ON (c.institution_id, c.kind, c.serial) = (t.i, t.k, t.s)
         FOR UPDATE OF c",
    )
    .bind(col(&|c| c.institution_id.to_string()))
    .bind(col(&|c| c.kind.as_str().to_owned()))
    .bind(col(&|c| c.serial.clone()))
    .fetch_all(conn)
    .await
    .map_err(StoreError::db(
        "reading the stored credentials of an upload",
    ))?;
    let corrupt = |e: sqlx::Error| StoreError::Corrupt(format!("credential status: {e}"));
    let mut stored = HashMap::with_capacity(rows.len());
    for r in rows {
        let n: i64 = r.try_get("n").map_err(corrupt)?;
        let status = super::status_of(
            r.try_get("revoked_on").map_err(corrupt)?,
            r.try_get("revocation_reason").map_err(corrupt)?,
        );
        // WITH ORDINALITY counts from 1.
        stored.insert(usize::try_from(n - 1).unwrap_or(usize::MAX), status);
    }
    Ok(stored)
}

/// "line 12" → 12, so errors read in the file's order.
fn line_number(l: &Location) -> usize {
    l.position
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX)
}
