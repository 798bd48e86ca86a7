//! Implicit transient solver: backward Euler, BDF2 and the trapezoidal rule,
//! with Newton per step, local-error step control, exact landing on the
//! network's discontinuities, and outputs from each method's own interpolant.
//!
//! # The equations
//!
//! For diffusion nodes (heat capacity `C_i > 0`) and arithmetic nodes (`C_i = 0`)
//! the network is the semi-explicit index-1 DAE
//!
//! ```text
//! C_i dT_i/dt = F_i(t, T)     (diffusion)
//!           0 = F_i(t, T)     (arithmetic)
//! ```
//!
//! with `F` the net heat into each unknown
//! ([`AssembledNetwork::residual`]). Every step from `t_n` to `t_{n+1} = t_n + h`
//! solves one nonlinear system of the form
//!
//! ```text
//! G(T) = γ C (T − B) − Ψ − F(t_{n+1}, T) = 0,         ∂G/∂T = γ C + K,   K = −∂F/∂T
//! ```
//!
//! where the method fixes `γ`, the base state `B` and the explicit part `Ψ`:
//!
//! | method | γ | B | Ψ | local error |
//! |---|---|---|---|---|
//! | backward Euler | `1/h` | `T_n` | 0 | `h²/2 · T''` |
//! | trapezoidal | `2/h` | `T_n` | `F(t_n, T_n)` on diffusion rows, 0 on arithmetic rows | `h³/12 · T'''` |
//! | BDF2, ω = h/h_{n−1} | `(1+2ω)/((1+ω) h)` | `((1+ω) T_n − ω²/(1+ω) T_{n−1}) · (1+ω)/(1+2ω)` | 0 | `h³ (1+ω)² / (6ω(1+2ω)) · T'''` |
//!
//! The variable-step BDF2 formula is
//! `T_{n+1} − (1+ω)²/(1+2ω) T_n + ω²/(1+2ω) T_{n−1} = h (1+ω)/(1+2ω) T'_{n+1}`
//! (Hairer & Wanner, *Solving Ordinary Differential Equations II*, 2nd ed.,
//! §III.5 and §V.1; zero-stable for ω < 1 + √2, so the step may grow by at most
//! [`BDF2_MAX_RATIO`] per step). BDF2 and backward Euler are L-stable; the
//! trapezoidal rule is A-stable only. Arithmetic rows are always implicit
//! (`0 = F(t_{n+1}, T_{n+1})`, the Ψ term is zero there): the trapezoidal rule
//! applied to algebraic rows of an index-1 DAE is only marginally stable and
//! rings (Hairer & Wanner II, §VI.1), which this avoids. The diffusion rows of
//! the trapezoidal rule stay trapezoidal.
//!
//! BDF2 and the trapezoidal rule start, and restart after every discontinuity
//! of a source or boundary temperature (the history before a discontinuity is
//! not smooth and must not be used), with one self-starting TR-BDF2 step: a
//! trapezoidal stage to `t + γh` followed by a BDF2 step through `t`, `t + γh`
//! and `t + h`, with `γ = 2 − √2` (Bank et al., *IEEE Trans. Electron Devices*
//! 32, 1985; Hosea & Shampine, *Appl. Numer. Math.* 20, 1996). It is second
//! order and L-stable, so it damps the stiff modes of a sudden change (a face
//! suddenly held at a new temperature) as a backward-Euler start would, without
//! the backward-Euler start's O(h²) contribution to the global error, which on
//! the radiating-body test kept BDF2's observed order near 1 until h ≈ T/300.
//! Its trapezoidal stage needs `F(t⁺, T)`: arithmetic nodes are first brought
//! into balance at `t⁺` (a backward-Euler step of negligible length whose
//! diffusion temperatures are put back, so no energy is stored).
//!
//! Predictor: the quintic through the last six accepted points of the segment
//! (fewer after a restart; `T + h T'` at a segment start), in Lagrange form for
//! any step sizes, so a second-order step usually converges in one Newton
//! iteration. The predictor only sets where Newton starts, never the answer.
//!
//! # Energy
//!
//! Heat in and out are integrated with each method's own quadrature — right
//! point for backward Euler, trapezoidal for the trapezoidal rule and stage,
//! and for BDF2 the same recursion applied to `E' = q`,
//! `a Q_{n+1} − b Q_n = h q_{n+1}` (`a = (1+2ω)/(1+ω)`, `b = ω²/(1+ω)`) — so the
//! sum over steps of `Σ C ΔT` equals `∫ heat in − ∫ heat out` up to the Newton
//! residual: the balance closes to the Newton tolerance, not to the truncation
//! error.

//! # Newton
//!
//! Each step's system is solved by Newton's method with the exact Jacobian
//! `γC + K` ([`AssembledNetwork::jacobian`], `C` added on the diagonal through
//! [`AssembledNetwork::diagonal_positions`]). Convergence is judged as in the
//! steady solver, relative to the heat flowing: the part of `‖G‖₁` above each
//! row's own round-off level must fall below `tolerance × heat flowing` (a row
//! whose `γ C T` term dwarfs its heat flows, in a very short step, is not asked
//! for digits it cannot have), and the step's energy balance `Σ_i G_i` must
//! close to `tolerance × heat flowing` plus the round-off of the stored-heat
//! and boundary terms. The second test is the honest one: conductors between
//! two unknowns cancel in `Σ G`, so no conductance enlarges its scale, whereas
//! a row's round-off level grows with `K_ii |T_i|` — with k = 1e18 W/(m·K) a
//! panel row ignores watts, and steps whose mean temperature was off passed the
//! first test alone (the run ended with a 1.5 % imbalance). When the residual
//! passes and the balance does not, Newton goes on; each further step must
//! halve the imbalance, or the step fails with
//! [`SolveError::EnergyBalanceNotClosed`] (adaptive runs retry it shorter,
//! [`MAX_ENERGY_RETRIES`] times in a row). The run's energy integral is the sum
//! of the steps' balances, so it closes too. With a direct linear solver
//! ([`crate::linalg::DirectSolver`]: symbolic factorization once, numeric
//! factorization per matrix, then any number of triangular solves) the matrix
//! and its factor are kept across iterations and steps (a simplified Newton,
//! Hairer & Wanner II, §IV.8) and refreshed only when `γ` changes or an
//! iteration reduces the residual by less than [`SLOW_CONTRACTION`]; for a
//! linear network (no radiation) `K` is constant and a fixed-step run factors
//! the matrix once per distinct `γ`. A refreshed matrix is not factorized at
//! once ([`FactorReuse::krylov`]): the Newton system with the current matrix is
//! solved by CG (BiCGStab when non-symmetric) preconditioned by the old factor
//! to the forcing term, and the matrix is factorized afresh only when that
//! takes more than [`STALE_FACTOR_MAX_ITERATIONS`] iterations, when the
//! iterations spent since the last factorization pass [`STALE_FACTOR_BUDGET`],
//! or when `γ` moved by more than half (on the 256² orbit benchmark with the cubic predictor: 11
//! instead of 28 factorizations, 1.74 instead of 1.57 solve pairs per step;
//! `cargo test --release --test transient_speed -- --ignored --nocapture
//! speed_orbit_factor_reuse_variants`). The
//! Cholesky sweeps may read an `f32` copy of the factor
//! ([`FactorReuse::single_precision`], the default): the exact residual and
//! the outer iteration correct its ~1e-7 relative error. Multigrid-preconditioned CG keeps its
//! hierarchy the same way (structure once, numeric values updated when the
//! matrix is rebuilt) and solves each Newton system inexactly, to the
//! Eisenstat–Walker forcing term of the steady solver capped at 0.1 instead of
//! 0.01 (a step that starts near the tolerance needs little); a contraction no
//! better than ten times that term (at most ½) is then not taken for a stale
//! Jacobian. Other iterative
//! solvers evaluate the Jacobian at every iteration (exact Newton, inexact
//! linear solves). The residual is always exact, so reusing the Jacobian
//! changes only the number of iterations, never the answer. A step whose Newton fails is retried with a
//! quarter of the step (adaptive) or reported as
//! [`SolveError::TransientStepFailed`] with the residual history (fixed).

//! # Step control
//!
//! The local error is estimated from divided differences of the time
//! derivative `T' = F/C` on diffusion rows (`T''` from two values, `T'''` from
//! three), which the Newton solve gives for free; with the method's error
//! constant above this is the classical estimate of Hindmarsh's LSODE and
//! Shampine's codes (L. F. Shampine, *Numerical Solution of Ordinary
//! Differential Equations*, 1994, §§5–8). A step is accepted when
//! `max_i |err_i| / (atol + rtol·|T_i|) ≤ 1`; the next step is
//! `h · clamp(safety · err^(−1/(p+1)), max_shrink, max_growth)` (`p` the order
//! of the estimate), kept unchanged when the factor lies in `[1, 1.2]` so that
//! the factorization can be reused (Hairer & Wanner II, §IV.8, RADAU5's
//! `quot1`/`quot2`).
//!
//! Arithmetic rows have no `T'`: their estimate uses divided differences of
//! their own values through the segment's points (`AlgebraicPoints`), with
//! the method's error constant. In an index-1 DAE they are functions of the
//! diffusion rows at the step points, but they also follow sources and
//! boundary temperatures directly and are interpolated between steps, and a
//! network of arithmetic nodes alone has nothing else to set its steps.
//!
//! What the tolerances control: `rtol` and `atol_k` bound each step's
//! *local* error, `|err_i| ≤ atol_k + rtol·|T_i|`, as in LSODE — not the
//! error at the end, which is the local errors carried to the end. On a
//! contractive problem it stays below `rtol × steps`; measured on the
//! radiating body (tests/transient_lumped.rs) it is 2–50 `rtol` for BDF2 and
//! the trapezoidal rule from `rtol` = 1e-3 to 1e-6, falling as `rtol^(2/3)`.
//! On the lumped radiative cooling case (validation/rad-01-lumped-cooling.toml,
//! 400 s from 600 K to a 0 K sink) the largest error over the run is
//! measured per method and `rtol` by `val_rad_01_global_error_per_rtol` and
//! tabulated in the README (BDF2: 1.5 K at 1e-3, 0.35 K at 1e-4, 0.09 K at
//! 1e-5). Fixed steps ignore both tolerances.
//!
//! Steps land exactly on every time returned by
//! [`AssembledNetwork::discontinuities`] (eclipse entry and exit, table
//! corners) and on the end time: a step never spans a jump of a source or a
//! boundary temperature. Approaching a landing, the remaining interval is
//! split into two equal steps when it is shorter than two steps, so no sliver
//! step is taken, and the step size before the landing is restored
//! afterwards: a landing never shrinks the later steps.
//!
//! # Outputs
//!
//! Output times do not constrain the steps: a fixed step is taken as given
//! and adaptive steps are as long as `rtol` allows, however many outputs are
//! asked for. Temperatures at an output time inside a step come from the
//! method's dense output over that step (`TransientSolver::dense_output`:
//! linear for backward Euler, the cubic Hermite with `T'` at both ends for the
//! trapezoidal rule, the quadratic through the last three points for BDF2), of
//! the method's own order, so outputs are as accurate as the steps. An output
//! at a step's end (the end time, a discontinuity, a time on the fixed-step
//! grid) is that step's state, bit for bit. Energy is integrated over the
//! steps, never the interpolant: [`TransientSolution::interval_energy`] sums
//! whole steps, so each interval closes as the steps do.

// Index loops over several vectors at once mirror the equations.
#![allow(clippy::needless_range_loop)]

use serde::{Deserialize, Serialize};

use crate::error::SolveError;
use crate::linalg::krylov::{bicgstab, zip_update, Cg};
use crate::linalg::parallel::{on_pool_thread, par_chunks, par_fill, rows_of};
use crate::linalg::{CsrMatrix, DirectSolver, LinearSolver, MultigridCg, MultigridOptions};
use crate::network::{AssembledNetwork, HeatFlows};
use crate::solve::linear::{
    mostly_grid, new_linear_solver, LinearSolverChoice, DIRECT_LIMIT_UNKNOWNS,
};
use crate::solve::report::{boundary_coupling_w, EnergyBalance, ENERGY_ROUNDOFF_ULPS};
use crate::solve::steady::{energy_history, format_history, SteadyOptions, SteadySolver};

/// Largest ratio of successive BDF2 steps (zero stability needs < 1 + √2 ≈ 2.414;
/// Hairer & Wanner II, §III.5, Theorem 5.3 of Grigorieff's analysis).
pub const BDF2_MAX_RATIO: f64 = 2.0;

/// With `Auto`, a network that is mostly grid cells (at least
/// [`MULTIGRID_GRID_FRACTION`](crate::solve::linear::MULTIGRID_GRID_FRACTION)
/// of its unknowns) and symmetric is solved by multigrid-preconditioned CG with
/// the hierarchy kept across steps above
/// [`DIRECT_LIMIT_UNKNOWNS`]
/// unknowns, as in the steady solver; a sparse direct factorization (kept
/// across steps) is used below that, and for other networks up to this many
/// unknowns (a 2D panel of 300k cells needs about 250 MB for its Cholesky
/// factor), the linear module's `auto` choice above.
///
/// Crossover, one orbit at 10 s steps of an `n²` panel with 100 lumped nodes
/// (`ORBIT_N=n cargo test --release --test transient_speed -- --ignored
/// --nocapture speed_orbit_direct_only speed_orbit_multigrid_only`): at 64²
/// the kept factor takes half the time of multigrid (0.25–0.28 s against
/// 0.40–0.47 s), at 128² they are even (1.8–1.9 s against 1.7–2.1 s), at
/// 256² multigrid is faster (5.8–6.4 s against 5.9–7.2 s and 8.9–9.6 s of
/// CPU against 9.6–11.7 s, four alternated runs, load 2).
/// A step needs about 1.2 triangular solve pairs or about 3.2 V-cycles; the
/// V-cycles' working set (a single-precision stencil per level) stays in
/// cache where the factor (2.4 M entries at 256²) does not.
pub const TRANSIENT_DIRECT_LIMIT_UNKNOWNS: usize = 300_000;

