//! The run's energy balance closes: ∫ heat in dt − ∫ heat out dt equals the
//! change of stored energy Σ C ΔT to 1e-9 of the energy that flowed, because
//! the heat flows are integrated with each method's own quadrature
//! (right-point for backward Euler, trapezoidal for the trapezoidal rule, the
//! BDF2 recursion for BDF2). Also per output interval.
//!
//! The network has every element kind: diffusion and arithmetic nodes, linear,
//! radiative (between two free nodes, so the Jacobian is not symmetric) and
//! advective conductors, a tabulated source that switches on and off, a
//! harmonic boundary temperature, and radiation to deep space.

use std::sync::Arc;

use thermorbit::network::{
    AssembledNetwork, Harmonic, HeatSource, NodeKind, Profile, ThermalNetwork, TimeTable,
};
use thermorbit::solve::{
    EnergyIntegral, InitialState, LinearSolverChoice, TransientMethod, TransientOptions,
    TransientSolution, TransientSolver,
};

fn diffusion(net: &mut ThermalNetwork, name: &str, c: f64, t: f64) -> usize {
    net.add_node(name, NodeKind::Diffusion { capacitance_j_k: c }, t)
        .unwrap()
}

fn network() -> AssembledNetwork {
    let mut net = ThermalNetwork::new();
    let a = diffusion(&mut net, "a", 400.0, 320.0);
    let b = net.add_node("b", NodeKind::Arithmetic, 300.0).unwrap();
    let c = diffusion(&mut net, "c", 200.0, 280.0);
    let d = diffusion(&mut net, "d", 80.0, 300.0);
    let space = net.add_boundary("space", 2.7).unwrap();
    let env = net
        .add_node(
            "env",
            NodeKind::Boundary {
                temperature_k: Profile::Function(Arc::new(Harmonic {
                    mean: 290.0,
                    amplitude: 40.0,
                    period_s: 900.0,
                    phase_rad: 0.3,
                })),
            },
            290.0,
        )
        .unwrap();
    net.add_linear(a, b, 2.0).unwrap();
    net.add_linear(b, c, 0.5).unwrap();
    net.add_radiative(a, c, 0.1).unwrap();
    net.add_radiative(c, space, 0.3).unwrap();
    net.add_radiative(b, space, 0.05).unwrap();
    net.add_advective(a, d, 1.0).unwrap();
    net.add_advective(d, a, 1.0).unwrap();
    net.add_linear(d, env, 0.7).unwrap();
    let duty = TimeTable::new(
        "heater",
        vec![0.0, 100.0, 100.5, 400.0, 400.5],
        vec![0.0, 0.0, 150.0, 150.0, 0.0],
        Some(600.0),
    )
    .unwrap();
    net.add_source(HeatSource {
        name: "heater".into(),
        loads: vec![(a, 0.7), (b, 0.3)],
        profile: duty.into(),
    })
    .unwrap();
    net.assemble().unwrap()
}

fn check(sol: &TransientSolution, label: &str) {
    let e = &sol.energy;
    eprintln!(
        "{label}: in {:.6e} J, out {:.6e} J, stored {:.6e} J, relative imbalance {:.2e}, {} steps",
        e.heat_in_j, e.heat_out_j, e.stored_j, e.relative_imbalance, sol.stats.accepted_steps
    );
    assert!(e.heat_in_j > 0.0 && e.heat_out_j > 0.0);
    assert!(e.relative_imbalance < 1e-9, "{label}: {e:?}");
    // The time-averaged balance says the same in watts.
    let w = &sol.energy_balance;
    let span = e.end_s - e.start_s;
    assert!((w.heat_in_w * span - e.heat_in_j).abs() <= 1e-12 * e.heat_in_j);
    assert!(w.relative_imbalance < 1e-9);
    // Intervals tile the run and each closes.
    let sum = |f: fn(&EnergyIntegral) -> f64| sol.interval_energy.iter().map(f).sum::<f64>();
    assert!((sum(|i| i.heat_in_j) - e.heat_in_j).abs() <= 1e-12 * e.heat_in_j);
    assert!((sum(|i| i.stored_j) - e.stored_j).abs() <= 1e-9 * e.heat_in_j);
    for i in &sol.interval_energy {
        let flowed = i.heat_in_j.max(i.heat_out_j);
        assert!(
            i.imbalance_j.abs() <= 1e-9 * flowed,
            "{label}: interval {}–{} s: {i:?}",
            i.start_s,
            i.end_s
        );
    }
}

