//! What a transient run returns (temperatures at the output times, energy
//! integrals, statistics) and the schedule of times it must land on.

#[allow(clippy::wildcard_imports)]
use super::*;

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
