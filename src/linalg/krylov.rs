//! Krylov methods and the vector kernels they share.
//!
//! - Preconditioned conjugate gradients for symmetric positive definite systems
//!   (Saad, *Iterative Methods for Sparse Linear Systems*, 2nd ed., 2003,
//!   Algorithm 9.1).
//! - Right-preconditioned BiCGStab for the non-symmetric systems that advection
//!   and radiation between solved nodes bring (van der Vorst 1992; Saad 2003,
//!   Algorithm 7.7 with right preconditioning, §9.3.2).
//!
//! Every reduction (dot product, norm) is summed in chunks of a fixed size whose
//! partial sums are added in chunk order, so a solve gives the same bits on one
//! thread or many.

use rayon::prelude::*;

use crate::error::SolveError;
pub(crate) use crate::linalg::parallel::{par_chunks, par_fill, rows_of};
use crate::linalg::parallel::{par_chunks_pair, par_copy, par_copy_into, CHUNK, PARALLEL_LEN};
use crate::linalg::{CsrMatrix, LinearStats};

/// `Σ a_k b_k` over the whole groups of four entries (of the shorter
/// slice) in four interleaved partial sums, entry `k` into sum `k mod 4`,
/// and the entries left over of `a` and `b`. The compiler vectorises it.
#[inline(always)]
fn grouped_sums<'a>(a: &'a [f64], b: &'a [f64]) -> ([f64; 4], &'a [f64], &'a [f64]) {
    let mut s = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        s[0] += x[0] * y[0];
        s[1] += x[1] * y[1];
        s[2] += x[2] * y[2];
        s[3] += x[3] * y[3];
    }
    (s, ra, rb)
}

/// Serial dot product: [`grouped_sums`], then the left-over entries summed
/// apart and added last (a fixed order).
#[inline]
fn dot_serial(a: &[f64], b: &[f64]) -> f64 {
    let (s, ra, rb) = grouped_sums(a, b);
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    (s[0] + s[1]) + (s[2] + s[3]) + tail
}

/// `aᵀb` over the length of `b` as four interleaved partial sums, entry `k`
/// into sum `k mod 4` (the left-over entries too), added `(s₀ + s₁) + (s₂ +
/// s₃)`: the sums of [`zip_update_sum`], in groups of four that the compiler
/// vectorises.
#[inline]
pub(crate) fn dot_interleaved(a: &[f64], b: &[f64]) -> f64 {
    let (mut s, ra, rb) = grouped_sums(&a[..b.len()], b);
    for ((s, x), y) in s.iter_mut().zip(ra).zip(rb) {
        *s += x * y;
    }
    (s[0] + s[1]) + (s[2] + s[3])
}

/// `aᵀb`, deterministic for any thread count.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    if a.len() < PARALLEL_LEN {
        return a
            .chunks(CHUNK)
            .zip(b.chunks(CHUNK))
            .map(|(x, y)| dot_serial(x, y))
            .sum();
    }
    let partial: Vec<f64> = a
        .par_chunks(CHUNK)
        .zip(b.par_chunks(CHUNK))
        .map(|(x, y)| dot_serial(x, y))
        .collect();
    partial.iter().sum()
}

