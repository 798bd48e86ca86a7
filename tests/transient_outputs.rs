//! Time steps are the user's, not the output spacing's (issue 18): a fixed
//! step is taken as given, adaptive steps do not depend on how many outputs
//! are asked for, and outputs between steps come from each method's own
//! interpolant, of the method's order.

use std::path::Path;

use thermorbit::case::{Case, Solution};

/// The 2 kW GPU sled (the built-in default case before the 1 MW module).
const GPU_SLED_2KW_TOML: &str = include_str!("../cases/gpu-sled-2kw.toml");
use thermorbit::constants::STEFAN_BOLTZMANN_W_M2_K4 as SIGMA;
use thermorbit::network::{AssembledNetwork, NodeKind, ThermalNetwork};
use thermorbit::solve::{TransientMethod, TransientOptions, TransientSolver};

/// Heat capacity m c (J/K), ε A (m²) and initial temperature (K) of a lumped
/// body radiating to a 0 K sink.
const MC_J_K: f64 = 1000.0;
const EPS_AREA_M2: f64 = 1.0;
const T0_K: f64 = 1000.0;
const T_END_S: f64 = 50.0;

fn body() -> (AssembledNetwork, usize) {
    let mut net = ThermalNetwork::new();
    let b = net
        .add_node(
            "body",
            NodeKind::Diffusion {
                capacitance_j_k: MC_J_K,
            },
            T0_K,
        )
        .unwrap();
    let s = net.add_boundary("sink", 0.0).unwrap();
    net.add_radiative(b, s, EPS_AREA_M2).unwrap();
    (net.assemble().unwrap(), b)
}

/// `mc dT/dt = −εσA T⁴`: `T(t) = (T0⁻³ + 3εσA t/(mc))^(−1/3)` (Incropera et
/// al., *Fundamentals of Heat and Mass Transfer*, 7th ed., eq. 5.19).
fn exact(t_s: f64) -> f64 {
    (T0_K.powi(-3) + 3.0 * SIGMA * EPS_AREA_M2 * t_s / MC_J_K).powf(-1.0 / 3.0)
}

/// The case: `dt_s = 40` in a one-hour transient of the default case,
/// whose outputs default to every end/200 = 18 s. Every step was cut to 18 s
/// (and some to 6 s); now the run takes 90 steps of 40 s, and says so.
#[test]
fn a_fixed_step_is_taken_as_given() {
    let text = GPU_SLED_2KW_TOML.replace(
        "mode = \"steady\"",
        "mode = \"transient\"\n\n[solve.transient]\nend_s = 3600.0\ndt_s = 40.0",
    );
    let model = Case::from_toml(&text, Path::new("default.toml"))
        .unwrap()
        .build()
        .unwrap();
    let Solution::Transient(sol) = model.run().unwrap().solution else {
        panic!("transient case");
    };
    let s = &sol.stats;
    assert_eq!(s.accepted_steps, 90, "{s:?}");
    assert_eq!(
        (s.min_dt_s, s.max_dt_s, sol.mean_dt_s()),
        (40.0, 40.0, 40.0)
    );
    assert_eq!(
        sol.times_s.len(),
        201,
        "200 outputs every 18 s and the start"
    );
    assert_eq!(sol.times_s[1], 18.0);
    assert!(sol.energy.relative_imbalance < 1e-10, "{:?}", sol.energy);
}

