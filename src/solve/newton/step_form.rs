//! One implicit time step as a Newton [`Form`]: `G(T) = γ C (T − B) − Ψ −
//! F(t, T)`, its residual measured above each row's round-off and its
//! energy balance with the stored-heat terms.

use super::{Form, LineSearch, NewtonCore, Rows, Stall};
use crate::error::SolveError;
use crate::linalg::parallel::par_chunks;
use crate::network::HeatFlows;
use crate::solve::report::{boundary_coupling_w, ENERGY_ROUNDOFF_ULPS};
use crate::solve::ThermalSystem;

/// Round-off allowance of each residual row, in ulps of the magnitudes summed in it.
const ROUNDOFF_ULPS: f64 = 8.0;

/// Largest forcing term of a step's inexact Newton iteration (Eisenstat &
/// Walker, "Choosing the forcing terms in an inexact Newton method", *SIAM J.
/// Sci. Comput.* 17, 1996, bound the term by `η_max` < 1; 0.1 here). The term
/// is `max(½ tolerance / ‖G‖, 0.1 ‖G‖)` (relative residuals): a step whose
/// predictor is already within a few times the tolerance asks its linear solve
/// for the reduction the tolerance needs, with a factor 2 to spare, instead of
/// a fixed 100×. On the 256² orbit benchmark (mid-orbit predictors at about
/// 10× the tolerance) the cap 0.1 instead of 0.01 takes 2.87 instead of 3.19
/// linear iterations per step for 1.19 instead of 1.15 Newton iterations.
const FORCING_MAX: f64 = 0.1;

/// What a form measures of `G` in one pass over the rows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Norms {
    /// The residual norm the convergence test and the line search use: for a
    /// step, `Σ_i max(|G_i| − r_i, 0)`; for a steady state, `‖G‖₁` (NaN when
    /// `G` is not finite).
    pub(crate) norm: f64,
    /// `Σ |f_i|` (W) (a step's only).
    pub(crate) flowing: f64,
    /// `Σ |x_i| (|K_ii| + γ C_i)` (W), the round-off scale of the rows (a step's only).
    pub(crate) floor: f64,
    /// `Σ G_i` (W): the energy imbalance (conductors between two unknowns
    /// cancel in it, so no conductance enlarges it or its scale).
    pub(crate) net: f64,
    /// `Σ γ C_i (|x_i| + |B_i|) + |Ψ_i|` (W): the magnitudes of the stored-heat
    /// terms, whose round-off the imbalance cannot go below (a step's only).
    pub(crate) stored_scale: f64,
}

impl Norms {
    pub(crate) const ZERO: Norms = Norms {
        norm: 0.0,
        flowing: 0.0,
        floor: 0.0,
        net: 0.0,
        stored_scale: 0.0,
    };
}

/// The explicit part of a step: `B` and `Ψ` of `G(T) = γ C (T − B) − Ψ − F`.
pub(crate) struct StepForm<'s> {
    pub(crate) t_s: f64,
    pub(crate) gamma: f64,
    pub(crate) base: &'s [f64],
    pub(crate) psi: Option<&'s [f64]>,
    /// Heat flowing (W) at the step's start, the scale of the residual test.
    pub(crate) heat_scale_w: f64,
    /// The residual test's scale in the current attempt (W), from its first iterate.
    scale: f64,
}

impl<'s> StepForm<'s> {
    pub(crate) fn new(
        t_s: f64,
        gamma: f64,
        base: &'s [f64],
        psi: Option<&'s [f64]>,
        heat_scale_w: f64,
    ) -> Self {
        Self {
            t_s,
            gamma,
            base,
            psi,
            heat_scale_w,
            scale: f64::NAN,
        }
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
    fn form_g(&self, core: Rows<'_>, x: &[f64], f: &[f64], g: &mut [f64]) -> Norms {
        let rows = |first: usize, g: &mut [f64]| {
            let end = first + g.len();
            let (cap, kd) = (&core.cap[first..end], &core.k_diag_abs[first..end]);
            let (x, f, base) = (&x[first..end], &f[first..end], &self.base[first..end]);
            let psi = self.psi.map(|p| &p[first..end]);
            let mut sums = Norms::ZERO;
            let mut finite = true;
            for i in 0..g.len() {
                let c = self.gamma * cap[i];
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
                sums.norm += (gi.abs() - ROUNDOFF_ULPS * f64::EPSILON * r).max(0.0);
                sums.flowing += f[i].abs();
                sums.floor += kx + c * x[i].abs();
                sums.net += gi;
                sums.stored_scale += stored;
            }
            if !finite {
                sums.norm = f64::NAN;
            }
            sums
        };
        let parts = par_chunks(g, rows);
        let mut total = Norms::ZERO;
        for p in parts {
            total.norm += p.norm;
            total.flowing += p.flowing;
            total.floor += p.floor;
            total.net += p.net;
            total.stored_scale += p.stored_scale;
        }
        total
    }

    /// The larger of heat in and out at the step's start and at the iterate (W).
    fn flowing(&self, core: &NewtonCore<'_>) -> f64 {
        let (heat_in, heat_out) = heat_in_out(core);
        self.heat_scale_w.max(heat_in).max(heat_out)
    }
}

/// Heat in and out (W) at the core's current iterate.
fn heat_in_out(core: &NewtonCore<'_>) -> (f64, f64) {
    core.flows
        .as_ref()
        .map_or((0.0, 0.0), |fl| (fl.heat_in_w(), fl.heat_out_w()))
}

impl Form for StepForm<'_> {
    fn time_s(&self) -> f64 {
        self.t_s
    }

