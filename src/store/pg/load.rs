//! Reading the whole served dataset in one consistent snapshot, for the serving index.

use std::collections::HashMap;
use std::time::Instant;

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};

use super::binary_copy::for_each_copied_row;
use super::records::{
    INSTITUTION_COLUMNS, INSTITUTION_COPY, PROGRAMME_COLUMNS, PROGRAMME_COPY, corrupt,
    corrupt_text, institution_from_fields, programme_from_fields,
};
use crate::model::{
    AdminArea, CommuneMapping, Dataset, Institution, Interner, Occupation, OccupationCode,
    Programme,
};
use crate::store::StoreError;

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
    grouped.attach_to(&mut institutions);
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

/// Programmes grouped by institution, in id order. The ids share one string and each
/// list is allocated once, at its length: a `String` per group, freed once the groups
/// are attached, and lists grown by doubling left some two million holes among the
/// records that no page could be handed back from (`malloc_info` at ready, 2M network).
#[derive(Default)]
struct ProgrammeGroups {
    ids: String,
    /// Where each group's id ends in `ids`.
    id_ends: Vec<usize>,
    lists: Vec<Box<[Programme]>>,
}

impl ProgrammeGroups {
    fn push(&mut self, id: &str, programmes: &mut Vec<Programme>) {
        self.ids.push_str(id);
        self.id_ends.push(self.ids.len());
        self.lists.push(programmes.drain(..).collect());
    }

    /// Gives each institution its group. Groups with no institution belong to retired
    /// ones (kept in the database, gone from the map).
    fn attach_to(self, institutions: &mut [Institution]) {
        let ProgrammeGroups {
            ids,
            id_ends,
            lists,
        } = self;
        let starts = std::iter::once(0).chain(id_ends.iter().copied());
        let ids: Vec<&str> = starts.zip(&id_ends).map(|(s, &e)| &ids[s..e]).collect();
        // Both reads are ordered by id in the database's collation. Where that is byte
        // order (C, C.UTF-8) each institution takes its group by merging: no map of
        // millions of keys. Another collation may order ids otherwise (en_US passes over
        // the dashes of slugs at first): then by a map.
        let merged = ids.is_sorted() && institutions.is_sorted_by(|a, b| a.id <= b.id);
        let mut groups = ids.into_iter().zip(lists);
        if !merged {
            let mut by_id: HashMap<&str, Box<[Programme]>> = groups.collect();
            for inst in institutions {
                inst.programmes = by_id.remove(inst.id.as_str()).unwrap_or_default();
            }
            return;
        }
        let mut next = groups.next();
        for inst in institutions {
            while next.as_ref().is_some_and(|(id, _)| *id < inst.id.as_str()) {
                next = groups.next();
            }
            if let Some((id, _)) = &next
                && *id == inst.id.as_str()
            {
                inst.programmes = next.take().map(|g| g.1).unwrap_or_default();
                next = groups.next();
            }
        }
    }
}

/// Programmes grouped by institution id, in id order, read as a binary copy. Rows are
/// streamed, not held twice, and repeated occupation names share one allocation.
async fn read_programmes(conn: &mut PgConnection) -> Result<ProgrammeGroups, StoreError> {
    let started = Instant::now();
    let mut names = Interner::default();
    let mut grouped = ProgrammeGroups::default();
    let (mut current_id, mut current) = (String::new(), Vec::new());
    let count = for_each_copied_row(
        conn,
        &format!("SELECT {PROGRAMME_COLUMNS} FROM programmes ORDER BY institution_id, ordinal"),
        PROGRAMME_COPY,
        "reading programmes",
        |row| {
            let (institution_id, programme) = programme_from_fields(row, &mut names)?;
            if institution_id != current_id {
                if !current.is_empty() {
                    grouped.push(&current_id, &mut current);
                }
                current_id.clear();
                current_id.push_str(institution_id);
            }
            current.push(programme);
            Ok(())
        },
    )
    .await?;
    if !current.is_empty() {
        grouped.push(&current_id, &mut current);
    }
    // Start-up time at national scale is mostly the two big reads: say where it goes.
    tracing::info!(
        rows = count,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "loaded programmes"
    );
    Ok(grouped)
}

