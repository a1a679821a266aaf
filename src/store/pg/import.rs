//! Writing imported batches: all or nothing. Rows go in chunks through `UNNEST` (fast
//! for millions); when a chunk is refused by a constraint, its rows are retried one by
//! one inside savepoints to name every refused row and why, then everything is rolled back.

use std::collections::BTreeSet;

use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use crate::model::{
    AdminArea, CommuneMapping, Credential, CredentialStatus, Institution, Occupation,
};
use crate::store::files::Batch;
use crate::store::{ImportError, Location, StoreError};

pub(super) const CHUNK: usize = 5_000;

#[derive(Debug, Default, Serialize)]
pub struct ImportSummary {
    pub occupations: usize,
    pub areas: usize,
    pub mapping: usize,
    pub institutions: usize,
    pub programmes: usize,
    pub credentials: usize,
    pub population: usize,
}

/// Writes the batches in dependency order within one transaction.
pub async fn import_batches(
    pool: &PgPool,
    mut batches: Vec<Batch>,
) -> Result<ImportSummary, StoreError> {
    let db = StoreError::db;
    batches.sort_by_key(|b| {
        crate::store::files::FileKind::ORDER
            .iter()
            .position(|k| *k == b.kind())
    });
    let mut tx = pool.begin().await.map_err(db("starting the import"))?;
    // The audit log names what made each change to an institution it did not see
    // through the API (migration 20261201000001).
    sqlx::query("SELECT set_config('vetmap.actor', 'import', true)")
        .execute(&mut *tx)
        .await
        .map_err(db("starting the import"))?;
    let mut errors = Vec::new();
    let mut summary = ImportSummary::default();
    for batch in &batches {
        if refusals_full(&mut errors) {
            break;
        }
        match batch {
            Batch::Occupations(rows) => {
                summary.occupations += rows.len();
                write_rows(&mut tx, rows, &mut errors, upsert_occupations).await?;
            }
            Batch::Areas(rows) => {
                summary.areas += rows.len();
                write_rows(&mut tx, rows, &mut errors, upsert_areas).await?;
            }
            Batch::Mapping(rows) => {
                summary.mapping += rows.len();
                write_rows(&mut tx, rows, &mut errors, upsert_mapping).await?;
            }
            Batch::Institutions {
                records,
                carries_programmes,
            } => {
                summary.institutions += records.len();
                write_rows(&mut tx, records, &mut errors, upsert_institutions).await?;
                if *carries_programmes {
                    summary.programmes +=
                        records.iter().map(|r| r.1.programmes.len()).sum::<usize>();
                    write_rows(&mut tx, records, &mut errors, replace_programmes).await?;
                }
            }
            Batch::Programmes(rows) => {
                summary.programmes += rows.len();
                // Every institution named in the file gets exactly the file's programmes.
                let ids: Vec<String> = rows
                    .iter()
                    .map(|r| r.1.as_str().to_owned())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                sqlx::query("DELETE FROM programmes WHERE institution_id = ANY($1)")
                    .bind(&ids)
                    .execute(&mut *tx)
                    .await
                    .map_err(db("clearing programmes"))?;
                let mut ordinal = std::collections::HashMap::<&str, i32>::new();
                let numbered: Vec<(Location, ProgrammeRow)> = rows
                    .iter()
                    .map(|(l, id, p)| {
                        let n = ordinal.entry(id.as_str()).or_insert(0);
                        *n += 1;
                        (
                            l.clone(),
                            ProgrammeRow {
                                institution_id: id.as_str().to_owned(),
                                ordinal: *n - 1,
                                occupation_code: p.occupation_code().to_string(),
                                occupation_name: p.occupation_name().to_string(),
                                level: p.level().as_str().to_owned(),
                                annual_quota: p.annual_quota().map(|q| q as i32),
                            },
                        )
                    })
                    .collect();
                write_rows(&mut tx, &numbered, &mut errors, insert_programmes).await?;
            }
            Batch::Credentials(rows) => {
                summary.credentials += rows.len();
                write_rows(&mut tx, rows, &mut errors, upsert_credentials).await?;
            }
            Batch::Population(rows) => {
                // A layer is a whole: the file replaces the stored one.
                summary.population += rows.len();
                super::coverage::clear_population(&mut tx).await?;
                write_rows(
                    &mut tx,
                    rows,
                    &mut errors,
                    super::coverage::insert_population,
                )
                .await?;
            }
        }
    }
    if !errors.is_empty() {
        tx.rollback().await.map_err(db("rolling back the import"))?;
        return Err(StoreError::Invalid(errors));
    }
    tx.commit().await.map_err(db("committing the import"))?;
    Ok(summary)
}

