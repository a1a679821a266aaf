//! The file formats of import, export and the bundled dataset: GeoJSON (RFC 7946) and
//! CSV (UTF-8, header row). A dataset directory holds one file per kind under the names
//! in [`FileKind::file_name`]; export writes exactly what import reads.

mod read;
mod write;

pub use read::{MAX_LISTED_PROBLEMS, read_bytes, read_dir, read_file};
pub use write::{ExportFormat, write_dataset};

use crate::model::{
    AdminArea, CommuneMapping, Credential, Institution, InstitutionId, Occupation, PopulationCell,
    Programme,
};

use super::Location;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FileKind {
    Occupations,
    Areas,
    Mapping,
    Institutions,
    Programmes,
    Credentials,
    /// A population layer (points or grid cells with head counts), for coverage.
    Population,
}

impl FileKind {
    /// The order in which a directory's files are read and written: referenced data first.
    pub const ORDER: [FileKind; 7] = [
        FileKind::Occupations,
        FileKind::Areas,
        FileKind::Mapping,
        FileKind::Institutions,
        FileKind::Programmes,
        FileKind::Credentials,
        FileKind::Population,
    ];

    /// The file names a dataset directory uses for this kind, GeoJSON first.
    pub fn file_names(self) -> &'static [&'static str] {
        match self {
            FileKind::Occupations => &["occupations.csv"],
            FileKind::Areas => &["admin-areas.geojson", "admin-areas.csv"],
            FileKind::Mapping => &["commune-mapping.csv"],
            FileKind::Institutions => &["institutions.geojson", "institutions.csv"],
            FileKind::Programmes => &["programmes.csv"],
            FileKind::Credentials => &["credentials.csv"],
            FileKind::Population => &["population.geojson", "population.csv"],
        }
    }
}

/// Records read from one file, each with where it came from.
#[derive(Debug, Clone)]
pub enum Batch {
    Occupations(Vec<(Location, Occupation)>),
    Areas(Vec<(Location, AdminArea)>),
    Mapping(Vec<(Location, CommuneMapping)>),
    /// `carries_programmes`: GeoJSON institutions list their programmes, which replace the
    /// stored ones; CSV institutions do not, and leave them alone.
    Institutions {
        records: Vec<(Location, Institution)>,
        carries_programmes: bool,
    },
    Programmes(Vec<(Location, InstitutionId, Programme)>),
    Credentials(Vec<(Location, Credential)>),
    /// A whole population layer: importing it replaces the stored one.
    Population(Vec<(Location, PopulationCell)>),
}

impl Batch {
    pub fn kind(&self) -> FileKind {
        match self {
            Batch::Occupations(_) => FileKind::Occupations,
            Batch::Areas(_) => FileKind::Areas,
            Batch::Mapping(_) => FileKind::Mapping,
            Batch::Institutions { .. } => FileKind::Institutions,
            Batch::Programmes(_) => FileKind::Programmes,
            Batch::Credentials(_) => FileKind::Credentials,
            Batch::Population(_) => FileKind::Population,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Batch::Occupations(v) => v.len(),
            Batch::Areas(v) => v.len(),
            Batch::Mapping(v) => v.len(),
            Batch::Institutions { records, .. } => records.len(),
            Batch::Programmes(v) => v.len(),
            Batch::Credentials(v) => v.len(),
            Batch::Population(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
