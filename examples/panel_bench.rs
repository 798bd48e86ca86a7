//! Builds and solves the benchmark panel (1 m × 1 m × 2 mm aluminium, both faces
//! radiating to 0 K, 1 kW along the x = 0 edge) at `N × N` cells and prints
//! one JSON line: wall times, Newton and linear iterations, the linear solver.
//!
//! ```text
//! cargo run --release --example panel_bench -- 1024 [--linear auto|direct|multigrid|amg|…]
//!     [--tolerance 1e-10] [--no-nested] [--write temperatures.f64]
//! ```
//! `--no-nested` starts Newton from the initial temperatures instead of the
//! nested-iteration guess of `solve_steady` (for before/after comparisons).
//! `--write` stores the cell temperatures (K) as little-endian f64, row-major.
//! Peak memory: run under `/usr/bin/time -v`.

#[path = "../benches/common/mod.rs"]
mod common;

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use thermorbit::solve::{solve_steady, LinearSolverChoice, SteadyOptions, SteadySolver};

fn main() -> ExitCode {
    // On a thread of rayon's pool, as `thermorbit run` does: the parallel
    // loops start there, and the model and the solver share one allocator arena.
    match rayon::scope(|_| run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("panel_bench: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut args = std::env::args().skip(1);
    let mut n = 256usize;
    let mut linear = LinearSolverChoice::Auto;
    let mut tolerance = 1e-10;
    let mut write = None;
    let mut nested = true;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--linear" => {
                let v = args.next().ok_or("--linear needs a value")?;
                linear = serde_json::from_str(&format!("\"{v}\""))
                    .map_err(|e| format!("--linear {v}: {e}"))?;
            }
            "--tolerance" => {
                tolerance = args.next().ok_or("--tolerance needs a value")?.parse()?;
            }
            "--no-nested" => nested = false,
            "--write" => write = Some(args.next().ok_or("--write needs a path")?),
            other => n = other.parse().map_err(|e| format!("size `{other}`: {e}"))?,
        }
    }
    if n < 2 {
        return Err("size must be at least 2".into());
    }
    let t0 = Instant::now();
    let panel = common::panel(n);
    let system = panel.network.assemble()?;
    let cells = panel.cells.clone();
    drop(panel);
    let t_build = t0.elapsed().as_secs_f64();
    let options = SteadyOptions::default().with_tolerance(tolerance)?;
    let options = SteadyOptions {
        linear_solver: linear,
        ..options
    };
    let t1 = Instant::now();
    let sol = if nested {
        solve_steady(&system, &options)?
    } else {
        system.check_grounded()?;
        SteadySolver::new(&system, options)?.solve_from(&system.initial_state())?
    };
    let t_solve = t1.elapsed().as_secs_f64();
    let t = &sol.temperatures_k[cells.clone()];
    let (min, max) = t
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
    let mean = t.iter().sum::<f64>() / t.len() as f64;
    let linear_iterations: usize = sol.iterations.iter().map(|i| i.linear_iterations).sum();
    println!(
        "{{\"n\": {n}, \"unknowns\": {}, \"build_s\": {t_build:.4}, \"solve_s\": {t_solve:.4}, \
         \"wall_s\": {:.4}, \"newton_iterations\": {}, \"linear_iterations\": {linear_iterations}, \
         \"linear_solver\": \"{}\", \"t_min_k\": {min:.6}, \"t_max_k\": {max:.6}, \"t_mean_k\": {mean:.6}, \
         \"relative_imbalance\": {:.3e}, \"threads\": {}, \"history\": [{}]}}",
        n * n,
        t0.elapsed().as_secs_f64(),
        sol.iterations.len() - 1,
        sol.linear_solver,
        sol.energy_balance.relative_imbalance,
        rayon::current_num_threads(),
        sol.iterations
            .iter()
            .map(|h| format!(
                "[{:.3e}, {}, {}]",
                h.relative_residual, h.step_length, h.linear_iterations
            ))
            .collect::<Vec<_>>()
            .join(", "),
    );
    if let Some(path) = write {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
        for v in t {
            f.write_all(&v.to_le_bytes())?;
        }
        f.flush()?;
    }
    Ok(())
}
