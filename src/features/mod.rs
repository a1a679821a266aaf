//! The domain side of OGC API – Features: what a query on the `institutions` and
//! `admin-areas` collections selects from the serving index, each record's properties
//! and queryables, CQL2 filters, sorting, and RFC 7946 geometry output. Nothing here
//! knows about HTTP: `api::features` parses requests into these types and shapes the
//! responses.

pub mod areas;
pub mod cql;
pub mod geometry;
pub mod institutions;
pub mod value;

pub use cql::{Filter, FilterError, FilterLang};
pub use value::{Field, FieldKind, Queryable, Scalar, SortKey, TimeRange};