/// Writes rows chunk by chunk; a refused chunk is retried row by row to report each
/// refused row at its location. Errors other than refusals end the import.
pub(super) async fn write_rows<T>(
    conn: &mut PgConnection,
    rows: &[(Location, T)],
    errors: &mut Vec<ImportError>,
    write: impl AsyncFn(&mut PgConnection, &[&T]) -> Result<(), sqlx::Error>,
) -> Result<(), StoreError> {
    let db = StoreError::db;
    for chunk in rows.chunks(CHUNK) {
        let items: Vec<&T> = chunk.iter().map(|r| &r.1).collect();
        savepoint(conn, "SAVEPOINT chunk").await?;
        match write(conn, &items).await {
            Ok(()) => savepoint(conn, "RELEASE SAVEPOINT chunk").await?,
            Err(e) if is_refusal(&e) => {
                savepoint(conn, "ROLLBACK TO SAVEPOINT chunk").await?;
                for (location, item) in chunk {
                    if refusals_full(errors) {
                        return Ok(());
                    }
                    savepoint(conn, "SAVEPOINT one").await?;
                    match write(conn, &[item]).await {
                        Ok(()) => savepoint(conn, "RELEASE SAVEPOINT one").await?,
                        Err(e) if is_refusal(&e) => {
                            errors.push(refusal(Some(location), &e));
                            savepoint(conn, "ROLLBACK TO SAVEPOINT one").await?;
                        }
                        Err(e) => return Err(db("writing a row")(e)),
                    }
                }
            }
            Err(e) => return Err(db("writing rows")(e)),
        }
    }
    Ok(())
}

/// After this many refused rows the import stops looking for more: every one costs a
/// round trip, a hostile or mistaken file can hold millions, and the first hundred say
/// what to fix. The closing entry says that checking stopped there.
fn refusals_full(errors: &mut Vec<ImportError>) -> bool {
    let max = crate::store::files::MAX_LISTED_PROBLEMS;
    if errors.len() < max {
        return false;
    }
    if errors.len() == max {
        errors.push(ImportError {
            location: None,
            record: None,
            field: None,
            message: format!(
                "the database refused at least {max} rows; checking stopped there, so more may \
                 follow: fix these and import again"
            ),
            unlisted: 0,
        });
    }
    true
}

async fn savepoint(conn: &mut PgConnection, sql: &'static str) -> Result<(), StoreError> {
    sqlx::query(sql)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(StoreError::db("managing a savepoint"))
}

/// Constraint violations and bad values: the data's fault, not the database's.
pub(super) fn is_refusal(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("23") || c.starts_with("22") || c.starts_with("XX")),
        _ => false,
    }
}

pub(super) fn refusal(location: Option<&Location>, e: &sqlx::Error) -> ImportError {
    let (field, message) = match e {
        sqlx::Error::Database(d) => {
            let pg = d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>();
            // A check constraint's detail is "Failing row contains (...)": every value of
            // the row, which for a credential is the holder's personal data.
            let detail = pg
                .and_then(|p| p.detail())
                .filter(|d| !d.starts_with("Failing row contains"))
                .unwrap_or_default();
            let column = pg.and_then(|p| p.column()).map(str::to_owned);
            let constraint = d.constraint().map(str::to_owned);
            let field = column.or_else(|| constraint.as_deref().map(field_of_constraint));
            (
                field,
                format!("refused by the database: {} {}", d.message(), detail)
                    .trim()
                    .to_owned(),
            )
        }
        other => (None, other.to_string()),
    };
    ImportError {
        location: location.cloned(),
        record: None,
        field,
        message,
        unlisted: 0,
    }
}

