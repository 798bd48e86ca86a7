//! Timing of the implicit solver on the benchmark panel (ignored by default;
//! run with `cargo test --release --test transient_speed -- --ignored --nocapture`).
//!
//! 1. 1,000 BDF2 steps of 10 s on the 256² radiating panel (1 kW along an edge).
//! 2. One 5,700 s orbit at 10 s steps of the same panel with 100 lumped nodes
//!    (a rack chain feeding the panel), sunlight switching with an eclipse.

#[path = "../benches/common/mod.rs"]
mod common;

use std::time::Instant;

use thermorbit::network::{HeatSource, NodeKind, TimeTable};
use thermorbit::solve::{TransientOptions, TransientSolver};

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
    let t0 = Instant::now();
    let sol = TransientSolver::new(&sys, opts).unwrap().solve().unwrap();
    let wall = t0.elapsed().as_secs_f64();
    eprintln!(
        "1000 steps, 256²: {wall:.2} s, {} steps, {} Newton iterations, {} factorizations, \
         {} Jacobians, solver {}, relative imbalance {:.2e}, T max {:.2} K",
        sol.stats.accepted_steps,
        sol.stats.newton_iterations,
        sol.stats.factorizations,
        sol.stats.jacobian_evaluations,
        sol.linear_solver,
        sol.energy.relative_imbalance,
        sol.final_temperatures_k()[panel.cells.clone()]
            .iter()
            .copied()
            .fold(0.0, f64::max)
    );
    assert_eq!(sol.stats.accepted_steps, 1000);
    assert!(sol.energy.relative_imbalance < 1e-8);
}

#[test]
#[ignore = "timing; run in release"]
fn speed_one_orbit_panel_and_lumped_nodes() {
    let n = 256;
    let mut panel = common::panel(n);
    let net = &mut panel.network;
    let cells = panel.cells.clone();
    // Absorbed sunlight on every cell: 300 W/m² × cell area while lit, ramps of 10 s
    // at eclipse entry (3,600 s) and exit (5,690 s), periodic over the 5,700 s orbit.
    let area = 1.0 / (n * n) as f64;
    let sun = TimeTable::new(
        "sun",
        vec![0.0, 3600.0, 3610.0, 5680.0, 5690.0],
        vec![300.0, 300.0, 0.0, 0.0, 300.0],
        Some(5700.0),
    )
    .unwrap();
    net.add_source(HeatSource {
        name: "sun".into(),
        loads: cells.clone().map(|c| (c, area)).collect(),
        profile: sun.into(),
    })
    .unwrap();
    // 100 lumped rack nodes in a chain, each dissipating 10 W, the chain's end
    // tied to 10 cells along the middle of the panel.
    let mut prev = None;
    for k in 0..100 {
        let node = net
            .add_node(
                &format!("rack{k}"),
                NodeKind::Diffusion {
                    capacitance_j_k: 5000.0,
                },
                300.0,
            )
            .unwrap();
        net.add_heat_load(&format!("gpu{k}"), node, 10.0).unwrap();
        if let Some(p) = prev {
            net.add_linear(p, node, 5.0).unwrap();
        }
        if k % 10 == 0 {
            let cell = cells.start + (n / 2) * n + k / 10 * (n / 10);
            net.add_linear(node, cell, 2.0).unwrap();
        }
        prev = Some(node);
    }
    let sys = net.assemble().unwrap();
    let opts = TransientOptions::fixed_step(10.0)
        .unwrap()
        .with_span(0.0, 5700.0)
        .unwrap()
        .with_output_interval(60.0)
        .unwrap();
    let t0 = Instant::now();
    let sol = TransientSolver::new(&sys, opts).unwrap().solve().unwrap();
    let wall = t0.elapsed().as_secs_f64();
    eprintln!(
        "orbit, 256² + 100 nodes: {wall:.2} s, {} steps, {} Newton iterations, {} factorizations, \
         {} Jacobians, solver {}, relative imbalance {:.2e}",
        sol.stats.accepted_steps,
        sol.stats.newton_iterations,
        sol.stats.factorizations,
        sol.stats.jacobian_evaluations,
        sol.linear_solver,
        sol.energy.relative_imbalance,
    );
    assert!(sol.energy.relative_imbalance < 1e-8);
}
