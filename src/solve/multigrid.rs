//! Multigrid hierarchies and the multigrid-preconditioned conjugate gradient
//! solver for structured panel grids.
//!
//! # Geometric multigrid on cell-centred grids
//!
//! Each grid block of the network (a panel's cells, all unknowns) is coarsened
//! by 2 × 2 cell agglomeration: coarse cell `(I, J)` is the union of fine cells
//! `(2I..2I+1, 2J..2J+1)`; an odd row or column leaves a coarse cell one fine
//! cell wide. Unknowns outside grid blocks (lumped nodes) stay their own
//! coarse unknowns. Following the cell-centred multigrid of Trottenberg,
//! Oosterlee & Schüller (*Multigrid*, Academic Press, 2001, §2.8.4 and §5.3):
//!
//! - **prolongation** `P` is bilinear interpolation between cell centres
//!   (weights 9/16, 3/16, 3/16, 1/16 in the interior, computed from the actual
//!   centre positions so odd sizes and edges are exact for linear fields;
//!   constant extrapolation at the block's edge); lumped nodes are copied;
//! - **restriction** is `Pᵀ`, so the V-cycle is a symmetric preconditioner;
//! - the **coarse operator** is computed from the actual CSR matrix: the
//!   piecewise-constant Galerkin product `Σ_{i∈I, j∈J} A_ij` (so linear and
//!   radiative conductors, lumped nodes coupled to cells, radiation diagonals and
//!   `C/Δt` terms all carry over), with the couplings *between two cells of the
//!   same grid* scaled by ½ and the diagonal corrected so every row sum (the
//!   sinks) is kept. The plain piecewise-constant Galerkin product doubles the
//!   conductance between agglomerated cells (two fine conductors `k t Δy/Δx`
//!   cross a coarse face whose own conductance is `k t (2Δy)/(2Δx)`); the
//!   scaling makes it the rediscretised coarse operator, which restores the
//!   h-independent V-cycle convergence that plain aggregation loses
//!   (Trottenberg et al. §2.8.4; Braess, "Towards algebraic multigrid for
//!   elliptic problems of second order", *Computing* 55, 1995). The coarse
//!   operator stays a symmetric M-matrix with the fine row sums.
//! - **smoother**: Chebyshev polynomial in `D⁻¹A` (Adams, Brezina, Hu &
//!   Tuminaro, "Parallel multigrid smoothing: polynomial versus Gauss–Seidel",
//!   *J. Comput. Phys.* 188, 2003), the upper bound from Gershgorin's theorem;
//!   each step is one pass (a mat-vec and the update, the iterates alternating
//!   between two vectors), so it runs in parallel and gives the same bits on
//!   any number of threads;
//! - **coarsest level**: sparse Cholesky (faer), refactorised numerically only;
//! - **level operators**: the smoothers and residuals of every level with grid
//!   cells apply its single-precision 5-point stencil form
//!   ([`crate::solve::stencil`]; 12 bytes per row and pass instead of about
//!   84 for CSR), CG's own products the exact matrix (CSR, or its `f64`
//!   stencil form for a matrix that serves many solves). With diagonal
//!   updates the coarse levels keep only that form (the coarsest also its CSR
//!   for the factorisation), and their `f64` diagonals are chained level to
//!   level through the work vectors at each update.
//!
//! Measured V(2,2)-cycle convergence factors (stationary iteration, 128² cells,
//! Chebyshev degree 2): 0.17 with an area sink (radiation, `C/Δt`) and
//! insulated edges; 0.57 (128²) to 0.65 (256²) with fixed-temperature edges, whose half-cell edge
//! conductances the row-sum rule counts twice on coarse levels (CG
//! preconditioned by the cycle still converges in a few more iterations).
//!
//! The hierarchy's structure (aggregates, interpolation weights, coarse
//! patterns and the map from fine to coarse entries) is built once per
//! sparsity pattern; each new matrix (Newton iteration, time step) redoes only
//! the numeric coarse products, diagonals and the coarsest factorisation.
//!
//! The same machinery, with aggregates from [`crate::solve::amg`], serves the
//! algebraic multigrid.

use rayon::prelude::*;

use crate::error::SolveError;
use crate::network::{AssembledNetwork, CsrMatrix, GridBlock, GridShape};
use crate::solve::krylov::{
    dot, dot_interleaved, par_chunks, par_copy, par_copy_into, residual, rows_of, Cg, Operator,
    Preconditioner, PARALLEL_LEN,
};
use crate::solve::linear::{DirectSolver, LinearSolver, LinearStats};
use crate::solve::stencil::GridOperator;

/// Marks an absent index.
const NONE: u32 = u32::MAX;
/// Gather code: entry enters with weight 1.
const FULL: u32 = 0;
/// Gather code: entry enters with the coupling scale `s`.
const SCALED: u32 = 1 << 30;
/// Gather code: entry enters with `1 − s` (the diagonal correction).
const COMPLEMENT: u32 = 2 << 30;
/// Mask of the source position in a gather entry.
const SOURCE_MASK: u32 = (1 << 30) - 1;

/// Smoother of a multigrid level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Smoother {
    /// Chebyshev polynomial of `degree` in `D⁻¹A` over `[λ_max/ratio, λ_max]`
    /// (symmetric systems).
    Chebyshev {
        /// Polynomial degree (mat-vecs per smoothing).
        degree: usize,
        /// `λ_max / λ_min` of the interval smoothed.
        ratio: f64,
    },
    /// `sweeps` steps of damped Jacobi with weight `omega` (any system).
    Jacobi {
        /// Sweeps per smoothing.
        sweeps: usize,
        /// Damping weight.
        omega: f64,
    },
}

/// Options of a multigrid hierarchy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MultigridOptions {
    /// Pre- and post-smoother.
    pub smoother: Smoother,
    /// Stop coarsening at or below this many unknowns.
    pub coarsest_unknowns: usize,
    /// Largest coarsest level factorised directly; above it the coarsest level is smoothed.
    pub max_direct_unknowns: usize,
    /// Level limit.
    pub max_levels: usize,
    /// Scale of the coarse couplings that the Galerkin product over-counts
    /// (½ for 2 × 2 agglomeration of a grid).
    pub coupling_scale: f64,
}

impl Default for MultigridOptions {
    fn default() -> Self {
        Self {
            smoother: Smoother::Chebyshev {
                degree: 2,
                ratio: 8.0,
            },
            coarsest_unknowns: 1024,
            max_direct_unknowns: 40_000,
            max_levels: 30,
            coupling_scale: 0.5,
        }
    }
}

/// Interpolation of one fine index along one axis: `own` and optional neighbour.
#[derive(Debug, Clone, Copy)]
struct AxisWeight {
    own: u32,
    w_own: f64,
    nbr: u32,
    w_nbr: f64,
}

/// Cell-centred linear interpolation along one axis of `n` fine cells.
#[derive(Debug, Clone)]
struct Axis {
    /// Per fine index: the prolongation's weights (fine cells beyond the
    /// outermost coarse centres take that centre's value: weights stay
    /// non-negative, as the Galerkin products need).
    fine: Vec<AxisWeight>,
    /// Per fine index: the weights that interpolate a solution, extrapolating
    /// linearly beyond the outermost coarse centres (so a gradient at a fed
    /// edge is carried over, not flattened across the edge's half cell).
    solution: Vec<AxisWeight>,
    /// Per coarse index: fine indices and weights (the transpose), in fine order.
    coarse_ptr: Vec<usize>,
    coarse: Vec<(u32, f64)>,
}

impl Axis {
    fn new(n: usize) -> Self {
        let nc = n.div_ceil(2);
        let width = |c: usize| (n - 2 * c).min(2) as f64;
        let center = |c: usize| 2.0 * c as f64 + 0.5 * width(c);
        // Fine cell `i` from its own coarse cell and the neighbour on its side
        // (beyond the outermost centre: the inner neighbour when `extrapolate`,
        // with a negative weight, else none).
        let weights = |extrapolate: bool| -> Vec<AxisWeight> {
            (0..n)
                .map(|i| {
                    let own = i / 2;
                    let (xf, xc) = (i as f64 + 0.5, center(own));
                    let toward = |c: usize| (c, (xf - xc) / (center(c) - xc));
                    // The coarse cell on the fine cell's side, and the one opposite.
                    let (side, opposite) = if xf < xc {
                        (own.checked_sub(1), Some(own + 1))
                    } else {
                        (Some(own + 1), own.checked_sub(1))
                    };
                    let exists = |c: &usize| *c < nc;
                    let nbr = side
                        .filter(exists)
                        .or(opposite.filter(|c| extrapolate && exists(c)))
                        .filter(|_| xf != xc);
                    let (nbr, w) = nbr.map_or((own, 0.0), toward);
                    AxisWeight {
                        own: own as u32,
                        w_own: 1.0 - w,
                        nbr: nbr as u32,
                        w_nbr: w,
                    }
                })
                .collect()
        };
        let fine = weights(false);
        let solution = weights(true);
        let mut lists: Vec<Vec<(u32, f64)>> = vec![Vec::new(); nc];
        for (i, w) in fine.iter().enumerate() {
            lists[w.own as usize].push((i as u32, w.w_own));
            if w.w_nbr > 0.0 {
                lists[w.nbr as usize].push((i as u32, w.w_nbr));
            }
        }
        let mut coarse_ptr = vec![0];
        let mut coarse = Vec::new();
        for mut l in lists {
            l.sort_by_key(|e| e.0);
            coarse.extend(l);
            coarse_ptr.push(coarse.len());
        }
        Self {
            fine,
            solution,
            coarse_ptr,
            coarse,
        }
    }

    fn of_coarse(&self, c: usize) -> &[(u32, f64)] {
        &self.coarse[self.coarse_ptr[c]..self.coarse_ptr[c + 1]]
    }

    /// The coarse cells `c` that restrict exactly the fine cells
    /// `2c − 1 ..= 2c + 2`: all but those at the axis' ends.
    fn four_point_cells(&self) -> std::ops::Range<usize> {
        let count = self.coarse_ptr.len() - 1;
        let regular = |c: &usize| {
            let list = self.of_coarse(*c);
            list.len() == 4
                && list
                    .iter()
                    .enumerate()
                    .all(|(k, &(i, _))| i as usize + 1 == 2 * c + k)
        };
        regular_run(count, |c| regular(&c))
    }
}

/// The first run `start..end` of consecutive indices in `1..count` for which
/// `regular` holds (empty at `count` when there is none).
fn regular_run(count: usize, regular: impl Fn(usize) -> bool) -> std::ops::Range<usize> {
    let start = (1..count).find(|&c| regular(c)).unwrap_or(count);
    let end = (start..count).find(|&c| !regular(c)).unwrap_or(count);
    start..end
}

/// The coarse cells `c` of an axis whose fine cells `2c` and `2c + 1` both
/// interpolate from `c` and the coarse neighbour on their own side (`c − 1`,
/// `c + 1`): all but the cells at the axis' ends, whose weights differ.
fn interior_pairs(w: &[AxisWeight]) -> std::ops::Range<usize> {
    let regular = |c: usize| {
        let (even, odd) = (&w[2 * c], &w[2 * c + 1]);
        let c32 = c as u32;
        even.own == c32 && even.nbr + 1 == c32 && odd.own == c32 && odd.nbr == c32 + 1
    };
    regular_run(w.len() / 2, regular)
}

/// Bilinear transfer of one grid block.
#[derive(Debug, Clone)]
struct BlockTransfer {
    fine: GridBlock,
    coarse: GridBlock,
    ax: Axis,
    ay: Axis,
}

/// Transfer between a fine level and the next coarser one.
#[derive(Debug, Clone)]
struct Transfer {
    n_coarse: usize,
    /// Coarse unknown (aggregate) of each fine unknown.
    agg: Vec<u32>,
    /// Grid blocks, interpolated bilinearly.
    blocks: Vec<BlockTransfer>,
    /// Fine unknowns outside blocks (copied from their aggregate).
    loose_fine: Vec<u32>,
    /// Coarse unknowns outside blocks, with their fine members.
    loose_coarse: Vec<u32>,
    loose_ptr: Vec<usize>,
    loose_members: Vec<u32>,
}

