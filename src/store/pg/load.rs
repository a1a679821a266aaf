//! Reading the whole served dataset in one consistent snapshot, for the serving index.

use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use sqlx::PgPool;

use crate::model::{
    AdminArea, AdminCodes, CommuneMapping, Contacts, Dataset, Institution, InstitutionId, LonLat,
    Occupation, OccupationCode, Programme, Readiness,
};
use crate::store::StoreError;

#[derive(sqlx::FromRow)]
struct InstitutionRow {
    id: String,
    code: Option<String>,
    name_vi: String,
    name_en: Option<String>,
    kind: String,
    ownership: String,
    lon: f64,
    lat: f64,
    position_accuracy: String,
    address: Option<String>,
    province_pre2025: Option<String>,
    district_pre2025: Option<String>,
    commune_pre2025: Option<String>,
    province_2025: Option<String>,
    commune_2025: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    website: Option<String>,
    digital_infrastructure: Option<bool>,
    connected_national_platform: Option<bool>,
    digitised_learning_records: Option<bool>,
    digitised_diplomas: Option<bool>,
    teachers_digital_trained_pct: Option<f64>,
    high_quality_school: Option<bool>,
    digital_school: Option<bool>,
    readiness_source: Option<String>,
    source: String,
    updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ProgrammeRow {
    institution_id: String,
    occupation_code: String,
    occupation_name: String,
    level: String,
    annual_quota: Option<i32>,
}

#[derive(sqlx::FromRow)]
struct AreaRow {
    scheme: String,
    code: String,
    name: String,
    level: String,
    parent_code: Option<String>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    geometry_source: Option<String>,
    geojson: Option<String>,
}

/// The data version alone: a cheap check of whether a reload would change anything.
pub async fn data_version(pool: &PgPool) -> Result<String, StoreError> {
    let version: i64 = sqlx::query_scalar("SELECT version FROM dataset_version")
        .fetch_one(pool)
        .await
        .map_err(StoreError::db("reading the data version"))?;
    Ok(format!("db-{version}"))
}

/// Loads everything the serving index needs, in one repeatable-read transaction so that
/// the version and the rows belong together.
pub async fn load_dataset(pool: &PgPool) -> Result<Dataset, StoreError> {
    let db = StoreError::db;
    let mut tx = pool.begin().await.map_err(db("starting a read"))?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(db("starting a read"))?;
    let version: i64 = sqlx::query_scalar("SELECT version FROM dataset_version")
        .fetch_one(&mut *tx)
        .await
        .map_err(db("reading the data version"))?;

    let occupations = sqlx::query_as::<_, (String, String, Option<String>)>(
        "SELECT code, name_vi, name_en FROM occupations ORDER BY code",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(db("reading occupations"))?
    .into_iter()
    .map(|(code, name_vi, name_en)| {
        Ok(Occupation {
            code: OccupationCode::parse(&code).map_err(corrupt)?,
            name_vi,
            name_en,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;

    let areas = sqlx::query_as::<_, AreaRow>(
        "SELECT scheme, code, name, level, parent_code, valid_from, valid_to, geometry_source,
                ST_AsGeoJSON(geom, 15) AS geojson
         FROM admin_areas ORDER BY scheme, code",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(db("reading administrative areas"))?
    .into_iter()
    .map(area_from_row)
    .collect::<Result<Vec<_>, StoreError>>()?;

    let mapping = sqlx::query_as::<_, (String, String, String, String)>(
        "SELECT old_code, old_name, new_code, new_name FROM commune_mapping
         ORDER BY old_code, new_code",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(db("reading the commune mapping"))?
    .into_iter()
    .map(|(old_code, old_name, new_code, new_name)| CommuneMapping {
        old_code,
        old_name,
        new_code,
        new_name,
    })
    .collect();

    // Programmes grouped by institution, in the order both queries share (by id), so
    // each institution takes its group by merging: no map of millions of keys, and rows
    // are streamed rather than held twice.
    let started = Instant::now();
    let mut grouped: Vec<(String, Vec<Programme>)> = Vec::new();
    let mut count = 0usize;
    let mut rows = sqlx::query_as::<_, ProgrammeRow>(
        "SELECT institution_id, occupation_code, occupation_name, level, annual_quota
         FROM programmes ORDER BY institution_id, ordinal",
    )
    .fetch(&mut *tx);
    while let Some(p) = rows.try_next().await.map_err(db("reading programmes"))? {
        count += 1;
        let programme = Programme {
            occupation_code: OccupationCode::parse(&p.occupation_code).map_err(corrupt)?,
            occupation_name: p.occupation_name,
            level: p
                .level
                .parse()
                .map_err(|_| corrupt_text("level", &p.level))?,
            annual_quota: p.annual_quota.map(|q| q.max(0) as u32),
        };
        match grouped.last_mut() {
            Some((id, list)) if *id == p.institution_id => list.push(programme),
            _ => grouped.push((p.institution_id, vec![programme])),
        }
    }
    drop(rows);
    // Start-up time at national scale is mostly these two reads: say where it goes.
    tracing::info!(
        rows = count,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "loaded programmes"
    );

    let started = Instant::now();
    let mut groups = grouped.into_iter().peekable();
    let mut institutions = Vec::new();
    let mut rows = sqlx::query_as::<_, InstitutionRow>(
        "SELECT id, code, name_vi, name_en, kind, ownership, ST_X(geom) AS lon, ST_Y(geom) AS lat,
                position_accuracy, address, province_pre2025, district_pre2025, commune_pre2025,
                province_2025, commune_2025, phone, email, website, digital_infrastructure,
                connected_national_platform, digitised_learning_records, digitised_diplomas,
                teachers_digital_trained_pct, high_quality_school, digital_school,
                readiness_source, source, updated_at
         FROM institutions ORDER BY id",
    )
    .fetch(&mut *tx);
    while let Some(r) = rows.try_next().await.map_err(db("reading institutions"))? {
        let progs = match groups.peek() {
            Some((id, _)) if *id == r.id => groups.next().map(|g| g.1).unwrap_or_default(),
            _ => Vec::new(),
        };
        institutions.push(institution_from_row(r, progs)?);
    }
    drop(rows);
    if let Some((id, _)) = groups.next() {
        // Every programme references an institution (foreign key), so only a mismatch of
        // the two orders could leave a group unclaimed: refuse rather than drop it.
        return Err(StoreError::Corrupt(format!(
            "programmes of institution {id:?} were not matched to it while loading"
        )));
    }
    tracing::info!(
        rows = institutions.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "loaded institutions"
    );
    tx.commit().await.map_err(db("finishing a read"))?;

    Ok(Dataset {
        occupations,
        areas,
        mapping,
        institutions,
        version: format!("db-{version}"),
    })
}

fn institution_from_row(
    r: InstitutionRow,
    programmes: Vec<Programme>,
) -> Result<Institution, StoreError> {
    Ok(Institution {
        id: InstitutionId::parse(&r.id).map_err(corrupt)?,
        code: r.code,
        name_vi: r.name_vi,
        name_en: r.name_en,
        kind: r.kind.parse().map_err(|_| corrupt_text("kind", &r.kind))?,
        ownership: r
            .ownership
            .parse()
            .map_err(|_| corrupt_text("ownership", &r.ownership))?,
        location: LonLat::new(r.lon, r.lat).map_err(corrupt)?,
        position_accuracy: r
            .position_accuracy
            .parse()
            .map_err(|_| corrupt_text("position_accuracy", &r.position_accuracy))?,
        address: r.address,
        admin: AdminCodes {
            province_pre2025: r.province_pre2025,
            district_pre2025: r.district_pre2025,
            commune_pre2025: r.commune_pre2025,
            province_2025: r.province_2025,
            commune_2025: r.commune_2025,
        },
        contacts: Contacts {
            phone: r.phone,
            email: r.email,
            website: r.website,
        },
        programmes,
        readiness: Readiness {
            digital_infrastructure: r.digital_infrastructure,
            connected_national_platform: r.connected_national_platform,
            digitised_learning_records: r.digitised_learning_records,
            digitised_diplomas: r.digitised_diplomas,
            teachers_digital_trained_pct: r.teachers_digital_trained_pct,
            high_quality_school: r.high_quality_school,
            digital_school: r.digital_school,
            source: r.readiness_source,
        },
        source: r.source,
        updated_at: r.updated_at,
    })
}

fn area_from_row(r: AreaRow) -> Result<AdminArea, StoreError> {
    let geometry = match r.geojson {
        None => None,
        Some(text) => {
            let g: geojson::Geometry = text
                .parse::<geojson::Geometry>()
                .map_err(|e| corrupt_text("geom", &e.to_string()))?;
            match geo::Geometry::<f64>::try_from(g) {
                Ok(geo::Geometry::MultiPolygon(mp)) => Some(mp),
                _ => return Err(corrupt_text("geom", "not a MultiPolygon")),
            }
        }
    };
    Ok(AdminArea {
        scheme: r
            .scheme
            .parse()
            .map_err(|_| corrupt_text("scheme", &r.scheme))?,
        code: r.code,
        name: r.name,
        level: r
            .level
            .parse()
            .map_err(|_| corrupt_text("level", &r.level))?,
        parent_code: r.parent_code,
        valid_from: r.valid_from,
        valid_to: r.valid_to,
        geometry,
        geometry_source: r.geometry_source,
    })
}

fn corrupt(e: crate::model::FieldError) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn corrupt_text(field: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{field}: unexpected value {value:?}"))
}