/// Institutions in id order, without their programmes yet, read as a binary copy.
async fn read_institutions(conn: &mut PgConnection) -> Result<Vec<Institution>, StoreError> {
    let started = Instant::now();
    let mut sources = Interner::default();
    let mut institutions = Vec::new();
    for_each_copied_row(
        conn,
        &format!(
            "SELECT {INSTITUTION_COLUMNS} FROM institutions WHERE retired_at IS NULL ORDER BY id"
        ),
        INSTITUTION_COPY,
        "reading institutions",
        |row| {
            institutions.push(institution_from_fields(row, &mut sources)?);
            Ok(())
        },
    )
    .await?;
    tracing::info!(
        rows = institutions.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "loaded institutions"
    );
    // 2M records of ~450 bytes: do not keep the doubling's spare half.
    institutions.shrink_to_fit();
    Ok(institutions)
}

/// One institution as stored, with its programmes and whether it is retired, read on
/// `conn` (inside a write's transaction, after the row is locked).
pub(super) async fn one_institution(
    conn: &mut PgConnection,
    id: &str,
) -> Result<Option<(Institution, bool)>, StoreError> {
    let db = StoreError::db;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
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
    let mut institution = institution_from_fields(&row, &mut Interner::default())?;
    let mut names = Interner::default();
    institution.programmes = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PROGRAMME_COLUMNS} FROM programmes WHERE institution_id = $1 ORDER BY ordinal"
    )))
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db("reading an institution's programmes"))?
    .iter()
    .map(|p| Ok(programme_from_fields(p, &mut names)?.1))
    .collect::<Result<_, StoreError>>()?;
    Ok(Some((institution, retired)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Level, Record, SharedText};

    fn institution(id: &str) -> Institution {
        let v = serde_json::json!({
            "id": id, "name_vi": "Trường Trung cấp Nghề", "kind": "college",
            "ownership": "public", "lon": 106.3, "lat": 9.9, "position_accuracy": "town",
            "source": "test", "updated_at": "2026-01-01T00:00:00Z"
        });
        let serde_json::Value::Object(m) = v else {
            unreachable!()
        };
        Institution::from_record(&Record::new(m)).unwrap()
    }

    /// Groups in the order given, each of `n` programmes whose quota is its group's
    /// place, so that a list shows where it came from.
    fn groups(ids: &[(&str, usize)]) -> ProgrammeGroups {
        let mut grouped = ProgrammeGroups::default();
        for (place, (id, n)) in ids.iter().enumerate() {
            let code = OccupationCode::parse("5480201").unwrap();
            let name = SharedText::from("Công nghệ thông tin");
            let programme = Programme::new(code, name, Level::Elementary, Some(place as u32));
            grouped.push(id, &mut vec![programme; *n]);
        }
        grouped
    }

    /// Each institution's id and the quotas of its programmes.
    fn attached(ids: &[&str], grouped: ProgrammeGroups) -> Vec<(String, Vec<u32>)> {
        let mut institutions: Vec<_> = ids.iter().map(|id| institution(id)).collect();
        grouped.attach_to(&mut institutions);
        institutions
            .iter()
            .map(|i| {
                let quotas = i
                    .programmes
                    .iter()
                    .filter_map(|p| p.annual_quota())
                    .collect();
                (i.id.as_str().to_owned(), quotas)
            })
            .collect()
    }

    #[test]
    fn each_institution_takes_its_own_group_and_retired_ones_groups_are_left() {
        // "bb-retired" has programmes but no institution; "cc" has no programmes.
        let grouped = groups(&[("aa", 2), ("bb-retired", 1), ("dd", 3), ("ee-retired", 1)]);
        assert_eq!(
            attached(&["aa", "cc", "dd"], grouped),
            [
                ("aa".to_owned(), vec![0, 0]),
                ("cc".to_owned(), vec![]),
                ("dd".to_owned(), vec![2, 2, 2]),
            ]
        );
    }

    #[test]
    fn ids_ordered_by_a_collation_other_than_bytes_still_find_their_groups() {
        // en_US passes over dashes at first: "ab-2" < "ab1" < "ab-3", unlike bytes.
        let order = ["ab-2", "ab1", "ab-3"];
        let grouped = groups(&[("ab-2", 1), ("ab1", 2), ("retired-x", 1), ("ab-3", 3)]);
        assert_eq!(
            attached(&order, grouped),
            [
                ("ab-2".to_owned(), vec![0]),
                ("ab1".to_owned(), vec![1, 1]),
                ("ab-3".to_owned(), vec![3, 3, 3]),
            ]
        );
    }
}
