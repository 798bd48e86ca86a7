//! Orbit-periodic (cyclic) steady state: the temperature history once start-up
//! has died away, `T(t + P) = T(t)`.
//!
//! # The problem
//!
//! With sources and boundary temperatures periodic in `P`, the network's
//! cyclic state is the fixed point of the period map
//!
//! ```text
//! Φ: x(t₀) ↦ x(t₀ + P)      (one period of the implicit transient solver)
//! ```
//!
//! over the diffusion temperatures. Arithmetic (massless) nodes carry no state
//! of their own: the transient solver brings them into balance with the
//! diffusion nodes at the start of every period, so the map, its periodicity
//! error and the mixing below act on diffusion rows only, and the arithmetic
//! rows of each new start state are those of the last period's end (a first
//! guess for that balance, nothing more).
//!
//! The solver always integrates the same interval `[t₀, t₀ + P]`: forcing that
//! is not exactly periodic (an orbit whose beta angle drifts during the day)
//! is thereby made periodic, as the forcing of that first period repeated.
//!
//! # Method
//!
//! Repeating periods (the plain fixed-point iteration `x ← Φ(x)`) converges
//! at the rate of the slowest thermal mode: a mode of time constant `τ`
//! shrinks by `ρ = exp(−P/τ)` per period, so a heavy structure with `τ = 20 P`
//! (`ρ ≈ 0.95`) needs ~180 periods to go from 10 K to 1e-3 K. And a small
//! change per period then says little: the distance to the cyclic state is
//! about `ρ/(1 − ρ)` times the last change (19× here).
//!
//! Anderson mixing (D. G. Anderson, "Iterative procedures for nonlinear
//! integral equations", *J. ACM* 12, 1965; "type II" form of H. F. Walker and
//! P. Ni, "Anderson acceleration for fixed-point iterations", *SIAM J. Numer.
//! Anal.* 49(4), 2011, with mixing β = 1) takes the next start as
//!
//! ```text
//! x_{k+1} = g_k − Σ_j γ_j Δg_j,     γ = argmin ‖f_k − Σ_j γ_j Δf_j‖₂,
//! ```
//!
//! with `g_k = Φ(x_k)`, `f_k = g_k − x_k` and `Δ` the differences of the last
//! `m` (the depth) iterates. On a linear map it is essentially GMRES on
//! `(I − Φ') x = b` (Walker & Ni 2011): the few slow modes that
//! stall plain repetition are removed within a few periods, at the cost of
//! one period per iteration and `2m` stored states — no sensitivity equations,
//! which shooting with Newton–Krylov on `x − Φ(x)` would need (each Krylov
//! vector a further period, by finite differences or a tangent integration),
//! for the same Krylov convergence. Safeguards: the least-squares columns are
//! dropped, oldest first, while the triangular factor's diagonal spans more
//! than `ANDERSON_MAX_CONDITION` (10⁸); a mixed start whose periodicity error is
//! not below that of the point it was mixed from is abandoned: the history is
//! cleared and the next start is the plain image `Φ` of that earlier point
//! (already computed: only the mixed period is lost); a mixed start with a
//! non-positive or non-finite temperature is replaced by the plain image.
//!
//! Convergence: `max_i |Φ(x)_i − x_i| ≤ tolerance_k` over diffusion unknowns.
//! The final period returned is the one that met it: its history, energy
//! integral (heat in, out and stored over the period close to the Newton
//! tolerance) and start state.
//!
//! Determinism: the transient solver gives the same bits on any thread count;
//! the mixing's sums run serially in index order.

use serde::Serialize;

use crate::error::SolveError;
use crate::network::Profile;
use crate::solve::transient::{
    AdaptiveStep, InitialState, StepControl, TransientOptions, TransientSolution, TransientSolver,
};
use crate::solve::ThermalSystem;

mod anderson;
mod feedback;

use anderson::Anderson;
pub use feedback::{lumped_periodic_response, solve_periodic_with_feedback, Feedback};

/// Default tolerance on the periodicity error `max_i |T_i(t₀+P) − T_i(t₀)|`, K.
///
/// The transient's default absolute step tolerance
/// ([`AdaptiveStep::default`](crate::solve::AdaptiveStep), `atol_k`
/// = 1e-3 K) bounds what one period's integration resolves, so a tighter
/// periodicity is noise; and 1e-3 K keeps the distance to the cyclic state,
/// about `error × ρ/(1 − ρ)` for a slow mode of per-period decay `ρ`, below
/// 0.1 K up to `τ ≈ 100 P` — two orders under the temperature margins added
/// to flight predictions (MIL-STD-1540: 11 °C for correlated models, 17 °C
/// before correlation; Gilmore, *Spacecraft Thermal Control Handbook*, Vol. 1,
/// 2nd ed., 2002, ch. 19).
pub const DEFAULT_PERIODICITY_TOLERANCE_K: f64 = 1e-3;

