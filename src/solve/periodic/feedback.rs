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
