//! The nearest matching institution to a point, by geodesic distance, exactly.
//!
//! Positions are kept in an R-tree as unit vectors on the sphere: the Euclidean (chord)
//! distance between two such vectors grows with the great-circle distance, so the tree's
//! nearest-neighbour walk visits candidates in great-circle order. The WGS84 geodesic
//! distance differs from the spherical one by well under 1%, so the walk computes the
//! geodesic distance of each candidate and stops once the spherical distance of the next
//! one, shrunk by 1%, exceeds the best geodesic distance found: no closer institution can
//! remain, and the answer equals a brute-force minimum over all institutions.

use rstar::RTree;
use rstar::primitives::GeomWithData;

use crate::model::LonLat;

/// Mean Earth radius (IUGG), for the spherical lower bound only.
const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Spherical and WGS84 geodesic distances agree within ±0.7%; 1% is a safe margin.
const SPHERE_SLACK: f64 = 0.99;

type Entry = GeomWithData<[f64; 3], u32>;

/// An index over a set of positions (the institutions that match a filter).
pub struct NearestFinder {
    positions: Vec<LonLat>,
    tree: RTree<Entry>,
}

/// The nearest position found: its number in the input and its distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nearest {
    pub index: usize,
    pub distance_m: f64,
}

impl NearestFinder {
    pub fn new(positions: Vec<LonLat>) -> Self {
        let tree = RTree::bulk_load(
            positions
                .iter()
                .enumerate()
                .map(|(n, p)| GeomWithData::new(unit_vector(*p), n as u32))
                .collect(),
        );
        Self { positions, tree }
    }

    pub fn len(&self) -> usize {
        self.positions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// The nearest position to `p` by WGS84 geodesic distance; `None` when empty.
    pub fn nearest(&self, p: LonLat) -> Option<Nearest> {
        let q = unit_vector(p);
        let mut best: Option<Nearest> = None;
        for e in self.tree.nearest_neighbor_iter(q) {
            let chord = dist3(e.geom(), &q);
            if let Some(b) = best
                && sphere_distance_m(chord) * SPHERE_SLACK > b.distance_m
            {
                break;
            }
            let index = e.data as usize;
            let d = p.geodesic_distance_m(self.positions[index]);
            if best.is_none_or(|b| d < b.distance_m) {
                best = Some(Nearest {
                    index,
                    distance_m: d,
                });
            }
        }
        best
    }

    /// Whether some position lies within `radius_m` of `p` (geodesic), cheaper than
    /// [`NearestFinder::nearest`] when only the answer to "within reach?" matters.
    pub fn any_within(&self, p: LonLat, radius_m: f64) -> bool {
        self.nearest(p).is_some_and(|n| n.distance_m <= radius_m)
    }
}

fn unit_vector(p: LonLat) -> [f64; 3] {
    let (lon, lat) = (p.lon().to_radians(), p.lat().to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

fn dist3(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// Great-circle distance on the mean sphere for a chord between unit vectors.
fn sphere_distance_m(chord: f64) -> f64 {
    2.0 * (chord / 2.0).min(1.0).asin() * EARTH_RADIUS_M
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ll(lon: f64, lat: f64) -> LonLat {
        LonLat::new(lon, lat).unwrap()
    }

    /// A small deterministic generator, so the fixture is the same on every run.
    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn nearest_equals_the_brute_force_minimum_everywhere() {
        let mut seed = 7;
        // Points spread over Viet Nam's latitudes, where the projection matters most.
        let pts: Vec<LonLat> = (0..300)
            .map(|_| ll(102.0 + 7.0 * lcg(&mut seed), 8.5 + 15.0 * lcg(&mut seed)))
            .collect();
        let finder = NearestFinder::new(pts.clone());
        for _ in 0..500 {
            let q = ll(101.0 + 9.0 * lcg(&mut seed), 8.0 + 16.0 * lcg(&mut seed));
            let brute = pts
                .iter()
                .map(|p| q.geodesic_distance_m(*p))
                .fold(f64::INFINITY, f64::min);
            let got = finder.nearest(q).unwrap();
            assert_eq!(got.distance_m, brute, "at {q:?}");
            assert_eq!(q.geodesic_distance_m(pts[got.index]), brute);
        }
    }

    #[test]
    fn an_empty_finder_has_no_nearest() {
        let f = NearestFinder::new(Vec::new());
        assert!(f.nearest(ll(106.3, 9.9)).is_none());
        assert!(!f.any_within(ll(106.3, 9.9), 1e9));
    }
}