/// Default limit on periods integrated. Anderson mixing reached the cyclic
/// state in 3–7 periods on the networks of the tests and validation cases (a
/// heavy mass with `τ = 20 P`: 4 periods to 1e-6 K, where plain repetition
/// took 275; validation case cond-10: 7 against 134); plain repetition from a
/// 10 K start error converges within 100 periods for slow modes up to
/// `τ ≈ 10 P` (`100 P/τ > ln(10 K/1e-3 K) ≈ 9.2`).
pub const DEFAULT_MAX_PERIODS: usize = 100;

/// Default Anderson depth `m` (differences kept). On a linear map the mixing
/// acts as GMRES (Walker & Ni 2011), removing about one slow mode per kept
/// difference; a spacecraft network has few slow modes (one per heavy mass),
/// and each kept difference costs two stored states.
pub const DEFAULT_ANDERSON_DEPTH: usize = 5;

/// Largest Anderson depth accepted.
pub const MAX_ANDERSON_DEPTH: usize = 50;

/// Least-squares columns are dropped, oldest first, while the largest and
/// smallest diagonal entries of the triangular factor of the `Δf` columns
/// differ by more than this factor (the column-dropping safeguard of Anderson
/// mixing codes, Walker & Ni 2011, with the diagonal ratio as a cheap
/// condition estimate). The
/// period map is evaluated to about `1e-8 · T` (Newton tolerance and step
/// control), so a least-squares problem conditioned worse than 1e8 would hand
/// that noise to the mixing coefficients as whole kelvins.
pub(crate) const ANDERSON_MAX_CONDITION: f64 = 1e8;

/// Default ratio of a warm-up period's steps to the run's own
/// ([`WarmUp::Coarse`]): four-times-longer steps make a warm-up period a
/// third to a quarter of the cost (longer steps take more Newton iterations),
/// while a second-order method's error, `O((h/τ)²)` of a mode's swing, stays
/// below 1 % for every mode slower than ten long steps — the heavy masses,
/// loops and fed-back sources a warm-up is for. Longer warm-up steps leave
/// more for the full-step periods to correct, and soon cost one more of them.
pub const DEFAULT_WARM_UP_STEP_FACTOR: f64 = 4.0;

/// Largest warm-up step factor accepted.
pub const MAX_WARM_UP_STEP_FACTOR: f64 = 100.0;

/// Fewest fixed steps a warm-up period takes: its step is at most `P / 48`
/// (half an hour of a day, two minutes of a low orbit), so a warm-up still
/// follows the load through the period rather than averaging it away.
pub(crate) const WARM_UP_MIN_STEPS_PER_PERIOD: f64 = 48.0;

/// Newton tolerance of warm-up steps (the run's own when tighter), relative
/// to the heat flowing: a residual of 1e-5 of it moves a node by about that
/// fraction of its heat over its capacity and conductances, micro-kelvins on a
/// spacecraft, far below the longer steps' own error.
pub(crate) const WARM_UP_NEWTON_TOLERANCE: f64 = 1e-5;

/// Loosest relative local-error tolerance of adaptive warm-up steps.
pub(crate) const WARM_UP_MAX_RTOL: f64 = 1e-2;

/// Periods integrated at longer steps before the periods that count.
///
/// A period costs its steps, and what repeated periods have to find is the
/// state of the slow modes (heavy masses, a coolant loop, a source fed back
/// from the solution), which change little within a period and hardly depend
/// on the step. A warm-up runs the same iteration (acceleration, tolerance,
/// period limit, fed-back sources) with longer steps; the full-step periods
/// then start from its cyclic state, where what is left is the fast modes'
/// discretisation difference, which one period damps. The state returned is
/// always that of full-step periods meeting the tolerance: a warm-up changes
/// the cost, not the answer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum WarmUp {
    /// The full-step periods start from the initial state.
    None,
    /// Warm-up periods with steps `step_factor` times longer: fixed steps of
    /// `step_factor · dt` (at most `P / 48`; no warm-up when that is not
    /// longer than `dt`), or adaptive steps with local-error tolerances
    /// `step_factor³` looser (a second-order method's local error is `O(h³)`;
    /// `rtol` at most 1e-2) and a largest step `step_factor` times longer.
    Coarse {
        /// Ratio of warm-up to full steps (1 to [`MAX_WARM_UP_STEP_FACTOR`]).
        step_factor: f64,
    },
}

