//! The coverage computation: one pass over the grid's cells and one over the population
//! layer, accumulated per area. Each step is simple enough to be checked against a
//! brute-force computation (see the tests).

use std::collections::{HashMap, HashSet};

use geo::{BoundingRect, Coord, InteriorPoint, Rect};
use serde::Serialize;

use super::hexgrid::HexGrid;
use super::nearest::NearestFinder;
use super::{CoverageError, MAX_CELLS, Params, area_code_of};
use crate::index::ServingIndex;
use crate::model::{AdminArea, AdminLevel, LonLat, PopulationLayer, PositionAccuracy, Scheme};

/// Everything computed for one question: the grid with each cell's distance, and the
/// per-area report.
pub struct Analysis {
    pub params: Params,
    pub grid: HexGrid,
    /// Per grid cell: metres to the nearest matching institution (`None`: none exists).
    pub cell_distance_m: Vec<Option<f64>>,
    /// Per grid cell: people in it, when a population layer is loaded.
    pub cell_population: Option<Vec<f64>>,
    pub report: CoverageReport,
}

#[derive(Debug, Clone, Serialize)]
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
    /// What the reader must know before using the figures.
    pub caveats: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GridSummary {
    pub cells: usize,
    pub cells_within_radius: usize,
    pub share_within_radius: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
pub struct WorstServed {
    pub code: String,
    pub name: String,
    /// "population" when the share is of people, "area" when of the area.
    pub basis: &'static str,
    pub share_within_radius: f64,
    pub max_distance_m: Option<f64>,
}

#[derive(Default)]
struct Acc {
    cells: usize,
    within: usize,
    sum_d: f64,
    max_d: Option<f64>,
    pop: f64,
    pop_within: f64,
}

/// Answers one coverage question from the serving index (and the population layer).
pub fn analyse(
    index: &ServingIndex,
    population: &PopulationLayer,
    params: &Params,
) -> Result<Analysis, CoverageError> {
    let institutions = index.institutions();
    let matching: Vec<usize> = (0..institutions.len())
        .filter(|&n| params.filter.offers(&institutions[n]))
        .collect();
    let finder = NearestFinder::new(matching.iter().map(|&n| institutions[n].location).collect());
    let nearest_id = |p: LonLat| {
        finder
            .nearest(p)
            .map(|n| (n.distance_m, institutions[matching[n.index]].id.to_string()))
    };

    let in_target = |a: &AdminArea| a.scheme == params.scheme && a.level == params.area_level;
    let targets: Vec<&AdminArea> = index.areas().iter().filter(|a| in_target(a)).collect();
    let target_pos: HashMap<(Scheme, &str), usize> = targets
        .iter()
        .enumerate()
        .map(|(n, a)| (a.key(), n))
        .collect();
    let areas_of = |p: LonLat| -> Vec<usize> {
        index
            .areas_containing(p)
            .into_iter()
            .filter_map(|a| target_pos.get(&a.key()).copied())
            .collect()
    };

    // The grid covers the province (the scheme's province-level shapes), else whatever
    // shapes the scheme has, else the institutions' surroundings.
    let shaped = |level: Option<AdminLevel>| -> Vec<&AdminArea> {
        index
            .areas()
            .iter()
            .filter(|a| {
                a.scheme == params.scheme
                    && a.geometry.is_some()
                    && level.is_none_or(|l| a.level == l)
            })
            .collect()
    };
    let mut extent = shaped(Some(AdminLevel::Province));
    if extent.is_empty() {
        extent = shaped(None);
    }
    let extent_keys: HashSet<(Scheme, &str)> = extent.iter().map(|a| a.key()).collect();
    let grid = match bounds_of(&extent) {
        Some(bounds) => HexGrid::covering(bounds, params.cell_m, MAX_CELLS, |p| {
            index
                .areas_containing(p)
                .iter()
                .any(|a| extent_keys.contains(&a.key()))
        })?,
        None => {
            let pad_deg = params.radius_m / 111_000.0;
            let b = institutions_bounds(index, pad_deg);
            HexGrid::covering(b, params.cell_m, MAX_CELLS, |_| true)?
        }
    };

    let mut acc: Vec<Acc> = (0..targets.len()).map(|_| Acc::default()).collect();
    let mut cell_distance_m = Vec::with_capacity(grid.cells().len());
    let mut cells_within = 0;
    for cell in grid.cells() {
        let d = finder.nearest(cell.centre).map(|n| n.distance_m);
        let within = d.is_some_and(|d| d <= params.radius_m);
        cells_within += usize::from(within);
        for n in areas_of(cell.centre) {
            let a = &mut acc[n];
            a.cells += 1;
            a.within += usize::from(within);
            if let Some(d) = d {
                a.sum_d += d;
                a.max_d = Some(a.max_d.map_or(d, |m: f64| m.max(d)));
            }
        }
        cell_distance_m.push(d);
    }

    let mut pop_total = 0.0;
    let mut pop_within = 0.0;
    let cell_population = population.is_loaded().then(|| {
        let mut per_cell = vec![0.0; grid.cells().len()];
        for p in &population.cells {
            let within = finder.any_within(p.location, params.radius_m);
            pop_total += p.population;
            if within {
                pop_within += p.population;
            }
            for n in areas_of(p.location) {
                acc[n].pop += p.population;
                if within {
                    acc[n].pop_within += p.population;
                }
            }
            if let Some(c) = grid.cell_of(p.location) {
                per_cell[c] += p.population;
            }
        }
        per_cell
    });

    let mut counts = vec![(0usize, 0usize, 0usize); targets.len()];
    for i in institutions {
        let Some(code) = area_code_of(i, params.scheme, params.area_level) else {
            continue;
        };
        if let Some(&n) = target_pos.get(&(params.scheme, code)) {
            counts[n].2 += 1;
            if params.filter.offers(i) {
                counts[n].0 += 1;
                counts[n].1 += params.filter.matching_programmes(i);
            }
        }
    }

    let loaded = population.is_loaded();
    let areas: Vec<AreaCoverage> = targets
        .iter()
        .zip(acc)
        .zip(counts)
        .map(|((a, acc), (inst, progs, all))| {
            let centre = a
                .geometry
                .as_ref()
                .and_then(|g| g.interior_point())
                .and_then(|p| LonLat::new(p.x(), p.y()).ok())
                .and_then(nearest_id);
            let has_geometry = a.geometry.is_some();
            let sampled = has_geometry && acc.cells > 0;
            AreaCoverage {
                scheme: a.scheme,
                code: a.code.clone(),
                name: a.name.clone(),
                level: a.level,
                has_geometry,
                geometry_source: a.geometry_source.clone(),
                institutions: inst,
                programmes: progs,
                institutions_all: all,
                distance_from_centre_m: centre.as_ref().map(|c| c.0),
                nearest_institution: centre.map(|c| c.1),
                max_distance_m: acc.max_d.filter(|_| sampled),
                mean_distance_m: (sampled && acc.max_d.is_some())
                    .then(|| acc.sum_d / acc.cells as f64),
                sample_cells: acc.cells,
                share_area_within_radius: sampled.then(|| acc.within as f64 / acc.cells as f64),
                population: (loaded && has_geometry).then_some(acc.pop),
                population_within_radius: (loaded && has_geometry).then_some(acc.pop_within),
                share_population_within_radius: (loaded && has_geometry && acc.pop > 0.0)
                    .then(|| acc.pop_within / acc.pop),
            }
        })
        .collect();

    let report = CoverageReport {
        data_version: index.version().to_owned(),
        radius_km: params.radius_m / 1000.0,
        cell_km: params.cell_m / 1000.0,
        scheme: params.scheme,
        area_level: params.area_level,
        occupation: params.filter.occupation.as_ref().map(|c| c.to_string()),
        level: params.filter.level.map(|l| l.as_str().to_owned()),
        matching_institutions: matching.len(),
        matching_programmes: matching
            .iter()
            .map(|&n| params.filter.matching_programmes(&institutions[n]))
            .sum(),
        grid: GridSummary {
            cells: grid.cells().len(),
            cells_within_radius: cells_within,
            share_within_radius: (!grid.cells().is_empty())
                .then(|| cells_within as f64 / grid.cells().len() as f64),
        },
        population: PopulationSummary {
            loaded,
            sources: population.sources(),
            total: loaded.then_some(pop_total),
            within_radius: loaded.then_some(pop_within),
            share_within_radius: (loaded && pop_total > 0.0).then(|| pop_within / pop_total),
        },
        worst_served: worst_served(&areas),
        caveats: caveats(index, population, &areas, &extent, &matching),
        areas,
    };
    Ok(Analysis {
        params: params.clone(),
        grid,
        cell_distance_m,
        cell_population,
        report,
    })
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

fn caveats(
    index: &ServingIndex,
    population: &PopulationLayer,
    areas: &[AreaCoverage],
    extent: &[&AdminArea],
    matching: &[usize],
) -> Vec<String> {
    let mut out = Vec::new();
    let without = areas.iter().filter(|a| !a.has_geometry).count();
    if without > 0 {
        out.push(format!(
            "{without} of {} areas have no geometry: only institution and programme counts are given for them (\"no geometry\"), no distances or shares",
            areas.len()
        ));
    }
    let mut sources: Vec<&str> = areas
        .iter()
        .filter(|a| a.has_geometry)
        .filter_map(|a| a.geometry_source.as_deref())
        .chain(extent.iter().filter_map(|a| a.geometry_source.as_deref()))
        .filter(|s| s.to_lowercase().contains("schematic"))
        .collect();
    sources.sort();
    sources.dedup();
    for s in sources {
        out.push(format!(
            "Area shapes are schematic, not official boundaries: shares and distances are approximate ({s})"
        ));
    }
    if population.is_loaded() {
        for s in population.sources() {
            out.push(format!("Population figures: {s}"));
        }
    } else {
        out.push(
            "No population layer is loaded: coverage is by area only (share of the area within the radius, not of people)".into(),
        );
    }
    let institutions = index.institutions();
    let rough = matching
        .iter()
        .filter(|&&n| {
            matches!(
                institutions[n].position_accuracy,
                PositionAccuracy::Town | PositionAccuracy::Approximate
            )
        })
        .count();
    if rough > 0 {
        out.push(format!(
            "{rough} of {} matching institutions have positions known only to the town or approximately",
            matching.len()
        ));
    }
    let synthetic = matching
        .iter()
        .filter(|&&n| institutions[n].source.to_lowercase().contains("synthetic"))
        .count();
    if synthetic > 0 {
        out.push(format!(
            "{synthetic} matching institutions are synthetic test data"
        ));
    }
    out.push("Distances are straight-line geodesic distances (WGS84), not travel distances".into());
    out
}

fn bounds_of(areas: &[&AdminArea]) -> Option<Rect<f64>> {
    areas
        .iter()
        .filter_map(|a| a.geometry.as_ref()?.bounding_rect())
        .reduce(|a, b| {
            Rect::new(
                Coord {
                    x: a.min().x.min(b.min().x),
                    y: a.min().y.min(b.min().y),
                },
                Coord {
                    x: a.max().x.max(b.max().x),
                    y: a.max().y.max(b.max().y),
                },
            )
        })
}

fn institutions_bounds(index: &ServingIndex, pad_deg: f64) -> Rect<f64> {
    let mut r: Option<Rect<f64>> = None;
    for i in index.institutions() {
        let c = Coord {
            x: i.location.lon(),
            y: i.location.lat(),
        };
        r = Some(match r {
            None => Rect::new(c, c),
            Some(r) => Rect::new(
                Coord {
                    x: r.min().x.min(c.x),
                    y: r.min().y.min(c.y),
                },
                Coord {
                    x: r.max().x.max(c.x),
                    y: r.max().y.max(c.y),
                },
            ),
        });
    }
    let r = r.unwrap_or_else(|| Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 0.0, y: 0.0 }));
    Rect::new(
        Coord {
            x: (r.min().x - pad_deg).max(-180.0),
            y: (r.min().y - pad_deg).max(-90.0),
        },
        Coord {
            x: (r.max().x + pad_deg).min(180.0),
            y: (r.max().y + pad_deg).min(90.0),
        },
    )
}

#[cfg(test)]
mod tests;
