//! The 5-point stencil form of a symmetric matrix whose unknowns include
//! structured grids, in single precision, for multigrid's smoothers and
//! residuals: per grid cell its diagonal and its east and north couplings,
//! plus a short list of every other stored entry.
//!
//! A panel's conduction couples cell `(i, j)` only to `(i ± 1, j)` and
//! `(i, j ± 1)`, so on a grid block the product `(A x)_k` is
//!
//! ```text
//! (A x)_k = d_k x_k + e_k x_{k+1} + e_{k−1} x_{k−1} + n_k x_{k+nx} + n_{k−nx} x_{k−nx} + Σ_extra a_kc x_c
//! ```
//!
//! with `e_k = a_{k,k+1}` and `n_k = a_{k,k+nx}` (symmetry gives the west and
//! south couplings from the neighbours' east and north ones). Three `f32`
//! arrays read 12 bytes per row where CSR reads about 84 (five `f64` values,
//! five column indices, the row offset), and each term is a contiguous,
//! vectorisable loop over a grid row instead of an indexed gather. Lumped
//! nodes, couplings between blocks and anything else off the stencil stay in
//! a row-sorted entry list.
//!
//! In single precision ([`GridOperator`], the default) the coefficients are
//! rounded to `f32` (products accumulate in `f64`), so it is the operator of a
//! preconditioner, never of the system solved: the V-cycle smooths and
//! restricts residuals of this fixed
//! symmetric matrix `Ã` (|Ã − A| ≤ 2⁻²⁴ |A| entrywise), while CG's own
//! products and Newton's residuals stay exact. Mixed-precision multigrid
//! preconditioning of this kind converges like the full-precision cycle as
//! long as `κ(A)·2⁻²⁴ ≪ 1` on the smoothed scales (Göddeke, Strzodka & Turek,
//! "Performance and accuracy of hardware-oriented native-, emulated- and
//! mixed-precision solvers in FEM simulations", *IJPEDS* 22, 2007).
//!
//! In double precision (`GridOperator<f64>`, 24 bytes per row) it is the
//! exact matrix in another layout: CG's products of a matrix that serves many
//! solves (a transient's kept Jacobian) read three contiguous arrays instead
//! of CSR's interleaved five values per row, a loop the compiler vectorises.
//! Its products differ from CSR's only in the order of each row's additions.

use rayon::prelude::*;

use crate::error::SolveError;
use crate::linalg::krylov::{update_rows_by_pieces, Operator};
use crate::linalg::parallel::CHUNK;
use crate::linalg::{CsrMatrix, GridBlock};

/// A maximal range of rows handled alike: one row of a grid block, or
/// unknowns outside any block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    start: usize,
    len: usize,
    /// Grid row length (the north/south stride); 0 outside grid blocks.
    nx: usize,
    /// The grid row has a row below (south) / above (north) it in its block.
    south: bool,
    north: bool,
}

/// The type of a stencil form's stored coefficients: `f32` (rounded, for
/// preconditioners) or `f64` (exact).
pub trait Coefficient: Copy + PartialEq + Send + Sync + std::fmt::Debug + 'static {
    /// Zero.
    const ZERO: Self;
    /// The coefficient nearest to `v`.
    fn from_f64(v: f64) -> Self;
    /// The coefficient's value, exactly.
    fn to_f64(self) -> f64;
}

