//! The driver: the solver's set-up, the loop over steps between outputs and
//! discontinuities, dense output, and segment starts.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Implicit transient solver for one network. Keeps the linear solver (and its
/// symbolic factorization) and all work vectors across runs, so repeated runs
/// (orbit after orbit) allocate nothing per step.
pub struct TransientSolver<'a> {
    pub(super) system: &'a dyn ThermalSystem,
    pub(super) options: TransientOptions,
    pub(super) core: NewtonCore<'a>,
    /// Times the steps land on: discontinuities and the end.
    pub(super) stops: Vec<Stop>,
    /// Output times after the start (the end included), from the steps' interpolant.
    pub(super) outputs: Vec<f64>,
    pub(super) arithmetic: bool,
    pub(super) work: Work,
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

impl<'a> TransientSolver<'a> {
    /// Prepares a solver; validates the options.
    pub fn new(
        system: &'a dyn ThermalSystem,
        options: TransientOptions,
    ) -> Result<Self, SolveError> {
        options.validate()?;
        if let InitialState::Given(x) = &options.initial_state {
            check_initial_length(system, x)?;
        }
        let core = NewtonCore::for_steps(
            system,
            options.linear_solver,
            options.newton_tolerance,
            options.max_newton_iterations,
            options.reuse_jacobian,
            options.factor_reuse.krylov,
            options.factor_reuse.single_precision,
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

    pub(super) fn run_from(
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
                    // A broken invariant is reported as it is, never retried into a
                    // step-size failure that would hide it.
                    Some(_)
                        if !matches!(e, SolveError::Internal(_))
                            && (energy_failures < MAX_ENERGY_RETRIES || !is_energy(&e)) =>
                    {
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
    pub(super) fn dense_output(
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

    /// Starts a smooth segment at `t` (the run's start or just after a
    /// discontinuity): brings arithmetic nodes into balance with the diffusion
    /// nodes at `t⁺`, and evaluates `F(t⁺, y)`, `T' = F/C` and the heat flows there.
    pub(super) fn segment_start(
        &mut self,
        t: f64,
        h_scale: f64,
        st: &mut State,
    ) -> Result<(), SolveError> {
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
        // The energy integral's first trapezoid starts from the flows just
        // after the jump too, as the step integrates the temperatures.
        st.flows = sys.heat_flows(t_plus, &st.y);
        Ok(())
    }
}
