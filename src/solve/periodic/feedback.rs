//! The cyclic state of a network one of whose sources is set by the cyclic
//! state itself: a battery whose losses follow the power budget, which
//! follows the arrays' temperatures over the period.
//!
//! Each period is integrated with the source's current profile; `feedback`
//! then computes the profile the period's own solution gives and says whether
//! it is close enough to the one used to be taken as the same. When it is not,
//! the network takes the new profile and the iteration goes on from the
//! period's plain image with its Anderson history cleared (the map changed);
//! the iteration ends only on a period that meets the periodicity tolerance
//! with a settled source, so the final period's solution and its source agree.
//! One periodic solve thus replaces the solve, update and second solve of a
//! feedback applied after the fact, and when the source settles after the
//! first period (as a battery's losses do when they depend only on the
//! arrays, whose time constants are a small part of the orbit) it costs no
//! period more than a fixed source would.
//!
//! A changed source moves the cyclic state, mostly at the node it heats, and
//! the slower that node, the more periods plain repetition needs to follow.
//! The feedback may therefore say how far it expects the change to move the
//! state at `t₀` ([`Feedback::start_shift_k`]); the next period starts there.
//! For a heat load on one lumped mass tied to a mount that the rest of the
//! network holds, [`lumped_periodic_response`] is that estimate.

use super::{
    find_cyclic_state, state_rows, NextMap, PeriodicIteration, PeriodicOptions, PeriodicSolution,
    Stage,
};
use crate::network::{AssembledNetwork, Profile};
use crate::solve::transient::{TransientSolution, TransientSolver};

/// What a period's solution makes of the fed-back source.
#[derive(Debug, Clone)]
pub struct Feedback {
    /// The source's profile that the period's solution gives.
    pub profile: Profile,
    /// `profile` is close enough to the profile the period used to stand for
    /// it (the caller's tolerance): the period may end the iteration, and the
    /// network keeps its profile.
    pub settled: bool,
    /// When not settled: how the new profile is expected to move the cyclic
    /// state at `t₀`, as `(unknown, K)` pairs added to the next period's start
    /// (empty: no estimate, the next period starts from the plain image).
    pub start_shift_k: Vec<(usize, f64)>,
}

/// The periodic temperature response `δT(tₖ)` at the samples `times_s`
/// (one period, first to last) of a lumped mass of heat capacity `C` on a
/// mount held at a fixed temperature through conductance `G`, to a periodic
/// heat load change `δQ` given at the samples and linear between them:
///
/// ```text
/// C dδT/dt = −G δT + δQ(t),        δT(t₀ + P) = δT(t₀),    τ = C/G,
/// δT_{k+1} = E δT_k + [δQ_k (1 − E) + m (h − τ (1 − E))] / G,   E = e^{−h/τ},
/// ```
///
/// with `h` the interval and `m` the slope of `δQ` over it (the exact
/// integral of the linear load against the exponential kernel); the periodic
/// start is `δT₀ = B / (1 − e^{−P/τ})`, `B` the end of the recurrence from
/// zero. `max_k |δT_k|` never exceeds `max |δQ| / G` (the steady bound) and is
/// far below it for a load change shorter than `τ`. Empty input gives an
/// empty answer; a non-positive `C` or `G` gives the quasi-steady `δQ/G`
/// (or zeros without a conductance).
pub fn lumped_periodic_response(
    capacitance_j_k: f64,
    conductance_w_k: f64,
    times_s: &[f64],
    heat_w: &[f64],
) -> Vec<f64> {
    let n = times_s.len().min(heat_w.len());
    if conductance_w_k <= 0.0 || !conductance_w_k.is_finite() {
        return vec![0.0; n];
    }
    if capacitance_j_k <= 0.0 || !capacitance_j_k.is_finite() || n < 2 {
        return heat_w[..n].iter().map(|q| q / conductance_w_k).collect();
    }
    let tau = capacitance_j_k / conductance_w_k;
    let step = |t: f64, k: usize| {
        let h = times_s[k + 1] - times_s[k];
        if h <= 0.0 {
            return t;
        }
        let e = (-h / tau).exp();
        let slope = (heat_w[k + 1] - heat_w[k]) / h;
        e * t + (heat_w[k] * (1.0 - e) + slope * (h - tau * (1.0 - e))) / conductance_w_k
    };
    let end_from_zero = (0..n - 1).fold(0.0, &step);
    let decay = (-(times_s[n - 1] - times_s[0]) / tau).exp();
    let mut out = Vec::with_capacity(n);
    let mut t = end_from_zero / (1.0 - decay);
    out.push(t);
    for k in 0..n - 1 {
        t = step(t, k);
        out.push(t);
    }
    out
}