impl Transfer {
    /// Geometric transfer: blocks agglomerated 2 × 2, other unknowns kept.
    fn geometric(n: usize, blocks: &[GridBlock]) -> Self {
        let mut sorted: Vec<GridBlock> = blocks
            .iter()
            .copied()
            .filter(|b| {
                b.shape.nx * b.shape.ny > 1 && b.first_unknown + b.shape.nx * b.shape.ny <= n
            })
            .collect();
        sorted.sort_by_key(|b| b.first_unknown);
        let mut agg = vec![NONE; n];
        let mut out_blocks = Vec::new();
        let (mut loose_fine, mut loose_coarse) = (Vec::new(), Vec::new());
        let mut next = 0usize;
        let mut i = 0usize;
        let mut bi = 0usize;
        while i < n {
            while bi < sorted.len() && sorted[bi].first_unknown < i {
                bi += 1; // overlapping block: ignored
            }
            if bi < sorted.len() && sorted[bi].first_unknown == i {
                let b = sorted[bi];
                let GridShape { nx, ny } = b.shape;
                let (ncx, ncy) = (nx.div_ceil(2), ny.div_ceil(2));
                for j in 0..ny {
                    for ii in 0..nx {
                        agg[i + j * nx + ii] = (next + (j / 2) * ncx + ii / 2) as u32;
                    }
                }
                out_blocks.push(BlockTransfer {
                    fine: b,
                    coarse: GridBlock {
                        first_unknown: next,
                        shape: GridShape { nx: ncx, ny: ncy },
                    },
                    ax: Axis::new(nx),
                    ay: Axis::new(ny),
                });
                next += ncx * ncy;
                i += nx * ny;
                bi += 1;
            } else {
                agg[i] = next as u32;
                loose_fine.push(i as u32);
                loose_coarse.push(next as u32);
                next += 1;
                i += 1;
            }
        }
        let loose_ptr = (0..=loose_fine.len()).collect();
        Self {
            n_coarse: next,
            agg,
            blocks: out_blocks,
            loose_members: loose_fine.clone(),
            loose_fine,
            loose_coarse,
            loose_ptr,
        }
    }

    /// Algebraic transfer: piecewise constant over the aggregates `agg`.
    pub(crate) fn aggregation(agg: Vec<u32>, n_coarse: usize) -> Self {
        let mut count = vec![0usize; n_coarse + 1];
        for &a in &agg {
            count[a as usize + 1] += 1;
        }
        for k in 0..n_coarse {
            count[k + 1] += count[k];
        }
        let mut fill = count.clone();
        let mut members = vec![0u32; agg.len()];
        for (i, &a) in agg.iter().enumerate() {
            members[fill[a as usize]] = i as u32;
            fill[a as usize] += 1;
        }
        Self {
            n_coarse,
            loose_fine: (0..agg.len() as u32).collect(),
            agg,
            blocks: Vec::new(),
            loose_coarse: (0..n_coarse as u32).collect(),
            loose_ptr: count,
            loose_members: members,
        }
    }

    /// Grid blocks of the coarse level.
    fn coarse_blocks(&self) -> Vec<GridBlock> {
        self.blocks
            .iter()
            .map(|b| b.coarse)
            .filter(|b| b.shape.nx * b.shape.ny > 1)
            .collect()
    }

    /// Writes the fine members of coarse unknown `c` into `out`, in increasing
    /// (fine) order: the up-to-2 × 2 cells of a block's coarse cell, or the
    /// members of a loose aggregate. The same lists as a counting sort of
    /// `agg` gives, without a pass over every fine unknown or a stored list for
    /// the blocks.
    fn members(&self, c: usize, out: &mut Vec<u32>) {
        out.clear();
        let k = self.blocks.partition_point(|b| b.coarse.first_unknown <= c);
        if let Some(b) = k.checked_sub(1).map(|k| &self.blocks[k]) {
            let GridShape { nx: ncx, ny: ncy } = b.coarse.shape;
            let local = c - b.coarse.first_unknown;
            if local < ncx * ncy {
                let GridShape { nx, ny } = b.fine.shape;
                let (ic, jc) = (local % ncx, local / ncx);
                for j in 2 * jc..(2 * jc + 2).min(ny) {
                    let row = b.fine.first_unknown + j * nx;
                    out.extend((row + 2 * ic..row + (2 * ic + 2).min(nx)).map(|i| i as u32));
                }
                return;
            }
        }
        let k = self.loose_coarse.partition_point(|&l| (l as usize) < c);
        if self.loose_coarse.get(k) == Some(&(c as u32)) {
            out.extend_from_slice(&self.loose_members[self.loose_ptr[k]..self.loose_ptr[k + 1]]);
        }
    }

    /// `acc[c] += Σ_{i∈c} f(i)` for every coarse unknown `c`, each sum taken
    /// term by term in fine order into `acc[c]` (the bits of a serial pass
    /// over the fine unknowns in order; coarse rows in parallel). `f` returns
    /// `None` for a fine unknown that adds nothing.
    fn add_by_aggregate(&self, f: impl Fn(usize) -> Option<f64> + Sync, acc: &mut [f64]) {
        par_chunks(acc, |first, part| {
            let mut members = Vec::with_capacity(4);
            for (k, v) in part.iter_mut().enumerate() {
                self.members(first + k, &mut members);
                let mut sum = *v;
                for &i in &members {
                    if let Some(x) = f(i as usize) {
                        sum += x;
                    }
                }
                *v = sum;
            }
        });
    }

    /// Block index of each fine unknown (NONE outside blocks).
    fn fine_block_of(&self, n: usize) -> Vec<u32> {
        let mut owner = vec![NONE; n];
        for (k, b) in self.blocks.iter().enumerate() {
            let len = b.fine.shape.nx * b.fine.shape.ny;
            owner[b.fine.first_unknown..b.fine.first_unknown + len].fill(k as u32);
        }
        owner
    }

    /// `rc = Pᵀ rf`. The bilinear `P` is the product of its axes'
    /// interpolations, so each coarse row is restricted in two passes: the
    /// fine rows of its `y` stencil combined into one row of `nx` values
    /// (contiguous, vectorised), then that row restricted along `x`.
    fn restrict(&self, rf: &[f64], rc: &mut [f64]) {
        for b in &self.blocks {
            let (nx, ncx) = (b.fine.shape.nx, b.coarse.shape.nx);
            let ff = b.fine.first_unknown;
            let len = ncx * b.coarse.shape.ny;
            let out = &mut rc[b.coarse.first_unknown..b.coarse.first_unknown + len];
            let four = b.ax.four_point_cells();
            let row = |combined: &mut Vec<f64>, (jc, o): (usize, &mut [f64])| {
                combined.clear();
                combined.resize(nx, 0.0);
                for &(j, wy) in b.ay.of_coarse(jc) {
                    let base = ff + j as usize * nx;
                    for (c, &r) in combined.iter_mut().zip(&rf[base..base + nx]) {
                        *c += wy * r;
                    }
                }
                let by_index = |ic: usize| -> f64 {
                    b.ax.of_coarse(ic)
                        .iter()
                        .map(|&(i, wx)| wx * combined[i as usize])
                        .sum()
                };
                for (ic, v) in o.iter_mut().enumerate().take(four.start) {
                    *v = by_index(ic);
                }
                // Interior cells at fixed offsets: coarse `c` from fine `2c − 1 ..= 2c + 2`
                // (the same terms summed in the same order).
                if four.start < four.end {
                    let fine = combined[2 * four.start - 1..].windows(4).step_by(2);
                    let (p0, p1) = (b.ax.coarse_ptr[four.start], b.ax.coarse_ptr[four.end]);
                    let weights = b.ax.coarse[p0..p1].chunks_exact(4);
                    for ((v, f), w) in o[four.clone()].iter_mut().zip(fine).zip(weights) {
                        *v = [w[0].1 * f[0], w[1].1 * f[1], w[2].1 * f[2], w[3].1 * f[3]]
                            .into_iter()
                            .sum();
                    }
                }
                for (ic, v) in o.iter_mut().enumerate().skip(four.end) {
                    *v = by_index(ic);
                }
            };
            // Parallel by the fine rows read (the work), not the coarse rows written.
            if nx * b.fine.shape.ny < PARALLEL_LEN {
                let mut combined = Vec::with_capacity(nx);
                out.chunks_mut(ncx)
                    .enumerate()
                    .for_each(|r| row(&mut combined, r));
            } else {
                out.par_chunks_mut(ncx)
                    .enumerate()
                    .for_each_init(|| Vec::with_capacity(nx), row);
            }
        }
        let members = |k: usize| -> f64 {
            self.loose_members[self.loose_ptr[k]..self.loose_ptr[k + 1]]
                .iter()
                .map(|&f| rf[f as usize])
                .sum()
        };
        if self.loose_coarse.len() == rc.len() && rc.len() >= PARALLEL_LEN {
            rc.par_iter_mut()
                .enumerate()
                .with_min_len(4096)
                .for_each(|(k, v)| *v = members(k));
        } else {
            for (k, &c) in self.loose_coarse.iter().enumerate() {
                rc[c as usize] = members(k);
            }
        }
    }

    /// `xf += P xc`.
    fn prolong_add(&self, xc: &[f64], xf: &mut [f64]) {
        self.interpolate_add(xc, xf, |axis| &axis.fine);
    }

    /// `xf += P xc` with the grid axes' `weights` (the prolongation's or the
    /// solution interpolation's).
    fn interpolate_add(
        &self,
        xc: &[f64],
        xf: &mut [f64],
        weights: impl Fn(&Axis) -> &[AxisWeight] + Sync,
    ) {
        for b in &self.blocks {
            let (ax, ay) = (weights(&b.ax), weights(&b.ay));
            let pairs = interior_pairs(ax);
            let nx = b.fine.shape.nx;
            let ncx = b.coarse.shape.nx;
            let cf = b.coarse.first_unknown;
            let len = nx * b.fine.shape.ny;
            let out = &mut xf[b.fine.first_unknown..b.fine.first_unknown + len];
            // Separable: the two coarse rows of fine row `j` combined along
            // `y` (contiguous), then interpolated along `x`.
            let row = |combined: &mut Vec<f64>, (j, o): (usize, &mut [f64])| {
                let wy = ay[j];
                let (r0, r1) = (cf + wy.own as usize * ncx, cf + wy.nbr as usize * ncx);
                combined.clear();
                combined.extend(
                    xc[r0..r0 + ncx]
                        .iter()
                        .zip(&xc[r1..r1 + ncx])
                        .map(|(&c0, &c1)| wy.w_own * c0 + wy.w_nbr * c1),
                );
                let (lo, hi) = (2 * pairs.start, 2 * pairs.end);
                let by_index = |o: &mut [f64], ax: &[AxisWeight]| {
                    for (v, wx) in o.iter_mut().zip(ax) {
                        *v += wx.w_own * combined[wx.own as usize]
                            + wx.w_nbr * combined[wx.nbr as usize];
                    }
                };
                by_index(&mut o[..lo], &ax[..lo]);
                // Interior pairs at fixed offsets: fine `2c` from `c` and `c − 1`,
                // `2c + 1` from `c` and `c + 1` (the same terms in the same order).
                if pairs.start < pairs.end {
                    let near = combined[pairs.start - 1..pairs.end + 1].windows(3);
                    for ((v, w), c) in o[lo..hi]
                        .chunks_exact_mut(2)
                        .zip(ax[lo..hi].chunks_exact(2))
                        .zip(near)
                    {
                        v[0] += w[0].w_own * c[1] + w[0].w_nbr * c[0];
                        v[1] += w[1].w_own * c[1] + w[1].w_nbr * c[2];
                    }
                }
                by_index(&mut o[hi..], &ax[hi..]);
            };
            if len < PARALLEL_LEN {
                let mut combined = Vec::with_capacity(ncx);
                out.chunks_mut(nx)
                    .enumerate()
                    .for_each(|r| row(&mut combined, r));
            } else {
                out.par_chunks_mut(nx)
                    .enumerate()
                    .for_each_init(|| Vec::with_capacity(ncx), row);
            }
        }
        if self.loose_fine.len() == xf.len() && xf.len() >= PARALLEL_LEN {
            let agg = &self.agg;
            xf.par_iter_mut()
                .enumerate()
                .with_min_len(4096)
                .for_each(|(i, v)| *v += xc[agg[i] as usize]);
        } else {
            for &f in &self.loose_fine {
                xf[f as usize] += xc[self.agg[f as usize] as usize];
            }
        }
    }
}

