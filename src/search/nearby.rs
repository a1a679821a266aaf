//! The institutions nearest a point, by geodesic distance on WGS84, with filters.
//!
//! The R-tree holds longitude/latitude degrees, whose Euclidean order is not the geodesic
//! order. So the walk takes points in Euclidean order and stops only when no point further
//! out can be geodesically closer than the k-th best found: a point within geodesic
//! distance D of the query differs from it by at most D / 110 500 m in latitude (a degree
//! of meridian is never shorter) and by at most D / (111 300 m · cos φmax) in longitude,
//! φmax being the highest latitude a path of length D can reach. Once the Euclidean
//! distance exceeds the diagonal of that box, every remaining point is further than D.
//!
//! Filters are applied during the walk. When an occupation is asked for and few
//! institutions teach it, scanning that list is cheaper than walking past everyone else,
//! so the search picks whichever visits fewer points.

use std::collections::BTreeSet;

use crate::index::{PointEntry, ServingIndex};
use crate::model::{Institution, InstitutionKind, Level, LonLat, OccupationCode, Ownership};

#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Any of these codes (resolved from a code or a name); `None`: any occupation.
    pub occupations: Option<BTreeSet<OccupationCode>>,
    pub level: Option<Level>,
    pub kind: Option<InstitutionKind>,
    pub ownership: Option<Ownership>,
}

impl Filter {
    fn filters_programmes(&self) -> bool {
        self.occupations.is_some() || self.level.is_some()
    }

    /// Indexes of the programmes that match, or `None` when the institution does not.
    /// Without a programme filter every programme matches.
    pub fn matched_programmes(&self, inst: &Institution) -> Option<Vec<usize>> {
        if self.kind.is_some_and(|k| k != inst.kind)
            || self.ownership.is_some_and(|o| o != inst.ownership)
        {
            return None;
        }
        let matched: Vec<usize> = inst
            .programmes
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                self.occupations
                    .as_ref()
                    .is_none_or(|c| c.contains(&p.occupation_code()))
                    && self.level.is_none_or(|l| l == p.level())
            })
            .map(|(n, _)| n)
            .collect();
        (!self.filters_programmes() || !matched.is_empty()).then_some(matched)
    }
}

#[derive(Debug, Clone)]
pub struct NearbyQuery {
    pub point: LonLat,
    pub limit: usize,
    pub radius_m: Option<f64>,
    pub filter: Filter,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NearbyHit {
    /// Position in [`ServingIndex::institutions`].
    pub pos: usize,
    pub distance_m: f64,
    /// Indexes into the institution's programmes.
    pub matched_programmes: Vec<usize>,
}

/// Up to `limit` matching institutions within the radius, nearest first (ties by id).
pub fn nearby(index: &ServingIndex, q: &NearbyQuery) -> Vec<NearbyHit> {
    if q.limit == 0 {
        return Vec::new();
    }
    let total = index.institutions().len();
    if let Some(codes) = &q.filter.occupations {
        let teaching: usize = codes.iter().map(|c| index.search().count_teaching(c)).sum();
        // A walk visits about limit·total/teaching points; a scan visits `teaching`,
        // each with a geodesic distance (costlier than a tree step).
        if teaching.saturating_mul(teaching) <= q.limit.saturating_mul(total) / 4 {
            return scan_teaching(index, q, codes);
        }
        // One occupation taught by a minority: walk the tree of those who teach it (at
        // 1% of two million, the full tree would step over about a hundred others for
        // every match).
        if let Some(code) = codes.first()
            && codes.len() == 1
            && teaching.saturating_mul(4) < total
        {
            let tree = index.points_teaching(code);
            let here = [q.point.lon(), q.point.lat()];
            // The tree holds keys: its entries are translated to positions.
            let keys = index.keys();
            let nearest = tree
                .nearest_neighbor_iter_with_distance_2(here)
                .filter_map(|(e, d2)| {
                    let pos = keys.position_of(e.data)?;
                    Some((PointEntry::new(*e.geom(), pos), d2))
                });
            return walk(index, nearest, q);
        }
    }
    let here = [q.point.lon(), q.point.lat()];
    walk(
        index,
        index.points().nearest_neighbor_iter_with_distance_2(here),
        q,
    )
}

/// Takes entries nearest first (by Euclidean distance in degrees, squared) until none
/// further out can be geodesically nearer than the k-th best.
fn walk(
    index: &ServingIndex,
    nearest: impl Iterator<Item = (PointEntry, f64)>,
    q: &NearbyQuery,
) -> Vec<NearbyHit> {
    let institutions = index.institutions();
    let mut best = Best::new(q.limit);
    let radius = q.radius_m.unwrap_or(f64::INFINITY);
    for (entry, d2) in nearest {
        let bound = best.kth().unwrap_or(f64::INFINITY).min(radius);
        if d2.sqrt() > degree_radius(q.point, bound) {
            break;
        }
        best.consider(
            &institutions[entry.data as usize],
            entry.data as usize,
            q,
            radius,
        );
    }
    best.into_hits()
}

fn scan_teaching(
    index: &ServingIndex,
    q: &NearbyQuery,
    codes: &BTreeSet<OccupationCode>,
) -> Vec<NearbyHit> {
    let institutions = index.institutions();
    let mut positions: Vec<u32> = codes
        .iter()
        .flat_map(|c| index.search().institutions_teaching(c))
        .collect();
    positions.sort_unstable();
    positions.dedup();
    let mut best = Best::new(q.limit);
    let radius = q.radius_m.unwrap_or(f64::INFINITY);
    for pos in positions {
        best.consider(&institutions[pos as usize], pos as usize, q, radius);
    }
    best.into_hits()
}

/// The Euclidean radius, in degrees around `p`, outside which every point is further than
/// `d_m` metres geodesically; infinite when no such bound holds (near a pole or the
/// antimeridian, or an infinite `d_m`).
pub fn degree_radius(p: LonLat, d_m: f64) -> f64 {
    if !d_m.is_finite() {
        return f64::INFINITY;
    }
    let dlat = d_m / 110_500.0;
    let lat_max = p.lat().abs() + dlat;
    if lat_max >= 89.0 {
        return f64::INFINITY;
    }
    let dlon = d_m / (111_300.0 * lat_max.to_radians().cos());
    if p.lon() - dlon < -180.0 || p.lon() + dlon > 180.0 {
        return f64::INFINITY;
    }
    (dlat * dlat + dlon * dlon).sqrt()
}

/// The best `k` hits so far, sorted by (distance, id).
struct Best {
    k: usize,
    hits: Vec<(f64, usize, Vec<usize>)>,
}

impl Best {
    fn new(k: usize) -> Self {
        Self {
            k,
            hits: Vec::with_capacity(k + 1),
        }
    }