impl Coefficient for f32 {
    const ZERO: Self = 0.0;
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

impl Coefficient for f64 {
    const ZERO: Self = 0.0;
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
}

/// A symmetric matrix in stencil form, its coefficients of type `S`: the
/// diagonal, east and north couplings of grid cells, and the remaining
/// off-diagonal entries as a list.
#[derive(Debug, Clone)]
pub struct GridOperator<S: Coefficient = f32> {
    diag: Vec<S>,
    /// `a_{k,k+1}` for a grid cell with an east neighbour in its block, else 0.
    east: Vec<S>,
    /// `a_{k,k+nx}` for a grid cell with a north neighbour in its block, else 0.
    north: Vec<S>,
    /// Rows in order, covering `0..n`.
    runs: Vec<Run>,
    /// Off-stencil entries `(row, column)`, row-sorted, and their values.
    extra: Vec<(u32, u32)>,
    extra_values: Vec<S>,
    /// Positions of the off-stencil entries in the matrix's values.
    extra_pos: Vec<usize>,
    /// Stored entries of the pattern it was built from.
    pattern_nnz: usize,
}

/// Where an entry of a row goes in the stencil form.
enum Slot {
    Diagonal,
    East,
    West,
    North,
    South,
    Extra,
}

impl<S: Coefficient> GridOperator<S> {
    /// The stencil form of `a` over `blocks` (disjoint, each inside `0..n`).
    /// `None` when there are no grid cells, when blocks overlap or leave the
    /// matrix, or when a grid coupling is not symmetric (the caller keeps CSR).
    pub fn new(a: &CsrMatrix, blocks: &[GridBlock]) -> Option<Self> {
        let n = a.n();
        let mut blocks: Vec<GridBlock> = blocks
            .iter()
            .copied()
            .filter(|b| b.shape.nx * b.shape.ny > 0)
            .collect();
        blocks.sort_by_key(|b| b.first_unknown);
        let mut runs = Vec::new();
        let mut next = 0;
        for b in &blocks {
            let (nx, ny) = (b.shape.nx, b.shape.ny);
            let end = b.first_unknown.checked_add(nx.checked_mul(ny)?)?;
            if b.first_unknown < next || end > n {
                return None;
            }
            if b.first_unknown > next {
                runs.push(Run::outside(next, b.first_unknown));
            }
            for j in 0..ny {
                runs.push(Run {
                    start: b.first_unknown + j * nx,
                    len: nx,
                    nx,
                    south: j > 0,
                    north: j + 1 < ny,
                });
            }
            next = end;
        }
        if runs.is_empty() {
            return None;
        }
        if next < n {
            runs.push(Run::outside(next, n));
        }
        let (mut extra, mut extra_pos) = (Vec::new(), Vec::new());
        for run in &runs {
            for k in run.start..run.start + run.len {
                for p in a.row_ptr()[k]..a.row_ptr()[k + 1] {
                    let c = a.col_idx()[p] as usize;
                    if matches!(run.slot(k, c), Slot::Extra) {
                        extra.push((k as u32, c as u32));
                        extra_pos.push(p);
                    }
                }
            }
        }
        let mut op = Self {
            diag: vec![S::ZERO; n],
            east: vec![S::ZERO; n],
            north: vec![S::ZERO; n],
            runs,
            extra_values: vec![S::ZERO; extra.len()],
            extra,
            extra_pos,
            pattern_nnz: a.nnz(),
        };
        op.update(a).ok()?;
        Some(op)
    }

    /// Unknowns.
    pub fn n(&self) -> usize {
        self.diag.len()
    }

