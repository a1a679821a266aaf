//! Network coverage for officials: where the institutions offering an occupation (at a
//! level) are within reach and where they are not.
//!
//! - [`nearest`]: the nearest matching institution to any point, by exact geodesic
//!   distance (equal to a brute-force minimum).
//! - [`hexgrid`]: a hexagonal grid over the province (or country).
//! - [`base`]: the expensive, radius-free part of a question (the grid, each cell's
//!   distance, which areas cells and people lie in), shared by questions that differ
//!   only by their radius.
//! - [`analysis`]: per-area figures (counts by administrative code; distances and shares
//!   sampled on the grid's cell centres inside each area's geometry; population shares
//!   when a population layer is loaded) and the worst-served areas.
//! - [`cache`]: radius-free parts kept per data version, population version and
//!   parameters, within a memory budget.
//! - [`export`]: CSV and GeoJSON of the results.
//! - [`state`]: the population layer in use and the cache, shared by requests.
//! - [`tiles`]: the `coverage` vector tileset.
//!
//! Everything here reads the serving index and knows nothing about HTTP; the long loops
//! poll a [`Cancel`](crate::heavy::Cancel) token and stop early when told to.

pub mod analysis;
pub mod base;
pub mod cache;
pub mod export;
pub mod hexgrid;
pub mod nearest;
pub mod state;
pub mod tiles;

use std::ops::RangeInclusive;

pub use analysis::{Analysis, AreaCoverage, CoverageReport, WorstServed, analyse};
pub use base::{BaseParams, CoverageBase};
pub use cache::CoverageCache;
pub use state::CoverageState;

use crate::heavy::Cancelled;
use crate::model::{AdminLevel, Institution, Level, OccupationCode, Programme, Scheme};

/// Radii an official may ask about, in kilometres.
pub const RADIUS_KM: RangeInclusive<f64> = 0.5..=200.0;
/// Grid cell widths (centre to neighbouring centre), in kilometres.
pub const CELL_KM: RangeInclusive<f64> = 0.25..=50.0;
/// The most cells one grid may have.
pub const MAX_CELLS: usize = 250_000;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoverageError {
    #[error("occupation {0} is not in the catalogue (see /api/v1/occupations)")]
    UnknownOccupation(String),
    #[error("occupation {code} is a {code_level} code, not a {level} one")]
    LevelMismatch {
        code: String,
        code_level: &'static str,
        level: Level,
    },
    #[error("radius_km must be from 0.5 to 200 km, got {0}")]
    Radius(f64),
    #[error("cell_km must be from 0.25 to 50 km, got {0}")]
    Cell(f64),
    #[error("the {scheme} scheme has no {level} areas")]
    AreaLevel { scheme: Scheme, level: AdminLevel },
    #[error(transparent)]
    Grid(hexgrid::GridError),
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
}

impl CoverageError {
    /// The request parameter the error is about.
    pub fn parameter(&self) -> &'static str {
        match self {
            CoverageError::UnknownOccupation(_) | CoverageError::LevelMismatch { .. } => {
                "occupation"
            }
            CoverageError::Radius(_) => "radius_km",
            CoverageError::Cell(_) | CoverageError::Grid(_) => "cell_km",
            CoverageError::AreaLevel { .. } => "area_level",
            CoverageError::Cancelled(_) => "",
        }
    }
}

/// Which programmes count: an occupation (exact catalogue code) and/or a level. With
/// neither, every institution counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Filter {
    pub occupation: Option<OccupationCode>,
    pub level: Option<Level>,
}

impl Filter {
    pub fn matches(&self, p: &Programme) -> bool {
        self.occupation
            .as_ref()
            .is_none_or(|c| *c == p.occupation_code())
            && self.level.is_none_or(|l| l == p.level())
    }

    pub fn is_everything(&self) -> bool {
        self.occupation.is_none() && self.level.is_none()
    }

    /// How many of the institution's programmes match.
    pub fn matching_programmes(&self, i: &Institution) -> usize {
        i.programmes.iter().filter(|p| self.matches(p)).count()
    }

    /// Whether the institution offers what the filter asks for.
    pub fn offers(&self, i: &Institution) -> bool {
        self.is_everything() || self.matching_programmes(i) > 0
    }
}

/// A validated coverage question, its numbers normalised: the radius to 0.1 km and the
/// cell width to two significant figures, so that near-identical questions are one
/// question (and one computation); the report echoes the normalised values.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub filter: Filter,
    pub radius_m: f64,
    pub cell_m: f64,
    pub scheme: Scheme,
    pub area_level: AdminLevel,
}

impl Params {
    /// Checks everything against the catalogue and the allowed ranges, then normalises.
    pub fn new(
        index: &crate::index::ServingIndex,
        filter: Filter,
        radius_km: f64,
        cell_km: f64,
        scheme: Scheme,
        area_level: AdminLevel,
    ) -> Result<Self, CoverageError> {
        if let Some(code) = &filter.occupation {
            if index.occupation(code).is_none() {
                return Err(CoverageError::UnknownOccupation(code.to_string()));
            }
            if let Some(level) = filter.level
                && !code.fits_level(level)
            {
                let code_level = match code.level_digit() {
                    '6' => "college",
                    '5' => "intermediate",
                    _ => "other-level",
                };
                return Err(CoverageError::LevelMismatch {
                    code: code.to_string(),
                    code_level,
                    level,
                });
            }
        }
        if !radius_km.is_finite() || !RADIUS_KM.contains(&radius_km) {
            return Err(CoverageError::Radius(radius_km));
        }
        if !cell_km.is_finite() || !CELL_KM.contains(&cell_km) {
            return Err(CoverageError::Cell(cell_km));
        }
        if scheme == Scheme::Y2025 && area_level == AdminLevel::District {
            return Err(CoverageError::AreaLevel {
                scheme,
                level: area_level,
            });
        }
        Ok(Self {
            filter,
            radius_m: round_to_decimals(radius_km, 1) * 1000.0,
            cell_m: round_to_significant(cell_km, 2) * 1000.0,
            scheme,
            area_level,
        })
    }

    /// A stable text form, for cache keys.
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}",
            self.filter
                .occupation
                .as_ref()
                .map(|c| c.as_str())
                .unwrap_or("*"),
            self.filter.level.map(|l| l.as_str()).unwrap_or("*"),
            self.radius_m,
            self.cell_m,
            self.scheme,
            self.area_level
        )
    }
}

/// `v` rounded to `places` decimal places (the closest double to that decimal).
fn round_to_decimals(v: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (v * scale).round() / scale
}

/// `v` (positive) rounded to `figures` significant figures.
fn round_to_significant(v: f64, figures: i32) -> f64 {
    round_to_decimals(v, figures - 1 - v.log10().floor() as i32)
}

/// The code an institution has for an area of this scheme and level.
pub fn area_code_of(i: &Institution, scheme: Scheme, level: AdminLevel) -> Option<&str> {
    let a = &i.admin;
    match (scheme, level) {
        (Scheme::Pre2025, AdminLevel::Province) => a.province_pre2025.as_deref(),
        (Scheme::Pre2025, AdminLevel::District) => a.district_pre2025.as_deref(),
        (Scheme::Pre2025, AdminLevel::Commune) => a.commune_pre2025.as_deref(),
        (Scheme::Y2025, AdminLevel::Province) => a.province_2025.as_deref(),
        (Scheme::Y2025, AdminLevel::Commune) => a.commune_2025.as_deref(),
        (Scheme::Y2025, AdminLevel::District) => None,
    }
}
