//! Per-kernel timing of one transient step's pieces on the orbit benchmark
//! (256² panel + 100 lumped nodes): residual, heat flows, Jacobian, numeric
//! factorization, one triangular solve pair with the kept `f32` factor, one
//! stencil-form product (`f32` and `f64` coefficients), one V-cycle and one
//! multigrid-CG solve. Medians of
//! repeated calls.
//!
//! `cargo run --release --example transient_kernels [n [count [mode]]]`: with a
//! `count`, only that many calls of one kernel are timed (for `perf` and
//! `valgrind`), printing their minimum and median: `mode` = `solve` (the
//! default: triangular solve pairs), `residual` (residual-and-flows passes) or
//! `multigrid` (multigrid-CG solves to 1e-8 from a zero guess, the hierarchy
//! prepared once).

#[path = "../benches/common/mod.rs"]
mod common;

use std::time::Instant;

use thermorbit::linalg::{GridOperator, Operator};
use thermorbit::network::{AssembledNetwork, CsrMatrix};
use thermorbit::solve::{DirectSolver, LinearSolver, MultigridCg, MultigridOptions};

/// Wall times (ms) of `reps` calls of `f`, fastest first.
fn sorted_ms(reps: usize, mut f: impl FnMut()) -> Vec<f64> {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let t0 = Instant::now();
            f();
            1e3 * t0.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t
}

/// Median wall time (ms) of `reps` calls of `f` (the fastest with `KERNEL_MIN` set).
fn median_ms(reps: usize, f: impl FnMut()) -> f64 {
    let t = sorted_ms(reps, f);
    if std::env::var("KERNEL_MIN").is_ok() {
        return t[0];
    }
    t[reps / 2]
}

/// `γ C + K` of a 10 s BDF2 step at `(t, x)`.
fn step_matrix(sys: &AssembledNetwork, t: f64, x: &[f64]) -> CsrMatrix {
    let mut k = sys.new_matrix();
    sys.jacobian(t, x, &mut k);
    let gamma = 1.5 / 10.0;
    for (i, &d) in sys.diagonal_positions().iter().enumerate() {
        k.values_mut()[d as usize] += gamma * sys.capacitance_j_k()[i];
    }
    k
}

/// Multigrid CG with its hierarchy prepared for `k`.
fn prepared_multigrid(
    sys: &AssembledNetwork,
    k: &CsrMatrix,
) -> Result<MultigridCg, Box<dyn std::error::Error>> {
    let mut mg = MultigridCg::new(sys.grid_blocks(), MultigridOptions::default());
    mg.prepare(k)?;
    Ok(mg)
}