impl Default for WarmUp {
    fn default() -> Self {
        WarmUp::Coarse {
            step_factor: DEFAULT_WARM_UP_STEP_FACTOR,
        }
    }
}

/// How successive periods are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Acceleration {
    /// Plain repetition: the next period starts where the last one ended.
    None,
    /// Anderson mixing of the last `depth` periods (type II, safeguarded).
    Anderson {
        /// Differences kept (1 to [`MAX_ANDERSON_DEPTH`]).
        depth: usize,
    },
}

impl Default for Acceleration {
    fn default() -> Self {
        Acceleration::Anderson {
            depth: DEFAULT_ANDERSON_DEPTH,
        }
    }
}

impl Acceleration {
    /// Short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Acceleration::None => "none",
            Acceleration::Anderson { .. } => "anderson",
        }
    }
}

/// Options of the periodic solver.
///
/// Fields are public for struct-update syntax; the `with_*` setters validate,
/// and [`PeriodicSolver::new`] validates everything again.
///
/// ```
/// use thermorbit::solve::{Acceleration, PeriodicOptions};
/// use thermorbit::solve::TransientOptions;
/// let opts = PeriodicOptions::new(5_700.0)?
///     .with_transient(TransientOptions::fixed_step(30.0)?)
///     .with_tolerance(1e-4)?
///     .with_max_periods(40)?
///     .with_acceleration(Acceleration::Anderson { depth: 3 })?;
/// assert_eq!(opts.end_s(), 5_700.0);
/// assert!(PeriodicOptions::new(0.0).is_err());
/// # Ok::<(), thermorbit::error::SolveError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodicOptions {
    /// Period `P` (s, > 0).
    pub period_s: f64,
    /// Start of the period `t₀` (s); each iteration integrates `[t₀, t₀ + P]`.
    pub start_s: f64,
    /// Transient settings within a period (method, steps, output times, Newton,
    /// linear solver, where the first period starts). Their span is replaced by
    /// `[t₀, t₀ + P]`.
    pub transient: TransientOptions,
    /// Converged when `max_i |T_i(t₀+P) − T_i(t₀)| ≤ tolerance_k` over diffusion nodes (K).
    pub tolerance_k: f64,
    /// Periods integrated before giving up with [`SolveError::PeriodicNotConverged`].
    pub max_periods: usize,
    /// How periods are combined.
    pub acceleration: Acceleration,
    /// Periods at longer steps that prepare the first full-step period's start.
    pub warm_up: WarmUp,
}

// Option names in error messages.
const PERIOD: &str = "period (s)";
const START: &str = "periodic start time (s)";
const TOLERANCE: &str = "periodicity tolerance (K)";
const MAX_PERIODS: &str = "maximum number of periods";
const DEPTH: &str = "Anderson depth";
const WARM_UP: &str = "warm-up step factor";

/// `Ok` when `ok`, else the option's [`SolveError::InvalidOption`].
fn check(ok: bool, option: &'static str, value: f64, allowed: &'static str) -> CheckResult {
    if ok {
        Ok(())
    } else {
        Err(SolveError::InvalidOption {
            option,
            value,
            allowed,
        })
    }
}

type CheckResult = Result<(), SolveError>;

fn check_period(period_s: f64) -> CheckResult {
    let ok = period_s.is_finite() && period_s > 0.0;
    check(ok, PERIOD, period_s, "finite and > 0")
}

fn check_start(start_s: f64) -> CheckResult {
    check(start_s.is_finite(), START, start_s, "finite")
}

fn check_tolerance(tolerance_k: f64) -> CheckResult {
    let ok = tolerance_k.is_finite() && tolerance_k > 0.0;
    check(ok, TOLERANCE, tolerance_k, "finite and > 0")
}

fn check_max_periods(n: usize) -> CheckResult {
    check(n >= 1, MAX_PERIODS, n as f64, "≥ 1")
}

fn check_warm_up(w: WarmUp) -> CheckResult {
    match w {
        WarmUp::Coarse { step_factor } => check(
            (1.0..=MAX_WARM_UP_STEP_FACTOR).contains(&step_factor),
            WARM_UP,
            step_factor,
            "1 to 100",
        ),
        WarmUp::None => Ok(()),
    }
}

fn check_acceleration(a: Acceleration) -> CheckResult {
    match a {
        Acceleration::Anderson { depth } => check(
            (1..=MAX_ANDERSON_DEPTH).contains(&depth),
            DEPTH,
            depth as f64,
            "1 to 50",
        ),
        Acceleration::None => Ok(()),
    }
}

