//! Steps land exactly on output times and on discontinuities of boundary
//! temperatures, never step over a jump, and do not stay small afterwards.
//!
//! A lumped node (C = 50 J/K) joined by G = 10 W/K (τ = C/G = 5 s) to a boundary
//! whose temperature ramps from 300 K to 400 K between t = 10 s and 10.001 s (a
//! step, as a [`TimeTable`] with two corners). The exact response of
//! `τ T' = u(t) − T` is piecewise closed-form: T = 300 K before the ramp; on the
//! ramp `u = 300 + r (t − 10)` with r = 1e5 K/s, `T = u − rτ + rτ e^{−(t−10)/τ}`;
//! after it, `T = 400 − (400 − T_r) e^{−(t − 10.001)/τ}`.

use thermorbit::network::{AssembledNetwork, NodeKind, ThermalNetwork, TimeTable};
use thermorbit::solve::{TransientMethod, TransientOptions, TransientSolver};

const C_J_K: f64 = 50.0;
const G_W_K: f64 = 10.0;
const TAU_S: f64 = C_J_K / G_W_K;
const RAMP_START_S: f64 = 10.0;
const RAMP_END_S: f64 = 10.001;
const T_END_S: f64 = 100.0;

fn network() -> (AssembledNetwork, usize) {
    let mut net = ThermalNetwork::new();
    let node = net
        .add_node(
            "body",
            NodeKind::Diffusion {
                capacitance_j_k: C_J_K,
            },
            300.0,
        )
        .unwrap();
    let table = TimeTable::new(
        "boundary step",
        vec![RAMP_START_S, RAMP_END_S],
        vec![300.0, 400.0],
        None,
    )
    .unwrap();
    let b = net
        .add_node(
            "boundary",
            NodeKind::Boundary {
                temperature_k: table.into(),
            },
            300.0,
        )
        .unwrap();
    net.add_linear(node, b, G_W_K).unwrap();
    (net.assemble().unwrap(), node)
}

fn exact(t: f64) -> f64 {
    let r = 100.0 / (RAMP_END_S - RAMP_START_S);
    let on_ramp = |t: f64| {
        300.0 + r * (t - RAMP_START_S) - r * TAU_S + r * TAU_S * (-(t - RAMP_START_S) / TAU_S).exp()
    };
    if t <= RAMP_START_S {
        300.0
    } else if t <= RAMP_END_S {
        on_ramp(t)
    } else {
        400.0 - (400.0 - on_ramp(RAMP_END_S)) * (-(t - RAMP_END_S) / TAU_S).exp()
    }
}

const OUTPUTS_S: [f64; 4] = [3.3, 7.77, 12.345, 50.0];

fn expected_times() -> Vec<f64> {
    vec![0.0, 3.3, 7.77, 12.345, 20.0, 40.0, 50.0, 60.0, 80.0, 100.0]
}

/// No step interval strictly contains a corner of the boundary table.
fn assert_corners_landed(steps: &[f64]) {
    for corner in [RAMP_START_S, RAMP_END_S] {
        assert!(steps.contains(&corner), "no step ends at {corner} s");
        let mut t0 = 0.0;
        for &t1 in steps {
            assert!(
                !(t0 < corner && corner < t1),
                "step {t0}–{t1} s steps over {corner} s"
            );
            t0 = t1;
        }
    }
}

#[test]
fn adaptive_steps_land_on_outputs_and_discontinuities() {
    let (sys, node) = network();
    for method in [
        TransientMethod::Bdf2,
        TransientMethod::Trapezoidal,
        TransientMethod::BackwardEuler,
    ] {
        let rtol = 1e-5;
        let opts = TransientOptions::adaptive(rtol, 1e-6)
            .unwrap()
            .with_span(0.0, T_END_S)
            .unwrap()
            .with_method(method)
            .with_output_times(OUTPUTS_S.to_vec())
            .unwrap()
            .with_output_interval(20.0)
            .unwrap();
        let sol = TransientSolver::new(&sys, opts).unwrap().solve().unwrap();
        // Exactly the requested times, bit for bit.
        assert_eq!(sol.times_s, expected_times(), "{}", method.name());
        for t in &sol.times_s {
            assert!(sol.step_times_s.contains(t) || *t == 0.0);
        }
        assert_corners_landed(&sol.step_times_s);
        // Steps grow back after the ramp: landing does not shrink later steps.
        let late: Vec<f64> = sol
            .step_times_s
            .windows(2)
            .filter(|w| w[0] >= 30.0)
            .map(|w| w[1] - w[0])
            .collect();
        let longest = late.iter().copied().fold(0.0, f64::max);
        assert!(
            longest >= 4.0,
            "{}: longest late step {longest} s",
            method.name()
        );
        // Accurate at every output.
        let worst = sol
            .times_s
            .iter()
            .zip(&sol.temperatures_k)
            .map(|(&t, temps)| (temps[node] - exact(t)).abs() / exact(t))
            .fold(0.0, f64::max);
        eprintln!(
            "{}: {} steps ({} rejected), min dt {:.2e} s, longest late step {longest:.2} s, \
             worst relative error {worst:.2e}",
            method.name(),
            sol.stats.accepted_steps,
            sol.stats.rejected_steps,
            sol.stats.min_dt_s
        );
        let allowed = if method.order() == 2 { 60.0 } else { 300.0 };
        assert!(
            worst <= allowed * rtol,
            "{}: error {worst:.2e}",
            method.name()
        );
    }
}

#[test]
fn fixed_steps_split_at_outputs_and_discontinuities_only() {
    let (sys, node) = network();
    let dt = 1.0;
    let opts = TransientOptions::fixed_step(dt)
        .unwrap()
        .with_span(0.0, T_END_S)
        .unwrap()
        .with_output_times(OUTPUTS_S.to_vec())
        .unwrap()
        .with_output_interval(20.0)
        .unwrap();
    let sol = TransientSolver::new(&sys, opts).unwrap().solve().unwrap();
    assert_eq!(sol.times_s, expected_times());
    assert_corners_landed(&sol.step_times_s);
    // Every step is dt except next to an output or a discontinuity, and no step is
    // longer than 1.1 dt.
    let mut t0 = 0.0;
    for &t1 in &sol.step_times_s {
        let h = t1 - t0;
        assert!(h <= 1.1 * dt + 1e-12, "step {t0}–{t1}");
        let special = |t: f64| OUTPUTS_S.contains(&t) || t == RAMP_START_S || t == RAMP_END_S;
        if (h - dt).abs() > 1e-9 {
            assert!(special(t0) || special(t1), "odd step {t0}–{t1} s");
        }
        t0 = t1;
    }
    let err = (sol.final_temperatures_k()[node] - exact(T_END_S)).abs();
    assert!(err < 1e-3, "{err}");
}
