//! Residual and Jacobian assembly of the benchmark panel, and the residual
//! with heat flows of the orbit case (the panel's grid rows take the
//! five-point stencil path; the lumped rack nodes and their tied cells the
//! general one).
//!
//! `cargo bench --bench assembly`

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

fn assembly(c: &mut Criterion) {
    let mut g = c.benchmark_group("assembly_panel");
    g.sample_size(10);
    for n in [256usize, 1024] {
        let sys = common::panel(n).network.assemble().expect("assemble");
        let x = sys.initial_state();
        let mut r = vec![0.0; sys.unknowns()];
        let mut k = sys.new_matrix();
        g.bench_with_input(BenchmarkId::new("residual", n), &n, |b, _| {
            b.iter(|| sys.residual(0.0, &x, &mut r))
        });
        g.bench_with_input(BenchmarkId::new("jacobian", n), &n, |b, _| {
            b.iter(|| sys.jacobian(0.0, &x, &mut k))
        });
    }
    let sys = common::orbit_panel(256).assemble().expect("assemble");
    let x: Vec<f64> = (0..sys.unknowns())
        .map(|i| 300.0 + (i as f64 * 0.01).sin())
        .collect();
    let mut r = vec![0.0; sys.unknowns()];
    g.bench_function("orbit_residual_and_flows/256", |b| {
        b.iter(|| sys.residual_and_flows(100.0, &x, &mut r))
    });
    g.finish();
}

criterion_group!(benches, assembly);
criterion_main!(benches);
