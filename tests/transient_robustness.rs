//! Less travelled paths: a network of arithmetic nodes only (a transient is then
//! a sequence of steady states), an iterative linear solver (exact Newton with
//! inexact solves) agreeing with the kept direct factorization, a singular
//! system reported as an error rather than answered, a network too stiff for
//! double precision that never reports an open energy balance as success, and
//! massless nodes whose start-up balance leaves no energy unaccounted.

use std::sync::Arc;

use std::path::Path;

use thermorbit::case::{Case, Solution};

/// The 2 kW GPU sled (the built-in default case before the 1 MW module).
const GPU_SLED_2KW_TOML: &str = include_str!("../cases/gpu-sled-2kw.toml");
use thermorbit::error::{Error, SolveError};
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
/// output the transient equals the steady state at that time — exactly where
/// a step lands on the output (fixed steps of 12.5 s), and to the accuracy
/// `rtol` asks for where the output comes from the interpolant between
/// adaptive steps (whose size the massless rows' own error estimate sets:
/// they are all there is).
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
    for (step, tolerance) in [
        (TransientOptions::adaptive(1e-6, 1e-6).unwrap(), 1e-5),
        (TransientOptions::fixed_step(12.5).unwrap(), 1e-8),
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
                assert!(
                    d < tolerance * temps[node],
                    "t = {t}: node {node} off by {d}"
                );
            }
        }
        eprintln!("{} steps", sol.stats.accepted_steps);
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

/// The default case as a one-hour transient, with `edit` applied to its text.
fn default_transient(edit: impl Fn(String) -> String) -> Result<Solution, Error> {
    let text = GPU_SLED_2KW_TOML.replace(
        "mode = \"steady\"",
        "mode = \"transient\"\n\n[solve.transient]\nend_s = 3600.0",
    );
    let model = Case::from_toml(&edit(text), Path::new("default.toml"))?.build()?;
    Ok(model.run()?.solution)
}

/// Issue 18: the default case's panel at k = 1e18 W/(m·K) (coarsened to 20 × 15
/// cells to keep the test short). Each panel row's round-off level is then
/// watts, so a step whose mean temperature was off passed Newton's residual
/// test, and the run reported success with its energy balance open by 1e-4
/// of the heat flowing. Now every step's energy balance must close: the run
/// either closes to the Newton tolerance or fails saying why.
#[test]
fn stiff_panel_transient_never_reports_an_open_balance() {
    for k in ["1e16", "1e18"] {
        let outcome = default_transient(|text| {
            text.replace("k_w_m_k = 167.0", &format!("k_w_m_k = {k}"))
                .replace("nx = 80", "nx = 20")
                .replace("ny = 60", "ny = 15")
        });
        match outcome {
            Ok(Solution::Transient(sol)) => {
                let e = &sol.energy;
                eprintln!(
                    "k = {k}: {} steps, relative imbalance {:.2e}",
                    sol.stats.accepted_steps, e.relative_imbalance
                );
                assert!(e.relative_imbalance < 1e-9, "k = {k}: {e:?}");
            }
            Err(Error::Solve(e)) => {
                eprintln!("k = {k}: {e}");
                assert!(
                    e.to_string().contains("energy balance does not close"),
                    "{e}"
                );
            }
            other => panic!("k = {k}: {other:?}"),
        }
    }
}

/// The heat-pipe node of the default case is massless. Its start-up balance
/// (bringing it into equilibrium with the diffusion nodes) left it 3e-4 W off,
/// which the first second-order step's quadrature turned into an imbalance
/// of 7e-8 of the heat flowing, whatever the Newton tolerance. Now the run's
/// energy closes to the Newton tolerance for every method.
#[test]
fn massless_nodes_leave_no_energy_unaccounted_at_the_start() {
    for method in ["bdf2", "trapezoidal", "backward_euler"] {
        let Solution::Transient(sol) = default_transient(|text| {
            text.replace(
                "end_s = 3600.0",
                &format!("end_s = 3600.0\ndt_s = 40.0\nmethod = \"{method}\""),
            )
        })
        .unwrap() else {
            panic!("transient case");
        };
        let e = &sol.energy;
        eprintln!("{method}: relative imbalance {:.2e}", e.relative_imbalance);
        assert!(e.relative_imbalance < 1e-10, "{method}: {e:?}");
    }
}
