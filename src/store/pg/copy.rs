//! Bulk writing of a whole generated dataset with `COPY`, for national-scale synthetic
//! networks (millions of rows). The chunked upserts of [`super::import_batches`] locate
//! every refused row, which files from people need; generated data is valid by
//! construction and needs speed instead. Still one transaction: all or nothing (a
//! duplicate id, for instance, refuses the whole copy).

use sqlx::PgConnection;
use sqlx::PgPool;

use super::import::{upsert_areas, upsert_mapping, upsert_occupations};
use crate::model::{Dataset, Institution};
use crate::store::StoreError;

/// Rows per `COPY` message.
const CHUNK: usize = 20_000;

const INSTITUTION_COLUMNS: &str = "id, code, name_vi, name_en, kind, ownership, geom, \
    position_accuracy, address, province_pre2025, district_pre2025, commune_pre2025, \
    province_2025, commune_2025, phone, email, website, digital_infrastructure, \
    connected_national_platform, digitised_learning_records, digitised_diplomas, \
    teachers_digital_trained_pct, high_quality_school, digital_school, readiness_source, \
    source, updated_at";

/// Writes `ds` into a database that does not hold its records yet.
pub async fn copy_dataset(pool: &PgPool, ds: &Dataset) -> Result<(), StoreError> {
    let db = StoreError::db;
    let mut tx = pool.begin().await.map_err(db("starting the copy"))?;
    // Millions of new rows at version 1: the per-change triggers (versions of touched
    // institutions, the audit of writes outside the API) have nothing to say about them.
    sqlx::query("SELECT set_config('vetmap.bulk_load', 'on', true)")
        .execute(&mut *tx)
        .await
        .map_err(db("starting the copy"))?;
    let occupations: Vec<_> = ds.occupations.iter().collect();
    upsert_occupations(&mut tx, &occupations)
        .await
        .map_err(db("writing occupations"))?;
    let areas: Vec<_> = ds.areas.iter().collect();
    upsert_areas(&mut tx, &areas)
        .await
        .map_err(db("writing areas"))?;
    if !ds.mapping.is_empty() {
        let mapping: Vec<_> = ds.mapping.iter().collect();
        upsert_mapping(&mut tx, &mapping)
            .await
            .map_err(db("writing the commune mapping"))?;
    }
    // Checking foreign keys row by row costs most of a multi-million-row copy; checking
    // them once afterwards (re-adding the same constraints validates them with one join)
    // is many times faster, and the transaction keeps it all or nothing.
    let foreign_keys = drop_foreign_keys(&mut tx, &["institutions", "programmes"])
        .await
        .map_err(db("setting foreign keys aside"))?;
    copy_rows(
        &mut tx,
        &format!("COPY institutions ({INSTITUTION_COLUMNS}) FROM STDIN WITH (FORMAT csv)"),
        &ds.institutions,
        |w, i| w.write_record(institution_row(i)),
    )
    .await
    .map_err(db("copying institutions"))?;
    copy_rows(
        &mut tx,
        "COPY programmes (institution_id, ordinal, occupation_code, occupation_name, level, \
         annual_quota) FROM STDIN WITH (FORMAT csv)",
        &ds.institutions,
        |w, i| {
            for (n, p) in i.programmes.iter().enumerate() {
                w.write_record([
                    i.id.as_str().to_owned(),
                    n.to_string(),
                    p.occupation_code().to_string(),
                    p.occupation_name().to_string(),
                    p.level().as_str().to_owned(),
                    p.annual_quota().map(|q| q.to_string()).unwrap_or_default(),
                ])?;
            }
            Ok(())
        },
    )
    .await
    .map_err(db("copying programmes"))?;
    restore_foreign_keys(&mut tx, &foreign_keys)
        .await
        .map_err(db("checking foreign keys"))?;
    tx.commit().await.map_err(db("committing the copy"))
}

/// A foreign key as the catalogue defines it: (table, name, definition).
type ForeignKey = (String, String, String);

/// Drops the foreign keys of `tables`, returning their exact definitions.
async fn drop_foreign_keys(
    conn: &mut PgConnection,
    tables: &[&str],
) -> Result<Vec<ForeignKey>, sqlx::Error> {
    let keys: Vec<ForeignKey> = sqlx::query_as(
        "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid)
         FROM pg_constraint
         WHERE contype = 'f' AND conrelid::regclass::text = ANY($1)
         ORDER BY 1, 2",
    )
    .bind(tables)
    .fetch_all(&mut *conn)
    .await?;
    for (table, name, _) in &keys {
        // Audited: identifiers from the catalogue, quoted.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            quote_ident(table),
            quote_ident(name)
        )))
        .execute(&mut *conn)
        .await?;
    }
    Ok(keys)
}

/// Re-adds what [`drop_foreign_keys`] removed; PostgreSQL validates every row.
async fn restore_foreign_keys(
    conn: &mut PgConnection,
    keys: &[ForeignKey],
) -> Result<(), sqlx::Error> {
    for (table, name, definition) in keys {
        // Audited: identifiers quoted, the definition as pg_get_constraintdef gave it.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {definition}",
            quote_ident(table),
            quote_ident(name)
        )))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Names come from the catalogue, but quote them anyway.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Streams CSV rows to a `COPY ... FROM STDIN`, a chunk of items per message.
async fn copy_rows(
    conn: &mut PgConnection,
    statement: &str,
    items: &[Institution],
    write: impl Fn(&mut csv::Writer<Vec<u8>>, &Institution) -> csv::Result<()>,
) -> Result<(), sqlx::Error> {
    let mut copy = conn.copy_in_raw(statement).await?;
    for chunk in items.chunks(CHUNK) {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        for item in chunk {
            write(&mut w, item).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        copy.send(bytes).await?;
    }
    copy.finish().await.map(|_| ())
}

/// One institution as CSV fields; an empty field is NULL to `COPY ... (FORMAT csv)`.
fn institution_row(i: &Institution) -> Vec<String> {
    let text = |v: Option<&str>| v.unwrap_or_default().to_owned();
    let flag = |v: Option<bool>| match v {
        Some(true) => "t".to_owned(),
        Some(false) => "f".to_owned(),
        None => String::new(),
    };
    let a = &i.admin;
    let r = &i.readiness;
    vec![
        i.id.as_str().to_owned(),
        text(i.code()),
        i.name_vi().to_string(),
        text(i.name_en()),
        i.kind.as_str().to_owned(),
        i.ownership.as_str().to_owned(),
        format!("SRID=4326;POINT({} {})", i.location.lon(), i.location.lat()),
        i.position_accuracy.as_str().to_owned(),
        text(i.address()),
        text(a.province_pre2025.as_deref()),
        text(a.district_pre2025.as_deref()),
        text(a.commune_pre2025.as_deref()),
        text(a.province_2025.as_deref()),
        text(a.commune_2025.as_deref()),
        text(i.phone()),
        text(i.email()),
        text(i.website()),
        flag(r.digital_infrastructure),
        flag(r.connected_national_platform),
        flag(r.digitised_learning_records),
        flag(r.digitised_diplomas),
        r.teachers_digital_trained_pct
            .map(|p| p.to_string())
            .unwrap_or_default(),
        flag(r.high_quality_school),
        flag(r.digital_school),
        r.source.as_deref().unwrap_or_default().to_owned(),
        i.source.to_string(),
        i.updated_at
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    ]
}
