//! The coverage answer for one radius: the radius-free part ([`CoverageBase`]: one pass
//! over the grid's cells and one over the population layer, accumulated per area) and
//! which of its distances are within the radius. Each step is simple enough to be
//! checked against a brute-force computation (see the tests).

use std::sync::Arc;

use serde::Serialize;

use super::base::{BaseParams, CoverageBase};
use super::hexgrid::HexGrid;
use super::{CoverageError, Params};
use crate::heavy::Cancel;
use crate::index::ServingIndex;
use crate::model::{AdminLevel, PopulationLayer, Scheme};

/// Everything computed for one question: the radius-free part (the grid with each
/// cell's distance), and the per-area report for the question's radius.
pub struct Analysis {
    pub params: Params,
    pub base: Arc<CoverageBase>,
    pub report: CoverageReport,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoverageReport {
    pub data_version: String,
    pub radius_km: f64,
    pub cell_km: f64,
    pub scheme: Scheme,
    pub area_level: AdminLevel,
    pub occupation: Option<String>,
    pub level: Option<String>,
    /// Institutions offering the occupation/level anywhere in the data.
    pub matching_institutions: usize,
    pub matching_programmes: usize,
    pub grid: GridSummary,
    pub population: PopulationSummary,
    pub areas: Vec<AreaCoverage>,
    /// Areas with geometry, worst served first.
    pub worst_served: Vec<WorstServed>,
    /// What the reader must know before using the figures, in both languages.
    pub caveats: Vec<crate::model::Caveat>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GridSummary {
    pub cells: usize,
    pub cells_within_radius: usize,
    pub share_within_radius: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PopulationSummary {
    pub loaded: bool,
    pub sources: Vec<String>,
    pub total: Option<f64>,
    pub within_radius: Option<f64>,
    pub share_within_radius: Option<f64>,
}

/// One administrative area's coverage. Counts come from the institutions' administrative
/// codes and exist for every area; the rest needs the area's geometry and is `None`
/// without it (`has_geometry: false`), never guessed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AreaCoverage {
    pub scheme: Scheme,
    pub code: String,
    pub name: String,
    pub level: AdminLevel,
    pub has_geometry: bool,
    pub geometry_source: Option<String>,
    /// Matching institutions whose code for this area's level is this area's.
    pub institutions: usize,
    /// Their matching programmes.
    pub programmes: usize,
    /// All institutions in the area, whatever they offer.
    pub institutions_all: usize,
    /// From the area's interior point to the nearest matching institution, anywhere.
    pub distance_from_centre_m: Option<f64>,
    pub nearest_institution: Option<String>,
    /// Over the grid cell centres inside the area: the worst and the mean distance.
    pub max_distance_m: Option<f64>,
    pub mean_distance_m: Option<f64>,
    pub sample_cells: usize,
    /// Share (0 to 1) of the area's cell centres within the radius.
    pub share_area_within_radius: Option<f64>,
    pub population: Option<f64>,
    pub population_within_radius: Option<f64>,
    pub share_population_within_radius: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorstServed {
    pub code: String,
    pub name: String,
    /// "population" when the share is of people, "area" when of the area.
    pub basis: &'static str,
    pub share_within_radius: f64,
    pub max_distance_m: Option<f64>,
}

/// Answers one coverage question from the serving index (and the population layer),
/// all at once: for tools and benches; the server shares the radius-free part between
/// questions (see [`CoverageBase`]).
pub fn analyse(
    index: &ServingIndex,
    population: &PopulationLayer,
    params: &Params,
) -> Result<Analysis, CoverageError> {
    let base = CoverageBase::compute(
        index,
        population,
        &BaseParams::of(index, params),
        &Cancel::never(),
    )?;
    Ok(Analysis::derive(Arc::new(base), params))
}

impl Analysis {
    /// The answer for `params`' radius from the radius-free part: one pass over the
    /// cells and one over the population points, no distance computed.
    pub fn derive(base: Arc<CoverageBase>, params: &Params) -> Analysis {
        let radius = params.radius_m;
        let within = |d: Option<f64>| d.is_some_and(|d| d <= radius);
        let mut cells_within_area = vec![0usize; base.areas.len()];
        let mut cells_within = 0;
        for (n, &d) in base.cell_distance_m.iter().enumerate() {
            if within(d) {
                cells_within += 1;
                for a in base.cell_areas.of(n) {
                    cells_within_area[a] += 1;
                }
            }
        }
        let mut people_within_area = vec![0.0; base.areas.len()];
        let mut people_within = 0.0;
        for (n, p) in base.people.iter().enumerate() {
            if within(p.distance_m) {
                people_within += p.population;
                for a in base.people_areas.of(n) {
                    people_within_area[a] += p.population;
                }
            }
        }
        let loaded = base.population.loaded;
        let areas: Vec<AreaCoverage> = base
            .areas
            .iter()
            .zip(cells_within_area)
            .zip(people_within_area)
            .map(|((a, cells), people)| {
                let sampled = a.has_geometry && a.sample_cells > 0;
                let counted = loaded && a.has_geometry;
                AreaCoverage {
                    share_area_within_radius: sampled.then(|| cells as f64 / a.sample_cells as f64),
                    population_within_radius: counted.then_some(people),
                    share_population_within_radius: a
                        .population
                        .filter(|&p| counted && p > 0.0)
                        .map(|p| people / p),
                    ..a.clone()
                }
            })
            .collect();
        let cells = base.grid.cells().len();
        let total = base.population.total;
        let report = CoverageReport {
            data_version: base.data_version.clone(),
            radius_km: params.radius_m / 1000.0,
            cell_km: params.cell_m / 1000.0,
            scheme: params.scheme,
            area_level: params.area_level,
            occupation: params.filter.occupation.as_ref().map(|c| c.to_string()),
            level: params.filter.level.map(|l| l.as_str().to_owned()),
            matching_institutions: base.matching_institutions,
            matching_programmes: base.matching_programmes,
            grid: GridSummary {
                cells,
                cells_within_radius: cells_within,
                share_within_radius: (cells > 0).then(|| cells_within as f64 / cells as f64),
            },
            population: PopulationSummary {
                within_radius: loaded.then_some(people_within),
                share_within_radius: total
                    .filter(|&t| loaded && t > 0.0)
                    .map(|t| people_within / t),
                ..base.population.clone()
            },
            worst_served: worst_served(&areas),
            caveats: base.caveats.clone(),
            areas,
        };
        Analysis {
            params: params.clone(),
            base,
            report,
        }
    }

    pub fn grid(&self) -> &HexGrid {
        &self.base.grid
    }

    /// Per grid cell: metres to the nearest matching institution (`None`: none exists).
    pub fn cell_distance_m(&self) -> &[Option<f64>] {
        &self.base.cell_distance_m
    }

    /// Per grid cell: people in it, when a population layer is loaded.
    pub fn cell_population(&self) -> Option<&[f64]> {
        self.base.cell_population.as_deref()
    }

    /// Whether cell `n` is within the radius of a matching institution.
    pub fn within_radius(&self, n: usize) -> bool {
        self.base.cell_distance_m[n].is_some_and(|d| d <= self.params.radius_m)
    }
}

/// Areas with a sampled geometry, least covered first: by the share of people within
/// the radius where the area has people in the population layer, else (after those) by
/// the share of the area; ties broken by the longest distance.
pub fn worst_served(areas: &[AreaCoverage]) -> Vec<WorstServed> {
    let mut out: Vec<WorstServed> = areas
        .iter()
        .filter_map(|a| {
            let (basis, share) =
                match (a.share_population_within_radius, a.share_area_within_radius) {
                    (Some(s), _) => ("population", s),
                    (None, Some(s)) => ("area", s),
                    (None, None) => return None,
                };
            Some(WorstServed {
                code: a.code.clone(),
                name: a.name.clone(),
                basis,
                share_within_radius: share,
                max_distance_m: a.max_distance_m,
            })
        })
        .collect();
    // Ranked by people first: an area whose population layer counts nobody comes after
    // every area with people, ranked by area among its kind.
    out.sort_by(|a, b| {
        (a.basis != "population")
            .cmp(&(b.basis != "population"))
            .then_with(|| a.share_within_radius.total_cmp(&b.share_within_radius))
            .then_with(|| {
                b.max_distance_m
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&a.max_distance_m.unwrap_or(f64::INFINITY))
            })
            .then_with(|| a.code.cmp(&b.code))
    });
    out
}

#[cfg(test)]
mod tests;
