//! A hexagonal grid over a region, in a local equirectangular projection centred on the
//! region: hexagons are regular in that projection (their width is exact at its central
//! latitude, a few per cent off at the far edge of a country), tile the plane without gaps,
//! and any point finds its cell by arithmetic. Pointy-top hexagons in axial coordinates
//! (q, r), as in Amit Patel's "Hexagonal Grids".

use std::collections::HashMap;

use geo::Rect;

use crate::heavy::{Cancel, Cancelled};
use crate::model::LonLat;

const EARTH_RADIUS_M: f64 = 6_371_008.8;
const SQRT3: f64 = 1.732_050_807_568_877_2;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GridError {
    #[error(
        "a {cell_m} m grid over this region needs about {estimate} cells, more than the \
         {max} allowed: choose larger cells"
    )]
    TooManyCells {
        cell_m: f64,
        estimate: u64,
        max: usize,
    },
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
}

#[derive(Debug, Clone)]
pub struct HexCell {
    pub q: i32,
    pub r: i32,
    pub centre: LonLat,
}

#[derive(Debug, Clone)]
pub struct HexGrid {
    origin: (f64, f64),
    cos0: f64,
    /// Circumradius in projected metres; the distance between neighbouring centres is
    /// `size * sqrt(3)`.
    size: f64,
    cells: Vec<HexCell>,
    by_axial: HashMap<(i32, i32), u32>,
    /// The axial ranges the kept cells span (empty ranges when there are none).
    q_range: (i32, i32),
    r_range: (i32, i32),
}

impl HexGrid {
    /// The cells of spacing `cell_m` (centre to neighbouring centre) whose centre lies in
    /// `bounds` and satisfies `keep`, in row order (south to north, west to east).
    /// Checks `cancel` once a row.
    pub fn covering(
        bounds: Rect<f64>,
        cell_m: f64,
        max_cells: usize,
        keep: impl Fn(LonLat) -> bool,
        cancel: &Cancel,
    ) -> Result<Self, GridError> {
        let c = bounds.center();
        let mut g = HexGrid {
            origin: (c.x, c.y),
            cos0: c.y.to_radians().cos(),
            size: cell_m / SQRT3,
            cells: Vec::new(),
            by_axial: HashMap::new(),
            q_range: (0, -1),
            r_range: (0, -1),
        };
        let (x0, y0) = g.project(bounds.min().x, bounds.min().y);
        let (x1, y1) = g.project(bounds.max().x, bounds.max().y);
        let row_h = 1.5 * g.size;
        let col_w = SQRT3 * g.size;
        let r_min = (y0 / row_h).floor() as i64 - 1;
        let r_max = (y1 / row_h).ceil() as i64 + 1;
        let cols = ((x1 - x0) / col_w).ceil() as i64 + 4;
        let estimate = ((r_max - r_min + 1) * cols).max(0) as u64;
        if estimate > (max_cells as u64).saturating_mul(4) {
            return Err(GridError::TooManyCells {
                cell_m,
                estimate,
                max: max_cells,
            });
        }
        for r in r_min..=r_max {
            cancel.check()?;
            let q_min = (x0 / col_w - r as f64 / 2.0).floor() as i64 - 1;
            for q in q_min..q_min + cols {
                let (x, y) = g.axial_to_xy(q as f64, r as f64);
                let (lon, lat) = g.unproject(x, y);
                if lon < bounds.min().x
                    || lon > bounds.max().x
                    || lat < bounds.min().y
                    || lat > bounds.max().y
                {
                    continue;
                }
                let Ok(centre) = LonLat::new(lon, lat) else {
                    continue;
                };
                if keep(centre) {
                    if g.cells.len() == max_cells {
                        return Err(GridError::TooManyCells {
                            cell_m,
                            estimate,
                            max: max_cells,
                        });
                    }
                    g.by_axial
                        .insert((q as i32, r as i32), g.cells.len() as u32);
                    g.cells.push(HexCell {
                        q: q as i32,
                        r: r as i32,
                        centre,
                    });
                }
            }
        }
        let span = |v: &mut dyn Iterator<Item = i32>| {
            v.fold(None, |acc: Option<(i32, i32)>, x| {
                Some(acc.map_or((x, x), |(a, b)| (a.min(x), b.max(x))))
            })
            .unwrap_or((0, -1))
        };
        g.q_range = span(&mut g.cells.iter().map(|c| c.q));
        g.r_range = span(&mut g.cells.iter().map(|c| c.r));
        Ok(g)
    }