/// TR-BDF2 stage fraction γ = 2 − √2: the scheme is L-stable and its two stages
/// have the same `γ C + K` up to a factor (Hosea & Shampine, "Analysis and
/// implementation of TR-BDF2", *Appl. Numer. Math.* 20, 1996).
const TR_BDF2_GAMMA: f64 = 2.0 - std::f64::consts::SQRT_2;

/// TR-BDF2 local error constant `|(−3γ² + 4γ − 2) / (12 (2 − γ))|` ≈ 0.0404
/// (Hosea & Shampine 1996).
const TR_BDF2_ERROR_CONSTANT: f64 = 0.040_440_114_519_880_86;

/// Round-off allowance of each residual row, in ulps of the magnitudes summed in it.
const ROUNDOFF_ULPS: f64 = 8.0;

/// Simplified Newton: refresh the Jacobian (and refactor, or precondition with the old factor) when one iteration
/// reduces the residual by less than this factor. RADAU5's default for the same
/// decision (Hairer & Wanner II, §IV.8, `WORK(3) = 0.001`); on a 256² radiating
/// panel it cut the solves per step from 3.5 to 2.3 for one refactorization per
/// ~30 steps (1.5 with the quadratic predictor then in use; the current
/// predictor's counts are printed by `cargo test --release --test transient_speed --
/// --ignored --nocapture`).
pub const SLOW_CONTRACTION: f64 = 0.001;

/// Largest forcing term of an inexact Newton iteration (Eisenstat & Walker,
/// "Choosing the forcing terms in an inexact Newton method", *SIAM J. Sci.
/// Comput.* 17, 1996, bound the term by `η_max` < 1; 0.1 here). The term is
/// `max(½ tolerance / ‖G‖, 0.1 ‖G‖)` (relative residuals): a step whose
/// predictor is already within a few times the tolerance asks its linear solve
/// for the reduction the tolerance needs, with a factor 2 to spare, instead of
/// a fixed 100×. On the 256² orbit benchmark (mid-orbit predictors at about
/// 10× the tolerance) the cap 0.1 instead of 0.01 takes 2.87 instead of 3.19
/// linear iterations per step for 1.19 instead of 1.15 Newton iterations.
const FORCING_MAX: f64 = 0.1;

/// Contraction above which a kept Jacobian is refreshed even though the
/// forcing term allowed it: the inexact solve accounts for up to `10 ×`
/// forcing, a stale Jacobian for the rest.
const STALE_CONTRACTION: f64 = 0.5;

/// Consecutive step failures for an energy balance Newton could not close
/// ([`SolveError::EnergyBalanceNotClosed`]) that an adaptive run retries with a
/// quarter of the step before giving up: a shorter step adds `C/h` to the
/// matrix's diagonal and may bring an ill-conditioned step within double
/// precision, but a network that needs steps 64 times shorter than its
/// accuracy asks for is too ill-conditioned to be worth crawling through.
const MAX_ENERGY_RETRIES: usize = 3;

/// A factorization is reused while `γ` stays within this relative distance.
const GAMMA_REUSE_TOLERANCE: f64 = 1e-6;

/// Krylov iterations allowed with a stale factor as preconditioner before the
/// matrix is factorized afresh (each costs about one triangular solve pair).
pub const STALE_FACTOR_MAX_ITERATIONS: usize = 4;

/// Krylov iterations beyond the first, summed since the last factorization,
/// after which the next solve refactorizes: one numeric factorization of the
/// 256² benchmark panel costs about 15 triangular solve pairs, so past this
/// budget the stale factor has cost more than a new one would.
pub const STALE_FACTOR_BUDGET: usize = 15;

/// A stale factor preconditions while `γ` stays within this relative distance
/// of the `γ` it was factorized for; beyond, the matrix is factorized afresh.
const STALE_FACTOR_GAMMA_RANGE: f64 = 0.5;

/// Integration formula of the implicit solver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransientMethod {
    /// Backward Euler: first order, L-stable.
    BackwardEuler,
    /// Variable-step BDF2: second order, L-stable (the default).
    #[default]
    Bdf2,
    /// Trapezoidal rule (Crank–Nicolson) on diffusion rows, implicit algebraic rows:
    /// second order, A-stable.
    Trapezoidal,
}

impl TransientMethod {
    /// Short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            TransientMethod::BackwardEuler => "backward-euler",
            TransientMethod::Bdf2 => "bdf2",
            TransientMethod::Trapezoidal => "trapezoidal",
        }
    }

    /// Order of accuracy.
    pub fn order(self) -> usize {
        match self {
            TransientMethod::BackwardEuler => 1,
            TransientMethod::Bdf2 | TransientMethod::Trapezoidal => 2,
        }
    }
}

/// Settings of adaptive step-size control.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaptiveStep {
    /// Relative tolerance on each temperature's local error per step.
    pub rtol: f64,
    /// Absolute tolerance on each temperature's local error per step (K).
    pub atol_k: f64,
    /// First step (s); `None` picks one from the initial rates of change.
    pub initial_dt_s: Option<f64>,
    /// Smallest step (s) before giving up with [`SolveError::StepTooSmall`];
    /// `None` means 1e-10 × the run's span.
    pub dt_min_s: Option<f64>,
    /// Largest step (s); `None` means the run's span.
    pub dt_max_s: Option<f64>,
    /// Safety factor on the predicted step (0 < safety < 1).
    pub safety: f64,
    /// Largest growth of the step from one step to the next (> 1; BDF2 also
    /// respects [`BDF2_MAX_RATIO`]).
    pub max_growth: f64,
    /// Smallest factor applied after a rejected step (0 < max_shrink < 1).
    pub max_shrink: f64,
}

impl Default for AdaptiveStep {
    fn default() -> Self {
        Self {
            rtol: 1e-4,
            atol_k: 1e-3,
            initial_dt_s: None,
            dt_min_s: None,
            dt_max_s: None,
            safety: 0.9,
            max_growth: 2.0,
            max_shrink: 0.2,
        }
    }
}

/// How the step size is chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StepControl {
    /// Steps of `dt_s` on the grid `start + k dt_s`, split only where a
    /// discontinuity of a source or boundary temperature falls between grid
    /// points, and at the end time (a grid point closer than `dt_s/10` after
    /// such a time is skipped, so no step is shorter than `dt_s/10` unless two
    /// discontinuities are closer than that). Output times never split a step.
    Fixed {
        /// Step (s, > 0).
        dt_s: f64,
    },
    /// Local-error control.
    Adaptive(AdaptiveStep),
}

/// Where the run starts.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum InitialState {
    /// The network's initial temperatures (arithmetic nodes are first brought into balance).
    #[default]
    Network,
    /// One temperature per unknown (K, > 0), in unknown order.
    Given(Vec<f64>),
    /// The steady state at the start time (the network must be grounded).
    Steady,
}

/// Options of the transient solver.
///
/// Fields are public for struct-update syntax; the `with_*` setters validate,
/// and [`TransientSolver::new`] validates everything again.
///
/// ```
/// use thermorbit::solve::transient::{TransientMethod, TransientOptions};
/// let opts = TransientOptions::adaptive(1e-5, 1e-4)?
///     .with_span(0.0, 5_700.0)?
///     .with_method(TransientMethod::Bdf2)
///     .with_output_interval(60.0)?;
/// assert!(TransientOptions::fixed_step(-1.0).is_err());
/// # Ok::<(), thermorbit::error::SolveError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TransientOptions {
    /// Start time (s).
    pub start_s: f64,
    /// End time (s, ≥ start).
    pub end_s: f64,
    /// Integration formula.
    pub method: TransientMethod,
    /// Fixed or adaptive steps.
    pub step: StepControl,
    /// Times (s) at which temperatures are reported, within `[start_s, end_s]`.
    /// The start and end are always reported. They do not constrain the
    /// steps: values inside a step come from the method's dense output.
    pub output_times_s: Vec<f64>,
    /// Also report every `output_interval_s` from the start (not a step limit).
    pub output_interval_s: Option<f64>,
    /// Newton converges when `‖G‖₁ ≤ newton_tolerance × heat flowing`.
    pub newton_tolerance: f64,
    /// Newton iteration limit per step.
    pub max_newton_iterations: usize,
    /// Keep the Jacobian and its factorization across iterations and steps while
    /// Newton contracts fast (direct factor or multigrid hierarchy; other
    /// solvers always take full Newton). `false` gives full Newton.
    pub reuse_jacobian: bool,
    /// Linear solver for the Newton systems.
    pub linear_solver: LinearSolverChoice,
    /// How a kept direct factor is used (direct linear solver only).
    pub factor_reuse: FactorReuse,
    /// Initial temperatures.
    pub initial_state: InitialState,
}

/// How the transient solver uses its kept sparse direct factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactorReuse {
    /// When the Jacobian is refreshed, solve with the current matrix by CG
    /// (BiCGStab when non-symmetric) preconditioned by the old factor, and
    /// factorize afresh only when that takes more than
    /// [`STALE_FACTOR_MAX_ITERATIONS`], the iterations since the last
    /// factorization exceed [`STALE_FACTOR_BUDGET`], or `γ` moved by more than
    /// half. `false`: factorize at every refresh.
    pub krylov: bool,
    /// Sweep an `f32` copy of the Cholesky factor
    /// ([`DirectSolver::with_single_precision_sweeps`]); Newton's exact
    /// residual corrects its error.
    pub single_precision: bool,
}

impl Default for FactorReuse {
    fn default() -> Self {
        Self {
            krylov: true,
            single_precision: true,
        }
    }
}

impl Default for TransientOptions {
    fn default() -> Self {
        Self {
            start_s: 0.0,
            end_s: 0.0,
            method: TransientMethod::Bdf2,
            step: StepControl::Adaptive(AdaptiveStep::default()),
            output_times_s: Vec::new(),
            output_interval_s: None,
            newton_tolerance: 1e-10,
            max_newton_iterations: 20,
            reuse_jacobian: true,
            linear_solver: LinearSolverChoice::Auto,
            factor_reuse: FactorReuse::default(),
            initial_state: InitialState::Network,
        }
    }
}

fn invalid(option: &'static str, value: f64, allowed: &'static str) -> SolveError {
    SolveError::InvalidOption {
        option,
        value,
        allowed,
    }
}

/// `Ok` when `ok` holds and `value` is not NaN; otherwise the option's error.
fn check(ok: bool, option: &'static str, value: f64, allowed: &'static str) -> CheckResult {
    if ok && !value.is_nan() {
        Ok(())
    } else {
        Err(invalid(option, value, allowed))
    }
}

type CheckResult = Result<(), SolveError>;

// Option names in error messages, one place for the setters and `validate`.
const START: &str = "start time (s)";
const END: &str = "end time (s)";
const FIXED_DT: &str = "fixed step dt (s)";
const RTOL: &str = "relative tolerance rtol";
const ATOL: &str = "absolute tolerance atol (K)";
const INITIAL_DT: &str = "initial step dt (s)";
const DT_MIN: &str = "minimum step dt_min (s)";
const DT_MAX: &str = "maximum step dt_max (s)";
const SAFETY: &str = "step safety factor";
const GROWTH: &str = "largest step growth factor";
const SHRINK: &str = "smallest step shrink factor";
const OUTPUT_TIME: &str = "output time (s)";
const OUTPUT_INTERVAL: &str = "output interval (s)";
const NEWTON_TOLERANCE: &str = "Newton tolerance";
const NEWTON_LIMIT: &str = "Newton iteration limit";

fn check_positive(option: &'static str, value: f64) -> CheckResult {
    check(
        value.is_finite() && value > 0.0,
        option,
        value,
        "finite and > 0",
    )
}

fn check_span(start_s: f64, end_s: f64) -> CheckResult {
    check(start_s.is_finite(), START, start_s, "finite")?;
    let ok = end_s.is_finite() && end_s >= start_s;
    check(ok, END, end_s, "finite and ≥ the start time")
}

fn check_tolerances(rtol: f64, atol_k: f64) -> CheckResult {
    check(rtol > 0.0 && rtol < 1.0, RTOL, rtol, "0 < rtol < 1")?;
    check(
        atol_k.is_finite() && atol_k >= 0.0,
        ATOL,
        atol_k,
        "finite and ≥ 0",
    )
}

fn check_dt_limits(dt_min_s: Option<f64>, dt_max_s: Option<f64>) -> CheckResult {
    if let Some(dt) = dt_min_s {
        check_positive(DT_MIN, dt)?;
    }
    if let Some(dt) = dt_max_s {
        let ok = dt.is_finite() && dt > 0.0 && dt >= dt_min_s.unwrap_or(0.0);
        check(ok, DT_MAX, dt, "finite, > 0 and ≥ dt_min")?;
    }
    Ok(())
}

fn check_step_factors(safety: f64, max_growth: f64, max_shrink: f64) -> CheckResult {
    check(
        safety > 0.0 && safety < 1.0,
        SAFETY,
        safety,
        "0 < safety < 1",
    )?;
    let ok = max_growth > 1.0 && max_growth <= 10.0;
    check(ok, GROWTH, max_growth, "1 < growth ≤ 10")?;
    check(
        max_shrink > 0.0 && max_shrink < 1.0,
        SHRINK,
        max_shrink,
        "0 < shrink < 1",
    )
}

fn check_adaptive(a: &AdaptiveStep) -> CheckResult {
    check_tolerances(a.rtol, a.atol_k)?;
    if let Some(dt) = a.initial_dt_s {
        check_positive(INITIAL_DT, dt)?;
    }
    check_dt_limits(a.dt_min_s, a.dt_max_s)?;
    check_step_factors(a.safety, a.max_growth, a.max_shrink)
}

fn check_newton(tolerance: f64, max_iterations: usize) -> CheckResult {
    let ok = tolerance > 0.0 && tolerance < 1.0;
    check(ok, NEWTON_TOLERANCE, tolerance, "0 < tolerance < 1")?;
    check(
        max_iterations >= 1,
        NEWTON_LIMIT,
        max_iterations as f64,
        "≥ 1",
    )
}