impl Default for PeriodicOptions {
    /// A one-second period (set it with [`PeriodicOptions::new`]), the
    /// transient defaults (adaptive BDF2), [`DEFAULT_PERIODICITY_TOLERANCE_K`],
    /// [`DEFAULT_MAX_PERIODS`], Anderson mixing of depth
    /// [`DEFAULT_ANDERSON_DEPTH`] and a warm-up at
    /// [`DEFAULT_WARM_UP_STEP_FACTOR`] times longer steps.
    fn default() -> Self {
        Self {
            period_s: 1.0,
            start_s: 0.0,
            transient: TransientOptions::default(),
            tolerance_k: DEFAULT_PERIODICITY_TOLERANCE_K,
            max_periods: DEFAULT_MAX_PERIODS,
            acceleration: Acceleration::default(),
            warm_up: WarmUp::default(),
        }
    }
}

impl PeriodicOptions {
    /// Defaults with period `period_s` (finite, > 0) starting at 0.
    pub fn new(period_s: f64) -> Result<Self, SolveError> {
        check_period(period_s)?;
        Ok(Self {
            period_s,
            ..Self::default()
        })
    }

    /// Sets the start of the period `t₀` (finite).
    pub fn with_start(mut self, start_s: f64) -> Result<Self, SolveError> {
        check_start(start_s)?;
        self.start_s = start_s;
        Ok(self)
    }

    /// Sets the transient settings used within a period (its span is ignored).
    pub fn with_transient(mut self, transient: TransientOptions) -> Self {
        self.transient = transient;
        self
    }

    /// Sets the periodicity tolerance (K, finite and > 0).
    pub fn with_tolerance(mut self, tolerance_k: f64) -> Result<Self, SolveError> {
        check_tolerance(tolerance_k)?;
        self.tolerance_k = tolerance_k;
        Ok(self)
    }

    /// Sets the limit on periods integrated (≥ 1).
    pub fn with_max_periods(mut self, max_periods: usize) -> Result<Self, SolveError> {
        check_max_periods(max_periods)?;
        self.max_periods = max_periods;
        Ok(self)
    }

    /// Sets the acceleration (an Anderson depth from 1 to [`MAX_ANDERSON_DEPTH`]).
    pub fn with_acceleration(mut self, acceleration: Acceleration) -> Result<Self, SolveError> {
        check_acceleration(acceleration)?;
        self.acceleration = acceleration;
        Ok(self)
    }

    /// Sets the warm-up (a step factor from 1 to [`MAX_WARM_UP_STEP_FACTOR`]).
    pub fn with_warm_up(mut self, warm_up: WarmUp) -> Result<Self, SolveError> {
        check_warm_up(warm_up)?;
        self.warm_up = warm_up;
        Ok(self)
    }

    /// End of the period, `t₀ + P` (s).
    pub fn end_s(&self) -> f64 {
        self.start_s + self.period_s
    }

    /// The transient options of one period: [`PeriodicOptions::transient`] over `[t₀, t₀ + P]`.
    pub fn period_options(&self) -> TransientOptions {
        TransientOptions {
            start_s: self.start_s,
            end_s: self.end_s(),
            ..self.transient.clone()
        }
    }

    /// The transient options of one warm-up period ([`WarmUp`]), or `None`
    /// when there is no warm-up (none asked for, or fixed steps it could not
    /// lengthen).
    pub fn warm_up_options(&self) -> Option<TransientOptions> {
        let WarmUp::Coarse { step_factor: f } = self.warm_up else {
            return None;
        };
        let step = match self.transient.step {
            StepControl::Fixed { dt_s } => {
                let long = (f * dt_s).min(self.period_s / WARM_UP_MIN_STEPS_PER_PERIOD);
                if long <= dt_s {
                    return None;
                }
                StepControl::Fixed { dt_s: long }
            }
            StepControl::Adaptive(a) => {
                if f <= 1.0 {
                    return None;
                }
                let looser = f.powi(3);
                StepControl::Adaptive(AdaptiveStep {
                    rtol: (a.rtol * looser).min(WARM_UP_MAX_RTOL.max(a.rtol)),
                    atol_k: a.atol_k * looser,
                    dt_max_s: a.dt_max_s.map(|d| d * f),
                    ..a
                })
            }
        };
        Some(TransientOptions {
            step,
            newton_tolerance: self
                .transient
                .newton_tolerance
                .max(WARM_UP_NEWTON_TOLERANCE),
            ..self.period_options()
        })
    }

