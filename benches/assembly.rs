//! Residual and Jacobian assembly of the benchmark panel.
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
    g.finish();
}

criterion_group!(benches, assembly);
criterion_main!(benches);