/// Times `count` calls of one kernel (`mode`) and prints their minimum and median.
fn one_kernel(
    sys: &AssembledNetwork,
    x: &[f64],
    count: usize,
    mode: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let (u, t) = (sys.unknowns(), 100.0);
    let mut f = vec![0.0; u];
    let mut y = vec![0.0; u];
    let (label, all) = match mode {
        "residual" => (
            "residual and flows",
            sorted_ms(count, || {
                std::hint::black_box(sys.residual_and_flows(t, x, &mut f));
            }),
        ),
        "multigrid" => {
            let k = step_matrix(sys, t, x);
            sys.residual(t, x, &mut f);
            let mut mg = prepared_multigrid(sys, &k)?;
            let mut iterations = 0;
            let all = sorted_ms(count, || {
                y.fill(0.0);
                let stats = mg.solve(&k, &f, &mut y, 1e-8).expect("multigrid CG");
                iterations = stats.iterations;
            });
            println!("multigrid CG: {iterations} iterations per solve");
            ("multigrid CG solve", all)
        }
        _ => {
            let k = step_matrix(sys, t, x);
            sys.residual(t, x, &mut f);
            let mut d = DirectSolver::new(true).with_single_precision_sweeps(true);
            d.factorize(&k)?;
            let all = sorted_ms(count, || d.solve_factored_mut(&f, &mut y).expect("solve"));
            ("solve pair f32", all)
        }
    };
    let checksum: f64 = if mode == "residual" { &f } else { &y }.iter().sum();
    println!(
        "{label}: min {:.3} ms, median {:.3} ms, checksum {checksum:.6e}",
        all[0],
        all[count / 2],
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(256);
    let count: Option<usize> = args.next().map(|s| s.parse()).transpose()?;
    let mode = args.next().unwrap_or_else(|| "solve".into());
    let sys = common::orbit_panel(n).assemble()?;
    let u = sys.unknowns();
    let x: Vec<f64> = (0..u).map(|i| 300.0 + (i as f64 * 0.01).sin()).collect();
    if let Some(count) = count {
        return one_kernel(&sys, &x, count, &mode);
    }
    let mut f = vec![0.0; u];
    let t = 100.0;
    let reps = 101;
    let res = median_ms(reps, || sys.residual(t, &x, &mut f));
    let res_flows = median_ms(reps, || {
        std::hint::black_box(sys.residual_and_flows(t, &x, &mut f));
    });
    let mut q = vec![0.0; u];
    let sources = median_ms(reps, || sys.add_sources(t, &mut q));
    let flows = median_ms(reps, || {
        std::hint::black_box(sys.heat_flows(t, &x));
    });
    let mut k = sys.new_matrix();
    let jac = median_ms(21, || sys.jacobian(t, &x, &mut k));
    let k = step_matrix(&sys, t, &x);
    let mut d = DirectSolver::new(true).with_single_precision_sweeps(true);
    d.factorize(&k)?;
    let fact = median_ms(5, || d.factorize(&k).expect("factorize"));
    let mut y = vec![0.0; u];
    let solve = median_ms(reps, || d.solve_factored_mut(&f, &mut y).expect("solve"));
    let mut d64 = DirectSolver::new(true);
    d64.factorize(&k)?;
    let solve64 = median_ms(reps, || d64.solve_factored_mut(&f, &mut y).expect("solve"));
    let mut ax = vec![0.0; u];
    let matvec = median_ms(reps, || k.mul_vec(&x, &mut ax));
    let stencil = GridOperator::<f32>::new(&k, &sys.grid_blocks()).map(|s| {
        median_ms(reps, || {
            s.update_rows(&x, &mut ax, |_, y, v| y.copy_from_slice(v))
        })
    });
    let exact = GridOperator::<f64>::new(&k, &sys.grid_blocks()).map(|s| {
        median_ms(reps, || {
            s.update_rows(&x, &mut ax, |_, y, v| y.copy_from_slice(v))
        })
    });
    let mut mg = prepared_multigrid(&sys, &k)?;
    let prepare = median_ms(21, || {
        mg.prepare(&k).expect("prepare");
    });
    let mut iterations = 0;
    let mg_solve = median_ms(21, || {
        y.fill(0.0);
        iterations = mg
            .solve(&k, &f, &mut y, 1e-8)
            .expect("multigrid CG")
            .iterations;
    });
    println!(
        "{n}² + 100 nodes ({u} unknowns), medians (ms): residual {res:.3}, \
         residual and flows {res_flows:.3}, sources {sources:.3}, heat flows {flows:.3}, \
         Jacobian {jac:.3}, mat-vec {matvec:.3}, stencil product f32 {} f64 {}, \
         factorize {fact:.1}, \
         solve pair f32 {solve:.3}, solve pair f64 {solve64:.3}, multigrid prepare \
         {prepare:.3}, multigrid CG to 1e-8 {mg_solve:.3} ({iterations} iterations, \
         prepare included)",
        stencil.map_or("none".into(), |s| format!("{s:.3}")),
        exact.map_or("none".into(), |s| format!("{s:.3}")),
    );
    Ok(())
}
