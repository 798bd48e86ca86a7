//! A steady state as a Newton [`Form`]: `G(T) = −F(t, T)`, no time term, the
//! residual measured as `‖F‖₁` against the heat flowing (or its round-off
//! level), the balance `|heat in − heat out|`, and failures that say how
//! ill-conditioned the Jacobian is.

use super::step_form::residuals;
use super::{Form, LineSearch, NewtonCore, Norms, Rows, Stall};
use crate::error::SolveError;
use crate::network::HeatFlows;
use crate::solve::report::{boundary_coupling_w, EnergyBalance, ENERGY_ROUNDOFF_ULPS};
use crate::solve::ThermalSystem;

/// `cond(K) ε` above which a failure to close the energy balance is put down
/// to ill-conditioning in the error message: the Newton step then keeps fewer
/// than 8 of double precision's 16 digits, and the direct solvers' own
/// accuracy check (a relative residual of
/// [`DIRECT_RESIDUAL_LIMIT`](crate::linalg::direct::DIRECT_RESIDUAL_LIMIT)) starts to fail.
const ILL_CONDITIONED: f64 = 1e-8;

/// Largest forcing term of the steady iteration: it starts far from the
/// solution, where a loose linear solve costs Newton steps.
const FORCING_MAX: f64 = 1e-2;

/// The steady form of one solve, with what it measured.
pub(crate) struct SteadyForm {
    /// Time (s) at which sources and boundary temperatures are evaluated.
    t_s: f64,
    /// The residual test's scale (W), re-measured near convergence.
    scale: f64,
    /// The last measured `max(heat in, heat out)` (W).
    flowing_w: f64,
    /// Heat flows measured at the current iterate (only near convergence).
    pub(crate) flows: Option<HeatFlows>,
}

impl SteadyForm {
    pub(crate) fn new(t_s: f64) -> Self {
        Self {
            t_s,
            scale: 0.0,
            flowing_w: 0.0,
            flows: None,
        }
    }

    /// The scale of the residual test, with the heat flows it is measured
    /// from: the heat flowing through the network (W), but never less than
    /// `round-off / tolerance`, where the residual's own round-off is
    /// `8 ε Σ K_ii |T_i|` (each entry sums conductor flows of size up to
    /// `K_ii |T_i|`). So a network whose conductances dwarf the heat it
    /// carries (a finely meshed fin), or where nothing flows, converges once
    /// the residual reaches round-off instead of stalling just above the tolerance.
    fn heat_scale(&self, core: &NewtonCore<'_>, x: &[f64]) -> (f64, HeatFlows) {
        let flows = core.system.heat_flows(self.t_s, x);
        let flowing = flows.heat_in_w().max(flows.heat_out_w());
        let round_off = 8.0
            * f64::EPSILON
            * x.iter()
                .zip(&core.k_diag_abs)
                .map(|(xi, kd)| xi.abs() * kd)
                .sum::<f64>();
        let scale = flowing
            .max(round_off / core.tolerance)
            .max(f64::MIN_POSITIVE);
        (scale, flows)
    }

    /// The error for a balance that does not close, from the heat flows at `x`.
    fn error(&self, core: &NewtonCore<'_>, x: &[f64], reason: String) -> SolveError {
        let flows = core.system.heat_flows(self.t_s, x);
        let balance = EnergyBalance::steady(&flows);
        let rels = residuals(core);
        SolveError::EnergyBalanceNotClosed {
            solver: "steady Newton",
            iterations: rels.len().saturating_sub(1),
            imbalance_w: balance.imbalance_w,
            relative_imbalance: balance.relative_imbalance,
            tolerance: core.tolerance,
            reason,
            relative_residuals: rels.as_slice().into(),
            relative_imbalances: core.imbalances.as_slice().into(),
        }
    }

    /// `"; …"` saying how ill-conditioned the Jacobian is, when double precision
    /// cannot resolve it; empty otherwise.
    ///
    /// For the symmetric positive definite `K`, `λ_max ≥ max_i K_ii` and, by the
    /// Rayleigh quotient of the constant vector, `λ_min ≤ 1ᵀK1 / n = Σ_i b_i / n`,
    /// where `Σ_i b_i`, the heat out through boundaries per kelvin of a uniform
    /// rise, is measured from the heat flows at `x` and at `x + s` (no
    /// conductance between unknowns enters it). So `cond₂(K) ≥ n max K_ii / Σ b_i`.
    fn conditioning_note(&self, core: &NewtonCore<'_>, x: &[f64]) -> String {
        let sys = core.system;
        let t = self.t_s;
        let n = x.len();
        let k_max = core.k_diag_abs.iter().copied().fold(0.0, f64::max);
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
}

impl Form for SteadyForm {
    fn time_s(&self) -> f64 {
        self.t_s
    }

