//! Where data lives: PostGIS (the system of record, [`pg`]) and files (the bundled
//! dataset and the import/export formats, [`files`], [`bundled`]). All SQL is here.

pub mod bundled;
pub mod files;
pub mod pg;
pub mod snapshot_file;

use std::fmt;
use std::path::PathBuf;

/// Where in an input a record came from, for error messages a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Location {
    pub file: String,
    /// "line 4" for CSV (the header is line 1), "feature 3" for GeoJSON (from 1).
    pub position: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.file, self.position)
    }
}

/// One problem with one input record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ImportError {
    pub location: Option<Location>,
    /// The record's key (institution id, area scheme and code...) when it has one.
    pub record: Option<String>,
    pub field: Option<String>,
    pub message: String,
    /// On the entry that closes a capped list ("and 2,345 more problems"): how many
    /// problems it stands for, found and not listed. 0 on every other entry.
    #[serde(skip_serializing_if = "is_zero")]
    pub unlisted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl ImportError {
    /// How many problems this entry stands for: itself, or those a capped list left out.
    pub fn problems(&self) -> usize {
        self.unlisted.max(1)
    }
}

/// How many problems a list of them stands for, counting those it does not list.
pub fn problem_count(errors: &[ImportError]) -> usize {
    errors.iter().map(ImportError::problems).sum()
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(l) = &self.location {
            write!(f, "{l}: ")?;
        }
        if let Some(r) = &self.record {
            write!(f, "{r}: ")?;
        }
        if let Some(fl) = &self.field {
            write!(f, "field {fl}: ")?;
        }
        f.write_str(&self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("could not read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} problem(s) in the input, nothing was written:\n{}", problem_count(.0), list(.0))]
    Invalid(Vec<ImportError>),
    #[error("database error while {context}: {source}")]
    Db {
        context: &'static str,
        source: sqlx::Error,
    },
    /// The database did not answer (down, restarting, unreachable, no free connection in
    /// time): not a fault of the request nor of our SQL, and worth retrying shortly.
    #[error("the database is unavailable while {context}: {source}")]
    Unavailable {
        context: &'static str,
        source: sqlx::Error,
    },
    #[error("the database holds a value the model rejects: {0}")]
    Corrupt(String),
    #[error("could not migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// What a write names does not exist (or no longer: a retired institution).
    #[error("{0}")]
    Missing(String),
    /// An optimistic-concurrency check failed: the record moved on to `current`.
    #[error("the record changed since it was read: it is now at version {current}")]
    Stale { current: i64 },
    /// The caller may not change the stored record (its scope was checked against the
    /// record as stored, inside the write's transaction).
    #[error("{0}")]
    NotPermitted(String),
    /// The write would create what already exists.
    #[error("{0}")]
    AlreadyExists(String),
}

impl StoreError {
    /// Wraps a driver error with what we were doing. This is the one place that tells a
    /// database that is not there ([`StoreError::Unavailable`]) from a query that failed.
    pub fn db(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |source| {
            if is_connection_failure(&source) {
                StoreError::Unavailable { context, source }
            } else {
                StoreError::Db { context, source }
            }
        }
    }

    /// Whether the database was unreachable, rather than the request or the data wrong.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable { .. })
    }
}

/// Errors that say nothing about the statement and everything about the connection: no
/// connection could be had in time, the socket failed, or the server refused or ended the
/// session (SQLSTATE class 08 "connection exception"; 57P01-57P03 shutting down or not
/// yet accepting connections; 53300 too many connections).
fn is_connection_failure(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => d.code().is_some_and(|c| {
            c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

fn list(errors: &[ImportError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classified(e: sqlx::Error) -> bool {
        StoreError::db("testing")(e).is_unavailable()
    }

    #[test]
    fn a_refused_or_dropped_connection_and_a_pool_timeout_mean_unavailable() {
        use std::io::{Error, ErrorKind};
        assert!(classified(sqlx::Error::PoolTimedOut));
        assert!(classified(sqlx::Error::Io(Error::from(
            ErrorKind::ConnectionRefused
        ))));
        assert!(classified(sqlx::Error::Io(Error::from(
            ErrorKind::UnexpectedEof
        ))));
    }

    #[test]
    fn errors_of_the_query_or_the_rows_stay_query_errors() {
        assert!(!classified(sqlx::Error::RowNotFound));
        assert!(!classified(sqlx::Error::ColumnNotFound("name".into())));
        assert!(!classified(sqlx::Error::Protocol("unexpected".into())));
    }
}