/// How the coarse matrix's values come from the fine one's: for each coarse
/// entry, a list of fine positions with a weight code.
#[derive(Debug, Clone)]
struct Gather {
    ptr: Vec<usize>,
    src: Vec<u32>,
}

/// Coarse rows built by one chunk of [`galerkin_structure`].
#[derive(Default)]
struct RowsPart {
    row_len: Vec<u32>,
    cols: Vec<u32>,
    values: Vec<f64>,
    gather_len: Vec<u32>,
    src: Vec<u32>,
}

/// Builds the coarse matrix of the (scaled) Galerkin product of `a`, with the
/// coupling scale `scale`, and — when `keep_gather` — the gather map that
/// recomputes its values from another matrix with `a`'s pattern.
///
/// `scaled(i, j)` says whether the coupling of fine `i` to fine `j` (in
/// different aggregates) enters with the coupling scale.
fn galerkin_structure(
    a: &CsrMatrix,
    t: &Transfer,
    scaled: impl Fn(usize, usize) -> bool + Sync,
    scale: f64,
    keep_gather: bool,
) -> Result<(CsrMatrix, Option<Gather>), SolveError> {
    if a.nnz() > SOURCE_MASK as usize {
        return Err(SolveError::LinearSolver {
            solver: "multigrid",
            reason: format!(
                "{} matrix entries exceed the multigrid limit of 2³⁰",
                a.nnz()
            ),
        });
    }
    let nc = t.n_coarse;
    let (rp, ci, av) = (a.row_ptr(), a.col_idx(), a.values());
    let weight = [1.0, scale, 1.0 - scale];
    // Coarse rows are built in chunks (in parallel), then joined in order.
    const ROWS: usize = 4096;
    let build = |k: usize| -> RowsPart {
        let rows = k * ROWS..((k + 1) * ROWS).min(nc);
        // Five-point grids give five coarse entries per row.
        let mut part = RowsPart {
            row_len: Vec::with_capacity(rows.len()),
            cols: Vec::with_capacity(5 * rows.len()),
            values: Vec::with_capacity(5 * rows.len()),
            ..RowsPart::default()
        };
        let mut members = Vec::with_capacity(4);
        let mut buf: Vec<(u32, u32)> = Vec::new();
        let (mut row_cols, mut row_sums): (Vec<u32>, Vec<f64>) = (Vec::new(), Vec::new());
        for c in rows {
            t.members(c, &mut members);
            if !keep_gather {
                // Values only: accumulate into the row's few distinct columns
                // (fine-entry order, so the sums do not depend on threads), then
                // sort those — far fewer than the entries gathered.
                row_cols.clear();
                row_sums.clear();
                let mut add = |col: u32, v: f64| match row_cols.iter().position(|&e| e == col) {
                    Some(k) => row_sums[k] += v,
                    None => {
                        row_cols.push(col);
                        row_sums.push(v);
                    }
                };
                for &i in &members {
                    let i = i as usize;
                    for p in rp[i]..rp[i + 1] {
                        let j = ci[p] as usize;
                        let cj = t.agg[j];
                        if cj as usize != c && scaled(i, j) {
                            add(cj, scale * av[p]);
                            add(c as u32, (1.0 - scale) * av[p]);
                        } else {
                            add(cj, av[p]);
                        }
                    }
                }
                // Insertion sort of the few columns, their sums alongside.
                for k in 1..row_cols.len() {
                    let mut m = k;
                    while m > 0 && row_cols[m - 1] > row_cols[m] {
                        row_cols.swap(m - 1, m);
                        row_sums.swap(m - 1, m);
                        m -= 1;
                    }
                }
                part.cols.extend_from_slice(&row_cols);
                part.values.extend_from_slice(&row_sums);
                part.row_len.push(row_cols.len() as u32);
                continue;
            }
            buf.clear();
            for &i in &members {
                let i = i as usize;
                for (p, &j) in ci.iter().enumerate().take(rp[i + 1]).skip(rp[i]) {
                    let cj = t.agg[j as usize];
                    if cj as usize != c && scaled(i, j as usize) {
                        buf.push((cj, p as u32 | SCALED));
                        buf.push((c as u32, p as u32 | COMPLEMENT));
                    } else {
                        buf.push((cj, p as u32 | FULL));
                    }
                }
            }
            buf.sort_unstable();
            let mut last = NONE;
            let mut cols = 0u32;
            for &(col, s) in &buf {
                if col != last {
                    part.cols.push(col);
                    part.values.push(0.0);
                    part.gather_len.push(0);
                    cols += 1;
                    last = col;
                }
                if let Some(v) = part.values.last_mut() {
                    *v += weight[(s >> 30) as usize] * av[(s & SOURCE_MASK) as usize];
                }
                if let Some(g) = part.gather_len.last_mut() {
                    *g += 1;
                }
                part.src.push(s);
            }
            part.row_len.push(cols);
        }
        part
    };
    let chunks = nc.div_ceil(ROWS);
    let parts: Vec<RowsPart> = if nc < PARALLEL_LEN {
        (0..chunks).map(build).collect()
    } else {
        (0..chunks).into_par_iter().map(build).collect()
    };
    // Offsets serially (a pass over the coarse rows), the entries copied in parallel.
    let mut row_ptr = Vec::with_capacity(nc + 1);
    row_ptr.push(0usize);
    for part in &parts {
        for &len in &part.row_len {
            row_ptr.push(row_ptr[row_ptr.len() - 1] + len as usize);
        }
    }
    let mut gptr = Vec::new();
    if keep_gather {
        gptr.reserve(row_ptr[nc] + 1);
        gptr.push(0usize);
        for part in &parts {
            for &len in &part.gather_len {
                gptr.push(gptr[gptr.len() - 1] + len as usize);
            }
        }
    }
    let col_idx = concat(parts.iter().map(|p| p.cols.as_slice()));
    let values = concat(parts.iter().map(|p| p.values.as_slice()));
    let src = concat(parts.iter().map(|p| p.src.as_slice()));
    drop(parts);
    // Each row's columns are distinct and sorted, and aggregates are below `nc`.
    let m = CsrMatrix::from_sorted_parts(row_ptr, col_idx, Some(values));
    Ok((m, keep_gather.then_some(Gather { ptr: gptr, src })))
}

/// The concatenation of `pieces`, copied in parallel when long (into zeroed
/// memory, so the fresh pages are first touched by the copying threads).
fn concat<'a, T: Copy + Default + Send + Sync + 'a>(
    pieces: impl Iterator<Item = &'a [T]>,
) -> Vec<T> {
    let pieces: Vec<&[T]> = pieces.collect();
    let total = pieces.iter().map(|p| p.len()).sum();
    if total < PARALLEL_LEN {
        return pieces.concat();
    }
    let mut out = vec![T::default(); total];
    let mut rest = out.as_mut_slice();
    let mut targets = Vec::with_capacity(pieces.len());
    for p in &pieces {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(p.len());
        targets.push(head);
        rest = tail;
    }
    targets
        .into_par_iter()
        .zip(pieces)
        .for_each(|(to, from)| to.copy_from_slice(from));
    out
}

impl Gather {
    /// Coarse values from fine values.
    fn apply(&self, fine: &[f64], coarse: &mut [f64], scale: f64) {
        let w = [1.0, scale, 1.0 - scale];
        let f = |q: usize| -> f64 {
            self.src[self.ptr[q]..self.ptr[q + 1]]
                .iter()
                .map(|&s| w[(s >> 30) as usize] * fine[(s & SOURCE_MASK) as usize])
                .sum()
        };
        if coarse.len() < PARALLEL_LEN {
            coarse.iter_mut().enumerate().for_each(|(q, v)| *v = f(q));
        } else {
            coarse
                .par_iter_mut()
                .enumerate()
                .with_min_len(4096)
                .for_each(|(q, v)| *v = f(q));
        }
    }
}

/// One step of nested iteration: a network coarsened by one level of the
/// geometric hierarchy (2 × 2 agglomeration of its grid blocks, lumped nodes
/// kept), and the bilinear prolongation back to the fine unknowns.
///
/// The coarse network's conductances are the scaled Galerkin product of the
/// fine ones — the same coarse operator as the hierarchy's (module docs), so
/// across a coarse face the conductance is the rediscretised `k t Δy/Δx` —
/// and its sinks, sources and capacities are the sums over each aggregate
/// ([`AssembledNetwork::coarsened`]). Its solution, interpolated, is a first
/// guess within the coarse grid's discretisation error of the fine one
/// (nested iteration: Trottenberg, Oosterlee & Schüller, *Multigrid*, 2001, §2.6).
pub(crate) struct CoarseNetwork {
    /// The coarse network.
    pub(crate) network: AssembledNetwork,
    /// The fine network's grid blocks (which alone, with its size, fix the transfer).
    fine_blocks: Vec<GridBlock>,
    transfer: Transfer,
    /// The diagonal of the Galerkin product of the fine conductances, which
    /// the coarse network drops: `Σ_{i,j∈c} G_ij + (1 − s) Σ_{i∈c, j∉c, same grid} G_ij`.
    inner: Vec<f64>,
    /// The coupling scale `s` of the Galerkin product.
    coupling_scale: f64,
}

impl CoarseNetwork {
    /// Coarsens `system`, or `None` when it has no grid block to coarsen (or
    /// coarsening would remove fewer than a tenth of the unknowns).
    pub(crate) fn new(system: &AssembledNetwork, coupling_scale: f64) -> Option<Self> {
        let (pattern, lin, rad) = system.row_couplings();
        let n = pattern.n();
        let fine_blocks = system.grid_blocks();
        let t = Transfer::geometric(n, &fine_blocks);
        if t.blocks.is_empty() || t.n_coarse * 10 > n * 9 {
            return None;
        }
        let owner = t.fine_block_of(n);
        // The pattern's values are the linear conductances, so the coarse
        // matrix's values are theirs; radiation between unknowns (rare) takes
        // a second product.
        let same_block = |i: usize, j: usize| owner[i] != NONE && owner[i] == owner[j];
        let (mut coarse, _) =
            galerkin_structure(pattern, &t, same_block, coupling_scale, false).ok()?;
        debug_assert!(std::ptr::eq(pattern.values(), lin));
        let lin_c = coarse.take_values();
        let rad_c = if rad.is_empty() {
            Vec::new()
        } else {
            let radiative = pattern.zeros_like().with_values(rad.to_vec());
            let (c, _) =
                galerkin_structure(&radiative, &t, same_block, coupling_scale, false).ok()?;
            c.values().to_vec()
        };
        let (network, inner) = system.coarsened(
            &t.agg,
            t.n_coarse,
            |c, out| t.members(c, out),
            &t.coarse_blocks(),
            coarse,
            lin_c,
            rad_c,
        )?;
        Some(Self {
            network,
            fine_blocks,
            transfer: t,
            inner,
            coupling_scale,
        })
    }

    /// Fine unknowns interpolated from coarse ones: bilinearly on grids
    /// (extrapolating linearly into the half cell beyond the outermost coarse
    /// centres, so the gradient at a heated edge carries over), copied elsewhere.
    pub(crate) fn prolong(&self, coarse: &[f64]) -> Vec<f64> {
        let mut fine = vec![0.0; self.transfer.agg.len()];
        self.transfer
            .interpolate_add(coarse, &mut fine, |axis| &axis.solution);
        fine
    }

    /// The first coarse level of the fine network's multigrid hierarchy, when
    /// couplings are constant: the same transfer, and the coarse pattern with
    /// its scaled Galerkin conductances (so the hierarchy need not rebuild
    /// them), with `fine`'s pattern and diagonal positions (`fine` the network
    /// this one coarsens: its matrices need not be searched for their diagonals).
    pub(crate) fn into_first_level(self, fine: &AssembledNetwork) -> Option<FirstLevel> {
        self.network.has_constant_couplings().then(|| {
            let (couplings, diagonal) = self.network.into_pattern();
            FirstLevel {
                fine_pattern: fine.row_couplings().0.pattern_only(),
                fine_diag: fine.diagonal_positions().to_vec(),
                fine_blocks: self.fine_blocks,
                transfer: self.transfer,
                couplings,
                diagonal,
                inner: self.inner,
                coupling_scale: self.coupling_scale,
            }
        })
    }
}

