//! Officials' edits of institutions: create, update and retire, each one transaction that
//! checks the version the official read (optimistic concurrency), checks their scope
//! against the record as stored, writes the row with the same statements as an import,
//! and appends the per-field history. The statement triggers then notify every server.

use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};

use super::audit::{self, Actor};
use super::import::{replace_programmes, upsert_institutions};
use super::load::one_institution;
use crate::model::Institution;
use crate::model::changes::institution_changes;
use crate::store::StoreError;

/// Who may change a stored record: asked of the record as the database holds it.
pub type Permission<'a> = &'a (dyn Fn(&Institution) -> bool + Sync);

async fn begin_audited(
    pool: &PgPool,
    context: &'static str,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
    let mut tx = pool.begin().await.map_err(StoreError::db(context))?;
    // This transaction records its own history entry; the trigger that records writes
    // from outside the API stays quiet.
    sqlx::query("SELECT set_config('vetmap.audited', 'on', true)")
        .execute(&mut *tx)
        .await
        .map_err(StoreError::db(context))?;
    Ok(tx)
}

/// The version a row is at now, locking it for the rest of the transaction.
async fn lock_version(
    conn: &mut PgConnection,
    id: &str,
) -> Result<Option<(i64, bool)>, StoreError> {
    sqlx::query_as::<_, (i64, bool)>(
        "SELECT version, retired_at IS NOT NULL FROM institutions WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
    .map_err(StoreError::db("locking an institution"))
}

/// Writes the row, and the programmes when they are new or changed (rewriting them
/// unchanged would move the version for nothing).
/// The stored record a change starts from, its row locked: it must exist on the map, still
/// be at the version the official read, and be theirs to `verb`.
async fn stored_for_change(
    conn: &mut PgConnection,
    id: &str,
    expected_version: i64,
    permitted: Permission<'_>,
    verb: &str,
) -> Result<(i64, Institution), StoreError> {
    let current = match lock_version(conn, id).await? {
        Some((_, true)) | None => {
            return Err(StoreError::Missing(format!("no institution {id:?}")));
        }
        Some((v, false)) => v,
    };
    if current != expected_version {
        return Err(StoreError::Stale { current });
    }
    let (before, _) = one_institution(conn, id)
        .await?
        .ok_or_else(|| StoreError::Missing(format!("no institution {id:?}")))?;
    if !permitted(&before) {
        return Err(StoreError::NotPermitted(format!(
            "your account may not {verb} institution {id:?}"
        )));
    }
    Ok((current, before))
}

async fn write(
    conn: &mut PgConnection,
    i: &Institution,
    programmes_changed: bool,
) -> Result<i64, StoreError> {
    upsert_institutions(conn, &[i])
        .await
        .map_err(|e| super::refused("institution", e, "writing an institution"))?;
    if programmes_changed {
        replace_programmes(conn, &[i])
            .await
            .map_err(|e| super::refused("programmes", e, "writing programmes"))?;
    }
    sqlx::query_scalar("SELECT version FROM institutions WHERE id = $1")
        .bind(i.id.as_str())
        .fetch_one(conn)
        .await
        .map_err(StoreError::db("reading the new version"))
}

/// Creates an institution; its id must be new (a retired one's id stays taken, so links
/// to it never point at something else). Returns its version.
pub async fn create_institution(
    pool: &PgPool,
    new: &Institution,
    actor: &Actor,
) -> Result<i64, StoreError> {
    let mut tx = begin_audited(pool, "creating an institution").await?;
    if lock_version(&mut tx, new.id.as_str()).await?.is_some() {
        return Err(StoreError::AlreadyExists(format!(
            "an institution with id {:?} exists (or existed: ids of retired institutions stay taken)",
            new.id.as_str()
        )));
    }
    let version = write(&mut tx, new, !new.programmes.is_empty()).await?;
    let changes = Value::Object(institution_changes(None, Some(new)));
    audit::append(
        &mut tx,
        actor,
        "institution.create",
        Some(new.id.as_str()),
        None,
        &changes,
    )
    .await?;
    tx.commit()
        .await
        .map_err(StoreError::db("creating an institution"))?;
    Ok(version)
}

/// Replaces an institution's record with `new` if it is still at `expected_version`
/// and `permitted` allows changing it as stored. Returns the new version (unchanged when
/// `new` changes nothing).
pub async fn update_institution(
    pool: &PgPool,
    new: &Institution,
    expected_version: i64,
    permitted: Permission<'_>,
    actor: &Actor,
) -> Result<i64, StoreError> {
    let id = new.id.as_str();
    let mut tx = begin_audited(pool, "updating an institution").await?;
    let (current, before) =
        stored_for_change(&mut tx, id, expected_version, permitted, "edit").await?;
    let changes = institution_changes(Some(&before), Some(new));
    if changes.is_empty() {
        return Ok(current);
    }
    let version = write(&mut tx, new, changes.contains_key("programmes")).await?;
    audit::append(
        &mut tx,
        actor,
        "institution.update",
        Some(id),
        None,
        &Value::Object(changes),
    )
    .await?;
    tx.commit()
        .await
        .map_err(StoreError::db("updating an institution"))?;
    Ok(version)
}

/// Retires an institution: kept in the database and its history, gone from the map.
pub async fn retire_institution(
    pool: &PgPool,
    id: &str,
    expected_version: i64,
    reason: &str,
    permitted: Permission<'_>,
    actor: &Actor,
) -> Result<i64, StoreError> {
    let mut tx = begin_audited(pool, "retiring an institution").await?;
    stored_for_change(&mut tx, id, expected_version, permitted, "retire").await?;
    let version: i64 = sqlx::query_scalar(
        "UPDATE institutions SET retired_at = now(), retired_reason = $2, updated_at = now()
         WHERE id = $1 RETURNING version",
    )
    .bind(id)
    .bind(reason)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| super::refused("reason", e, "retiring an institution"))?;
    let changes = json!({"retired": {"before": null, "after": {"reason": reason}}});
    audit::append(
        &mut tx,
        actor,
        "institution.retire",
        Some(id),
        None,
        &changes,
    )
    .await?;
    tx.commit()
        .await
        .map_err(StoreError::db("retiring an institution"))?;
    Ok(version)
}
