//! Solvers: steady Newton, implicit transient, linear-solver back ends.
//!
//! They see an [`AssembledNetwork`](crate::network::AssembledNetwork) — residual,
//! Jacobian and capacitance at (t, T) — and know nothing of orbits or GPUs.

pub mod linear;
mod report;
pub mod steady;

pub use linear::{LinearSolverChoice, LinearStats};
pub use report::{EnergyBalance, NewtonIteration};
pub use steady::{solve_steady, SteadyOptions, SteadySolution, SteadySolver};
