//! Revoking a credential and undoing a mistaken revocation: each locks the record,
//! checks it, writes the new status and appends its audit entry in one transaction.
//!
//! The audit entry names the credential by its kind and its status index (the opaque
//! number of its bit in the revocation status lists, `subject` "college_diploma #1234"),
//! never by its serial: the log is read by more people than the register, and a serial
//! with the institution finds a holder. Holder data never enters it.

use serde_json::{Value, json};
use sqlx::PgConnection;

use super::{COLUMNS, from_row};
use crate::credentials::revocation::{CredentialKey, Reinstatement, Revocation};
use crate::model::{Credential, CredentialStatus, FieldError};
use crate::store::pg::audit::{self, Actor};
use crate::store::{ImportError, StoreError};

/// A refusal of one field of the request, as the 400 `InvalidData` answers give it.
pub fn field_refusal(e: FieldError) -> StoreError {
    StoreError::Invalid(vec![ImportError {
        location: None,
        record: None,
        field: Some(e.field),
        message: e.message,
        unlisted: 0,
    }])
}

/// Revokes the credential; its new status.
pub async fn revoke(
    pool: &sqlx::PgPool,
    r: &Revocation,
    actor: &Actor,
) -> Result<CredentialStatus, StoreError> {
    let db = StoreError::db;
    let mut tx = pool.begin().await.map_err(db("revoking a credential"))?;
    let (stored, index) = lock(&mut tx, &r.key).await?;
    if let CredentialStatus::Revoked { .. } = stored.status {
        return Err(StoreError::AlreadyExists(
            "the credential is already revoked; to correct its revocation, a province official \
             reinstates it first"
                .into(),
        ));
    }
    if let Some(e) = r.refusal(&stored) {
        return Err(field_refusal(e));
    }
    let status = CredentialStatus::Revoked {
        on: r.on,
        reason: r.reason.clone(),
    };
    set_status(&mut tx, &r.key, &status).await?;
    let changes = json!({
        "status": {"before": "valid", "after": "revoked"},
        "revoked_on": {"before": null, "after": r.on},
        "revocation_reason": {"before": null, "after": r.reason},
    });
    record(&mut tx, actor, "credential.revoke", &r.key, index, &changes).await?;
    tx.commit().await.map_err(db("revoking a credential"))?;
    Ok(status)
}

/// Undoes a revocation; the credential is valid again.
pub async fn reinstate(
    pool: &sqlx::PgPool,
    r: &Reinstatement,
    actor: &Actor,
) -> Result<CredentialStatus, StoreError> {
    let db = StoreError::db;
    let mut tx = pool.begin().await.map_err(db("reinstating a credential"))?;
    let (stored, index) = lock(&mut tx, &r.key).await?;
    let CredentialStatus::Revoked { on, reason } = &stored.status else {
        return Err(StoreError::AlreadyExists(
            "the credential is not revoked: there is nothing to undo".into(),
        ));
    };
    if let Some(e) = r.refusal(&stored) {
        return Err(field_refusal(e));
    }
    set_status(&mut tx, &r.key, &CredentialStatus::Valid).await?;
    let changes = json!({
        "status": {"before": "revoked", "after": "valid"},
        "revoked_on": {"before": on, "after": null},
        "revocation_reason": {"before": reason, "after": null},
        "reinstatement_reason": {"before": null, "after": r.reason},
    });
    record(
        &mut tx,
        actor,
        "credential.reinstate",
        &r.key,
        index,
        &changes,
    )
    .await?;
    tx.commit().await.map_err(db("reinstating a credential"))?;
    Ok(CredentialStatus::Valid)
}

async fn lock(
    conn: &mut PgConnection,
    key: &CredentialKey,
) -> Result<(Credential, u64), StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM credentials
         WHERE institution_id = $1 AND kind = $2 AND serial = $3 FOR UPDATE"
    )))
    .bind(key.institution_id.as_str())
    .bind(key.kind.as_str())
    .bind(&key.serial)
    .fetch_optional(conn)
    .await
    .map_err(StoreError::db("reading a credential"))?;
    match row {
        Some(r) => from_row(&r),
        // Without the serial: errors are logged at times, and this one needs no value.
        None => Err(StoreError::Missing(
            "the institution has no credential of this kind with this serial".into(),
        )),
    }
}

async fn set_status(
    conn: &mut PgConnection,
    key: &CredentialKey,
    status: &CredentialStatus,
) -> Result<(), StoreError> {
    let (on, reason) = match status {
        CredentialStatus::Valid => (None, None),
        CredentialStatus::Revoked { on, reason } => (Some(*on), Some(reason.as_str())),
    };
    sqlx::query(
        "UPDATE credentials SET revoked_on = $4, revocation_reason = $5
         WHERE institution_id = $1 AND kind = $2 AND serial = $3",
    )
    .bind(key.institution_id.as_str())
    .bind(key.kind.as_str())
    .bind(&key.serial)
    .bind(on)
    .bind(reason)
    .execute(conn)
    .await
    .map_err(|e| crate::store::pg::refused("reason", e, "changing a credential's status"))?;
    Ok(())
}

/// The audit entry: the credential as its kind and status index, never its serial.
async fn record(
    conn: &mut PgConnection,
    actor: &Actor,
    action: &str,
    key: &CredentialKey,
    status_index: u64,
    changes: &Value,
) -> Result<(), StoreError> {
    let subject = format!("{} #{status_index}", key.kind.as_str());
    audit::append(
        conn,
        actor,
        action,
        Some(key.institution_id.as_str()),
        Some(&subject),
        changes,
    )
    .await
}
