//! Solvers: steady Newton, implicit transient, orbit-periodic (cyclic) state,
//! linear-solver back ends.
//!
//! They see an [`AssembledNetwork`](crate::network::AssembledNetwork) — residual,
//! Jacobian and capacitance at (t, T) — and know nothing of orbits or GPUs.

pub mod explicit;
pub mod linear;
mod nested;
pub mod periodic;
mod report;
pub mod steady;
pub mod transient;

pub use crate::linalg::{
    AlgebraicMultigrid, DirectSolver, LinearSolver, LinearStats, MultigridBicgstab, MultigridCg,
    MultigridOptions, Smoother,
};
pub use explicit::{solve_explicit, ExplicitOptions};
pub use linear::{new_linear_solver, LinearSolverChoice};
pub use periodic::{
    solve_periodic, Acceleration, PeriodicIteration, PeriodicOptions, PeriodicSolution,
    PeriodicSolver,
};
pub use report::{EnergyBalance, NewtonIteration};
pub use steady::{solve_steady, SteadyOptions, SteadySolution, SteadySolver};
pub use transient::{
    solve_transient, AdaptiveStep, EnergyIntegral, InitialState, StepControl, TransientMethod,
    TransientOptions, TransientSolution, TransientSolver, TransientStats,
};
