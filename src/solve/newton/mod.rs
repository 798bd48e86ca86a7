//! The Newton core shared by the steady and the transient solvers.
//!
//! Both solve one nonlinear system per call,
//!
//! ```text
//! G(T) = γ C (T − B) − Ψ − F(t, T) = 0,        ∂G/∂T = γ C + K,   K = −∂F/∂T
//! ```
//!
//! with `F` the net heat into every unknown: an implicit time step fixes `γ`,
//! the base state `B` and the explicit part `Ψ` ([`StepForm`], see
//! [`crate::solve::transient`]); a steady state has no time term, `G = −F`
//! and the matrix is `K` itself ([`SteadyForm`]). [`NewtonCore::solve`] runs
//! the one iteration: evaluate `G`, judge the iterate (residual, then energy
//! balance), solve `(γ C + K) δ = G` inexactly (Eisenstat & Walker's forcing
//! term), step `T − α δ` with `α` keeping every temperature above a tenth of
//! its value, backtrack on `‖G‖`, and repeat.
//!
//! What differs between the two is a [`Form`] — how an iterate is measured
//! and judged, the line search ([`LineSearch`]), the largest forcing term and
//! the messages of a failure — and the core's policies, fixed when it is made:
//! how the Jacobian is evaluated ([`JacobianSchedule`]: exact every iteration
//! for the steady solve, kept across steps for the transient's simplified
//! Newton) and what a kept factorization does for a newer matrix ([`StaleFactor`]).
//! The core's state is in the enums of [`state`].
//!
//! Convergence, for both: the residual below `tolerance × heat flowing` (each
//! form measures it its own way), and the energy balance `|Σ G|` closed to
//! `tolerance × heat flowing` plus its round-off. Conductors between two
//! unknowns cancel in `Σ G`, so no conductance, however large, enlarges its
//! scale. When the residual passes and the balance does not, Newton goes on;
//! each further step must halve the imbalance and keep the residual at its
//! tolerance, or the solve stops with [`SolveError::EnergyBalanceNotClosed`].

mod linear;
mod state;
mod steady_form;
mod step_form;

pub(crate) use linear::StepLinear;
pub(crate) use state::{Factor, Jacobian, JacobianSchedule, Matrix, StaleFactor, Start};
pub(crate) use steady_form::SteadyForm;
pub(crate) use step_form::{Norms, StepForm};

use crate::error::{InternalError, SolveError};
use crate::linalg::krylov::Cg;
use crate::linalg::parallel::{par_chunks, par_fill};
use crate::linalg::{CsrMatrix, LinearSolver};
use crate::network::HeatFlows;
use crate::solve::linear::LinearSolverChoice;
use crate::solve::report::NewtonIteration;
use crate::solve::ThermalSystem;

/// Simplified Newton: refresh the Jacobian (and refactor, or precondition with
/// the old factor) when one iteration reduces the residual by less than this
/// factor. RADAU5's default for the same decision (Hairer & Wanner II, §IV.8,
/// `WORK(3) = 0.001`); on a 256² radiating panel it cut the solves per step
/// from 3.5 to 2.3 for one refactorization per ~30 steps (the current
/// predictor's counts are printed by `cargo test --release --test
/// transient_speed -- --ignored --nocapture`).
pub(crate) const SLOW_CONTRACTION: f64 = 0.001;

/// Contraction above which a kept Jacobian is refreshed even though the
/// forcing term allowed it: the inexact solve accounts for up to `10 ×`
/// forcing, a stale Jacobian for the rest.
const STALE_CONTRACTION: f64 = 0.5;

/// A factorization is reused while `γ` stays within this relative distance.
const GAMMA_REUSE_TOLERANCE: f64 = 1e-6;

/// Krylov iterations allowed with a stale factor as preconditioner before the
/// matrix is factorized afresh (each costs about one triangular solve pair).
pub(crate) const STALE_FACTOR_MAX_ITERATIONS: usize = 4;