/// The cyclic state of `system` from `x0` (one temperature per unknown, K)
/// with source `source`'s profile set after each period by `feedback` (from
/// the network and the period's solution), calling `progress` after each
/// period. Returns the solution and the network as the final period used it
/// (its source's settled profile).
///
/// Fails as [`super::solve_periodic`] does, and with `feedback`'s own errors.
pub fn solve_periodic_with_feedback(
    system: &AssembledNetwork,
    options: &PeriodicOptions,
    x0: &[f64],
    source: usize,
    feedback: &mut dyn FnMut(
        &AssembledNetwork,
        &TransientSolution,
    ) -> Result<Feedback, crate::Error>,
    progress: &mut dyn FnMut(&PeriodicIteration),
) -> Result<(PeriodicSolution, AssembledNetwork), crate::Error> {
    options.validate()?;
    let mut network = system.clone();
    let rows = state_rows(system);
    let mut total_steps = 0;
    let (full, warm_up) = (options.period_options(), options.warm_up_options());
    let done = find_cyclic_state(
        x0,
        &rows,
        options,
        |x, stage| {
            let steps = match (stage, &warm_up) {
                (Stage::WarmUp, Some(w)) => w,
                _ => &full,
            };
            // A solver per period: it borrows the network, which a changed
            // source alters between periods.
            let sol = TransientSolver::new(&network, steps.clone())?.solve_from(x)?;
            total_steps += sol.stats.accepted_steps;
            let next = feedback(&network, &sol)?;
            if next.settled {
                return Ok::<_, crate::Error>((sol, NextMap::Same));
            }
            network.set_source_profile(source, next.profile)?;
            let start_shift = next.start_shift_k;
            Ok((sol, NextMap::Changed { start_shift }))
        },
        |sol| &sol.final_state_k,
        progress,
    )?;
    let solution = done.into_solution(&network, &rows, options, total_steps);
    Ok((solution, network))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{HeatSource, NodeKind, ThermalNetwork, TimeTable};
    use crate::solve::TransientOptions;

    /// A constant change gives the steady `δQ/G`; a harmonic one the exact
    /// amplitude `A/(G √(1 + (ωτ)²))` of a first-order lag (the linear pieces
    /// approximate the sine to `O(h²)`: 1e-4 relative at 400 samples).
    #[test]
    fn lumped_response_matches_the_steady_and_harmonic_exact_forms() {
        let (c, g, p) = (5.0e6, 5.0e3, 5_700.0);
        let times: Vec<f64> = (0..=400).map(|k| p * k as f64 / 400.0).collect();
        let constant = lumped_periodic_response(c, g, &times, &vec![100.0; times.len()]);
        assert!(
            constant.iter().all(|t| (t - 0.02).abs() < 1e-12),
            "{constant:?}"
        );
        let omega = 2.0 * std::f64::consts::PI / p;
        let heat: Vec<f64> = times.iter().map(|t| 100.0 * (omega * t).sin()).collect();
        let response = lumped_periodic_response(c, g, &times, &heat);
        let amplitude = response.iter().fold(0.0_f64, |m, t| m.max(t.abs()));
        let tau = c / g;
        let exact = 100.0 / (g * (1.0 + (omega * tau).powi(2)).sqrt());
        assert!(
            (amplitude / exact - 1.0).abs() < 1e-3,
            "{amplitude} vs {exact}"
        );
        // Periodic: the last sample repeats the first.
        assert!((response[0] - response[400]).abs() < 1e-15);
        // Below the steady bound max|δQ|/G.
        assert!(amplitude < 100.0 / g);
    }

    /// A 1,000 J/K mass tied to a 200 K sink by 2 W/K under a triangular
    /// load of mean 75 W, and a heater fed back from each period's mean
    /// temperature: `q = ½ (T̄ − 200 K)` W. The cyclic state's mean solves
    /// `2 (T̄ − 200) = 75 + ½ (T̄ − 200)`, so `T̄ = 250 K` and `q = 25 W`
    /// (the period's mean of `C dT/dt` is zero). The heater starts at 0 W:
    /// it must be updated before the iteration may end, and end settled.
    #[test]
    fn a_fed_back_source_settles_with_the_cyclic_state() {
        let p = 1000.0;
        let mut net = ThermalNetwork::new();
        let mass = net
            .add_node(
                "mass",
                NodeKind::Diffusion {
                    capacitance_j_k: 1000.0,
                },
                210.0,
            )
            .unwrap();
        let sink = net.add_boundary("sink", 200.0).unwrap();
        net.add_linear(mass, sink, 2.0).unwrap();
        let load = TimeTable::new("load", vec![0.0, 0.5 * p], vec![150.0, 0.0], Some(p)).unwrap();
        for (name, profile) in [
            ("load", Profile::from(load)),
            ("heater", Profile::Constant(0.0)),
        ] {
            net.add_source(HeatSource {
                name: name.into(),
                loads: vec![(mass, 1.0)],
                profile,
            })
            .unwrap();
        }
        let system = net.assemble().unwrap();
        let opts = PeriodicOptions::new(p)
            .unwrap()
            .with_transient(
                TransientOptions::fixed_step(p / 200.0)
                    .unwrap()
                    .with_output_interval(p / 200.0)
                    .unwrap(),
            )
            .with_tolerance(1e-6)
            .unwrap()
            .with_max_periods(200)
            .unwrap();
        let mean_k = |sol: &TransientSolution| {
            let (t, y) = (&sol.times_s, &sol.temperatures_k);
            let area: f64 = (1..t.len())
                .map(|k| 0.5 * (t[k] - t[k - 1]) * (y[k][mass] + y[k - 1][mass]))
                .sum();
            area / (t[t.len() - 1] - t[0])
        };
        let mut used = 0.0;
        let mut feedback = |_: &AssembledNetwork, sol: &TransientSolution| {
            let q = 0.5 * (mean_k(sol) - 200.0);
            let settled = (q - used).abs() <= 1e-6;
            if !settled {
                used = q;
            }
            Ok(Feedback {
                profile: Profile::Constant(q),
                settled,
                start_shift_k: Vec::new(),
            })
        };
        let (sol, network) =
            solve_periodic_with_feedback(&system, &opts, &[210.0], 1, &mut feedback, &mut |_| {})
                .unwrap();
        assert!(sol.iterations[0].source_updated);
        assert!(!sol.iterations.last().unwrap().source_updated);
        let mean = mean_k(&sol.final_period);
        // The trapezoidal mean of a BDF2 history: exact up to the step's
        // discretisation error of the exponential arcs (h/τ = 0.01).
        assert!((mean - 250.0).abs() < 1e-3, "mean {mean}");
        assert_eq!(network.sources()[1].profile.value_at(0.0), used);
        assert!(sol.periodicity_error_k <= 1e-6);
    }
}
