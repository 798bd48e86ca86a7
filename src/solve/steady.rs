//! Steady state by damped Newton with the exact Jacobian (the Newton core of
//! [`crate::solve::newton`] in its steady form).
//!
//! Solves `F(T) = 0` (net heat into every unknown) with `K δ = F`, `T ← T + α δ`,
//! where `K = −∂F/∂T` and α comes from a backtracking line search on `‖F‖₁`
//! (Dennis & Schnabel, *Numerical Methods for Unconstrained Optimization and
//! Nonlinear Equations*, §6.3).
//!
//! Converged when two tests pass at the same iterate:
//!
//! 1. the residual: `‖F‖₁ ≤ tolerance × heat flowing`, or `‖F‖₁` at its own
//!    round-off level (a few ulps of `Σ K_ii |T_i|`), which a network whose
//!    conductances dwarf the heat it carries (a finely meshed fin) cannot go below;
//! 2. the energy balance: `|heat in − heat out| ≤ tolerance × max(heat in,
//!    heat out)` plus the round-off of the heat through sources and boundaries
//!    ([`SteadySolver`]'s `energy_closes`). Conductors between two unknowns
//!    cancel in this balance, so no conductance, however large, enlarges its
//!    scale: the test cannot be passed by a state whose mean temperature is wrong.
//!
//! The first test alone can be fooled: with k = 1e15 W/(m·K) a panel's round-off
//! level is ~1e15 W, and a state with a 13 % imbalance passed it before a single
//! Newton step. When the residual passes and the balance does not, Newton
//! goes on; each further step must halve the imbalance and keep the residual
//! at its tolerance, or the solve stops with
//! [`SolveError::EnergyBalanceNotClosed`] (residual and imbalance histories,
//! and a lower bound on the Jacobian's condition number when double precision
//! cannot resolve it). A failed linear solve is reported the same way.
//!
//! [`solve_steady`] starts Newton from a nested-iteration guess on networks made
//! mostly of grids ([`nested_first_guess`]): the network is solved on coarser
//! grids first, so the fine Newton iteration starts within the coarse grid's
//! discretisation error and needs two or three steps instead of six or more.

use crate::error::{InternalError, SolveError};
use crate::linalg::parallel::on_pool_thread;
use crate::linalg::{FirstLevel, MultigridOptions};
use crate::solve::linear::{mostly_grid, new_seeded_linear_solver, LinearSolverChoice};
use crate::solve::nested::CoarseNetwork;
use crate::solve::newton::{NewtonCore, SteadyForm};
use crate::solve::report::{EnergyBalance, NewtonIteration};
use crate::solve::ThermalSystem;

/// Nested iteration coarsens a network while it has at least this many unknowns
/// (so the coarsest network solved has about a quarter of it).
pub const NESTED_MIN_UNKNOWNS: usize = 16_384;

/// Coarse solves of the nested iteration stop at this relative residual (or at
/// the solve's tolerance if that is looser): a coarse solution differs from the
/// fine one by the coarse grid's discretisation error, far above this, so a
/// tighter coarse solve would not give a better first guess.
pub(crate) const NESTED_TOLERANCE: f64 = 1e-5;

/// Coarse networks of the nested iteration up to this size are solved with the
/// `auto` linear solver (sparse Cholesky); larger ones with multigrid-CG.
const NESTED_DIRECT_UNKNOWNS: usize = 8192;

/// Options of the steady solver.
#[derive(Debug, Clone, PartialEq)]
pub struct SteadyOptions {
    /// Converged when `‖F‖₁ ≤ tolerance × heat flowing` (or its round-off
    /// level) and the energy balance closes: `|heat in − heat out| ≤
    /// tolerance × max(heat in, heat out)` plus the round-off of the heat
    /// through sources and boundaries.
    pub tolerance: f64,
    /// Newton iteration limit.
    pub max_iterations: usize,
    /// Linear solver.
    pub linear_solver: LinearSolverChoice,
    /// Time (s) at which sources and boundary temperatures are evaluated.
    pub time_s: f64,
}

impl Default for SteadyOptions {
    fn default() -> Self {
        Self {
            tolerance: 1e-10,
            max_iterations: 50,
            linear_solver: LinearSolverChoice::Auto,
            time_s: 0.0,
        }
    }
}

impl SteadyOptions {
    /// Sets the tolerance; it must lie in (0, 1).
    pub fn with_tolerance(mut self, tolerance: f64) -> Result<Self, SolveError> {
        if !(tolerance > 0.0 && tolerance < 1.0) {
            return Err(SolveError::InvalidOption {
                option: "steady tolerance",
                value: tolerance,
                allowed: "0 < tolerance < 1",
            });
        }
        self.tolerance = tolerance;
        Ok(self)
    }
}