/// PostgreSQL names constraints `table_column_fkey`/`_check`; the column is the field.
fn field_of_constraint(c: &str) -> String {
    for table in [
        "institutions_",
        "programmes_",
        "admin_areas_",
        "credentials_",
        "commune_mapping_",
        "occupations_",
        "population_cells_",
    ] {
        if let Some(rest) = c.strip_prefix(table) {
            let rest = rest
                .trim_end_matches("_fkey")
                .trim_end_matches("_check")
                .trim_end_matches("_pkey");
            return rest.to_owned();
        }
    }
    c.to_owned()
}

pub(super) async fn upsert_occupations(
    conn: &mut PgConnection,
    items: &[&Occupation],
) -> Result<(), sqlx::Error> {
    let code: Vec<String> = items.iter().map(|o| o.code.to_string()).collect();
    let name_vi: Vec<String> = items.iter().map(|o| o.name_vi.clone()).collect();
    let name_en: Vec<Option<String>> = items.iter().map(|o| o.name_en.clone()).collect();
    sqlx::query(
        "INSERT INTO occupations (code, name_vi, name_en)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[])
         ON CONFLICT (code) DO UPDATE SET name_vi = EXCLUDED.name_vi, name_en = EXCLUDED.name_en",
    )
    .bind(code)
    .bind(name_vi)
    .bind(name_en)
    .execute(conn)
    .await
    .map(|_| ())
}

pub(super) async fn upsert_areas(
    conn: &mut PgConnection,
    items: &[&AdminArea],
) -> Result<(), sqlx::Error> {
    let col = |f: &dyn Fn(&AdminArea) -> Option<String>| -> Vec<Option<String>> {
        items.iter().map(|a| f(a)).collect()
    };
    sqlx::query(
        "INSERT INTO admin_areas (scheme, code, name, level, parent_code, valid_from, valid_to,
                                  geometry_source, geom)
         SELECT s, c, n, l, p, vf, vt, gs, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(g), 4326))
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[],
                     $7::date[], $8::text[], $9::text[]) AS t(s, c, n, l, p, vf, vt, gs, g)
         ON CONFLICT (scheme, code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level,
             parent_code = EXCLUDED.parent_code, valid_from = EXCLUDED.valid_from,
             valid_to = EXCLUDED.valid_to, geometry_source = EXCLUDED.geometry_source,
             geom = EXCLUDED.geom",
    )
    .bind(col(&|a| Some(a.scheme.as_str().to_owned())))
    .bind(col(&|a| Some(a.code.clone())))
    .bind(col(&|a| Some(a.name.clone())))
    .bind(col(&|a| Some(a.level.as_str().to_owned())))
    .bind(col(&|a| a.parent_code.clone()))
    .bind(items.iter().map(|a| a.valid_from).collect::<Vec<_>>())
    .bind(items.iter().map(|a| a.valid_to).collect::<Vec<_>>())
    .bind(col(&|a| a.geometry_source.clone()))
    .bind(col(&|a| a.geometry_geojson().map(|g| g.to_string())))
    .execute(conn)
    .await
    .map(|_| ())
}

pub(super) async fn upsert_mapping(
    conn: &mut PgConnection,
    items: &[&CommuneMapping],
) -> Result<(), sqlx::Error> {
    let col = |f: fn(&CommuneMapping) -> &String| -> Vec<String> {
        items.iter().map(|m| f(m).clone()).collect()
    };
    sqlx::query(
        "INSERT INTO commune_mapping (old_code, old_name, new_code, new_name)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[])
         ON CONFLICT (old_code, new_code) DO UPDATE
             SET old_name = EXCLUDED.old_name, new_name = EXCLUDED.new_name",
    )
    .bind(col(|m| &m.old_code))
    .bind(col(|m| &m.old_name))
    .bind(col(|m| &m.new_code))
    .bind(col(|m| &m.new_name))
    .execute(conn)
    .await
    .map(|_| ())
}

