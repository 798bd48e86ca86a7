//! Steady nonlinear solve of the benchmark panel (see `benches/common`).
//!
//! `cargo bench --bench steady` (sizes 256², 512², 1024²; few samples so it
//! finishes in minutes).

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use thermorbit::solve::{solve_steady, LinearSolverChoice, SteadyOptions};

fn steady(c: &mut Criterion) {
    let mut g = c.benchmark_group("steady_panel");
    g.sample_size(10);
    for n in [256usize, 512, 1024] {
        let sys = common::panel(n).network.assemble().expect("assemble");
        let options = SteadyOptions {
            linear_solver: LinearSolverChoice::Auto,
            ..SteadyOptions::default()
        };
        g.bench_with_input(BenchmarkId::new("auto", n), &n, |b, _| {
            b.iter(|| solve_steady(&sys, &options).expect("steady"))
        });
    }
    g.finish();
}

criterion_group!(benches, steady);
criterion_main!(benches);
