//! Places on a Hilbert curve over a set of points (`fast_hilbert`): points close on the
//! curve are close on the map, so runs of points in curve order have small boxes. The
//! packed R-tree (`packed.rs`) and the search index's blocks (`search/blocks.rs`) sort by it.

/// A Hilbert curve of order 32 laid over the box of a set of points.
#[derive(Debug, Clone)]
pub struct HilbertCurve {
    /// min x, min y, max x, max y.
    extent: [f64; 4],
}

impl HilbertCurve {
    /// The curve over the box of `points` (an empty box when there are none).
    pub fn over(points: impl Iterator<Item = [f64; 2]>) -> Self {
        let extent = points.fold(
            [
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ],
            |b, [x, y]| [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)],
        );
        Self { extent }
    }

    /// The positions `0..n` of the points `point(position)` in curve order, ties by
    /// position, so equal inputs give the same order.
    pub fn order(&self, n: usize, point: impl Fn(usize) -> [f64; 2]) -> Vec<u32> {
        let mut placed: Vec<(u64, u32)> =
            (0..n).map(|i| (self.place(point(i)), i as u32)).collect();
        placed.sort_unstable();
        placed.into_iter().map(|(_, i)| i).collect()
    }

    /// The place of `[x, y]` on the curve; points outside the box are put on its edge.
    pub fn place(&self, [x, y]: [f64; 2]) -> u64 {
        let e = &self.extent;
        fast_hilbert::xy2h(scale(x, e[0], e[2]), scale(y, e[1], e[3]), 32)
    }

    /// A point of the cell at `place`: within [`HilbertCurve::cell`] (each way, give or
    /// take the rounding) of every point in the box that [`HilbertCurve::place`] puts
    /// there.
    pub fn point(&self, place: u64) -> [f64; 2] {
        let (x, y) = fast_hilbert::h2xy::<u32>(place, 32);
        let e = &self.extent;
        [unscale(x, e[0], e[2]), unscale(y, e[1], e[3])]
    }

    /// A cell's width and height.
    pub fn cell(&self) -> [f64; 2] {
        let e = &self.extent;
        let side = |lo: f64, hi: f64| (hi - lo).max(0.0) / f64::from(u32::MAX);
        [side(e[0], e[2]), side(e[1], e[3])]
    }
}

fn unscale(u: u32, lo: f64, hi: f64) -> f64 {
    if hi > lo {
        lo + f64::from(u) / f64::from(u32::MAX) * (hi - lo)
    } else {
        lo
    }
}

fn scale(v: f64, lo: f64, hi: f64) -> u32 {
    if hi > lo {
        // `as` saturates: NaN and values outside the box land on its edge.
        ((v - lo) / (hi - lo) * f64::from(u32::MAX)) as u32
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_in_curve_order_stay_close_together() {
        // A 64 × 64 grid: a walk in curve order moves about one cell a step, in row order
        // it jumps back at every row's end, and in no order at all by about 43 cells.
        let point = |i: usize| [(i % 64) as f64, (i / 64) as f64];
        let order = HilbertCurve::over((0..64 * 64).map(point)).order(64 * 64, point);
        let mut seen = vec![false; 64 * 64];
        let mut walked = 0.0;
        for w in order.windows(2) {
            let (a, b) = (point(w[0] as usize), point(w[1] as usize));
            walked += (a[0] - b[0]).abs() + (a[1] - b[1]).abs();
        }
        for i in order {
            seen[i as usize] = true;
        }
        assert!(seen.iter().all(|s| *s), "every point once");
        assert!(walked < 1.5 * 4096.0, "{walked} cells walked");
    }

    #[test]
    fn a_place_gives_back_its_point_within_a_cell() {
        let points = [
            [102.14, 8.56],
            [109.47, 23.39],
            [105.85, 21.03],
            [106.7, 10.77],
        ];
        let curve = HilbertCurve::over(points.into_iter());
        let [w, h] = curve.cell();
        assert!(w > 0.0 && w < 1e-8 && h > 0.0 && h < 1e-8, "{w} × {h}");
        for p in points.into_iter().chain([[104.123456789, 15.987654321]]) {
            let q = curve.point(curve.place(p));
            assert!(
                (p[0] - q[0]).abs() <= w && (p[1] - q[1]).abs() <= h,
                "{p:?} {q:?}"
            );
        }
    }
}
