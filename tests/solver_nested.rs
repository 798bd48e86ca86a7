//! Nested iteration, the first guess of `solve_steady` on grid networks: the
//! same steady state as Newton from the initial temperatures, in fewer steps.

#[path = "../benches/common/mod.rs"]
mod common;

use thermorbit::solve::{nested_first_guess, NESTED_MIN_UNKNOWNS};
use thermorbit::solve::{solve_steady, SteadyOptions, SteadySolver};

#[test]
fn nested_guess_reaches_the_same_state_in_fewer_newton_steps() {
    // 160² = 25,600 unknowns: coarsened once, to 80².
    let sys = common::panel(160).network.assemble().expect("assemble");
    assert!(sys.unknowns() >= NESTED_MIN_UNKNOWNS);
    let options = SteadyOptions::default();
    let nested = solve_steady(&sys, &options).expect("nested");
    let plain = SteadySolver::new(&sys, options.clone())
        .expect("solver")
        .solve_from(&sys.initial_state())
        .expect("plain");
    let (steps_nested, steps_plain) = (nested.iterations.len(), plain.iterations.len());
    assert!(
        steps_nested + 2 <= steps_plain,
        "{steps_nested} Newton steps with the nested guess, {steps_plain} without"
    );
    let worst = common::max_abs_diff(&nested.temperatures_k, &plain.temperatures_k);
    assert!(worst < 1e-6, "max |ΔT| = {worst} K");
    // The guess is the 80² solution interpolated: off by the coarse grid's
    // discretisation error (largest at the heated edge, ≈ 3000 K/m × Δx/2),
    // a small fraction of the 300 K start's error.
    let guess = nested_first_guess(&sys, &options);
    let exact: Vec<f64> = (0..sys.unknowns())
        .map(|u| plain.temperatures_k[sys.node_of_unknown(u)])
        .collect();
    let err_guess = common::max_abs_diff(&guess, &exact);
    let err_start = common::max_abs_diff(&sys.initial_state(), &exact);
    assert!(
        err_guess < 0.05 * err_start,
        "guess off by {err_guess} K, start by {err_start} K"
    );
}

#[test]
fn small_networks_start_from_their_initial_temperatures() {
    let sys = common::panel(64).network.assemble().expect("assemble");
    assert!(sys.unknowns() < NESTED_MIN_UNKNOWNS);
    assert_eq!(
        nested_first_guess(&sys, &SteadyOptions::default()),
        sys.initial_state()
    );
}