/// Krylov iterations beyond the first, summed since the last factorization,
/// after which the next solve refactorizes: one numeric factorization of the
/// 256² benchmark panel costs about 15 triangular solve pairs, so past this
/// budget the stale factor has cost more than a new one would.
pub(crate) const STALE_FACTOR_BUDGET: usize = 15;

/// A kept multigrid hierarchy that preconditions BiCGStab on a newer matrix
/// is prepared afresh once a solve's mean residual reduction per iteration,
/// `ln(relative residual)/iterations`, is above this fraction of the first
/// solve's after the last preparation: each solve then needs about twice the
/// iterations, and one preparation (coarse Galerkin products and the coarsest
/// LU) costs about as much as the extra iterations of a step or two.
const STALE_PRECONDITIONER_RATE: f64 = 0.5;

/// A stale factor preconditions while `γ` stays within this relative distance
/// of the `γ` it was factorized for; beyond, the matrix is factorized afresh.
const STALE_FACTOR_GAMMA_RANGE: f64 = 0.5;

/// The backtracking line search on `‖G‖` (Armijo's test `‖G(T − α δ)‖ ≤
/// (1 − 10⁻⁴ α) ‖G(T)‖`, halving `α`; Dennis & Schnabel, *Numerical Methods
/// for Unconstrained Optimization and Nonlinear Equations*, §6.3). A step
/// taken to close the energy balance (the residual already at its tolerance,
/// where `‖G‖` is round-off and cannot decrease) is taken whole if its
/// residual is finite; the next iteration judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineSearch {
    /// The steady solve's: from a fresh Jacobian every iteration, halves `α`
    /// down to 1/1024 (far from the solution, radiation's `T⁴` can make full
    /// steps overshoot badly), each trial moved from the last by `(α − α_last) δ`.
    Steady,
    /// A time step's: starts from the predictor, near the solution, so halves
    /// `α` only down to 1/64 and only along a Jacobian of this attempt (with
    /// a kept one the Jacobian is refreshed instead); each trial `T − α δ`.
    Step,
}

impl LineSearch {
    /// The smallest step length tried.
    fn min_step(self) -> f64 {
        match self {
            LineSearch::Steady => 1.0 / 1024.0,
            LineSearch::Step => 1.0 / 64.0,
        }
    }
}

/// How a solve stalled with its energy balance open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stall {
    /// A step taken to close the balance raised the residual above its tolerance.
    Wrecked,
    /// A step taken to close the balance did not halve the imbalance.
    NoProgress,
    /// The iteration limit was reached while closing it.
    IterationLimit,
}

impl Stall {
    /// The clause saying how it stopped.
    pub(crate) fn phrase(self) -> &'static str {
        match self {
            Stall::Wrecked => {
                "a Newton step taken to close it raised the residual above the tolerance"
            }
            Stall::NoProgress => "Newton steps no longer reduce it",
            Stall::IterationLimit => "the iteration limit was reached",
        }
    }
}