/// Adaptive steps follow `rtol` alone: asking for an output every 0.1 s or
/// only at the end gives the same steps and the same final state, bit for bit.
#[test]
fn adaptive_steps_do_not_depend_on_the_outputs() {
    let (sys, node) = body();
    for method in [
        TransientMethod::Bdf2,
        TransientMethod::Trapezoidal,
        TransientMethod::BackwardEuler,
    ] {
        let base = TransientOptions::adaptive(1e-5, 1e-3)
            .unwrap()
            .with_span(0.0, T_END_S)
            .unwrap()
            .with_method(method);
        let dense = base.clone().with_output_interval(0.1).unwrap();
        let sparse = TransientSolver::new(&sys, base).unwrap().solve().unwrap();
        let dense = TransientSolver::new(&sys, dense).unwrap().solve().unwrap();
        assert_eq!(dense.times_s.len(), 501);
        assert_eq!(sparse.times_s, vec![0.0, T_END_S]);
        assert_eq!(sparse.step_times_s, dense.step_times_s, "{}", method.name());
        assert_eq!(sparse.final_state_k, dense.final_state_k);
        let s = &dense.stats;
        assert!(
            s.accepted_steps < 500,
            "{}: {} steps: fewer steps than outputs",
            method.name(),
            s.accepted_steps
        );
        let mean = T_END_S / s.accepted_steps as f64;
        assert!((dense.mean_dt_s() - mean).abs() <= 1e-12 * mean);
        assert!(s.min_dt_s <= dense.mean_dt_s() && dense.mean_dt_s() <= s.max_dt_s);
        // The interpolated outputs are as accurate as the steps: within the
        // bounds tests/transient_lumped.rs holds the step ends to.
        let worst = dense
            .times_s
            .iter()
            .zip(&dense.temperatures_k)
            .map(|(&t, row)| (row[node] - exact(t)).abs() / exact(t))
            .fold(0.0, f64::max);
        let at_end = (sparse.final_temperatures_k()[node] - exact(T_END_S)).abs() / exact(T_END_S);
        eprintln!(
            "{}: {} steps, worst relative error over 501 outputs {worst:.2e}, at the end {at_end:.2e}",
            method.name(),
            s.accepted_steps
        );
        let allowed = if method.order() == 2 { 60.0 } else { 300.0 };
        assert!(worst <= allowed * 1e-5, "{}: {worst:.2e}", method.name());
    }
}

/// Errors at outputs in the middle of fixed steps (from the dense output) and
/// at the steps' ends, for `n` steps over the run: `(mid, end)`.
fn mid_and_end_errors(
    sys: &AssembledNetwork,
    node: usize,
    method: TransientMethod,
    n: usize,
) -> (f64, f64) {
    let h = T_END_S / n as f64;
    let mids: Vec<f64> = (0..n).map(|k| (k as f64 + 0.5) * h).collect();
    let opts = TransientOptions::fixed_step(h)
        .unwrap()
        .with_span(0.0, T_END_S)
        .unwrap()
        .with_method(method)
        .with_newton(1e-12, 30)
        .unwrap()
        .with_output_times(mids.clone())
        .unwrap()
        .with_output_interval(h)
        .unwrap();
    let sol = TransientSolver::new(sys, opts).unwrap().solve().unwrap();
    assert_eq!(sol.stats.accepted_steps, n, "outputs must not split steps");
    assert_eq!(sol.times_s.len(), 2 * n + 1);
    let (mut mid, mut end) = (0.0_f64, 0.0_f64);
    for (&t, row) in sol.times_s.iter().zip(&sol.temperatures_k) {
        let err = (row[node] - exact(t)).abs();
        if mids.contains(&t) {
            mid = mid.max(err);
        } else {
            end = end.max(err);
        }
    }
    (mid, end)
}

/// The dense output converges at the method's order (1 for backward Euler's
/// linear interpolant, 2 for BDF2's quadratic and the trapezoidal rule's cubic
/// Hermite), and is no worse than the steps themselves by more than a small
/// factor: its own error is of the method's local order or higher.
#[test]
fn dense_output_has_the_method_order() {
    let (sys, node) = body();
    for method in [
        TransientMethod::BackwardEuler,
        TransientMethod::Bdf2,
        TransientMethod::Trapezoidal,
    ] {
        let runs: Vec<(f64, f64)> = [20, 40, 80, 160]
            .iter()
            .map(|&n| mid_and_end_errors(&sys, node, method, n))
            .collect();
        eprintln!("{}: (mid-step, step-end) errors {runs:?}", method.name());
        let p = method.order() as f64;
        for w in runs.windows(2).skip(1) {
            let order = (w[0].0 / w[1].0).log2();
            assert!(
                (order - p).abs() <= 0.15,
                "{}: dense output converges at order {order:.2}, expected {p}",
                method.name()
            );
        }
        for &(mid, end) in &runs {
            assert!(
                mid <= 2.0 * end,
                "{}: mid {mid:.2e}, end {end:.2e}",
                method.name()
            );
        }
    }
}