    /// Checks every option with the setters' own checks, and the transient
    /// options over one period (output times within it, steps, Newton).
    pub fn validate(&self) -> Result<(), SolveError> {
        check_period(self.period_s)?;
        check_start(self.start_s)?;
        check_tolerance(self.tolerance_k)?;
        check_max_periods(self.max_periods)?;
        check_acceleration(self.acceleration)?;
        check_warm_up(self.warm_up)?;
        let advances = self.end_s().is_finite() && self.end_s() > self.start_s;
        check(
            advances,
            PERIOD,
            self.period_s,
            "large enough to advance t₀ + P",
        )?;
        self.period_options().validate()?;
        match self.warm_up_options() {
            Some(w) => w.validate(),
            None => Ok(()),
        }
    }
}

/// One period of the iteration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PeriodicIteration {
    /// Period number, from 1 (warm-up periods included).
    pub period: usize,
    /// A warm-up period, at longer steps ([`WarmUp`]): it prepares the start
    /// of the full-step periods and cannot end the iteration.
    pub warm_up: bool,
    /// `max_i |T_i(t₀+P) − T_i(t₀)|` over diffusion nodes, K.
    pub error_max_k: f64,
    /// Root mean square of `T_i(t₀+P) − T_i(t₀)` over diffusion nodes, K.
    pub error_rms_k: f64,
    /// The period started from an Anderson-mixed state (not the previous end).
    pub accelerated: bool,
    /// This period's mixed start did not reduce the error: the next period
    /// starts from the plain image of the earlier point, the history cleared.
    pub fallback: bool,
    /// A source set from the solution ([`solve_periodic_with_feedback`]: a
    /// battery's losses) changed after this period: the next period starts
    /// from its plain image under the new source, the history cleared, and
    /// this period cannot be the final one.
    pub source_updated: bool,
}

/// The cyclic steady state.
#[derive(Debug, Clone)]
pub struct PeriodicSolution {
    /// Period (s).
    pub period_s: f64,
    /// Periods integrated, warm-up periods and the final one included.
    pub periods: usize,
    /// Of which warm-up periods, at longer steps.
    pub warm_up_periods: usize,
    /// One entry per period integrated.
    pub iterations: Vec<PeriodicIteration>,
    /// `max_i |T_i(t₀+P) − T_i(t₀)|` of the final period, K (≤ the tolerance).
    pub periodicity_error_k: f64,
    /// The tolerance it met, K.
    pub tolerance_k: f64,
    /// Acceleration used.
    pub acceleration: Acceleration,
    /// Warm-up used.
    pub warm_up: WarmUp,
    /// The final period: outputs over `[t₀, t₀ + P]`, step statistics and
    /// its energy integral (heat in, out and stored over one period).
    pub final_period: TransientSolution,
    /// The converged start state `x(t₀)`, one temperature per unknown (K),
    /// arithmetic nodes in balance at `t₀`.
    pub start_state_k: Vec<f64>,
    /// Accepted time steps over all periods.
    pub total_steps: usize,
}

impl PeriodicSolution {
    /// Temperatures of every node at the end of the final period (K).
    pub fn final_temperatures_k(&self) -> &[f64] {
        self.final_period.final_temperatures_k()
    }

    /// Periods that started from a mixed state.
    pub fn accelerated_periods(&self) -> usize {
        self.iterations.iter().filter(|i| i.accelerated).count()
    }
}

/// Solver of the cyclic steady state. Keeps one [`TransientSolver`] (its
/// linear solver, factorization and work vectors) across periods, and one for
/// the warm-up periods when there are any.
pub struct PeriodicSolver<'a> {
    system: &'a dyn ThermalSystem,
    options: PeriodicOptions,
    transient: TransientSolver<'a>,
    warm_up: Option<TransientSolver<'a>>,
    /// Rows whose temperature is state (diffusion nodes, `C > 0`).
    state_rows: Vec<bool>,
}

impl std::fmt::Debug for PeriodicSolver<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeriodicSolver")
            .field("unknowns", &self.system.unknowns())
            .field("options", &self.options)
            .finish()
    }
}

impl<'a> PeriodicSolver<'a> {
    /// Prepares a solver; validates the options.
    pub fn new(
        system: &'a dyn ThermalSystem,
        options: PeriodicOptions,
    ) -> Result<Self, SolveError> {
        options.validate()?;
        let transient = TransientSolver::new(system, options.period_options())?;
        let warm_up = match options.warm_up_options() {
            Some(o) => Some(TransientSolver::new(system, o)?),
            None => None,
        };
        let state_rows = state_rows(system);
        Ok(Self {
            system,
            options,
            transient,
            warm_up,
            state_rows,
        })
    }

    /// The options in use.
    pub fn options(&self) -> &PeriodicOptions {
        &self.options
    }

    /// The start state the transient options ask for
    /// ([`TransientOptions::initial_state`]: the network's initial
    /// temperatures, given ones, or the steady state at `t₀`).
    pub fn initial_state(&mut self) -> Result<Vec<f64>, SolveError> {
        self.transient.initial_state()
    }

