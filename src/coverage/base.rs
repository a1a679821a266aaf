//! The expensive part of a coverage question, which does not depend on the radius: the
//! grid, each cell's distance to the nearest matching institution, which areas each cell
//! and each population point lie in, and the per-area figures that need no radius. The
//! radius only decides which of those distances count as within reach, which
//! [`super::Analysis::derive`] does in one cheap pass; so questions that differ only by
//! their radius share one computation.

use std::collections::{HashMap, HashSet};

use geo::{BoundingRect, Coord, InteriorPoint, Rect};

use super::analysis::{AreaCoverage, PopulationSummary};
use super::hexgrid::{GridError, HexGrid};
use super::nearest::NearestFinder;
use super::{CoverageError, Filter, MAX_CELLS, Params, area_code_of};
use crate::heavy::Cancel;
use crate::index::ServingIndex;
use crate::model::{
    AdminArea, AdminLevel, Caveat, LonLat, PopulationLayer, PositionAccuracy, Scheme,
};

/// What the radius-free part depends on.
#[derive(Debug, Clone, PartialEq)]
pub struct BaseParams {
    pub filter: Filter,
    pub cell_m: f64,
    pub scheme: Scheme,
    pub area_level: AdminLevel,
    /// When the scheme has no area shapes the grid covers the institutions' surroundings,
    /// padded by this (the radius rounded up on a 1-2-5 ladder of kilometres, so that
    /// nearby radii still share a grid); `None` when shapes give the extent.
    pub pad_m: Option<f64>,
}

impl BaseParams {
    pub fn of(index: &ServingIndex, p: &Params) -> Self {
        let shaped = index
            .areas()
            .iter()
            .any(|a| a.scheme == p.scheme && a.geometry.is_some());
        Self {
            filter: p.filter.clone(),
            cell_m: p.cell_m,
            scheme: p.scheme,
            area_level: p.area_level,
            pad_m: (!shaped).then(|| ladder_km(p.radius_m / 1000.0) * 1000.0),
        }
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
            self.cell_m,
            self.scheme,
            self.area_level,
            self.pad_m.map_or("-".into(), |p| p.to_string()),
        )
    }
}

/// The smallest of 1, 2, 5, 10, 20, 50, 100, 200 km that is at least `km`.
fn ladder_km(km: f64) -> f64 {
    [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0]
        .into_iter()
        .find(|&step| step >= km)
        .unwrap_or(200.0)
}

/// For each of a list of items (cells, population points), the target areas it lies in,
/// in two flat vectors rather than one small vector per item.
#[derive(Default)]
pub struct Memberships {
    start: Vec<u32>,
    areas: Vec<u32>,
}

impl Memberships {
    fn push(&mut self, areas: impl IntoIterator<Item = usize>) {
        if self.start.is_empty() {
            self.start.push(0);
        }
        self.areas.extend(areas.into_iter().map(|a| a as u32));
        self.start.push(self.areas.len() as u32);
    }

    /// The areas of item `n`.
    pub fn of(&self, n: usize) -> impl Iterator<Item = usize> + '_ {
        let (a, b) = match (self.start.get(n), self.start.get(n + 1)) {
            (Some(&a), Some(&b)) => (a as usize, b as usize),
            _ => (0, 0),
        };
        self.areas[a..b].iter().map(|&x| x as usize)
    }

    fn approx_bytes(&self) -> usize {
        4 * (self.start.capacity() + self.areas.capacity())
    }
}

/// One population point as coverage needs it.
pub struct Person {
    pub distance_m: Option<f64>,
    pub population: f64,
}

pub struct CoverageBase {
    pub data_version: String,
    pub params: BaseParams,
    pub grid: HexGrid,
    /// Per grid cell: metres to the nearest matching institution (`None`: none exists).
    pub cell_distance_m: Vec<Option<f64>>,
    /// Per grid cell: people in it, when a population layer is loaded.
    pub cell_population: Option<Vec<f64>>,
    pub cell_areas: Memberships,
    pub people: Vec<Person>,
    pub people_areas: Memberships,
    /// The target areas, with the fields that depend on the radius left empty.
    pub areas: Vec<AreaCoverage>,
    pub matching_institutions: usize,
    pub matching_programmes: usize,
    /// With the fields that depend on the radius left empty.
    pub population: PopulationSummary,
    pub caveats: Vec<Caveat>,
    /// West, south, east, north of the cells' centres; `None` without cells.
    pub bounds: Option<[f64; 4]>,
}

