//! A compressed-sparse-row matrix with a fixed pattern.
//!
//! The network's Jacobian keeps one sparsity pattern for the life of a model;
//! only values change between Newton iterations and time steps. The pattern is
//! built once (row by row, columns sorted, diagonal always present) and solvers
//! may cache anything that depends on it alone (symbolic factorizations,
//! multigrid transfer operators).
//!
//! The pattern (row offsets and column indices) is reference-counted: the
//! matrices of one network ([`CsrMatrix::zeros_like`], `clone`) share it and
//! own only their values (at 1 M unknowns of a 5-point grid the pattern is
//! 28 MB, the values 40 MB).

use std::sync::Arc;

use rayon::prelude::*;

use crate::linalg::parallel::{PARALLEL_LEN, ROW_CHUNK};

/// Five-point runs shorter than this are multiplied by the general row loop.
const MIN_FIVE_POINT_RUN: usize = 8;

/// Rows `start..end` that each store exactly the five columns
/// `i − stride, i − 1, i, i + 1, i + stride` (a grid's interior rows), so
/// their values are five per row from `row_ptr[start]` and their products
/// need no column indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FivePointRun {
    start: usize,
    end: usize,
    stride: usize,
}

/// The pattern's five-point runs (of at least [`MIN_FIVE_POINT_RUN`] rows), in row order.
fn five_point_runs(row_ptr: &[usize], col_idx: &[u32]) -> Vec<FivePointRun> {
    let n = row_ptr.len().saturating_sub(1);
    let stride_of = |i: usize| -> Option<usize> {
        let cols = &col_idx[row_ptr[i]..row_ptr[i + 1]];
        let c: [u32; 5] = cols.try_into().ok()?;
        let s = i.checked_sub(c[0] as usize)?;
        let plain = s > 1
            && c[1] as usize + 1 == i
            && c[2] as usize == i
            && c[3] as usize == i + 1
            && c[4] as usize == i + s;
        plain.then_some(s)
    };
    let mut runs: Vec<FivePointRun> = Vec::new();
    let mut open: Option<FivePointRun> = None;
    for i in 0..n {
        let s = stride_of(i);
        match (&mut open, s) {
            (Some(run), Some(s)) if run.stride == s => run.end = i + 1,
            _ => {
                runs.extend(
                    open.take()
                        .filter(|r| r.end - r.start >= MIN_FIVE_POINT_RUN),
                );
                open = s.map(|stride| FivePointRun {
                    start: i,
                    end: i + 1,
                    stride,
                });
            }
        }
    }
    runs.extend(open.filter(|r| r.end - r.start >= MIN_FIVE_POINT_RUN));
    runs
}

/// Square CSR matrix with `u32` column indices and `f64` values; clones share the pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct CsrMatrix {
    row_ptr: Arc<Vec<usize>>,
    col_idx: Arc<Vec<u32>>,
    /// Rows of the pattern multiplied at fixed offsets (shared like the pattern).
    five_point: Arc<Vec<FivePointRun>>,
    values: Vec<f64>,
}

impl CsrMatrix {
    /// Builds a matrix from a pattern; values start at zero.
    ///
    /// `row_ptr` has `n + 1` entries, each row's columns are sorted and unique.
    /// The caller (the network assembler) guarantees this; it is checked in debug builds.
    pub fn from_pattern(row_ptr: Vec<usize>, col_idx: Vec<u32>) -> Self {
        Self::from_sorted_parts(row_ptr, col_idx, None)
    }

    /// A matrix from CSR arrays the caller guarantees consistent (as for
    /// [`Self::from_pattern`]); `values` of length nnz, or zeros when `None`.
    pub(crate) fn from_sorted_parts(
        row_ptr: Vec<usize>,
        col_idx: Vec<u32>,
        values: Option<Vec<f64>>,
    ) -> Self {
        debug_assert!(row_ptr.windows(2).all(|w| w[0] <= w[1]));
        debug_assert_eq!(row_ptr.last().copied().unwrap_or(0), col_idx.len());
        let values = values.unwrap_or_else(|| vec![0.0; col_idx.len()]);
        debug_assert_eq!(values.len(), col_idx.len());
        Self {
            five_point: Arc::new(five_point_runs(&row_ptr, &col_idx)),
            row_ptr: Arc::new(row_ptr),
            col_idx: Arc::new(col_idx),
            values,
        }
    }