    /// Takes the values of `a`, whose pattern must be the one this operator
    /// was built from (rows in parallel over fixed chunks). Fails when `a`'s
    /// size differs from that pattern's, or when a west or south coupling
    /// differs from its neighbour's east or north one (the matrix is not
    /// symmetric there).
    pub fn update(&mut self, a: &CsrMatrix) -> Result<(), SolveError> {
        if a.n() != self.n() || a.nnz() != self.pattern_nnz {
            return Err(SolveError::LinearSolver {
                solver: "multigrid",
                reason: format!(
                    "a {}-row matrix with {} entries for a stencil form built from {} rows and {}",
                    a.n(),
                    a.nnz(),
                    self.n(),
                    self.pattern_nnz
                ),
            });
        }
        let (rp, ci, v) = (a.row_ptr(), a.col_idx(), a.values());
        let runs = &self.runs;
        let rows = |first: usize, d: &mut [S], e: &mut [S], nn: &mut [S]| {
            let lo = first;
            let hi = first + d.len();
            let first_run = runs.partition_point(|r| r.start + r.len <= lo);
            for run in runs[first_run..].iter().take_while(|r| r.start < hi) {
                for k in lo.max(run.start)..hi.min(run.start + run.len) {
                    let local = k - lo;
                    e[local] = S::ZERO;
                    nn[local] = S::ZERO;
                    for p in rp[k]..rp[k + 1] {
                        let c = ci[p] as usize;
                        let value = S::from_f64(v[p]);
                        match run.slot(k, c) {
                            Slot::Diagonal => d[local] = value,
                            Slot::East => e[local] = value,
                            Slot::North => nn[local] = value,
                            Slot::West | Slot::South => {
                                // The neighbour's east/north value, from this
                                // chunk's rows when it has been read already.
                                let mirror = if c >= lo {
                                    Some(if c + 1 == k { e[c - lo] } else { nn[c - lo] })
                                } else {
                                    a.position(c, k).map(|q| S::from_f64(v[q]))
                                };
                                if mirror != Some(value) {
                                    return Err(SolveError::LinearSolver {
                                        solver: "multigrid",
                                        reason: format!(
                                            "entry ({k}, {c}) = {:e} differs from ({c}, {k}): \
                                             the grid couplings are not symmetric",
                                            v[p]
                                        ),
                                    });
                                }
                            }
                            Slot::Extra => {}
                        }
                    }
                }
            }
            Ok(())
        };
        let outcomes: Vec<Result<(), SolveError>> = self
            .diag
            .par_chunks_mut(CHUNK)
            .zip(self.east.par_chunks_mut(CHUNK))
            .zip(self.north.par_chunks_mut(CHUNK))
            .enumerate()
            .map(|(c, ((d, e), nn))| rows(c * CHUNK, d, e, nn))
            .collect();
        outcomes.into_iter().collect::<Result<(), SolveError>>()?;
        for (value, &p) in self.extra_values.iter_mut().zip(&self.extra_pos) {
            *value = S::from_f64(v[p]);
        }
        Ok(())
    }

    /// The diagonal.
    pub fn diagonal(&self) -> &[S] {
        &self.diag
    }

    /// The diagonal, to move it alone (the couplings kept).
    pub fn diagonal_mut(&mut self) -> &mut [S] {
        &mut self.diag
    }

    /// `out_k = Σ_c |a_kc|` for every row.
    pub fn abs_row_sums(&self, out: &mut [f64]) {
        for ((o, &d), (&e, &n)) in out
            .iter_mut()
            .zip(&self.diag)
            .zip(self.east.iter().zip(&self.north))
        {
            // East and north are zero where a cell has no such neighbour.
            *o = d.to_f64().abs() + e.to_f64().abs() + n.to_f64().abs();
        }
        for run in self.runs.iter().filter(|r| r.nx > 0) {
            let end = run.start + run.len;
            for (o, &w) in out[run.start + 1..end]
                .iter_mut()
                .zip(&self.east[run.start..end - 1])
            {
                *o += w.to_f64().abs();
            }
            if run.south {
                let below = &self.north[run.start - run.nx..end - run.nx];
                for (o, &s) in out[run.start..end].iter_mut().zip(below) {
                    *o += s.to_f64().abs();
                }
            }
        }
        for (&(r, _), &v) in self.extra.iter().zip(&self.extra_values) {
            out[r as usize] += v.to_f64().abs();
        }
    }

    /// Writes `(A x)_k` for `k` in `lo..lo + out.len()` into `out`. Each
    /// row's terms are added in one fixed order (diagonal, east, west, north,
    /// south, off-stencil entries in column order), whatever the range.
    fn product_piece(&self, lo: usize, x: &[f64], out: &mut [f64]) {
        let hi = lo + out.len();
        let first_run = self.runs.partition_point(|r| r.start + r.len <= lo);
        for run in self.runs[first_run..].iter().take_while(|r| r.start < hi) {
            let (a, b) = (lo.max(run.start), hi.min(run.start + run.len));
            let end = run.start + run.len;
            if run.nx > 0 && run.north && run.south && run.len > 2 {
                // Interior cells (all four neighbours) in one fused pass; the
                // row's first and last cells with their three neighbours.
                let (ia, ib) = (a.max(run.start + 1), b.min(end - 1));
                if ia < ib {
                    self.interior(ia, ib, run.nx, x, &mut out[ia - lo..ib - lo]);
                }
                for (k, east) in [(run.start, true), (end - 1, false)] {
                    if (a..b).contains(&k) {
                        out[k - lo] = self.row_end(k, run.nx, east, x);
                    }
                }
            } else {
                self.term_by_term(run, a, b, x, &mut out[a - lo..b - lo]);
            }
        }
        let first_extra = self.extra.partition_point(|&(r, _)| (r as usize) < lo);
        for (&(r, c), &v) in self.extra[first_extra..]
            .iter()
            .zip(&self.extra_values[first_extra..])
            .take_while(|((r, _), _)| (*r as usize) < hi)
        {
            out[r as usize - lo] += v.to_f64() * x[c as usize];
        }
    }