pub(super) async fn upsert_institutions(
    conn: &mut PgConnection,
    items: &[&Institution],
) -> Result<(), sqlx::Error> {
    let text = |f: &dyn Fn(&Institution) -> Option<String>| -> Vec<Option<String>> {
        items.iter().map(|i| f(i)).collect()
    };
    let flag = |f: &dyn Fn(&Institution) -> Option<bool>| -> Vec<Option<bool>> {
        items.iter().map(|i| f(i)).collect()
    };
    sqlx::query(
        "INSERT INTO institutions (id, code, name_vi, name_en, kind, ownership, geom,
             position_accuracy, address, province_pre2025, district_pre2025, commune_pre2025,
             province_2025, commune_2025, phone, email, website, digital_infrastructure,
             connected_national_platform, digitised_learning_records, digitised_diplomas,
             teachers_digital_trained_pct, high_quality_school, digital_school,
             readiness_source, source, updated_at)
         SELECT id, code, name_vi, name_en, kind, ownership, ST_SetSRID(ST_MakePoint(lon, lat), 4326),
             pa, address, pp, dp, cp, p25, c25, phone, email, website, di, cnp, dlr, dd, tpct,
             hq, ds, rs, source, updated_at
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::float8[], $8::float8[], $9::text[], $10::text[], $11::text[],
                     $12::text[], $13::text[], $14::text[], $15::text[], $16::text[],
                     $17::text[], $18::text[], $19::bool[], $20::bool[], $21::bool[],
                     $22::bool[], $23::float8[], $24::bool[], $25::bool[], $26::text[],
                     $27::text[], $28::timestamptz[])
           AS t(id, code, name_vi, name_en, kind, ownership, lon, lat, pa, address, pp, dp, cp,
                p25, c25, phone, email, website, di, cnp, dlr, dd, tpct, hq, ds, rs, source,
                updated_at)
         ON CONFLICT (id) DO UPDATE SET code = EXCLUDED.code, name_vi = EXCLUDED.name_vi,
             name_en = EXCLUDED.name_en, kind = EXCLUDED.kind, ownership = EXCLUDED.ownership,
             geom = EXCLUDED.geom, position_accuracy = EXCLUDED.position_accuracy,
             address = EXCLUDED.address, province_pre2025 = EXCLUDED.province_pre2025,
             district_pre2025 = EXCLUDED.district_pre2025,
             commune_pre2025 = EXCLUDED.commune_pre2025, province_2025 = EXCLUDED.province_2025,
             commune_2025 = EXCLUDED.commune_2025, phone = EXCLUDED.phone,
             email = EXCLUDED.email, website = EXCLUDED.website,
             digital_infrastructure = EXCLUDED.digital_infrastructure,
             connected_national_platform = EXCLUDED.connected_national_platform,
             digitised_learning_records = EXCLUDED.digitised_learning_records,
             digitised_diplomas = EXCLUDED.digitised_diplomas,
             teachers_digital_trained_pct = EXCLUDED.teachers_digital_trained_pct,
             high_quality_school = EXCLUDED.high_quality_school,
             digital_school = EXCLUDED.digital_school,
             readiness_source = EXCLUDED.readiness_source, source = EXCLUDED.source,
             updated_at = EXCLUDED.updated_at",
    )
    .bind(text(&|i| Some(i.id.to_string())))
    .bind(text(&|i| i.code().map(str::to_owned)))
    .bind(text(&|i| Some(i.name_vi().to_string())))
    .bind(text(&|i| i.name_en().map(str::to_owned)))
    .bind(text(&|i| Some(i.kind.as_str().to_owned())))
    .bind(text(&|i| Some(i.ownership.as_str().to_owned())))
    .bind(items.iter().map(|i| i.location.lon()).collect::<Vec<f64>>())
    .bind(items.iter().map(|i| i.location.lat()).collect::<Vec<f64>>())
    .bind(text(&|i| Some(i.position_accuracy.as_str().to_owned())))
    .bind(text(&|i| i.address().map(str::to_owned)))
    .bind(text(&|i| i.admin.province_pre2025.as_deref().map(str::to_owned)))
    .bind(text(&|i| i.admin.district_pre2025.as_deref().map(str::to_owned)))
    .bind(text(&|i| i.admin.commune_pre2025.as_deref().map(str::to_owned)))
    .bind(text(&|i| i.admin.province_2025.as_deref().map(str::to_owned)))
    .bind(text(&|i| i.admin.commune_2025.as_deref().map(str::to_owned)))
    .bind(text(&|i| i.phone().map(str::to_owned)))
    .bind(text(&|i| i.email().map(str::to_owned)))
    .bind(text(&|i| i.website().map(str::to_owned)))
    .bind(flag(&|i| i.readiness.digital_infrastructure))
    .bind(flag(&|i| i.readiness.connected_national_platform))
    .bind(flag(&|i| i.readiness.digitised_learning_records))
    .bind(flag(&|i| i.readiness.digitised_diplomas))
    .bind(items.iter().map(|i| i.readiness.teachers_digital_trained_pct).collect::<Vec<_>>())
    .bind(flag(&|i| i.readiness.high_quality_school))
    .bind(flag(&|i| i.readiness.digital_school))
    .bind(text(&|i| i.readiness.source.as_deref().map(str::to_owned)))
    .bind(text(&|i| Some(i.source.to_string())))
    .bind(items.iter().map(|i| i.updated_at).collect::<Vec<_>>())
    .execute(conn)
    .await
    .map(|_| ())
}

