//! Steady state by damped Newton with the exact Jacobian.
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

use crate::error::SolveError;
use crate::linalg::parallel::on_pool_thread;
use crate::linalg::{CsrMatrix, FirstLevel, LinearSolver, MultigridOptions};
use crate::network::{AssembledNetwork, HeatFlows};
use crate::solve::linear::{mostly_grid, new_seeded_linear_solver, LinearSolverChoice};
use crate::solve::nested::CoarseNetwork;
use crate::solve::report::{
    boundary_coupling_w, EnergyBalance, NewtonIteration, ENERGY_ROUNDOFF_ULPS,
};

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

/// `cond(K) ε` above which a failure to close the energy balance is put down
/// to ill-conditioning in the error message: the Newton step then keeps fewer
/// than 8 of double precision's 16 digits, and the direct solvers' own
/// accuracy check (a relative residual of
/// [`DIRECT_RESIDUAL_LIMIT`](crate::linalg::direct::DIRECT_RESIDUAL_LIMIT)) starts to fail.
const ILL_CONDITIONED: f64 = 1e-8;

/// Per-iteration figures for an error message.
#[derive(Default)]
struct RunHistory {
    /// `‖F‖₁ / scale` per iterate.
    residuals: Vec<f64>,
    /// `|Σ F| / heat flowing` per iterate.
    imbalances: Vec<f64>,
    /// The last measured `max(heat in, heat out)` (W).
    flowing_w: f64,
}

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
/// the linear solver's symbolic work is kept between calls.
pub struct SteadySolver<'a> {
    system: &'a AssembledNetwork,
    options: SteadyOptions,
    linear: Box<dyn LinearSolver>,
}

impl<'a> SteadySolver<'a> {
    /// Prepares a solver; fails if a node has no path to a boundary.
    pub fn new(system: &'a AssembledNetwork, options: SteadyOptions) -> Result<Self, SolveError> {
        Self::seeded(system, options, None)
    }