    /// `out[k − a] = (A x)_k` without off-stencil entries for cells `a..b` of a
    /// grid row, none of them at the row's ends or in the block's first or last
    /// row: all five terms in one pass, added in [`Self::term_by_term`]'s order.
    fn interior(&self, a: usize, b: usize, nx: usize, x: &[f64], out: &mut [f64]) {
        let (d, xc) = (&self.diag[a..b], &x[a..b]);
        let (e, xe) = (&self.east[a..b], &x[a + 1..b + 1]);
        let (w, xw) = (&self.east[a - 1..b - 1], &x[a - 1..b - 1]);
        let (n, xn) = (&self.north[a..b], &x[a + nx..b + nx]);
        let (s, xs) = (&self.north[a - nx..b - nx], &x[a - nx..b - nx]);
        for (k, o) in out.iter_mut().enumerate() {
            *o = d[k].to_f64() * xc[k]
                + e[k].to_f64() * xe[k]
                + w[k].to_f64() * xw[k]
                + n[k].to_f64() * xn[k]
                + s[k].to_f64() * xs[k];
        }
    }

    /// `(A x)_k` without off-stencil entries for the first (`east`: its one
    /// horizontal neighbour is east) or last cell of a grid row that has rows
    /// above and below it: the terms in [`Self::term_by_term`]'s order.
    fn row_end(&self, k: usize, nx: usize, east: bool, x: &[f64]) -> f64 {
        let mut v = self.diag[k].to_f64() * x[k];
        v += if east {
            self.east[k].to_f64() * x[k + 1]
        } else {
            self.east[k - 1].to_f64() * x[k - 1]
        };
        v += self.north[k].to_f64() * x[k + nx];
        v + self.north[k - nx].to_f64() * x[k - nx]
    }

    /// `out[k − a] = (A x)_k` without off-stencil entries for rows `a..b` of
    /// `run`, one term at a time (diagonal, then east, west, north and south
    /// for a grid row).
    fn term_by_term(&self, run: &Run, a: usize, b: usize, x: &[f64], out: &mut [f64]) {
        for ((o, &d), &xv) in out.iter_mut().zip(&self.diag[a..b]).zip(&x[a..b]) {
            *o = d.to_f64() * xv;
        }
        if run.nx == 0 {
            return;
        }
        let end = run.start + run.len;
        // East: every cell but the row's last.
        let east_end = b.min(end - 1);
        if a < east_end {
            axpy_product(
                &mut out[..east_end - a],
                &self.east[a..east_end],
                &x[a + 1..east_end + 1],
            );
        }
        // West: every cell but the row's first.
        let west_start = a.max(run.start + 1);
        if west_start < b {
            axpy_product(
                &mut out[west_start - a..],
                &self.east[west_start - 1..b - 1],
                &x[west_start - 1..b - 1],
            );
        }
        let nx = run.nx;
        if run.north {
            axpy_product(out, &self.north[a..b], &x[a + nx..b + nx]);
        }
        if run.south {
            axpy_product(out, &self.north[a - nx..b - nx], &x[a - nx..b - nx]);
        }
    }
}

/// `o[k] += a[k] · x[k]` over equal-length slices.
#[inline]
fn axpy_product<S: Coefficient>(o: &mut [f64], a: &[S], x: &[f64]) {
    for ((o, &a), &x) in o.iter_mut().zip(a).zip(x) {
        *o += a.to_f64() * x;
    }
}

impl Run {
    fn outside(start: usize, end: usize) -> Self {
        Self {
            start,
            len: end - start,
            nx: 0,
            south: false,
            north: false,
        }
    }

