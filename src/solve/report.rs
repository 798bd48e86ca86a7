//! What solvers report: energy balance and iteration history.

use serde::Serialize;

use crate::linalg::CsrMatrix;
use crate::network::HeatFlows;

/// Energy balance of a run (W for a steady state; time-averaged W for a transient).
///
/// `imbalance_w = heat_in_w − heat_out_w − stored_w`; the relative imbalance
/// divides it by the larger of heat in and heat out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EnergyBalance {
    /// Heat entering the network: sources, boundaries warmer than their neighbours, advection.
    pub heat_in_w: f64,
    /// Heat leaving: sinks (radiation to space, cold boundaries), negative sources.
    pub heat_out_w: f64,
    /// Rate of change of stored energy Σ C dT/dt (zero for a steady state).
    pub stored_w: f64,
    /// `heat_in_w − heat_out_w − stored_w`.
    pub imbalance_w: f64,
    /// `|imbalance_w| / max(heat_in_w, heat_out_w)` (0 when nothing flows).
    pub relative_imbalance: f64,
}

impl EnergyBalance {
    /// The balance from heat in, heat out and stored power.
    pub fn new(heat_in_w: f64, heat_out_w: f64, stored_w: f64) -> Self {
        let imbalance_w = heat_in_w - heat_out_w - stored_w;
        let scale = heat_in_w.max(heat_out_w);
        Self {
            heat_in_w,
            heat_out_w,
            stored_w,
            imbalance_w,
            relative_imbalance: if scale > 0.0 {
                imbalance_w.abs() / scale
            } else {
                0.0
            },
        }
    }

    /// The steady balance from heat flows (nothing stored).
    pub fn steady(flows: &HeatFlows) -> Self {
        Self::new(flows.heat_in_w(), flows.heat_out_w(), 0.0)
    }
}

/// One Newton iteration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NewtonIteration {
    /// `‖F‖₁ / heat flowing` before the step.
    pub relative_residual: f64,
    /// Line-search step length taken (1 = full Newton step).
    pub step_length: f64,
    /// Linear solver iterations for this step.
    pub linear_iterations: usize,
}

/// Round-off allowance of an energy balance, in ulps of the magnitudes it is
/// made of (the same count as the residual rows' allowance).
pub(crate) const ENERGY_ROUNDOFF_ULPS: f64 = 8.0;

/// `Σ_i |Σ_j K_ij| |x_i|` (W) for the Jacobian `K = −∂F/∂T` at `x`: how much
/// the heat through sources and boundaries moves when every temperature moves
/// by its own relative amount. Conductors between two unknowns cancel in each
/// row sum (`K_ii` holds `+g`, `K_ij` holds `−g`), so a row sum is the row's
/// coupling to boundaries (`g`, `4σR T³` or `ṁc_p` of each boundary term); a
/// temperature stored to one ulp moves the boundary heat by that many ulps of
/// this sum, which no solver can reduce. The sums carry a rounding error of a
/// few ulps of `K_ii`, which only matters as `ε² K_ii |x_i|`.
pub(crate) fn boundary_coupling_w(k: &CsrMatrix, x: &[f64]) -> f64 {
    let (rp, v) = (k.row_ptr(), k.values());
    x.iter()
        .enumerate()
        .map(|(i, xi)| v[rp[i]..rp[i + 1]].iter().sum::<f64>().abs() * xi.abs())
        .sum()
}