    /// Iterates periods from the options' initial state.
    pub fn solve(
        &mut self,
        progress: &mut dyn FnMut(&PeriodicIteration),
    ) -> Result<PeriodicSolution, SolveError> {
        let x0 = self.initial_state()?;
        self.solve_from(&x0, progress)
    }

    /// Iterates periods from `x0` (one temperature per unknown, K), calling
    /// `progress` after each period.
    pub fn solve_from(
        &mut self,
        x0: &[f64],
        progress: &mut dyn FnMut(&PeriodicIteration),
    ) -> Result<PeriodicSolution, SolveError> {
        let opts = self.options.clone();
        let mut total_steps = 0;
        let (transient, warm_up) = (&mut self.transient, &mut self.warm_up);
        let done = find_cyclic_state(
            x0,
            &self.state_rows,
            &opts,
            |x, stage| {
                let solver = match (stage, warm_up.as_mut()) {
                    (Stage::WarmUp, Some(w)) => w,
                    _ => &mut *transient,
                };
                let sol = solver.solve_from(x)?;
                total_steps += sol.stats.accepted_steps;
                Ok::<_, SolveError>((sol, NextMap::Same))
            },
            |sol| &sol.final_state_k,
            progress,
        )?;
        Ok(done.into_solution(self.system, &self.state_rows, &opts, total_steps))
    }
}

/// Rows whose temperature is state (diffusion nodes, `C > 0`).
fn state_rows(system: &dyn ThermalSystem) -> Vec<bool> {
    system.capacitance_j_k().iter().map(|&c| c > 0.0).collect()
}

impl FixedPoint<TransientSolution> {
    /// The cyclic state this fixed point is, after `total_steps` steps.
    fn into_solution(
        self,
        system: &dyn ThermalSystem,
        rows: &[bool],
        opts: &PeriodicOptions,
        total_steps: usize,
    ) -> PeriodicSolution {
        // The start with its arithmetic rows as the final period balanced them at `t₀`.
        let first = self.image.temperatures_k.first();
        let start_state_k = (0..self.start.len())
            .map(|u| match first {
                Some(row) if !rows[u] => row[system.node_of_unknown(u)],
                _ => self.start[u],
            })
            .collect();
        let warm_up_periods = self.iterations.iter().filter(|i| i.warm_up).count();
        PeriodicSolution {
            period_s: opts.period_s,
            periods: self.iterations.len(),
            warm_up_periods,
            periodicity_error_k: self.error_max_k,
            tolerance_k: opts.tolerance_k,
            acceleration: opts.acceleration,
            warm_up: opts.warm_up,
            iterations: self.iterations,
            final_period: self.image,
            start_state_k,
            total_steps,
        }
    }
}

/// Whether the period map stays the same for the next period.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NextMap {
    /// The same map: the period may end the iteration.
    Same,
    /// A source set from the solution changed ([`solve_periodic_with_feedback`]):
    /// the period cannot end the iteration, the earlier iterates (of another
    /// map) are forgotten, and the next period starts from this one's image
    /// moved by `start_shift` — `(unknown, K)` pairs, the caller's estimate of
    /// how the change moves the cyclic state at `t₀`.
    Changed {
        /// Temperature changes added to the next start, `(unknown, K)`.
        start_shift: Vec<(usize, f64)>,
    },
}

/// Which periods a map evaluation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// A warm-up period, at [`PeriodicOptions::warm_up_options`].
    WarmUp,
    /// A period at the run's own steps, [`PeriodicOptions::period_options`].
    Full,
}

/// The cyclic state reached by [`find_cyclic_state`].
struct FixedPoint<R> {
    /// One entry per period, warm-up periods first.
    iterations: Vec<PeriodicIteration>,
    /// The periodicity error of the last period, K.
    error_max_k: f64,
    /// The last start `x`.
    start: Vec<f64>,
    /// What the map returned for it (the final period).
    image: R,
}

/// Where [`iterate_periods`] stopped.
struct Iterated<R> {
    /// One entry per period of this stage.
    iterations: Vec<PeriodicIteration>,
    /// Converged: the start that met the tolerance; otherwise the start the
    /// next period would have taken.
    start: Vec<f64>,
    /// The image of the start that met the tolerance with a settled map;
    /// `None` when the period limit came first.
    converged: Option<R>,
}