/// A hierarchy's first coarse level handed over by nested iteration
/// ([`CoarseNetwork::into_first_level`]): the transfer and the coarse
/// conductances `G_c` (the scaled Galerkin product of the fine ones, zero on
/// the diagonal).
pub(crate) struct FirstLevel {
    /// The fine network's pattern (no values), and the position of each of
    /// its rows' diagonal entries.
    fine_pattern: CsrMatrix,
    fine_diag: Vec<u32>,
    /// The fine network's grid blocks the transfer was built from.
    fine_blocks: Vec<GridBlock>,
    transfer: Transfer,
    couplings: CsrMatrix,
    /// Position of each coarse row's diagonal entry in `couplings`.
    diagonal: Vec<u32>,
    /// [`CoarseNetwork`]'s `inner`: the Galerkin diagonal of the conductances.
    inner: Vec<f64>,
    /// The coupling scale of the Galerkin product.
    coupling_scale: f64,
}

impl FirstLevel {
    /// The scaled Galerkin product of `a` (whose off-diagonal entries are minus
    /// the fine conductances: a Jacobian or `C/Δt + K` of a network with
    /// constant couplings), its diagonal's base and positions (as
    /// [`Hierarchy::update`] uses them), from `G_c` and one pass over `a`'s
    /// diagonal: off the diagonal `A_c = −G_c`; on it, `A_cc = Σ_{i∈c} a_ii +
    /// base_c` with `base_c = Σ_{i≠j∈c} a_ij + (1 − s) Σ_{i∈c, j∉c, same grid}
    /// a_ij = −inner_c`. (`inner_c` sums the same terms of `G = −a` in the same
    /// order, with the fine diagonal's zero conductances among them, and
    /// rounding is symmetric in sign: the same bits as summing `a`'s entries.)
    #[allow(clippy::type_complexity)]
    fn into_level(
        self,
        a: &CsrMatrix,
        a_diag: &[u32],
    ) -> Result<(Transfer, CsrMatrix, Vec<f64>, Vec<usize>), SolveError> {
        let Self {
            transfer: t,
            couplings: mut coarse,
            diagonal,
            inner,
            ..
        } = self;
        if diagonal.len() != t.n_coarse || inner.len() != t.n_coarse {
            return Err(unsuitable(
                "internal error: inconsistent first level".into(),
            ));
        }
        for v in coarse.values_mut() {
            *v = -*v;
        }
        let pos: Vec<usize> = diagonal.iter().map(|&p| p as usize).collect();
        let base: Vec<f64> = inner.iter().map(|&g| 0.0 - g).collect();
        let mut diag = base.clone();
        let v = a.values();
        t.add_by_aggregate(|i| Some(v[a_diag[i] as usize]), &mut diag);
        let values = coarse.values_mut();
        for (&p, &d) in pos.iter().zip(&diag) {
            values[p] = d;
        }
        Ok((t, coarse, base, pos))
    }
}

/// Work vectors of one coarse level (the fine level works on the caller's
/// vectors): its correction `x` and right-hand side `b`, and the smoother's
/// scratch `d`, which also holds the residual restricted to the next level.
#[derive(Debug, Clone)]
struct Work {
    x: Vec<f64>,
    b: Vec<f64>,
    d: Vec<f64>,
}

impl Work {
    fn new(n: usize) -> Self {
        Self {
            x: vec![0.0; n],
            b: vec![0.0; n],
            d: vec![0.0; n],
        }
    }
}

/// A coarse level's matrix: its CSR form (for Galerkin products and gather
/// updates, the next level's construction and the coarsest factorisation)
/// with, when the level has grid cells, its stencil form (for the V-cycle's
/// passes); or, under diagonal updates once the hierarchy is built, the
/// stencil form alone.
enum CoarseForm {
    Csr(CsrMatrix, Option<GridOperator>),
    Stencil(GridOperator),
}

/// A coarse level's matrix with its size.
struct CoarseMatrix {
    form: CoarseForm,
    /// Unknowns and stored entries (of the CSR form, also once released).
    n: usize,
    nnz: usize,
}

impl CoarseMatrix {
    fn new(csr: CsrMatrix, blocks: &[GridBlock]) -> Self {
        let stencil = GridOperator::new(&csr, blocks);
        Self {
            n: csr.n(),
            nnz: csr.nnz(),
            form: CoarseForm::Csr(csr, stencil),
        }
    }

    fn csr(&self) -> Result<&CsrMatrix, SolveError> {
        match &self.form {
            CoarseForm::Csr(csr, _) => Ok(csr),
            CoarseForm::Stencil(_) => Err(released()),
        }
    }

    fn csr_mut(&mut self) -> Result<&mut CsrMatrix, SolveError> {
        match &mut self.form {
            CoarseForm::Csr(csr, _) => Ok(csr),
            CoarseForm::Stencil(_) => Err(released()),
        }
    }

    /// Drops the CSR form when the stencil form can stand alone.
    fn release_csr(&mut self) {
        if let CoarseForm::Csr(_, stencil) = &mut self.form {
            if let Some(stencil) = stencil.take() {
                self.form = CoarseForm::Stencil(stencil);
            }
        }
    }

    /// The form the V-cycle's passes apply.
    fn operator(&self) -> LevelOperator<'_> {
        match &self.form {
            CoarseForm::Csr(_, Some(stencil)) | CoarseForm::Stencil(stencil) => {
                LevelOperator::Stencil(stencil)
            }
            CoarseForm::Csr(csr, None) => LevelOperator::Csr(csr),
        }
    }

    /// Sets the diagonal to `d` (the CSR form's entries at `pos`, or the
    /// stencil form's diagonal when it stands alone).
    fn set_diagonal(&mut self, pos: &[usize], d: &[f64]) {
        match &mut self.form {
            CoarseForm::Csr(csr, _) => {
                let values = csr.values_mut();
                for (&p, &v) in pos.iter().zip(d) {
                    values[p] = v;
                }
            }
            CoarseForm::Stencil(stencil) => {
                for (t, &v) in stencil.diagonal_mut().iter_mut().zip(d) {
                    *t = v as f32;
                }
            }
        }
    }

    /// Brings the stencil form up to date with new CSR values.
    fn refresh_stencil(&mut self) -> Result<(), SolveError> {
        match &mut self.form {
            CoarseForm::Csr(csr, Some(stencil)) => stencil.update(csr),
            _ => Ok(()),
        }
    }

    /// The smoother's inverse diagonal and Gershgorin bound of this level
    /// ([`csr_smoother_bounds`]); `sums` is scratch.
    fn smoother_bounds(&self, inv: &mut Vec<f32>, sums: &mut Vec<f64>) -> f64 {
        match &self.form {
            CoarseForm::Csr(csr, _) => csr_smoother_bounds(csr, None, inv),
            CoarseForm::Stencil(stencil) => {
                sums.resize(stencil.n(), 0.0);
                stencil.abs_row_sums(sums);
                inv.clear();
                inv.extend(stencil.diagonal().iter().map(|&d| 1.0 / d));
                sums.iter()
                    .zip(stencil.diagonal())
                    .fold(0.0, |g, (s, &d)| f64::max(g, s / f64::from(d)))
            }
        }
    }
}

fn released() -> SolveError {
    unsuitable("internal error: a released level's CSR form".into())
}

/// Writes the single-precision inverse diagonal of `m` into `inv` and returns
/// the Gershgorin bound `max_i Σ_j |a_ij| / a_ii` of `D⁻¹A` (rows in
/// parallel; the maximum is exact, so the bits do not depend on the thread count).
/// With `diag`, the positions of the diagonal entries, rows are read without
/// their column indices.
fn csr_smoother_bounds(m: &CsrMatrix, diag: Option<&[u32]>, inv: &mut Vec<f32>) -> f64 {
    let (rp, ci, v) = (m.row_ptr(), m.col_idx(), m.values());
    let ratio = |i: usize, inv: &mut f32| -> f64 {
        let row = &v[rp[i]..rp[i + 1]];
        let d = match diag {
            Some(diag) => v[diag[i] as usize],
            None => ci[rp[i]..rp[i + 1]]
                .iter()
                .zip(row)
                .rev()
                .find(|(&c, _)| c as usize == i)
                .map_or(0.0, |(_, &a)| a),
        };
        let sum = row.iter().fold(0.0, |s, a| s + a.abs());
        *inv = (1.0 / d) as f32;
        sum / d
    };
    inv.resize(m.n(), 0.0);
    if m.n() < PARALLEL_LEN {
        inv.iter_mut()
            .enumerate()
            .map(|(i, x)| ratio(i, x))
            .fold(0.0, f64::max)
    } else {
        inv.par_iter_mut()
            .enumerate()
            .with_min_len(4096)
            .map(|(i, x)| ratio(i, x))
            .reduce(|| 0.0, f64::max)
    }
}

/// How a coarse level's matrix follows a new fine matrix.
enum LevelUpdate {
    /// Recomputed from the fine values through the gather map.
    Gather(Gather),
    /// Only the diagonal moves: `A_cc = base_c + Σ_{i∈c} a_ii`, at positions `pos`.
    Diagonal { base: Vec<f64>, pos: Vec<usize> },
}

/// How a hierarchy coarsens.
#[derive(Debug, Clone)]
pub(crate) enum Coarsening {
    /// 2 × 2 agglomeration of these grid blocks; other unknowns kept.
    Geometric(Vec<GridBlock>),
    /// Algebraic aggregation with strength threshold θ.
    Algebraic { theta: f64 },
}

/// A multigrid hierarchy: structure built once per pattern, numeric values
/// updated per matrix.
pub struct Hierarchy {
    options: MultigridOptions,
    symmetric: bool,
    /// Fine pattern size, to detect a changed pattern.
    fine_n: usize,
    fine_nnz: usize,
    /// Position of each fine row's diagonal entry (found once: the fine
    /// level's diagonal updates read it every update).
    fine_diag: Vec<u32>,
    transfers: Vec<Transfer>,
    /// How each coarse level's matrix follows a new fine matrix.
    updates: Vec<LevelUpdate>,
    /// Coupling scale of each transfer.
    scales: Vec<f64>,
    /// Matrices of levels 1.. (level 0 is the caller's).
    mats: Vec<CoarseMatrix>,
    /// Inverse diagonal of every level, in single precision: the smoother
    /// only needs it approximately (the V-cycle stays one fixed symmetric
    /// operator), and each smoothing pass reads 4 bytes per row fewer.
    inv_diag: Vec<Vec<f32>>,
    lambda_max: Vec<f64>,
    /// Work vectors of levels 1.. (`work[l − 1]` is level `l`'s).
    work: Vec<Work>,
    /// The fine level's smoother scratch for [`Self::vcycle`] (callers of
    /// [`Self::vcycle_in`] lend their own).
    fine_scratch: Vec<f64>,
    coarsest: Option<DirectSolver>,
}

impl std::fmt::Debug for Hierarchy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hierarchy")
            .field("levels", &self.levels())
            .field("sizes", &self.sizes())
            .finish()
    }
}

fn unsuitable(reason: String) -> SolveError {
    SolveError::LinearSolver {
        solver: "multigrid",
        reason,
    }
}