fn check_initial(x: &[f64]) -> CheckResult {
    match x.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
        Some(&v) => Err(invalid("initial temperature (K)", v, "finite and > 0")),
        None => Ok(()),
    }
}

impl TransientOptions {
    /// Fixed steps of `dt_s` seconds (BDF2).
    pub fn fixed_step(dt_s: f64) -> Result<Self, SolveError> {
        Self::default().with_fixed_step(dt_s)
    }

    /// Adaptive steps with relative tolerance `rtol` and absolute tolerance `atol_k` (K) (BDF2).
    pub fn adaptive(rtol: f64, atol_k: f64) -> Result<Self, SolveError> {
        Self::default().with_adaptive_step(rtol, atol_k)
    }

    /// Sets the time span; `end_s ≥ start_s`, both finite.
    pub fn with_span(mut self, start_s: f64, end_s: f64) -> Result<Self, SolveError> {
        check_span(start_s, end_s)?;
        self.start_s = start_s;
        self.end_s = end_s;
        Ok(self)
    }

    /// Sets the integration formula.
    pub fn with_method(mut self, method: TransientMethod) -> Self {
        self.method = method;
        self
    }

    /// Switches to fixed steps of `dt_s` seconds.
    pub fn with_fixed_step(mut self, dt_s: f64) -> Result<Self, SolveError> {
        check_positive(FIXED_DT, dt_s)?;
        self.step = StepControl::Fixed { dt_s };
        Ok(self)
    }

    /// Switches to adaptive steps with the given tolerances (other settings at defaults
    /// or kept if already adaptive).
    pub fn with_adaptive_step(mut self, rtol: f64, atol_k: f64) -> Result<Self, SolveError> {
        check_tolerances(rtol, atol_k)?;
        let mut a = match self.step {
            StepControl::Adaptive(a) => a,
            StepControl::Fixed { .. } => AdaptiveStep::default(),
        };
        a.rtol = rtol;
        a.atol_k = atol_k;
        self.step = StepControl::Adaptive(a);
        Ok(self)
    }

    /// Changes the adaptive settings with `set` after checking them with `check`;
    /// `option` and `value` name the change in the error of a fixed-step run.
    fn update_adaptive(
        mut self,
        option: &'static str,
        value: f64,
        check: CheckResult,
        set: impl FnOnce(&mut AdaptiveStep),
    ) -> Result<Self, SolveError> {
        check?;
        match &mut self.step {
            StepControl::Adaptive(a) => set(a),
            StepControl::Fixed { .. } => {
                return Err(invalid(option, value, "set only with adaptive steps"))
            }
        }
        Ok(self)
    }

    /// Sets the first step of an adaptive run.
    pub fn with_initial_dt(self, dt_s: f64) -> Result<Self, SolveError> {
        let ok = check_positive(INITIAL_DT, dt_s);
        self.update_adaptive(INITIAL_DT, dt_s, ok, |a| a.initial_dt_s = Some(dt_s))
    }

    /// Sets the smallest and largest step of an adaptive run (`0 < dt_min ≤ dt_max`).
    pub fn with_dt_limits(self, dt_min_s: f64, dt_max_s: f64) -> Result<Self, SolveError> {
        let ok = check_dt_limits(Some(dt_min_s), Some(dt_max_s));
        self.update_adaptive("step limits (s)", dt_min_s, ok, |a| {
            a.dt_min_s = Some(dt_min_s);
            a.dt_max_s = Some(dt_max_s);
        })
    }

    /// Sets the controller's safety factor (0, 1), largest growth (> 1) and
    /// smallest shrink factor (0, 1) of an adaptive run.
    pub fn with_step_factors(
        self,
        safety: f64,
        max_growth: f64,
        max_shrink: f64,
    ) -> Result<Self, SolveError> {
        let ok = check_step_factors(safety, max_growth, max_shrink);
        self.update_adaptive("step-size factors", safety, ok, |a| {
            a.safety = safety;
            a.max_growth = max_growth;
            a.max_shrink = max_shrink;
        })
    }

    /// Sets the output times (finite; checked against the span when the solver starts).
    pub fn with_output_times(mut self, times_s: Vec<f64>) -> Result<Self, SolveError> {
        if let Some(&t) = times_s.iter().find(|t| !t.is_finite()) {
            return Err(invalid(OUTPUT_TIME, t, "finite"));
        }
        self.output_times_s = times_s;
        Ok(self)
    }

    /// Reports temperatures every `interval_s` seconds from the start.
    pub fn with_output_interval(mut self, interval_s: f64) -> Result<Self, SolveError> {
        check_positive(OUTPUT_INTERVAL, interval_s)?;
        self.output_interval_s = Some(interval_s);
        Ok(self)
    }

    /// Sets the Newton tolerance (0, 1) and iteration limit (≥ 1).
    pub fn with_newton(
        mut self,
        tolerance: f64,
        max_iterations: usize,
    ) -> Result<Self, SolveError> {
        check_newton(tolerance, max_iterations)?;
        self.newton_tolerance = tolerance;
        self.max_newton_iterations = max_iterations;
        Ok(self)
    }

    /// Enables (default) or disables reuse of the Jacobian and its factorization
    /// or multigrid hierarchy (simplified Newton).
    pub fn with_jacobian_reuse(mut self, reuse: bool) -> Self {
        self.reuse_jacobian = reuse;
        self
    }

    /// Sets the linear solver.
    pub fn with_linear_solver(mut self, choice: LinearSolverChoice) -> Self {
        self.linear_solver = choice;
        self
    }

    /// Sets how a kept direct factor is used.
    pub fn with_factor_reuse(mut self, reuse: FactorReuse) -> Self {
        self.factor_reuse = reuse;
        self
    }

    /// Sets the initial state; given temperatures must be finite and > 0.
    pub fn with_initial_state(mut self, state: InitialState) -> Result<Self, SolveError> {
        if let InitialState::Given(x) = &state {
            check_initial(x)?;
        }
        self.initial_state = state;
        Ok(self)
    }

    /// Checks every option with the setters' own checks (fields may also be
    /// written directly).
    pub fn validate(&self) -> Result<(), SolveError> {
        check_span(self.start_s, self.end_s)?;
        match &self.step {
            StepControl::Fixed { dt_s } => check_positive(FIXED_DT, *dt_s)?,
            StepControl::Adaptive(a) => check_adaptive(a)?,
        }
        for &t in &self.output_times_s {
            let ok = t.is_finite() && t >= self.start_s && t <= self.end_s;
            check(ok, OUTPUT_TIME, t, "within [start, end]")?;
        }
        if let Some(dt) = self.output_interval_s {
            check_positive(OUTPUT_INTERVAL, dt)?;
        }
        check_newton(self.newton_tolerance, self.max_newton_iterations)?;
        if let InitialState::Given(x) = &self.initial_state {
            check_initial(x)?;
        }
        Ok(())
    }
}

/// Energy integrated over an interval (J), with the method's own quadrature so
/// that it closes to the Newton tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EnergyIntegral {
    /// Start of the interval (s).
    pub start_s: f64,
    /// End of the interval (s).
    pub end_s: f64,
    /// ∫ heat in dt (J).
    pub heat_in_j: f64,
    /// ∫ heat out dt (J).
    pub heat_out_j: f64,
    /// Change of stored energy Σ C_i (T_i(end) − T_i(start)) (J).
    pub stored_j: f64,
    /// `heat_in_j − heat_out_j − stored_j` (J).
    pub imbalance_j: f64,
    /// `|imbalance_j| / max(heat_in_j, heat_out_j, |stored_j|)` (0 when nothing flows).
    pub relative_imbalance: f64,
}

impl EnergyIntegral {
    /// The integral from its parts.
    pub fn new(start_s: f64, end_s: f64, heat_in_j: f64, heat_out_j: f64, stored_j: f64) -> Self {
        let imbalance_j = heat_in_j - heat_out_j - stored_j;
        let scale = heat_in_j.max(heat_out_j).max(stored_j.abs());
        Self {
            start_s,
            end_s,
            heat_in_j,
            heat_out_j,
            stored_j,
            imbalance_j,
            relative_imbalance: if scale > 0.0 {
                imbalance_j.abs() / scale
            } else {
                0.0
            },
        }
    }

    /// The same balance as time-averaged watts (all zero over an empty interval).
    pub fn average_w(&self) -> EnergyBalance {
        let d = self.end_s - self.start_s;
        if d > 0.0 {
            EnergyBalance::new(self.heat_in_j / d, self.heat_out_j / d, self.stored_j / d)
        } else {
            EnergyBalance::new(0.0, 0.0, 0.0)
        }
    }
}

/// What the integrator did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TransientStats {
    /// Accepted steps.
    pub accepted_steps: usize,
    /// Steps rejected by the local-error test.
    pub rejected_steps: usize,
    /// Step attempts whose Newton iteration (or linear solve) failed and were retried.
    pub newton_failures: usize,
    /// Newton iterations over all attempts.
    pub newton_iterations: usize,
    /// Most Newton iterations in one accepted step.
    pub max_newton_iterations_per_step: usize,
    /// Linear-solver iterations (1 per direct solve).
    pub linear_iterations: usize,
    /// Jacobian evaluations.
    pub jacobian_evaluations: usize,
    /// Numeric factorizations (direct solvers) or matrix rebuilds.
    pub factorizations: usize,
    /// Smallest accepted step (s); 0 when no step was taken.
    pub min_dt_s: f64,
    /// Largest accepted step (s).
    pub max_dt_s: f64,
}

/// Result of a transient run.
#[derive(Debug, Clone)]
pub struct TransientSolution {
    /// Output times (s), the start and the end included.
    pub times_s: Vec<f64>,
    /// Temperature of every node (K) at each output time: `temperatures_k[output][node]`.
    pub temperatures_k: Vec<Vec<f64>>,
    /// End time of every accepted step (s).
    pub step_times_s: Vec<f64>,
    /// Final temperature of each unknown (K), e.g. to continue the run.
    pub final_state_k: Vec<f64>,
    /// Step statistics.
    pub stats: TransientStats,
    /// Energy integrated over the run (J).
    pub energy: EnergyIntegral,
    /// The run's energy balance as time-averaged watts.
    pub energy_balance: EnergyBalance,
    /// Energy between consecutive outputs, over whole steps: interval `k`
    /// ends at the end of the step that reaches output `k + 1` (the output
    /// time itself when a step lands on it; `start_s` and `end_s` say which),
    /// so each interval closes to the Newton tolerance. An interval is empty
    /// when one step reaches several outputs.
    pub interval_energy: Vec<EnergyIntegral>,
    /// Integration formula (`forward-euler` for the explicit cross-check).
    pub method: &'static str,
    /// Linear solver used.
    pub linear_solver: &'static str,
}

impl TransientSolution {
    /// Temperature history of node `node` at the output times (empty if out of range).
    pub fn node_history(&self, node: usize) -> Vec<f64> {
        self.temperatures_k
            .iter()
            .filter_map(|row| row.get(node).copied())
            .collect()
    }

    /// Mean accepted step (s): the span the steps covered over their number;
    /// 0 when no step was taken. With [`TransientStats::min_dt_s`] and
    /// [`TransientStats::max_dt_s`], what a summary states of the steps.
    pub fn mean_dt_s(&self) -> f64 {
        match (self.step_times_s.last(), self.times_s.first()) {
            (Some(&end), Some(&start)) if self.stats.accepted_steps > 0 => {
                (end - start) / self.stats.accepted_steps as f64
            }
            _ => 0.0,
        }
    }

    /// Temperatures of every node at the end (K).
    pub fn final_temperatures_k(&self) -> &[f64] {
        self.temperatures_k.last().map_or(&[], |v| v.as_slice())
    }
}

/// A time the integrator must land on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stop {
    pub t: f64,
    pub output: bool,
    pub event: bool,
}

/// Output times (start first) and the stops after the start, sorted and merged.
pub(crate) fn schedule(
    start_s: f64,
    end_s: f64,
    output_times_s: &[f64],
    output_interval_s: Option<f64>,
    events: &[f64],
) -> Vec<Stop> {
    let span = end_s - start_s;
    let merge = 1e-12 * start_s.abs().max(end_s.abs()).max(span);
    let mut stops: Vec<Stop> = Vec::new();
    let mut push = |t: f64, output: bool, event: bool| {
        if t > start_s && t <= end_s {
            stops.push(Stop { t, output, event });
        }
    };
    for &t in output_times_s {
        push(t, true, false);
    }
    if let Some(dt) = output_interval_s {
        let mut k = 1.0;
        loop {
            let t = start_s + k * dt;
            if t > end_s - merge {
                break;
            }
            push(t, true, false);
            k += 1.0;
        }
    }
    for &t in events {
        push(t, false, true);
    }
    push(end_s, true, false);
    stops.sort_by(|a, b| a.t.total_cmp(&b.t));
    let mut merged: Vec<Stop> = Vec::with_capacity(stops.len());
    for s in stops {
        match merged.last_mut() {
            Some(last) if s.t - last.t <= merge => {
                // Keep an output time's exact value; an event keeps its restart.
                if s.output && !last.output {
                    last.t = s.t;
                }
                last.output |= s.output;
                last.event |= s.event;
            }
            _ => merged.push(s),
        }
    }
    merged
}

/// CG iteration limit of the kept multigrid CG (a step needs 1–6).
const MULTIGRID_MAX_ITERATIONS: usize = 200;

/// The linear solver of the step systems `(γ C + K) δ = G`.
enum StepLinear {
    /// Sparse direct factorization kept across iterations and steps.
    Direct(Box<DirectSolver>),
    /// Multigrid-preconditioned CG with the hierarchy kept across iterations and
    /// steps: built once per pattern ([`MultigridCg::prepare`]), its numeric values
    /// updated only when `γ C + K` is rebuilt, not at every solve.
    Multigrid(Box<MultigridCg>),
    /// Any other solver of [`crate::solve::linear`], called afresh every solve.
    General(Box<dyn LinearSolver>),
}

