//! Transient solver: 60 fixed BDF2 steps of 10 s (the first 600 s of the orbit
//! case: the panel heating in sunlight with 100 lumped rack nodes, see
//! `common::orbit_panel`) at 128² and 256², with the kept Cholesky factor
//! (`auto`) and with kept multigrid CG. The per-step figure is the time / 60.
//!
//! `cargo bench --bench transient`

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use thermorbit::solve::{LinearSolverChoice, TransientOptions, TransientSolver};

fn transient(c: &mut Criterion) {
    let mut g = c.benchmark_group("transient_orbit_60_steps");
    g.sample_size(10);
    for n in [128usize, 256] {
        let sys = common::orbit_panel(n).assemble().expect("assemble");
        for (label, choice) in [
            ("auto", LinearSolverChoice::Auto),
            ("multigrid", LinearSolverChoice::Multigrid),
        ] {
            let opts = TransientOptions::fixed_step(10.0)
                .and_then(|o| o.with_span(0.0, 600.0))
                .expect("options")
                .with_linear_solver(choice);
            g.bench_with_input(BenchmarkId::new(label, n), &n, |b, _| {
                b.iter(|| {
                    TransientSolver::new(&sys, opts.clone())
                        .and_then(|mut s| s.solve())
                        .expect("transient run")
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, transient);
criterion_main!(benches);
