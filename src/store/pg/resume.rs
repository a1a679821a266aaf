//! What a start from the dataset snapshot file reads from PostgreSQL instead of every
//! row: which database this is, and the small tables (catalogue, areas, mapping) whole.

use sqlx::PgPool;

use super::load::{begin_versioned_read, read_areas, read_mapping, read_occupations};
use crate::model::{AdminArea, CommuneMapping, Occupation};
use crate::store::StoreError;

/// Names this database so that a snapshot file is only used with the database it was
/// written from: its oid and name (a database dropped and made again gets a new oid)
/// and when its first migration ran (a restore elsewhere runs it anew).
pub async fn database_identity(pool: &PgPool) -> Result<String, StoreError> {
    sqlx::query_scalar(
        "SELECT d.oid::text || '/' || d.datname || '/' ||
                coalesce((SELECT installed_on::text FROM _sqlx_migrations
                          ORDER BY version LIMIT 1), '')
         FROM pg_database d WHERE d.datname = current_database()",
    )
    .fetch_one(pool)
    .await
    .map_err(StoreError::db("reading the database's identity"))
}

/// The occupation catalogue, the administrative areas and the commune mapping, read in
/// one snapshot: a start from the snapshot file reads these whole (they are small) and
/// takes the institutions from the file.
pub async fn load_catalogue(
    pool: &PgPool,
) -> Result<(Vec<Occupation>, Vec<AdminArea>, Vec<CommuneMapping>), StoreError> {
    let (mut tx, _) = begin_versioned_read(pool).await?;
    let occupations = read_occupations(&mut tx).await?;
    let areas = read_areas(&mut tx).await?;
    let mapping = read_mapping(&mut tx).await?;
    tx.commit()
        .await
        .map_err(StoreError::db("finishing a read"))?;
    Ok((occupations, areas, mapping))
}