    /// [`Self::new`], with multigrid's first coarse level from nested iteration.
    fn seeded(
        system: &'a AssembledNetwork,
        options: SteadyOptions,
        first_level: Option<FirstLevel>,
    ) -> Result<Self, SolveError> {
        let linear = new_seeded_linear_solver(options.linear_solver, system, first_level)?;
        Ok(Self {
            system,
            options,
            linear,
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
        let tolerance = self.options.tolerance;
        let n = sys.unknowns();
        if x.len() != n {
            return Err(SolveError::InvalidOption {
                option: "steady first guess length",
                value: x.len() as f64,
                allowed: "one temperature per unknown",
            });
        }
        let mut r = vec![0.0; n];
        let mut delta = vec![0.0; n];
        let mut k = sys.new_matrix();
        let mut history: Vec<NewtonIteration> = Vec::new();
        let mut run = RunHistory::default();
        sys.check_state(t, &x)?;
        sys.residual(t, &x, &mut r);
        let (mut norm, mut net) = norms(&r);
        sys.jacobian(t, &x, &mut k);
        let mut scale = 0.0;
        // `|Σ F|` when the residual first met the tolerance with the energy
        // balance still open: from then on each Newton step must halve it.
        let mut polishing: Option<f64> = None;
        for iteration in 0..=self.options.max_iterations {
            // The convergence test needs only the Jacobian's diagonal magnitudes
            // (round-off floor), so it uses the last step's Jacobian: the one
            // at the converged state is never assembled. The heat flowing (a
            // pass like a residual's) is re-measured at the first iterate and
            // whenever the residual is near the tolerance, so the final test
            // always uses the state's own; in between, the last value scales
            // the forcing term (it changes by well under 1 % per step).
            let near = norm <= 100.0 * tolerance * scale || polishing.is_some();
            let flows = (iteration == 0 || near).then(|| {
                let (fresh, flows) = self.heat_scale(&x, &k);
                scale = fresh;
                run.flowing_w = flows.heat_in_w().max(flows.heat_out_w());
                flows
            });
            let rel = norm / scale;
            run.residuals.push(rel);
            run.imbalances
                .push(net.abs() / run.flowing_w.max(f64::MIN_POSITIVE));
            if let Some(prev) = polishing {
                // The last step was taken to close the balance: it must have
                // kept the residual at its tolerance and halved the imbalance.
                if rel > tolerance || net.abs() > 0.5 * prev {
                    let reason = self.stall_reason(&x, &k, rel > tolerance);
                    return Err(self.not_closed(&x, &run, reason));
                }
            }
            if let (Some(flows), true) = (flows, rel <= tolerance) {
                let balance = EnergyBalance::steady(&flows);
                if self.energy_closes(&balance, &x, &k) {
                    history.push(NewtonIteration {
                        relative_residual: rel,
                        step_length: 0.0,
                        linear_iterations: 0,
                    });
                    return Ok(SteadySolution {
                        temperatures_k: sys.node_temperatures(t, &x),
                        energy_balance: balance,
                        boundary_heat_w: flows.boundary_w,
                        iterations: history,
                        linear_solver: self.linear.name(),
                    });
                }
                polishing = Some(net.abs());
            }
            if iteration == self.options.max_iterations {
                break;
            }
            // Inexact Newton forcing term: loose far from the solution (0.1‖F‖, after
            // Eisenstat & Walker 1996), tight enough near it that one step reaches
            // the tolerance; direct solvers ignore it.
            if iteration > 0 {
                sys.jacobian(t, &x, &mut k);
            }
            let forcing = (0.5 * tolerance / rel).max(0.1 * rel).clamp(1e-12, 1e-2);
            delta.fill(0.0);
            // `r` is recomputed at the trial state below: the solver may keep its residual there.
            let stats = match self
                .linear
                .solve_overwriting(&k, &mut r, &mut delta, forcing)
            {
                Ok(stats) => stats,
                Err(e) => {
                    let reason = format!(
                        "the linear solver failed: {e}{}",
                        self.conditioning_note(&x, &k)
                    );
                    return Err(self.not_closed(&x, &run, reason));
                }
            };
            // Backtracking line search on ‖F‖₁, keeping temperatures positive.
            // Trials move `x` in place (`x₀ + α δ`, from the last trial's `α`)
            // and overwrite `r`: the step's own residual is needed only as its norm.
            // A step taken to close the energy balance (the residual already at
            // its tolerance, where ‖F‖₁ is round-off and cannot decrease) is
            // taken whole; the next iteration judges it.
            let mut alpha = max_positive_step(&x, &delta);
            let mut applied = 0.0;
            loop {
                let change = alpha - applied;
                for (xi, di) in x.iter_mut().zip(&delta) {
                    *xi += change * di;
                }
                applied = alpha;
                sys.residual(t, &x, &mut r);
                let (trial_norm, trial_net) = norms(&r);
                if trial_norm.is_finite() && trial_norm <= (1.0 - 1e-4 * alpha) * norm
                    || alpha < 1.0 / 1024.0
                    || polishing.is_some() && trial_norm.is_finite()
                {
                    norm = trial_norm;
                    net = trial_net;
                    break;
                }
                alpha *= 0.5;
            }
            history.push(NewtonIteration {
                relative_residual: rel,
                step_length: alpha,
                linear_iterations: stats.iterations,
            });
            sys.check_state(t, &x)?;
        }
        let last = history.last().map_or(f64::NAN, |h| h.relative_residual);
        if polishing.is_some() {
            let reason = "the iteration limit was reached".to_string();
            return Err(self.not_closed(&x, &run, reason));
        }
        Err(SolveError::NotConverged {
            solver: "steady Newton",
            iterations: history.len(),
            last_relative_residual: last,
            tolerance,
            relative_residuals: history.iter().map(|h| h.relative_residual).collect(),
        })
    }

    /// Whether the steady energy balance closes: `|heat in − heat out|` at most
    /// `tolerance × max(heat in, heat out)`, plus the round-off of the heat
    /// through sources and boundaries, [`ENERGY_ROUNDOFF_ULPS`] ulps of
    /// `heat in + heat out + Σ_i b_i |T_i|` (`b_i` the row's coupling to
    /// boundaries, [`boundary_coupling_w`]; computed only when the plain test fails).
    ///
    /// This is the honest scale: conductors between two unknowns cancel in
    /// the balance, so conductances that dwarf the heat they carry (which
    /// raise the residual's round-off floor) cannot make it pass.
    fn energy_closes(&self, balance: &EnergyBalance, x: &[f64], k: &CsrMatrix) -> bool {
        let flowing = balance.heat_in_w.max(balance.heat_out_w);
        let ulps = ENERGY_ROUNDOFF_ULPS * f64::EPSILON;
        let plain =
            self.options.tolerance * flowing + ulps * (balance.heat_in_w + balance.heat_out_w);
        let off = balance.imbalance_w.abs();
        off <= plain || off <= plain + ulps * boundary_coupling_w(k, x)
    }

    /// The error for a balance that does not close, from the last measured flows.
    fn not_closed(&self, x: &[f64], run: &RunHistory, reason: String) -> SolveError {
        let flows = self.system.heat_flows(self.options.time_s, x);
        let balance = EnergyBalance::steady(&flows);
        SolveError::EnergyBalanceNotClosed {
            solver: "steady Newton",
            iterations: run.residuals.len().saturating_sub(1),
            imbalance_w: balance.imbalance_w,
            relative_imbalance: balance.relative_imbalance,
            tolerance: self.options.tolerance,
            reason,
            relative_residuals: run.residuals.as_slice().into(),
            relative_imbalances: run.imbalances.as_slice().into(),
        }
    }

    /// Why a Newton step did not close the balance: it raised the residual
    /// above the tolerance (`wrecked`) or did not halve the imbalance.
    fn stall_reason(&self, x: &[f64], k: &CsrMatrix, wrecked: bool) -> String {
        let what = if wrecked {
            "a Newton step taken to close it raised the residual above the tolerance"
        } else {
            "Newton steps no longer reduce it"
        };
        format!(
            "every node's residual is at its tolerance or round-off level, but {what}{}",
            self.conditioning_note(x, k)
        )
    }

    /// `"; …"` saying how ill-conditioned the Jacobian is, when double precision
    /// cannot resolve it; empty otherwise.
    ///
    /// For the symmetric positive definite `K`, `λ_max ≥ max_i K_ii` and, by the
    /// Rayleigh quotient of the constant vector, `λ_min ≤ 1ᵀK1 / n = Σ_i b_i / n`,
    /// where `Σ_i b_i`, the heat out through boundaries per kelvin of a uniform
    /// rise, is measured from the heat flows at `x` and at `x + s` (no
    /// conductance between unknowns enters it). So `cond₂(K) ≥ n max K_ii / Σ b_i`.
    fn conditioning_note(&self, x: &[f64], k: &CsrMatrix) -> String {
        let sys = self.system;
        let t = self.options.time_s;
        let n = x.len();
        let k_max = sys
            .diagonal_positions()
            .iter()
            .map(|&d| k.values()[d as usize].abs())
            .fold(0.0, f64::max);
        let s = 1e-6 * x.iter().fold(0.0_f64, |m, v| m.max(v.abs())).max(1.0);
        let shifted: Vec<f64> = x.iter().map(|v| v + s).collect();
        let net = |fl: &HeatFlows| fl.heat_out_w() - fl.heat_in_w();
        let to_boundaries = (net(&sys.heat_flows(t, &shifted)) - net(&sys.heat_flows(t, x))) / s;
        let cond = n as f64 * k_max / to_boundaries.max(f64::MIN_POSITIVE);
        let lost = cond * f64::EPSILON;
        if lost < ILL_CONDITIONED {
            return String::new();
        }
        let kept = if lost < 1.0 {
            format!("about {:.0} of double precision's 16 digits", -lost.log10())
        } else {
            "none of double precision's 16 digits".to_string()
        };
        format!(
            "; the Jacobian's condition number is at least {cond:.1e} (a node's conductances \
             sum to {k_max:.2e} W/K, while the {n} nodes together lose {to_boundaries:.2e} W/K \
             to their boundaries), so a Newton step keeps {kept}: look for an absurd \
             conductivity, conductance or exchange factor"
        )
    }

    /// The scale of the residual test, with the heat flows it is measured
    /// from: the heat flowing through the network (W), but never less than
    /// `round-off / tolerance`, where the residual's own
    /// round-off is `8 ε Σ K_ii |T_i|` (each entry sums conductor flows of size
    /// up to `K_ii |T_i|`). So a network whose conductances dwarf the heat it
    /// carries (a finely meshed fin), or where nothing flows, converges once the
    /// residual reaches round-off instead of stalling just above the tolerance.
    fn heat_scale(&self, x: &[f64], k: &CsrMatrix) -> (f64, HeatFlows) {
        let flows = self.system.heat_flows(self.options.time_s, x);
        let flowing = flows.heat_in_w().max(flows.heat_out_w());
        let diag = self.system.diagonal_positions();
        let round_off = 8.0
            * f64::EPSILON
            * x.iter()
                .zip(diag)
                .map(|(xi, &d)| xi.abs() * k.values()[d as usize].abs())
                .sum::<f64>();
        let scale = flowing
            .max(round_off / self.options.tolerance)
            .max(f64::MIN_POSITIVE);
        (scale, flows)
    }
}

/// Solves the steady state of `system`, starting from [`nested_first_guess`].
///
/// Fails with [`crate::error::NetworkError::NoPathToSink`] (wrapped) when a node floats, and
/// with [`SolveError::NotConverged`] (with the residual history) when Newton
/// does not reach the tolerance.
pub fn solve_steady(
    system: &AssembledNetwork,
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
pub fn nested_first_guess(system: &AssembledNetwork, options: &SteadyOptions) -> Vec<f64> {
    nested_start(system, options).0
}

/// [`nested_first_guess`], and the first coarse level of `system`'s multigrid
/// hierarchy when nested iteration built one.
fn nested_start(
    system: &AssembledNetwork,
    options: &SteadyOptions,
) -> (Vec<f64>, Option<FirstLevel>) {
    coarse_solution(system, options).unwrap_or_else(|| (system.initial_state(), None))
}

/// The interpolated steady solution of `system` coarsened once, if nested
/// iteration applies, and the coarse level for `system`'s multigrid hierarchy.
fn coarse_solution(
    system: &AssembledNetwork,
    options: &SteadyOptions,
) -> Option<(Vec<f64>, Option<FirstLevel>)> {
    if system.unknowns() < NESTED_MIN_UNKNOWNS || !system.is_symmetric() || !mostly_grid(system) {
        return None;
    }
    let coarse = CoarseNetwork::new(system, MultigridOptions::default().coupling_scale)?;
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
    Some((fine_guess, coarse.into_first_level(system)))
}

/// Largest step length ≤ 1 that keeps every temperature above a tenth of its value.
fn max_positive_step(x: &[f64], delta: &[f64]) -> f64 {
    x.iter().zip(delta).fold(1.0_f64, |alpha, (&xi, &di)| {
        if di < 0.0 && xi + di < 0.1 * xi {
            alpha.min(0.9 * xi / -di)
        } else {
            alpha
        }
    })
}

/// `(‖v‖₁, Σ v_i)`: for a residual, its norm and the net heat into the
/// unknowns (the energy imbalance: conductors between unknowns cancel in it).
fn norms(v: &[f64]) -> (f64, f64) {
    v.iter().fold((0.0, 0.0), |(a, s), x| (a + x.abs(), s + x))
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