/// The cyclic state from `x0`: the warm-up periods (when the options have
/// any) iterated to the tolerance, then the full-step periods from the
/// warm-up's cyclic state (or, when the warm-up did not converge within the
/// period limit, from where it stopped). `phi` integrates one period of the
/// given stage (see [`iterate_periods`]). Fails with
/// [`SolveError::PeriodicNotConverged`], carrying the full-step periods'
/// history, when they do not meet the tolerance within the period limit.
fn find_cyclic_state<R, E: From<SolveError>>(
    x0: &[f64],
    rows: &[bool],
    opts: &PeriodicOptions,
    mut phi: impl FnMut(&[f64], Stage) -> Result<(R, NextMap), E>,
    end_state: impl Fn(&R) -> &[f64],
    progress: &mut dyn FnMut(&PeriodicIteration),
) -> Result<FixedPoint<R>, E> {
    let mut start = x0.to_vec();
    let mut iterations = Vec::new();
    if opts.warm_up_options().is_some() {
        let warm = iterate_periods(
            &start,
            rows,
            opts,
            Stage::WarmUp,
            0,
            |x| phi(x, Stage::WarmUp),
            &end_state,
            progress,
        )?;
        start = match &warm.converged {
            Some(image) => end_state(image).to_vec(),
            None => warm.start,
        };
        iterations = warm.iterations;
    }
    let full = iterate_periods(
        &start,
        rows,
        opts,
        Stage::Full,
        iterations.len(),
        |x| phi(x, Stage::Full),
        &end_state,
        progress,
    )?;
    let Some(image) = full.converged else {
        return Err(SolveError::PeriodicNotConverged {
            periods: opts.max_periods,
            tolerance_k: opts.tolerance_k,
            error_max_k: full.iterations.iter().map(|i| i.error_max_k).collect(),
            error_rms_k: full.iterations.iter().map(|i| i.error_rms_k).collect(),
        }
        .into());
    };
    let error_max_k = full.iterations.last().map_or(0.0, |i| i.error_max_k);
    iterations.extend(full.iterations);
    Ok(FixedPoint {
        iterations,
        error_max_k,
        start: full.start,
        image,
    })
}

/// The fixed-point iteration `x ← Φ(x)` of one stage over the state rows
/// `rows`, with the options' acceleration, tolerance and period limit (see the
/// module doc), its periods numbered after `periods_before`: `phi` integrates
/// one period from a start and says whether the map stays the same for the
/// next period ([`NextMap`]); `end_state` reads the end state from what it
/// returns.
#[allow(clippy::too_many_arguments)]
fn iterate_periods<R, E: From<SolveError>>(
    x0: &[f64],
    rows: &[bool],
    opts: &PeriodicOptions,
    stage: Stage,
    periods_before: usize,
    mut phi: impl FnMut(&[f64]) -> Result<(R, NextMap), E>,
    end_state: impl Fn(&R) -> &[f64],
    progress: &mut dyn FnMut(&PeriodicIteration),
) -> Result<Iterated<R>, E> {
    let mut anderson = match opts.acceleration {
        Acceleration::Anderson { depth } => Some(Anderson::new(depth)),
        Acceleration::None => None,
    };
    let mut iterations: Vec<PeriodicIteration> = Vec::new();
    let mut x = x0.to_vec();
    let mut accelerated = false;
    // The point the current mixed start came from: its error and its image Φ.
    let mut origin: Option<(f64, Vec<f64>)> = None;
    for period in periods_before + 1..=periods_before + opts.max_periods {
        let (image, next_map) = phi(&x)?;
        let settled = matches!(next_map, NextMap::Same);
        let g = end_state(&image).to_vec();
        let f: Vec<f64> = x
            .iter()
            .zip(&g)
            .zip(rows)
            .map(|((a, b), &s)| if s { b - a } else { 0.0 })
            .collect();
        let (error_max_k, error_rms_k) = error_norms(&f, rows);
        let fallback = accelerated
            && origin
                .as_ref()
                .is_some_and(|(e_origin, _)| error_max_k >= *e_origin);
        let it = PeriodicIteration {
            period,
            warm_up: stage == Stage::WarmUp,
            error_max_k,
            error_rms_k,
            accelerated,
            fallback,
            source_updated: !settled,
        };
        iterations.push(it);
        progress(&it);
        if settled && error_max_k <= opts.tolerance_k {
            return Ok(Iterated {
                iterations,
                start: x,
                converged: Some(image),
            });
        }
        // Dropped before the next period: a history can be large.
        drop(image);
        if let NextMap::Changed { start_shift } = next_map {
            // A new map from the next period on: its plain image, moved by
            // the change's estimated effect, and a fresh history.
            if let Some(a) = anderson.as_mut() {
                a.clear();
            }
            origin = None;
            x = g;
            for (u, dt) in start_shift {
                if let Some(t) = x.get_mut(u) {
                    *t += dt;
                }
            }
            accelerated = false;
            continue;
        }
        if fallback {
            // Back to the plain image of the point the mixed start came from.
            if let Some(a) = anderson.as_mut() {
                a.clear();
            }
            if let Some((_, g_origin)) = origin.take() {
                x = g_origin;
            }
            accelerated = false;
            continue;
        }
        match anderson.as_mut().and_then(|a| a.next(&f, &g, rows)) {
            Some(next) => {
                origin = Some((error_max_k, g));
                x = next;
                accelerated = true;
            }
            None => {
                origin = None;
                x = g;
                accelerated = false;
            }
        }
    }
    Ok(Iterated {
        iterations,
        start: x,
        converged: None,
    })
}

