//! One step: the method's form (`γ`, `B`, `Ψ`), the Newton solve, the local
//! error estimate and the accept/reject decision.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The accepted state at the current time.
pub(super) struct State {
    /// Temperatures of the unknowns (K).
    pub(super) y: Vec<f64>,
    /// `T' = F/C` on diffusion rows (0 on arithmetic rows).
    pub(super) z: Vec<f64>,
    /// `F(t, y)` (W).
    pub(super) f: Vec<f64>,
    /// Heat flows at `(t, y)`.
    pub(super) flows: HeatFlows,
}

/// Work vectors of one step, allocated once per solver.
pub(super) struct Work {
    /// The step's result.
    pub(super) x: Vec<f64>,
    /// `F(t_{n+1}, x)`.
    pub(super) f: Vec<f64>,
    /// `T' = F/C` at the result.
    pub(super) z: Vec<f64>,
    pub(super) base: Vec<f64>,
    pub(super) psi: Vec<f64>,
    /// Start step: the full backward-Euler step.
    pub(super) xa: Vec<f64>,
    pub(super) fa: Vec<f64>,
    /// Start step: the first half step.
    pub(super) xb: Vec<f64>,
}

/// What one step gives besides the state in [`Work`].
pub(super) struct StepOutcome {
    pub(super) iterations: usize,
    /// Heat in and out over the step (J), with the step's quadrature.
    pub(super) q: (f64, f64),
    /// Heat flows at the step's end.
    pub(super) flows: HeatFlows,
    /// Weighted local error estimate (≤ 1 passes); 0 with fixed steps.
    pub(super) error: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum StepKind {
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
    pub(super) fn estimate_order(self) -> f64 {
        match self {
            StepKind::BackwardEuler => 1.0,
            _ => 2.0,
        }
    }
}

impl<'a> TransientSolver<'a> {
    /// Takes one step of `kind` from `(t, st)`; the result is left in `self.work`.
    pub(super) fn take_step(
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
                    &mut step_form(t1, 1.0 / h, &st.y, None, scale),
                    &mut w.x,
                    &mut w.f,
                )?;
                let fl = core.take_flows(t1, &w.x);
                ((h * fl.heat_in_w(), h * fl.heat_out_w()), fl)
            }
            StepKind::Trapezoidal => {
                par_fill(&mut w.psi, |i| if cap[i] > 0.0 { st.f[i] } else { 0.0 });
                iterations += core.solve(
                    &mut step_form(t1, 2.0 / h, &st.y, Some(&w.psi), scale),
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
                    &mut step_form(t1, a / h, &w.base, None, scale),
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
                    &mut step_form(t_mid, 2.0 / h1, &st.y, Some(&w.psi), scale),
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
                    &mut step_form(t1, a / h2, &w.base, None, scale),
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
    pub(super) fn project_algebraic(
        core: &mut NewtonCore<'_>,
        sys: &dyn ThermalSystem,
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
                &mut step_form(
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
}
/// The points before a step that an arithmetic row's error estimate reads:
/// the previous point `(h_prev, y_{n−1})` and the one before it
/// `(h_{n−2}, y_{n−2})`, when they belong to the current smooth segment.
pub(super) struct AlgebraicPoints<'h> {
    pub(super) prev: Option<(f64, &'h [f64])>,
    pub(super) older: Option<(f64, &'h [f64])>,
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
    pub(super) fn error(&self, kind: StepKind, h: f64, i: usize, x: f64, y: f64) -> f64 {
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

/// The form of one implicit solve.
pub(super) fn step_form<'s>(
    t_s: f64,
    gamma: f64,
    base: &'s [f64],
    psi: Option<&'s [f64]>,
    heat_scale_w: f64,
) -> StepForm<'s> {
    StepForm::new(t_s, gamma, base, psi, heat_scale_w)
}