/// `‖a‖₂`.
pub(crate) fn norm2(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// `[ins[0][k], ins[1][k], …]`, by a loop that inlines and unrolls
/// (`array::from_fn` per entry was left as a call in some builds).
#[inline(always)]
fn entry<const K: usize>(ins: [&[f64]; K], k: usize) -> [f64; K] {
    let mut v = [0.0; K];
    for (vm, im) in v.iter_mut().zip(ins) {
        *vm = im[k];
    }
    v
}

/// Updates `out[i]` with `f(&mut out[i], [ins[0][i], …])` for every `i`, in
/// parallel when long (entries independent: any thread count gives the same bits).
pub(crate) fn zip_update<const K: usize>(
    out: &mut [f64],
    ins: [&[f64]; K],
    f: impl Fn(&mut f64, [f64; K]) + Sync,
) {
    par_chunks(out, |off, o| {
        let ins: [&[f64]; K] = std::array::from_fn(|m| &ins[m][off..off + o.len()]);
        for (k, v) in o.iter_mut().enumerate() {
            f(v, entry(ins, k));
        }
    });
}

/// [`zip_update`] returning the sum of `f`'s return values: within a chunk
/// in four interleaved partial sums (entry `k` into sum `k mod 4`, so the
/// additions do not wait on each other), the chunks added in order — the same
/// bits on any number of threads.
pub(crate) fn zip_update_sum<const K: usize>(
    out: &mut [f64],
    ins: [&[f64]; K],
    f: impl Fn(&mut f64, [f64; K]) -> f64 + Sync,
) -> f64 {
    let partial = par_chunks(out, |off, o| {
        let ins: [&[f64]; K] = std::array::from_fn(|m| &ins[m][off..off + o.len()]);
        let mut s = [0.0; 4];
        for (k, v) in o.iter_mut().enumerate() {
            s[k % 4] += f(v, entry(ins, k));
        }
        (s[0] + s[1]) + (s[2] + s[3])
    });
    partial.iter().sum()
}

/// A square matrix as Krylov methods and smoothers use it: row products
/// combined with what the caller does with them, in one pass.
pub trait Operator: Sync {
    /// Calls `f(first, y_part, ax_part)` for consecutive row ranges
    /// `first..first + y_part.len()`, with `ax_part` the rows' `(A x)`:
    /// `f` updates the rows of `y` from their products and returns a number;
    /// the numbers are summed in range order within fixed chunks and the
    /// chunks' sums added in order (rows independent, chunks in parallel when
    /// long: the same bits on any thread count). A range at a time, so that
    /// `f` runs a plain loop over slices the compiler vectorises.
    fn update_rows_sum<F>(&self, x: &[f64], y: &mut [f64], f: F) -> f64
    where
        F: Fn(usize, &mut [f64], &[f64]) -> f64 + Sync;

    /// [`Self::update_rows_sum`] for an `f` that returns nothing.
    fn update_rows<F: Fn(usize, &mut [f64], &[f64]) + Sync>(&self, x: &[f64], y: &mut [f64], f: F) {
        self.update_rows_sum(x, y, |first, y, ax| {
            f(first, y, ax);
            0.0
        });
    }
}

/// Rows per call of an [`Operator::update_rows`] closure (a stack buffer of products).
const PIECE: usize = 256;

/// [`Operator::update_rows_sum`] for an operator whose `product(lo, out)`
/// writes `(A x)_k` for rows `lo..lo + out.len()`: pieces of [`PIECE`] rows
/// within fixed parallel chunks, each piece's products in a stack buffer
/// handed to `f`.
pub(crate) fn update_rows_by_pieces(
    y: &mut [f64],
    product: impl Fn(usize, &mut [f64]) + Sync,
    f: impl Fn(usize, &mut [f64], &[f64]) -> f64 + Sync,
) -> f64 {
    let partial = par_chunks(y, |first, part| {
        let mut buf = [0.0; PIECE];
        let mut sum = 0.0;
        for (p, ys) in part.chunks_mut(PIECE).enumerate() {
            let lo = first + p * PIECE;
            let ax = &mut buf[..ys.len()];
            product(lo, ax);
            sum += f(lo, ys, ax);
        }
        sum
    });
    partial.iter().sum()
}

impl Operator for CsrMatrix {
    fn update_rows_sum<F>(&self, x: &[f64], y: &mut [f64], f: F) -> f64
    where
        F: Fn(usize, &mut [f64], &[f64]) -> f64 + Sync,
    {
        update_rows_by_pieces(y, |lo, out| self.product_rows(lo, x, out), f)
    }
}

/// `r = b − A x`.
pub(crate) fn residual(a: &impl Operator, b: &[f64], x: &[f64], r: &mut [f64]) {
    a.update_rows(x, r, |first, r, ax| {
        let b = rows_of(b, first, r.len());
        for ((ri, &axi), &bi) in r.iter_mut().zip(ax).zip(b) {
            *ri = bi - axi;
        }
    });
}

/// `r −= A x`.
fn subtract_product(a: &impl Operator, x: &[f64], r: &mut [f64]) {
    a.update_rows(x, r, |_, r, ax| {
        for (ri, &axi) in r.iter_mut().zip(ax) {
            *ri -= axi;
        }
    });
}

/// A preconditioner: `z ≈ A⁻¹ r`.
pub trait Preconditioner {
    /// Writes `z = M⁻¹ r` (`z` is overwritten).
    fn apply(&mut self, a: &CsrMatrix, r: &[f64], z: &mut [f64]) -> Result<(), SolveError>;

    /// [`Self::apply`], offered `scratch` (the system's length, contents
    /// undefined on entry and exit) to use instead of a work vector of its own,
    /// returning `rᵀz` (which CG needs next: a preconditioner may form it in
    /// its last pass instead of a pass of its own). The sum is deterministic
    /// (the same bits on any number of threads).
    fn apply_with_dot(
        &mut self,
        a: &CsrMatrix,
        r: &[f64],
        z: &mut [f64],
        scratch: &mut [f64],
    ) -> Result<f64, SolveError> {
        let _ = scratch;
        self.apply(a, r, z)?;
        Ok(dot(r, z))
    }
}

/// Diagonal (Jacobi) preconditioner.
pub struct Jacobi {
    inv_diag: Vec<f64>,
}

impl Jacobi {
    /// From the diagonal of `a` (non-positive entries are replaced by 1).
    pub fn new(a: &CsrMatrix) -> Self {
        let d = a.diagonal();
        Self {
            inv_diag: d
                .iter()
                .map(|&v| {
                    if v != 0.0 && v.is_finite() {
                        1.0 / v
                    } else {
                        1.0
                    }
                })
                .collect(),
        }
    }
}

impl Preconditioner for Jacobi {
    fn apply(&mut self, _a: &CsrMatrix, r: &[f64], z: &mut [f64]) -> Result<(), SolveError> {
        let d = &self.inv_diag;
        par_fill(z, |i| r[i] * d[i]);
        Ok(())
    }
}

/// How a Krylov iteration begins: already solved, or the initial residual.
enum Start {
    /// `b = 0` (then `x = 0`) or the first guess already meets the tolerance.
    Done(LinearStats),
    /// `‖b‖₂` and `‖r‖₂ / ‖b‖₂` (`r = b − A x₀` written to the caller's vector).
    Iterate { nb: f64, rel: f64 },
}

/// The common start of CG and BiCGStab: zero right-hand side, initial residual
/// `r = b − A x` (`r` holds `b` on entry; a zero first guess costs no
/// product), early exit when the first guess is good enough.
fn start(a: &impl Operator, x: &mut [f64], rtol: f64, r: &mut [f64]) -> Start {
    let nb = norm2(r);
    if nb == 0.0 {
        x.fill(0.0);
        return Start::Done(LinearStats {
            iterations: 0,
            relative_residual: 0.0,
        });
    }
    let zero_guess = if x.len() < PARALLEL_LEN {
        x.iter().all(|&v| v == 0.0)
    } else {
        x.par_iter().all(|&v| v == 0.0)
    };
    let rel = if zero_guess {
        1.0
    } else {
        subtract_product(a, x, r);
        norm2(r) / nb
    };
    if rel <= rtol {
        return Start::Done(LinearStats {
            iterations: 0,
            relative_residual: rel,
        });
    }
    Start::Iterate { nb, rel }
}

fn not_converged(solver: &'static str, rtol: f64, max_iterations: usize, rel: f64) -> SolveError {
    SolveError::LinearSolver {
        solver,
        reason: format!(
            "no convergence to {rtol:.1e} in {max_iterations} iterations (relative residual {rel:.2e})"
        ),
    }
}

/// Preconditioned conjugate gradients (Saad 2003, Algorithm 9.1).
///
/// `x` holds the first guess; stops when `‖b − A x‖₂ ≤ rtol ‖b‖₂` (recursively
/// updated residual). `solver` names the method in errors. The signature is
/// [`bicgstab`]'s, so callers can pick either; a solver called repeatedly keeps a [`Cg`].
pub fn pcg(
    a: &CsrMatrix,
    b: &[f64],
    x: &mut [f64],
    rtol: f64,
    max_iterations: usize,
    m: &mut dyn Preconditioner,
    solver: &'static str,
) -> Result<LinearStats, SolveError> {
    Cg::new(solver).solve(a, b, x, rtol, max_iterations, m)
}

/// Preconditioned conjugate gradients that keeps its vectors between solves
/// (no allocation, no fresh pages per solve): [`pcg`] for a solver called
/// repeatedly. [`Cg::solve_overwriting`] iterates on the right-hand side's own
/// vector, and the preconditioner is offered the product vector `A p` as
/// scratch (it is dead while `M⁻¹ r` is formed): a multigrid-preconditioned
/// solve then needs three vectors of the system's length besides `b` and `x`.
#[derive(Debug, Clone)]
pub struct Cg {
    solver: &'static str,
    r: Vec<f64>,
    z: Vec<f64>,
    p: Vec<f64>,
    ap: Vec<f64>,
}

impl Cg {
    /// CG named `solver` in errors.
    pub fn new(solver: &'static str) -> Self {
        Self {
            solver,
            r: Vec::new(),
            z: Vec::new(),
            p: Vec::new(),
            ap: Vec::new(),
        }
    }

    /// Solves `A x = b` from the first guess `x` to relative residual `rtol`
    /// in at most `max_iterations`, preconditioned by `m` (as [`pcg`]).
    pub fn solve(
        &mut self,
        a: &CsrMatrix,
        b: &[f64],
        x: &mut [f64],
        rtol: f64,
        max_iterations: usize,
        m: &mut dyn Preconditioner,
    ) -> Result<LinearStats, SolveError> {
        let mut r = std::mem::take(&mut self.r);
        par_copy_into(&mut r, b);
        let result = self.solve_overwriting(a, &mut r, x, rtol, max_iterations, m);
        self.r = r;
        result
    }

    /// [`Self::solve`] with the residual kept in `b`'s own vector (`b` is
    /// overwritten): one vector of the system's length fewer.
    pub fn solve_overwriting(
        &mut self,
        a: &CsrMatrix,
        b: &mut [f64],
        x: &mut [f64],
        rtol: f64,
        max_iterations: usize,
        m: &mut dyn Preconditioner,
    ) -> Result<LinearStats, SolveError> {
        self.solve_overwriting_with(a, a, b, x, rtol, max_iterations, m)
    }

    /// [`Self::solve_overwriting`] with CG's products `A p` taken by
    /// `product`, a form of `a` itself (such as its exact stencil form), while
    /// the preconditioner is handed `a`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn solve_overwriting_with(
        &mut self,
        product: &impl Operator,
        a: &CsrMatrix,
        b: &mut [f64],
        x: &mut [f64],
        rtol: f64,
        max_iterations: usize,
        m: &mut dyn Preconditioner,
    ) -> Result<LinearStats, SolveError> {
        let solver = self.solver;
        let Self { z, p, ap, .. } = self;
        let system = System { product, a };
        cg_iterate(system, x, rtol, m, b, [z, p, ap], solver, max_iterations)
    }
}

