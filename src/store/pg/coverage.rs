//! The population layer (issue 9).

use sqlx::{PgConnection, PgPool};

use crate::model::{LonLat, PopulationCell, PopulationLayer};
use crate::store::StoreError;

pub(super) async fn clear_population(conn: &mut PgConnection) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM population_cells")
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(StoreError::db("replacing the population layer"))
}

pub(super) async fn insert_population(
    conn: &mut PgConnection,
    items: &[&PopulationCell],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO population_cells (geom, population, source)
         SELECT ST_SetSRID(ST_MakePoint(lon, lat), 4326), p, s
         FROM UNNEST($1::float8[], $2::float8[], $3::float8[], $4::text[]) AS t(lon, lat, p, s)",
    )
    .bind(items.iter().map(|c| c.location.lon()).collect::<Vec<_>>())
    .bind(items.iter().map(|c| c.location.lat()).collect::<Vec<_>>())
    .bind(items.iter().map(|c| c.population).collect::<Vec<_>>())
    .bind(items.iter().map(|c| c.source.clone()).collect::<Vec<_>>())
    .execute(conn)
    .await
    .map(|_| ())
}

/// The whole layer, versioned by the data version it was read with.
pub async fn load_population(pool: &PgPool) -> Result<PopulationLayer, StoreError> {
    let db = StoreError::db;
    let (mut tx, version) = super::load::begin_versioned_read(pool).await?;
    let rows: Vec<(f64, f64, f64, String)> = sqlx::query_as(
        "SELECT ST_X(geom), ST_Y(geom), population, source FROM population_cells ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(db("reading the population layer"))?;
    tx.commit().await.map_err(db("ending a read"))?;
    let cells = rows
        .into_iter()
        .map(|(lon, lat, population, source)| {
            Ok(PopulationCell {
                location: LonLat::new(lon, lat).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                population,
                source,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(PopulationLayer {
        cells,
        version: format!("db-{version}"),
    })
}
