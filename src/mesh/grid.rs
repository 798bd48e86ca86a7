//! The cell-centred grid of a rectangular panel and exact cell intersections.
//!
//! Cell `(i, j)` covers `[i Δx, (i+1) Δx] × [j Δy, (j+1) Δy]` with its node at the
//! centre `((i + ½) Δx, (j + ½) Δy)` — the "cell-centred" (finite-volume) layout
//! of Patankar, *Numerical Heat Transfer and Fluid Flow* (1980), §4.6 "practice B",
//! in which control-volume faces, not nodes, lie on the panel edges.
//!
//! [`PanelGrid::segment_lengths`] and [`PanelGrid::overlap_areas`] compute, exactly
//! (to round-off), how much of a line or a rectangle falls in each cell; they are
//! how attachments and region loads are spread over cells.

use serde::{Deserialize, Serialize};

use crate::error::NetworkError;

/// An axis-aligned rectangle `[x0, x1] × [y0, y1]` in panel coordinates (m).
///
/// Case files write it as `{ min_m = [x0, y0], max_m = [x1, y1] }`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// Lower-left corner `[x0, y0]` (m).
    pub min_m: [f64; 2],
    /// Upper-right corner `[x1, y1]` (m); `x1 > x0`, `y1 > y0`.
    pub max_m: [f64; 2],
}

impl Region {
    /// The rectangle with corners `min_m` (lower left) and `max_m` (upper right).
    pub fn new(min_m: [f64; 2], max_m: [f64; 2]) -> Self {
        Self { min_m, max_m }
    }

    /// Area `(x1 − x0)(y1 − y0)` in m².
    pub fn area_m2(&self) -> f64 {
        (self.max_m[0] - self.min_m[0]) * (self.max_m[1] - self.min_m[1])
    }

    /// Checks that the corners are finite and ordered (`x0 < x1`, `y0 < y1`).
    pub(crate) fn check(&self, element: &str) -> Result<(), NetworkError> {
        let corners = [self.min_m[0], self.min_m[1], self.max_m[0], self.max_m[1]];
        if let Some(&v) = corners.iter().find(|v| !v.is_finite()) {
            return Err(NetworkError::InvalidValue {
                element: element.to_string(),
                quantity: "region corner coordinate (m)",
                value: v,
                allowed: "finite",
            });
        }
        for axis in 0..2 {
            if self.max_m[axis] <= self.min_m[axis] {
                return Err(NetworkError::InvalidValue {
                    element: element.to_string(),
                    quantity: "region extent max_m − min_m (m)",
                    value: self.max_m[axis] - self.min_m[axis],
                    allowed: "> 0 along x and y",
                });
            }
        }
        Ok(())
    }
}

/// A piece of a segment between two grid-line crossings
/// ([`PanelGrid::segment_pieces`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentPiece {
    /// Length of the piece, m.
    pub length_m: f64,
    /// Its midpoint `[x, y]`, m.
    pub midpoint_m: [f64; 2],
    /// The cell(s) `(i, j)` it lies in: one, or the two beside a grid line it
    /// runs along (each holding an equal share).
    pub cells: Vec<(usize, usize)>,
}

/// How much of a line or area falls in cell `(i, j)`: metres for a line, m² for an area.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellShare {
    /// Cell index along x.
    pub i: usize,
    /// Cell index along y.
    pub j: usize,
    /// Length (m) or area (m²) inside the cell.
    pub amount: f64,
}

/// Geometry of a cell-centred `nx × ny` grid over `[0, length] × [0, width]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PanelGrid {
    length_m: f64,
    width_m: f64,
    nx: usize,
    ny: usize,
    dx_m: f64,
    dy_m: f64,
}

/// Relative tolerance under which a segment lying on a grid line counts as on it.
const ON_LINE_TOLERANCE: f64 = 1e-9;

impl PanelGrid {
    /// A grid of `nx × ny` cells over `length_m × width_m`; sizes finite and > 0,
    /// `nx, ny ≥ 1`. `element` names the owner in errors.
    pub fn new(
        element: &str,
        length_m: f64,
        width_m: f64,
        nx: usize,
        ny: usize,
    ) -> Result<Self, NetworkError> {
        let bad = |quantity, value, allowed| NetworkError::InvalidValue {
            element: element.to_string(),
            quantity,
            value,
            allowed,
        };
        if !(length_m.is_finite() && length_m > 0.0) {
            return Err(bad("length_m", length_m, "finite and > 0"));
        }
        if !(width_m.is_finite() && width_m > 0.0) {
            return Err(bad("width_m", width_m, "finite and > 0"));
        }
        if nx == 0 {
            return Err(bad("nx (cells along x)", 0.0, ">= 1"));
        }
        if ny == 0 {
            return Err(bad("ny (cells along y)", 0.0, ">= 1"));
        }
        if nx.checked_mul(ny).is_none_or(|n| n >= 1 << 31) {
            return Err(bad("cell count nx × ny", nx as f64 * ny as f64, "< 2³¹"));
        }
        Ok(Self {
            length_m,
            width_m,
            nx,
            ny,
            dx_m: length_m / nx as f64,
            dy_m: width_m / ny as f64,
        })
    }