impl Hierarchy {
    /// Builds the hierarchy for `a` (structure and numeric values).
    ///
    /// With `diagonal_updates`, later matrices are promised to differ from `a`
    /// only on the diagonal (a network with constant couplings:
    /// [`AssembledNetwork::has_constant_couplings`]); the hierarchy then keeps
    /// no gather maps and [`Self::update`] only moves coarse diagonals: the
    /// Galerkin diagonal of aggregate `c` is `Σ_{i∈c} a_ii` plus terms of the
    /// off-diagonal entries, so it changes by the sum of the fine diagonal's changes.
    pub(crate) fn new(
        a: &CsrMatrix,
        coarsening: &Coarsening,
        symmetric: bool,
        options: MultigridOptions,
        diagonal_updates: bool,
        mut first: Option<FirstLevel>,
    ) -> Result<Self, SolveError> {
        // The fine diagonal's positions come with nested iteration's first
        // level when `a` has its network's pattern.
        let known = first
            .as_mut()
            .filter(|f| f.fine_pattern.shares_pattern(a) && f.fine_diag.len() == a.n())
            .map(|f| std::mem::take(&mut f.fine_diag));
        let fine_diag = match known {
            Some(diag) => diag,
            None => fine_diagonal_positions(a)?,
        };
        let mut h = Self {
            options,
            symmetric,
            fine_n: a.n(),
            fine_nnz: a.nnz(),
            fine_diag,
            transfers: Vec::new(),
            updates: Vec::new(),
            scales: Vec::new(),
            mats: Vec::new(),
            inv_diag: Vec::new(),
            lambda_max: Vec::new(),
            work: Vec::new(),
            fine_scratch: Vec::new(),
            coarsest: None,
        };
        let mut blocks = match coarsening {
            Coarsening::Geometric(b) => b.clone(),
            Coarsening::Algebraic { .. } => Vec::new(),
        };
        loop {
            let level = h.mats.len();
            let cur = match level.checked_sub(1) {
                None => a,
                Some(k) => h.mats[k].csr()?,
            };
            let n = cur.n();
            if n <= options.coarsest_unknowns || level + 1 >= options.max_levels {
                break;
            }
            // Nested iteration's first level is this level's when it was
            // built from the same grid blocks of the same fine size (the
            // geometric transfer depends on nothing else).
            let seed = first.take().filter(|f| {
                level == 0
                    && diagonal_updates
                    && matches!(coarsening, Coarsening::Geometric(_))
                    && f.fine_blocks == blocks
                    && f.coupling_scale == options.coupling_scale
                    && f.transfer.agg.len() == n
                    && f.couplings.n() == f.transfer.n_coarse
                    && f.transfer.n_coarse > 0
                    && f.transfer.n_coarse * 10 <= n * 9
            });
            if let Some(seed) = seed {
                let scale = options.coupling_scale;
                let (transfer, coarse, base, pos) = seed.into_level(cur, &h.fine_diag)?;
                blocks = h.push_level(transfer, coarse, scale, LevelUpdate::Diagonal { base, pos });
                continue;
            }
            let (t, scale) = match coarsening {
                Coarsening::Geometric(_) => {
                    (Transfer::geometric(n, &blocks), options.coupling_scale)
                }
                Coarsening::Algebraic { theta } => {
                    let (agg, nc) = crate::solve::amg::aggregate(cur, *theta);
                    (Transfer::aggregation(agg, nc), options.coupling_scale)
                }
            };
            if t.n_coarse * 10 > n * 9 || t.n_coarse == 0 {
                break; // coarsening stalled
            }
            let keep_gather = !diagonal_updates;
            let (coarse, gather) = match coarsening {
                Coarsening::Geometric(_) => {
                    let owner = t.fine_block_of(n);
                    galerkin_structure(
                        cur,
                        &t,
                        |i, j| owner[i] != NONE && owner[i] == owner[j],
                        scale,
                        keep_gather,
                    )?
                }
                Coarsening::Algebraic { .. } => {
                    galerkin_structure(cur, &t, |_, _| scale != 1.0, scale, keep_gather)?
                }
            };
            let update = match gather {
                Some(g) => LevelUpdate::Gather(g),
                None => {
                    let pos = diagonal_positions(&coarse)?;
                    let mut base: Vec<f64> = pos.iter().map(|&p| coarse.values()[p]).collect();
                    if level == 0 {
                        add_diagonal_at(cur.values(), &h.fine_diag, &t, -1.0, &mut base);
                    } else {
                        add_diagonal_by_aggregate(cur, &t, -1.0, &mut base);
                    }
                    LevelUpdate::Diagonal { base, pos }
                }
            };
            blocks = h.push_level(t, coarse, scale, update);
        }
        if diagonal_updates {
            // Diagonal updates need no CSR values on levels whose stencil form
            // holds them; the coarsest keeps its CSR for the factorisation.
            let coarsest = h.mats.len().saturating_sub(1);
            for m in &mut h.mats[..coarsest] {
                m.release_csr();
            }
        }
        h.update_smoothers(a)?;
        h.factor_coarsest()?;
        Ok(h)
    }

    /// Appends a coarse level (its transfer from the finer level, matrix and
    /// coupling scale, and how later matrices update it); returns its grid blocks.
    fn push_level(
        &mut self,
        transfer: Transfer,
        coarse: CsrMatrix,
        scale: f64,
        update: LevelUpdate,
    ) -> Vec<GridBlock> {
        self.updates.push(update);
        let blocks = transfer.coarse_blocks();
        self.work.push(Work::new(transfer.n_coarse));
        self.transfers.push(transfer);
        self.scales.push(scale);
        self.mats.push(CoarseMatrix::new(coarse, &blocks));
        blocks
    }

    /// Number of levels (1 = the fine level alone).
    pub fn levels(&self) -> usize {
        self.mats.len() + 1
    }

    /// Unknowns per level, finest first.
    pub fn sizes(&self) -> Vec<usize> {
        std::iter::once(self.fine_n)
            .chain(self.mats.iter().map(|m| m.n))
            .collect()
    }

    /// Stored entries over all levels divided by the fine level's (operator complexity).
    pub fn operator_complexity(&self) -> f64 {
        let total: usize = self.mats.iter().map(|m| m.nnz).sum::<usize>() + self.fine_nnz;
        total as f64 / self.fine_nnz.max(1) as f64
    }

    /// True when `a` has the pattern size the structure was built for.
    pub(crate) fn fits(&self, a: &CsrMatrix) -> bool {
        a.n() == self.fine_n && a.nnz() == self.fine_nnz
    }

    /// Recomputes the numeric coarse operators for a new matrix with the same
    /// pattern (with diagonal updates: the same off-diagonal values too).
    pub(crate) fn update(&mut self, a: &CsrMatrix) -> Result<(), SolveError> {
        for l in 0..self.mats.len() {
            let (done, rest) = self.mats.split_at_mut(l);
            // A diagonal update leaves its level's f64 diagonal in that
            // level's work vector, where the next level reads it (a released
            // level's stencil holds it only in single precision).
            let (work_done, work_rest) = self.work.split_at_mut(l);
            let finer_diagonal = l
                .checked_sub(1)
                .filter(|&k| matches!(self.updates[k], LevelUpdate::Diagonal { .. }))
                .map(|k| work_done[k].d.as_slice());
            let coarse = &mut rest[0];
            match &self.updates[l] {
                LevelUpdate::Gather(g) => {
                    let fine = match l.checked_sub(1) {
                        None => a,
                        Some(k) => done[k].csr()?,
                    };
                    g.apply(
                        fine.values(),
                        coarse.csr_mut()?.values_mut(),
                        self.scales[l],
                    );
                }
                LevelUpdate::Diagonal { base, pos } => {
                    let acc = &mut work_rest[0].d;
                    acc.copy_from_slice(base);
                    let t = &self.transfers[l];
                    match (finer_diagonal, l.checked_sub(1)) {
                        (Some(d), _) => t.add_by_aggregate(|i| Some(d[i]), acc),
                        (None, None) => add_diagonal_at(a.values(), &self.fine_diag, t, 1.0, acc),
                        (None, Some(k)) => add_diagonal_by_aggregate(done[k].csr()?, t, 1.0, acc),
                    }
                    coarse.set_diagonal(pos, acc);
                }
            }
            coarse.refresh_stencil()?;
        }
        self.update_smoothers(a)?;
        self.factor_coarsest()
    }

    /// Inverse diagonals and Gershgorin bounds `max_i Σ_j |a_ij| / a_ii` of every
    /// level (rows in parallel; the maximum is exact, so the bits do not depend
    /// on the thread count), into the vectors of the previous update.
    fn update_smoothers(&mut self, a: &CsrMatrix) -> Result<(), SolveError> {
        let levels = self.levels();
        self.inv_diag.resize_with(levels, Vec::new);
        self.lambda_max.resize(levels, 0.0);
        let mut sums = Vec::new();
        for l in 0..levels {
            let inv = &mut self.inv_diag[l];
            let gersh = match l.checked_sub(1) {
                None => csr_smoother_bounds(a, Some(&self.fine_diag), inv),
                Some(k) => self.mats[k].smoother_bounds(inv, &mut sums),
            };
            // 1/d is positive and finite exactly when d is positive and
            // within single precision's range (about 1e-38 to 3e38).
            if let Some(i) = inv.iter().position(|x| !(*x > 0.0 && x.is_finite())) {
                let d = 1.0 / f64::from(inv[i]);
                return Err(unsuitable(format!(
                    "diagonal entry {d:e} of row {i} on level {l} is not a positive \
                     conductance sum above 1e-38 W/K: the matrix is not an M-matrix \
                     (a node may have no conductor)"
                )));
            }
            self.lambda_max[l] = gersh;
        }
        Ok(())
    }

    fn factor_coarsest(&mut self) -> Result<(), SolveError> {
        let Some(last) = self.mats.last() else {
            self.coarsest = None;
            return Ok(());
        };
        let last = last.csr()?;
        if last.n() > self.options.max_direct_unknowns {
            self.coarsest = None;
            return Ok(());
        }
        let solver = self
            .coarsest
            .get_or_insert_with(|| DirectSolver::new(self.symmetric));
        solver.factorize(last)
    }

    /// One V-cycle from a zero first guess: `x ≈ A⁻¹ b` (`a` the fine matrix).
    pub fn vcycle(&mut self, a: &CsrMatrix, b: &[f64], x: &mut [f64]) -> Result<(), SolveError> {
        self.vcycle_using(a, None, b, x)
    }

    /// [`Self::vcycle`] with the fine level's passes on `fine`, the stencil
    /// form of `a`, when given.
    fn vcycle_using(
        &mut self,
        a: &CsrMatrix,
        fine: Option<&GridOperator>,
        b: &[f64],
        x: &mut [f64],
    ) -> Result<(), SolveError> {
        let mut scratch = std::mem::take(&mut self.fine_scratch);
        scratch.resize(a.n(), 0.0);
        let result = self.vcycle_in(a, fine, b, x, &mut scratch);
        self.fine_scratch = scratch;
        result.map(|_| ())
    }

    /// [`Self::vcycle`] with the fine level's smoother scratch `d` supplied by
    /// the caller (length `a.n()`; contents undefined on entry and exit), and
    /// optionally the stencil form of `a` for the fine level's passes.
    /// Returns `bᵀx`, formed in the last smoothing pass when it can be.
    pub(crate) fn vcycle_in(
        &mut self,
        a: &CsrMatrix,
        fine: Option<&GridOperator>,
        b: &[f64],
        x: &mut [f64],
        d_fine: &mut [f64],
    ) -> Result<f64, SolveError> {
        let levels = self.levels();
        let smoother = self.options.smoother;
        for l in 0..levels - 1 {
            let m = level_operator(l, a, fine, &self.mats);
            let (head, tail) = self.work.split_at_mut(l);
            let (xl, bl, d) = level_vectors(l, &mut x[..], b, &mut d_fine[..], head);
            smooth(
                &m,
                &self.inv_diag[l],
                self.lambda_max[l],
                smoother,
                xl,
                bl,
                d,
                true,
            );
            residual(&m, bl, xl, d);
            self.transfers[l].restrict(d, &mut tail[0].b);
        }
        let last = levels - 1;
        {
            let m = level_operator(last, a, fine, &self.mats);
            let (xl, bl, d) = level_vectors(last, &mut x[..], b, &mut d_fine[..], &mut self.work);
            match &self.coarsest {
                Some(direct) if last > 0 => direct.solve_factored(bl, xl)?,
                _ => {
                    smooth(
                        &m,
                        &self.inv_diag[last],
                        self.lambda_max[last],
                        smoother,
                        xl,
                        bl,
                        d,
                        true,
                    );
                }
            }
        }
        let mut fine_dot = None;
        for l in (0..levels - 1).rev() {
            let m = level_operator(l, a, fine, &self.mats);
            let (head, tail) = self.work.split_at_mut(l);
            let (xl, bl, d) = level_vectors(l, &mut x[..], b, &mut d_fine[..], head);
            self.transfers[l].prolong_add(&tail[0].x, xl);
            fine_dot = smooth(
                &m,
                &self.inv_diag[l],
                self.lambda_max[l],
                smoother,
                xl,
                bl,
                d,
                false,
            );
        }
        Ok(fine_dot.unwrap_or_else(|| dot(b, x)))
    }
}

