//! Reading the whole served dataset in one consistent snapshot, for the serving index.

use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use sqlx::{PgConnection, PgPool};

use crate::model::{
    AdminArea, AdminCodes, CommuneMapping, Dataset, Institution, InstitutionText, Interner, LonLat,
    Occupation, OccupationCode, Programme, Readiness, TextFields,
};
use crate::store::StoreError;

#[derive(sqlx::FromRow)]
pub(super) struct InstitutionRow {
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
    version: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct ProgrammeRow {
    pub(super) institution_id: String,
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

/// Loads everything the serving index needs, in one repeatable-read snapshot so that the
/// version and the rows belong together. The two big tables are read at the same time
/// on two connections sharing that snapshot (`pg_export_snapshot`): at national scale
/// start-up is mostly these reads, and each keeps one core (ours or the server's) busy.
pub async fn load_dataset(pool: &PgPool) -> Result<Dataset, StoreError> {
    Ok(load_dataset_logged(pool).await?.0)
}

/// [`load_dataset`] and the change log's sequence number it includes (every change up
/// to it, none after it), read in the same snapshot: where applying the log resumes.
pub async fn load_dataset_logged(pool: &PgPool) -> Result<(Dataset, i64), StoreError> {
    let db = StoreError::db;
    let (mut tx, version) = begin_versioned_read(pool).await?;
    let change_seq: i64 = sqlx::query_scalar("SELECT change_seq FROM dataset_version")
        .fetch_one(&mut *tx)
        .await
        .map_err(db("reading the change log's position"))?;
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut *tx)
        .await
        .map_err(db("exporting the read snapshot"))?;
    let mut second = pool.begin().await.map_err(db("starting a second read"))?;
    join_snapshot(&mut second, &snapshot).await?;

    let occupations = read_occupations(&mut tx).await?;
    let areas = read_areas(&mut tx).await?;
    let mapping = read_mapping(&mut tx).await?;

    // The programmes are read on their own task, so that decoding their rows runs on
    // another worker thread than the institutions' (joined futures would share one).
    let programmes = tokio::spawn(async move {
        let grouped = read_programmes(&mut second).await;
        (grouped, second)
    });
    let institutions = read_institutions(&mut tx).await;
    let (grouped, second) = programmes
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    let (grouped, mut institutions) = (grouped?, institutions?);
    // Both reads are ordered by institution id (the same collation, the same snapshot),
    // so each institution takes its group by merging: no map of millions of keys. Groups
    // with no institution belong to retired ones (kept in the database, gone from the map).
    let mut groups = grouped.into_iter().peekable();
    for inst in &mut institutions {
        while groups
            .peek()
            .is_some_and(|(id, _)| id.as_str() < inst.id.as_str())
        {
            groups.next();
        }
        if let Some((id, _)) = groups.peek()
            && id == inst.id.as_str()
        {
            inst.programmes = groups.next().map(|g| g.1).unwrap_or_default().into();
        }
    }
    second.commit().await.map_err(db("finishing a read"))?;
    tx.commit().await.map_err(db("finishing a read"))?;

    Ok((
        Dataset {
            occupations,
            areas,
            mapping,
            institutions,
            version: format!("db-{version}"),
        },
        change_seq,
    ))
}

pub(super) async fn read_occupations(
    conn: &mut PgConnection,
) -> Result<Vec<Occupation>, StoreError> {
    sqlx::query_as::<_, (String, String, Option<String>)>(
        "SELECT code, name_vi, name_en FROM occupations ORDER BY code",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::db("reading occupations"))?
    .into_iter()
    .map(|(code, name_vi, name_en)| {
        Ok(Occupation {
            code: OccupationCode::parse(&code).map_err(corrupt)?,
            name_vi,
            name_en,
        })
    })
    .collect()
}

pub(super) async fn read_areas(conn: &mut PgConnection) -> Result<Vec<AdminArea>, StoreError> {
    sqlx::query_as::<_, AreaRow>(
        "SELECT scheme, code, name, level, parent_code, valid_from, valid_to, geometry_source,
                ST_AsGeoJSON(geom, 15) AS geojson
         FROM admin_areas ORDER BY scheme, code",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::db("reading administrative areas"))?
    .into_iter()
    .map(area_from_row)
    .collect()
}

pub(super) async fn read_mapping(
    conn: &mut PgConnection,
) -> Result<Vec<CommuneMapping>, StoreError> {
    Ok(sqlx::query_as::<_, (String, String, String, String)>(
        "SELECT old_code, old_name, new_code, new_name FROM commune_mapping
         ORDER BY old_code, new_code",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::db("reading the commune mapping"))?
    .into_iter()
    .map(|(old_code, old_name, new_code, new_name)| CommuneMapping {
        old_code,
        old_name,
        new_code,
        new_name,
    })
    .collect())
}

/// A read-only repeatable-read transaction and the data version it sees, so that what
/// is read with it belongs to that version.
pub(super) async fn begin_versioned_read(
    pool: &PgPool,
) -> Result<(sqlx::Transaction<'static, sqlx::Postgres>, i64), StoreError> {
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
    Ok((tx, version))
}

/// Makes a fresh transaction read the snapshot another one exported.
async fn join_snapshot(conn: &mut PgConnection, snapshot: &str) -> Result<(), StoreError> {
    let db = StoreError::db;
    // A snapshot id is hex digits and dashes; SET cannot take a bind parameter, so the
    // id is checked before it is written into the statement.
    if snapshot.is_empty() || !snapshot.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(StoreError::Corrupt(format!(
            "unexpected snapshot id {snapshot:?}"
        )));
    }
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *conn)
        .await
        .map_err(db("starting a second read"))?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SET TRANSACTION SNAPSHOT '{snapshot}'"
    )))
    .execute(&mut *conn)
    .await
    .map_err(db("sharing the read snapshot"))?;
    Ok(())
}

