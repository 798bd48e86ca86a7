//! Which linear solver a network gets (the solvers and their interface,
//! [`LinearSolver`], live in [`crate::linalg`]).
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
use crate::linalg::{
    AlgebraicMultigrid, Chain, FirstLevel, GridBlock, MultigridBicgstab, MultigridCg,
    MultigridOptions,
};
use crate::linalg::{DirectSolver, JacobiCg, LinearSolver};
use crate::solve::ThermalSystem;

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
pub(crate) const DIRECT_LIMIT_UNKNOWNS: usize = 50_000;

/// `Auto` picks geometric multigrid when at least this fraction of the unknowns are grid cells.
pub(crate) const MULTIGRID_GRID_FRACTION: f64 = 0.5;

/// Builds the solver `choice` for the network's system, or explains why it cannot.
///
/// A choice that does not fit (CG-based solvers on a non-symmetric system,
/// multigrid on a network without grid blocks) is
/// [`SolveError::UnsuitableLinearSolver`], never a wrong answer.
pub fn new_linear_solver(
    choice: LinearSolverChoice,
    system: &dyn ThermalSystem,
) -> Result<Box<dyn LinearSolver>, SolveError> {
    new_seeded_linear_solver(choice, system, None)
}

/// [`new_linear_solver`], with multigrid's first coarse level taken from
/// nested iteration when multigrid is chosen.
pub(crate) fn new_seeded_linear_solver(
    choice: LinearSolverChoice,
    system: &dyn ThermalSystem,
    first_level: Option<FirstLevel>,
) -> Result<Box<dyn LinearSolver>, SolveError> {
    let symmetric = system.is_symmetric();
    let n = system.unknowns();
    let blocks = grid_blocks(system);
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
                        .with_constant_couplings(constant_couplings(system))
                        .with_first_level(first_level),
                ))
            } else if mostly_grid(system) {
                Ok(Box::new(
                    MultigridBicgstab::new(blocks).with_chains(flow_chains(system)),
                ))
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
                .with_constant_couplings(constant_couplings(system))
                .with_first_level(first_level),
        )),
        LinearSolverChoice::Amg => Ok(Box::new(AlgebraicMultigrid::new(symmetric))),
        LinearSolverChoice::Bicgstab => Ok(Box::new(AlgebraicMultigrid::new(false))),
    }
}

/// The grid blocks of the network behind `system` (none if it is not a network).
pub(crate) fn grid_blocks(system: &dyn ThermalSystem) -> Vec<GridBlock> {
    system
        .network()
        .map(|net| net.grid_blocks())
        .unwrap_or_default()
}

/// True when the couplings of the network behind `system` do not depend on
/// the state (multigrid then updates only diagonals between matrices).
pub(crate) fn constant_couplings(system: &dyn ThermalSystem) -> bool {
    system
        .network()
        .is_some_and(|net| net.has_constant_couplings())
}

/// The coolant's flow chains of the network behind `system`, which
/// multigrid pairs along the flow.
pub(crate) fn flow_chains(system: &dyn ThermalSystem) -> Vec<Chain> {
    system
        .network()
        .map(|net| net.flow_chains())
        .unwrap_or_default()
}

/// Unknowns that are cells of the grid blocks `blocks`.
pub(crate) fn grid_cells(blocks: &[GridBlock]) -> usize {
    blocks.iter().map(|b| b.shape.nx * b.shape.ny).sum()
}

/// True when at least [`MULTIGRID_GRID_FRACTION`] of the system's unknowns are grid
/// cells: where geometric multigrid (and the nested iteration built on its
/// coarsening) is the solver of choice.
pub(crate) fn mostly_grid(system: &dyn ThermalSystem) -> bool {
    system.network().is_some_and(|net| {
        grid_cells(&net.grid_blocks()) as f64 >= MULTIGRID_GRID_FRACTION * net.unknowns() as f64
    })
}
