//! One linear solve `K δ = F` of the benchmark panel's Jacobian at 300 K, by
//! each linear solver, one CSR mat-vec (the unit of the bandwidth bound) and
//! one product with the single-precision stencil form the V-cycle smooths with.
//!
//! `cargo bench --bench linear`

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use thermorbit::linalg::{GridOperator, Operator};
use thermorbit::solve::{new_linear_solver, LinearSolverChoice};

fn linear(c: &mut Criterion) {
    let mut g = c.benchmark_group("linear_panel");
    g.sample_size(10);
    for n in [256usize, 512, 1024] {
        let sys = common::panel(n).network.assemble().expect("assemble");
        let x = sys.initial_state();
        let mut k = sys.new_matrix();
        sys.jacobian(0.0, &x, &mut k);
        let mut f = vec![0.0; sys.unknowns()];
        sys.residual(0.0, &x, &mut f);
        let mut y = vec![0.0; sys.unknowns()];
        g.bench_with_input(BenchmarkId::new("matvec", n), &n, |b, _| {
            b.iter(|| k.mul_vec(&x, &mut y))
        });
        let stencil = GridOperator::<f32>::new(&k, &sys.grid_blocks()).expect("stencil form");
        g.bench_with_input(BenchmarkId::new("stencil_product", n), &n, |b, _| {
            b.iter(|| stencil.update_rows(&x, &mut y, |_, y, ax| y.copy_from_slice(ax)))
        });
        let exact = GridOperator::<f64>::new(&k, &sys.grid_blocks()).expect("stencil form");
        g.bench_with_input(BenchmarkId::new("stencil_product_f64", n), &n, |b, _| {
            b.iter(|| exact.update_rows(&x, &mut y, |_, y, ax| y.copy_from_slice(ax)))
        });
        let mut choices = vec![LinearSolverChoice::Multigrid, LinearSolverChoice::Amg];
        if n <= 512 {
            choices.push(LinearSolverChoice::Direct);
        }
        for choice in choices {
            let mut solver = new_linear_solver(choice, &sys).expect("solver");
            let mut d = vec![0.0; sys.unknowns()];
            g.bench_with_input(BenchmarkId::new(solver.name(), n), &n, |b, _| {
                b.iter(|| {
                    d.fill(0.0);
                    solver.solve(&k, &f, &mut d, 1e-8).expect("solve")
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, linear);
criterion_main!(benches);