/// Level `l`'s correction, right-hand side and smoother scratch: the caller's
/// on the fine level (`l = 0`), else those in `coarse[l − 1]` (the work vectors
/// of levels `1 ..= l`).
fn level_vectors<'a>(
    l: usize,
    x: &'a mut [f64],
    b: &'a [f64],
    d_fine: &'a mut [f64],
    coarse: &'a mut [Work],
) -> (&'a mut [f64], &'a [f64], &'a mut [f64]) {
    match l.checked_sub(1) {
        None => (x, b, d_fine),
        Some(k) => {
            let Work { x, b, d } = &mut coarse[k];
            (x, b, d)
        }
    }
}

/// Level `l`'s matrix as its passes apply it: the stencil form when there is
/// one (on the fine level, the caller's), else the CSR matrix.
fn level_operator<'a>(
    l: usize,
    a: &'a CsrMatrix,
    fine: Option<&'a GridOperator>,
    mats: &'a [CoarseMatrix],
) -> LevelOperator<'a> {
    match (l.checked_sub(1), fine) {
        (None, Some(stencil)) => LevelOperator::Stencil(stencil),
        (None, None) => LevelOperator::Csr(a),
        (Some(k), _) => mats[k].operator(),
    }
}

/// A level's matrix in the form its passes use.
enum LevelOperator<'a> {
    Csr(&'a CsrMatrix),
    Stencil(&'a GridOperator),
}

impl Operator for LevelOperator<'_> {
    fn update_rows_sum<F>(&self, x: &[f64], y: &mut [f64], f: F) -> f64
    where
        F: Fn(usize, &mut [f64], &[f64]) -> f64 + Sync,
    {
        match self {
            Self::Csr(m) => m.update_rows_sum(x, y, f),
            Self::Stencil(s) => s.update_rows_sum(x, y, f),
        }
    }
}

/// `acc[agg[i]] += sign · a_ii` for every row `i` of `fine`, in row order per
/// coarse unknown (so the sums have the same bits on any thread count): the
/// part of a Galerkin coarse diagonal that comes from the fine diagonal.
fn add_diagonal_by_aggregate(fine: &CsrMatrix, t: &Transfer, sign: f64, acc: &mut [f64]) {
    let v = fine.values();
    t.add_by_aggregate(|i| fine.position(i, i).map(|p| sign * v[p]), acc);
}

/// [`add_diagonal_by_aggregate`] with the diagonal's positions `diag` known:
/// `acc[agg[i]] += sign · values[diag[i]]`, in row order (the same bits).
fn add_diagonal_at(values: &[f64], diag: &[u32], t: &Transfer, sign: f64, acc: &mut [f64]) {
    t.add_by_aggregate(|i| Some(sign * values[diag[i] as usize]), acc);
}

/// Position of each row's diagonal entry of the fine matrix `a` (rows in
/// parallel), or an error naming a row without one.
fn fine_diagonal_positions(a: &CsrMatrix) -> Result<Vec<u32>, SolveError> {
    let find = |i: usize| {
        a.position(i, i)
            .and_then(|p| u32::try_from(p).ok())
            .ok_or_else(|| unsuitable(format!("row {i} has no diagonal entry")))
    };
    if a.n() < PARALLEL_LEN {
        (0..a.n()).map(find).collect()
    } else {
        (0..a.n())
            .into_par_iter()
            .with_min_len(4096)
            .map(find)
            .collect()
    }
}

/// Position of each row's diagonal entry (rows in parallel), or an error
/// naming a row without one.
fn diagonal_positions(m: &CsrMatrix) -> Result<Vec<usize>, SolveError> {
    let find = |i: usize| {
        m.position(i, i)
            .ok_or_else(|| unsuitable(format!("row {i} has no diagonal entry")))
    };
    if m.n() < PARALLEL_LEN {
        (0..m.n()).map(find).collect()
    } else {
        (0..m.n())
            .into_par_iter()
            .with_min_len(4096)
            .map(find)
            .collect()
    }
}

/// Smooths `A x = b` with scratch `d` (`x` is the guess unless `zero_guess`).
///
/// Each step is one pass in the two-term form `x_{k+1} = x_k + c₁ (x_k −
/// x_{k−1}) + c₂ D⁻¹ (b − A x_k)`, written over `x_{k−1}` (read at its own row
/// only): the iterates alternate between `x` and `d`, with no separate
/// correction vector and no `x += d` pass ([`StepCoefficients`]: Saad's
/// Chebyshev correction `d_{k−1} = x_k − x_{k−1}` substituted). The result
/// ends in `x` (copied there after an odd number of steps). Returns `bᵀx`
/// when the last pass formed it (a product pass that wrote `x`).
#[allow(clippy::too_many_arguments)]
fn smooth(
    a: &impl Operator,
    inv_diag: &[f32],
    lambda_max: f64,
    smoother: Smoother,
    x: &mut [f64],
    b: &[f64],
    d: &mut [f64],
    zero_guess: bool,
) -> Option<f64> {
    let (count, coefficients) = StepCoefficients::of(smoother, lambda_max);
    let (mut cur, mut other): (&mut [f64], &mut [f64]) = (x, d);
    let mut last_dot = None;
    for (k, (c1, c2)) in coefficients.take(count).enumerate() {
        if k == 0 && zero_guess {
            // `x₁ = c₂ D⁻¹ b` from `x₀ = 0`: no product.
            scaled_jacobi_step(other, inv_diag, c2, b);
            last_dot = None;
        } else {
            // The first step has no `x_{k−1}`; the second's is the zero guess.
            let fresh = k == 0 || (k == 1 && zero_guess);
            let pass = smoother_step(c1, c2, cur, b, inv_diag, fresh);
            last_dot = Some(a.update_rows_sum(cur, other, pass));
        }
        std::mem::swap(&mut cur, &mut other);
    }
    if count % 2 == 1 {
        // The last iterate is in `d`.
        par_copy(other, cur);
        return None;
    }
    last_dot
}

/// The coefficients `(c₁, c₂)` of a smoother's steps, in order: Chebyshev on
/// `D⁻¹A` over `[λmax/ratio, λmax]` (Saad 2003, Alg. 12.1: `c₂ = 1/θ` first,
/// then `ρ_k = 1/(2σ − ρ_{k−1})`, `c₁ = ρ_k ρ_{k−1}`, `c₂ = 2ρ_k/δ` with
/// `ρ₀ = 1/σ`), or damped Jacobi (`c₁ = 0`, `c₂ = ω`).
enum StepCoefficients {
    Chebyshev {
        theta: f64,
        delta: f64,
        rho: Option<f64>,
    },
    Jacobi {
        omega: f64,
    },
}

impl StepCoefficients {
    /// The steps of `smoother` on a level whose `D⁻¹A` is bounded by
    /// `lambda_max`, and their number.
    fn of(smoother: Smoother, lambda_max: f64) -> (usize, Self) {
        match smoother {
            Smoother::Chebyshev { degree, ratio } => {
                let lo = lambda_max / ratio;
                let theta = 0.5 * (lambda_max + lo);
                let delta = 0.5 * (lambda_max - lo);
                let rho = None;
                (degree.max(1), Self::Chebyshev { theta, delta, rho })
            }
            Smoother::Jacobi { sweeps, omega } => (sweeps.max(1), Self::Jacobi { omega }),
        }
    }
}

impl Iterator for StepCoefficients {
    type Item = (f64, f64);

    fn next(&mut self) -> Option<(f64, f64)> {
        Some(match self {
            Self::Chebyshev { theta, delta, rho } => {
                let sigma = *theta / *delta;
                match *rho {
                    None => {
                        *rho = Some(1.0 / sigma);
                        (0.0, 1.0 / *theta)
                    }
                    Some(previous) => {
                        let next = 1.0 / (2.0 * sigma - previous);
                        *rho = Some(next);
                        (next * previous, 2.0 * next / *delta)
                    }
                }
            }
            Self::Jacobi { omega } => (0.0, *omega),
        })
    }
}

/// The rows of one smoother pass: `y ← x_{k+1} = x_k + c₁ (x_k − x_{k−1}) +
/// c₂ D⁻¹ (b − A x_k)` from the products `ax`, the iterate `cur = x_k` and `y`
/// holding `x_{k−1}` — unless `fresh` (then `x_{k−1} = 0`, or unused when
/// `c₁ = 0`: `y` is not read). Returns the rows' `Σ b_i y_i` (four
/// interleaved partial sums, [`dot_interleaved`]).
fn smoother_step<'a>(
    c1: f64,
    c2: f64,
    cur: &'a [f64],
    b: &'a [f64],
    inv_diag: &'a [f32],
    fresh: bool,
) -> impl Fn(usize, &mut [f64], &[f64]) -> f64 + Sync + 'a {
    move |first, y, ax| {
        let n = y.len();
        let (inv, b, xk) = (
            &inv_diag[first..first + n],
            rows_of(b, first, n),
            rows_of(cur, first, n),
        );
        let rows = y.iter_mut().zip(ax).zip(inv).zip(b).zip(xk);
        // The step, then its `bᵀy` (two loops the compiler vectorises; the
        // piece is still in cache for the second).
        if fresh {
            for ((((yi, &axi), &inv), &bi), &xi) in rows {
                *yi = xi + c1 * xi + c2 * f64::from(inv) * (bi - axi);
            }
        } else {
            for ((((yi, &axi), &inv), &bi), &xi) in rows {
                *yi = xi + c1 * (xi - *yi) + c2 * f64::from(inv) * (bi - axi);
            }
        }
        dot_interleaved(b, y)
    }
}

/// `out_i = c b_i / a_ii` with the level's `f32` inverse diagonal: a
/// smoother's first step from a zero guess.
fn scaled_jacobi_step(out: &mut [f64], inv_diag: &[f32], c: f64, b: &[f64]) {
    par_chunks(out, |first, part| {
        let n = part.len();
        let (inv, b) = (&inv_diag[first..first + n], rows_of(b, first, n));
        for ((o, &inv), &bi) in part.iter_mut().zip(inv).zip(b) {
            *o = c * f64::from(inv) * bi;
        }
    });
}

/// V-cycle preconditioner over a hierarchy, with the fine matrix's stencil
/// form when there is one.
pub(crate) struct VCycle<'h> {
    pub(crate) hierarchy: &'h mut Hierarchy,
    pub(crate) fine: Option<&'h GridOperator>,
}

impl<'h> VCycle<'h> {
    /// The V-cycle of `hierarchy`, whose fine passes use the CSR matrix.
    pub(crate) fn new(hierarchy: &'h mut Hierarchy) -> Self {
        Self {
            hierarchy,
            fine: None,
        }
    }
}

impl Preconditioner for VCycle<'_> {
    fn apply(&mut self, a: &CsrMatrix, r: &[f64], z: &mut [f64]) -> Result<(), SolveError> {
        self.hierarchy.vcycle_using(a, self.fine, r, z)
    }

    fn apply_with_dot(
        &mut self,
        a: &CsrMatrix,
        r: &[f64],
        z: &mut [f64],
        scratch: &mut [f64],
    ) -> Result<f64, SolveError> {
        self.hierarchy.vcycle_in(a, self.fine, r, z, scratch)
    }
}

/// Conjugate gradients preconditioned by a geometric multigrid V-cycle, for the
/// symmetric systems of networks made mostly of structured grids.
pub struct MultigridCg {
    blocks: Vec<GridBlock>,
    options: MultigridOptions,
    constant_couplings: bool,
    first_level: Option<FirstLevel>,
    hierarchy: Option<Hierarchy>,
    /// Stencil form of the last prepared matrix (when it has grid cells).
    stencil: Option<GridOperator>,
    /// Build [`Self::exact`] for matrices that serve many solves.
    exact_products: bool,
    /// The last prepared matrix in exact (`f64`) stencil form, for CG's products.
    exact: Option<GridOperator<f64>>,
    cg: Cg,
    /// Right-hand side copy of [`Self::solve_prepared`] (CG overwrites it).
    rhs: Vec<f64>,
    /// Iteration limit of CG.
    pub max_iterations: usize,
}

