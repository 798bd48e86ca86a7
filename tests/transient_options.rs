//! Bad transient options are refused with `SolveError::InvalidOption`, naming
//! the option — by the setters and again by the solver for fields written directly.

use thermorbit::error::SolveError;
use thermorbit::network::{AssembledNetwork, NodeKind, ThermalNetwork};
use thermorbit::solve::{
    AdaptiveStep, InitialState, StepControl, TransientOptions, TransientSolver,
};

fn system() -> AssembledNetwork {
    let mut net = ThermalNetwork::new();
    let a = net
        .add_node(
            "a",
            NodeKind::Diffusion {
                capacitance_j_k: 10.0,
            },
            300.0,
        )
        .unwrap();
    let s = net.add_boundary("sink", 250.0).unwrap();
    net.add_linear(a, s, 1.0).unwrap();
    net.assemble().unwrap()
}

fn assert_invalid<T: std::fmt::Debug>(r: Result<T, SolveError>, what: &str) {
    match r {
        Err(SolveError::InvalidOption { option, .. }) => {
            assert!(!option.is_empty(), "{what}");
        }
        other => panic!("{what}: expected InvalidOption, got {other:?}"),
    }
}

#[test]
fn setters_refuse_bad_values() {
    let nan = f64::NAN;
    assert_invalid(TransientOptions::fixed_step(-1.0), "negative dt");
    assert_invalid(TransientOptions::fixed_step(0.0), "zero dt");
    assert_invalid(TransientOptions::fixed_step(nan), "NaN dt");
    assert_invalid(TransientOptions::fixed_step(f64::INFINITY), "infinite dt");
    assert_invalid(TransientOptions::adaptive(nan, 1e-3), "NaN rtol");
    assert_invalid(TransientOptions::adaptive(0.0, 1e-3), "zero rtol");
    assert_invalid(TransientOptions::adaptive(1.5, 1e-3), "rtol ≥ 1");
    assert_invalid(TransientOptions::adaptive(1e-4, -1.0), "negative atol");
    let o = TransientOptions::default();
    assert_invalid(o.clone().with_span(10.0, 5.0), "end before start");
    assert_invalid(o.clone().with_span(nan, 5.0), "NaN start");
    assert_invalid(o.clone().with_span(0.0, nan), "NaN end");
    assert_invalid(o.clone().with_output_interval(-5.0), "negative interval");
    assert_invalid(
        o.clone().with_output_times(vec![1.0, nan]),
        "NaN output time",
    );
    assert_invalid(o.clone().with_newton(0.0, 10), "zero Newton tolerance");
    assert_invalid(o.clone().with_newton(1e-8, 0), "no Newton iterations");
    assert_invalid(o.clone().with_dt_limits(1.0, 0.5), "dt_min > dt_max");
    assert_invalid(o.clone().with_dt_limits(-1.0, 0.5), "negative dt_min");
    assert_invalid(o.clone().with_initial_dt(nan), "NaN initial dt");
    assert_invalid(o.clone().with_step_factors(1.2, 2.0, 0.2), "safety ≥ 1");
    assert_invalid(o.clone().with_step_factors(0.9, 0.9, 0.2), "growth ≤ 1");
    assert_invalid(o.clone().with_step_factors(0.9, 2.0, 0.0), "shrink 0");
    assert_invalid(
        o.clone()
            .with_initial_state(InitialState::Given(vec![300.0, -1.0])),
        "negative initial temperature",
    );
    // Adaptive-only settings on fixed steps.
    let fixed = TransientOptions::fixed_step(1.0).unwrap();
    assert_invalid(
        fixed.clone().with_dt_limits(0.1, 1.0),
        "dt limits with fixed steps",
    );
    assert_invalid(fixed.with_initial_dt(0.1), "initial dt with fixed steps");
    // Valid values pass.
    assert!(TransientOptions::adaptive(1e-4, 0.0)
        .unwrap()
        .with_span(0.0, 0.0)
        .unwrap()
        .with_step_factors(0.8, 3.0, 0.1)
        .is_ok());
}

#[test]
fn solver_revalidates_fields_written_directly() {
    let sys = system();
    let base = TransientOptions::fixed_step(1.0)
        .unwrap()
        .with_span(0.0, 10.0)
        .unwrap();
    let cases = [
        TransientOptions {
            end_s: -1.0,
            ..base.clone()
        },
        TransientOptions {
            step: StepControl::Fixed { dt_s: -0.5 },
            ..base.clone()
        },
        TransientOptions {
            step: StepControl::Adaptive(AdaptiveStep {
                rtol: f64::NAN,
                ..AdaptiveStep::default()
            }),
            ..base.clone()
        },
        TransientOptions {
            output_times_s: vec![11.0],
            ..base.clone()
        },
        TransientOptions {
            newton_tolerance: f64::NAN,
            ..base.clone()
        },
        TransientOptions {
            initial_state: InitialState::Given(vec![300.0, 300.0]),
            ..base.clone()
        },
    ];
    for (k, opts) in cases.into_iter().enumerate() {
        assert_invalid(TransientSolver::new(&sys, opts), &format!("case {k}"));
    }
    // A wrong-length state handed to solve_from is refused too.
    let mut solver = TransientSolver::new(&sys, base).unwrap();
    assert_invalid(solver.solve_from(&[300.0, 1.0]), "solve_from length");
    assert_invalid(solver.solve_from(&[f64::NAN]), "solve_from NaN");
}

#[test]
fn empty_span_returns_the_initial_state() {
    let sys = system();
    let opts = TransientOptions::fixed_step(1.0)
        .unwrap()
        .with_span(5.0, 5.0)
        .unwrap();
    let sol = TransientSolver::new(&sys, opts).unwrap().solve().unwrap();
    assert_eq!(sol.times_s, vec![5.0]);
    assert_eq!(sol.stats.accepted_steps, 0);
    assert_eq!(sol.temperatures_k[0][0], 300.0);
    assert_eq!(sol.energy.relative_imbalance, 0.0);
}
