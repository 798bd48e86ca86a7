//! Transfers between multigrid levels: 2 × 2 agglomeration of grid blocks (or
//! aggregates from `amg`), bilinear prolongation, restriction as its transpose,
//! and the structure of the scaled Galerkin product (module docs of `multigrid`).
//!
//! Length: a quarter of the file is the transfers' tests (exactness on
//! constants and linears, transposes), kept beside the operators they check.

use rayon::prelude::*;

use crate::error::SolveError;
use crate::linalg::parallel::{par_chunks, PARALLEL_LEN, ROW_CHUNK};
use crate::linalg::{Chain, CsrMatrix, GridBlock, GridShape};

/// Marks an absent index.
pub(crate) const NONE: u32 = u32::MAX;
/// Gather code: entry enters with weight 1.
pub(crate) const FULL: u32 = 0;
/// Gather code: entry enters with the coupling scale `s`.
pub(crate) const SCALED: u32 = 1 << 30;
/// Gather code: entry enters with `1 − s` (the diagonal correction).
pub(crate) const COMPLEMENT: u32 = 2 << 30;
/// Mask of the source position in a gather entry.
pub(crate) const SOURCE_MASK: u32 = (1 << 30) - 1;

/// Interpolation of one fine index along one axis: `own` and optional neighbour.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AxisWeight {
    pub(crate) own: u32,
    pub(crate) w_own: f64,
    pub(crate) nbr: u32,
    pub(crate) w_nbr: f64,
}

/// Cell-centred linear interpolation along one axis of `n` fine cells.
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    /// Per fine index: the prolongation's weights (fine cells beyond the
    /// outermost coarse centres take that centre's value: weights stay
    /// non-negative, as the Galerkin products need).
    pub(crate) fine: Vec<AxisWeight>,
    /// Per fine index: the weights that interpolate a solution, extrapolating
    /// linearly beyond the outermost coarse centres (so a gradient at a fed
    /// edge is carried over, not flattened across the edge's half cell).
    pub(crate) solution: Vec<AxisWeight>,
    /// Per coarse index: fine indices and weights (the transpose), in fine order.
    pub(crate) coarse_ptr: Vec<usize>,
    pub(crate) coarse: Vec<(u32, f64)>,
}

impl Axis {
    pub(crate) fn new(n: usize) -> Self {
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

    pub(crate) fn of_coarse(&self, c: usize) -> &[(u32, f64)] {
        &self.coarse[self.coarse_ptr[c]..self.coarse_ptr[c + 1]]
    }

    /// The coarse cells `c` that restrict exactly the fine cells
    /// `2c − 1 ..= 2c + 2`: all but those at the axis' ends.
    pub(crate) fn four_point_cells(&self) -> std::ops::Range<usize> {
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
pub(crate) fn regular_run(count: usize, regular: impl Fn(usize) -> bool) -> std::ops::Range<usize> {
    let start = (1..count).find(|&c| regular(c)).unwrap_or(count);
    let end = (start..count).find(|&c| !regular(c)).unwrap_or(count);
    start..end
}

/// The coarse cells `c` of an axis whose fine cells `2c` and `2c + 1` both
/// interpolate from `c` and the coarse neighbour on their own side (`c − 1`,
/// `c + 1`): all but the cells at the axis' ends, whose weights differ.
pub(crate) fn interior_pairs(w: &[AxisWeight]) -> std::ops::Range<usize> {
    let regular = |c: usize| {
        let (even, odd) = (&w[2 * c], &w[2 * c + 1]);
        let c32 = c as u32;
        even.own == c32 && even.nbr + 1 == c32 && odd.own == c32 && odd.nbr == c32 + 1
    };
    regular_run(w.len() / 2, regular)
}

/// The chains' members that a geometric transfer may pair: each chain up to
/// its first member that is out of range, inside one of the (sorted) `blocks`,
/// or already in an earlier chain; chains left with fewer than two members dropped.
fn valid_chains<'c>(n: usize, blocks: &[GridBlock], chains: &'c [Chain]) -> Vec<&'c [u32]> {
    let in_block = |u: usize| {
        let k = blocks.partition_point(|b| b.first_unknown <= u);
        k.checked_sub(1)
            .is_some_and(|k| u < blocks[k].first_unknown + blocks[k].shape.nx * blocks[k].shape.ny)
    };
    let mut taken = vec![false; if chains.is_empty() { 0 } else { n }];
    let mut out = Vec::new();
    for c in chains {
        let len = c
            .unknowns
            .iter()
            .position(|&u| {
                let u = u as usize;
                u >= n || in_block(u) || taken[u]
            })
            .unwrap_or(c.unknowns.len());
        for &u in &c.unknowns[..len] {
            taken[u as usize] = true;
        }
        if len > 1 {
            out.push(&c.unknowns[..len]);
        }
    }
    out
}

/// Bilinear transfer of one grid block.
#[derive(Debug, Clone)]
pub(crate) struct BlockTransfer {
    pub(crate) fine: GridBlock,
    pub(crate) coarse: GridBlock,
    pub(crate) ax: Axis,
    pub(crate) ay: Axis,
}

/// Transfer between a fine level and the next coarser one.
#[derive(Debug, Clone)]
pub(crate) struct Transfer {
    pub(crate) n_coarse: usize,
    /// Coarse unknown (aggregate) of each fine unknown.
    pub(crate) agg: Vec<u32>,
    /// Grid blocks, interpolated bilinearly.
    pub(crate) blocks: Vec<BlockTransfer>,
    /// Fine unknowns outside blocks (copied from their aggregate).
    pub(crate) loose_fine: Vec<u32>,
    /// Coarse unknowns outside blocks, with their fine members.
    pub(crate) loose_coarse: Vec<u32>,
    pub(crate) loose_ptr: Vec<usize>,
    pub(crate) loose_members: Vec<u32>,
    /// The coarse level's chains: the pairs of each fine chain, in its order
    /// (chains left with one member are dropped).
    pub(crate) coarse_chains: Vec<Chain>,
}

impl Transfer {
    /// Geometric transfer: blocks agglomerated 2 × 2, other unknowns kept.
    pub(crate) fn geometric(n: usize, blocks: &[GridBlock]) -> Self {
        Self::geometric_with_chains(n, blocks, &[])
    }

