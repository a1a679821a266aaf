//! The population layer and the indicator snapshots (issue 9).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};

use crate::indicators::{Snapshot, SnapshotRow};
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

/// Stores a snapshot; one per day, a second the same day replaces the first.
pub async fn save_snapshot(pool: &PgPool, s: &Snapshot) -> Result<(), StoreError> {
    let db = StoreError::db;
    let mut tx = pool.begin().await.map_err(db("starting a snapshot"))?;
    sqlx::query("DELETE FROM indicator_snapshots WHERE taken_on = $1")
        .bind(s.taken_on)
        .execute(&mut *tx)
        .await
        .map_err(db("replacing the day's snapshot"))?;
    let col = |f: fn(&SnapshotRow) -> f64| s.rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO indicator_snapshots (taken_on, indicator, in_scope, unknown, numerator,
             denominator, value_pct, data_version, taken_at)
         SELECT $1, i, s, u, n, d, v, $2, $3
         FROM UNNEST($4::text[], $5::int4[], $6::int4[], $7::float8[], $8::float8[], $9::float8[])
           AS t(i, s, u, n, d, v)",
    )
    .bind(s.taken_on)
    .bind(&s.data_version)
    .bind(s.taken_at)
    .bind(
        s.rows
            .iter()
            .map(|r| r.indicator.clone())
            .collect::<Vec<_>>(),
    )
    .bind(s.rows.iter().map(|r| r.in_scope).collect::<Vec<_>>())
    .bind(s.rows.iter().map(|r| r.unknown).collect::<Vec<_>>())
    .bind(col(|r| r.numerator))
    .bind(col(|r| r.denominator))
    .bind(s.rows.iter().map(|r| r.value_pct).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .map_err(db("writing a snapshot"))?;
    tx.commit().await.map_err(db("committing a snapshot"))
}

type SnapshotDbRow = (
    NaiveDate,
    String,
    i32,
    i32,
    f64,
    f64,
    Option<f64>,
    String,
    DateTime<Utc>,
);

/// Every snapshot, oldest first.
pub async fn load_snapshots(pool: &PgPool) -> Result<Vec<Snapshot>, StoreError> {
    let rows: Vec<SnapshotDbRow> = sqlx::query_as(
        "SELECT taken_on, indicator, in_scope, unknown, numerator, denominator, value_pct,
                data_version, taken_at
         FROM indicator_snapshots ORDER BY taken_on, indicator",
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("reading indicator snapshots"))?;
    let mut by_day: BTreeMap<NaiveDate, Snapshot> = BTreeMap::new();
    for (taken_on, indicator, in_scope, unknown, numerator, denominator, value_pct, v, at) in rows {
        by_day
            .entry(taken_on)
            .or_insert_with(|| Snapshot {
                taken_on,
                taken_at: at,
                data_version: v,
                rows: Vec::new(),
            })
            .rows
            .push(SnapshotRow {
                indicator,
                in_scope,
                unknown,
                numerator,
                denominator,
                value_pct,
            });
    }
    Ok(by_day.into_values().collect())
}
