//! Forward Euler, for cross-checking the implicit solver only.
//!
//! `T_{n+1} = T_n + h C⁻¹ F(t_n, T_n)` on a network of diffusion nodes only (a
//! massless node would need an implicit solve). With `K = −∂F/∂T`, Gershgorin's
//! theorem bounds the eigenvalues of `C⁻¹K` by `max_i 2 K_ii / C_i` for the
//! diagonally dominant matrices of conduction and radiation, so the step
//!
//! ```text
//! h ≤ min_i C_i / K_ii
//! ```
//!
//! is stable and keeps every new temperature a non-negative combination of old
//! ones (the classical explicit criterion of SINDA-type thermal analysers;
//! Gilmore, *Spacecraft Thermal Control Handbook* Vol. 1, ch. 15). The limit is
//! checked at every step with the Jacobian at the current temperatures (it
//! shrinks as radiating nodes heat up) and a violation is an error, never a
//! silent blow-up. Energy is integrated with the same left-point rule, so the
//! balance closes to round-off.

use crate::error::SolveError;
use crate::solve::transient::{schedule, EnergyIntegral, TransientSolution, TransientStats};
use crate::solve::ThermalSystem;

/// Options of the explicit integrator.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplicitOptions {
    /// Start time (s).
    pub start_s: f64,
    /// End time (s, ≥ start).
    pub end_s: f64,
    /// Step (s, > 0, ≤ the stability limit).
    pub dt_s: f64,
    /// Times (s) at which temperatures are reported (start and end always are).
    pub output_times_s: Vec<f64>,
    /// Also report every `output_interval_s` from the start.
    pub output_interval_s: Option<f64>,
    /// Initial temperature of each unknown (K); `None` takes the network's.
    pub initial_state_k: Option<Vec<f64>>,
}

fn invalid(option: &'static str, value: f64, allowed: &'static str) -> SolveError {
    SolveError::InvalidOption {
        option,
        value,
        allowed,
    }
}

impl ExplicitOptions {
    /// Steps of `dt_s` from `start_s` to `end_s`.
    pub fn new(start_s: f64, end_s: f64, dt_s: f64) -> Result<Self, SolveError> {
        let opts = Self {
            start_s,
            end_s,
            dt_s,
            output_times_s: Vec::new(),
            output_interval_s: None,
            initial_state_k: None,
        };
        opts.validate()?;
        Ok(opts)
    }

    /// Sets the output times (within the span).
    pub fn with_output_times(mut self, times_s: Vec<f64>) -> Result<Self, SolveError> {
        self.output_times_s = times_s;
        self.validate()?;
        Ok(self)
    }

    /// Reports every `interval_s` seconds.
    pub fn with_output_interval(mut self, interval_s: f64) -> Result<Self, SolveError> {
        self.output_interval_s = Some(interval_s);
        self.validate()?;
        Ok(self)
    }

    /// Starts from these temperatures (one per unknown, K, > 0).
    pub fn with_initial_state(mut self, x: Vec<f64>) -> Result<Self, SolveError> {
        self.initial_state_k = Some(x);
        self.validate()?;
        Ok(self)
    }

    /// Checks every option.
    pub fn validate(&self) -> Result<(), SolveError> {
        if !self.start_s.is_finite() {
            return Err(invalid("start time (s)", self.start_s, "finite"));
        }
        if !(self.end_s.is_finite() && self.end_s >= self.start_s) {
            return Err(invalid(
                "end time (s)",
                self.end_s,
                "finite and ≥ the start time",
            ));
        }
        if !(self.dt_s.is_finite() && self.dt_s > 0.0) {
            return Err(invalid("explicit step dt (s)", self.dt_s, "finite and > 0"));
        }
        if let Some(&t) = self
            .output_times_s
            .iter()
            .find(|t| !(t.is_finite() && **t >= self.start_s && **t <= self.end_s))
        {
            return Err(invalid("output time (s)", t, "within [start, end]"));
        }
        if let Some(dt) = self.output_interval_s {
            if !(dt.is_finite() && dt > 0.0) {
                return Err(invalid("output interval (s)", dt, "finite and > 0"));
            }
        }
        if let Some(x) = &self.initial_state_k {
            if let Some(&v) = x.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
                return Err(invalid("initial temperature (K)", v, "finite and > 0"));
            }
        }
        Ok(())
    }
}