    /// Geometric transfer: blocks agglomerated 2 × 2, the members of each
    /// chain paired along it (`(u₀, u₁), (u₂, u₃), …`, an odd last member
    /// alone), other unknowns kept. Prolongation is piecewise constant over a
    /// pair, so the Galerkin product of a one-way chain (diagonal `d`, `−a` to
    /// the member upstream) is again one: `−a` to the pair upstream and `2d − a`
    /// on the diagonal, the upwind operator of a chain of half as many members
    /// with the couplings to the rest summed, which no coupling scale corrects.
    /// Chain members inside a block, out of range or already in an earlier
    /// chain end their chain there.
    pub(crate) fn geometric_with_chains(n: usize, blocks: &[GridBlock], chains: &[Chain]) -> Self {
        let mut sorted: Vec<GridBlock> = blocks
            .iter()
            .copied()
            .filter(|b| {
                b.shape.nx * b.shape.ny > 1 && b.first_unknown + b.shape.nx * b.shape.ny <= n
            })
            .collect();
        sorted.sort_by_key(|b| b.first_unknown);
        let mut agg = vec![NONE; n];
        let chains = valid_chains(n, &sorted, chains);
        // The other member of each chain pair, both ways.
        let mut partner = vec![NONE; if chains.is_empty() { 0 } else { n }];
        for c in &chains {
            for p in c.chunks_exact(2) {
                partner[p[0] as usize] = p[1];
                partner[p[1] as usize] = p[0];
            }
        }
        let mut out_blocks = Vec::new();
        let (mut loose_fine, mut loose_coarse) = (Vec::new(), Vec::new());
        let (mut loose_ptr, mut loose_members) = (vec![0], Vec::new());
        let mut next = 0usize;
        let mut i = 0usize;
        let mut bi = 0usize;
        while i < n {
            while bi < sorted.len() && sorted[bi].first_unknown < i {
                bi += 1; // overlapping block: ignored
            }
            if agg[i] != NONE {
                i += 1; // the later member of a chain pair, already placed
            } else if bi < sorted.len() && sorted[bi].first_unknown == i {
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
                loose_members.push(i as u32);
                if let Some(&j) = partner.get(i).filter(|&&j| j != NONE) {
                    agg[j as usize] = next as u32;
                    loose_members.push(j);
                }
                loose_ptr.push(loose_members.len());
                loose_coarse.push(next as u32);
                next += 1;
                i += 1;
            }
        }
        loose_fine.extend_from_slice(&loose_members);
        loose_fine.sort_unstable();
        let coarse_chains = chains
            .iter()
            .map(|c| Chain {
                unknowns: c.chunks(2).map(|p| agg[p[0] as usize]).collect(),
            })
            .filter(|c| c.unknowns.len() > 1)
            .collect();
        Self {
            n_coarse: next,
            agg,
            blocks: out_blocks,
            loose_fine,
            loose_coarse,
            loose_ptr,
            loose_members,
            coarse_chains,
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
            coarse_chains: Vec::new(),
        }
    }