    /// Where entry `(k, c)` of a row `k` in this run goes.
    fn slot(&self, k: usize, c: usize) -> Slot {
        if c == k {
            return Slot::Diagonal;
        }
        if self.nx == 0 {
            return Slot::Extra;
        }
        let i = k - self.start;
        if c == k + 1 && i + 1 < self.len {
            Slot::East
        } else if c + 1 == k && i > 0 {
            Slot::West
        } else if self.north && c == k + self.nx {
            Slot::North
        } else if self.south && c + self.nx == k {
            Slot::South
        } else {
            Slot::Extra
        }
    }
}

impl<S: Coefficient> Operator for GridOperator<S> {
    fn update_rows_sum<F>(&self, x: &[f64], y: &mut [f64], f: F) -> f64
    where
        F: Fn(usize, &mut [f64], &[f64]) -> f64 + Sync,
    {
        update_rows_by_pieces(y, |lo, out| self.product_piece(lo, x, out), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::GridShape;

    /// A 5 × 4 grid block at unknowns 2.. with two lumped nodes before it and
    /// one after, coupled to a few cells and to each other; symmetric,
    /// diagonally dominant, with varied values.
    fn grid_with_lumped_nodes() -> (CsrMatrix, Vec<GridBlock>) {
        let (nx, ny, first) = (5, 4, 2);
        let n = first + nx * ny + 1;
        let mut t = Vec::new();
        let couple = |t: &mut Vec<(usize, usize, f64)>, i: usize, j: usize, g: f64| {
            t.push((i, j, -g));
            t.push((j, i, -g));
            t.push((i, i, g));
            t.push((j, j, g));
        };
        for j in 0..ny {
            for i in 0..nx {
                let k = first + j * nx + i;
                if i + 1 < nx {
                    couple(&mut t, k, k + 1, 1.0 + 0.1 * k as f64);
                }
                if j + 1 < ny {
                    couple(&mut t, k, k + nx, 2.0 + 0.05 * k as f64);
                }
                t.push((k, k, 0.01 * (k as f64 + 1.0)));
            }
        }
        couple(&mut t, 0, first + 7, 0.5);
        couple(&mut t, 1, first + 12, 0.25);
        couple(&mut t, 0, 1, 3.0);
        couple(&mut t, n - 1, first + nx * ny - 1, 0.75);
        // An off-stencil coupling inside the block (a diagonal neighbour).
        couple(&mut t, first + 6, first + 12, 0.125);
        t.push((0, 0, 1.0));
        t.push((n - 1, n - 1, 1.0));
        let block = GridBlock {
            first_unknown: first,
            shape: GridShape { nx, ny },
        };
        (CsrMatrix::from_triplets(n, &t), vec![block])
    }

    /// `|A| |x|`, the scale of a product's rounding.
    fn abs_product(a: &CsrMatrix, x: &[f64]) -> Vec<f64> {
        let abs = a
            .clone()
            .with_values(a.values().iter().map(|v| v.abs()).collect());
        let ax: Vec<f64> = x.iter().map(|v| v.abs()).collect();
        let mut y = vec![0.0; a.n()];
        abs.mul_vec(&ax, &mut y);
        y
    }

    /// Products of the stencil form with coefficients `S` against CSR's:
    /// within `rel |A| |x|` per row, the fused paths with the term-by-term
    /// loops' bits, and any row range with the whole product's bits.
    fn check_products<S: Coefficient>(rel: f64) {
        let (a, blocks) = grid_with_lumped_nodes();
        let op = GridOperator::<S>::new(&a, &blocks).expect("grid operator");
        // Magnitudes spread over four decades, so that a change in the order
        // of the additions changes the rounding.
        let x: Vec<f64> = (0..a.n())
            .map(|i| (i as f64 * 0.7).sin() * 10f64.powi((i % 5) as i32) + 2.0)
            .collect();
        let mut csr = vec![0.0; a.n()];
        a.mul_vec(&x, &mut csr);
        let mut stencil = vec![0.0; a.n()];
        op.update_rows(&x, &mut stencil, |_, y, ax| y.copy_from_slice(ax));
        let bound = abs_product(&a, &x);
        for (k, (s, c)) in stencil.iter().zip(&csr).enumerate() {
            assert!((s - c).abs() <= rel * bound[k], "row {k}: {s} vs {c}");
        }
        // The fused interior and row-end paths add the terms in the order of
        // the term-by-term loops: the same bits on every row.
        let mut reference = vec![0.0; a.n()];
        for run in &op.runs {
            let (lo, hi) = (run.start, run.start + run.len);
            op.term_by_term(run, lo, hi, &x, &mut reference[lo..hi]);
        }
        for (&(r, c), &v) in op.extra.iter().zip(&op.extra_values) {
            reference[r as usize] += v.to_f64() * x[c as usize];
        }
        for (k, (s, r)) in stencil.iter().zip(&reference).enumerate() {
            assert_eq!(s.to_bits(), r.to_bits(), "row {k}: {s} vs {r}");
        }
        // Every piece boundary: products of any row range agree with the whole.
        for lo in 0..a.n() {
            for hi in lo + 1..=a.n() {
                let mut part = vec![0.0; hi - lo];
                op.product_piece(lo, &x, &mut part);
                assert_eq!(part, stencil[lo..hi]);
            }
        }
    }

    #[test]
    fn stencil_products_match_csr_products() {
        // Each coefficient is rounded once to f32: |Ã − A| ≤ 2⁻²⁴ |A|.
        check_products::<f32>(1e-7);
        // Exact coefficients: only the order of a row's (at most 7) additions
        // differs from CSR's, each rounding by at most 2⁻⁵³ of |A| |x|.
        check_products::<f64>(8.0 * f64::EPSILON);
    }

    #[test]
    fn updates_follow_new_values_and_reject_asymmetric_couplings() {
        let (a, blocks) = grid_with_lumped_nodes();
        let mut op = GridOperator::<f32>::new(&a, &blocks).expect("grid operator");
        let scaled: Vec<f64> = a.values().iter().map(|v| 3.0 * v).collect();
        let b = a.clone().with_values(scaled);
        op.update(&b).expect("symmetric update");
        let x: Vec<f64> = (0..a.n()).map(|i| i as f64).collect();
        let (mut want, mut got) = (vec![0.0; a.n()], vec![0.0; a.n()]);
        b.mul_vec(&x, &mut want);
        op.update_rows(&x, &mut got, |_, y, ax| y.copy_from_slice(ax));
        let bound = abs_product(&b, &x);
        for ((g, w), m) in got.iter().zip(&want).zip(&bound) {
            assert!((g - w).abs() <= 1e-7 * m, "{g} vs {w}");
        }
        let mut lopsided = b.values().to_vec();
        let p = b.position(3, 4).expect("east entry");
        lopsided[p] *= 1.5;
        assert!(op.update(&b.clone().with_values(lopsided)).is_err());
        // A matrix of another pattern is refused, not read out of bounds.
        let other = CsrMatrix::from_triplets(a.n(), &[(0, 0, 1.0)]);
        assert!(op.update(&other).is_err());
    }

    #[test]
    fn absolute_row_sums_are_those_of_the_matrix() {
        let (a, blocks) = grid_with_lumped_nodes();
        let op = GridOperator::<f32>::new(&a, &blocks).expect("grid operator");
        let mut sums = vec![0.0; a.n()];
        op.abs_row_sums(&mut sums);
        let want = abs_product(&a, &vec![1.0; a.n()]);
        for (k, (s, w)) in sums.iter().zip(&want).enumerate() {
            assert!((s - w).abs() <= 1e-7 * w, "row {k}: {s} vs {w}");
        }
    }

    #[test]
    fn no_grid_cells_means_no_stencil_form() {
        let (a, _) = grid_with_lumped_nodes();
        assert!(GridOperator::<f32>::new(&a, &[]).is_none());
        let outside = GridBlock {
            first_unknown: a.n() - 3,
            shape: crate::linalg::GridShape { nx: 2, ny: 2 },
        };
        assert!(GridOperator::<f32>::new(&a, &[outside]).is_none());
    }
}
