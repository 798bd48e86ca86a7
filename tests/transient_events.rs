//! Steps land exactly on discontinuities of boundary temperatures, never step
//! over a jump, and do not stay small afterwards; output times do not split
//! steps (their values come from the step's interpolant) but are reported at
//! exactly the requested times.
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
fn adaptive_steps_land_on_discontinuities_and_interpolate_outputs() {
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
        // Exactly the requested times, bit for bit; the odd ones inside steps.
        assert_eq!(sol.times_s, expected_times(), "{}", method.name());
        assert!(
            OUTPUTS_S[..3].iter().all(|t| !sol.step_times_s.contains(t)),
            "{}: an output time split a step",
            method.name()
        );
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
fn fixed_steps_split_at_discontinuities_only() {
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
    // Every step is dt except next to a discontinuity (output times split
    // nothing), and no step is longer than 1.1 dt.
    let mut t0 = 0.0;
    for &t1 in &sol.step_times_s {
        let h = t1 - t0;
        assert!(h <= 1.1 * dt + 1e-12, "step {t0}–{t1}");
        let special = |t: f64| t == RAMP_START_S || t == RAMP_END_S;
        if (h - dt).abs() > 1e-9 {
            assert!(special(t0) || special(t1), "odd step {t0}–{t1} s");
        }
        t0 = t1;
    }
    assert_eq!(
        sol.stats.accepted_steps, 101,
        "100 steps of 1 s, one split at the ramp"
    );
    let err = (sol.final_temperatures_k()[node] - exact(T_END_S)).abs();
    assert!(err < 1e-3, "{err}");
    // An output inside a step (BDF2's quadratic through the last three points)
    // is as accurate as the steps around it: compare with the step ends
    // (outputs on the grid are the steps' own states).
    let error_at = |times: Vec<f64>| -> Vec<f64> {
        let opts = TransientOptions::fixed_step(dt)
            .unwrap()
            .with_span(0.0, T_END_S)
            .unwrap()
            .with_output_times(times)
            .unwrap();
        let sol = TransientSolver::new(&sys, opts).unwrap().solve().unwrap();
        sol.times_s
            .iter()
            .zip(&sol.temperatures_k)
            .map(|(&t, temps)| (temps[node] - exact(t)).abs())
            .collect()
    };
    for t in [3.3_f64, 7.77, 12.345] {
        let e = error_at(vec![t.floor(), t, t.ceil()]);
        let ends = e[1].max(e[3]);
        eprintln!(
            "t = {t} s: error {:.2e} K, at the step ends {ends:.2e} K",
            e[2]
        );
        assert!(
            e[2] <= 1.5 * ends + 1e-9,
            "t = {t} s: {:.2e} K vs {ends:.2e} K",
            e[2]
        );
    }
}

/// Outputs that coincide with discontinuities are the states the steps land
/// on, not interpolated across the jump: just before the ramp the body is
/// still exactly at 300 K, and at the ramp's end it matches the closed form
/// as the step states do.
#[test]
fn outputs_at_discontinuities_are_exact() {
    let (sys, node) = network();
    for step in [
        TransientOptions::fixed_step(3.0).unwrap(),
        TransientOptions::adaptive(1e-5, 1e-6).unwrap(),
    ] {
        let opts = step
            .with_span(0.0, 30.0)
            .unwrap()
            .with_output_times(vec![RAMP_START_S, RAMP_END_S, 10.5])
            .unwrap();
        let sol = TransientSolver::new(&sys, opts).unwrap().solve().unwrap();
        assert_eq!(sol.times_s, vec![0.0, RAMP_START_S, RAMP_END_S, 10.5, 30.0]);
        assert!((sol.temperatures_k[1][node] - 300.0).abs() < 1e-9);
        let at_end = sol.temperatures_k[2][node];
        let err = (at_end - exact(RAMP_END_S)).abs();
        assert!(err < 1e-3, "{at_end} vs {}", exact(RAMP_END_S));
    }
}