/// Max and RMS of `f` over the state rows (0, 0 when there are none).
fn error_norms(f: &[f64], rows: &[bool]) -> (f64, f64) {
    let (mut max, mut sum, mut count) = (0.0_f64, 0.0, 0usize);
    for (v, _) in f.iter().zip(rows).filter(|(_, &s)| s) {
        max = max.max(v.abs());
        sum += v * v;
        count += 1;
    }
    let rms = if count > 0 {
        (sum / count as f64).sqrt()
    } else {
        0.0
    };
    (max, rms)
}

/// Mean of `profile` over `[t0_s, t1_s]`: composite 4-point Gauss–Legendre
/// quadrature on `PROFILE_MEAN_PANELS` (64) equal panels between consecutive
/// discontinuities (exact for a tabulated series, whose pieces are linear;
/// for a harmonic the error falls like the 8th power of the panel width over
/// its period). A constant is returned as is; an empty interval gives the
/// value at `t0_s` (as does a non-finite one). Used to build the period-averaged network whose steady
/// state starts a periodic run.
pub fn profile_mean(profile: &Profile, t0_s: f64, t1_s: f64) -> f64 {
    if let Profile::Constant(v) = profile {
        return *v;
    }
    if t1_s <= t0_s || !(t1_s - t0_s).is_finite() {
        return profile.value_at(t0_s);
    }
    // Gauss–Legendre nodes and weights on [−1, 1] (Abramowitz & Stegun, Table 25.4).
    const NODES: [f64; 4] = [
        -0.861_136_311_594_052_6,
        -0.339_981_043_584_856_3,
        0.339_981_043_584_856_3,
        0.861_136_311_594_052_6,
    ];
    const WEIGHTS: [f64; 4] = [
        0.347_854_845_137_453_9,
        0.652_145_154_862_546_1,
        0.652_145_154_862_546_1,
        0.347_854_845_137_453_9,
    ];
    let mut cuts = vec![t0_s];
    cuts.extend(
        profile
            .discontinuities(t0_s, t1_s)
            .into_iter()
            .filter(|&t| t > t0_s && t < t1_s),
    );
    cuts.push(t1_s);
    cuts.sort_by(f64::total_cmp);
    let mut integral = 0.0;
    for w in cuts.windows(2) {
        let h = (w[1] - w[0]) / PROFILE_MEAN_PANELS as f64;
        for p in 0..PROFILE_MEAN_PANELS {
            let mid = w[0] + (p as f64 + 0.5) * h;
            for (x, wt) in NODES.iter().zip(WEIGHTS) {
                integral += wt * 0.5 * h * profile.value_at(mid + 0.5 * h * x);
            }
        }
    }
    integral / (t1_s - t0_s)
}

/// Panels per smooth piece in [`profile_mean`]: a harmonic whose period spans
/// the whole interval is integrated to ~1e-13 relative.
pub(crate) const PROFILE_MEAN_PANELS: usize = 64;

/// Solves for the cyclic steady state from the options' initial state
/// ([`TransientOptions::initial_state`] of [`PeriodicOptions::transient`]),
/// calling `progress` after each period.
///
/// Fails with [`SolveError::PeriodicNotConverged`] (the error history as
/// numbers) when `max_periods` pass without meeting the tolerance, with
/// [`crate::error::NetworkError::NoPathToSink`] when a steady start is asked
/// for and a node floats, and with the transient solver's errors when a period
/// cannot be integrated.
pub fn solve_periodic(
    system: &dyn ThermalSystem,
    options: &PeriodicOptions,
    progress: &mut dyn FnMut(&PeriodicIteration),
) -> Result<PeriodicSolution, crate::Error> {
    if options.transient.initial_state == InitialState::Steady {
        system.check_grounded()?;
    }
    let mut solver = PeriodicSolver::new(system, options.clone())?;
    Ok(solver.solve(progress)?)
}

#[cfg(test)]
mod tests;