    fn gamma(&self) -> Option<f64> {
        Some(self.gamma)
    }

    fn line_search(&self) -> LineSearch {
        LineSearch::Step
    }

    fn max_forcing(&self) -> f64 {
        FORCING_MAX
    }

    fn evaluate(
        &self,
        system: &dyn ThermalSystem,
        core: Rows<'_>,
        x: &[f64],
        f: &mut [f64],
        g: &mut [f64],
    ) -> (Norms, Option<HeatFlows>) {
        let flows = system.residual_and_flows(self.t_s, x, f);
        (self.form_g(core, x, f, g), Some(flows))
    }

    /// The residual test's scale is fixed at the attempt's first iterate: the
    /// heat flowing at the step's start or there, or the rows' round-off
    /// (`10³ ε Σ |x_i| (|K_ii| + γ C_i)`) if larger.
    fn relative(
        &mut self,
        _core: &mut NewtonCore<'_>,
        _x: &[f64],
        norms: &Norms,
        first: bool,
        _polishing: bool,
    ) -> f64 {
        if first {
            let flowing = self.heat_scale_w.max(norms.flowing);
            let floor = 1e3 * f64::EPSILON * norms.floor;
            self.scale = flowing.max(floor).max(f64::MIN_POSITIVE);
        }
        norms.norm / self.scale
    }

    /// Whether the step's energy balance closes: `|Σ G_i| ≤ tolerance × heat
    /// flowing` (the larger of heat in and out, at the step's start or at the
    /// iterate), plus [`ENERGY_ROUNDOFF_ULPS`] ulps of the magnitudes the
    /// balance is made of — the stored-heat terms, heat in and out, and the
    /// boundary couplings `Σ b_i |x_i|` ([`boundary_coupling_w`], computed
    /// once per Jacobian and only when the rest does not suffice).
    /// Conductances between unknowns enter neither side: a state whose mean
    /// temperature is wrong cannot pass by the round-off of a stiff panel.
    fn closes(&mut self, core: &mut NewtonCore<'_>, x: &[f64], norms: &Norms) -> bool {
        let (heat_in, heat_out) = heat_in_out(core);
        let flowing = self.heat_scale_w.max(heat_in).max(heat_out);
        let ulps = ENERGY_ROUNDOFF_ULPS * f64::EPSILON;
        let plain = core.tolerance * flowing + ulps * (norms.stored_scale + heat_in + heat_out);
        let off = norms.net.abs();
        let closes = off <= plain || {
            let coupling = match core.boundary_coupling {
                Some(b) => b,
                None => {
                    let b = boundary_coupling_w(&core.k, x);
                    core.boundary_coupling = Some(b);
                    b
                }
            };
            off <= plain + ulps * coupling
        };
        core.imbalances.push(off / flowing.max(f64::MIN_POSITIVE));
        closes
    }

    fn not_closed(
        &mut self,
        core: &mut NewtonCore<'_>,
        _x: &[f64],
        norms: &Norms,
        stall: Stall,
    ) -> SolveError {
        let relative = norms.net.abs() / self.flowing(core).max(f64::MIN_POSITIVE);
        core.imbalances.push(relative);
        SolveError::EnergyBalanceNotClosed {
            solver: "transient Newton (the step's balance)",
            iterations: core.history.len().saturating_sub(1),
            imbalance_w: norms.net,
            relative_imbalance: relative,
            tolerance: core.tolerance,
            reason: format!(
                "every node's residual is at its tolerance or round-off level, but {}; \
                 the usual cause is a step matrix too ill-conditioned for double precision \
                 (look for an absurd conductivity, conductance or exchange factor)",
                stall.phrase()
            ),
            relative_residuals: residuals(core).as_slice().into(),
            relative_imbalances: core.imbalances.as_slice().into(),
        }
    }

    fn not_converged(&self, core: &NewtonCore<'_>) -> SolveError {
        let rels = residuals(core);
        SolveError::NotConverged {
            solver: "transient Newton",
            iterations: rels.len().saturating_sub(1),
            last_relative_residual: rels.last().copied().unwrap_or(f64::NAN),
            tolerance: core.tolerance,
            relative_residuals: rels.as_slice().into(),
        }
    }

    fn linear_failed(
        &mut self,
        _core: &mut NewtonCore<'_>,
        _x: &[f64],
        e: SolveError,
    ) -> SolveError {
        e
    }

    fn accepted(&self, _system: &dyn ThermalSystem, _x: &[f64]) -> Result<(), SolveError> {
        Ok(())
    }
}

/// The relative residual of every iterate of the core's last attempt.
pub(super) fn residuals(core: &NewtonCore<'_>) -> Vec<f64> {
    core.history.iter().map(|h| h.relative_residual).collect()
}