/// What one Newton solve solves and how it judges its iterates: a steady
/// state ([`SteadyForm`]) or one implicit time step ([`StepForm`]).
pub(crate) trait Form {
    /// Time (s) at which `F` is evaluated.
    fn time_s(&self) -> f64;
    /// `γ` of the time term (1/s); `None` without one (the matrix is `K`).
    fn gamma(&self) -> Option<f64>;
    /// The line search.
    fn line_search(&self) -> LineSearch;
    /// The largest forcing term of the inexact linear solves.
    fn max_forcing(&self) -> f64;
    /// Writes `f = F(t, x)` and `g = G(x)`, and returns `G`'s measures with
    /// the heat flows at `x` when this form measures them at every evaluation.
    fn evaluate(
        &self,
        system: &dyn ThermalSystem,
        core: Rows<'_>,
        x: &[f64],
        f: &mut [f64],
        g: &mut [f64],
    ) -> (Norms, Option<HeatFlows>);
    /// The relative residual of the iterate `x` (`first`: the attempt's
    /// first; `polishing`: the residual met its tolerance before, with the
    /// balance open).
    fn relative(
        &mut self,
        core: &mut NewtonCore<'_>,
        x: &[f64],
        norms: &Norms,
        first: bool,
        polishing: bool,
    ) -> f64;
    /// Whether the energy balance closes at an iterate whose residual met its tolerance.
    fn closes(&mut self, core: &mut NewtonCore<'_>, x: &[f64], norms: &Norms) -> bool;
    /// The error of a solve that stalled with its balance open.
    fn not_closed(
        &mut self,
        core: &mut NewtonCore<'_>,
        x: &[f64],
        norms: &Norms,
        stall: Stall,
    ) -> SolveError;
    /// The error of a solve whose residual did not reach its tolerance.
    fn not_converged(&self, core: &NewtonCore<'_>) -> SolveError;
    /// The error of a failed linear solve.
    fn linear_failed(&mut self, core: &mut NewtonCore<'_>, x: &[f64], e: SolveError) -> SolveError;
    /// Checks an accepted iterate.
    fn accepted(&self, system: &dyn ThermalSystem, x: &[f64]) -> Result<(), SolveError>;
}

/// The core's per-row data a form's evaluation reads.
#[derive(Clone, Copy)]
pub(crate) struct Rows<'c> {
    /// Capacitances `C_i` (J/K).
    pub(crate) cap: &'c [f64],
    /// `|K_ii|` of the current Jacobian.
    pub(crate) k_diag_abs: &'c [f64],
}

/// Newton on `G(T) = γ C (T − B) − Ψ − F(t, T)`, with the Jacobian, the
/// system matrix and its factorization kept between calls as its policies allow.
pub(crate) struct NewtonCore<'a> {
    pub(crate) system: &'a dyn ThermalSystem,
    pub(crate) cap: Vec<f64>,
    linear: StepLinear,
    schedule: JacobianSchedule,
    stale_factor: StaleFactor,
    /// `K = −∂F/∂T` at the last evaluation.
    pub(crate) k: CsrMatrix,
    jacobian: Jacobian,
    /// `|K_ii|`, gathered from `k` once per evaluation (the convergence tests
    /// read it, contiguously).
    pub(crate) k_diag_abs: Vec<f64>,
    /// `γ C + K` (untouched without a time term).
    m: CsrMatrix,
    matrix: Matrix,
    factor: Factor,
    /// CG of the stale-factor solves, its vectors kept between solves.
    stale_cg: Cg,
    pub(crate) tolerance: f64,
    max_iterations: usize,
    g: Vec<f64>,
    delta: Vec<f64>,
    trial: Vec<f64>,
    f_trial: Vec<f64>,
    g_trial: Vec<f64>,
    /// The solve's starting point once parked ([`Start::Parked`]).
    x0: Vec<f64>,
    start: Start,
    /// Heat flows at the last accepted iterate, when the form measures them
    /// with each evaluation (the solution's after [`Self::solve`]).
    pub(crate) flows: Option<HeatFlows>,
    /// [`boundary_coupling_w`](crate::solve::report::boundary_coupling_w) of
    /// the current Jacobian, once needed.
    pub(crate) boundary_coupling: Option<f64>,
    /// Per iterate of the last attempt: relative residual, and the step taken from it.
    pub(crate) history: Vec<NewtonIteration>,
    /// Relative energy imbalances the form recorded in the last attempt.
    pub(crate) imbalances: Vec<f64>,
    pub jacobians: usize,
    pub factorizations: usize,
    pub iterations: usize,
    pub linear_iterations: usize,
}

impl<'a> NewtonCore<'a> {
    /// A core for the time steps of `system`: the linear solver `choice`
    /// resolves to ([`StepLinear::for_steps`]), simplified Newton when
    /// `reuse_jacobian` and the solver keeps work, stale factors as
    /// preconditioners when `stale_krylov` (direct) or `reuse_jacobian`
    /// (multigrid BiCGStab), single-precision sweeps when `single_precision`.
    pub(crate) fn for_steps(
        system: &'a dyn ThermalSystem,
        choice: LinearSolverChoice,
        tolerance: f64,
        max_iterations: usize,
        reuse_jacobian: bool,
        stale_krylov: bool,
        single_precision: bool,
    ) -> Result<Self, SolveError> {
        let linear = StepLinear::for_steps(choice, system, single_precision)?;
        let schedule = if system.is_linear() {
            JacobianSchedule::Constant
        } else if reuse_jacobian && linear.keeps_work() {
            JacobianSchedule::Kept
        } else {
            JacobianSchedule::EveryIteration
        };
        let stale_factor = match linear {
            StepLinear::Direct(_) if stale_krylov && reuse_jacobian => StaleFactor::Precondition,
            StepLinear::Bicgstab(_) if reuse_jacobian => StaleFactor::Precondition,
            _ => StaleFactor::Refactor,
        };
        Ok(Self::new(
            system,
            linear,
            schedule,
            stale_factor,
            tolerance,
            max_iterations,
        ))
    }

