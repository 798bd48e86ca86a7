//! What a solver needs from the system it solves: [`ThermalSystem`], the place
//! a new model plugs in.

use crate::error::{NetworkError, SolveError};
use crate::linalg::CsrMatrix;
use crate::network::{AssembledNetwork, HeatFlows};

/// A thermal system `C dT/dt = F(t, T)` as the steady, transient and
/// periodic solvers see it: unknown temperatures `T` (K), their heat
/// capacities `C` (J/K; zero for an arithmetic node, whose row is `0 = F`),
/// the net heat into each unknown `F` (W) with its Jacobian, the times at which
/// `F` jumps, and the heat flows that close the energy balance.
///
/// [`AssembledNetwork`] implements it (the compiled thermal network of
/// [`crate::network`]); a new model — a component solved in its own
/// unknowns, a reduced-order model for the sizing loop — implements these
/// methods and is solved by [`solve_steady`](crate::solve::solve_steady),
/// [`TransientSolver`](crate::solve::TransientSolver) and
/// [`solve_periodic`](crate::solve::solve_periodic) unchanged. The solvers
/// take `&dyn ThermalSystem`: each call is a whole pass over the rows, so the
/// dynamic dispatch costs nothing measurable.
///
/// Contract: `F` and its Jacobian are evaluated at any `(t, T)` with finite,
/// positive `T`; `jacobian` writes `K = −∂F/∂T` into a matrix from
/// [`Self::new_matrix`] (one sparsity pattern, whose diagonal entries
/// [`Self::diagonal_positions`] gives); the heat flows' net, heat in minus
/// heat out, equals `Σ_i F_i` at every state (the solvers' energy balance
/// rests on it). Every method must be deterministic: the same bits on any
/// thread count.
pub trait ThermalSystem: Sync {
    /// Number of unknown temperatures.
    fn unknowns(&self) -> usize;
    /// Heat capacity of every unknown (J/K); zero for an arithmetic node.
    fn capacitance_j_k(&self) -> &[f64];
    /// The initial temperature of every unknown (K).
    fn initial_state(&self) -> Vec<f64>;
    /// Net heat into every unknown `F(t, T)` (W), written into `r`.
    fn residual(&self, t_s: f64, x: &[f64], r: &mut [f64]);
    /// [`Self::residual`] and the heat flows at the same state, in one pass.
    fn residual_and_flows(&self, t_s: f64, x: &[f64], r: &mut [f64]) -> HeatFlows;
    /// Heat in, heat out and through each boundary at `(t, T)`: the energy balance's terms.
    fn heat_flows(&self, t_s: f64, x: &[f64]) -> HeatFlows;
    /// A zeroed matrix with the Jacobian's sparsity pattern.
    fn new_matrix(&self) -> CsrMatrix;
    /// Writes `K = −∂F/∂T` at `(t, T)` into `k` (from [`Self::new_matrix`]).
    fn jacobian(&self, t_s: f64, x: &[f64], k: &mut CsrMatrix);
    /// Position of every row's diagonal entry in the matrix's values.
    fn diagonal_positions(&self) -> &[u32];
    /// True when `K` depends neither on `T` nor on `t` (evaluate it once).
    fn is_linear(&self) -> bool;
    /// True when `K` is symmetric (conjugate gradients apply).
    fn is_symmetric(&self) -> bool;
    /// Times in `[t0, t1]` at which `F` jumps (eclipse entry and exit, table
    /// corners): a step never spans one.
    fn discontinuities(&self, t0_s: f64, t1_s: f64) -> Vec<f64>;
    /// Temperatures of all nodes (K), boundaries included, from the unknowns'.
    fn node_temperatures(&self, t_s: f64, x: &[f64]) -> Vec<f64>;
    /// The node (index into [`Self::node_temperatures`]) of unknown `u`.
    fn node_of_unknown(&self, u: usize) -> usize;
    /// A node's name, for messages.
    fn label(&self, node: usize) -> String;
    /// Fails unless every unknown has a path to a boundary (a steady state exists).
    fn check_grounded(&self) -> Result<(), NetworkError>;
    /// Fails with [`SolveError::NonPhysicalTemperature`] unless every
    /// temperature is finite and non-negative.
    fn check_state(&self, t_s: f64, x: &[f64]) -> Result<(), SolveError>;
    /// The assembled network behind this system, if it is one: its grid
    /// blocks, flow chains and coarsening are what geometric multigrid and
    /// nested iteration work with. `None` (the default) leaves the direct
    /// and algebraic linear solvers, which need only the matrix.
    fn network(&self) -> Option<&AssembledNetwork> {
        None
    }
}

impl ThermalSystem for AssembledNetwork {
    fn unknowns(&self) -> usize {
        AssembledNetwork::unknowns(self)
    }
    fn capacitance_j_k(&self) -> &[f64] {
        AssembledNetwork::capacitance_j_k(self)
    }
    fn initial_state(&self) -> Vec<f64> {
        AssembledNetwork::initial_state(self)
    }
    fn residual(&self, t_s: f64, x: &[f64], r: &mut [f64]) {
        AssembledNetwork::residual(self, t_s, x, r);
    }
    fn residual_and_flows(&self, t_s: f64, x: &[f64], r: &mut [f64]) -> HeatFlows {
        AssembledNetwork::residual_and_flows(self, t_s, x, r)
    }
    fn heat_flows(&self, t_s: f64, x: &[f64]) -> HeatFlows {
        AssembledNetwork::heat_flows(self, t_s, x)
    }
    fn new_matrix(&self) -> CsrMatrix {
        AssembledNetwork::new_matrix(self)
    }
    fn jacobian(&self, t_s: f64, x: &[f64], k: &mut CsrMatrix) {
        AssembledNetwork::jacobian(self, t_s, x, k);
    }
    fn diagonal_positions(&self) -> &[u32] {
        AssembledNetwork::diagonal_positions(self)
    }
    fn is_linear(&self) -> bool {
        AssembledNetwork::is_linear(self)
    }
    fn is_symmetric(&self) -> bool {
        AssembledNetwork::is_symmetric(self)
    }
    fn discontinuities(&self, t0_s: f64, t1_s: f64) -> Vec<f64> {
        AssembledNetwork::discontinuities(self, t0_s, t1_s)
    }
    fn node_temperatures(&self, t_s: f64, x: &[f64]) -> Vec<f64> {
        AssembledNetwork::node_temperatures(self, t_s, x)
    }
    fn node_of_unknown(&self, u: usize) -> usize {
        AssembledNetwork::node_of_unknown(self, u)
    }
    fn label(&self, node: usize) -> String {
        AssembledNetwork::label(self, node)
    }
    fn check_grounded(&self) -> Result<(), NetworkError> {
        AssembledNetwork::check_grounded(self)
    }
    fn check_state(&self, t_s: f64, x: &[f64]) -> Result<(), SolveError> {
        AssembledNetwork::check_state(self, t_s, x)
    }
    fn network(&self) -> Option<&AssembledNetwork> {
        Some(self)
    }
}