#[derive(Default)]
struct Acc {
    cells: usize,
    sum_d: f64,
    max_d: Option<f64>,
    pop: f64,
}

impl CoverageBase {
    /// Roughly the bytes this holds, for weighing it in the cache.
    pub fn approx_bytes(&self) -> usize {
        self.grid.approx_bytes()
            + 16 * self.cell_distance_m.capacity()
            + self
                .cell_population
                .as_ref()
                .map_or(0, |p| 8 * p.capacity())
            + self.cell_areas.approx_bytes()
            + std::mem::size_of::<Person>() * self.people.capacity()
            + self.people_areas.approx_bytes()
            + self.areas.capacity() * (std::mem::size_of::<AreaCoverage>() + 128)
            + self
                .caveats
                .iter()
                .map(|c| c.vi.len() + c.en.len() + 48)
                .sum::<usize>()
            + 1024
    }

    /// The radius-free part of a question, polling `cancel` in every loop.
    pub fn compute(
        index: &ServingIndex,
        population: &PopulationLayer,
        params: &BaseParams,
        cancel: &Cancel,
    ) -> Result<Self, CoverageError> {
        let institutions = index.institutions();
        let mut matching = Vec::new();
        for (n, i) in institutions.iter().enumerate() {
            cancel.check_every(n)?;
            if params.filter.offers(i) {
                matching.push(n);
            }
        }
        let finder =
            NearestFinder::new(matching.iter().map(|&n| institutions[n].location).collect());

        let in_target = |a: &AdminArea| a.scheme == params.scheme && a.level == params.area_level;
        let targets: Vec<&AdminArea> = index.areas().iter().filter(|a| in_target(a)).collect();
        let target_pos: HashMap<(Scheme, &str), usize> = targets
            .iter()
            .enumerate()
            .map(|(n, a)| (a.key(), n))
            .collect();
        let areas_of = |p: LonLat| {
            index
                .areas_containing(p)
                .into_iter()
                .filter_map(|a| target_pos.get(&a.key()).copied())
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
        let grid = match (bounds_of(&extent), params.pad_m) {
            (Some(bounds), _) => HexGrid::covering(
                bounds,
                params.cell_m,
                MAX_CELLS,
                |p| {
                    index
                        .areas_containing(p)
                        .iter()
                        .any(|a| extent_keys.contains(&a.key()))
                },
                cancel,
            ),
            (None, pad_m) => {
                let pad_deg = pad_m.unwrap_or(0.0) / 111_000.0;
                let b = institutions_bounds(index, pad_deg);
                HexGrid::covering(b, params.cell_m, MAX_CELLS, |_| true, cancel)
            }
        }
        .map_err(|e| match e {
            GridError::Cancelled(c) => CoverageError::Cancelled(c),
            e => CoverageError::Grid(e),
        })?;

        let mut acc: Vec<Acc> = (0..targets.len()).map(|_| Acc::default()).collect();
        let mut cell_distance_m = Vec::with_capacity(grid.cells().len());
        let mut cell_areas = Memberships::default();
        for (n, cell) in grid.cells().iter().enumerate() {
            cancel.check_every(n)?;
            let d = finder.nearest(cell.centre).map(|n| n.distance_m);
            cell_areas.push(areas_of(cell.centre));
            for a in cell_areas.of(n) {
                let a = &mut acc[a];
                a.cells += 1;
                if let Some(d) = d {
                    a.sum_d += d;
                    a.max_d = Some(a.max_d.map_or(d, |m: f64| m.max(d)));
                }
            }
            cell_distance_m.push(d);
        }

        let loaded = population.is_loaded();
        let mut pop_total = 0.0;
        let mut people = Vec::new();
        let mut people_areas = Memberships::default();
        let mut cell_population = None;
        if loaded {
            let mut per_cell = vec![0.0; grid.cells().len()];
            people.reserve(population.cells.len());
            for (n, p) in population.cells.iter().enumerate() {
                cancel.check_every(n)?;
                pop_total += p.population;
                people_areas.push(areas_of(p.location));
                for a in people_areas.of(n) {
                    acc[a].pop += p.population;
                }
                people.push(Person {
                    distance_m: finder.nearest(p.location).map(|n| n.distance_m),
                    population: p.population,
                });
                if let Some(c) = grid.cell_of(p.location) {
                    per_cell[c] += p.population;
                }
            }
            cell_population = Some(per_cell);
        }

        let mut counts = vec![(0usize, 0usize, 0usize); targets.len()];
        for (n, i) in institutions.iter().enumerate() {
            cancel.check_every(n)?;
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

        let mut areas = Vec::with_capacity(targets.len());
        for ((a, acc), (inst, progs, all)) in targets.iter().zip(acc).zip(counts) {
            cancel.check()?;
            let centre = a
                .geometry
                .as_ref()
                .and_then(|g| g.interior_point())
                .and_then(|p| LonLat::new(p.x(), p.y()).ok())
                .and_then(|p| finder.nearest(p))
                .map(|n| (n.distance_m, institutions[matching[n.index]].id.to_string()));
            let has_geometry = a.geometry.is_some();
            let sampled = has_geometry && acc.cells > 0;
            areas.push(AreaCoverage {
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
                share_area_within_radius: None,
                population: (loaded && has_geometry).then_some(acc.pop),
                population_within_radius: None,
                share_population_within_radius: None,
            });
        }

        let bounds = grid.cells().iter().fold(None, |b: Option<[f64; 4]>, c| {
            let (x, y) = (c.centre.lon(), c.centre.lat());
            Some(b.map_or([x, y, x, y], |[x0, y0, x1, y1]| {
                [x0.min(x), y0.min(y), x1.max(x), y1.max(y)]
            }))
        });
        Ok(CoverageBase {
            data_version: index.version().to_owned(),
            matching_programmes: matching
                .iter()
                .map(|&n| params.filter.matching_programmes(&institutions[n]))
                .sum(),
            matching_institutions: matching.len(),
            population: PopulationSummary {
                loaded,
                sources: population.sources(),
                total: loaded.then_some(pop_total),
                within_radius: None,
                share_within_radius: None,
            },
            caveats: caveats(index, population, &areas, &extent, &matching),
            params: params.clone(),
            grid,
            cell_distance_m,
            cell_population,
            cell_areas,
            people,
            people_areas,
            areas,
            bounds,
        })
    }
}

fn caveats(
    index: &ServingIndex,
    population: &PopulationLayer,
    areas: &[AreaCoverage],
    extent: &[&AdminArea],
    matching: &[usize],
) -> Vec<Caveat> {
    let mut out = Vec::new();
    let without = areas.iter().filter(|a| !a.has_geometry).count();
    if without > 0 {
        let n = areas.len();
        out.push(Caveat::new(
            format!("{without}/{n} đơn vị hành chính không có ranh giới: chỉ có số cơ sở và số chương trình (\"không có ranh giới\"), không có khoảng cách hay tỷ lệ"),
            format!("{without} of {n} areas have no geometry: only institution and programme counts are given for them (\"no geometry\"), no distances or shares"),
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
        out.push(Caveat::new(
            format!("Ranh giới các đơn vị là sơ đồ minh họa, không phải ranh giới chính thức: tỷ lệ và khoảng cách chỉ là gần đúng ({s})"),
            format!("Area shapes are schematic, not official boundaries: shares and distances are approximate ({s})"),
        ));
    }
    if population.is_loaded() {
        for s in population.sources() {
            out.push(Caveat::new(
                format!("Số liệu dân số: {s}"),
                format!("Population figures: {s}"),
            ));
        }
    } else {
        out.push(Caveat::new(
            "Chưa nạp lớp dân số: độ phủ chỉ tính theo diện tích (tỷ lệ diện tích trong bán kính, không phải tỷ lệ dân số)",
            "No population layer is loaded: coverage is by area only (share of the area within the radius, not of people)",
        ));
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
        let m = matching.len();
        out.push(Caveat::new(
            format!("{rough}/{m} cơ sở phù hợp chỉ có vị trí ở mức trung tâm thị trấn hoặc gần đúng"),
            format!("{rough} of {m} matching institutions have positions known only to the town or approximately"),
        ));
    }
    let synthetic = matching
        .iter()
        .filter(|&&n| institutions[n].source.to_lowercase().contains("synthetic"))
        .count();
    if synthetic > 0 {
        out.push(Caveat::new(
            format!("{synthetic} cơ sở phù hợp là dữ liệu giả lập để kiểm thử"),
            format!("{synthetic} matching institutions are synthetic test data"),
        ));
    }
    out.push(Caveat::new(
        "Khoảng cách là khoảng cách đường chim bay (trắc địa, WGS84), không phải quãng đường đi lại",
        "Distances are straight-line geodesic distances (WGS84), not travel distances",
    ));
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