    /// A core for steady solves of `system` with `linear`: exact Newton, the
    /// matrix `K`.
    pub(crate) fn steady(
        system: &'a dyn ThermalSystem,
        linear: Box<dyn LinearSolver>,
        tolerance: f64,
        max_iterations: usize,
    ) -> Self {
        Self::new(
            system,
            StepLinear::General(linear),
            JacobianSchedule::EveryIteration,
            StaleFactor::Refactor,
            tolerance,
            max_iterations,
        )
    }

    fn new(
        system: &'a dyn ThermalSystem,
        linear: StepLinear,
        schedule: JacobianSchedule,
        stale_factor: StaleFactor,
        tolerance: f64,
        max_iterations: usize,
    ) -> Self {
        let n = system.unknowns();
        Self {
            system,
            cap: system.capacitance_j_k().to_vec(),
            linear,
            schedule,
            stale_factor,
            k: system.new_matrix(),
            jacobian: Jacobian::None,
            k_diag_abs: vec![0.0; n],
            m: system.new_matrix(),
            matrix: Matrix::Outdated,
            factor: Factor::None,
            stale_cg: Cg::new("stale-factor Krylov"),
            tolerance,
            max_iterations,
            g: vec![0.0; n],
            delta: vec![0.0; n],
            trial: vec![0.0; n],
            f_trial: vec![0.0; n],
            g_trial: vec![0.0; n],
            x0: vec![0.0; n],
            start: Start::InIterate,
            flows: None,
            boundary_coupling: None,
            history: Vec::with_capacity(max_iterations + 1),
            imbalances: Vec::new(),
            jacobians: 0,
            factorizations: 0,
            iterations: 0,
            linear_iterations: 0,
        }
    }

    pub(crate) fn linear_name(&self) -> &'static str {
        self.linear.name()
    }

    /// Heat flows at `(t_s, x)`, the solution of the last [`Self::solve`]:
    /// those its last residual evaluation gave with it (one pass over the
    /// rows for both), or evaluated afresh if there are none.
    pub(crate) fn take_flows(&mut self, t_s: f64, x: &[f64]) -> HeatFlows {
        self.flows
            .take()
            .unwrap_or_else(|| self.system.heat_flows(t_s, x))
    }

    fn refresh_jacobian(&mut self, t_s: f64, x: &[f64]) {
        self.system.jacobian(t_s, x, &mut self.k);
        let (kv, diag) = (self.k.values(), self.system.diagonal_positions());
        par_fill(&mut self.k_diag_abs, |i| kv[diag[i] as usize].abs());
        self.boundary_coupling = None;
        self.jacobian = match self.schedule {
            JacobianSchedule::Constant => Jacobian::Constant,
            JacobianSchedule::Kept | JacobianSchedule::EveryIteration => Jacobian::Refreshed,
        };
        if self.matrix != Matrix::Jacobian {
            self.matrix = Matrix::Outdated;
        }
        self.jacobians += 1;
    }

