//! The domain side of OGC API – Features: what a query on the `institutions` and
//! `admin-areas` collections selects from the serving index, each record's properties
//! and queryables, CQL2 filters, sorting, and RFC 7946 geometry output. Nothing here
//! knows about HTTP: `api::features` parses requests into these types and shapes the
//! responses.

pub mod areas;
pub mod cql;
pub mod geometry;
pub mod institutions;
pub mod page;
pub mod value;

pub use cql::{Filter, FilterError, FilterLang};
pub use page::Page;

/// What a query selected, every match: positions in the collection's list in the index,
/// in output order. Requests take a [`Page`] instead (`select_page`), which never sorts
/// every match; this is the reference it is tested against. `All` spares listing two million positions when nothing is filtered.
#[derive(Debug, PartialEq)]
pub enum Matches {
    All(usize),
    Only(Vec<usize>),
}

impl Matches {
    pub fn len(&self) -> usize {
        match self {
            Matches::All(n) => *n,
            Matches::Only(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The positions from `start` (inclusive) to `end` (exclusive), clamped.
    pub fn page(&self, start: usize, end: usize) -> Vec<usize> {
        let end = end.min(self.len());
        let start = start.min(end);
        match self {
            Matches::All(_) => (start..end).collect(),
            Matches::Only(v) => v[start..end].to_vec(),
        }
    }
}
pub use value::{Field, FieldKind, Queryable, Scalar, SortKey, TimeRange};
