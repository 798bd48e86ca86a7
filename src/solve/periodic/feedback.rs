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

use super::{iterate_periods, state_rows, PeriodicIteration, PeriodicOptions, PeriodicSolution};
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
    let done = iterate_periods(
        x0,
        &rows,
        options,
        |x| {
            // A solver per period: it borrows the network, which a changed
            // source alters between periods.
            let sol = TransientSolver::new(&network, options.period_options())?.solve_from(x)?;
            total_steps += sol.stats.accepted_steps;
            let next = feedback(&network, &sol)?;
            if !next.settled {
                network.set_source_profile(source, next.profile)?;
            }
            Ok::<_, crate::Error>((sol, next.settled))
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
            used = q;
            Ok(Feedback {
                profile: Profile::Constant(q),
                settled,
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
        assert!((network.sources()[1].profile.value_at(0.0) - used).abs() <= 1e-6);
        assert!(sol.periodicity_error_k <= 1e-6);
    }
}