/// The matrix of a Krylov solve: the form its products are taken by, and the
/// CSR matrix handed to the preconditioner.
#[derive(Clone, Copy)]
struct System<'a, O> {
    product: &'a O,
    a: &'a CsrMatrix,
}

/// The CG iteration on the residual `r` (holding `b` on entry) and the vectors
/// `[z, p, ap]` (resized to the system).
#[allow(clippy::too_many_arguments)]
fn cg_iterate(
    System { product, a }: System<'_, impl Operator>,
    x: &mut [f64],
    rtol: f64,
    m: &mut dyn Preconditioner,
    r: &mut [f64],
    [z, p, ap]: [&mut Vec<f64>; 3],
    solver: &'static str,
    max_iterations: usize,
) -> Result<LinearStats, SolveError> {
    let n = r.len();
    let (nb, mut rel) = match start(product, x, rtol, r) {
        Start::Done(stats) => return Ok(stats),
        Start::Iterate { nb, rel } => (nb, rel),
    };
    for v in [&mut *z, &mut *p, &mut *ap] {
        v.resize(n, 0.0);
    }
    let mut rz = m.apply_with_dot(a, r, z, ap)?;
    par_copy(p, z);
    for it in 1..=max_iterations {
        // `A p` and `pᵀ A p` in one pass.
        let pap = product.update_rows_sum(p, ap, |first, ap, prod| {
            ap.copy_from_slice(prod);
            dot_serial(rows_of(p, first, ap.len()), ap)
        });
        if !(pap > 0.0 && pap.is_finite()) {
            return Err(SolveError::LinearSolver {
                solver,
                reason: format!(
                    "pᵀAp = {pap:.3e} at iteration {it}: the matrix (or preconditioner) is not \
                     positive definite — a node may have no path to a boundary"
                ),
            });
        }
        let alpha = rz / pap;
        // `x += α p`, `r −= α A p` and `rᵀr` in one pass (sums as zip_update_sum's).
        let parts = par_chunks_pair(r, x, |first, r, x| {
            let n = r.len();
            let (p, ap) = (rows_of(p, first, n), rows_of(ap, first, n));
            for (xi, &pi) in x.iter_mut().zip(p) {
                *xi += alpha * pi;
            }
            for (ri, &api) in r.iter_mut().zip(ap) {
                *ri -= alpha * api;
            }
            dot_interleaved(r, r)
        });
        let rr: f64 = parts.iter().sum();
        rel = rr.sqrt() / nb;
        if rel <= rtol {
            return Ok(LinearStats {
                iterations: it,
                relative_residual: rel,
            });
        }
        if !rel.is_finite() {
            break;
        }
        let rz_new = m.apply_with_dot(a, r, z, ap)?;
        let beta = rz_new / rz;
        rz = rz_new;
        zip_update(p, [&*z], |pi, [zi]| {
            *pi = zi + beta * *pi;
        });
    }
    Err(not_converged(solver, rtol, max_iterations, rel))
}