impl StepLinear {
    /// The solver `choice` resolves to for the step systems of `system` (see
    /// [`TransientOptions::linear_solver`]); a choice that does not fit is
    /// [`SolveError::UnsuitableLinearSolver`].
    fn new(
        choice: LinearSolverChoice,
        system: &AssembledNetwork,
        single_precision: bool,
    ) -> Result<Self, SolveError> {
        let n = system.unknowns();
        let symmetric = system.is_symmetric();
        let blocks = system.grid_blocks();
        let multigrid = |blocks| {
            // γ C + K differs from step to step only on its diagonal when K's
            // couplings are constant: the hierarchy then updates diagonals alone.
            // A kept Jacobian serves many solves: CG's products in exact stencil form.
            let mut mg = MultigridCg::new(blocks, MultigridOptions::default())
                .with_constant_couplings(system.has_constant_couplings())
                .with_exact_stencil_products(true);
            mg.max_iterations = MULTIGRID_MAX_ITERATIONS;
            StepLinear::Multigrid(Box::new(mg))
        };
        let direct = || {
            StepLinear::Direct(Box::new(
                DirectSolver::new(symmetric).with_single_precision_sweeps(single_precision),
            ))
        };
        let grid = symmetric && mostly_grid(system);
        Ok(match choice {
            LinearSolverChoice::Auto if grid && n > DIRECT_LIMIT_UNKNOWNS => multigrid(blocks),
            LinearSolverChoice::Auto if !symmetric || n <= TRANSIENT_DIRECT_LIMIT_UNKNOWNS => {
                direct()
            }
            LinearSolverChoice::Direct => direct(),
            LinearSolverChoice::Multigrid => {
                // The linear module's checks: symmetric, with grid cells.
                new_linear_solver(choice, system)?;
                multigrid(blocks)
            }
            _ => StepLinear::General(new_linear_solver(choice, system)?),
        })
    }

    fn name(&self) -> &'static str {
        match self {
            StepLinear::Direct(d) => d.name(),
            StepLinear::Multigrid(_) => "multigrid-cg",
            StepLinear::General(s) => s.name(),
        }
    }

    /// True when the solver keeps work between matrices (simplified Newton pays).
    fn keeps_work(&self) -> bool {
        !matches!(self, StepLinear::General(_))
    }
}

/// Newton on `G(T) = γ C (T − B) − Ψ − F(t, T)`, with the matrix and its
/// factorization kept between calls.
pub(crate) struct NewtonCore<'a> {
    system: &'a AssembledNetwork,
    cap: Vec<f64>,
    linear: StepLinear,
    /// `K = −∂F/∂T` at the last evaluation.
    k: CsrMatrix,
    /// `|K_ii|`, gathered from `k` once per evaluation (the convergence test
    /// reads it twice per iteration, contiguously).
    k_diag_abs: Vec<f64>,
    k_valid: bool,
    /// `K` does not depend on the state (no radiation): evaluate once.
    constant_k: bool,
    /// Simplified Newton allowed (a kept factorization or hierarchy, and reuse requested).
    reuse: bool,
    /// `γ C + K`.
    m: CsrMatrix,
    m_gamma: f64,
    m_current: bool,
    /// Solve with a stale factor by preconditioned Krylov iterations ([`FactorReuse::krylov`]).
    stale_krylov: bool,
    /// The kept factor is of `m` as it is now.
    factor_current: bool,
    /// `γ` of the kept factor.
    factor_gamma: f64,
    /// Krylov iterations beyond the first since the last factorization.
    stale_extra: usize,
    /// CG of the stale-factor solves, its vectors kept between solves.
    stale_cg: Cg,
    tolerance: f64,
    max_iterations: usize,
    g: Vec<f64>,
    delta: Vec<f64>,
    trial: Vec<f64>,
    f_trial: Vec<f64>,
    g_trial: Vec<f64>,
    /// The step's starting point, once the first accepted iteration has
    /// moved `x` (`start_kept`); kept by swapping buffers, not copied.
    x0: Vec<f64>,
    start_kept: bool,
    /// Heat flows at the last accepted iterate (the solution after [`Self::solve`]).
    flows: Option<HeatFlows>,
    /// [`boundary_coupling_w`] of the current Jacobian, once needed.
    boundary_coupling: Option<f64>,
    history: Vec<f64>,
    /// `|Σ G_i| / heat flowing` per iterate where the residual met its tolerance.
    imbalance_history: Vec<f64>,
    pub jacobians: usize,
    pub factorizations: usize,
    pub iterations: usize,
    pub linear_iterations: usize,
}

/// What `NewtonCore::form_g` measures in its pass over the rows.
struct GNorms {
    /// `Σ_i max(|G_i| − r_i, 0)` (NaN when `G` is not finite).
    excess: f64,
    /// `Σ |f_i|` (W).
    flowing: f64,
    /// `Σ |x_i| (|K_ii| + γ C_i)` (W), the round-off scale of the rows.
    floor: f64,
    /// `Σ G_i` (W): the step's energy imbalance (conductors between two
    /// unknowns cancel in it, so no conductance enlarges it or its scale).
    net: f64,
    /// `Σ γ C_i (|x_i| + |B_i|) + |Ψ_i|` (W): the magnitudes of the stored-heat
    /// terms, whose round-off the imbalance cannot go below.
    stored_scale: f64,
}

impl GNorms {
    const ZERO: GNorms = GNorms {
        excess: 0.0,
        flowing: 0.0,
        floor: 0.0,
        net: 0.0,
        stored_scale: 0.0,
    };
}

/// The explicit part of a step: `B` and `Ψ` of `G(T) = γ C (T − B) − Ψ − F`.
pub(crate) struct StepForm<'s> {
    pub t_s: f64,
    pub gamma: f64,
    pub base: &'s [f64],
    pub psi: Option<&'s [f64]>,
    /// Heat flowing (W) at the step's start, the scale of the residual test.
    pub heat_scale_w: f64,
}

impl<'a> NewtonCore<'a> {
    pub(crate) fn new(
        system: &'a AssembledNetwork,
        choice: LinearSolverChoice,
        tolerance: f64,
        max_iterations: usize,
        reuse_jacobian: bool,
        factor_reuse: FactorReuse,
    ) -> Result<Self, SolveError> {
        let n = system.unknowns();
        let k = system.new_matrix();
        let linear = StepLinear::new(choice, system, factor_reuse.single_precision)?;
        Ok(Self {
            system,
            cap: system.capacitance_j_k().to_vec(),
            reuse: reuse_jacobian && linear.keeps_work(),
            linear,
            m: k.clone(),
            k,
            k_diag_abs: vec![0.0; n],
            k_valid: false,
            constant_k: system.is_linear(),
            m_gamma: f64::NAN,
            m_current: false,
            stale_krylov: factor_reuse.krylov && reuse_jacobian,
            factor_current: false,
            factor_gamma: f64::NAN,
            stale_extra: 0,
            stale_cg: Cg::new("stale-factor Krylov"),
            tolerance,
            max_iterations,
            g: vec![0.0; n],
            delta: vec![0.0; n],
            trial: vec![0.0; n],
            f_trial: vec![0.0; n],
            g_trial: vec![0.0; n],
            x0: vec![0.0; n],
            start_kept: false,
            flows: None,
            boundary_coupling: None,
            history: Vec::with_capacity(max_iterations + 1),
            imbalance_history: Vec::new(),
            jacobians: 0,
            factorizations: 0,
            iterations: 0,
            linear_iterations: 0,
        })
    }