/// One programme row with its position in its institution's list.
struct ProgrammeRow {
    institution_id: String,
    ordinal: i32,
    occupation_code: String,
    occupation_name: String,
    level: String,
    annual_quota: Option<i32>,
}

pub(super) async fn replace_programmes(
    conn: &mut PgConnection,
    items: &[&Institution],
) -> Result<(), sqlx::Error> {
    let ids: Vec<String> = items.iter().map(|i| i.id.to_string()).collect();
    sqlx::query("DELETE FROM programmes WHERE institution_id = ANY($1)")
        .bind(&ids)
        .execute(&mut *conn)
        .await?;
    let rows: Vec<ProgrammeRow> = items
        .iter()
        .flat_map(|i| {
            i.programmes.iter().enumerate().map(|(n, p)| ProgrammeRow {
                institution_id: i.id.to_string(),
                ordinal: n as i32,
                occupation_code: p.occupation_code().to_string(),
                occupation_name: p.occupation_name().to_string(),
                level: p.level().as_str().to_owned(),
                annual_quota: p.annual_quota().map(|q| q as i32),
            })
        })
        .collect();
    let refs: Vec<&ProgrammeRow> = rows.iter().collect();
    insert_programmes(conn, &refs).await
}

async fn insert_programmes(
    conn: &mut PgConnection,
    items: &[&ProgrammeRow],
) -> Result<(), sqlx::Error> {
    if items.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO programmes (institution_id, ordinal, occupation_code, occupation_name, level,
                                 annual_quota)
         SELECT * FROM UNNEST($1::text[], $2::int4[], $3::text[], $4::text[], $5::text[], $6::int4[])",
    )
    .bind(items.iter().map(|p| p.institution_id.clone()).collect::<Vec<_>>())
    .bind(items.iter().map(|p| p.ordinal).collect::<Vec<_>>())
    .bind(items.iter().map(|p| p.occupation_code.clone()).collect::<Vec<_>>())
    .bind(items.iter().map(|p| p.occupation_name.clone()).collect::<Vec<_>>())
    .bind(items.iter().map(|p| p.level.clone()).collect::<Vec<_>>())
    .bind(items.iter().map(|p| p.annual_quota).collect::<Vec<_>>())
    .execute(conn)
    .await
    .map(|_| ())
}

