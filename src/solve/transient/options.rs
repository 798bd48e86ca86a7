//! Options of the transient solver and their checks: every setter validates
//! and names the option and its allowed range.

#[allow(clippy::wildcard_imports)]
use super::*;

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
    /// respects its largest step ratio, 2).
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
/// use thermorbit::solve::{TransientMethod, TransientOptions};
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
    /// `newton::STALE_FACTOR_MAX_ITERATIONS`, the iterations since the last
    /// factorization exceed `newton::STALE_FACTOR_BUDGET`, or `γ` moved by more than
    /// half. `false`: factorize at every refresh.
    pub krylov: bool,
    /// Sweep an `f32` copy of the Cholesky factor
    /// ([`DirectSolver::with_single_precision_sweeps`](crate::linalg::DirectSolver::with_single_precision_sweeps)); Newton's exact
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

pub(super) fn invalid(option: &'static str, value: f64, allowed: &'static str) -> SolveError {
    SolveError::InvalidOption {
        option,
        value,
        allowed,
    }
}

/// `Ok` when `ok` holds and `value` is not NaN; otherwise the option's error.
pub(super) fn check(
    ok: bool,
    option: &'static str,
    value: f64,
    allowed: &'static str,
) -> CheckResult {
    if ok && !value.is_nan() {
        Ok(())
    } else {
        Err(invalid(option, value, allowed))
    }
}

pub(super) type CheckResult = Result<(), SolveError>;

// Option names in error messages, one place for the setters and `validate`.
pub(super) const START: &str = "start time (s)";
pub(super) const END: &str = "end time (s)";
pub(super) const FIXED_DT: &str = "fixed step dt (s)";
pub(super) const RTOL: &str = "relative tolerance rtol";
pub(super) const ATOL: &str = "absolute tolerance atol (K)";
pub(super) const INITIAL_DT: &str = "initial step dt (s)";
pub(super) const DT_MIN: &str = "minimum step dt_min (s)";
pub(super) const DT_MAX: &str = "maximum step dt_max (s)";
pub(super) const SAFETY: &str = "step safety factor";
pub(super) const GROWTH: &str = "largest step growth factor";
pub(super) const SHRINK: &str = "smallest step shrink factor";
pub(super) const OUTPUT_TIME: &str = "output time (s)";
pub(super) const OUTPUT_INTERVAL: &str = "output interval (s)";
pub(super) const NEWTON_TOLERANCE: &str = "Newton tolerance";
pub(super) const NEWTON_LIMIT: &str = "Newton iteration limit";

pub(super) fn check_positive(option: &'static str, value: f64) -> CheckResult {
    check(
        value.is_finite() && value > 0.0,
        option,
        value,
        "finite and > 0",
    )
}

pub(super) fn check_span(start_s: f64, end_s: f64) -> CheckResult {
    check(start_s.is_finite(), START, start_s, "finite")?;
    let ok = end_s.is_finite() && end_s >= start_s;
    check(ok, END, end_s, "finite and ≥ the start time")
}

pub(super) fn check_tolerances(rtol: f64, atol_k: f64) -> CheckResult {
    check(rtol > 0.0 && rtol < 1.0, RTOL, rtol, "0 < rtol < 1")?;
    check(
        atol_k.is_finite() && atol_k >= 0.0,
        ATOL,
        atol_k,
        "finite and ≥ 0",
    )
}

pub(super) fn check_dt_limits(dt_min_s: Option<f64>, dt_max_s: Option<f64>) -> CheckResult {
    if let Some(dt) = dt_min_s {
        check_positive(DT_MIN, dt)?;
    }
    if let Some(dt) = dt_max_s {
        let ok = dt.is_finite() && dt > 0.0 && dt >= dt_min_s.unwrap_or(0.0);
        check(ok, DT_MAX, dt, "finite, > 0 and ≥ dt_min")?;
    }
    Ok(())
}

pub(super) fn check_step_factors(safety: f64, max_growth: f64, max_shrink: f64) -> CheckResult {
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

pub(super) fn check_adaptive(a: &AdaptiveStep) -> CheckResult {
    check_tolerances(a.rtol, a.atol_k)?;
    if let Some(dt) = a.initial_dt_s {
        check_positive(INITIAL_DT, dt)?;
    }
    check_dt_limits(a.dt_min_s, a.dt_max_s)?;
    check_step_factors(a.safety, a.max_growth, a.max_shrink)
}

pub(super) fn check_newton(tolerance: f64, max_iterations: usize) -> CheckResult {
    let ok = tolerance > 0.0 && tolerance < 1.0;
    check(ok, NEWTON_TOLERANCE, tolerance, "0 < tolerance < 1")?;
    check(
        max_iterations >= 1,
        NEWTON_LIMIT,
        max_iterations as f64,
        "≥ 1",
    )
}

pub(super) fn check_initial(x: &[f64]) -> CheckResult {
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
    pub(super) fn update_adaptive(
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
