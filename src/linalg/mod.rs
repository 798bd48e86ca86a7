//! Linear algebra, the crate's bottom layer: sparse matrices, Krylov methods,
//! stencil operators, sparse direct factorizations, geometric and algebraic
//! multigrid, and the fixed-chunk parallel policy that gives every kernel the
//! same bits on any number of threads.
//!
//! It knows nothing of heat: a matrix is a [`CsrMatrix`], a structured grid
//! among its unknowns a [`GridBlock`]. The solver layer (`crate::solve`)
//! chooses among these solvers for a thermal network and owns what needs the
//! network itself (nested iteration's coarse network).
//!
//! | file | holds |
//! |---|---|
//! | `sparse` | [`CsrMatrix`]: fixed pattern, shared between matrices; products |
//! | `grid` | [`GridShape`], [`GridBlock`] |
//! | `parallel` | the chunk sizes and thresholds of every parallel loop |
//! | `krylov` | CG, BiCGStab, the vector kernels and the `Operator` trait |
//! | `stencil` | five-point stencil forms of a matrix's grid rows |
//! | `solver` | the [`LinearSolver`] trait, [`LinearStats`], [`JacobiCg`] |
//! | `direct` | supernodal Cholesky / LU through faer ([`DirectSolver`]) |
//! | `multigrid` | transfers, Galerkin products, smoothers, hierarchy, [`MultigridCg`] |
//! | `amg` | aggregation AMG on the multigrid machinery ([`AlgebraicMultigrid`]) |

pub(crate) mod amg;
pub(crate) mod direct;
pub(crate) mod grid;
pub(crate) mod krylov;
pub(crate) mod multigrid;
pub(crate) mod parallel;
pub(crate) mod solver;
pub(crate) mod sparse;
pub(crate) mod stencil;

pub use amg::AlgebraicMultigrid;
pub use direct::DirectSolver;
pub use grid::{Chain, GridBlock, GridShape};
pub use krylov::Operator;
pub(crate) use multigrid::{Coarsening, FirstLevel, Transfer};
pub use multigrid::{Hierarchy, MultigridBicgstab, MultigridCg, MultigridOptions, Smoother};
pub use solver::{relative_residual, JacobiCg, LinearSolver, LinearStats};
pub use sparse::CsrMatrix;
pub use stencil::GridOperator;