async fn upsert_credentials(
    conn: &mut PgConnection,
    items: &[&Credential],
) -> Result<(), sqlx::Error> {
    insert_credentials(conn, items, OnConflict::Replace).await
}

/// What writing a credential does when its record (institution, kind, serial) is stored.
/// In both cases the trigger `credentials_keep_issued_content` refuses a change to what
/// was issued, naming the column.
#[derive(Debug, Clone, Copy)]
pub(super) enum OnConflict {
    /// `vetmap import`, the server administrator's: the file is the truth, its revocation
    /// status included.
    Replace,
    /// Officials' uploads: the revocation status is never written, and an identical row
    /// writes nothing.
    KeepStatus,
}

pub(super) async fn insert_credentials(
    conn: &mut PgConnection,
    items: &[&Credential],
    on_conflict: OnConflict,
) -> Result<(), sqlx::Error> {
    const CONTENT: &str = "register_no = EXCLUDED.register_no, holder_name = EXCLUDED.holder_name,
             holder_birth_date = EXCLUDED.holder_birth_date,
             occupation_code = EXCLUDED.occupation_code,
             occupation_name = EXCLUDED.occupation_name,
             graduation_year = EXCLUDED.graduation_year, issue_date = EXCLUDED.issue_date";
    let update = match on_conflict {
        OnConflict::Replace => format!(
            "{CONTENT}, revoked_on = EXCLUDED.revoked_on,
             revocation_reason = EXCLUDED.revocation_reason"
        ),
        // Only a row that differs reaches the trigger (which refuses it at its line).
        OnConflict::KeepStatus => format!(
            "{CONTENT}
         WHERE (credentials.register_no, credentials.holder_name,
                credentials.holder_birth_date, credentials.occupation_code,
                credentials.occupation_name, credentials.graduation_year,
                credentials.issue_date)
               IS DISTINCT FROM
               (EXCLUDED.register_no, EXCLUDED.holder_name, EXCLUDED.holder_birth_date,
                EXCLUDED.occupation_code, EXCLUDED.occupation_name, EXCLUDED.graduation_year,
                EXCLUDED.issue_date)"
        ),
    };
    let text =
        |f: &dyn Fn(&Credential) -> String| -> Vec<String> { items.iter().map(|c| f(c)).collect() };
    let (revoked_on, reason): (Vec<_>, Vec<_>) = items
        .iter()
        .map(|c| match &c.status {
            CredentialStatus::Valid => (None, None),
            CredentialStatus::Revoked { on, reason } => (Some(*on), Some(reason.clone())),
        })
        .unzip();
    // Both texts are constants of this function: no input reaches the statement's text.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO credentials (institution_id, kind, serial, register_no, holder_name,
             holder_birth_date, occupation_code, occupation_name, graduation_year, issue_date,
             revoked_on, revocation_reason)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
             $6::date[], $7::text[], $8::text[], $9::int4[], $10::date[], $11::date[], $12::text[])
         ON CONFLICT (institution_id, kind, serial) DO UPDATE SET {update}"
    )))
    .bind(text(&|c| c.institution_id.to_string()))
    .bind(text(&|c| c.kind.as_str().to_owned()))
    .bind(text(&|c| c.serial.clone()))
    .bind(text(&|c| c.register_no.clone()))
    .bind(text(&|c| c.holder_name.clone()))
    .bind(
        items
            .iter()
            .map(|c| c.holder_birth_date)
            .collect::<Vec<_>>(),
    )
    .bind(text(&|c| c.occupation_code.to_string()))
    .bind(text(&|c| c.occupation_name.clone()))
    .bind(items.iter().map(|c| c.graduation_year).collect::<Vec<_>>())
    .bind(items.iter().map(|c| c.issue_date).collect::<Vec<_>>())
    .bind(revoked_on)
    .bind(reason)
    .execute(conn)
    .await
    .map(|_| ())
}