    fn kth(&self) -> Option<f64> {
        (self.hits.len() == self.k).then(|| self.hits[self.k - 1].0)
    }

    fn consider(&mut self, inst: &Institution, pos: usize, q: &NearbyQuery, radius: f64) {
        let Some(matched) = q.filter.matched_programmes(inst) else {
            return;
        };
        let d = q.point.geodesic_distance_m(inst.location);
        if d > radius || self.kth().is_some_and(|k| d > k) {
            return;
        }
        // Positions follow id order, so (distance, position) breaks ties by id.
        let at = self.hits.partition_point(|h| (h.0, h.1) < (d, pos));
        self.hits.insert(at, (d, pos, matched));
        self.hits.truncate(self.k);
    }

    fn into_hits(self) -> Vec<NearbyHit> {
        self.hits
            .into_iter()
            .map(|(distance_m, pos, matched_programmes)| NearbyHit {
                pos,
                distance_m,
                matched_programmes,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_degree_radius_contains_every_point_within_the_distance() {
        // Points exactly d metres away in many directions, at several latitudes, must lie
        // within the radius.
        for lat in [0.0, 9.9, 45.0, 70.0, -60.0] {
            let p = LonLat::new(106.0, lat).unwrap();
            for d in [100.0, 5_000.0, 200_000.0] {
                let r = degree_radius(p, d);
                for bearing in (0..360).step_by(15) {
                    use geo::{Destination, Geodesic};
                    let q = Geodesic.destination(p.to_point(), bearing as f64, d);
                    let e = ((q.x() - p.lon()).powi(2) + (q.y() - p.lat()).powi(2)).sqrt();
                    assert!(e <= r, "lat {lat} d {d} bearing {bearing}: {e} > {r}");
                }
            }
        }
    }

    /// Every path (tree walk, scan of the teaching list, walk of an occupation's own tree)
    /// gives what a brute force over all institutions gives.
    #[test]
    fn every_strategy_matches_a_brute_force() {
        let index = ServingIndex::build(crate::synth::generate(3_000, 4));
        let total = index.institutions().len();
        let by_share = |lo: usize, hi: usize| {
            index
                .search()
                .level_counts()
                .keys()
                .find(|c| (lo..hi).contains(&index.search().count_teaching(c)))
                .cloned()
        };
        // Few enough to scan; a minority walked in its own tree; the whole tree.
        let (rare, minority) = (by_share(1, 20), by_share(120, total / 4));
        assert!(
            rare.is_some() && minority.is_some(),
            "{rare:?} {minority:?}"
        );
        let filters = [
            Filter {
                occupations: rare.map(|c| [c].into()),
                ..Filter::default()
            },
            Filter {
                occupations: minority.map(|c| [c].into()),
                ..Filter::default()
            },
            Filter {
                level: Some(Level::College),
                ..Filter::default()
            },
        ];
        for (k, filter) in filters.into_iter().enumerate() {
            for step in 0..5 {
                let anchor = index.institutions()[(k * 977 + step * 331) % total].location;
                let point = LonLat::new(anchor.lon() + 0.05, anchor.lat() - 0.03).unwrap();
                let q = NearbyQuery {
                    point,
                    limit: 10,
                    radius_m: None,
                    filter: filter.clone(),
                };
                let mut expected: Vec<(f64, usize)> = index
                    .institutions()
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| filter.matched_programmes(i).is_some())
                    .map(|(n, i)| (point.geodesic_distance_m(i.location), n))
                    .collect();
                expected.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                expected.truncate(10);
                let got: Vec<(f64, usize)> = nearby(&index, &q)
                    .iter()
                    .map(|h| (h.distance_m, h.pos))
                    .collect();
                assert_eq!(got, expected);
            }
        }
    }

    #[test]
    fn no_bound_near_the_poles_or_the_antimeridian() {
        assert!(degree_radius(LonLat::new(0.0, 88.5).unwrap(), 100_000.0).is_infinite());
        assert!(degree_radius(LonLat::new(179.99, 0.0).unwrap(), 10_000.0).is_infinite());
        assert!(degree_radius(LonLat::new(0.0, 0.0).unwrap(), f64::INFINITY).is_infinite());
    }
}