/// Programmes grouped by institution id, in id order. Rows are streamed, not held twice,
/// and repeated occupation names share one allocation.
async fn read_programmes(
    conn: &mut PgConnection,
) -> Result<Vec<(String, Vec<Programme>)>, StoreError> {
    let started = Instant::now();
    let mut names = Interner::default();
    let mut grouped: Vec<(String, Vec<Programme>)> = Vec::new();
    let mut count = 0usize;
    let mut rows = sqlx::query_as::<_, ProgrammeRow>(
        "SELECT institution_id, occupation_code, occupation_name, level, annual_quota
         FROM programmes ORDER BY institution_id, ordinal",
    )
    .fetch(&mut *conn);
    while let Some(mut p) = rows
        .try_next()
        .await
        .map_err(StoreError::db("reading programmes"))?
    {
        count += 1;
        let institution_id = std::mem::take(&mut p.institution_id);
        let programme = programme_from_row(p, &mut names)?;
        match grouped.last_mut() {
            Some((id, list)) if *id == institution_id => list.push(programme),
            Some((_, list)) => {
                // A finished group keeps no spare capacity: growth by doubling left
                // about twice the programmes' size allocated (heaptrack, 2M network).
                list.shrink_to_fit();
                grouped.push((institution_id, vec![programme]));
            }
            None => grouped.push((institution_id, vec![programme])),
        }
    }
    if let Some((_, list)) = grouped.last_mut() {
        list.shrink_to_fit();
    }
    // Start-up time at national scale is mostly the two big reads: say where it goes.
    tracing::info!(
        rows = count,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "loaded programmes"
    );
    Ok(grouped)
}

/// Institutions in id order, without their programmes yet.
async fn read_institutions(conn: &mut PgConnection) -> Result<Vec<Institution>, StoreError> {
    let started = Instant::now();
    let mut sources = Interner::default();
    let mut institutions = Vec::new();
    let mut rows = sqlx::query_as::<_, InstitutionRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {INSTITUTION_COLUMNS} FROM institutions WHERE retired_at IS NULL ORDER BY id"
    )))
    .fetch(&mut *conn);
    while let Some(r) = rows
        .try_next()
        .await
        .map_err(StoreError::db("reading institutions"))?
    {
        institutions.push(institution_from_row(r, &mut sources)?);
    }
    tracing::info!(
        rows = institutions.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "loaded institutions"
    );
    // 2M records of ~450 bytes: do not keep the doubling's spare half.
    institutions.shrink_to_fit();
    Ok(institutions)
}

