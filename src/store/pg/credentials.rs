//! Credential reads for verification. Each is one indexed read: by serial
//! (`credentials_serial_idx`), by status index (`credentials_status_index_idx`), revoked
//! bits of one list (the partial `credentials_revoked_idx`), counts of one institution
//! (the primary key's leading column). Officials' writes are in [`upload`] (new
//! credentials) and [`status`] (revoking, reinstating).

mod status;
mod upload;

pub use status::{field_refusal, reinstate, revoke};
pub use upload::{UploadCounts, UploadSummary, upload};

use chrono::NaiveDate;
use sqlx::{PgPool, Row};

use crate::model::{Credential, CredentialKind, CredentialStatus, InstitutionId, OccupationCode};
use crate::store::StoreError;

const COLUMNS: &str = "institution_id, kind, serial, register_no, holder_name, holder_birth_date,
    occupation_code, occupation_name, graduation_year, issue_date, revoked_on,
    revocation_reason, status_index";

/// The records carrying `serial` (one per institution and kind at most), with their
/// status index.
pub async fn by_serial(pool: &PgPool, serial: &str) -> Result<Vec<(Credential, u64)>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM credentials WHERE serial = $1"
    )))
    .bind(serial)
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("looking up a credential"))?;
    rows.iter().map(from_row).collect()
}

pub async fn by_status_index(
    pool: &PgPool,
    index: u64,
) -> Result<Option<(Credential, u64)>, StoreError> {
    let Ok(index) = i64::try_from(index) else {
        return Ok(None);
    };
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM credentials WHERE status_index = $1"
    )))
    .bind(index)
    .fetch_optional(pool)
    .await
    .map_err(StoreError::db("reading a credential"))?;
    row.as_ref().map(from_row).transpose()
}

/// Status indices in `[from, to)` whose record is revoked.
pub async fn revoked_between(pool: &PgPool, from: u64, to: u64) -> Result<Vec<u64>, StoreError> {
    let rows: Vec<i64> = sqlx::query_scalar(
        "SELECT status_index FROM credentials
         WHERE revoked_on IS NOT NULL AND status_index >= $1 AND status_index < $2",
    )
    .bind(i64::try_from(from).unwrap_or(i64::MAX))
    .bind(i64::try_from(to).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("reading revoked credentials"))?;
    Ok(rows
        .into_iter()
        .filter_map(|i| u64::try_from(i).ok())
        .collect())
}

/// The highest status index in use, if any credential exists.
pub async fn max_status_index(pool: &PgPool) -> Result<Option<u64>, StoreError> {
    let max: Option<i64> = sqlx::query_scalar("SELECT max(status_index) FROM credentials")
        .fetch_one(pool)
        .await
        .map_err(StoreError::db("reading the status index range"))?;
    Ok(max.and_then(|m| u64::try_from(m).ok()))
}

/// (graduation year, kind, count) for one institution.
pub async fn counts(
    pool: &PgPool,
    institution_id: &str,
) -> Result<Vec<(i32, String, i64)>, StoreError> {
    sqlx::query_as(
        "SELECT graduation_year, kind, count(*) FROM credentials WHERE institution_id = $1
         GROUP BY graduation_year, kind ORDER BY graduation_year, kind",
    )
    .bind(institution_id)
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("counting credentials"))
}

fn from_row(r: &sqlx::postgres::PgRow) -> Result<(Credential, u64), StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("credential {what}"));
    let get_err = |e: sqlx::Error| StoreError::Corrupt(format!("credential row: {e}"));
    let text = |c: &str| r.try_get::<String, _>(c).map_err(get_err);
    let kind: CredentialKind = text("kind")?.parse().map_err(|_| corrupt("kind"))?;
    let status = status_of(
        r.try_get("revoked_on").map_err(get_err)?,
        r.try_get("revocation_reason").map_err(get_err)?,
    );
    let index: i64 = r.try_get("status_index").map_err(get_err)?;
    Ok((
        Credential {
            serial: text("serial")?,
            register_no: text("register_no")?,
            kind,
            holder_name: text("holder_name")?,
            holder_birth_date: r.try_get("holder_birth_date").map_err(get_err)?,
            occupation_code: OccupationCode::parse(&text("occupation_code")?)
                .map_err(|_| corrupt("occupation_code"))?,
            occupation_name: text("occupation_name")?,
            institution_id: InstitutionId::parse(&text("institution_id")?)
                .map_err(|_| corrupt("institution_id"))?,
            graduation_year: r.try_get("graduation_year").map_err(get_err)?,
            issue_date: r.try_get("issue_date").map_err(get_err)?,
            status,
        },
        u64::try_from(index).map_err(|_| corrupt("status_index"))?,
    ))
}

/// The status the revocation columns hold (a check constraint sets both or neither).
fn status_of(revoked_on: Option<NaiveDate>, reason: Option<String>) -> CredentialStatus {
    match (revoked_on, reason) {
        (Some(on), Some(reason)) => CredentialStatus::Revoked { on, reason },
        _ => CredentialStatus::Valid,
    }
}
