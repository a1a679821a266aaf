//! Where data lives: PostGIS (the system of record, [`pg`]) and files (the bundled
//! dataset and the import/export formats, [`files`], [`bundled`]). All SQL is here.

pub mod bundled;
pub mod files;
pub mod pg;

use std::fmt;
use std::path::PathBuf;

/// Where in an input a record came from, for error messages a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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
    #[error("the database holds a value the model rejects: {0}")]
    Corrupt(String),
    #[error("could not migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub fn db(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |source| StoreError::Db { context, source }
    }
}

fn list(errors: &[ImportError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}