    /// Solves `G(x) = 0` for `form`: `x` holds the first guess on entry and
    /// the solution on exit, `f` receives `F(t, x)` at the solution. Both are
    /// exchanged with the core's own vectors (swaps, not copies): their
    /// buffers change. An attempt with a kept Jacobian that fails is retried
    /// once from the same start with a fresh one. Returns the iterations.
    pub(crate) fn solve<F: Form>(
        &mut self,
        form: &mut F,
        x: &mut Vec<f64>,
        f: &mut Vec<f64>,
    ) -> Result<usize, SolveError> {
        self.start = Start::InIterate;
        self.flows = None;
        let mut first_error = None;
        for attempt in 0..2 {
            if attempt == 1 && self.start == Start::Parked {
                // The attempt with an old Jacobian failed: retry once with a fresh one.
                x.copy_from_slice(&self.x0);
            }
            match self.attempt(form, x, f, attempt == 1) {
                Ok(it) => return Ok(it),
                Err(e) if self.jacobian.up_to_date() => return Err(e),
                Err(e) => first_error = Some(e),
            }
        }
        Err(first_error.unwrap_or_else(|| {
            SolveError::Internal(InternalError::new("Newton core: no attempt made"))
        }))
    }

    /// One Newton attempt.
    fn attempt<F: Form>(
        &mut self,
        form: &mut F,
        x: &mut Vec<f64>,
        f: &mut Vec<f64>,
        force_fresh: bool,
    ) -> Result<usize, SolveError> {
        let sys = self.system;
        let t = form.time_s();
        let every = self.schedule == JacobianSchedule::EveryIteration;
        // A Jacobian of an earlier attempt is kept, not fresh.
        if self.jacobian == Jacobian::Refreshed {
            self.jacobian = Jacobian::Kept;
        }
        if self.jacobian == Jacobian::None || force_fresh || every {
            self.refresh_jacobian(t, x);
        }
        let rows = Rows {
            cap: &self.cap,
            k_diag_abs: &self.k_diag_abs,
        };
        let (mut norms, flows) = form.evaluate(sys, rows, x, f, &mut self.g);
        self.flows = flows;
        let mut norm = norms.norm;
        self.history.clear();
        self.imbalances.clear();
        let search = form.line_search();
        // `|Σ G|` when the residual met its tolerance with the energy balance
        // still open: each further step must halve it.
        let mut polishing: Option<f64> = None;
        for it in 0..=self.max_iterations {
            let rel = form.relative(self, x, &norms, it == 0, polishing.is_some());
            self.history.push(NewtonIteration {
                relative_residual: rel,
                step_length: 0.0,
                linear_iterations: 0,
            });
            if !rel.is_finite() {
                return Err(form.not_converged(self));
            }
            if let Some(prev) = polishing {
                // The last step was taken to close the balance: it must have
                // kept the residual at its tolerance and halved the imbalance.
                let stall = if rel > self.tolerance {
                    Some(Stall::Wrecked)
                } else if norms.net.abs() > 0.5 * prev {
                    Some(Stall::NoProgress)
                } else {
                    None
                };
                if let Some(stall) = stall {
                    return Err(form.not_closed(self, x, &norms, stall));
                }
            }
            // Converged: the residual below the tolerance and the energy balance closed.
            if rel <= self.tolerance {
                if form.closes(self, x, &norms) {
                    return Ok(it);
                }
                polishing = Some(norms.net.abs());
            }
            if it == self.max_iterations {
                break;
            }
            if every && it > 0 {
                self.refresh_jacobian(t, x);
            }
            self.ensure_matrix(form.gamma())?;
            // Inexact Newton forcing term: loose far from the solution (0.1‖G‖,
            // after Eisenstat & Walker 1996), tight enough near it that one
            // step reaches the tolerance; direct solvers ignore it.
            let forcing = (0.5 * self.tolerance / rel)
                .max(0.1 * rel)
                .clamp(1e-12, form.max_forcing());
            let before = self.linear_iterations;
            if let Err(e) = self.linear_solve(forcing) {
                return Err(form.linear_failed(self, x, e));
            }
            let linear_iterations = self.linear_iterations - before;
            self.iterations += 1;
            // Newton step x − α δ; α keeps every temperature above a tenth of its value.
            let mut alpha = newton_trial(x, &self.delta, &mut self.trial);
            let mut applied = alpha;
            let up_to_date = self.jacobian.up_to_date();
            let (mut trial_norms, mut trial_flows);
            loop {
                let rows = Rows {
                    cap: &self.cap,
                    k_diag_abs: &self.k_diag_abs,
                };
                (trial_norms, trial_flows) =
                    form.evaluate(sys, rows, &self.trial, &mut self.f_trial, &mut self.g_trial);
                let finite = trial_norms.norm.is_finite();
                let decreased = finite && trial_norms.norm <= (1.0 - 1e-4 * alpha) * norm;
                // Backtrack only with an up-to-date Jacobian; with an old one, refresh instead.
                if decreased
                    || !up_to_date
                    || alpha < search.min_step()
                    || polishing.is_some() && finite
                {
                    break;
                }
                alpha *= 0.5;
                match search {
                    LineSearch::Steady => {
                        let change = alpha - applied;
                        for (ti, di) in self.trial.iter_mut().zip(&self.delta) {
                            *ti -= change * di;
                        }
                        applied = alpha;
                    }
                    LineSearch::Step => scaled_trial(x, &self.delta, alpha, &mut self.trial),
                }
            }
            let trial_norm = trial_norms.norm;
            let improved = match polishing {
                Some(prev) => trial_norm.is_finite() && trial_norms.net.abs() <= 0.5 * prev,
                None => trial_norm.is_finite() && trial_norm <= norm,
            };
            if !(up_to_date || improved) {
                // The old Jacobian no longer points downhill: refresh at x and
                // retry (a step to close the balance too: `x` has not moved, so
                // the retry is judged afresh, not against this iterate).
                self.refresh_jacobian(t, x);
                polishing = None;
                continue;
            }
            std::mem::swap(x, &mut self.trial);
            if self.start == Start::InIterate {
                // The start, now in `trial`, is parked in `x0` for a retry.
                std::mem::swap(&mut self.trial, &mut self.x0);
                self.start = Start::Parked;
            }
            std::mem::swap(f, &mut self.f_trial);
            self.flows = trial_flows;
            std::mem::swap(&mut self.g, &mut self.g_trial);
            if let Some(last) = self.history.last_mut() {
                last.step_length = alpha;
                last.linear_iterations = linear_iterations;
            }
            let ratio = trial_norm / norm;
            norm = trial_norm;
            norms = trial_norms;
            // An inexact linear solve limits the contraction to about its forcing term.
            let allowed = SLOW_CONTRACTION.max((10.0 * forcing).min(STALE_CONTRACTION));
            if !up_to_date && ratio > allowed {
                self.refresh_jacobian(t, x);
            }
            form.accepted(sys, x)?;
        }
        Err(match polishing {
            Some(_) => form.not_closed(self, x, &norms, Stall::IterationLimit),
            None => form.not_converged(self),
        })
    }
}