    pub(crate) fn linear_name(&self) -> &'static str {
        self.linear.name()
    }

    /// Heat flows at `(t_s, x)`, the solution of the last [`Self::solve`]:
    /// those its last residual evaluation gave with it (one pass over the
    /// rows for both), or evaluated afresh if there are none.
    fn take_flows(&mut self, t_s: f64, x: &[f64]) -> HeatFlows {
        self.flows
            .take()
            .unwrap_or_else(|| self.system.heat_flows(t_s, x))
    }

    fn refresh_jacobian(&mut self, t_s: f64, x: &[f64]) {
        self.system.jacobian(t_s, x, &mut self.k);
        let (kv, diag) = (self.k.values(), self.system.diagonal_positions());
        par_fill(&mut self.k_diag_abs, |i| kv[diag[i] as usize].abs());
        self.boundary_coupling = None;
        self.k_valid = true;
        self.m_current = false;
        self.jacobians += 1;
    }

    /// Writes `G = γ C (x − B) − Ψ − f` and returns, in one pass, its norm
    /// `Σ_i max(|G_i| − r_i, 0)` — the part of `‖G‖₁` above each row's
    /// round-off level `r_i`, a few ulps of the magnitudes that make up `G_i`
    /// (`γ C_i (|x_i| + |B_i|) + K_ii |x_i| + |Ψ_i|`) — with the scales of the
    /// convergence test (`Σ |f_i|` and `Σ |x_i| (|K_ii| + γ C_i)`). A row whose
    /// capacitance term dwarfs its heat flows (a tiny step) cannot do better
    /// than `r_i`; an arithmetic row must still meet the tolerance. The norm is
    /// NaN when any `G_i` is not finite (never "converged"). Rows in the fixed
    /// chunks of [`par_chunks`], the chunks' sums added in order: the same bits on
    /// any number of threads.
    fn form_g(
        cap: &[f64],
        k_diag_abs: &[f64],
        form: &StepForm<'_>,
        x: &[f64],
        f: &[f64],
        g: &mut [f64],
    ) -> GNorms {
        let rows = |first: usize, g: &mut [f64]| {
            let end = first + g.len();
            let (cap, kd) = (&cap[first..end], &k_diag_abs[first..end]);
            let (x, f, base) = (&x[first..end], &f[first..end], &form.base[first..end]);
            let psi = form.psi.map(|p| &p[first..end]);
            let mut sums = GNorms::ZERO;
            let mut finite = true;
            for i in 0..g.len() {
                let c = form.gamma * cap[i];
                let mut gi = c * (x[i] - base[i]) - f[i];
                let kx = kd[i] * x[i].abs();
                let mut stored = c * (x[i].abs() + base[i].abs());
                if let Some(psi) = psi {
                    gi -= psi[i];
                    stored += psi[i].abs();
                }
                g[i] = gi;
                finite &= gi.is_finite();
                let r = stored + kx;
                sums.excess += (gi.abs() - ROUNDOFF_ULPS * f64::EPSILON * r).max(0.0);
                sums.flowing += f[i].abs();
                sums.floor += kx + c * x[i].abs();
                sums.net += gi;
                sums.stored_scale += stored;
            }
            if !finite {
                sums.excess = f64::NAN;
            }
            sums
        };
        let parts = par_chunks(g, rows);
        let mut total = GNorms::ZERO;
        for p in parts {
            total.excess += p.excess;
            total.flowing += p.flowing;
            total.floor += p.floor;
            total.net += p.net;
            total.stored_scale += p.stored_scale;
        }
        total
    }

    /// Whether the step's energy balance closes at an iterate whose rows give
    /// `norms` and whose heat flows are `self.flows`: `|Σ G_i| ≤ tolerance ×
    /// heat flowing` (the larger of heat in and out, at the step's start or at
    /// the iterate), plus [`ENERGY_ROUNDOFF_ULPS`] ulps of the magnitudes the
    /// balance is made of — the stored-heat terms, heat in and out, and the
    /// boundary couplings `Σ b_i |x_i|` ([`boundary_coupling_w`], computed
    /// once per Jacobian and only when the rest does not suffice).
    /// Conductances between unknowns enter neither side: a state whose mean
    /// temperature is wrong cannot pass by the round-off of a stiff panel.
    fn energy_closes(&mut self, form: &StepForm<'_>, norms: &GNorms, x: &[f64]) -> (bool, f64) {
        let (heat_in, heat_out) = self.heat_in_out();
        let flowing = form.heat_scale_w.max(heat_in).max(heat_out);
        let ulps = ENERGY_ROUNDOFF_ULPS * f64::EPSILON;
        let plain = self.tolerance * flowing + ulps * (norms.stored_scale + heat_in + heat_out);
        let off = norms.net.abs();
        if off <= plain {
            return (true, flowing);
        }
        let coupling = match self.boundary_coupling {
            Some(b) => b,
            None => {
                let b = boundary_coupling_w(&self.k, x);
                self.boundary_coupling = Some(b);
                b
            }
        };
        (off <= plain + ulps * coupling, flowing)
    }

    /// Heat in and out (W) at the current iterate.
    fn heat_in_out(&self) -> (f64, f64) {
        self.flows
            .as_ref()
            .map_or((0.0, 0.0), |fl| (fl.heat_in_w(), fl.heat_out_w()))
    }

    /// The error for a step whose energy balance the Newton iteration cannot
    /// close, `what` saying how it stopped.
    fn not_closed(&mut self, form: &StepForm<'_>, norms: &GNorms, what: &str) -> SolveError {
        let (heat_in, heat_out) = self.heat_in_out();
        let flowing = form.heat_scale_w.max(heat_in).max(heat_out);
        let relative = norms.net.abs() / flowing.max(f64::MIN_POSITIVE);
        self.imbalance_history.push(relative);
        SolveError::EnergyBalanceNotClosed {
            solver: "transient Newton (the step's balance)",
            iterations: self.history.len().saturating_sub(1),
            imbalance_w: norms.net,
            relative_imbalance: relative,
            tolerance: self.tolerance,
            reason: format!(
                "every node's residual is at its tolerance or round-off level, but {what}; \
                 the usual cause is a step matrix too ill-conditioned for double precision \
                 (look for an absurd conductivity, conductance or exchange factor)"
            ),
            history: energy_history(&self.history, &self.imbalance_history),
        }
    }

    /// Rebuilds `γ C + K` when `γ` or `K` changed, and factors it — unless a
    /// kept direct factor of a nearby matrix (`γ` within
    /// [`STALE_FACTOR_GAMMA_RANGE`]) is to precondition Krylov iterations instead.
    fn ensure_matrix(&mut self, gamma: f64) -> Result<(), SolveError> {
        let same_gamma = (gamma - self.m_gamma).abs() <= GAMMA_REUSE_TOLERANCE * gamma.abs();
        if self.m_current && same_gamma {
            return Ok(());
        }
        let diag = self.system.diagonal_positions();
        let mv = self.m.values_mut();
        mv.copy_from_slice(self.k.values());
        for (i, &d) in diag.iter().enumerate() {
            mv[d as usize] += gamma * self.cap[i];
        }
        self.m_gamma = gamma;
        self.m_current = true;
        let near = (gamma - self.factor_gamma).abs() <= STALE_FACTOR_GAMMA_RANGE * gamma.abs();
        if let StepLinear::Direct(direct) = &self.linear {
            if self.stale_krylov && near && direct.is_factored() {
                self.factor_current = false;
                return Ok(());
            }
        }
        self.factorize()
    }

    /// Factorizes (direct) or prepares (multigrid) the current `γ C + K`.
    fn factorize(&mut self) -> Result<(), SolveError> {
        self.factorizations += 1;
        self.factor_gamma = self.m_gamma;
        self.stale_extra = 0;
        let prepared = match &mut self.linear {
            StepLinear::Direct(direct) => direct.factorize(&self.m),
            StepLinear::Multigrid(mg) => mg.prepare(&self.m).map(|_| ()),
            StepLinear::General(_) => Ok(()),
        };
        self.factor_current = prepared.is_ok();
        if prepared.is_err() {
            self.m_current = false;
        }
        prepared
    }

    /// `(γ C + K) δ = G` by CG (BiCGStab when non-symmetric) preconditioned by
    /// the stale direct factor, to the relative residual `forcing`; `None` when
    /// it needs more than [`STALE_FACTOR_MAX_ITERATIONS`] or breaks down.
    fn stale_factor_solve(&mut self, forcing: f64) -> Option<usize> {
        let StepLinear::Direct(direct) = &mut self.linear else {
            return None;
        };
        let stats = if self.system.is_symmetric() {
            self.stale_cg.solve(
                &self.m,
                &self.g,
                &mut self.delta,
                forcing,
                STALE_FACTOR_MAX_ITERATIONS,
                direct.as_mut(),
            )
        } else {
            bicgstab(
                &self.m,
                &self.g,
                &mut self.delta,
                forcing,
                STALE_FACTOR_MAX_ITERATIONS,
                direct.as_mut(),
                "stale-factor Krylov",
            )
        }
        .ok()?;
        self.stale_extra += stats.iterations.saturating_sub(1);
        Some(stats.iterations)
    }

    fn linear_solve(&mut self, forcing: f64) -> Result<(), SolveError> {
        // Iterative solves start from δ = 0; a direct solve overwrites it.
        if !(self.factor_current && matches!(self.linear, StepLinear::Direct(_))) {
            par_fill(&mut self.delta, |_| 0.0);
        }
        if !self.factor_current && matches!(self.linear, StepLinear::Direct(_)) {
            if self.stale_extra < STALE_FACTOR_BUDGET {
                if let Some(iterations) = self.stale_factor_solve(forcing) {
                    self.linear_iterations += iterations;
                    return Ok(());
                }
                // Counted: the iterations spent before giving up.
                self.linear_iterations += STALE_FACTOR_MAX_ITERATIONS;
                par_fill(&mut self.delta, |_| 0.0);
            }
            self.factorize()?;
        }
        let iterations = match &mut self.linear {
            StepLinear::Direct(direct) => {
                direct.solve_factored_mut(&self.g, &mut self.delta)?;
                1
            }
            StepLinear::Multigrid(mg) => {
                mg.solve_prepared(&self.m, &self.g, &mut self.delta, forcing)?
                    .iterations
            }
            StepLinear::General(solver) => {
                solver
                    .solve(&self.m, &self.g, &mut self.delta, forcing)?
                    .iterations
            }
        };
        self.linear_iterations += iterations;
        Ok(())
    }

    /// Solves one step: `x` holds the predictor on entry and the solution on exit,
    /// `f` receives `F(t, x)` at the solution. Both are exchanged with the
    /// solver's own vectors (swaps, not copies): their buffers change.
    pub(crate) fn solve(
        &mut self,
        form: &StepForm<'_>,
        x: &mut Vec<f64>,
        f: &mut Vec<f64>,
    ) -> Result<usize, SolveError> {
        self.start_kept = false;
        self.flows = None;
        let mut first_error = None;
        for attempt in 0..2 {
            if attempt == 1 && self.start_kept {
                // The attempt with an old Jacobian failed: retry once with a fresh one.
                x.copy_from_slice(&self.x0);
            }
            match self.attempt(form, x, f, attempt == 1) {
                Ok(it) => return Ok(it),
                Err((e, fresh)) => {
                    if fresh || self.constant_k && self.k_valid {
                        return Err(e);
                    }
                    first_error = Some(e);
                }
            }
        }
        Err(first_error.unwrap_or_else(|| SolveError::LinearSolver {
            solver: "transient Newton",
            reason: "no attempt made".into(),
        }))
    }

    /// One Newton attempt; on failure also says whether the Jacobian was fresh.
    fn attempt(
        &mut self,
        form: &StepForm<'_>,
        x: &mut Vec<f64>,
        f: &mut Vec<f64>,
        force_fresh: bool,
    ) -> Result<usize, (SolveError, bool)> {
        let sys = self.system;
        let t = form.t_s;
        let exact = !self.reuse && !self.constant_k;
        let mut fresh = false;
        if !self.k_valid || force_fresh || exact {
            self.refresh_jacobian(t, x);
            fresh = true;
        }
        self.flows = Some(sys.residual_and_flows(t, x, f));
        let mut norms = Self::form_g(&self.cap, &self.k_diag_abs, form, x, f, &mut self.g);
        let mut norm = norms.excess;
        let flowing = form.heat_scale_w.max(norms.flowing);
        let floor = 1e3 * f64::EPSILON * norms.floor;
        let scale = flowing.max(floor).max(f64::MIN_POSITIVE);
        self.history.clear();
        self.imbalance_history.clear();
        let fail = |this: &Self, e: Option<SolveError>, fresh: bool| {
            let err = e.unwrap_or_else(|| SolveError::NotConverged {
                solver: "transient Newton",
                iterations: this.history.len().saturating_sub(1),
                last_relative_residual: this.history.last().copied().unwrap_or(f64::NAN),
                tolerance: this.tolerance,
                history: format_history(this.history.iter().copied()),
            });
            (err, fresh)
        };
        // `|Σ G|` when the residual met its tolerance with the step's energy
        // balance still open: each further step must halve it.
        let mut polishing: Option<f64> = None;
        for it in 0..=self.max_iterations {
            let rel = norm / scale;
            self.history.push(rel);
            if !rel.is_finite() {
                return Err(fail(self, None, fresh));
            }
            if let Some(prev) = polishing {
                let stop = if rel > self.tolerance {
                    Some("a Newton step taken to close it raised the residual above the tolerance")
                } else if norms.net.abs() > 0.5 * prev {
                    Some("Newton steps no longer reduce it")
                } else {
                    None
                };
                if let Some(what) = stop {
                    let e = self.not_closed(form, &norms, what);
                    return Err(fail(self, Some(e), fresh));
                }
            }
            // Converged: `G` above its round-off level is below the tolerance,
            // and the step's energy balance closes.
            if rel <= self.tolerance {
                let (closes, flowing) = self.energy_closes(form, &norms, x);
                self.imbalance_history
                    .push(norms.net.abs() / flowing.max(f64::MIN_POSITIVE));
                if closes {
                    return Ok(it);
                }
                polishing = Some(norms.net.abs());
            }
            if it == self.max_iterations {
                break;
            }
            if exact && it > 0 {
                self.refresh_jacobian(t, x);
                fresh = true;
            }
            if let Err(e) = self.ensure_matrix(form.gamma) {
                return Err(fail(self, Some(e), fresh));
            }
            let forcing = (0.5 * self.tolerance / rel)
                .max(0.1 * rel)
                .clamp(1e-12, FORCING_MAX);
            if let Err(e) = self.linear_solve(forcing) {
                return Err(fail(self, Some(e), fresh));
            }
            self.iterations += 1;
            // Newton step x − α δ; α keeps every temperature above a tenth of its value.
            let mut alpha = newton_trial(x, &self.delta, &mut self.trial);
            let up_to_date = fresh || self.constant_k;
            let mut trial_norms;
            let mut trial_flows;
            loop {
                trial_flows = sys.residual_and_flows(t, &self.trial, &mut self.f_trial);
                trial_norms = Self::form_g(
                    &self.cap,
                    &self.k_diag_abs,
                    form,
                    &self.trial,
                    &self.f_trial,
                    &mut self.g_trial,
                );
                let trial_norm = trial_norms.excess;
                let decreased = trial_norm.is_finite() && trial_norm <= (1.0 - 1e-4 * alpha) * norm;
                // Backtrack only with an up-to-date Jacobian; with an old one, refresh instead.
                // A step taken to close the energy balance (the residual already at
                // its tolerance or round-off, where it cannot decrease) is taken whole.
                if decreased || !up_to_date || alpha < 1.0 / 64.0 || polishing.is_some() {
                    break;
                }
                alpha *= 0.5;
                scaled_trial(x, &self.delta, alpha, &mut self.trial);
            }
            let trial_norm = trial_norms.excess;
            let improved = match polishing {
                Some(prev) => trial_norm.is_finite() && trial_norms.net.abs() <= 0.5 * prev,
                None => trial_norm.is_finite() && trial_norm <= norm,
            };
            if !(up_to_date || improved) {
                // The old Jacobian no longer points downhill: refresh at x and
                // retry (a step to close the balance too: `x` has not moved, so
                // the retry is judged afresh, not against this iterate).
                self.refresh_jacobian(t, x);
                fresh = true;
                polishing = None;
                continue;
            }
            std::mem::swap(x, &mut self.trial);
            if !self.start_kept {
                // The step's start, now in `trial`, is parked in `x0` for a retry.
                std::mem::swap(&mut self.trial, &mut self.x0);
                self.start_kept = true;
            }
            std::mem::swap(f, &mut self.f_trial);
            self.flows = Some(trial_flows);
            std::mem::swap(&mut self.g, &mut self.g_trial);
            let ratio = trial_norm / norm;
            norm = trial_norm;
            norms = trial_norms;
            // An inexact linear solve limits the contraction to about its forcing term.
            let allowed = SLOW_CONTRACTION.max((10.0 * forcing).min(STALE_CONTRACTION));
            if !up_to_date && ratio > allowed {
                self.refresh_jacobian(t, x);
                fresh = true;
            }
        }
        let e = polishing.map(|_| self.not_closed(form, &norms, "the iteration limit was reached"));
        Err(fail(self, e, fresh))
    }
}

/// Implicit transient solver for one network. Keeps the linear solver (and its
/// symbolic factorization) and all work vectors across runs, so repeated runs
/// (orbit after orbit) allocate nothing per step.
pub struct TransientSolver<'a> {
    system: &'a AssembledNetwork,
    options: TransientOptions,
    core: NewtonCore<'a>,
    /// Times the steps land on: discontinuities and the end.
    stops: Vec<Stop>,
    /// Output times after the start (the end included), from the steps' interpolant.
    outputs: Vec<f64>,
    arithmetic: bool,
    work: Work,
}

impl std::fmt::Debug for TransientSolver<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransientSolver")
            .field("unknowns", &self.system.unknowns())
            .field("options", &self.options)
            .field("linear_solver", &self.core.linear_name())
            .field("stops", &self.stops.len())
            .field("outputs", &self.outputs.len())
            .finish()
    }
}

/// Integration state carried from step to step.
struct History {
    /// The previous point belongs to the current smooth segment.
    valid: bool,
    /// Step that led to the current point (s).
    h_prev: f64,
    /// State and `T'` at the previous point.
    y_prev: Vec<f64>,
    z_prev: Vec<f64>,
    /// Previous step's heat in / out quadrature (J), for the BDF2 recursion.
    prev_q: (f64, f64),
    /// Points before the previous one, newest first (for the predictor only):
    /// `older_y[k]` and the step `older_h[k]` that led from it to the next newer point.
    older_y: [Vec<f64>; PREDICTOR_POINTS - 2],
    older_h: [f64; PREDICTOR_POINTS - 2],
    /// How many of `older_y` belong to the current segment.
    older_valid: usize,
}

impl History {
    /// The previous point `(h, y, T')` when it is in the current segment.
    fn prev(&self) -> Option<(f64, &[f64], &[f64])> {
        self.valid
            .then_some((self.h_prev, self.y_prev.as_slice(), self.z_prev.as_slice()))
    }

    /// Accepts a step `h` from the current point `y` (with `T'` = `z`): the
    /// current point becomes the previous one and the older points shift back.
    /// `y` and `z` are taken by exchanging buffers, not copied: on return they
    /// hold stale values, to be overwritten.
    fn push(&mut self, h: f64, y: &mut Vec<f64>, z: &mut Vec<f64>) {
        self.older_y.rotate_right(1);
        self.older_h.rotate_right(1);
        if self.valid {
            std::mem::swap(&mut self.older_y[0], &mut self.y_prev);
            self.older_h[0] = self.h_prev;
            self.older_valid = (self.older_valid + 1).min(self.older_y.len());
        } else {
            self.older_valid = 0;
        }
        self.valid = true;
        self.h_prev = h;
        std::mem::swap(&mut self.y_prev, y);
        std::mem::swap(&mut self.z_prev, z);
    }

    /// Forgets every point (a new smooth segment starts).
    fn restart(&mut self) {
        self.valid = false;
        self.older_valid = 0;
    }

