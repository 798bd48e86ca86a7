//! The fixed-chunk parallel policy: how every kernel of the crate splits work
//! between threads so that its results have the same bits on one thread or many.
//!
//! Work is cut into parts whose boundaries depend on the length alone, never on
//! the thread count; a reduction sums each part in order and then the parts'
//! sums in part order. Short vectors are processed on the calling thread, where
//! threading would cost more than it saves. Every parallel loop over rows or
//! entries takes its thresholds from here (sparse products, the network's
//! residual and Jacobian, multigrid transfers and smoothers, Krylov vectors,
//! the transient step's updates).

use rayon::prelude::*;

/// Vectors (and row counts) below this length are processed serially: below it
/// a rayon task costs more than the work it carries (benches/README.md).
pub(crate) const PARALLEL_LEN: usize = 16_384;

/// Entries per part of a vector kernel or reduction (dot products, norms,
/// Krylov and smoother updates, stencil products).
pub(crate) const CHUNK: usize = 8192;

/// Rows per part of a row-wise kernel (sparse products, the network's residual
/// and Jacobian, multigrid transfers, coarsening) and the least number of rows
/// one task takes in the `with_min_len` loops whose rows are independent.
pub(crate) const ROW_CHUNK: usize = 4096;

/// Calls `f(first, part)` for consecutive parts of `y` of [`CHUNK`] entries
/// (`first` the index of `part[0]`), in parallel when long, and returns the
/// results in part order. The parts are fixed by the length alone, never by
/// the thread count, so a reduction over the results in order has the same
/// bits on any number of threads.
pub(crate) fn par_chunks<T: Send>(
    y: &mut [f64],
    f: impl Fn(usize, &mut [f64]) -> T + Sync,
) -> Vec<T> {
    if y.len() < PARALLEL_LEN {
        y.chunks_mut(CHUNK)
            .enumerate()
            .map(|(c, part)| f(c * CHUNK, part))
            .collect()
    } else {
        y.par_chunks_mut(CHUNK)
            .enumerate()
            .map(|(c, part)| f(c * CHUNK, part))
            .collect()
    }
}

/// [`par_chunks`] over two vectors of one length: `f(first, y_part, z_part)`
/// on their matching parts, the results in part order.
pub(crate) fn par_chunks_pair<T: Send>(
    y: &mut [f64],
    z: &mut [f64],
    f: impl Fn(usize, &mut [f64], &mut [f64]) -> T + Sync,
) -> Vec<T> {
    if y.len() < PARALLEL_LEN {
        y.chunks_mut(CHUNK)
            .zip(z.chunks_mut(CHUNK))
            .enumerate()
            .map(|(c, (yp, zp))| f(c * CHUNK, yp, zp))
            .collect()
    } else {
        y.par_chunks_mut(CHUNK)
            .zip(z.par_chunks_mut(CHUNK))
            .enumerate()
            .map(|(c, (yp, zp))| f(c * CHUNK, yp, zp))
            .collect()
    }
}

/// `y = x`, in parallel when long.
pub(crate) fn par_copy(y: &mut [f64], x: &[f64]) {
    par_chunks(y, |first, part| {
        part.copy_from_slice(rows_of(x, first, part.len()));
    });
}

/// `v = x` in `v`'s own buffer: resized without clearing (the kept entries
/// are overwritten, so no fill pass precedes the copy), then copied in parallel.
pub(crate) fn par_copy_into(v: &mut Vec<f64>, x: &[f64]) {
    v.resize(x.len(), 0.0);
    par_copy(v, x);
}

/// `y[i] = f(i, y[i])` for every row, in parallel when long (each entry
/// independent, so any thread count gives the same bits).
pub(crate) fn par_update(y: &mut [f64], f: impl Fn(usize, f64) -> f64 + Sync) {
    par_chunks(y, |first, part| {
        for (k, v) in part.iter_mut().enumerate() {
            *v = f(first + k, *v);
        }
    });
}

/// `y[i] = f(i)` for every row, in parallel when long.
pub(crate) fn par_fill(y: &mut [f64], f: impl Fn(usize) -> f64 + Sync) {
    par_update(y, |i, _| f(i));
}

/// `y[first..first + len]`: the rows of `y` an `Operator::update_rows` closure is given.
pub(crate) fn rows_of(y: &[f64], first: usize, len: usize) -> &[f64] {
    &y[first..first + len]
}

/// Runs `work` on a thread of rayon's pool (inline when already on one).
/// A parallel loop started on a pool thread is a `join` on that thread's own
/// queue; started on any other thread, it is injected into the pool while the
/// caller sleeps on a latch, a wake-up per loop. A solve runs hundreds of loops
/// per time step: from the caller's thread, the hand-offs took a quarter of the
/// orbit benchmark's wall time (benches/README.md, session 7). A caller that
/// builds a large model does best to build it on the pool too (as `thermorbit
/// run` does with its whole command): the allocator keeps an arena per thread,
/// and a 1024² model built on the caller's thread and solved on a pool thread
/// peaked at 314 MiB instead of 280.
pub(crate) fn on_pool_thread<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| work())
}
