//! The linear-solver interface and its simplest member.
//!
//! Newton and the implicit integrators solve `K δ = r` many times with one
//! sparsity pattern. A [`LinearSolver`] keeps whatever depends on the pattern
//! alone (a symbolic factorization, a multigrid hierarchy's structure) across
//! calls, and redoes only the numeric part. The solvers themselves live beside
//! this file (`direct`, `multigrid`, `amg`); which one a network gets is the
//! solver layer's choice (`crate::solve::linear`).

use crate::error::SolveError;
use crate::linalg::krylov::{norm2, pcg, Jacobi};
use crate::linalg::CsrMatrix;

/// What a linear solve did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearStats {
    /// Iterations (1 for a direct solve).
    pub iterations: usize,
    /// `‖A x − b‖₂ / ‖b‖₂` at exit.
    pub relative_residual: f64,
}

/// A linear solver for `A x = b` with a fixed sparsity pattern.
pub trait LinearSolver: Send {
    /// Short name for reports (`cholesky`, `lu`, `jacobi-cg`, …).
    fn name(&self) -> &'static str;

    /// Solves `A x = b`; `x` holds the first guess on entry. Iterative solvers
    /// stop at relative residual `rtol`; direct solvers ignore it.
    fn solve(
        &mut self,
        a: &CsrMatrix,
        b: &[f64],
        x: &mut [f64],
        rtol: f64,
    ) -> Result<LinearStats, SolveError>;

    /// [`Self::solve`] for a caller that no longer needs `b`: the solver may
    /// overwrite it (multigrid-CG keeps its residual there, one vector fewer).
    fn solve_overwriting(
        &mut self,
        a: &CsrMatrix,
        b: &mut [f64],
        x: &mut [f64],
        rtol: f64,
    ) -> Result<LinearStats, SolveError> {
        self.solve(a, b, x, rtol)
    }
}

/// `‖b − A x‖₂ / ‖b‖₂` (0 when b = 0 and x solves it).
pub fn relative_residual(a: &CsrMatrix, b: &[f64], x: &[f64]) -> f64 {
    let mut ax = vec![0.0; b.len()];
    a.mul_vec(x, &mut ax);
    let r = ax
        .iter()
        .zip(b)
        .map(|(p, q)| (q - p) * (q - p))
        .sum::<f64>()
        .sqrt();
    let nb = norm2(b);
    if nb > 0.0 {
        r / nb
    } else {
        r
    }
}

/// Conjugate gradients preconditioned by the diagonal (symmetric positive definite systems).
#[derive(Debug, Clone)]
pub struct JacobiCg {
    /// Iteration limit.
    pub max_iterations: usize,
}

impl Default for JacobiCg {
    fn default() -> Self {
        Self {
            max_iterations: 20_000,
        }
    }
}

impl LinearSolver for JacobiCg {
    fn name(&self) -> &'static str {
        "jacobi-cg"
    }

    fn solve(
        &mut self,
        a: &CsrMatrix,
        b: &[f64],
        x: &mut [f64],
        rtol: f64,
    ) -> Result<LinearStats, SolveError> {
        let mut m = Jacobi::new(a);
        pcg(a, b, x, rtol, self.max_iterations, &mut m, "jacobi-cg")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::linalg::DirectSolver;

    /// 1-D Laplacian `−1, 2 + shift, −1` on `n` nodes (a chain with a radiation-like diagonal).
    pub(crate) fn laplacian_1d(n: usize, shift: f64) -> CsrMatrix {
        let mut t = Vec::new();
        for i in 0..n {
            t.push((i, i, 2.0 + shift));
            if i > 0 {
                t.push((i, i - 1, -1.0));
            }
            if i + 1 < n {
                t.push((i, i + 1, -1.0));
            }
        }
        CsrMatrix::from_triplets(n, &t)
    }

    #[test]
    fn solvers_agree_on_a_spd_system() {
        let a = laplacian_1d(200, 0.01);
        let b: Vec<f64> = (0..200).map(|i| (i as f64 * 0.1).sin()).collect();
        let mut x_direct = vec![0.0; 200];
        let mut direct = DirectSolver::new(true);
        let s = direct.solve(&a, &b, &mut x_direct, 0.0).unwrap();
        assert!(s.relative_residual < 1e-12);
        // Second call reuses the symbolic factorization.
        let s = direct.solve(&a, &b, &mut x_direct, 0.0).unwrap();
        assert!(s.relative_residual < 1e-12);
        let mut x_cg = vec![0.0; 200];
        let s = JacobiCg::default().solve(&a, &b, &mut x_cg, 1e-12).unwrap();
        assert!(s.relative_residual <= 1e-12);
        for (p, q) in x_direct.iter().zip(&x_cg) {
            assert!((p - q).abs() < 1e-8 * (1.0 + p.abs()));
        }
    }

    #[test]
    fn lu_solves_a_nonsymmetric_system() {
        let a = CsrMatrix::from_triplets(
            3,
            &[
                (0, 0, 4.0),
                (0, 1, -1.0),
                (1, 0, -3.0),
                (1, 1, 5.0),
                (1, 2, -1.0),
                (2, 1, -2.0),
                (2, 2, 3.0),
            ],
        );
        let x_true = [1.0, -2.0, 0.5];
        let mut b = vec![0.0; 3];
        a.mul_vec(&x_true, &mut b);
        let mut x = vec![0.0; 3];
        let mut lu = DirectSolver::new(false);
        lu.solve(&a, &b, &mut x, 0.0).unwrap();
        for (p, q) in x.iter().zip(&x_true) {
            assert!((p - q).abs() < 1e-12);
        }
    }

    #[test]
    fn singular_system_is_reported() {
        // A floating pair: rows sum to zero.
        let a =
            CsrMatrix::from_triplets(2, &[(0, 0, 1.0), (0, 1, -1.0), (1, 0, -1.0), (1, 1, 1.0)]);
        let mut x = vec![0.0; 2];
        assert!(DirectSolver::new(true)
            .solve(&a, &[1.0, -1.0], &mut x, 0.0)
            .is_err());
    }
}
