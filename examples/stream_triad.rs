//! The bandwidth bound: memory bandwidth by the STREAM triad and the time of
//! one CSR mat-vec of the benchmark panel's Jacobian.
//!
//! Triad `a[i] = b[i] + s·c[i]` (McCalpin, "Memory bandwidth and machine
//! balance in current high performance computers", IEEE TCCA Newsletter, 1995)
//! over 3 × 32 M doubles (768 MB), on the rayon pool (set `RAYON_NUM_THREADS`).
//! Bytes counted: 24 per element (two reads, one write); the best of 10 runs.
//!
//! Mat-vec `y = K x` with `K` the Jacobian of the `n × n` benchmark panel
//! (`benches/common/mod.rs`; 5-point stencil plus the radiation diagonal, `u32`
//! column indices), timed by `CsrMatrix::mul_vec` — the one the solvers use.
//! Bytes moved at least once per mat-vec:
//!
//! `B = 12 nnz + 8 (N + 1) + 8 N + 8 N`
//!
//! (values and column indices, row pointers, `x` read, `y` written), so the
//! bandwidth-bound time is `B / triad`. Median of `reps` runs after one warm-up.
//!
//! Prints one JSON line:
//!
//! ```text
//! cargo run --release --example stream_triad [-- --matvec 256 512 1024]
//! {"triad_gb_s": …, "threads": 2, "matvec": [{"n": 1024, "unknowns": 1048576,
//!   "nnz": …, "bytes": …, "median_s": …, "min_s": …, "gb_s": …, "bound_s": …}]}
//! ```
//! Without `--matvec` the mat-vec is timed at 1024² (1 M unknowns).

#[path = "../benches/common/mod.rs"]
mod common;

use rayon::prelude::*;
use std::process::ExitCode;
use std::time::Instant;

/// Elements per triad array (32 M doubles = 256 MB each).
const TRIAD_LEN: usize = 32 << 20;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stream_triad: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut sizes = Vec::new();
    // `--matvec` only introduces the sizes that follow it.
    for a in std::env::args().skip(1).filter(|a| a != "--matvec") {
        let n: usize = a.parse().map_err(|e| format!("mat-vec size `{a}`: {e}"))?;
        if n < 2 {
            return Err(format!("mat-vec size {n}: must be at least 2").into());
        }
        sizes.push(n);
    }
    if sizes.is_empty() {
        sizes.push(1024);
    }
    let triad_gb_s = triad_gb_s();
    let rows: Vec<String> = sizes
        .iter()
        .map(|&n| matvec_json(n, triad_gb_s))
        .collect::<Result<_, _>>()?;
    println!(
        "{{\"triad_gb_s\": {triad_gb_s:.3}, \"threads\": {}, \"matvec\": [{}]}}",
        rayon::current_num_threads(),
        rows.join(", ")
    );
    Ok(())
}

/// Best-of-10 triad bandwidth (GB/s, 1 GB = 1e9 bytes).
fn triad_gb_s() -> f64 {
    let b = vec![1.0f64; TRIAD_LEN];
    let c = vec![2.0f64; TRIAD_LEN];
    let mut a = vec![0.0f64; TRIAD_LEN];
    let s = 3.0;
    let mut best = f64::INFINITY;
    for _ in 0..10 {
        let t = Instant::now();
        a.par_chunks_mut(1 << 16)
            .zip(b.par_chunks(1 << 16).zip(c.par_chunks(1 << 16)))
            .for_each(|(a, (b, c))| {
                for ((ak, bk), ck) in a.iter_mut().zip(b).zip(c) {
                    *ak = bk + s * ck;
                }
            });
        best = best.min(t.elapsed().as_secs_f64());
    }
    // Keep the result observable so the loop is not optimised away.
    std::hint::black_box(a[TRIAD_LEN / 2]);
    24.0 * TRIAD_LEN as f64 / best / 1e9
}

/// Times `K x` for the `n × n` panel Jacobian at its initial state; one JSON object.
fn matvec_json(n: usize, triad_gb_s: f64) -> Result<String, Box<dyn std::error::Error>> {
    let sys = common::panel(n).network.assemble()?;
    let x = sys.initial_state();
    let mut k = sys.new_matrix();
    sys.jacobian(0.0, &x, &mut k);
    let mut y = vec![0.0; sys.unknowns()];
    let unknowns = sys.unknowns();
    let nnz = k.nnz();
    let bytes = 12 * nnz + 8 * (unknowns + 1) + 16 * unknowns;
    // About 2 s of mat-vecs at 84 bytes per unknown and ~10 GB/s, at least 20.
    let reps = (2e10 / bytes as f64).clamp(20.0, 2000.0) as usize;
    k.mul_vec(&x, &mut y);
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            k.mul_vec(std::hint::black_box(&x), &mut y);
            t.elapsed().as_secs_f64()
        })
        .collect();
    std::hint::black_box(&y);
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let min = times[0];
    Ok(format!(
        "{{\"n\": {n}, \"unknowns\": {unknowns}, \"nnz\": {nnz}, \"bytes\": {bytes}, \
         \"reps\": {reps}, \"median_s\": {median:.6e}, \"min_s\": {min:.6e}, \
         \"gb_s\": {:.3}, \"bound_s\": {:.6e}}}",
        bytes as f64 / median / 1e9,
        bytes as f64 / (triad_gb_s * 1e9),
    ))
}
