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

/// Rows below this count are multiplied serially (threading costs more than it saves).
const PARALLEL_ROWS: usize = 16_384;

/// Square CSR matrix with `u32` column indices and `f64` values; clones share the pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct CsrMatrix {
    row_ptr: Arc<Vec<usize>>,
    col_idx: Arc<Vec<u32>>,
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
            values: vec![0.0; self.values.len()],
        }
    }

    /// This matrix's pattern with `values` (one per stored entry) in place of its own.
    pub(crate) fn with_values(mut self, values: Vec<f64>) -> Self {
        debug_assert_eq!(values.len(), self.col_idx.len());
        self.values = values;
        self
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
        let row = |i: usize| self.row_dot(i, x);
        if self.n() < PARALLEL_ROWS {
            y.iter_mut().enumerate().for_each(|(i, yi)| *yi = row(i));
        } else {
            y.par_iter_mut()
                .enumerate()
                .with_min_len(4096)
                .for_each(|(i, yi)| *yi = row(i));
        }
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
}
