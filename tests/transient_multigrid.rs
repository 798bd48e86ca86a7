//! The transient solver with multigrid-preconditioned CG whose hierarchy is kept
//! across steps (simplified Newton, inexact solves with a forcing term): the same
//! temperatures as the kept Cholesky factor on a heated, radiating 48² panel with
//! lumped nodes and an eclipse, energy closed to the Newton tolerance, the
//! hierarchy updated only when the step matrix changes; and a clear error where
//! multigrid does not fit.

#[path = "../benches/common/mod.rs"]
mod common;

use thermorbit::error::SolveError;
use thermorbit::network::{NodeKind, ThermalNetwork};
use thermorbit::solve::{LinearSolverChoice, TransientOptions, TransientSolver};

#[test]
fn kept_multigrid_and_kept_cholesky_agree_over_an_orbit() {
    let sys = common::orbit_panel(48).assemble().unwrap();
    let opts = TransientOptions::fixed_step(20.0)
        .unwrap()
        .with_span(0.0, 5700.0)
        .unwrap()
        .with_output_interval(300.0)
        .unwrap();
    let solve = |choice| {
        TransientSolver::new(&sys, opts.clone().with_linear_solver(choice))
            .unwrap()
            .solve()
            .unwrap()
    };
    let direct = solve(LinearSolverChoice::Direct);
    let mg = solve(LinearSolverChoice::Multigrid);
    assert_eq!(direct.linear_solver, "cholesky");
    assert_eq!(mg.linear_solver, "multigrid-cg");
    assert_eq!(direct.times_s, mg.times_s);
    // Both meet the Newton tolerance of 1e-10 of the heat flowing: the fields
    // agree far below the BDF2 truncation error.
    let mut worst = 0.0_f64;
    for (p, q) in direct.temperatures_k.iter().zip(&mg.temperatures_k) {
        for (a, b) in p.iter().zip(q) {
            worst = worst.max((a - b).abs());
        }
    }
    assert!(worst < 1e-6, "direct and multigrid differ by {worst:.2e} K");
    assert!(mg.energy.relative_imbalance < 1e-9, "{:?}", mg.energy);
    // Iterative: several CG iterations per Newton iteration.
    assert!(mg.stats.linear_iterations > mg.stats.newton_iterations);
    // The hierarchy (like the factor) is rebuilt only when γC + K changes, not
    // every step or iteration.
    assert!(
        mg.stats.factorizations * 5 < mg.stats.accepted_steps,
        "{:?}",
        mg.stats
    );
}

#[test]
fn multigrid_without_a_grid_is_refused() {
    let mut net = ThermalNetwork::new();
    let space = net.add_boundary("space", 3.0).unwrap();
    let a = net
        .add_node(
            "a",
            NodeKind::Diffusion {
                capacitance_j_k: 10.0,
            },
            300.0,
        )
        .unwrap();
    net.add_radiative(a, space, 0.1).unwrap();
    let sys = net.assemble().unwrap();
    let opts = TransientOptions::fixed_step(1.0)
        .unwrap()
        .with_span(0.0, 10.0)
        .unwrap()
        .with_linear_solver(LinearSolverChoice::Multigrid);
    let err = TransientSolver::new(&sys, opts).unwrap_err();
    assert!(
        matches!(
            err,
            SolveError::UnsuitableLinearSolver {
                solver: "multigrid",
                ..
            }
        ),
        "{err}"
    );
}