    /// Writes into `x` the predictor for a step `h` from `(y, z)`: the polynomial
    /// through the current point and the earlier points of the segment (up to
    /// [`PREDICTOR_POINTS`]) evaluated at `t + h`, or `y + h z` at a segment
    /// start — or `y` itself where that is NaN or below `y/2`. Rows in
    /// parallel when long.
    fn predict(&self, h: f64, y: &[f64], z: &[f64], x: &mut [f64]) {
        let Some((h1, y1, _)) = self.prev() else {
            par_fill(x, |i| guarded(y[i] + h * z[i], y[i]));
            return;
        };
        // Node times relative to the current point.
        let mut taus = [0.0; PREDICTOR_POINTS];
        taus[1] = -h1;
        for k in 0..self.older_valid {
            taus[k + 2] = taus[k + 1] - self.older_h[k];
        }
        let count = 2 + self.older_valid;
        let w = lagrange_weights(&taus[..count], h);
        let older = &self.older_y[..self.older_valid];
        // One pass per stored state over each chunk (slice loops that
        // vectorise), adding the terms in the order of `Σ_j ℓ_j y_j`.
        par_chunks(x, |first, part| {
            let n = part.len();
            let (y, y1) = (rows_of(y, first, n), rows_of(y1, first, n));
            for ((v, &a), &b) in part.iter_mut().zip(y).zip(y1) {
                *v = w[0] * a + w[1] * b;
            }
            for (yk, &wk) in older.iter().zip(&w[2..]) {
                for (v, &c) in part.iter_mut().zip(rows_of(yk, first, n)) {
                    *v += wk * c;
                }
            }
            for (v, &a) in part.iter_mut().zip(y) {
                *v = guarded(*v, a);
            }
        });
    }
}

/// A predicted temperature `v`, or the current one `y` where `v` is NaN or
/// below `y/2` (an extrapolation that overshoots is no first guess).
fn guarded(v: f64, y: f64) -> f64 {
    if v.is_nan() || v < 0.5 * y {
        y
    } else {
        v
    }
}

/// Points of the predictor polynomial (6: quintic). The BDF2 solution of a
/// smooth problem is a smooth sequence, so extrapolating more of it starts
/// Newton closer: on the 256² orbit case the first Newton residual fell from
/// ~1e-4 of the heat flowing (quadratic) to ~1e-6 (cubic) and ~1e-7 (quintic),
/// where one simplified-Newton iteration with a kept factor (contraction
/// ≈ 1e-3, the drift of the radiative `4σεA T³` terms) meets the 1e-10
/// tolerance: 1.57 → 1.11 Newton iterations per step, 1.74 → 1.23 solves
/// (`speed_orbit_auto_only` in tests/transient_speed.rs; 5 points: 1.23, 7:
/// 1.10, 8: 1.14). Each point costs one stored state.
const PREDICTOR_POINTS: usize = 6;

/// Lagrange weights `ℓ_j(τ) = Π_{k≠j} (τ − τ_k)/(τ_j − τ_k)` of the interpolating
/// polynomial through the nodes `taus` (distinct, at most [`PREDICTOR_POINTS`]),
/// evaluated at `tau`: `p(τ) = Σ_j ℓ_j(τ) y_j`.
fn lagrange_weights(taus: &[f64], tau: f64) -> [f64; PREDICTOR_POINTS] {
    let mut w = [0.0; PREDICTOR_POINTS];
    for (j, &tj) in taus.iter().enumerate() {
        w[j] = taus
            .iter()
            .enumerate()
            .filter(|&(k, _)| k != j)
            .map(|(_, &tk)| (tau - tk) / (tj - tk))
            .product();
    }
    w
}

/// The accepted state at the current time.
struct State {
    /// Temperatures of the unknowns (K).
    y: Vec<f64>,
    /// `T' = F/C` on diffusion rows (0 on arithmetic rows).
    z: Vec<f64>,
    /// `F(t, y)` (W).
    f: Vec<f64>,
    /// Heat flows at `(t, y)`.
    flows: HeatFlows,
}

/// Work vectors of one step, allocated once per solver.
struct Work {
    /// The step's result.
    x: Vec<f64>,
    /// `F(t_{n+1}, x)`.
    f: Vec<f64>,
    /// `T' = F/C` at the result.
    z: Vec<f64>,
    base: Vec<f64>,
    psi: Vec<f64>,
    /// Start step: the full backward-Euler step.
    xa: Vec<f64>,
    fa: Vec<f64>,
    /// Start step: the first half step.
    xb: Vec<f64>,
}

/// What one step gives besides the state in [`Work`].
struct StepOutcome {
    iterations: usize,
    /// Heat in and out over the step (J), with the step's quadrature.
    q: (f64, f64),
    /// Heat flows at the step's end.
    flows: HeatFlows,
    /// Weighted local error estimate (≤ 1 passes); 0 with fixed steps.
    error: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum StepKind {
    /// One backward-Euler step.
    BackwardEuler,
    /// The self-starting, L-stable, second-order step of BDF2 and the
    /// trapezoidal rule: TR-BDF2.
    Start,
    Trapezoidal,
    Bdf2 {
        omega: f64,
    },
}

impl StepKind {
    /// Order of the local-error estimate's step-size exponent: err ∝ h^(p+1).
    fn estimate_order(self) -> f64 {
        match self {
            StepKind::BackwardEuler => 1.0,
            _ => 2.0,
        }
    }
}

impl<'a> TransientSolver<'a> {
    /// Prepares a solver; validates the options.
    pub fn new(
        system: &'a AssembledNetwork,
        options: TransientOptions,
    ) -> Result<Self, SolveError> {
        options.validate()?;
        if let InitialState::Given(x) = &options.initial_state {
            check_initial_length(system, x)?;
        }
        let core = NewtonCore::new(
            system,
            options.linear_solver,
            options.newton_tolerance,
            options.max_newton_iterations,
            options.reuse_jacobian,
            options.factor_reuse,
        )?;
        let events = system.discontinuities(options.start_s, options.end_s);
        // Outputs and discontinuities in one schedule, so that an output time
        // within round-off of a discontinuity lands there with its exact value.
        let schedule = schedule(
            options.start_s,
            options.end_s,
            &options.output_times_s,
            options.output_interval_s,
            &events,
        );
        let outputs = schedule.iter().filter(|s| s.output).map(|s| s.t).collect();
        let last = schedule.len().saturating_sub(1);
        let stops = schedule
            .into_iter()
            .enumerate()
            .filter(|(k, s)| s.event || *k == last)
            .map(|(_, s)| s)
            .collect();
        let arithmetic = system.capacitance_j_k().iter().any(|&c| c <= 0.0);
        let n = system.unknowns();
        let work = Work {
            x: vec![0.0; n],
            f: vec![0.0; n],
            z: vec![0.0; n],
            base: vec![0.0; n],
            psi: vec![0.0; n],
            xa: vec![0.0; n],
            fa: vec![0.0; n],
            xb: vec![0.0; n],
        };
        Ok(Self {
            system,
            options,
            core,
            stops,
            outputs,
            arithmetic,
            work,
        })
    }

    /// The options in use.
    pub fn options(&self) -> &TransientOptions {
        &self.options
    }

    /// The initial state the options ask for (one temperature per unknown).
    pub fn initial_state(&mut self) -> Result<Vec<f64>, SolveError> {
        match &self.options.initial_state {
            InitialState::Network => Ok(self.system.initial_state()),
            InitialState::Given(x) => Ok(x.clone()),
            InitialState::Steady => {
                let opts = SteadyOptions {
                    tolerance: self.options.newton_tolerance,
                    time_s: self.options.start_s,
                    linear_solver: self.options.linear_solver,
                    ..SteadyOptions::default()
                };
                let mut steady = SteadySolver::new(self.system, opts)?;
                let sol = steady.solve_from(&self.system.initial_state())?;
                Ok((0..self.system.unknowns())
                    .map(|u| sol.temperatures_k[self.system.node_of_unknown(u)])
                    .collect())
            }
        }
    }

    /// Runs from the options' initial state.
    pub fn solve(&mut self) -> Result<TransientSolution, SolveError> {
        let x0 = self.initial_state()?;
        self.solve_from(&x0)
    }

    /// Runs from `x0` (one temperature per unknown, K).
    pub fn solve_from(&mut self, x0: &[f64]) -> Result<TransientSolution, SolveError> {
        self.solve_from_with_progress(x0, &mut |_| {})
    }

    /// [`Self::solve_from`], calling `progress(t_s)` after every accepted step (a hook for
    /// progress bars; t runs from `start_s` to `end_s`).
    pub fn solve_from_with_progress(
        &mut self,
        x0: &[f64],
        progress: &mut (dyn FnMut(f64) + Send),
    ) -> Result<TransientSolution, SolveError> {
        on_pool_thread(|| self.run_from(x0, progress))
    }

    fn run_from(
        &mut self,
        x0: &[f64],
        progress: &mut (dyn FnMut(f64) + Send),
    ) -> Result<TransientSolution, SolveError> {
        check_initial_length(self.system, x0)?;
        check_initial(x0)?;
        let sys = self.system;
        let n = sys.unknowns();
        let opts = self.options.clone();
        let (start, end) = (opts.start_s, opts.end_s);
        let span = end - start;
        let cap = sys.capacitance_j_k();

        let mut st = State {
            y: x0.to_vec(),
            z: vec![0.0; n],
            f: vec![0.0; n],
            flows: sys.heat_flows(start, x0),
        };
        let mut hist = History {
            valid: false,
            h_prev: 0.0,
            y_prev: vec![0.0; n],
            z_prev: vec![0.0; n],
            older_y: std::array::from_fn(|_| vec![0.0; n]),
            older_h: [0.0; PREDICTOR_POINTS - 2],
            older_valid: 0,
            prev_q: (0.0, 0.0),
        };
        let mut stats = TransientStats::default();
        let counters0 = (
            self.core.iterations,
            self.core.linear_iterations,
            self.core.jacobians,
            self.core.factorizations,
        );

        let mut t = start;
        self.segment_start(t, span, &mut st)?;
        let mut times_s = vec![start];
        let mut temperatures_k = vec![sys.node_temperatures(start, &st.y)];
        let mut step_times_s = Vec::new();
        // State at the start of the current energy interval, and the output buffer.
        let mut y_interval = st.y.clone();
        let mut y_dense = vec![0.0; n];
        let y_start = st.y.clone();
        let (mut q_in_total, mut q_out_total) = (0.0, 0.0);
        let (mut q_in_interval, mut q_out_interval) = (0.0, 0.0);
        let mut t_interval = start;
        let mut interval_energy = Vec::new();
        let mut output_idx = 0;
        // Consecutive step failures for an energy balance Newton could not close.
        let mut energy_failures = 0;

        let adaptive = match opts.step {
            StepControl::Adaptive(a) => Some(a),
            StepControl::Fixed { .. } => None,
        };
        let dt_min = adaptive.and_then(|a| a.dt_min_s).unwrap_or(1e-10 * span);
        let dt_max = adaptive.and_then(|a| a.dt_max_s).unwrap_or(span).min(span);
        let mut h_nat = match (opts.step, adaptive) {
            (StepControl::Fixed { dt_s }, _) => dt_s,
            (_, Some(a)) => a
                .initial_dt_s
                .unwrap_or_else(|| initial_step(&st.y, &st.z, cap, a, span))
                .clamp(dt_min.min(dt_max), dt_max),
            _ => span,
        };
        let mut stop_idx = 0;
        while stop_idx < self.stops.len() {
            let stop = self.stops[stop_idx];
            // Choose the end of this step.
            let (t1, clipped) = match opts.step {
                StepControl::Fixed { dt_s } => {
                    let g = next_grid(start, dt_s, t);
                    if stop.t <= g + 0.1 * dt_s {
                        (stop.t, true)
                    } else {
                        (g, false)
                    }
                }
                StepControl::Adaptive(_) => {
                    let mut h = h_nat;
                    if let (TransientMethod::Bdf2, Some((h_prev, _, _))) =
                        (opts.method, hist.prev())
                    {
                        h = h.min(BDF2_MAX_RATIO * h_prev);
                    }
                    let r = stop.t - t;
                    if r <= h * (1.0 + 1e-9) {
                        (stop.t, r < h_nat)
                    } else if r < 2.0 * h {
                        (t + 0.5 * r, true)
                    } else {
                        (t + h, h < h_nat)
                    }
                }
            };
            let h = t1 - t;
            if h.is_nan() || h <= 0.0 {
                return Err(SolveError::StepTooSmall {
                    t_s: t,
                    dt_s: h,
                    min_dt_s: dt_min,
                    reason: "the step vanishes in floating point at this time".into(),
                });
            }
            let kind = match (opts.method, hist.prev()) {
                (TransientMethod::BackwardEuler, _) => StepKind::BackwardEuler,
                (_, None) => StepKind::Start,
                (TransientMethod::Trapezoidal, _) => StepKind::Trapezoidal,
                (TransientMethod::Bdf2, Some((h_prev, _, _))) => {
                    let omega = h / h_prev;
                    // Fixed steps may meet a large ratio after a split step: restart then.
                    if omega > 1.0 + std::f64::consts::SQRT_2 {
                        StepKind::Start
                    } else {
                        StepKind::Bdf2 { omega }
                    }
                }
            };
            let outcome = match self.take_step(kind, t, h, &st, &hist, adaptive) {
                Ok(o) => o,
                Err(e) => match adaptive {
                    Some(_) if energy_failures < MAX_ENERGY_RETRIES || !is_energy(&e) => {
                        // A shorter step adds `C/h` to the diagonal, which may
                        // make an ill-conditioned step solvable; a few retries.
                        if is_energy(&e) {
                            energy_failures += 1;
                        }
                        stats.newton_failures += 1;
                        h_nat = 0.25 * h;
                        if h_nat < dt_min {
                            return Err(SolveError::StepTooSmall {
                                t_s: t,
                                dt_s: h_nat,
                                min_dt_s: dt_min,
                                reason: format!("the step's Newton iteration failed: {e}"),
                            });
                        }
                        continue;
                    }
                    _ => {
                        return Err(SolveError::TransientStepFailed {
                            t_s: t,
                            dt_s: h,
                            source: Box::new(e),
                        })
                    }
                },
            };
            if let Some(a) = adaptive {
                let err = outcome.error;
                let p = kind.estimate_order();
                let ideal = a.safety * err.powf(-1.0 / (p + 1.0));
                if err > 1.0 {
                    stats.rejected_steps += 1;
                    h_nat = h * ideal.clamp(a.max_shrink, 1.0);
                    if h_nat < dt_min {
                        return Err(SolveError::StepTooSmall {
                            t_s: t,
                            dt_s: h_nat,
                            min_dt_s: dt_min,
                            reason: format!(
                                "the local error estimate is {err:.3} times the tolerance \
                                 (rtol {:.1e}, atol {:.1e} K)",
                                a.rtol, a.atol_k
                            ),
                        });
                    }
                    continue;
                }
                let mut fac = if err > 0.0 { ideal } else { a.max_growth };
                fac = fac.clamp(a.max_shrink, a.max_growth);
                if (1.0..=1.2).contains(&fac) && !clipped {
                    fac = 1.0;
                }
                let mut next = h * fac;
                if clipped {
                    // A landing step says nothing against the step used before it.
                    next = next.max(h_nat.min(h * ideal));
                }
                h_nat = next.min(dt_max);
            }

            // Accept.
            energy_failures = 0;
            stats.accepted_steps += 1;
            stats.max_newton_iterations_per_step =
                stats.max_newton_iterations_per_step.max(outcome.iterations);
            stats.min_dt_s = if stats.accepted_steps == 1 {
                h
            } else {
                stats.min_dt_s.min(h)
            };
            stats.max_dt_s = stats.max_dt_s.max(h);
            let (q_in, q_out) = outcome.q;
            hist.prev_q = outcome.q;
            q_in_interval += q_in;
            q_out_interval += q_out;
            q_in_total += q_in;
            q_out_total += q_out;
            // Outputs in (t, t1], from the step's own interpolant (exact at t1).
            // Energy intervals end at the step that reaches an output: they
            // are sums over whole steps, so each closes as the steps do.
            while output_idx < self.outputs.len() && self.outputs[output_idx] <= t1 {
                let t_o = self.outputs[output_idx];
                output_idx += 1;
                let y = if t_o == t1 {
                    &self.work.x
                } else {
                    self.dense_output(kind, t, h, t_o, &st, &hist, &mut y_dense);
                    &y_dense
                };
                times_s.push(t_o);
                temperatures_k.push(sys.node_temperatures(t_o, y));
                let stored = stored_energy(cap, &y_interval, &self.work.x);
                interval_energy.push(EnergyIntegral::new(
                    t_interval,
                    t1,
                    q_in_interval,
                    q_out_interval,
                    stored,
                ));
                q_in_interval = 0.0;
                q_out_interval = 0.0;
                t_interval = t1;
                y_interval.copy_from_slice(&self.work.x);
            }
            // Shift the history: (h, y_n, z_n) becomes the previous point.
            hist.push(h, &mut st.y, &mut st.z);
            // Swapped, not copied: every step writes `x`, `z` and `f` of the
            // work afresh (predictor, end of step, Newton's first residual),
            // so the stale buffers `push` left in `st` may go there.
            std::mem::swap(&mut st.y, &mut self.work.x);
            std::mem::swap(&mut st.z, &mut self.work.z);
            std::mem::swap(&mut st.f, &mut self.work.f);
            st.flows = outcome.flows;
            t = t1;
            step_times_s.push(t);
            progress(t);

            if t1 == stop.t {
                stop_idx += 1;
                if stop.event && stop_idx < self.stops.len() {
                    hist.restart();
                    self.segment_start(t, h_nat, &mut st)?;
                }
            }
        }

        stats.newton_iterations = self.core.iterations - counters0.0;
        stats.linear_iterations = self.core.linear_iterations - counters0.1;
        stats.jacobian_evaluations = self.core.jacobians - counters0.2;
        stats.factorizations = self.core.factorizations - counters0.3;
        let energy = EnergyIntegral::new(
            start,
            end,
            q_in_total,
            q_out_total,
            stored_energy(cap, &y_start, &st.y),
        );
        Ok(TransientSolution {
            times_s,
            temperatures_k,
            step_times_s,
            final_state_k: st.y,
            stats,
            energy,
            energy_balance: energy.average_w(),
            interval_energy,
            method: opts.method.name(),
            linear_solver: self.core.linear_name(),
        })
    }