/// A converged steady state.
#[derive(Debug, Clone)]
pub struct SteadySolution {
    /// Temperature of every node (K), boundary nodes included, in node order.
    pub temperatures_k: Vec<f64>,
    /// Energy balance at the solution.
    pub energy_balance: EnergyBalance,
    /// Net heat into each boundary node `(node, W)`.
    pub boundary_heat_w: Vec<(usize, f64)>,
    /// Newton history, last entry the converged state.
    pub iterations: Vec<NewtonIteration>,
    /// Name of the linear solver used.
    pub linear_solver: &'static str,
}

/// Steady solver state for repeated solves of one network (sweeps, optimizers):
/// the linear solver's symbolic work is kept between calls. The iteration is
/// the Newton core shared with the transient solver (`solve/newton/`),
/// in its steady form: no time term, the exact Jacobian at every iterate, and
/// the steady line search.
pub struct SteadySolver<'a> {
    system: &'a dyn ThermalSystem,
    options: SteadyOptions,
    core: NewtonCore<'a>,
}

impl<'a> SteadySolver<'a> {
    /// Prepares a solver; fails if a node has no path to a boundary.
    pub fn new(system: &'a dyn ThermalSystem, options: SteadyOptions) -> Result<Self, SolveError> {
        Self::seeded(system, options, None)
    }

    /// [`Self::new`], with multigrid's first coarse level from nested iteration.
    fn seeded(
        system: &'a dyn ThermalSystem,
        options: SteadyOptions,
        first_level: Option<FirstLevel>,
    ) -> Result<Self, SolveError> {
        let linear = new_seeded_linear_solver(options.linear_solver, system, first_level)?;
        let core = NewtonCore::steady(system, linear, options.tolerance, options.max_iterations);
        Ok(Self {
            system,
            options,
            core,
        })
    }

    /// Solves from the first guess `x0` (one temperature per unknown, K).
    pub fn solve_from(&mut self, x0: &[f64]) -> Result<SteadySolution, SolveError> {
        self.solve_with(x0.to_vec())
    }

    /// [`Self::solve_from`], iterating on the first guess's own vector.
    pub fn solve_with(&mut self, x: Vec<f64>) -> Result<SteadySolution, SolveError> {
        on_pool_thread(|| self.run_with(x))
    }

    fn run_with(&mut self, mut x: Vec<f64>) -> Result<SteadySolution, SolveError> {
        let sys = self.system;
        let t = self.options.time_s;
        let n = sys.unknowns();
        if x.len() != n {
            return Err(SolveError::InvalidOption {
                option: "steady first guess length",
                value: x.len() as f64,
                allowed: "one temperature per unknown",
            });
        }
        sys.check_state(t, &x)?;
        let mut f = vec![0.0; n];
        let mut form = SteadyForm::new(t);
        self.core.solve(&mut form, &mut x, &mut f)?;
        // Converged: the energy test used the heat flows measured at `x`.
        let Some(flows) = form.flows.take() else {
            return Err(SolveError::Internal(InternalError::new(
                "steady Newton: converged without heat flows at the solution",
            )));
        };
        Ok(SteadySolution {
            temperatures_k: sys.node_temperatures(t, &x),
            energy_balance: EnergyBalance::steady(&flows),
            boundary_heat_w: flows.boundary_w,
            iterations: self.core.history.clone(),
            linear_solver: self.core.linear_name(),
        })
    }
}

/// Solves the steady state of `system`, starting from [`nested_first_guess`].
///
/// Fails with [`crate::error::NetworkError::NoPathToSink`] (wrapped) when a node floats, and
/// with [`SolveError::NotConverged`] (with the residual history) when Newton
/// does not reach the tolerance.
pub fn solve_steady(
    system: &dyn ThermalSystem,
    options: &SteadyOptions,
) -> Result<SteadySolution, crate::Error> {
    system.check_grounded()?;
    let (x0, first_level) = nested_start(system, options);
    let mut solver = SteadySolver::seeded(system, options.clone(), first_level)?;
    Ok(solver.solve_with(x0)?)
}

