//! Timing of the implicit solver on the benchmark panel (ignored by default;
//! run with `cargo test --release --test transient_speed -- --ignored --nocapture --test-threads 1`).
//!
//! 1. 1,000 BDF2 steps of 10 s on the 256² radiating panel (1 kW along an edge).
//! 2. One 5,700 s orbit at 10 s steps of the same panel with 100 lumped nodes
//!    (a rack chain feeding the panel), sunlight switching with an eclipse,
//!    with the kept Cholesky factor (`auto`) and with kept multigrid CG.
//!
//! Each run prints its wall time and the per-step cost: Newton iterations
//! (= linear solves) and linear iterations per step, factorizations and
//! Jacobian evaluations.

#[path = "../benches/common/mod.rs"]
mod common;

use std::time::Instant;

use thermorbit::network::AssembledNetwork;
use thermorbit::solve::FactorReuse;
use thermorbit::solve::{LinearSolverChoice, TransientOptions, TransientSolution, TransientSolver};

/// Runs `opts` on `sys`, prints the timing line labelled `label`, returns the solution.
fn timed(label: &str, sys: &AssembledNetwork, opts: TransientOptions) -> TransientSolution {
    let t0 = Instant::now();
    let sol = TransientSolver::new(sys, opts).unwrap().solve().unwrap();
    let wall = t0.elapsed().as_secs_f64();
    let s = &sol.stats;
    let steps = s.accepted_steps.max(1) as f64;
    eprintln!(
        "{label}: {wall:.2} s, {} steps ({:.1} ms/step), {:.2} Newton iterations/step, \
         {:.2} linear iterations/step, {} factorizations, {} Jacobians, solver {}, \
         relative imbalance {:.2e}",
        s.accepted_steps,
        1e3 * wall / steps,
        s.newton_iterations as f64 / steps,
        s.linear_iterations as f64 / steps,
        s.factorizations,
        s.jacobian_evaluations,
        sol.linear_solver,
        sol.energy.relative_imbalance,
    );
    sol
}

/// Cells per side of the orbit benchmark's panel: 256, or `ORBIT_N` (to see
/// where the linear solvers cross over).
fn orbit_cells() -> usize {
    std::env::var("ORBIT_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// One 5,700 s orbit at 10 s fixed steps, output every 60 s.
fn orbit_options() -> TransientOptions {
    TransientOptions::fixed_step(10.0)
        .unwrap()
        .with_span(0.0, 5700.0)
        .unwrap()
        .with_output_interval(60.0)
        .unwrap()
}

#[test]
#[ignore = "timing; run in release"]
fn speed_thousand_steps_on_a_256_panel() {
    let panel = common::panel(256);
    let sys = panel.network.assemble().unwrap();
    let opts = TransientOptions::fixed_step(10.0)
        .unwrap()
        .with_span(0.0, 10_000.0)
        .unwrap()
        .with_output_interval(1000.0)
        .unwrap();
    let sol = timed("1000 steps, 256²", &sys, opts);
    assert_eq!(sol.stats.accepted_steps, 1000);
    assert!(sol.energy.relative_imbalance < 1e-8);
}

/// The issue-4 benchmark alone: one orbit at 10 s fixed steps with `auto`.
#[test]
#[ignore = "timing; run in release"]
fn speed_orbit_auto_only() {
    orbit_with(LinearSolverChoice::Auto, "auto");
}

/// The benchmark orbit with the kept Cholesky factor alone.
#[test]
#[ignore = "timing; run in release"]
fn speed_orbit_direct_only() {
    orbit_with(LinearSolverChoice::Direct, "direct");
}

/// The benchmark orbit with kept multigrid CG alone.
#[test]
#[ignore = "timing; run in release"]
fn speed_orbit_multigrid_only() {
    orbit_with(LinearSolverChoice::Multigrid, "multigrid");
}

/// One benchmark orbit with linear solver `choice`, timed and labelled `label`.
fn orbit_with(choice: LinearSolverChoice, label: &str) {
    let n = orbit_cells();
    let sys = common::orbit_panel(n).assemble().unwrap();
    let opts = orbit_options().with_linear_solver(choice);
    let sol = timed(&format!("orbit, {n}² + 100 nodes, {label}"), &sys, opts);
    assert!(sol.energy.relative_imbalance < 1e-8);
}

/// The benchmark orbit with each use of the kept factor, alternated `ROUNDS`
/// times: refactorize at every Jacobian refresh (f64), stale-factor Krylov
/// (f64), stale-factor Krylov with f32 sweeps (the default). All close the
/// energy balance and agree to 1e-6 K.
#[test]
#[ignore = "timing; run in release"]
fn speed_orbit_factor_reuse_variants() {
    const ROUNDS: usize = 3;
    let sys = common::orbit_panel(orbit_cells()).assemble().unwrap();
    let fixed = orbit_options();
    let variants = [
        ("refactorize, f64", false, false),
        ("Krylov, f64", true, false),
        ("Krylov, f32 sweeps", true, true),
    ];
    let mut reference: Option<Vec<f64>> = None;
    for round in 0..ROUNDS {
        for (label, krylov, single_precision) in variants {
            let opts = fixed.clone().with_factor_reuse(FactorReuse {
                krylov,
                single_precision,
            });
            let sol = timed(&format!("round {round}, orbit, {label}"), &sys, opts);
            assert!(sol.energy.relative_imbalance < 1e-8);
            let x = sol.final_temperatures_k().to_vec();
            if let Some(r) = &reference {
                let d = common::max_abs_diff(r, &x);
                assert!(d < 1e-6, "{label} differs by {d:.2e} K");
            } else {
                reference = Some(x);
            }
        }
    }
}

#[test]
#[ignore = "timing; run in release"]
fn speed_one_orbit_panel_and_lumped_nodes() {
    let sys = common::orbit_panel(orbit_cells()).assemble().unwrap();
    let fixed = orbit_options();
    let direct = timed(
        "orbit, 256² + 100 nodes, direct",
        &sys,
        fixed.clone().with_linear_solver(LinearSolverChoice::Direct),
    );
    let mg = timed(
        "orbit, 256² + 100 nodes, multigrid",
        &sys,
        fixed.with_linear_solver(LinearSolverChoice::Multigrid),
    );
    let adaptive = TransientOptions::adaptive(1e-4, 1e-3)
        .unwrap()
        .with_span(0.0, 5700.0)
        .unwrap()
        .with_output_interval(60.0)
        .unwrap();
    timed(
        "orbit, 256² + 100 nodes, adaptive rtol 1e-4",
        &sys,
        adaptive,
    );
    for sol in [&direct, &mg] {
        assert!(sol.energy.relative_imbalance < 1e-8);
    }
    let dt_max = common::max_abs_diff(direct.final_temperatures_k(), mg.final_temperatures_k());
    assert!(
        dt_max < 1e-6,
        "direct and multigrid differ by {dt_max:.2e} K"
    );
}