    /// Grid blocks of the coarse level.
    pub(crate) fn coarse_blocks(&self) -> Vec<GridBlock> {
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
    pub(crate) fn members(&self, c: usize, out: &mut Vec<u32>) {
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
    pub(crate) fn add_by_aggregate(
        &self,
        f: impl Fn(usize) -> Option<f64> + Sync,
        acc: &mut [f64],
    ) {
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
    pub(crate) fn fine_block_of(&self, n: usize) -> Vec<u32> {
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
    pub(crate) fn restrict(&self, rf: &[f64], rc: &mut [f64]) {
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
                .with_min_len(ROW_CHUNK)
                .for_each(|(k, v)| *v = members(k));
        } else {
            for (k, &c) in self.loose_coarse.iter().enumerate() {
                rc[c as usize] = members(k);
            }
        }
    }

    /// `xf += P xc`.
    pub(crate) fn prolong_add(&self, xc: &[f64], xf: &mut [f64]) {
        self.interpolate_add(xc, xf, |axis| &axis.fine);
    }

    /// `xf += P xc` with the grid axes' `weights` (the prolongation's or the
    /// solution interpolation's).
    pub(crate) fn interpolate_add(
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
                .with_min_len(ROW_CHUNK)
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
pub(crate) struct Gather {
    pub(crate) ptr: Vec<usize>,
    pub(crate) src: Vec<u32>,
}

/// Coarse rows built by one chunk of [`galerkin_structure`].
#[derive(Default)]
pub(crate) struct RowsPart {
    pub(crate) row_len: Vec<u32>,
    pub(crate) cols: Vec<u32>,
    pub(crate) values: Vec<f64>,
    pub(crate) gather_len: Vec<u32>,
    pub(crate) src: Vec<u32>,
}

/// Builds the coarse matrix of the (scaled) Galerkin product of `a`, with the
/// coupling scale `scale`, and — when `keep_gather` — the gather map that
/// recomputes its values from another matrix with `a`'s pattern.
///
/// `scaled(i, j)` says whether the coupling of fine `i` to fine `j` (in
/// different aggregates) enters with the coupling scale.
pub(crate) fn galerkin_structure(
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
    let build = |k: usize| -> RowsPart {
        let rows = k * ROW_CHUNK..((k + 1) * ROW_CHUNK).min(nc);
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
    let chunks = nc.div_ceil(ROW_CHUNK);
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
pub(crate) fn concat<'a, T: Copy + Default + Send + Sync + 'a>(
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
    pub(crate) fn apply(&self, fine: &[f64], coarse: &mut [f64], scale: f64) {
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
                .with_min_len(ROW_CHUNK)
                .for_each(|(q, v)| *v = f(q));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pairing a one-way chain (diagonal 3, −2 to the member upstream, as an
    /// advective capacity rate 2 with a unit sink) gives the same chain at
    /// half the length: −2 upstream and 2·3 − 2 = 4 on the diagonal, the odd
    /// last member alone. Restriction sums a pair, prolongation copies to it.
    #[test]
    fn paired_chains_coarsen_to_the_upwind_chain() {
        let mut t = Vec::new();
        for i in 0..7 {
            t.push((i, i, 3.0));
            if i > 0 {
                t.push((i, i - 1, -2.0));
            }
        }
        let a = CsrMatrix::from_triplets(7, &t);
        let chain = Chain {
            unknowns: (0..7).collect(),
        };
        let tr = Transfer::geometric_with_chains(7, &[], &[chain]);
        assert_eq!(tr.n_coarse, 4);
        assert_eq!(tr.agg, vec![0, 0, 1, 1, 2, 2, 3]);
        assert_eq!(tr.coarse_chains[0].unknowns, vec![0, 1, 2, 3]);
        let (c, _) = galerkin_structure(&a, &tr, |_, _| false, 0.5, false).unwrap();
        for k in 0..4 {
            let d = if k < 3 { 4.0 } else { 3.0 };
            assert_eq!(c.get(k, k), d, "diagonal {k}");
            if k > 0 {
                assert_eq!(c.get(k, k - 1), -2.0, "upstream of {k}");
            }
            assert_eq!(c.get(k, (k + 1) % 4), 0.0, "downstream of {k}");
        }
        let mut rc = vec![0.0; 4];
        tr.restrict(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], &mut rc);
        assert_eq!(rc, vec![3.0, 7.0, 11.0, 7.0]);
        let mut xf = vec![0.0; 7];
        tr.prolong_add(&[1.0, 2.0, 3.0, 4.0], &mut xf);
        assert_eq!(xf, vec![1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0]);
    }

    /// A chain ends at its first member inside a grid block or already in an
    /// earlier chain; what is left of it still pairs, shorter chains do not.
    #[test]
    fn chains_stop_at_block_cells_and_shared_members() {
        let block = GridBlock {
            first_unknown: 0,
            shape: GridShape { nx: 2, ny: 2 },
        };
        let chains = [
            Chain {
                unknowns: vec![4, 5, 2, 6],
            },
            Chain {
                unknowns: vec![7, 5, 6],
            },
        ];
        let tr = Transfer::geometric_with_chains(8, &[block], &chains);
        // Cells 0..4 → coarse 0; the pair (4, 5) → 1; 6 → 2; 7 → 3.
        assert_eq!(tr.agg, vec![0, 0, 0, 0, 1, 1, 2, 3]);
        assert_eq!(tr.coarse_chains.len(), 0);
        let mut members = Vec::new();
        tr.members(1, &mut members);
        assert_eq!(members, vec![4, 5]);
    }

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
}