/// Integrates `system` with forward Euler.
///
/// Fails with [`SolveError::ExplicitArithmeticNodes`] if the network has massless
/// nodes, with [`SolveError::ExplicitStepUnstable`] if a step exceeds
/// `min C_i / K_ii`, and with [`SolveError::NonPhysicalTemperature`] if a
/// temperature leaves the physical range.
pub fn solve_explicit(
    system: &dyn ThermalSystem,
    options: &ExplicitOptions,
) -> Result<TransientSolution, SolveError> {
    options.validate()?;
    let n = system.unknowns();
    let cap = system.capacitance_j_k();
    let massless: Vec<usize> = (0..n).filter(|&i| cap[i] <= 0.0).collect();
    if let Some(&first) = massless.first() {
        return Err(SolveError::ExplicitArithmeticNodes {
            count: massless.len(),
            example: system.label(system.node_of_unknown(first)),
        });
    }
    let mut y = match &options.initial_state_k {
        Some(x) if x.len() != n => {
            return Err(invalid(
                "initial state length",
                x.len() as f64,
                "one temperature per unknown (AssembledNetwork::unknowns)",
            ))
        }
        Some(x) => x.clone(),
        None => system.initial_state(),
    };
    let (start, end, dt) = (options.start_s, options.end_s, options.dt_s);
    let events = system.discontinuities(start, end);
    let stops = schedule(
        start,
        end,
        &options.output_times_s,
        options.output_interval_s,
        &events,
    );
    let diag = system.diagonal_positions();
    let mut k = system.new_matrix();
    let mut f = vec![0.0; n];
    let y0 = y.clone();
    let mut y_out = y.clone();
    let mut times_s = vec![start];
    let mut temperatures_k = vec![system.node_temperatures(start, &y)];
    let mut step_times_s = Vec::new();
    let mut interval_energy = Vec::new();
    let (mut q_in, mut q_out, mut qi_in, mut qi_out) = (0.0, 0.0, 0.0, 0.0);
    let mut stats = TransientStats::default();
    let mut t = start;
    let mut t_out = start;
    for stop in stops {
        while t < stop.t {
            let kk = ((t - start) / dt).floor() + 1.0;
            let mut g = start + kk * dt;
            if g <= t {
                g += dt;
            }
            let t1 = if g >= stop.t { stop.t } else { g };
            let h = t1 - t;
            if h.is_nan() || h <= 0.0 {
                return Err(SolveError::StepTooSmall {
                    t_s: t,
                    dt_s: h,
                    min_dt_s: 0.0,
                    reason: "the step vanishes in floating point at this time".into(),
                });
            }
            // Stability: h ≤ min C_i / K_ii at the current temperatures.
            system.jacobian(t, &y, &mut k);
            stats.jacobian_evaluations += 1;
            let (limit, worst) = (0..n)
                .map(|i| (cap[i] / k.values()[diag[i] as usize], i))
                .fold((f64::INFINITY, 0), |a, b| if b.0 < a.0 { b } else { a });
            if h > limit * (1.0 + 1e-12) {
                return Err(SolveError::ExplicitStepUnstable {
                    dt_s: h,
                    limit_s: limit,
                    node: system.label(system.node_of_unknown(worst)),
                    t_s: t,
                });
            }
            system.residual(t, &y, &mut f);
            let flows = system.heat_flows(t, &y);
            for i in 0..n {
                y[i] += h * f[i] / cap[i];
            }
            system.check_state(t1, &y)?;
            q_in += h * flows.heat_in_w();
            q_out += h * flows.heat_out_w();
            qi_in += h * flows.heat_in_w();
            qi_out += h * flows.heat_out_w();
            stats.accepted_steps += 1;
            stats.min_dt_s = if stats.accepted_steps == 1 {
                h
            } else {
                stats.min_dt_s.min(h)
            };
            stats.max_dt_s = stats.max_dt_s.max(h);
            t = t1;
            step_times_s.push(t);
        }
        if stop.output {
            times_s.push(t);
            temperatures_k.push(system.node_temperatures(t, &y));
            interval_energy.push(EnergyIntegral::new(
                t_out,
                t,
                qi_in,
                qi_out,
                stored(cap, &y_out, &y),
            ));
            qi_in = 0.0;
            qi_out = 0.0;
            t_out = t;
            y_out.copy_from_slice(&y);
        }
    }
    let energy = EnergyIntegral::new(start, end, q_in, q_out, stored(cap, &y0, &y));
    Ok(TransientSolution {
        times_s,
        temperatures_k,
        step_times_s,
        final_state_k: y,
        stats,
        energy,
        energy_balance: energy.average_w(),
        interval_energy,
        method: "forward-euler",
        linear_solver: "none",
    })
}

fn stored(cap: &[f64], a: &[f64], b: &[f64]) -> f64 {
    cap.iter()
        .zip(a.iter().zip(b))
        .map(|(c, (p, q))| c * (q - p))
        .sum()
}