    fn gamma(&self) -> Option<f64> {
        None
    }

    fn line_search(&self) -> LineSearch {
        LineSearch::Steady
    }

    fn max_forcing(&self) -> f64 {
        FORCING_MAX
    }

    /// `G = −F` with `(‖F‖₁, Σ F)`, summed in row order; the heat flows are
    /// measured only near convergence ([`Self::relative`]).
    fn evaluate(
        &self,
        system: &dyn ThermalSystem,
        _core: Rows<'_>,
        x: &[f64],
        f: &mut [f64],
        g: &mut [f64],
    ) -> (Norms, Option<HeatFlows>) {
        system.residual(self.t_s, x, f);
        let (mut norm, mut net) = (0.0, 0.0);
        for (gi, &fi) in g.iter_mut().zip(f.iter()) {
            *gi = -fi;
            norm += fi.abs();
            net += fi;
        }
        let norms = Norms {
            norm,
            net,
            ..Norms::ZERO
        };
        (norms, None)
    }

    /// `‖F‖₁ / scale`. The convergence test needs only the Jacobian's diagonal
    /// magnitudes (round-off floor), so it uses the last step's Jacobian: the
    /// one at the converged state is never assembled. The heat flowing (a
    /// pass like a residual's) is re-measured at the first iterate and
    /// whenever the residual is near the tolerance, so the final test always
    /// uses the state's own; in between, the last value scales the forcing
    /// term (it changes by well under 1 % per step).
    fn relative(
        &mut self,
        core: &mut NewtonCore<'_>,
        x: &[f64],
        norms: &Norms,
        first: bool,
        polishing: bool,
    ) -> f64 {
        let near = norms.norm <= 100.0 * core.tolerance * self.scale || polishing;
        self.flows = None;
        if first || near {
            let (scale, flows) = self.heat_scale(core, x);
            self.scale = scale;
            self.flowing_w = flows.heat_in_w().max(flows.heat_out_w());
            self.flows = Some(flows);
        }
        core.imbalances
            .push(norms.net.abs() / self.flowing_w.max(f64::MIN_POSITIVE));
        norms.norm / self.scale
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
    fn closes(&mut self, core: &mut NewtonCore<'_>, x: &[f64], _norms: &Norms) -> bool {
        let Some(flows) = &self.flows else {
            return false;
        };
        let balance = EnergyBalance::steady(flows);
        let flowing = balance.heat_in_w.max(balance.heat_out_w);
        let ulps = ENERGY_ROUNDOFF_ULPS * f64::EPSILON;
        let plain = core.tolerance * flowing + ulps * (balance.heat_in_w + balance.heat_out_w);
        let off = balance.imbalance_w.abs();
        off <= plain || off <= plain + ulps * boundary_coupling_w(&core.k, x)
    }

    fn not_closed(
        &mut self,
        core: &mut NewtonCore<'_>,
        x: &[f64],
        _norms: &Norms,
        stall: Stall,
    ) -> SolveError {
        let reason = match stall {
            Stall::IterationLimit => stall.phrase().to_string(),
            Stall::Wrecked | Stall::NoProgress => format!(
                "every node's residual is at its tolerance or round-off level, but {}{}",
                stall.phrase(),
                self.conditioning_note(core, x)
            ),
        };
        self.error(core, x, reason)
    }

    /// The residual history of the steps taken (the last iterate's is not a step's).
    fn not_converged(&self, core: &NewtonCore<'_>) -> SolveError {
        let steps = &core.history[..core.history.len().saturating_sub(1)];
        SolveError::NotConverged {
            solver: "steady Newton",
            iterations: steps.len(),
            last_relative_residual: steps.last().map_or(f64::NAN, |h| h.relative_residual),
            tolerance: core.tolerance,
            relative_residuals: steps.iter().map(|h| h.relative_residual).collect(),
        }
    }

    fn linear_failed(&mut self, core: &mut NewtonCore<'_>, x: &[f64], e: SolveError) -> SolveError {
        let reason = format!(
            "the linear solver failed: {e}{}",
            self.conditioning_note(core, x)
        );
        self.error(core, x, reason)
    }

    /// A steady iterate must be physical: finite, non-negative temperatures.
    fn accepted(&self, system: &dyn ThermalSystem, x: &[f64]) -> Result<(), SolveError> {
        system.check_state(self.t_s, x)
    }
}