    /// The positions of the cells whose centre may lie in the box (a superset: cells
    /// reaching into it from outside are included, so callers still test outlines).
    /// Looks cells up by their axial coordinates when the box is small beside the grid.
    pub fn cells_near(&self, west: f64, south: f64, east: f64, north: f64) -> Vec<usize> {
        let (x0, y0) = self.project(west, south);
        let (x1, y1) = self.project(east, north);
        let row_h = 1.5 * self.size;
        let col_w = SQRT3 * self.size;
        let clamp = |v: f64, (lo, hi): (i32, i32)| (v.max(lo as f64).min(hi as f64)) as i64;
        let r0 = clamp((y0 / row_h).floor() - 1.0, self.r_range);
        let r1 = clamp((y1 / row_h).ceil() + 1.0, self.r_range);
        let cols = ((x1 - x0) / col_w).ceil() + 4.0;
        let q_span = f64::from(self.q_range.1 - self.q_range.0 + 1);
        let candidates = (r1 - r0 + 1).max(0) as f64 * cols.min(q_span);
        if candidates >= self.cells.len() as f64 {
            return (0..self.cells.len()).collect();
        }
        let mut out = Vec::new();
        for r in r0..=r1 {
            let q0 = clamp((x0 / col_w - r as f64 / 2.0).floor() - 1.0, self.q_range);
            let q1 = clamp((x1 / col_w - r as f64 / 2.0).ceil() + 1.0, self.q_range);
            for q in q0..=q1 {
                if let Some(&n) = self.by_axial.get(&(q as i32, r as i32)) {
                    out.push(n as usize);
                }
            }
        }
        out
    }

    /// Roughly the bytes this grid holds, for weighing it in a cache.
    pub fn approx_bytes(&self) -> usize {
        // A cell, and its entry in the axial map (key, value, control byte, slack).
        self.cells.capacity() * std::mem::size_of::<HexCell>() + self.by_axial.capacity() * 20
    }

    pub fn cells(&self) -> &[HexCell] {
        &self.cells
    }

    /// Centre spacing in metres.
    pub fn cell_m(&self) -> f64 {
        self.size * SQRT3
    }

    /// The position in [`HexGrid::cells`] of the cell containing `p`, if it is kept.
    pub fn cell_of(&self, p: LonLat) -> Option<usize> {
        let (x, y) = self.project(p.lon(), p.lat());
        let qf = (SQRT3 / 3.0 * x - y / 3.0) / self.size;
        let rf = (2.0 / 3.0 * y) / self.size;
        let (q, r) = cube_round(qf, rf);
        self.by_axial.get(&(q, r)).map(|&n| n as usize)
    }

    /// The cell's outline as a closed ring of [lon, lat], counter-clockwise (RFC 7946).
    pub fn ring(&self, cell: &HexCell) -> Vec<[f64; 2]> {
        let (cx, cy) = self.axial_to_xy(cell.q as f64, cell.r as f64);
        let mut ring: Vec<[f64; 2]> = (0..6)
            .map(|i| {
                let a = (30.0 + 60.0 * i as f64).to_radians();
                let (lon, lat) = self.unproject(cx + self.size * a.cos(), cy + self.size * a.sin());
                [lon, lat]
            })
            .collect();
        ring.push(ring[0]);
        ring
    }

    fn axial_to_xy(&self, q: f64, r: f64) -> (f64, f64) {
        (self.size * SQRT3 * (q + r / 2.0), self.size * 1.5 * r)
    }

    fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.origin.0).to_radians() * EARTH_RADIUS_M * self.cos0,
            (lat - self.origin.1).to_radians() * EARTH_RADIUS_M,
        )
    }

    fn unproject(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.origin.0 + (x / (EARTH_RADIUS_M * self.cos0)).to_degrees(),
            self.origin.1 + (y / EARTH_RADIUS_M).to_degrees(),
        )
    }
}

/// Rounds fractional axial coordinates to the hexagon containing them.
fn cube_round(q: f64, r: f64) -> (i32, i32) {
    let s = -q - r;
    let (mut rq, mut rr, rs) = (q.round(), r.round(), s.round());
    let (dq, dr, ds) = ((rq - q).abs(), (rr - r).abs(), (rs - s).abs());
    if dq > dr && dq > ds {
        rq = -rr - rs;
    } else if dr > ds {
        rr = -rq - rs;
    }
    (rq as i32, rr as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, Coord, Polygon};

    fn province_box() -> Rect<f64> {
        Rect::new(Coord { x: 105.9, y: 9.5 }, Coord { x: 106.6, y: 10.1 })
    }

    #[test]
    fn every_point_falls_in_the_hexagon_whose_outline_contains_it() {
        let g =
            HexGrid::covering(province_box(), 3_000.0, 10_000, |_| true, &Cancel::never()).unwrap();
        assert!(g.cells().len() > 100);
        for (i, lon) in (0..40).map(|i| (i, 105.95 + 0.6 * i as f64 / 40.0)) {
            let lat = 9.55 + 0.5 * ((i * 7) % 40) as f64 / 40.0;
            let p = LonLat::new(lon, lat).unwrap();
            let n = g.cell_of(p).expect("inside the grid");
            let outline = Polygon::new(
                g.ring(&g.cells()[n])
                    .into_iter()
                    .map(|[x, y]| Coord { x, y })
                    .collect(),
                vec![],
            );
            assert!(outline.contains(&p.to_point()), "{p:?} not in its cell");
        }
    }

    #[test]
    fn neighbouring_centres_are_one_cell_width_apart() {
        let g =
            HexGrid::covering(province_box(), 2_000.0, 10_000, |_| true, &Cancel::never()).unwrap();
        let a = &g.cells()[g.cells().len() / 2];
        let b = g
            .cells()
            .iter()
            .find(|c| c.r == a.r && c.q == a.q + 1)
            .unwrap();
        let d = a.centre.geodesic_distance_m(b.centre);
        assert!((d - 2_000.0).abs() < 20.0, "{d}");
    }

    #[test]
    fn the_cells_near_a_box_include_every_cell_whose_centre_is_in_it() {
        let g = HexGrid::covering(province_box(), 1_000.0, 100_000, |_| true, &Cancel::never())
            .unwrap();
        for [w, s, e, n] in [
            [106.20, 9.80, 106.23, 9.83],
            [105.00, 9.00, 105.95, 9.60],
            [100.0, 0.0, 110.0, 20.0],
            [107.0, 11.0, 108.0, 12.0],
        ] {
            let near = g.cells_near(w, s, e, n);
            let inside: Vec<usize> = (0..g.cells().len())
                .filter(|&i| {
                    let c = g.cells()[i].centre;
                    (w..=e).contains(&c.lon()) && (s..=n).contains(&c.lat())
                })
                .collect();
            assert!(inside.iter().all(|i| near.contains(i)), "{w} {s} {e} {n}");
            assert!(near.len() <= inside.len() + 8 * (inside.len() as f64).sqrt() as usize + 64);
        }
    }

    #[test]
    fn refuses_a_grid_with_too_many_cells() {
        let err = HexGrid::covering(province_box(), 100.0, 1_000, |_| true, &Cancel::never())
            .unwrap_err();
        assert!(matches!(err, GridError::TooManyCells { .. }));
    }
}