    /// Writes into `out` the state at `t_o ∈ (t, t + h)` from the dense output of
    /// the accepted step of `kind` from `(t, st)` to `t + h` (its result in
    /// `self.work`, the history not yet shifted): the interpolant of the
    /// method's own order.
    ///
    /// - backward Euler: linear between the step's ends (error O(h²), the
    ///   method's local error);
    /// - trapezoidal: the cubic Hermite through both ends with their `T' = F/C`
    ///   on diffusion rows (O(h⁴)), and on arithmetic rows (no `T'` of their
    ///   own) the quadratic through the last three points (O(h³));
    /// - BDF2: the quadratic through the last three points `t − h_prev`, `t`,
    ///   `t + h` (the BDF interpolating polynomial, Hairer & Wanner II, §III.5; O(h³));
    /// - the TR-BDF2 start step: the quadratic through `t`, its stage at
    ///   `t + γh` and `t + h`.
    #[allow(clippy::too_many_arguments)]
    fn dense_output(
        &self,
        kind: StepKind,
        t: f64,
        h: f64,
        t_o: f64,
        st: &State,
        hist: &History,
        out: &mut [f64],
    ) {
        let cap = self.system.capacitance_j_k();
        let w = &self.work;
        let (y0, y1) = (&st.y, &w.x);
        let theta = (t_o - t) / h;
        let tau = t_o - (t + h);
        // The quadratic through `(t + h, y1)`, `(t + h − d1, ya)`, `(t + h − d2, yb)`.
        let quadratic = |out: &mut [f64], d1: f64, ya: &[f64], d2: f64, yb: &[f64]| {
            let l = lagrange_weights(&[0.0, -d1, -d2], tau);
            par_fill(out, |i| l[0] * y1[i] + l[1] * ya[i] + l[2] * yb[i]);
        };
        match (kind, hist.prev()) {
            (StepKind::Bdf2 { .. }, Some((h_prev, y_prev, _))) => {
                quadratic(out, h, y0, h + h_prev, y_prev);
            }
            (StepKind::Start, _) => {
                quadratic(out, (1.0 - TR_BDF2_GAMMA) * h, &w.xb, h, y0);
            }
            (StepKind::Trapezoidal, Some((h_prev, y_prev, _))) => {
                // Hermite basis on θ ∈ [0, 1]; arithmetic rows (no `T'`) on
                // the quadratic through the last three points.
                let (t2, t3) = (theta * theta, theta * theta * theta);
                let h00 = 2.0 * t3 - 3.0 * t2 + 1.0;
                let h10 = t3 - 2.0 * t2 + theta;
                let h01 = 3.0 * t2 - 2.0 * t3;
                let h11 = t3 - t2;
                let l = lagrange_weights(&[0.0, -h, -h - h_prev], tau);
                let (z0, z1) = (&st.z, &w.z);
                par_fill(out, |i| {
                    if cap[i] > 0.0 {
                        h00 * y0[i] + h * (h10 * z0[i] + h11 * z1[i]) + h01 * y1[i]
                    } else {
                        l[0] * y1[i] + l[1] * y0[i] + l[2] * y_prev[i]
                    }
                });
            }
            _ => par_fill(out, |i| y0[i] + theta * (y1[i] - y0[i])),
        }
    }

    /// Takes one step of `kind` from `(t, st)`; the result is left in `self.work`.
    fn take_step(
        &mut self,
        kind: StepKind,
        t: f64,
        h: f64,
        st: &State,
        hist: &History,
        adaptive: Option<AdaptiveStep>,
    ) -> Result<StepOutcome, SolveError> {
        let sys = self.system;
        let t1 = t + h;
        let n = st.y.len();
        let cap = sys.capacitance_j_k();
        let scale = st.flows.heat_in_w().max(st.flows.heat_out_w());
        let w = &mut self.work;
        let core = &mut self.core;
        // Predictor: extrapolate the segment's last points, so Newton usually needs one solve.
        hist.predict(h, &st.y, &st.z, &mut w.x);
        let mut iterations = 0;
        let (q, flows) = match kind {
            StepKind::BackwardEuler => {
                iterations += core.solve(
                    &step_form(t1, 1.0 / h, &st.y, None, scale),
                    &mut w.x,
                    &mut w.f,
                )?;
                let fl = core.take_flows(t1, &w.x);
                ((h * fl.heat_in_w(), h * fl.heat_out_w()), fl)
            }
            StepKind::Trapezoidal => {
                par_fill(&mut w.psi, |i| if cap[i] > 0.0 { st.f[i] } else { 0.0 });
                iterations += core.solve(
                    &step_form(t1, 2.0 / h, &st.y, Some(&w.psi), scale),
                    &mut w.x,
                    &mut w.f,
                )?;
                let fl = core.take_flows(t1, &w.x);
                let q = (
                    0.5 * h * (st.flows.heat_in_w() + fl.heat_in_w()),
                    0.5 * h * (st.flows.heat_out_w() + fl.heat_out_w()),
                );
                (q, fl)
            }
            StepKind::Bdf2 { omega } => {
                let Some((_, y_prev, _)) = hist.prev() else {
                    return Err(internal("BDF2 step without history"));
                };
                let a = (1.0 + 2.0 * omega) / (1.0 + omega);
                let b = omega * omega / (1.0 + omega);
                zip_update(&mut w.base, [&st.y, y_prev], |base, [y, y_prev]| {
                    *base = ((1.0 + omega) * y - b * y_prev) / a;
                });
                iterations += core.solve(
                    &step_form(t1, a / h, &w.base, None, scale),
                    &mut w.x,
                    &mut w.f,
                )?;
                let fl = core.take_flows(t1, &w.x);
                // The BDF2 formula applied to E' = q: a Q_{n+1} − b Q_n = h q_{n+1}.
                let q = (
                    (b * hist.prev_q.0 + h * fl.heat_in_w()) / a,
                    (b * hist.prev_q.1 + h * fl.heat_out_w()) / a,
                );
                (q, fl)
            }
            StepKind::Start => {
                // TR-BDF2: a trapezoidal stage to t + γh, then BDF2 through t, t + γh, t + h.
                let h1 = TR_BDF2_GAMMA * h;
                let h2 = h - h1;
                let t_mid = t + h1;
                for i in 0..n {
                    w.psi[i] = if cap[i] > 0.0 { st.f[i] } else { 0.0 };
                    w.xb[i] = (st.y[i] + h1 * st.z[i]).max(0.5 * st.y[i]);
                }
                iterations += core.solve(
                    &step_form(t_mid, 2.0 / h1, &st.y, Some(&w.psi), scale),
                    &mut w.xb,
                    &mut w.fa,
                )?;
                let fl_mid = core.take_flows(t_mid, &w.xb);
                let q1 = (
                    0.5 * h1 * (st.flows.heat_in_w() + fl_mid.heat_in_w()),
                    0.5 * h1 * (st.flows.heat_out_w() + fl_mid.heat_out_w()),
                );
                let omega = h2 / h1;
                let a = (1.0 + 2.0 * omega) / (1.0 + omega);
                let b = omega * omega / (1.0 + omega);
                for i in 0..n {
                    w.base[i] = ((1.0 + omega) * w.xb[i] - b * st.y[i]) / a;
                    w.x[i] = (w.xb[i] + omega * (w.xb[i] - st.y[i])).max(0.5 * w.xb[i]);
                }
                iterations += core.solve(
                    &step_form(t1, a / h2, &w.base, None, scale),
                    &mut w.x,
                    &mut w.f,
                )?;
                let fl = core.take_flows(t1, &w.x);
                let q2 = (
                    (b * q1.0 + h2 * fl.heat_in_w()) / a,
                    (b * q1.1 + h2 * fl.heat_out_w()) / a,
                );
                // T' at the stage, for the error estimate.
                for i in 0..n {
                    w.xa[i] = if cap[i] > 0.0 { w.fa[i] / cap[i] } else { 0.0 };
                }
                ((q1.0 + q2.0, q1.1 + q2.1), fl)
            }
        };
        // T' = F/C at the result and, adaptive, the weighted local error
        // estimate, chunk by chunk in parallel (a maximum has the same bits
        // in any order).
        let prev = match kind {
            StepKind::Trapezoidal | StepKind::Bdf2 { .. } => hist.prev(),
            _ => None,
        };
        // Arithmetic rows' estimate reads the segment's earlier points.
        let points = AlgebraicPoints {
            prev: hist.prev().map(|(h1, y1, _)| (h1, y1)),
            older: (hist.valid && hist.older_valid > 0)
                .then(|| (hist.older_h[0], hist.older_y[0].as_slice())),
        };
        let (f, x, z_stage) = (&w.f, &w.x, &w.xa);
        let parts = par_chunks(&mut w.z, |first, z| {
            // T' first, in a loop without branches (it vectorises); then,
            // adaptive, the error estimate over the rows.
            let (cap, f) = (&cap[first..first + z.len()], &f[first..first + z.len()]);
            for ((zi, &c), &fi) in z.iter_mut().zip(cap).zip(f) {
                *zi = if c <= 0.0 { 0.0 } else { fi / c };
            }
            let mut err = 0.0_f64;
            let Some(a) = adaptive else {
                return err;
            };
            for (o, (&zi, &c)) in z.iter().zip(cap).enumerate() {
                let i = first + o;
                if c <= 0.0 {
                    let le = points.error(kind, h, i, x[i], st.y[i]);
                    let wt = a.atol_k + a.rtol * st.y[i].abs().max(x[i].abs());
                    err = err.max(le / wt);
                    continue;
                }
                let d1 = (zi - st.z[i]) / h;
                let le = match (kind, prev) {
                    (StepKind::Start, _) => {
                        // The third derivative from T' at t, t + γh and t + h.
                        let h1 = TR_BDF2_GAMMA * h;
                        let d0 = (z_stage[i] - st.z[i]) / h1;
                        let d1 = (zi - z_stage[i]) / (h - h1);
                        let t3 = 2.0 * (d1 - d0) / h;
                        TR_BDF2_ERROR_CONSTANT * h * h * h * t3.abs()
                    }
                    (StepKind::Trapezoidal, Some((h_prev, _, zp))) => {
                        let t3 = 2.0 * (d1 - (st.z[i] - zp[i]) / h_prev) / (h + h_prev);
                        h * h * h / 12.0 * t3.abs()
                    }
                    (StepKind::Bdf2 { omega }, Some((h_prev, _, zp))) => {
                        let t3 = 2.0 * (d1 - (st.z[i] - zp[i]) / h_prev) / (h + h_prev);
                        let c = (1.0 + omega).powi(2) / (6.0 * omega * (1.0 + 2.0 * omega));
                        c * h * h * h * t3.abs()
                    }
                    _ => 0.5 * h * h * d1.abs(),
                };
                let wt = a.atol_k + a.rtol * st.y[i].abs().max(x[i].abs());
                err = err.max(le / wt);
            }
            err
        });
        let error = parts.into_iter().fold(0.0, f64::max);
        Ok(StepOutcome {
            iterations,
            q,
            flows,
            error,
        })
    }

