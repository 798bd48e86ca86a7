//! Memory bandwidth by the STREAM triad `a[i] = b[i] + s·c[i]` (McCalpin,
//! "Memory bandwidth and machine balance", IEEE TCCA Newsletter, 1995) over
//! 3 × 32 M doubles (768 MB), on the rayon pool (set `RAYON_NUM_THREADS`).
//! Bytes counted: 24 per element (two reads, one write). Prints the best of 10.
//!
//! `cargo run --release --example stream_triad`

use rayon::prelude::*;
use std::time::Instant;

fn main() {
    let n = 32 << 20;
    let b = vec![1.0f64; n];
    let c = vec![2.0f64; n];
    let mut a = vec![0.0f64; n];
    let s = 3.0;
    let mut best = f64::INFINITY;
    for _ in 0..10 {
        let t = Instant::now();
        a.par_chunks_mut(1 << 16)
            .zip(b.par_chunks(1 << 16).zip(c.par_chunks(1 << 16)))
            .for_each(|(a, (b, c))| {
                for k in 0..a.len() {
                    a[k] = b[k] + s * c[k];
                }
            });
        best = best.min(t.elapsed().as_secs_f64());
    }
    let gb_s = 24.0 * n as f64 / best / 1e9;
    println!(
        "{{\"triad_gb_s\": {gb_s:.2}, \"best_s\": {best:.5}, \"threads\": {}, \"check\": {}}}",
        rayon::current_num_threads(),
        a[n / 2]
    );
}