pub(super) const INSTITUTION_COLUMNS: &str = "id, code, name_vi, name_en, kind, ownership,
    ST_X(geom) AS lon, ST_Y(geom) AS lat, position_accuracy, address, province_pre2025,
    district_pre2025, commune_pre2025, province_2025, commune_2025, phone, email, website,
    digital_infrastructure, connected_national_platform, digitised_learning_records,
    digitised_diplomas, teachers_digital_trained_pct, high_quality_school, digital_school,
    readiness_source, source, updated_at, version";

/// One institution as stored, with its programmes and whether it is retired, read on
/// `conn` (inside a write's transaction, after the row is locked).
pub(super) async fn one_institution(
    conn: &mut PgConnection,
    id: &str,
) -> Result<Option<(Institution, bool)>, StoreError> {
    let db = StoreError::db;
    let row = sqlx::query_as::<_, InstitutionRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {INSTITUTION_COLUMNS} FROM institutions WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db("reading an institution"))?;
    let Some(row) = row else { return Ok(None) };
    let retired: bool =
        sqlx::query_scalar("SELECT retired_at IS NOT NULL FROM institutions WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .map_err(db("reading an institution"))?;
    let mut institution = institution_from_row(row, &mut Interner::default())?;
    let mut names = Interner::default();
    institution.programmes = sqlx::query_as::<_, ProgrammeRow>(
        "SELECT institution_id, occupation_code, occupation_name, level, annual_quota
         FROM programmes WHERE institution_id = $1 ORDER BY ordinal",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db("reading an institution's programmes"))?
    .into_iter()
    .map(|p| programme_from_row(p, &mut names))
    .collect::<Result<_, _>>()?;
    Ok(Some((institution, retired)))
}

/// `sources` shares repeated text between rows: data sources and administrative codes.
pub(super) fn institution_from_row(
    r: InstitutionRow,
    sources: &mut Interner,
) -> Result<Institution, StoreError> {
    let admin = AdminCodes {
        province_pre2025: r.province_pre2025.as_deref().map(|c| sources.intern(c)),
        district_pre2025: r.district_pre2025.as_deref().map(|c| sources.intern(c)),
        commune_pre2025: r.commune_pre2025.as_deref().map(|c| sources.intern(c)),
        province_2025: r.province_2025.as_deref().map(|c| sources.intern(c)),
        commune_2025: r.commune_2025.as_deref().map(|c| sources.intern(c)),
    };
    let readiness = Readiness {
        digital_infrastructure: r.digital_infrastructure,
        connected_national_platform: r.connected_national_platform,
        digitised_learning_records: r.digitised_learning_records,
        digitised_diplomas: r.digitised_diplomas,
        teachers_digital_trained_pct: r.teachers_digital_trained_pct,
        high_quality_school: r.high_quality_school,
        digital_school: r.digital_school,
        source: r.readiness_source.as_deref().map(|s| sources.intern(s)),
    };
    let (id, text) = InstitutionText::with_id(
        &r.id,
        TextFields {
            code: r.code.as_deref(),
            name_vi: &r.name_vi,
            name_en: r.name_en.as_deref(),
            address: r.address.as_deref(),
            phone: r.phone.as_deref(),
            email: r.email.as_deref(),
            website: r.website.as_deref(),
        },
    )
    .map_err(corrupt)?;
    Ok(Institution {
        id,
        text,
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
        admin: sources.share_admin(&admin),
        programmes: Box::default(),
        readiness: sources.share_readiness(&readiness),
        source: sources.intern(&r.source),
        updated_at: r.updated_at,
        version: r.version,
    })
}

pub(super) fn programme_from_row(
    p: ProgrammeRow,
    names: &mut Interner,
) -> Result<Programme, StoreError> {
    Ok(Programme::new(
        OccupationCode::parse(&p.occupation_code).map_err(corrupt)?,
        names.intern(&p.occupation_name),
        p.level
            .parse()
            .map_err(|_| corrupt_text("level", &p.level))?,
        p.annual_quota.map(|q| q.max(0) as u32),
    ))
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
