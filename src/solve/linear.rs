//! Linear solvers behind one interface.
//!
//! Newton and the implicit integrators solve `K δ = r` many times with one
//! sparsity pattern. A [`LinearSolver`] keeps whatever depends on the pattern
//! alone (a symbolic factorization, a multigrid hierarchy's structure) across
//! calls, and redoes only the numeric part.
//!
//! | choice (`[solver] linear = …`) | solver | fits |
//! |---|---|---|
//! | `direct` | supernodal Cholesky (symmetric) or LU (faer) | any non-singular system |
//! | `multigrid` | CG + geometric multigrid V-cycle ([`MultigridCg`]) | symmetric, with grid blocks |
//! | `amg` | CG (symmetric) or BiCGStab + aggregation AMG ([`AlgebraicMultigrid`]) | any M-matrix |
//! | `bicgstab` | BiCGStab + aggregation AMG | any M-matrix, symmetric or not |
//! | `jacobi-cg` | CG + diagonal preconditioner | symmetric |
//! | `auto` | direct up to [`DIRECT_LIMIT_UNKNOWNS`]; then, when at least half the unknowns are grid cells, `multigrid` if symmetric and BiCGStab + geometric multigrid ([`MultigridBicgstab`]: panels with coolant tubes) if not, `amg` otherwise | — |

use serde::{Deserialize, Serialize};

use crate::error::SolveError;
use crate::network::{AssembledNetwork, CsrMatrix, GridBlock};
use crate::solve::amg::AlgebraicMultigrid;
pub use crate::solve::direct::DirectSolver;
use crate::solve::krylov::{pcg, Jacobi};
use crate::solve::multigrid::{FirstLevel, MultigridBicgstab, MultigridCg, MultigridOptions};

/// Which linear solver to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinearSolverChoice {
    /// Chosen from the system's size and symmetry.
    #[default]
    Auto,
    /// Sparse direct: supernodal Cholesky when symmetric, LU otherwise (faer).
    Direct,
    /// Conjugate gradients with a Jacobi preconditioner (symmetric systems only).
    JacobiCg,
    /// Conjugate gradients preconditioned by geometric multigrid on the
    /// network's grid blocks (symmetric systems with panels).
    Multigrid,
    /// Algebraic multigrid (aggregation) preconditioning CG, or BiCGStab when
    /// the system is not symmetric.
    Amg,
    /// BiCGStab preconditioned by algebraic multigrid (any system).
    Bicgstab,
}

/// Above this many unknowns `Auto` prefers an iterative solver.
pub const DIRECT_LIMIT_UNKNOWNS: usize = 50_000;

/// `Auto` picks geometric multigrid when at least this fraction of the unknowns are grid cells.
pub const MULTIGRID_GRID_FRACTION: f64 = 0.5;

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

/// Builds the solver `choice` for the network's system, or explains why it cannot.
///
/// A choice that does not fit (CG-based solvers on a non-symmetric system,
/// multigrid on a network without grid blocks) is
/// [`SolveError::UnsuitableLinearSolver`], never a wrong answer.
pub fn new_linear_solver(
    choice: LinearSolverChoice,
    system: &AssembledNetwork,
) -> Result<Box<dyn LinearSolver>, SolveError> {
    new_seeded_linear_solver(choice, system, None)
}

/// [`new_linear_solver`], with multigrid's first coarse level taken from
/// nested iteration when multigrid is chosen.
pub(crate) fn new_seeded_linear_solver(
    choice: LinearSolverChoice,
    system: &AssembledNetwork,
    first_level: Option<FirstLevel>,
) -> Result<Box<dyn LinearSolver>, SolveError> {
    let symmetric = system.is_symmetric();
    let n = system.unknowns();
    let blocks = system.grid_blocks();
    let grid_cells = grid_cells(&blocks);
    let not_symmetric = |solver: &'static str| SolveError::UnsuitableLinearSolver {
        solver,
        reason: "conjugate gradients need a symmetric matrix; this network has advection \
                 or radiation between solved nodes — use `bicgstab`, `amg`, `direct` or `auto`"
            .into(),
    };
    match choice {
        LinearSolverChoice::Auto => {
            if n <= DIRECT_LIMIT_UNKNOWNS {
                Ok(Box::new(DirectSolver::new(symmetric)))
            } else if symmetric && mostly_grid(system) {
                Ok(Box::new(
                    MultigridCg::new(blocks, MultigridOptions::default())
                        .with_constant_couplings(system.has_constant_couplings())
                        .with_first_level(first_level),
                ))
            } else if mostly_grid(system) {
                Ok(Box::new(MultigridBicgstab::new(blocks)))
            } else {
                Ok(Box::new(AlgebraicMultigrid::new(symmetric)))
            }
        }
        LinearSolverChoice::Direct => Ok(Box::new(DirectSolver::new(symmetric))),
        LinearSolverChoice::JacobiCg if !symmetric => Err(not_symmetric("jacobi-cg")),
        LinearSolverChoice::JacobiCg => Ok(Box::new(JacobiCg::default())),
        LinearSolverChoice::Multigrid if !symmetric => Err(not_symmetric("multigrid")),
        LinearSolverChoice::Multigrid if grid_cells == 0 => {
            Err(SolveError::UnsuitableLinearSolver {
                solver: "multigrid",
                reason: "geometric multigrid needs a structured grid (a panel) whose cells are \
                         all solved nodes, and this network has none — use `amg` or `auto`"
                    .into(),
            })
        }
        LinearSolverChoice::Multigrid => Ok(Box::new(
            MultigridCg::new(blocks, MultigridOptions::default())
                .with_constant_couplings(system.has_constant_couplings())
                .with_first_level(first_level),
        )),
        LinearSolverChoice::Amg => Ok(Box::new(AlgebraicMultigrid::new(symmetric))),
        LinearSolverChoice::Bicgstab => Ok(Box::new(AlgebraicMultigrid::new(false))),
    }
}

/// Unknowns that are cells of the grid blocks `blocks`.
pub(crate) fn grid_cells(blocks: &[GridBlock]) -> usize {
    blocks.iter().map(|b| b.shape.nx * b.shape.ny).sum()
}

/// True when at least [`MULTIGRID_GRID_FRACTION`] of the system's unknowns are grid
/// cells: where geometric multigrid (and the nested iteration built on its
/// coarsening) is the solver of choice.
pub(crate) fn mostly_grid(system: &AssembledNetwork) -> bool {
    grid_cells(&system.grid_blocks()) as f64 >= MULTIGRID_GRID_FRACTION * system.unknowns() as f64
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

fn norm2(v: &[f64]) -> f64 {
    crate::solve::krylov::norm2(v)
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
