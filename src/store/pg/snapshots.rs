//! Indicator snapshots: a dated one per day of the current data, a period's one per
//! reporting year (taking either again replaces it).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use crate::indicators::{Snapshot, SnapshotRow};
use crate::model::report::Period;
use crate::store::StoreError;

/// Stores a snapshot, replacing the one of its day (dated) or of its period.
pub async fn save_snapshot(pool: &PgPool, s: &Snapshot) -> Result<(), StoreError> {
    let db = StoreError::db;
    let period = s.period.map(Period::year);
    let mut tx = pool.begin().await.map_err(db("starting a snapshot"))?;
    sqlx::query(
        "DELETE FROM indicator_snapshots
         WHERE ($2::int4 IS NULL AND period IS NULL AND taken_on = $1) OR period = $2",
    )
    .bind(s.taken_on)
    .bind(period)
    .execute(&mut *tx)
    .await
    .map_err(db("replacing the snapshot"))?;
    let col = |f: fn(&SnapshotRow) -> f64| s.rows.iter().map(f).collect::<Vec<_>>();
    let opt = |f: fn(&SnapshotRow) -> Option<f64>| s.rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO indicator_snapshots (taken_on, indicator, in_scope, unknown, numerator,
             denominator, value_pct, lower_bound_pct, upper_bound_pct, data_version, taken_at,
             period)
         SELECT $1, i, s, u, n, d, v, lo, hi, $2, $3, $4
         FROM UNNEST($5::text[], $6::int4[], $7::int4[], $8::float8[], $9::float8[],
                     $10::float8[], $11::float8[], $12::float8[])
           AS t(i, s, u, n, d, v, lo, hi)",
    )
    .bind(s.taken_on)
    .bind(&s.data_version)
    .bind(s.taken_at)
    .bind(period)
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
    .bind(opt(|r| r.value_pct))
    .bind(opt(|r| r.lower_bound_pct))
    .bind(opt(|r| r.upper_bound_pct))
    .execute(&mut *tx)
    .await
    .map_err(db("writing a snapshot"))?;
    tx.commit().await.map_err(db("committing a snapshot"))
}

#[derive(sqlx::FromRow)]
struct Row {
    taken_on: NaiveDate,
    period: Option<i32>,
    indicator: String,
    in_scope: i32,
    unknown: i32,
    numerator: f64,
    denominator: f64,
    value_pct: Option<f64>,
    lower_bound_pct: Option<f64>,
    upper_bound_pct: Option<f64>,
    data_version: String,
    taken_at: DateTime<Utc>,
}

/// Every snapshot: periods' in year order, then dated ones oldest first.
pub async fn load_snapshots(pool: &PgPool) -> Result<Vec<Snapshot>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT taken_on, period, indicator, in_scope, unknown, numerator, denominator,
                value_pct, lower_bound_pct, upper_bound_pct, data_version, taken_at
         FROM indicator_snapshots ORDER BY period NULLS LAST, taken_on, indicator",
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("reading indicator snapshots"))?;
    /// Periods first in year order, then days (variants order as declared).
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    enum Key {
        Period(i32),
        Dated(NaiveDate),
    }
    let mut by: BTreeMap<Key, Snapshot> = BTreeMap::new();
    for r in rows {
        let key = match r.period {
            Some(p) => Key::Period(p),
            None => Key::Dated(r.taken_on),
        };
        by.entry(key)
            .or_insert_with(|| Snapshot {
                taken_on: r.taken_on,
                taken_at: r.taken_at,
                period: r.period.map(Period::stored),
                data_version: r.data_version.clone(),
                rows: Vec::new(),
            })
            .rows
            .push(SnapshotRow {
                indicator: r.indicator,
                in_scope: r.in_scope,
                unknown: r.unknown,
                numerator: r.numerator,
                denominator: r.denominator,
                value_pct: r.value_pct,
                lower_bound_pct: r.lower_bound_pct,
                upper_bound_pct: r.upper_bound_pct,
            });
    }
    Ok(by.into_values().collect())
}