/// Right-preconditioned BiCGStab (van der Vorst 1992; Saad 2003, Algorithm 7.7).
///
/// For non-symmetric systems. `x` holds the first guess; stops when
/// `‖b − A x‖₂ ≤ rtol ‖b‖₂`.
pub fn bicgstab(
    a: &CsrMatrix,
    b: &[f64],
    x: &mut [f64],
    rtol: f64,
    max_iterations: usize,
    m: &mut dyn Preconditioner,
    solver: &'static str,
) -> Result<LinearStats, SolveError> {
    bicgstab_using(a, a, b, x, rtol, max_iterations, m, solver)
}

/// [`bicgstab`] with its products `A v` taken by `product`, a form of `a`
/// itself (such as its exact stencil form), while the preconditioner is
/// handed `a`. Each product and the dot product that follows it (`r̂ᵀv`, then
/// `tᵀt`) are one pass over the rows.
#[allow(clippy::too_many_arguments)]
pub(crate) fn bicgstab_using(
    product: &impl Operator,
    a: &CsrMatrix,
    b: &[f64],
    x: &mut [f64],
    rtol: f64,
    max_iterations: usize,
    m: &mut dyn Preconditioner,
    solver: &'static str,
) -> Result<LinearStats, SolveError> {
    let n = b.len();
    let mut r = b.to_vec();
    let (nb, mut rel) = match start(product, x, rtol, &mut r) {
        Start::Done(stats) => return Ok(stats),
        Start::Iterate { nb, rel } => (nb, rel),
    };
    let r_hat = r.clone();
    let (mut rho, mut alpha, mut omega) = (1.0f64, 1.0f64, 1.0f64);
    let mut v = vec![0.0; n];
    let mut p = vec![0.0; n];
    let mut p_hat = vec![0.0; n];
    let mut s = vec![0.0; n];
    let mut s_hat = vec![0.0; n];
    let mut t = vec![0.0; n];
    let breakdown = |what: &str, it: usize| SolveError::LinearSolver {
        solver,
        reason: format!("BiCGStab breakdown ({what}) at iteration {it}"),
    };
    for it in 1..=max_iterations {
        let rho_new = dot(&r_hat, &r);
        if rho_new == 0.0 || !rho_new.is_finite() {
            return Err(breakdown("ρ = 0", it));
        }
        let beta = (rho_new / rho) * (alpha / omega);
        rho = rho_new;
        zip_update(&mut p, [&r, &v], |pi, [ri, vi]| {
            *pi = ri + beta * (*pi - omega * vi);
        });
        m.apply(a, &p, &mut p_hat)?;
        let rv = product.update_rows_sum(&p_hat, &mut v, |first, v, prod| {
            v.copy_from_slice(prod);
            dot_serial(rows_of(&r_hat, first, v.len()), v)
        });
        if rv == 0.0 || !rv.is_finite() {
            return Err(breakdown("r̂ᵀv = 0", it));
        }
        alpha = rho / rv;
        let ss = zip_update_sum(&mut s, [&r, &v], |si, [ri, vi]| {
            *si = ri - alpha * vi;
            *si * *si
        });
        if ss.sqrt() / nb <= rtol {
            zip_update(x, [&p_hat], |xi, [pi]| {
                *xi += alpha * pi;
            });
            return Ok(LinearStats {
                iterations: it,
                relative_residual: ss.sqrt() / nb,
            });
        }
        m.apply(a, &s, &mut s_hat)?;
        // `t = A ŝ` and `tᵀt` in one pass.
        let tt = product.update_rows_sum(&s_hat, &mut t, |_, t, prod| {
            t.copy_from_slice(prod);
            dot_serial(t, t)
        });
        if tt == 0.0 || !tt.is_finite() {
            return Err(breakdown("tᵀt = 0", it));
        }
        omega = dot(&t, &s) / tt;
        if omega == 0.0 {
            return Err(breakdown("ω = 0", it));
        }
        zip_update(x, [&p_hat, &s_hat], |xi, [pi, si]| {
            *xi += alpha * pi + omega * si;
        });
        let rr = zip_update_sum(&mut r, [&s, &t], |ri, [si, ti]| {
            *ri = si - omega * ti;
            *ri * *ri
        });
        rel = rr.sqrt() / nb;
        if rel <= rtol {
            return Ok(LinearStats {
                iterations: it,
                relative_residual: rel,
            });
        }
        if !rel.is_finite() {
            break;
        }
    }
    Err(not_converged(solver, rtol, max_iterations, rel))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::solver::tests::laplacian_1d;

    /// Solving in `b`'s own vector gives the same bits as solving from a copy,
    /// from a zero first guess (no product at the start) and from a non-zero one.
    #[test]
    fn overwriting_the_right_hand_side_gives_the_same_solution() {
        let a = laplacian_1d(200, 0.1);
        let b: Vec<f64> = (0..200).map(|i| (i as f64 * 0.37).sin()).collect();
        for guess in [0.0, 0.5] {
            let mut x1 = vec![guess; 200];
            let mut x2 = x1.clone();
            let s1 = Cg::new("t")
                .solve(&a, &b, &mut x1, 1e-10, 500, &mut Jacobi::new(&a))
                .unwrap();
            let mut b2 = b.clone();
            let s2 = Cg::new("t")
                .solve_overwriting(&a, &mut b2, &mut x2, 1e-10, 500, &mut Jacobi::new(&a))
                .unwrap();
            assert_eq!(x1, x2);
            assert_eq!(s1.iterations, s2.iterations);
            let mut r = vec![0.0; 200];
            residual(&a, &b, &x1, &mut r);
            assert!(norm2(&r) <= 1.01e-10 * norm2(&b), "guess {guess}");
        }
    }
}
