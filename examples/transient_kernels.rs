//! Per-kernel timing of one transient step's pieces on the orbit benchmark
//! (256² panel + 100 lumped nodes): residual, heat flows, Jacobian, numeric
//! factorization and one triangular solve pair with the kept `f32` factor.
//! Medians of repeated calls.
//!
//! `cargo run --release --example transient_kernels [n [count [residual]]]`

#[path = "../benches/common/mod.rs"]
mod common;

use std::time::Instant;

use thermorbit::solve::DirectSolver;

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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(256);
    // Optional second argument: only time this many solve pairs (for `perf`),
    // or, with a third argument `residual`, this many residual-and-flows passes.
    let solves_only: Option<usize> = std::env::args().nth(2).map(|s| s.parse()).transpose()?;
    let residual_only = std::env::args().nth(3).is_some_and(|s| s == "residual");
    let sys = common::orbit_panel(n).assemble()?;
    let u = sys.unknowns();
    let x: Vec<f64> = (0..u).map(|i| 300.0 + (i as f64 * 0.01).sin()).collect();
    let mut f = vec![0.0; u];
    let t = 100.0;
    let reps = 101;
    if let (Some(count), true) = (solves_only, residual_only) {
        let all = sorted_ms(count, || {
            std::hint::black_box(sys.residual_and_flows(t, &x, &mut f));
        });
        println!(
            "residual and flows: min {:.3} ms, median {:.3} ms, checksum {:.6e}",
            all[0],
            all[count / 2],
            f.iter().sum::<f64>()
        );
        return Ok(());
    }
    if let Some(count) = solves_only {
        let mut k = sys.new_matrix();
        sys.jacobian(t, &x, &mut k);
        let gamma = 1.5 / 10.0;
        for (i, &d) in sys.diagonal_positions().iter().enumerate() {
            k.values_mut()[d as usize] += gamma * sys.capacitance_j_k()[i];
        }
        let mut d = DirectSolver::new(true).with_single_precision_sweeps(true);
        d.factorize(&k)?;
        let mut y = vec![0.0; u];
        sys.residual(t, &x, &mut f);
        let all = sorted_ms(count, || d.solve_factored_mut(&f, &mut y).expect("solve"));
        println!(
            "solve pair f32: min {:.3} ms, median {:.3} ms, checksum {:.6e}",
            all[0],
            all[count / 2],
            y.iter().sum::<f64>()
        );
        return Ok(());
    }
    let res = median_ms(reps, || sys.residual(t, &x, &mut f));
    let res_flows = median_ms(reps, || {
        std::hint::black_box(sys.residual_and_flows(t, &x, &mut f));
    });
    let mut q = vec![0.0; u];
    let sources = median_ms(reps, || sys.add_sources(t, &mut q));
    println!("add_sources {sources:.3} ms");
    let flows = median_ms(reps, || {
        std::hint::black_box(sys.heat_flows(t, &x));
    });
    let mut k = sys.new_matrix();
    let jac = median_ms(21, || sys.jacobian(t, &x, &mut k));
    // γ C + K for a 10 s BDF2 step.
    let gamma = 1.5 / 10.0;
    for (i, &d) in sys.diagonal_positions().iter().enumerate() {
        k.values_mut()[d as usize] += gamma * sys.capacitance_j_k()[i];
    }
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
    println!(
        "{n}² + 100 nodes ({u} unknowns), medians (ms): residual {res:.3}, \
         residual and flows {res_flows:.3}, heat flows {flows:.3}, \
         Jacobian {jac:.3}, mat-vec {matvec:.3}, factorize {fact:.1}, solve pair f32 {solve:.3}, \
         solve pair f64 {solve64:.3}"
    );
    Ok(())
}