/// Writes the Newton trial point `x − α δ` into `trial` and returns `α`, the
/// largest step ≤ 1 that keeps every temperature above a tenth of its value:
/// `α = min(1, min_i 0.9 x_i / δ_i)` over the rows where `x_i − δ_i < 0.1 x_i`
/// (`δ_i > 0`). One pass writes the full step `x − δ` while it finds `α`
/// (a minimum has the same bits in any order); a second pass only when `α < 1`.
fn newton_trial(x: &[f64], delta: &[f64], trial: &mut [f64]) -> f64 {
    let parts = par_chunks(trial, |first, t| {
        let end = first + t.len();
        let mut alpha = 1.0_f64;
        for ((ti, &xi), &di) in t.iter_mut().zip(&x[first..end]).zip(&delta[first..end]) {
            let v = xi - di;
            *ti = v;
            if di > 0.0 && v < 0.1 * xi {
                alpha = alpha.min(0.9 * xi / di);
            }
        }
        alpha
    });
    let alpha = parts.into_iter().fold(1.0, f64::min);
    if alpha < 1.0 {
        scaled_trial(x, delta, alpha, trial);
    }
    alpha
}

/// `trial = x − α δ`, rows in parallel when long.
fn scaled_trial(x: &[f64], delta: &[f64], alpha: f64, trial: &mut [f64]) {
    par_fill(trial, |i| x[i] - alpha * delta[i]);
}
