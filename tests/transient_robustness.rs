//! Less travelled paths: a network of arithmetic nodes only (a transient is then
//! a sequence of steady states), an iterative linear solver (exact Newton with
//! inexact solves) agreeing with the kept direct factorization, and a singular
//! system reported as an error rather than answered.

use std::sync::Arc;

use thermorbit::error::SolveError;
use thermorbit::network::{AssembledNetwork, Harmonic, NodeKind, Profile, ThermalNetwork};
use thermorbit::solve::{
    solve_steady, LinearSolverChoice, SteadyOptions, TransientOptions, TransientSolver,
};

fn harmonic_boundary(net: &mut ThermalNetwork, name: &str) -> usize {
    net.add_node(
        name,
        NodeKind::Boundary {
            temperature_k: Profile::Function(Arc::new(Harmonic {
                mean: 300.0,
                amplitude: 50.0,
                period_s: 100.0,
                phase_rad: 0.0,
            })),
        },
        300.0,
    )
    .unwrap()
}

/// Two massless nodes between a harmonic boundary and deep space: at every
/// output the transient equals the steady state at that time.
#[test]
fn arithmetic_only_network_follows_its_steady_state() {
    let mut net = ThermalNetwork::new();
    let hot = harmonic_boundary(&mut net, "hot");
    let a = net.add_node("a", NodeKind::Arithmetic, 280.0).unwrap();
    let b = net.add_node("b", NodeKind::Arithmetic, 260.0).unwrap();
    let space = net.add_boundary("space", 3.0).unwrap();
    net.add_linear(hot, a, 4.0).unwrap();
    net.add_linear(a, b, 2.0).unwrap();
    net.add_radiative(b, space, 0.5).unwrap();
    let sys = net.assemble().unwrap();
    for step in [
        TransientOptions::adaptive(1e-6, 1e-6).unwrap(),
        TransientOptions::fixed_step(7.0).unwrap(),
    ] {
        let opts = step
            .with_span(0.0, 100.0)
            .unwrap()
            .with_output_interval(12.5)
            .unwrap();
        let sol = TransientSolver::new(&sys, opts).unwrap().solve().unwrap();
        assert_eq!(sol.times_s.len(), 9);
        for (&t, temps) in sol.times_s.iter().zip(&sol.temperatures_k) {
            let steady = solve_steady(
                &sys,
                &SteadyOptions {
                    time_s: t,
                    ..SteadyOptions::default()
                },
            )
            .unwrap();
            for node in [a, b] {
                let d = (temps[node] - steady.temperatures_k[node]).abs();
                assert!(d < 1e-8 * temps[node], "t = {t}: node {node} off by {d}");
            }
        }
        assert_eq!(sol.energy.stored_j, 0.0);
        assert!(sol.energy.relative_imbalance < 1e-9, "{:?}", sol.energy);
    }
}

/// A radiating chain with a harmonic end: Jacobi-CG (exact Newton, iterative
/// solves) and the kept Cholesky factorization give the same temperatures.
fn chain() -> AssembledNetwork {
    let mut net = ThermalNetwork::new();
    let hot = harmonic_boundary(&mut net, "hot");
    let space = net.add_boundary("space", 3.0).unwrap();
    let ids: Vec<usize> = net
        .add_group("chain", &[50.0; 30], 300.0, None)
        .unwrap()
        .collect();
    net.add_linear(hot, ids[0], 3.0).unwrap();
    for w in ids.windows(2) {
        net.add_linear(w[0], w[1], 3.0).unwrap();
    }
    for &i in &ids {
        net.add_radiative(i, space, 0.01).unwrap();
    }
    net.assemble().unwrap()
}

#[test]
fn iterative_and_direct_linear_solvers_agree() {
    let sys = chain();
    assert!(sys.is_symmetric());
    let base = TransientOptions::adaptive(1e-6, 1e-4)
        .unwrap()
        .with_span(0.0, 300.0)
        .unwrap()
        .with_output_interval(50.0)
        .unwrap();
    let direct = TransientSolver::new(
        &sys,
        base.clone().with_linear_solver(LinearSolverChoice::Direct),
    )
    .unwrap()
    .solve()
    .unwrap();
    let cg = TransientSolver::new(&sys, base.with_linear_solver(LinearSolverChoice::JacobiCg))
        .unwrap()
        .solve()
        .unwrap();
    assert_eq!(direct.linear_solver, "cholesky");
    assert_eq!(cg.linear_solver, "jacobi-cg");
    assert!(cg.stats.linear_iterations > cg.stats.newton_iterations);
    assert_eq!(direct.times_s, cg.times_s);
    for (p, q) in direct.temperatures_k.iter().zip(&cg.temperatures_k) {
        for (a, b) in p.iter().zip(q) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }
    assert!(cg.energy.relative_imbalance < 1e-9);
}

/// A massless node with no path to anything that fixes its temperature makes
/// every step's matrix singular: an error, never a silent answer.
#[test]
fn singular_system_is_an_error() {
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
    let f1 = net.add_node("float1", NodeKind::Arithmetic, 300.0).unwrap();
    let f2 = net.add_node("float2", NodeKind::Arithmetic, 300.0).unwrap();
    net.add_linear(f1, f2, 1.0).unwrap();
    let sys = net.assemble().unwrap();
    for step in [
        TransientOptions::fixed_step(1.0).unwrap(),
        TransientOptions::adaptive(1e-4, 1e-3).unwrap(),
    ] {
        let opts = step.with_span(0.0, 10.0).unwrap();
        let err = TransientSolver::new(&sys, opts)
            .unwrap()
            .solve()
            .expect_err("a singular system must not give an answer");
        eprintln!("{err}");
        assert!(matches!(err, SolveError::AlgebraicBalanceFailed { .. }));
    }
}
