//! Reading the change log (migration 20261220000001) and only the rows it names: what a
//! server needs to bring its snapshot from one sequence number to the newest.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::TryStreamExt;
use sqlx::PgPool;

use super::load::{begin_versioned_read, read_areas, read_mapping, read_occupations};
use super::records::{
    INSTITUTION_COLUMNS, PROGRAMME_COLUMNS, institution_from_fields, programme_from_fields,
};
use crate::index::Delta;
use crate::model::Interner;
use crate::store::StoreError;

/// More changed institutions than this are read as a full reload: past it, one pass over
/// everything costs less than a delta this size.
pub const MAX_DELTA_INSTITUTIONS: usize = 50_000;

/// Where the database's change log stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogHead {
    /// The data version, as [`super::data_version`] gives it.
    pub version: String,
    /// The newest sequence number logged.
    pub change_seq: i64,
    /// Log rows up to here have been pruned: a server behind it reloads in full.
    pub pruned_through: i64,
}

/// The data version and the log's head and tail, in one read.
pub async fn log_head(pool: &PgPool) -> Result<LogHead, StoreError> {
    let (version, change_seq, pruned_through): (i64, i64, i64) =
        sqlx::query_as("SELECT version, change_seq, pruned_through FROM dataset_version")
            .fetch_one(pool)
            .await
            .map_err(StoreError::db("reading the change log's head"))?;
    Ok(LogHead {
        version: format!("db-{version}"),
        change_seq,
        pruned_through,
    })
}

/// What changed after sequence `after`, with the changed rows as they now are, read in
/// one repeatable-read snapshot, and the sequence number it brings the reader to.
/// `None` when the log cannot say: pruned past `after`, a table changed wholesale (a bulk
/// import, TRUNCATE), more than [`MAX_DELTA_INSTITUTIONS`] institutions, or a log that
/// went backwards (a restored database). The caller then reloads in full.
pub async fn read_changes(pool: &PgPool, after: i64) -> Result<Option<(Delta, i64)>, StoreError> {
    let db = StoreError::db;
    let (mut tx, version) = begin_versioned_read(pool).await?;
    let (change_seq, pruned_through): (i64, i64) =
        sqlx::query_as("SELECT change_seq, pruned_through FROM dataset_version")
            .fetch_one(&mut *tx)
            .await
            .map_err(db("reading the change log's head"))?;
    if pruned_through > after || change_seq < after {
        return Ok(None);
    }
    let rows: Vec<(String, Option<Vec<String>>)> =
        sqlx::query_as("SELECT table_name, keys FROM change_log WHERE seq > $1 ORDER BY seq")
            .bind(after)
            .fetch_all(&mut *tx)
            .await
            .map_err(db("reading the change log"))?;
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let (mut occupations, mut areas, mut mapping) = (false, false, false);
    for (table, keys) in rows {
        match table.as_str() {
            "institutions" | "programmes" => match keys {
                Some(keys) => ids.extend(keys),
                None => return Ok(None),
            },
            "occupations" => occupations = true,
            "admin_areas" => areas = true,
            "commune_mapping" => mapping = true,
            // The population layer is not in the serving index: coverage reloads it when
            // the data version moves.
            _ => {}
        }
        if ids.len() > MAX_DELTA_INSTITUTIONS {
            return Ok(None);
        }
    }
    let ids: Vec<String> = ids.into_iter().collect();
    let mut institutions: BTreeMap<String, Option<_>> =
        ids.iter().map(|id| (id.clone(), None)).collect();
    let mut sources = Interner::default();
    let mut names = Interner::default();
    if !ids.is_empty() {
        let mut found = Vec::new();
        {
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {INSTITUTION_COLUMNS} FROM institutions
                 WHERE id = ANY($1) AND retired_at IS NULL ORDER BY id"
            )))
            .bind(&ids)
            .fetch(&mut *tx);
            while let Some(r) = rows
                .try_next()
                .await
                .map_err(db("reading changed institutions"))?
            {
                found.push(institution_from_fields(&r, &mut sources)?);
            }
        }
        let programmes = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PROGRAMME_COLUMNS} FROM programmes
             WHERE institution_id = ANY($1) ORDER BY institution_id, ordinal"
        )))
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await
        .map_err(db("reading changed institutions' programmes"))?;
        let mut by_id: BTreeMap<String, Vec<_>> = BTreeMap::new();
        for p in &programmes {
            let (id, programme) = programme_from_fields(p, &mut names)?;
            by_id.entry(id.to_owned()).or_default().push(programme);
        }
        for mut inst in found {
            inst.programmes = by_id.remove(inst.id.as_str()).unwrap_or_default().into();
            institutions.insert(inst.id.as_str().to_owned(), Some(inst));
        }
    }
    let delta = Delta {
        version: format!("db-{version}"),
        institutions,
        occupations: if occupations {
            Some(read_occupations(&mut tx).await?)
        } else {
            None
        },
        areas: if areas {
            Some(read_areas(&mut tx).await?)
        } else {
            None
        },
        mapping: if mapping {
            Some(read_mapping(&mut tx).await?)
        } else {
            None
        },
    };
    tx.commit().await.map_err(db("finishing a read"))?;
    Ok(Some((delta, change_seq)))
}
