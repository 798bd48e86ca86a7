//! Solvers: steady Newton, implicit transient, orbit-periodic (cyclic) state,
//! linear-solver back ends.
//!
//! They see a [`ThermalSystem`] — residual, Jacobian, capacitances,
//! discontinuities and heat flows at (t, T), implemented by
//! [`AssembledNetwork`](crate::network::AssembledNetwork) — and know nothing of orbits or GPUs.

pub(crate) mod explicit;
pub(crate) mod linear;
mod nested;
pub(crate) mod newton;
pub(crate) mod periodic;
mod report;
pub(crate) mod steady;
mod system;
pub(crate) mod transient;

pub use crate::linalg::{
    AlgebraicMultigrid, DirectSolver, LinearSolver, LinearStats, MultigridBicgstab, MultigridCg,
    MultigridOptions, Smoother,
};
pub use explicit::{solve_explicit, ExplicitOptions};
pub use linear::{new_linear_solver, LinearSolverChoice};
pub use periodic::{
    profile_mean, solve_periodic, solve_periodic_with_feedback, Acceleration, Feedback,
    PeriodicIteration, PeriodicOptions, PeriodicSolution, PeriodicSolver, WarmUp,
    DEFAULT_ANDERSON_DEPTH, DEFAULT_MAX_PERIODS, DEFAULT_PERIODICITY_TOLERANCE_K,
    DEFAULT_WARM_UP_STEP_FACTOR, MAX_ANDERSON_DEPTH, MAX_WARM_UP_STEP_FACTOR,
};
pub use report::{EnergyBalance, NewtonIteration};
pub use steady::{
    nested_first_guess, solve_steady, SteadyOptions, SteadySolution, SteadySolver,
    NESTED_MIN_UNKNOWNS,
};
pub use system::ThermalSystem;
pub use transient::{
    solve_transient, solve_transient_with_progress, AdaptiveStep, EnergyIntegral, FactorReuse,
    InitialState, StepControl, TransientMethod, TransientOptions, TransientSolution,
    TransientSolver, TransientStats,
};