#[test]
fn prop_energy_balance_closes_for_every_method_fixed_and_adaptive() {
    let sys = network();
    assert!(!sys.is_symmetric());
    for method in [
        TransientMethod::BackwardEuler,
        TransientMethod::Trapezoidal,
        TransientMethod::Bdf2,
    ] {
        let base = TransientOptions::default()
            .with_span(0.0, 1800.0)
            .unwrap()
            .with_method(method)
            .with_output_interval(300.0)
            .unwrap();
        let fixed = base.clone().with_fixed_step(7.0).unwrap();
        let sol = TransientSolver::new(&sys, fixed).unwrap().solve().unwrap();
        check(&sol, &format!("{} fixed", method.name()));
        let adaptive = base.with_adaptive_step(1e-5, 1e-3).unwrap();
        let sol = TransientSolver::new(&sys, adaptive)
            .unwrap()
            .solve()
            .unwrap();
        check(&sol, &format!("{} adaptive", method.name()));
    }
}

/// Full Newton (a fresh Jacobian every iteration) and the simplified Newton that
/// keeps the factorization give the same answer: only the iteration count differs.
#[test]
fn jacobian_reuse_changes_cost_not_answer() {
    let sys = network();
    let opts = TransientOptions::fixed_step(5.0)
        .unwrap()
        .with_span(0.0, 900.0)
        .unwrap()
        .with_newton(1e-12, 30)
        .unwrap();
    let reuse = TransientSolver::new(&sys, opts.clone())
        .unwrap()
        .solve()
        .unwrap();
    let full = TransientSolver::new(&sys, opts.with_jacobian_reuse(false))
        .unwrap()
        .solve()
        .unwrap();
    for (p, q) in reuse
        .final_temperatures_k()
        .iter()
        .zip(full.final_temperatures_k())
    {
        assert!((p - q).abs() <= 1e-8 * q, "{p} vs {q}");
    }
    eprintln!(
        "reuse: {} factorizations, {} Newton iterations; full: {} factorizations, {} iterations",
        reuse.stats.factorizations,
        reuse.stats.newton_iterations,
        full.stats.factorizations,
        full.stats.newton_iterations
    );
    assert!(reuse.stats.factorizations < full.stats.factorizations / 2);
}

/// A steady initial state stays put when nothing changes, and the balance holds.
#[test]
fn steady_initial_state_is_an_equilibrium() {
    let mut net = ThermalNetwork::new();
    let a = diffusion(&mut net, "a", 100.0, 300.0);
    let b = net.add_node("b", NodeKind::Arithmetic, 300.0).unwrap();
    let s = net.add_boundary("space", 3.0).unwrap();
    net.add_linear(a, b, 1.0).unwrap();
    net.add_radiative(b, s, 0.5).unwrap();
    net.add_heat_load("q", a, 200.0).unwrap();
    let sys = net.assemble().unwrap();
    for linear in [LinearSolverChoice::Direct, LinearSolverChoice::Auto] {
        let opts = TransientOptions::adaptive(1e-6, 1e-6)
            .unwrap()
            .with_span(0.0, 1000.0)
            .unwrap()
            .with_initial_state(InitialState::Steady)
            .unwrap()
            .with_linear_solver(linear);
        let sol = TransientSolver::new(&sys, opts).unwrap().solve().unwrap();
        let first = &sol.temperatures_k[0];
        let last = sol.final_temperatures_k();
        for (p, q) in first.iter().zip(last) {
            assert!((p - q).abs() < 1e-6, "{p} → {q}");
        }
        assert!(sol.energy.stored_j.abs() < 1e-6);
        assert!(
            sol.stats.accepted_steps < 20,
            "{} steps",
            sol.stats.accepted_steps
        );
    }
}

/// The Newton solve takes its heat flows from its last residual evaluation
/// (`residual_and_flows`, one pass over the rows): the same bits as the
/// residual and the heat flows evaluated apart, at any state and time (here
/// with every element kind, on either side of the source's switch).
#[test]
fn residual_and_flows_match_the_separate_evaluations_bit_for_bit() {
    let sys = network();
    let n = sys.unknowns();
    for (k, t) in [0.0, 150.0, 333.3, 900.0].into_iter().enumerate() {
        let x: Vec<f64> = (0..n)
            .map(|i| 250.0 + 13.0 * ((i + k) as f64 * 0.7).sin())
            .collect();
        let mut r1 = vec![0.0; n];
        let mut r2 = vec![0.0; n];
        sys.residual(t, &x, &mut r1);
        let flows = sys.heat_flows(t, &x);
        let fused = sys.residual_and_flows(t, &x, &mut r2);
        assert!(r1.iter().zip(&r2).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(flows, fused, "t = {t}");
        assert!(fused.heat_in_w() > 0.0 && fused.heat_out_w() > 0.0);
    }
}