    /// A matrix with this one's pattern (shared, not copied) and zero values.
    pub fn zeros_like(&self) -> Self {
        Self {
            row_ptr: Arc::clone(&self.row_ptr),
            col_idx: Arc::clone(&self.col_idx),
            five_point: Arc::clone(&self.five_point),
            values: vec![0.0; self.values.len()],
        }
    }

    /// This matrix's pattern with `values` (one per stored entry) in place of its own.
    pub(crate) fn with_values(mut self, values: Vec<f64>) -> Self {
        debug_assert_eq!(values.len(), self.col_idx.len());
        self.values = values;
        self
    }

    /// This matrix's pattern (shared) with no values: a token that
    /// [`Self::shares_pattern`] recognises, for data computed from the pattern.
    pub(crate) fn pattern_only(&self) -> Self {
        Self {
            row_ptr: Arc::clone(&self.row_ptr),
            col_idx: Arc::clone(&self.col_idx),
            five_point: Arc::clone(&self.five_point),
            values: Vec::new(),
        }
    }

    /// This matrix's values, taken out: it keeps its pattern with no values
    /// until [`Self::with_values`] gives it new ones.
    pub(crate) fn take_values(&mut self) -> Vec<f64> {
        std::mem::take(&mut self.values)
    }

    /// True when `other` shares this matrix's pattern (made by `clone` or
    /// [`Self::zeros_like`] of one another), so anything cached for one fits the other.
    pub fn shares_pattern(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.row_ptr, &other.row_ptr) && Arc::ptr_eq(&self.col_idx, &other.col_idx)
    }

    /// Builds a matrix from sorted-per-row triplets `(row, col, value)` of an `n × n`
    /// matrix; duplicates are summed. Used by tests and small coarse operators.
    pub fn from_triplets(n: usize, triplets: &[(usize, usize, f64)]) -> Self {
        let mut rows: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
        for &(r, c, v) in triplets {
            rows[r].push((c as u32, v));
        }
        let mut row_ptr = Vec::with_capacity(n + 1);
        let mut col_idx = Vec::new();
        let mut values = Vec::new();
        row_ptr.push(0);
        for row in &mut rows {
            row.sort_by_key(|e| e.0);
            for &(c, v) in row.iter() {
                if col_idx.len() > *row_ptr.last().unwrap_or(&0) && col_idx.last() == Some(&c) {
                    if let Some(last) = values.last_mut() {
                        *last += v;
                    }
                } else {
                    col_idx.push(c);
                    values.push(v);
                }
            }
            row_ptr.push(col_idx.len());
        }
        Self::from_sorted_parts(row_ptr, col_idx, Some(values))
    }

    /// Number of rows (= columns).
    pub fn n(&self) -> usize {
        self.row_ptr.len() - 1
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.col_idx.len()
    }

    /// Row start offsets (`n + 1` entries).
    pub fn row_ptr(&self) -> &[usize] {
        &self.row_ptr
    }

    /// Column index of each stored entry.
    pub fn col_idx(&self) -> &[u32] {
        &self.col_idx
    }

    /// Value of each stored entry.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Mutable values (the pattern stays fixed).
    pub fn values_mut(&mut self) -> &mut [f64] {
        &mut self.values
    }

    /// Position of entry `(row, col)` in `values`, if it is in the pattern.
    pub fn position(&self, row: usize, col: usize) -> Option<usize> {
        let start = self.row_ptr[row];
        let cols = &self.col_idx[start..self.row_ptr[row + 1]];
        cols.binary_search(&(col as u32)).ok().map(|k| start + k)
    }

    /// Entry `(row, col)`, zero when outside the pattern.
    pub fn get(&self, row: usize, col: usize) -> f64 {
        self.position(row, col).map_or(0.0, |p| self.values[p])
    }

    /// The diagonal.
    pub fn diagonal(&self) -> Vec<f64> {
        (0..self.n()).map(|i| self.get(i, i)).collect()
    }

    /// Builds a matrix from its CSR arrays, checking that they are consistent
    /// (row pointers non-decreasing, columns sorted, unique and in range).
    pub fn from_parts(row_ptr: Vec<usize>, col_idx: Vec<u32>, values: Vec<f64>) -> Option<Self> {
        let n = row_ptr.len().checked_sub(1)?;
        let ok = row_ptr[0] == 0
            && row_ptr[n] == col_idx.len()
            && values.len() == col_idx.len()
            && row_ptr.windows(2).all(|w| w[0] <= w[1])
            && (0..n).all(|i| {
                let cols = &col_idx[row_ptr[i]..row_ptr[i + 1]];
                cols.windows(2).all(|w| w[0] < w[1]) && cols.iter().all(|&c| (c as usize) < n)
            });
        ok.then(|| Self::from_sorted_parts(row_ptr, col_idx, Some(values)))
    }

    /// `Σ_j A_ij x_j` for one row `i` (entries summed in column order).
    #[inline]
    pub fn row_dot(&self, i: usize, x: &[f64]) -> f64 {
        let (s, e) = (self.row_ptr[i], self.row_ptr[i + 1]);
        self.col_idx[s..e]
            .iter()
            .zip(&self.values[s..e])
            .map(|(&c, &v)| v * x[c as usize])
            .sum::<f64>()
    }

    /// `y = A x`. Rows are computed independently in a fixed order, so the
    /// result has the same bits on any number of threads.
    pub fn mul_vec(&self, x: &[f64], y: &mut [f64]) {
        if self.n() < PARALLEL_LEN {
            self.product_rows(0, x, y);
        } else {
            y.par_chunks_mut(ROW_CHUNK)
                .enumerate()
                .for_each(|(c, part)| self.product_rows(c * ROW_CHUNK, x, part));
        }
    }

    /// `out[k] = (A x)_{lo + k}` — the same bits as [`Self::row_dot`] on every
    /// row: rows of a five-point run read their five neighbours at fixed
    /// offsets (no column indices) and add the same products in the same
    /// order; other rows go through `row_dot`.
    pub(crate) fn product_rows(&self, lo: usize, x: &[f64], out: &mut [f64]) {
        let hi = lo + out.len();
        let mut next = lo;
        let first = self.five_point.partition_point(|r| r.end <= lo);
        for run in self.five_point[first..].iter().take_while(|r| r.start < hi) {
            let (a, b, s) = (run.start.max(lo), run.end.min(hi), run.stride);
            for i in next..a {
                out[i - lo] = self.row_dot(i, x);
            }
            let v = &self.values[self.row_ptr[a]..self.row_ptr[a] + 5 * (b - a)];
            let (xs, xw, xc) = (&x[a - s..b - s], &x[a - 1..b - 1], &x[a..b]);
            let (xe, xn) = (&x[a + 1..b + 1], &x[a + s..b + s]);
            let neighbours = xs.iter().zip(xw).zip(xc).zip(xe).zip(xn);
            for ((o, v), ((((&xs, &xw), &xc), &xe), &xn)) in out[a - lo..b - lo]
                .iter_mut()
                .zip(v.chunks_exact(5))
                .zip(neighbours)
            {
                *o = [v[0] * xs, v[1] * xw, v[2] * xc, v[3] * xe, v[4] * xn]
                    .into_iter()
                    .sum::<f64>();
            }
            next = b;
        }
        for i in next..hi {
            out[i - lo] = self.row_dot(i, x);
        }
    }

    /// The matrix as an [`sprs::CsMat`] (compressed sparse rows, the same
    /// pattern and values), for users who check or reuse it with other tools;
    /// [`sprs::io::write_matrix_market`] writes it for any Matrix Market reader.
    /// `None` when the pattern breaks the CSR rules ([`Self::from_parts`]'s),
    /// which only a pattern built unchecked by [`Self::from_pattern`] can.
    pub fn to_sprs(&self) -> Option<sprs::CsMat<f64>> {
        let n = self.n();
        let indices: Vec<usize> = self.col_idx().iter().map(|&c| c as usize).collect();
        sprs::CsMat::try_new(
            (n, n),
            self.row_ptr().to_vec(),
            indices,
            self.values().to_vec(),
        )
        .ok()
    }

    /// True when the pattern and values are symmetric to `rel_tol` of the largest entry.
    pub fn is_symmetric(&self, rel_tol: f64) -> bool {
        let scale = self.values.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        (0..self.n()).all(|i| {
            (self.row_ptr[i]..self.row_ptr[i + 1]).all(|p| {
                let j = self.col_idx[p] as usize;
                match self.position(j, i) {
                    Some(q) => (self.values[p] - self.values[q]).abs() <= rel_tol * scale,
                    None => self.values[p] == 0.0,
                }
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triplets_sum_duplicates_and_multiply() {
        let a = CsrMatrix::from_triplets(
            3,
            &[
                (0, 0, 2.0),
                (0, 1, -1.0),
                (1, 0, -1.0),
                (1, 1, 2.0),
                (1, 1, 0.5),
                (2, 2, 1.0),
            ],
        );
        assert_eq!(a.nnz(), 5);
        assert_eq!(a.get(1, 1), 2.5);
        let mut y = vec![0.0; 3];
        a.mul_vec(&[1.0, 2.0, 3.0], &mut y);
        assert_eq!(y, vec![0.0, 4.0, 3.0]);
        assert!(a.is_symmetric(0.0));
        assert_eq!(a.diagonal(), vec![2.0, 2.5, 1.0]);
    }

    /// Products of a grid with lumped rows before and after it, coupled to
    /// some cells: the five-point runs are found, and every row of every
    /// product (whole, in pieces at every start, parallel) has the bits of
    /// `row_dot`.
    #[test]
    fn five_point_rows_multiply_with_the_bits_of_row_dot() {
        let (nx, ny, first) = (23, 17, 2);
        let n = first + nx * ny + 1;
        let id = |i: usize, j: usize| first + j * nx + i;
        let mut t = Vec::new();
        let g = |a: usize, b: usize| 0.3 + ((a * 7 + b * 13) % 11) as f64 * 0.17;
        for j in 0..ny {
            for i in 0..nx {
                let c = id(i, j);
                t.push((c, c, 4.5 + (c % 3) as f64));
                for (di, dj) in [(-1i64, 0i64), (1, 0), (0, -1), (0, 1)] {
                    let (p, q) = (i as i64 + di, j as i64 + dj);
                    if p >= 0 && q >= 0 && (p as usize) < nx && (q as usize) < ny {
                        let o = id(p as usize, q as usize);
                        t.push((c, o, -g(c.min(o), c.max(o))));
                    }
                }
            }
        }
        for (lump, cell) in [(0, id(3, 4)), (1, id(10, 10)), (n - 1, id(20, 2))] {
            t.extend([(lump, lump, 2.0), (lump, cell, -0.7), (cell, lump, -0.7)]);
        }
        let a = CsrMatrix::from_triplets(n, &t);
        let covered: usize = a.five_point.iter().map(|r| r.end - r.start).sum();
        assert!(a.five_point.iter().all(|r| r.stride == nx));
        assert!(covered > (nx - 2) * (ny - 2) - 10, "{covered} rows in runs");
        let x: Vec<f64> = (0..n)
            .map(|i| (i as f64 * 0.91).sin() * 3.0 + 0.1)
            .collect();
        let want: Vec<f64> = (0..n).map(|i| a.row_dot(i, &x)).collect();
        let mut y = vec![0.0; n];
        a.mul_vec(&x, &mut y);
        assert!(y.iter().zip(&want).all(|(p, q)| p.to_bits() == q.to_bits()));
        for lo in 0..n {
            for hi in [lo + 1, (lo + 37).min(n), n] {
                let mut part = vec![0.0; hi - lo];
                a.product_rows(lo, &x, &mut part);
                assert!(part
                    .iter()
                    .zip(&want[lo..hi])
                    .all(|(p, q)| p.to_bits() == q.to_bits()));
            }
        }
        let big = CsrMatrix::from_triplets(
            40_000,
            &(0..40_000)
                .map(|i| (i, i, 1.0 + i as f64))
                .collect::<Vec<_>>(),
        );
        let xb: Vec<f64> = (0..40_000).map(|i| i as f64).collect();
        let mut yb = vec![0.0; 40_000];
        big.mul_vec(&xb, &mut yb);
        assert!(yb
            .iter()
            .enumerate()
            .all(|(i, &v)| v == (1.0 + i as f64) * i as f64));
    }
}