    /// Brings arithmetic rows of `y` into balance at `t` with the diffusion rows
    /// held: a backward-Euler step of length `eps` (tiny) whose diffusion
    /// temperatures are then put back, so stored energy is untouched. `f` and
    /// `scratch` are work vectors.
    ///
    /// The first pass moves each diffusion row by about `eps F_i / C_i`, so once
    /// they are put back each arithmetic row is off balance by `eps Σ_j G_aj
    /// F_j / C_j` (3e-4 W on the default case's heat-pipe node, which the
    /// first second-order step's quadrature turned into an energy imbalance
    /// of 7e-8 of the heat flowing, whatever the Newton tolerance). A second
    /// pass from there cancels the diffusion rows' own forcing (`Ψ_i =
    /// −F_i(t, y)` on them): they then move only by the second-order
    /// `eps K_ij δ_j / C_i` as the arithmetic values change by the small `δ`,
    /// and the arithmetic rows are left in balance to the Newton tolerance.
    /// (The first pass keeps the forcing, so that a singular arithmetic block
    /// is met by a linear solve here and reported as
    /// [`SolveError::AlgebraicBalanceFailed`].)
    fn project_algebraic(
        core: &mut NewtonCore<'_>,
        sys: &AssembledNetwork,
        t: f64,
        eps: f64,
        y: &mut [f64],
        f: &mut Vec<f64>,
        scratch: &mut Vec<f64>,
    ) -> Result<(), SolveError> {
        let cap = sys.capacitance_j_k();
        let mut psi = vec![0.0; y.len()];
        for pass in 0..2 {
            let flows = sys.residual_and_flows(t, y, f);
            for ((p, &fi), &c) in psi.iter_mut().zip(f.iter()).zip(cap) {
                *p = if c > 0.0 { -fi } else { 0.0 };
            }
            let base = y.to_vec();
            scratch.copy_from_slice(y);
            core.solve(
                &step_form(
                    t,
                    1.0 / eps,
                    &base,
                    (pass == 1).then_some(psi.as_slice()),
                    flows.heat_in_w().max(flows.heat_out_w()),
                ),
                scratch,
                f,
            )?;
            for i in 0..y.len() {
                if cap[i] <= 0.0 {
                    y[i] = scratch[i];
                }
            }
        }
        Ok(())
    }

    /// Starts a smooth segment at `t` (the run's start or just after a
    /// discontinuity): brings arithmetic nodes into balance with the diffusion
    /// nodes at `t⁺`, and evaluates `F(t⁺, y)`, `T' = F/C` and the heat flows there.
    fn segment_start(&mut self, t: f64, h_scale: f64, st: &mut State) -> Result<(), SolveError> {
        let sys = self.system;
        let scale = h_scale
            .abs()
            .max(t.abs() * f64::EPSILON * 16.0)
            .max(f64::MIN_POSITIVE);
        let t_plus = t + 1e-9 * scale;
        if self.arithmetic {
            Self::project_algebraic(
                &mut self.core,
                sys,
                t_plus,
                1e-9 * scale,
                &mut st.y,
                &mut st.f,
                &mut self.work.xa,
            )
            .map_err(|e| SolveError::AlgebraicBalanceFailed {
                t_s: t,
                source: Box::new(e),
            })?;
        }
        sys.residual(t_plus, &st.y, &mut st.f);
        let cap = sys.capacitance_j_k();
        for i in 0..st.y.len() {
            st.z[i] = if cap[i] > 0.0 { st.f[i] / cap[i] } else { 0.0 };
        }
        st.flows = sys.heat_flows(t, &st.y);
        Ok(())
    }
}

/// The points before a step that an arithmetic row's error estimate reads:
/// the previous point `(h_prev, y_{n−1})` and the one before it
/// `(h_{n−2}, y_{n−2})`, when they belong to the current smooth segment.
struct AlgebraicPoints<'h> {
    prev: Option<(f64, &'h [f64])>,
    older: Option<(f64, &'h [f64])>,
}

impl AlgebraicPoints<'_> {
    /// Local error estimate of arithmetic row `i` over a step `h` of `kind` from
    /// `y` to `x`, from its own values (it has no `T'`): the method's error
    /// constant times the derivative the divided differences through the
    /// segment's points give — `h² |T''|/2` for backward Euler (three points),
    /// BDF2's and the trapezoidal rule's `h³ |T'''|` terms (four points). The
    /// massless nodes of an index-1 DAE are exact functions of the diffusion
    /// nodes at the step points, but they also follow sources and boundary
    /// temperatures directly, and the dense output interpolates them over the
    /// step; a network of massless nodes alone (a sequence of steady states)
    /// has no other error to control its steps. 0 where the segment has too
    /// few points yet (its first step or two, and the TR-BDF2 start).
    fn error(&self, kind: StepKind, h: f64, i: usize, x: f64, y: f64) -> f64 {
        let Some((h1, y1)) = self.prev else {
            return 0.0;
        };
        let d2 = (x - y) / h;
        let d1 = (y - y1[i]) / h1;
        // f[t_{n−1}, t_n, t_{n+1}] = T''/2.
        let dd2 = (d2 - d1) / (h + h1);
        let third = || {
            self.older.map(|(h2, y2)| {
                let d0 = (y1[i] - y2[i]) / h2;
                let dd1 = (d1 - d0) / (h1 + h2);
                // T''' = 6 f[t_{n−2}, …, t_{n+1}].
                6.0 * (dd2 - dd1) / (h + h1 + h2)
            })
        };
        match kind {
            StepKind::BackwardEuler => h * h * dd2.abs(),
            StepKind::Trapezoidal => third().map_or(0.0, |t3| h * h * h / 12.0 * t3.abs()),
            StepKind::Bdf2 { omega } => third().map_or(0.0, |t3| {
                let c = (1.0 + omega).powi(2) / (6.0 * omega * (1.0 + 2.0 * omega));
                c * h * h * h * t3.abs()
            }),
            StepKind::Start => 0.0,
        }
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

/// The form of one implicit solve.
fn step_form<'s>(
    t_s: f64,
    gamma: f64,
    base: &'s [f64],
    psi: Option<&'s [f64]>,
    heat_scale_w: f64,
) -> StepForm<'s> {
    StepForm {
        t_s,
        gamma,
        base,
        psi,
        heat_scale_w,
    }
}

fn internal(reason: &str) -> SolveError {
    SolveError::LinearSolver {
        solver: "transient",
        reason: format!("internal error: {reason}"),
    }
}

fn check_initial_length(system: &AssembledNetwork, x: &[f64]) -> Result<(), SolveError> {
    check(
        x.len() == system.unknowns(),
        "initial state length",
        x.len() as f64,
        "one temperature per unknown (AssembledNetwork::unknowns)",
    )
}

/// Whether a step failed because Newton could not close its energy balance.
fn is_energy(e: &SolveError) -> bool {
    matches!(e, SolveError::EnergyBalanceNotClosed { .. })
}

/// First grid point `start + k dt` more than `dt/10` after `t`.
fn next_grid(start: f64, dt: f64, t: f64) -> f64 {
    let mut k = ((t - start) / dt).floor() + 1.0;
    let mut g = start + k * dt;
    while g <= t + 0.1 * dt {
        k += 1.0;
        g = start + k * dt;
    }
    g
}

/// Σ C_i (b_i − a_i) over diffusion nodes (J), differences first for accuracy.
fn stored_energy(cap: &[f64], a: &[f64], b: &[f64]) -> f64 {
    cap.iter()
        .zip(a.iter().zip(b))
        .map(|(c, (p, q))| c * (q - p))
        .sum()
}

/// A first step from the initial rates of change: the backward-Euler local
/// error `h²/2 |T''|` with `|T''| ≈ T'²/T` (an exponential-like approach) meets the
/// tolerance; half of that, for safety.
fn initial_step(y: &[f64], z: &[f64], cap: &[f64], a: AdaptiveStep, span: f64) -> f64 {
    let mut h = f64::INFINITY;
    for i in 0..y.len() {
        if cap[i] > 0.0 && z[i] != 0.0 {
            let w = a.atol_k + a.rtol * y[i].abs();
            h = h.min(0.5 * (2.0 * w * y[i].abs()).sqrt() / z[i].abs());
        }
    }
    if h.is_finite() && h > 0.0 {
        h
    } else {
        0.01 * span
    }
}

/// Solves a transient run from the options' initial state.
///
/// Fails with [`crate::error::NetworkError::NoPathToSink`] (wrapped) when a steady initial
/// state is asked for and a node floats, with [`SolveError::InvalidOption`] for bad
/// options, and with [`SolveError::TransientStepFailed`] or
/// [`SolveError::StepTooSmall`] when a step cannot be completed.
pub fn solve_transient(
    system: &AssembledNetwork,
    options: &TransientOptions,
) -> Result<TransientSolution, crate::Error> {
    solve_transient_with_progress(system, options, &mut |_| {})
}

/// [`solve_transient`], calling `progress(t_s)` after every accepted step.
pub fn solve_transient_with_progress(
    system: &AssembledNetwork,
    options: &TransientOptions,
    progress: &mut (dyn FnMut(f64) + Send),
) -> Result<TransientSolution, crate::Error> {
    if options.initial_state == InitialState::Steady {
        system.check_grounded()?;
    }
    let mut solver = TransientSolver::new(system, options.clone())?;
    let x0 = solver.initial_state()?;
    Ok(solver.solve_from_with_progress(&x0, progress)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_merges_and_keeps_output_values() {
        let s = schedule(0.0, 10.0, &[2.5, 10.0], Some(4.0), &[2.5, 7.0]);
        let t: Vec<f64> = s.iter().map(|s| s.t).collect();
        assert_eq!(t, vec![2.5, 4.0, 7.0, 8.0, 10.0]);
        assert!(s[0].output && s[0].event);
        assert!(!s[2].output && s[2].event);
    }

    #[test]
    fn lagrange_weights_reproduce_cubics_at_any_steps() {
        // Nodes 0, −3, −4.5, −9 (variable steps); target 2.
        let taus = [0.0, -3.0, -4.5, -9.0];
        let w = lagrange_weights(&taus, 2.0);
        let p = |t: f64| 1.5 - 0.25 * t + 0.125 * t * t - 0.03 * t * t * t;
        let extrapolated: f64 = taus.iter().zip(&w).map(|(&t, wj)| wj * p(t)).sum();
        assert!(
            (extrapolated - p(2.0)).abs() < 1e-12,
            "{extrapolated} vs {}",
            p(2.0)
        );
        // Two nodes: linear extrapolation y0 + r (y0 − y1).
        let w = lagrange_weights(&[0.0, -2.0], 1.0);
        assert_eq!(&w[..2], &[1.5, -0.5]);
    }

    #[test]
    fn predictor_uses_the_segment_points_only() {
        let mut hist = History {
            valid: false,
            h_prev: 0.0,
            y_prev: vec![0.0],
            z_prev: vec![0.0],
            prev_q: (0.0, 0.0),
            older_y: std::array::from_fn(|_| vec![0.0]),
            older_h: [0.0; PREDICTOR_POINTS - 2],
            older_valid: 0,
        };
        let y = |t: f64| 300.0 + 2.0 * t - 0.1 * t * t + 0.004 * t * t * t;
        let mut x = [0.0];
        // Segment start: y + h T'.
        hist.predict(1.0, &[y(0.0)], &[2.0], &mut x);
        assert_eq!(x[0], 302.0);
        // Points at t = 0, 1, 3, 4 (steps 1, 2, 1); at t = 4 the cubic is exact.
        let times = [0.0, 1.0, 3.0, 4.0];
        for w in times.windows(2) {
            hist.push(w[1] - w[0], &mut vec![y(w[0])], &mut vec![0.0]);
        }
        hist.predict(2.5, &[y(4.0)], &[0.0], &mut x);
        assert!((x[0] - y(6.5)).abs() < 1e-10, "{} vs {}", x[0], y(6.5));
        // After a restart the history is forgotten.
        hist.restart();
        hist.predict(1.0, &[y(4.0)], &[1.0], &mut x);
        assert_eq!(x[0], y(4.0) + 1.0);
    }

    #[test]
    fn grid_skips_points_just_after_t() {
        assert_eq!(next_grid(0.0, 1.0, 0.0), 1.0);
        assert_eq!(next_grid(0.0, 1.0, 0.95), 2.0);
        assert_eq!(next_grid(0.0, 1.0, 1.0), 2.0);
        assert_eq!(next_grid(0.0, 1.0, 0.5), 1.0);
    }
}