impl MultigridCg {
    /// A solver for a system whose grid blocks are `blocks`
    /// (from [`crate::network::AssembledNetwork::grid_blocks`]).
    pub fn new(blocks: Vec<GridBlock>, options: MultigridOptions) -> Self {
        Self {
            blocks,
            options,
            constant_couplings: false,
            first_level: None,
            hierarchy: None,
            stencil: None,
            exact_products: false,
            exact: None,
            cg: Cg::new("multigrid-cg"),
            rhs: Vec::new(),
            max_iterations: 500,
        }
    }

    /// Promises that every matrix solved differs from the first only on its
    /// diagonal ([`AssembledNetwork::has_constant_couplings`]: Newton
    /// Jacobians and `C/Δt + K` of such a network). The hierarchy then keeps no
    /// gather maps (less memory) and each new matrix only moves the coarse
    /// diagonals (less time).
    pub fn with_constant_couplings(mut self, constant: bool) -> Self {
        self.constant_couplings = constant;
        self
    }

    /// Takes CG's products with an exact (`f64`) stencil form of each prepared
    /// matrix that has grid cells and symmetric grid couplings: 24 bytes per
    /// row in three contiguous arrays against CSR's interleaved 40 bytes of
    /// values (a vectorised loop, about half the time per product), for one
    /// pass and 24 bytes per row more at each [`Self::prepare`]. Worth it when
    /// a matrix serves many solves (a transient's kept Jacobian), not for a
    /// steady Newton that prepares a new matrix every few CG iterations.
    pub fn with_exact_stencil_products(mut self, exact: bool) -> Self {
        self.exact_products = exact;
        self
    }

    /// Builds the hierarchy's first coarse level from `first` (nested
    /// iteration's coarse network) instead of from the matrix.
    pub(crate) fn with_first_level(mut self, first: Option<FirstLevel>) -> Self {
        self.first_level = first;
        self
    }

    /// The hierarchy built by the last solve, if any.
    pub fn hierarchy(&self) -> Option<&Hierarchy> {
        self.hierarchy.as_ref()
    }

    /// Solves `a x = b` to `rtol` with the hierarchy (and stencil form) of
    /// the last [`Self::prepare`], which must have been of `a`.
    pub(crate) fn solve_prepared(
        &mut self,
        a: &CsrMatrix,
        b: &[f64],
        x: &mut [f64],
        rtol: f64,
    ) -> Result<LinearStats, SolveError> {
        let mut r = std::mem::take(&mut self.rhs);
        par_copy_into(&mut r, b);
        let result = self.solve_prepared_overwriting(a, &mut r, x, rtol);
        self.rhs = r;
        result
    }

    /// [`Self::solve_prepared`] iterating on `b`'s own vector (overwritten).
    fn solve_prepared_overwriting(
        &mut self,
        a: &CsrMatrix,
        b: &mut [f64],
        x: &mut [f64],
        rtol: f64,
    ) -> Result<LinearStats, SolveError> {
        let Some(hierarchy) = self.hierarchy.as_mut() else {
            return Err(unsuitable("internal error: no hierarchy".into()));
        };
        let fine = self.stencil.as_ref();
        let mut v_cycle = VCycle { hierarchy, fine };
        let limit = self.max_iterations;
        match &self.exact {
            Some(exact) => {
                self.cg
                    .solve_overwriting_with(exact, a, b, x, rtol, limit, &mut v_cycle)
            }
            None => self
                .cg
                .solve_overwriting(a, b, x, rtol, limit, &mut v_cycle),
        }
    }

    /// Builds the hierarchy for `a`, or updates its numeric values.
    pub fn prepare(&mut self, a: &CsrMatrix) -> Result<&mut Hierarchy, SolveError> {
        match &mut self.hierarchy {
            Some(h) if h.fits(a) => {
                if let Some(stencil) = &mut self.stencil {
                    stencil.update(a)?;
                }
                // Couplings that lost their symmetry: CG's products go back to CSR.
                if self.exact.as_mut().is_some_and(|e| e.update(a).is_err()) {
                    self.exact = None;
                }
                h.update(a)?
            }
            _ => {
                self.stencil = GridOperator::new(a, &self.blocks);
                self.exact = if self.exact_products {
                    GridOperator::new(a, &self.blocks)
                } else {
                    None
                };
                self.hierarchy = Some(Hierarchy::new(
                    a,
                    &Coarsening::Geometric(self.blocks.clone()),
                    true,
                    self.options,
                    self.constant_couplings,
                    self.first_level.take(),
                )?)
            }
        }
        self.hierarchy
            .as_mut()
            .ok_or_else(|| unsuitable("internal error: no hierarchy".into()))
    }
}

impl LinearSolver for MultigridCg {
    fn name(&self) -> &'static str {
        "multigrid-cg"
    }

    fn solve(
        &mut self,
        a: &CsrMatrix,
        b: &[f64],
        x: &mut [f64],
        rtol: f64,
    ) -> Result<LinearStats, SolveError> {
        self.prepare(a)?;
        self.solve_prepared(a, b, x, rtol)
    }

    fn solve_overwriting(
        &mut self,
        a: &CsrMatrix,
        b: &mut [f64],
        x: &mut [f64],
        rtol: f64,
    ) -> Result<LinearStats, SolveError> {
        self.prepare(a)?;
        self.solve_prepared_overwriting(a, b, x, rtol)
    }
}

/// BiCGStab preconditioned by a geometric multigrid V-cycle, for the
/// non-symmetric systems of networks made mostly of structured grids: panels
/// with coolant tubes, whose fluid nodes are chained by one-way advective
/// conductors. The grid cells coarsen 2 × 2 as in [`MultigridCg`]; the fluid
/// and other lumped nodes stay their own unknowns down to the coarsest level,
/// whose sparse LU solves them exactly together with the coarse grid, so
/// the advective chains (which a Jacobi smoother and algebraic aggregation
/// barely touch) are carried by the coarse solve. Smoothing is damped Jacobi,
/// which needs no symmetry (the aggregation AMG's non-symmetric default).
pub struct MultigridBicgstab {
    blocks: Vec<GridBlock>,
    options: MultigridOptions,
    hierarchy: Option<Hierarchy>,
    /// Iteration limit of BiCGStab.
    pub max_iterations: usize,
}

impl MultigridBicgstab {
    /// A solver for a system whose grid blocks are `blocks`
    /// (from [`crate::network::AssembledNetwork::grid_blocks`]).
    pub fn new(blocks: Vec<GridBlock>) -> Self {
        Self {
            blocks,
            options: crate::solve::amg::AlgebraicMultigrid::default_options(false),
            hierarchy: None,
            max_iterations: 500,
        }
    }
}

