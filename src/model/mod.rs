//! Domain types. Everything here is validated at construction: code that holds an
//! `Institution` or an `OccupationCode` never needs to check it again.
//!
//! Input arrives as a loose [`Record`] (a CSV row or GeoJSON properties, both seen as
//! a JSON object) and is parsed field by field so that every mistake is reported with
//! its field name, not just the first.

pub mod admin;
pub mod bbox;
pub mod caveat;
pub mod changes;
pub mod credential;
pub mod dataset;
pub mod enums;
pub mod error;
pub mod institution;
pub mod intern;
pub mod lonlat;
pub mod occupation;
pub mod population;
pub mod record;
pub mod report;

pub use admin::{AdminArea, AdminLevel, CommuneMapping, Scheme};
pub use bbox::Bbox;
pub use caveat::{Caveat, Lang};
pub use credential::{Credential, CredentialKind, CredentialStatus};
pub use dataset::{BrokenReference, Dataset};
pub use enums::{InstitutionKind, Level, Ownership, PositionAccuracy, Vocabulary};
pub use error::{FieldError, RecordErrors};
pub use institution::{
    AdminCodes, Contacts, Institution, InstitutionFields, InstitutionId, InstitutionText,
    MAX_TEXT_BYTES, Programme, Readiness, TextFields,
};
pub use intern::{Interner, SharedText};
pub use lonlat::LonLat;
pub use occupation::{Occupation, OccupationCode};
pub use population::{PopulationCell, PopulationLayer};
pub use record::Record;