/// A first guess for Newton by nested iteration (Trottenberg, Oosterlee &
/// Schüller, *Multigrid*, 2001, §2.6; Kelley, *Iterative Methods for Linear
/// and Nonlinear Equations*, 1995, §8.1 on starting inexact Newton near the root).
///
/// The network is coarsened by agglomerating its grid blocks 2 × 2
/// (`CoarseNetwork`: the same conductances across coarse faces as a coarser
/// mesh of the panel, the same sinks and sources in total) until it has fewer
/// than [`NESTED_MIN_UNKNOWNS`]; the coarsest network is solved from its
/// initial temperatures, and each coarse solution, interpolated bilinearly,
/// starts Newton on the next finer network (to `NESTED_TOLERANCE`). The guess
/// returned is the interpolated solution of the network one level coarser.
///
/// Returns the network's initial temperatures where nested iteration does not
/// apply — fewer than [`NESTED_MIN_UNKNOWNS`] unknowns, a non-symmetric system,
/// or less than `MULTIGRID_GRID_FRACTION` of the unknowns on grids — or when a
/// coarse solve fails (the fine solve then proceeds as without it).
pub fn nested_first_guess(system: &dyn ThermalSystem, options: &SteadyOptions) -> Vec<f64> {
    nested_start(system, options).0
}

/// [`nested_first_guess`], and the first coarse level of `system`'s multigrid
/// hierarchy when nested iteration built one.
fn nested_start(
    system: &dyn ThermalSystem,
    options: &SteadyOptions,
) -> (Vec<f64>, Option<FirstLevel>) {
    coarse_solution(system, options).unwrap_or_else(|| (system.initial_state(), None))
}

/// The interpolated steady solution of `system` coarsened once, if nested
/// iteration applies, and the coarse level for `system`'s multigrid hierarchy.
fn coarse_solution(
    system: &dyn ThermalSystem,
    options: &SteadyOptions,
) -> Option<(Vec<f64>, Option<FirstLevel>)> {
    if system.unknowns() < NESTED_MIN_UNKNOWNS || !system.is_symmetric() || !mostly_grid(system) {
        return None;
    }
    let network = system.network()?;
    let coarse = CoarseNetwork::new(network, MultigridOptions::default().coupling_scale)?;
    let (guess, coarse_first_level) = nested_start(&coarse.network, options);
    // Multigrid on coarse networks too (symmetric, mostly grid): `auto` would
    // factorise them directly up to 50,000 unknowns, which costs more here.
    let linear_solver = if coarse.network.unknowns() > NESTED_DIRECT_UNKNOWNS {
        LinearSolverChoice::Multigrid
    } else {
        LinearSolverChoice::Auto
    };
    let coarse_options = SteadyOptions {
        tolerance: options.tolerance.max(NESTED_TOLERANCE),
        linear_solver,
        ..options.clone()
    };
    let mut solver =
        SteadySolver::seeded(&coarse.network, coarse_options, coarse_first_level).ok()?;
    let solution = solver.solve_with(guess).ok()?;
    let nc = coarse.network.unknowns();
    let fine_guess = coarse.prolong(&solution.temperatures_k[..nc]);
    drop(solver);
    Some((fine_guess, coarse.into_first_level(network)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::STEFAN_BOLTZMANN_W_M2_K4 as SIGMA;
    use crate::network::{NodeKind, ThermalNetwork};

    /// NAFEMS T2 in one node: k A (1000 − T)/L = ε σ A (T⁴ − 300⁴).
    #[test]
    fn radiating_end_matches_the_scalar_root() {
        let (k, l, eps) = (55.6, 0.1, 0.98);
        let mut net = ThermalNetwork::new();
        let hot = net.add_boundary("A", 1000.0).unwrap();
        let amb = net.add_boundary("ambient", 300.0).unwrap();
        let b = net.add_node("B", NodeKind::Arithmetic, 500.0).unwrap();
        net.add_linear(hot, b, k / l).unwrap();
        net.add_radiative(b, amb, eps).unwrap();
        let sys = net.assemble().unwrap();
        let sol = solve_steady(&sys, &SteadyOptions::default()).unwrap();
        let t = sol.temperatures_k[b];
        let f = k * (1000.0 - t) / l - eps * SIGMA * (t.powi(4) - 300f64.powi(4));
        assert!(f.abs() < 1e-6, "residual {f}");
        assert!((t - 927.0).abs() < 0.5, "T_B = {t}");
        assert!(sol.energy_balance.relative_imbalance < 1e-10);
    }

    #[test]
    fn floating_node_is_an_error_not_an_answer() {
        let mut net = ThermalNetwork::new();
        let a = net.add_node("a", NodeKind::Arithmetic, 300.0).unwrap();
        let b = net.add_node("b", NodeKind::Arithmetic, 300.0).unwrap();
        net.add_linear(a, b, 1.0).unwrap();
        net.add_heat_load("q", a, 1.0).unwrap();
        let sys = net.assemble().unwrap();
        assert!(solve_steady(&sys, &SteadyOptions::default()).is_err());
    }
}