impl LinearSolver for MultigridBicgstab {
    fn name(&self) -> &'static str {
        "multigrid-bicgstab"
    }

    fn solve(
        &mut self,
        a: &CsrMatrix,
        b: &[f64],
        x: &mut [f64],
        rtol: f64,
    ) -> Result<LinearStats, SolveError> {
        match &mut self.hierarchy {
            Some(h) if h.fits(a) => h.update(a)?,
            _ => {
                self.hierarchy = Some(Hierarchy::new(
                    a,
                    &Coarsening::Geometric(self.blocks.clone()),
                    false,
                    self.options,
                    false,
                    None,
                )?)
            }
        }
        let Some(h) = self.hierarchy.as_mut() else {
            return Err(unsuitable("internal error: no hierarchy".into()));
        };
        crate::solve::krylov::bicgstab(
            a,
            b,
            x,
            rtol,
            self.max_iterations,
            &mut VCycle::new(h),
            "multigrid-bicgstab",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{HeatSource, NodeKind, Profile, ThermalNetwork};

    /// The solution interpolation reproduces a linear profile on every fine
    /// cell, the edge half cells included (where the prolongation's own
    /// weights hold the outermost coarse value instead).
    #[test]
    fn solution_interpolation_is_exact_for_linear_profiles() {
        for n in [3, 8, 9, 16] {
            let axis = Axis::new(n);
            let nc = n.div_ceil(2);
            // Coarse cell c spans fine cells 2c .. min(2c + 2, n).
            let centre = |c: usize| 2.0 * c as f64 + 0.5 * (n - 2 * c).min(2) as f64;
            let coarse: Vec<f64> = (0..nc).map(|c| 3.0 + 0.7 * centre(c)).collect();
            let at = |w: &AxisWeight| {
                w.w_own * coarse[w.own as usize] + w.w_nbr * coarse[w.nbr as usize]
            };
            for (i, w) in axis.solution.iter().enumerate() {
                let exact = 3.0 + 0.7 * (i as f64 + 0.5);
                assert!((at(w) - exact).abs() < 1e-12, "n = {n}, cell {i}");
            }
            let edge_error = (at(&axis.fine[0]) - (3.0 + 0.7 * 0.5)).abs();
            assert!(
                edge_error > 0.1,
                "n = {n}: the prolongation holds the edge value"
            );
            assert!(axis.fine.iter().all(|w| w.w_own >= 0.0 && w.w_nbr >= 0.0));
        }
    }

    /// The restriction is the prolongation's transpose, `⟨R r, c⟩ = ⟨r, P c⟩`,
    /// on blocks of even and odd sizes between loose unknowns, serial and
    /// parallel lengths alike; and `P` reproduces a constant on block cells.
    #[test]
    fn restriction_is_the_transpose_of_the_prolongation() {
        for (nx, ny) in [(2, 2), (5, 4), (7, 9), (256, 160)] {
            let n = 3 + nx * ny + 2;
            let block = GridBlock {
                first_unknown: 3,
                shape: GridShape { nx, ny },
            };
            let t = Transfer::geometric(n, &[block]);
            let nc = t.n_coarse;
            let rf: Vec<f64> = (0..n).map(|i| (i as f64 * 0.61).sin() + 1.5).collect();
            let xc: Vec<f64> = (0..nc).map(|i| (i as f64 * 0.37).cos() - 0.2).collect();
            let mut rc = vec![0.0; nc];
            t.restrict(&rf, &mut rc);
            let mut pxc = vec![0.0; n];
            t.prolong_add(&xc, &mut pxc);
            let lhs: f64 = rc.iter().zip(&xc).map(|(a, b)| a * b).sum();
            let rhs: f64 = rf.iter().zip(&pxc).map(|(a, b)| a * b).sum();
            let scale: f64 = rf.iter().zip(&pxc).map(|(a, b)| (a * b).abs()).sum();
            assert!(
                (lhs - rhs).abs() <= 1e-13 * scale,
                "{nx} × {ny}: ⟨Rr, c⟩ = {lhs}, ⟨r, Pc⟩ = {rhs}"
            );
            let mut ones = vec![0.0; n];
            t.prolong_add(&vec![1.0; nc], &mut ones);
            assert!(ones.iter().all(|&v| (v - 1.0).abs() < 1e-14), "{nx} × {ny}");
        }
    }

    /// `Transfer::members` (computed per coarse unknown from the blocks)
    /// lists exactly what a counting sort of `agg` gives, in fine order, for
    /// blocks of odd and even sizes between loose unknowns and for
    /// aggregation transfers; `add_by_aggregate` adds term by term in that
    /// order, serially and in parallel.
    #[test]
    fn members_match_the_aggregates_in_fine_order() {
        let counting_sort = |t: &Transfer| -> Vec<Vec<u32>> {
            let mut lists = vec![Vec::new(); t.n_coarse];
            for (i, &c) in t.agg.iter().enumerate() {
                lists[c as usize].push(i as u32);
            }
            lists
        };
        let block = |first_unknown, nx, ny| GridBlock {
            first_unknown,
            shape: GridShape { nx, ny },
        };
        let geometric = [
            Transfer::geometric(1 + 5 * 3 + 2 + 4 * 4, &[block(1, 5, 3), block(18, 4, 4)]),
            Transfer::geometric(7 * 9, &[block(0, 7, 9)]),
            Transfer::geometric(3 + 300 * 301, &[block(3, 300, 301)]),
        ];
        let agg: Vec<u32> = (0..40_000u32).map(|i| (i * 7919) % 9973).collect();
        let aggregation = Transfer::aggregation(agg, 9973);
        for t in geometric.iter().chain([&aggregation]) {
            let lists = counting_sort(t);
            let mut out = Vec::new();
            for (c, list) in lists.iter().enumerate() {
                t.members(c, &mut out);
                assert_eq!(&out, list, "members of {c}");
            }
            let f = |i: usize| Some((i as f64 * 0.731).sin() * 1e3);
            let mut serial: Vec<f64> = (0..t.n_coarse).map(|c| c as f64 * 1e-3).collect();
            for (i, &c) in t.agg.iter().enumerate() {
                serial[c as usize] += f(i).unwrap_or(0.0);
            }
            let mut acc: Vec<f64> = (0..t.n_coarse).map(|c| c as f64 * 1e-3).collect();
            t.add_by_aggregate(f, &mut acc);
            assert!(acc
                .iter()
                .zip(&serial)
                .all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }

    /// The transfers read interior cells at fixed offsets; here every cell is
    /// read through the axes' index lists instead (the reference), and the
    /// results must be the same bits, for both interpolation weight sets.
    #[test]
    fn fixed_offset_transfers_match_the_index_lists() {
        for (nx, ny) in [(2, 2), (3, 3), (5, 4), (7, 9), (8, 6), (256, 160)] {
            let n = 1 + nx * ny;
            let block = GridBlock {
                first_unknown: 1,
                shape: GridShape { nx, ny },
            };
            let t = Transfer::geometric(n, &[block]);
            let b = &t.blocks[0];
            let ncx = b.coarse.shape.nx;
            let cf = b.coarse.first_unknown;
            let rf: Vec<f64> = (0..n).map(|i| (i as f64 * 0.61).sin() + 1.5).collect();
            let xc: Vec<f64> = (0..t.n_coarse)
                .map(|i| (i as f64 * 0.37).cos() - 0.2)
                .collect();

            let mut rc = vec![0.0; t.n_coarse];
            t.restrict(&rf, &mut rc);
            for jc in 0..b.coarse.shape.ny {
                let mut combined = vec![0.0; nx];
                for &(j, wy) in b.ay.of_coarse(jc) {
                    for (i, c) in combined.iter_mut().enumerate() {
                        *c += wy * rf[1 + j as usize * nx + i];
                    }
                }
                for ic in 0..ncx {
                    let v: f64 =
                        b.ax.of_coarse(ic)
                            .iter()
                            .map(|&(i, w)| w * combined[i as usize])
                            .sum();
                    assert_eq!(
                        v.to_bits(),
                        rc[cf + jc * ncx + ic].to_bits(),
                        "{nx} × {ny}: R at ({ic}, {jc})"
                    );
                }
            }

            for solution in [false, true] {
                let pick = |a: &Axis| -> Vec<AxisWeight> {
                    if solution {
                        a.solution.clone()
                    } else {
                        a.fine.clone()
                    }
                };
                let (ax, ay) = (pick(&b.ax), pick(&b.ay));
                let mut xf = rf.clone();
                t.interpolate_add(
                    &xc,
                    &mut xf,
                    |a| if solution { &a.solution } else { &a.fine },
                );
                for (j, wy) in ay.iter().enumerate() {
                    let (r0, r1) = (cf + wy.own as usize * ncx, cf + wy.nbr as usize * ncx);
                    let combined: Vec<f64> = (0..ncx)
                        .map(|c| wy.w_own * xc[r0 + c] + wy.w_nbr * xc[r1 + c])
                        .collect();
                    for (i, wx) in ax.iter().enumerate() {
                        let k = 1 + j * nx + i;
                        let v = rf[k]
                            + (wx.w_own * combined[wx.own as usize]
                                + wx.w_nbr * combined[wx.nbr as usize]);
                        assert_eq!(
                            v.to_bits(),
                            xf[k].to_bits(),
                            "{nx} × {ny}: P at ({i}, {j}), solution weights {solution}"
                        );
                    }
                }
            }
        }
    }

    /// An `nx × ny` grid joined by conductance `g` (a square-cell plate:
    /// `k t Δy/Δx = k t`), each cell radiating `r` to a 3 K sink, 10 W into
    /// cell (0, 0), and a lumped node joined to cell (1, 1) with conductance 5.
    fn plate(nx: usize, ny: usize, g: f64, r: f64) -> AssembledNetwork {
        let mut net = ThermalNetwork::new();
        let sink = net.add_boundary("space", 3.0).unwrap();
        let cells = net
            .add_group(
                "plate",
                &vec![1.0; nx * ny],
                300.0,
                Some(GridShape { nx, ny }),
            )
            .unwrap();
        let id = |i: usize, j: usize| cells.start + j * nx + i;
        for j in 0..ny {
            for i in 0..nx {
                if i + 1 < nx {
                    net.add_linear(id(i, j), id(i + 1, j), g).unwrap();
                }
                if j + 1 < ny {
                    net.add_linear(id(i, j), id(i, j + 1), g).unwrap();
                }
                net.add_radiative(id(i, j), sink, r).unwrap();
            }
        }
        let lump = net.add_node("lump", NodeKind::Arithmetic, 320.0).unwrap();
        net.add_linear(lump, id(1, 1), 5.0).unwrap();
        net.add_source(HeatSource {
            name: "load".into(),
            loads: vec![(id(0, 0), 4.0), (id(1, 0), 6.0)],
            profile: Profile::Constant(1.0),
        })
        .unwrap();
        net.assemble().unwrap()
    }

    /// The coarse network carries the same sinks and sources, its conductance
    /// across a coarse face is the fine one (square cells stay square), and the
    /// lumped node keeps its coupling (to the aggregate of its cell).
    #[test]
    fn coarse_network_is_the_rediscretised_plate() {
        let (g, r) = (2.5, 0.01);
        let fine = plate(8, 6, g, r);
        let coarse = CoarseNetwork::new(&fine, 0.5).unwrap();
        let c = &coarse.network;
        assert_eq!(c.unknowns(), 4 * 3 + 1);
        assert_eq!(c.grid_blocks()[0].shape, GridShape { nx: 4, ny: 3 });
        // Uniform temperature: no conduction, so the summed residual is sources − sinks.
        let total = |sys: &AssembledNetwork, t: f64| {
            let x = vec![t; sys.unknowns()];
            let mut f = vec![0.0; sys.unknowns()];
            sys.residual(0.0, &x, &mut f);
            f.iter().sum::<f64>()
        };
        let (tf, tc) = (total(&fine, 290.0), total(c, 290.0));
        assert!((tf - tc).abs() < 1e-12 * tf.abs(), "{tf} vs {tc}");
        // Coarse Jacobian: −g between neighbouring coarse cells, −5 to the lump.
        let mut k = c.new_matrix();
        c.jacobian(0.0, &vec![300.0; c.unknowns()], &mut k);
        assert!((k.get(0, 1) + g).abs() < 1e-12);
        assert!((k.get(0, 4) + g).abs() < 1e-12);
        assert!((k.get(12, 0) + 5.0).abs() < 1e-12);
        assert_eq!(k.get(0, 5), 0.0);
        // Prolongation reproduces a field linear in x between coarse cell centres.
        let xc: Vec<f64> = (0..13)
            .map(|q| if q < 12 { 10.0 * (q % 4) as f64 } else { 7.0 })
            .collect();
        let xf = coarse.prolong(&xc);
        // Fine cell i has its centre at i + ½; coarse cell I at 2I + 1 (fine units).
        for i in 1..7 {
            let expected = 10.0 * ((i as f64 + 0.5) - 1.0) / 2.0;
            assert!(
                (xf[2 * 8 + i] - expected).abs() < 1e-12,
                "cell {i}: {}",
                xf[2 * 8 + i]
            );
        }
        assert_eq!(xf[48], 7.0);
    }

    /// Every level's matrix of `h` equals that of `reference` to round-off
    /// (compared through their products with a varied vector, in whichever
    /// form each level keeps).
    fn assert_same_levels(h: &Hierarchy, reference: &Hierarchy) {
        assert_eq!(h.sizes(), reference.sizes());
        let fine = CsrMatrix::from_triplets(1, &[(0, 0, 1.0)]);
        for l in 1..h.levels() {
            let n = h.sizes()[l];
            let x: Vec<f64> = (0..n).map(|i| 1.0 + (i as f64 * 0.37).sin()).collect();
            let product = |hh: &Hierarchy| {
                let mut y = vec![0.0; n];
                level_operator(l, &fine, None, &hh.mats)
                    .update_rows(&x, &mut y, |_, y, v| y.copy_from_slice(v));
                y
            };
            // Both apply the level's single-precision stencil form (or CSR
            // where there is none): equal up to an f32 rounding of a coefficient.
            for (i, (a, b)) in product(h).iter().zip(product(reference)).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-6 * b.abs().max(1.0),
                    "level {l} row {i}: {a} vs {b}"
                );
            }
        }
    }

    /// Hierarchies kept by diagonal updates (no gather maps), and built from
    /// nested iteration's coarse network, give the full Galerkin product's
    /// coarse matrices, for the first Jacobian and after the diagonal moves.
    #[test]
    fn diagonal_updates_and_the_nested_first_level_match_the_galerkin_product() {
        let fine = plate(37, 29, 2.5, 0.01);
        let blocks = fine.grid_blocks();
        assert!(fine.has_constant_couplings());
        let options = MultigridOptions {
            coarsest_unknowns: 8,
            ..MultigridOptions::default()
        };
        let geometric = Coarsening::Geometric(blocks);
        let jacobian = |t: f64| {
            let mut k = fine.new_matrix();
            let x: Vec<f64> = (0..fine.unknowns()).map(|i| t + (i % 17) as f64).collect();
            fine.jacobian(0.0, &x, &mut k);
            k
        };
        let (k1, k2) = (jacobian(300.0), jacobian(420.0));
        let mut full = Hierarchy::new(&k1, &geometric, true, options, false, None).unwrap();
        let mut diagonal = Hierarchy::new(&k1, &geometric, true, options, true, None).unwrap();
        let seed = CoarseNetwork::new(&fine, options.coupling_scale)
            .and_then(|c| c.into_first_level(&fine));
        assert!(seed.is_some());
        let mut seeded = Hierarchy::new(&k1, &geometric, true, options, true, seed).unwrap();
        assert!(full.levels() >= 4);
        let gathers = |h: &Hierarchy| {
            h.updates
                .iter()
                .filter(|u| matches!(u, LevelUpdate::Gather(_)))
                .count()
        };
        assert!(gathers(&diagonal) == 0 && gathers(&full) > 0);
        // The seeded first level's diagonal base is the same bits as a pass
        // over the Jacobian's entries: Σ_{i≠j∈c} a_ij + (1 − s) Σ_{same grid, j∉c} a_ij.
        let t = &seeded.transfers[0];
        let owner = t.fine_block_of(k1.n());
        let mut reference = vec![0.0; t.n_coarse];
        let (rp, ci, v) = (k1.row_ptr(), k1.col_idx(), k1.values());
        for i in 0..k1.n() {
            let c = t.agg[i] as usize;
            for p in rp[i]..rp[i + 1] {
                let j = ci[p] as usize;
                if j == i {
                    continue;
                } else if t.agg[j] as usize == c {
                    reference[c] += v[p];
                } else if owner[i] != NONE && owner[i] == owner[j] {
                    reference[c] += (1.0 - options.coupling_scale) * v[p];
                }
            }
        }
        match &seeded.updates[0] {
            LevelUpdate::Diagonal { base, .. } => assert!(base
                .iter()
                .zip(&reference)
                .all(|(a, b)| a.to_bits() == b.to_bits())),
            LevelUpdate::Gather(_) => panic!("the seeded level keeps no gather map"),
        }
        assert_same_levels(&diagonal, &full);
        assert_same_levels(&seeded, &full);
        // The radiation diagonal grows with T³: only the diagonal moves.
        full.update(&k2).unwrap();
        diagonal.update(&k2).unwrap();
        seeded.update(&k2).unwrap();
        assert_same_levels(&diagonal, &full);
        assert_same_levels(&seeded, &full);
    }
}