    /// Length along x (m).
    pub fn length_m(&self) -> f64 {
        self.length_m
    }
    /// Width along y (m).
    pub fn width_m(&self) -> f64 {
        self.width_m
    }
    /// Cells along x.
    pub fn nx(&self) -> usize {
        self.nx
    }
    /// Cells along y.
    pub fn ny(&self) -> usize {
        self.ny
    }
    /// Cell size along x, `Δx = length / nx` (m).
    pub fn dx_m(&self) -> f64 {
        self.dx_m
    }
    /// Cell size along y, `Δy = width / ny` (m).
    pub fn dy_m(&self) -> f64 {
        self.dy_m
    }
    /// Number of cells `nx × ny`.
    pub fn cell_count(&self) -> usize {
        self.nx * self.ny
    }
    /// Planform area of one cell, `Δx Δy` (m²).
    pub fn cell_area_m2(&self) -> f64 {
        self.dx_m * self.dy_m
    }
    /// Row-major index `j nx + i` of cell `(i, j)` (its offset in the panel's nodes).
    pub fn index(&self, i: usize, j: usize) -> usize {
        j * self.nx + i
    }

    /// x of the cell face `i` (0 ≤ i ≤ nx): `i Δx`, exactly `length` for `i = nx`.
    pub fn x_face_m(&self, i: usize) -> f64 {
        if i >= self.nx {
            self.length_m
        } else {
            i as f64 * self.dx_m
        }
    }

    /// y of the cell face `j` (0 ≤ j ≤ ny): `j Δy`, exactly `width` for `j = ny`.
    pub fn y_face_m(&self, j: usize) -> f64 {
        if j >= self.ny {
            self.width_m
        } else {
            j as f64 * self.dy_m
        }
    }

    /// Centre of cell `(i, j)`: `((i + ½) Δx, (j + ½) Δy)` in m.
    pub fn cell_center(&self, i: usize, j: usize) -> (f64, f64) {
        ((i as f64 + 0.5) * self.dx_m, (j as f64 + 0.5) * self.dy_m)
    }

    /// The cell holding the point `(x, y)` (m), or `None` outside the panel
    /// (or for NaN). Points on a shared face belong to the cell above/right of
    /// it; points on the far edges to the last cell.
    pub fn cell_at(&self, x_m: f64, y_m: f64) -> Option<(usize, usize)> {
        if !(0.0..=self.length_m).contains(&x_m) || !(0.0..=self.width_m).contains(&y_m) {
            return None;
        }
        let i = ((x_m / self.dx_m) as usize).min(self.nx - 1);
        let j = ((y_m / self.dy_m) as usize).min(self.ny - 1);
        Some((i, j))
    }

    /// Overlap of `[a0, a1]` with cells `0..n` of size `h` (faces from `face`):
    /// the cell range and a function giving each cell's overlap length.
    fn overlap_1d(
        a0: f64,
        a1: f64,
        n: usize,
        h: f64,
        face: impl Fn(usize) -> f64,
    ) -> impl Iterator<Item = (usize, f64)> {
        let first = if a0 <= 0.0 {
            0
        } else {
            ((a0 / h) as usize).min(n)
        };
        let last = if a1 <= 0.0 {
            0
        } else {
            ((a1 / h).ceil() as usize).min(n)
        };
        (first.saturating_sub(1)..(last + 1).min(n)).filter_map(move |c| {
            let len = a1.min(face(c + 1)) - a0.max(face(c));
            (len > 0.0).then_some((c, len))
        })
    }

    /// Area (m²) of `region` inside each cell, for the cells it overlaps, row by
    /// row. The amounts sum to the area of `region ∩ panel`. Exact: the overlap of
    /// two axis-aligned rectangles is the product of their interval overlaps.
    pub fn overlap_areas(&self, region: &Region) -> impl Iterator<Item = CellShare> + '_ {
        let xs: Vec<(usize, f64)> =
            Self::overlap_1d(region.min_m[0], region.max_m[0], self.nx, self.dx_m, |i| {
                self.x_face_m(i)
            })
            .collect();
        Self::overlap_1d(
            region.min_m[1],
            region.max_m[1],
            self.ny,
            self.dy_m,
            move |j| self.y_face_m(j),
        )
        .flat_map(move |(j, ly)| {
            xs.clone().into_iter().map(move |(i, lx)| CellShare {
                i,
                j,
                amount: lx * ly,
            })
        })
    }

    /// Area (m²) of `region ∩ panel`.
    pub fn overlap_area_m2(&self, region: &Region) -> f64 {
        let ox = region.max_m[0].min(self.length_m) - region.min_m[0].max(0.0);
        let oy = region.max_m[1].min(self.width_m) - region.min_m[1].max(0.0);
        ox.max(0.0) * oy.max(0.0)
    }

    /// Length (m) of the segment `start_m → end_m` inside each cell it crosses,
    /// one entry per cell, in order along the segment.
    ///
    /// The pieces of [`Self::segment_pieces`], each given to the cell(s) beside it,
    /// so the lengths sum to the clipped length.
    pub fn segment_lengths(&self, start_m: [f64; 2], end_m: [f64; 2]) -> Vec<CellShare> {
        let mut out: Vec<CellShare> = Vec::new();
        for piece in self.segment_pieces(start_m, end_m) {
            let share = piece.length_m / piece.cells.len() as f64;
            for &(i, j) in &piece.cells {
                // Pieces come in order along the segment, so a repeat is recent.
                match out.iter_mut().rev().take(4).find(|c| c.i == i && c.j == j) {
                    Some(c) => c.amount += share,
                    None => out.push(CellShare {
                        i,
                        j,
                        amount: share,
                    }),
                }
            }
        }
        out
    }

    /// The segment `start_m → end_m` cut into pieces at every grid line it
    /// crosses, in order from start to end, each with its length and the
    /// cell(s) it lies in.
    ///
    /// The segment is clipped to the panel (Liang & Barsky, "A new concept and
    /// method for line clipping", ACM TOG 3(1), 1984) and cut at every grid line it
    /// crosses; each piece belongs to the cell holding its midpoint. A piece lying
    /// *on* an interior grid line (a heat pipe placed exactly between two rows of
    /// cells) lies in the two cells beside it, in equal shares; on the panel's
    /// outer edge it belongs to the edge cell.
    pub fn segment_pieces(&self, start_m: [f64; 2], end_m: [f64; 2]) -> Vec<SegmentPiece> {
        let [x0, y0] = start_m;
        let (ddx, ddy) = (end_m[0] - x0, end_m[1] - y0);
        let total = ddx.hypot(ddy);
        let mut out = Vec::new();
        if !(total > 0.0 && total.is_finite() && x0.is_finite() && y0.is_finite()) {
            return out;
        }
        // Liang–Barsky clip of p(s) = start + s (end − start), s ∈ [0, 1].
        let (mut s0, mut s1) = (0.0_f64, 1.0_f64);
        for (p, q) in [
            (-ddx, x0),
            (ddx, self.length_m - x0),
            (-ddy, y0),
            (ddy, self.width_m - y0),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    return out;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    s0 = s0.max(r);
                } else {
                    s1 = s1.min(r);
                }
            }
        }
        if s1 <= s0 {
            return out;
        }
        // Break points: the clip ends and every grid-line crossing between them.
        let mut cuts = vec![s0, s1];
        let mut crossings = |d: f64, origin: f64, n: usize, face: &dyn Fn(usize) -> f64| {
            if d != 0.0 {
                for c in 1..n {
                    let s = (face(c) - origin) / d;
                    if s > s0 && s < s1 {
                        cuts.push(s);
                    }
                }
            }
        };
        crossings(ddx, x0, self.nx, &|i| self.x_face_m(i));
        crossings(ddy, y0, self.ny, &|j| self.y_face_m(j));
        cuts.sort_by(f64::total_cmp);
        // Is the segment parallel to the x (or y) grid lines, within round-off?
        let along_y = ddx.abs() <= ON_LINE_TOLERANCE * total;
        let along_x = ddy.abs() <= ON_LINE_TOLERANCE * total;
        for w in cuts.windows(2) {
            let len = (w[1] - w[0]) * total;
            if len <= 0.0 {
                continue;
            }
            let sm = 0.5 * (w[0] + w[1]);
            let (xm, ym) = (x0 + sm * ddx, y0 + sm * ddy);
            let is = Self::cells_beside(xm / self.dx_m, self.nx, along_y);
            let js = Self::cells_beside(ym / self.dy_m, self.ny, along_x);
            out.push(SegmentPiece {
                length_m: len,
                midpoint_m: [xm, ym],
                cells: is
                    .iter()
                    .flat_map(|&i| js.iter().map(move |&j| (i, j)))
                    .collect(),
            });
        }
        out
    }

    /// Cell(s) holding a coordinate `u` given in cell units: one cell, or the two
    /// beside an interior grid line when the piece lies along that line.
    fn cells_beside(u: f64, n: usize, parallel: bool) -> Vec<usize> {
        let nearest = u.round();
        if parallel
            && (u - nearest).abs() <= ON_LINE_TOLERANCE * u.abs().max(1.0)
            && nearest >= 1.0
            && nearest <= (n - 1) as f64
        {
            let c = nearest as usize;
            return vec![c - 1, c];
        }
        vec![(u.max(0.0) as usize).min(n - 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> PanelGrid {
        PanelGrid::new("g", 2.0, 1.0, 4, 5).unwrap()
    }

    #[test]
    fn bad_sizes_are_rejected_with_the_quantity_named() {
        let e = PanelGrid::new("p", 0.0, 1.0, 1, 1).unwrap_err();
        assert!(e.to_string().contains("length_m"), "{e}");
        let e = PanelGrid::new("p", 1.0, f64::NAN, 1, 1).unwrap_err();
        assert!(e.to_string().contains("width_m"), "{e}");
        assert!(PanelGrid::new("p", 1.0, 1.0, 0, 1).is_err());
        assert!(PanelGrid::new("p", 1.0, 1.0, 1, 0).is_err());
        assert!(PanelGrid::new("p", 1.0, 1.0, usize::MAX, 2).is_err());
    }

    #[test]
    fn cell_centres_and_lookup_round_trip() {
        let g = grid();
        for j in 0..g.ny() {
            for i in 0..g.nx() {
                let (x, y) = g.cell_center(i, j);
                assert_eq!(g.cell_at(x, y), Some((i, j)));
            }
        }
        assert_eq!(g.cell_at(2.0, 1.0), Some((3, 4)));
        assert_eq!(g.cell_at(0.0, 0.0), Some((0, 0)));
        assert_eq!(g.cell_at(-1e-12, 0.5), None);
        assert_eq!(g.cell_at(f64::NAN, 0.5), None);
    }

    #[test]
    fn diagonal_segment_is_split_exactly() {
        let g = PanelGrid::new("g", 1.0, 1.0, 2, 2).unwrap();
        let s = g.segment_lengths([0.0, 0.0], [1.0, 1.0]);
        let h = 0.5 * 2f64.sqrt();
        // Passes through the shared corner: cells (0,0) and (1,1) only.
        assert_eq!(s.len(), 2);
        assert!((s[0].amount - h).abs() < 1e-15 && (s[0].i, s[0].j) == (0, 0));
        assert!((s[1].amount - h).abs() < 1e-15 && (s[1].i, s[1].j) == (1, 1));
    }

    #[test]
    fn segment_on_a_grid_line_is_shared_by_both_rows() {
        let g = PanelGrid::new("g", 1.0, 1.0, 4, 4).unwrap();
        let s = g.segment_lengths([-1.0, 0.5], [2.0, 0.5]);
        assert_eq!(s.len(), 8);
        for c in &s {
            assert!((c.amount - 0.125).abs() < 1e-15);
            assert!(c.j == 1 || c.j == 2);
        }
        // On the outer edge it stays in the edge row.
        let s = g.segment_lengths([0.0, 1.0], [1.0, 1.0]);
        assert!(s.iter().all(|c| c.j == 3));
        assert!((s.iter().map(|c| c.amount).sum::<f64>() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn segment_outside_or_degenerate_gives_nothing() {
        let g = grid();
        assert!(g.segment_lengths([3.0, 0.0], [4.0, 1.0]).is_empty());
        assert!(g.segment_lengths([0.5, 0.5], [0.5, 0.5]).is_empty());
        assert!(g.segment_lengths([0.5, f64::NAN], [0.5, 0.5]).is_empty());
        assert!(g.segment_lengths([-1.0, -1.0], [3.0, -1.0]).is_empty());
    }

    #[test]
    fn region_overlap_is_exact() {
        let g = grid();
        let r = Region::new([0.3, 0.1], [1.1, 0.75]);
        let cells: Vec<_> = g.overlap_areas(&r).collect();
        let sum: f64 = cells.iter().map(|c| c.amount).sum();
        assert!((sum - 0.8 * 0.65).abs() < 1e-15);
        // Columns 0..=2 (faces at 0, 0.5, 1.0, 1.5) and rows 0..=3 (faces every 0.2).
        assert_eq!(cells.len(), 3 * 4);
        let whole = Region::new([-1.0, -1.0], [5.0, 5.0]);
        assert_eq!(g.overlap_areas(&whole).count(), 20);
        assert!((g.overlap_area_m2(&whole) - 2.0).abs() < 1e-15);
        let outside = Region::new([2.0, 0.0], [3.0, 1.0]);
        assert_eq!(g.overlap_areas(&outside).count(), 0);
        assert_eq!(g.overlap_area_m2(&outside), 0.0);
    }
}
