//! A multigrid hierarchy: its levels, their smoothers and the V-cycle; built
//! once per sparsity pattern, updated numerically per matrix.

use rayon::prelude::*;

use crate::error::{InternalError, SolveError};
use crate::linalg::krylov::{dot, dot_interleaved, residual, Operator};
use crate::linalg::parallel::{par_chunks, par_copy, rows_of, PARALLEL_LEN, ROW_CHUNK};
use crate::linalg::stencil::GridOperator;
use crate::linalg::{Chain, CsrMatrix, DirectSolver, GridBlock};

use super::transfer::{galerkin_structure, Gather, Transfer, NONE};
use super::{MultigridOptions, Smoother};

/// A hierarchy's first coarse level handed over by nested iteration
/// ([`CoarseNetwork::into_first_level`]): the transfer and the coarse
/// conductances `G_c` (the scaled Galerkin product of the fine ones, zero on
/// the diagonal).
pub(crate) struct FirstLevel {
    /// The fine network's pattern (no values), and the position of each of
    /// its rows' diagonal entries.
    pub(crate) fine_pattern: CsrMatrix,
    pub(crate) fine_diag: Vec<u32>,
    /// The fine network's grid blocks the transfer was built from.
    pub(crate) fine_blocks: Vec<GridBlock>,
    pub(crate) transfer: Transfer,
    pub(crate) couplings: CsrMatrix,
    /// Position of each coarse row's diagonal entry in `couplings`.
    pub(crate) diagonal: Vec<u32>,
    /// [`CoarseNetwork`]'s `inner`: the Galerkin diagonal of the conductances.
    pub(crate) inner: Vec<f64>,
    /// The coupling scale of the Galerkin product.
    pub(crate) coupling_scale: f64,
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
    pub(crate) fn into_level(
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
            return Err(broken("a first level inconsistent with its transfer"));
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
pub(crate) struct Work {
    pub(crate) x: Vec<f64>,
    pub(crate) b: Vec<f64>,
    pub(crate) d: Vec<f64>,
}

impl Work {
    pub(crate) fn new(n: usize) -> Self {
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
pub(crate) enum CoarseForm {
    Csr(CsrMatrix, Option<GridOperator>),
    Stencil(GridOperator),
}

/// A coarse level's matrix with its size.
pub(crate) struct CoarseMatrix {
    pub(crate) form: CoarseForm,
    /// Unknowns and stored entries (of the CSR form, also once released).
    pub(crate) n: usize,
    pub(crate) nnz: usize,
}

impl CoarseMatrix {
    pub(crate) fn new(csr: CsrMatrix, blocks: &[GridBlock]) -> Self {
        let stencil = GridOperator::new(&csr, blocks);
        Self {
            n: csr.n(),
            nnz: csr.nnz(),
            form: CoarseForm::Csr(csr, stencil),
        }
    }

    pub(crate) fn csr(&self) -> Result<&CsrMatrix, SolveError> {
        match &self.form {
            CoarseForm::Csr(csr, _) => Ok(csr),
            CoarseForm::Stencil(_) => Err(released()),
        }
    }

    pub(crate) fn csr_mut(&mut self) -> Result<&mut CsrMatrix, SolveError> {
        match &mut self.form {
            CoarseForm::Csr(csr, _) => Ok(csr),
            CoarseForm::Stencil(_) => Err(released()),
        }
    }

    /// Drops the CSR form when the stencil form can stand alone.
    pub(crate) fn release_csr(&mut self) {
        if let CoarseForm::Csr(_, stencil) = &mut self.form {
            if let Some(stencil) = stencil.take() {
                self.form = CoarseForm::Stencil(stencil);
            }
        }
    }

    /// The form the V-cycle's passes apply.
    pub(crate) fn operator(&self) -> LevelOperator<'_> {
        match &self.form {
            CoarseForm::Csr(_, Some(stencil)) | CoarseForm::Stencil(stencil) => {
                LevelOperator::Stencil(stencil)
            }
            CoarseForm::Csr(csr, None) => LevelOperator::Csr(csr),
        }
    }

    /// Sets the diagonal to `d` (the CSR form's entries at `pos`, or the
    /// stencil form's diagonal when it stands alone).
    pub(crate) fn set_diagonal(&mut self, pos: &[usize], d: &[f64]) {
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
    pub(crate) fn refresh_stencil(&mut self) -> Result<(), SolveError> {
        match &mut self.form {
            CoarseForm::Csr(csr, Some(stencil)) => stencil.update(csr),
            _ => Ok(()),
        }
    }

    /// The smoother's inverse diagonal and Gershgorin bound of this level
    /// ([`csr_smoother_bounds`]); `sums` is scratch.
    pub(crate) fn smoother_bounds(&self, inv: &mut Vec<f32>, sums: &mut Vec<f64>) -> f64 {
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

pub(crate) fn released() -> SolveError {
    broken("a released level's CSR form was asked for")
}

/// Writes the single-precision inverse diagonal of `m` into `inv` and returns
/// the Gershgorin bound `max_i Σ_j |a_ij| / a_ii` of `D⁻¹A` (rows in
/// parallel; the maximum is exact, so the bits do not depend on the thread count).
/// With `diag`, the positions of the diagonal entries, rows are read without
/// their column indices.
pub(crate) fn csr_smoother_bounds(m: &CsrMatrix, diag: Option<&[u32]>, inv: &mut Vec<f32>) -> f64 {
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
            .with_min_len(ROW_CHUNK)
            .map(|(i, x)| ratio(i, x))
            .reduce(|| 0.0, f64::max)
    }
}

/// How a coarse level's matrix follows a new fine matrix.
pub(crate) enum LevelUpdate {
    /// Recomputed from the fine values through the gather map.
    Gather(Gather),
    /// Only the diagonal moves: `A_cc = base_c + Σ_{i∈c} a_ii`, at positions `pos`.
    Diagonal { base: Vec<f64>, pos: Vec<usize> },
}

/// How a hierarchy coarsens.
#[derive(Debug, Clone)]
pub(crate) enum Coarsening {
    /// 2 × 2 agglomeration of these grid blocks, the members of these chains
    /// paired along them; other unknowns kept.
    Geometric(Vec<GridBlock>, Vec<Chain>),
    /// Algebraic aggregation with strength threshold θ.
    Algebraic { theta: f64 },
}

/// A multigrid hierarchy: structure built once per pattern, numeric values
/// updated per matrix.
pub struct Hierarchy {
    pub(crate) options: MultigridOptions,
    pub(crate) symmetric: bool,
    /// Fine pattern size, to detect a changed pattern.
    pub(crate) fine_n: usize,
    pub(crate) fine_nnz: usize,
    /// Position of each fine row's diagonal entry (found once: the fine
    /// level's diagonal updates read it every update).
    pub(crate) fine_diag: Vec<u32>,
    pub(crate) transfers: Vec<Transfer>,
    /// How each coarse level's matrix follows a new fine matrix.
    pub(crate) updates: Vec<LevelUpdate>,
    /// Coupling scale of each transfer.
    pub(crate) scales: Vec<f64>,
    /// Matrices of levels 1.. (level 0 is the caller's).
    pub(crate) mats: Vec<CoarseMatrix>,
    /// Inverse diagonal of every level, in single precision: the smoother
    /// only needs it approximately (the V-cycle stays one fixed symmetric
    /// operator), and each smoothing pass reads 4 bytes per row fewer.
    pub(crate) inv_diag: Vec<Vec<f32>>,
    pub(crate) lambda_max: Vec<f64>,
    /// Work vectors of levels 1.. (`work[l − 1]` is level `l`'s).
    pub(crate) work: Vec<Work>,
    /// The fine level's smoother scratch for [`Self::vcycle`] (callers of
    /// [`Self::vcycle_in`] lend their own).
    pub(crate) fine_scratch: Vec<f64>,
    pub(crate) coarsest: Option<DirectSolver>,
}

impl std::fmt::Debug for Hierarchy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hierarchy")
            .field("levels", &self.levels())
            .field("sizes", &self.sizes())
            .finish()
    }
}

/// A broken invariant of multigrid's own making (its hierarchy, its coarse
/// operators): thermorbit's bug, never the input's, so an
/// [`InternalError`] rather than a linear-solver failure a caller might retry.
pub(crate) fn broken(invariant: &str) -> SolveError {
    SolveError::Internal(InternalError::new(format!("multigrid: {invariant}")))
}

/// A matrix multigrid cannot precondition (the input's, not an invariant's).
pub(crate) fn unsuitable(reason: String) -> SolveError {
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
    /// `AssembledNetwork::has_constant_couplings`); the hierarchy then keeps
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
        let (mut blocks, mut chains) = match coarsening {
            Coarsening::Geometric(b, c) => (b.clone(), c.clone()),
            Coarsening::Algebraic { .. } => (Vec::new(), Vec::new()),
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
                    && matches!(coarsening, Coarsening::Geometric(..))
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
                Coarsening::Geometric(..) => (
                    Transfer::geometric_with_chains(n, &blocks, &chains),
                    options.coupling_scale,
                ),
                Coarsening::Algebraic { theta } => {
                    let (agg, nc) = crate::linalg::amg::aggregate(cur, *theta);
                    (Transfer::aggregation(agg, nc), options.coupling_scale)
                }
            };
            if t.n_coarse * 10 > n * 9 || t.n_coarse == 0 {
                break; // coarsening stalled
            }
            let keep_gather = !diagonal_updates;
            let (coarse, gather) = match coarsening {
                Coarsening::Geometric(..) => {
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
            chains = t.coarse_chains.clone();
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
    pub(crate) fn push_level(
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
    pub(crate) fn update_smoothers(&mut self, a: &CsrMatrix) -> Result<(), SolveError> {
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
                if l > 0 && !d.is_finite() {
                    // A Galerkin product of a finite fine matrix is finite.
                    return Err(broken(&format!(
                        "diagonal entry {d} of row {i} on coarse level {l} is not finite"
                    )));
                }
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

    pub(crate) fn factor_coarsest(&mut self) -> Result<(), SolveError> {
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
    pub(crate) fn vcycle_using(
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
pub(crate) fn level_vectors<'a>(
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
pub(crate) fn level_operator<'a>(
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
pub(crate) enum LevelOperator<'a> {
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
pub(crate) fn add_diagonal_by_aggregate(
    fine: &CsrMatrix,
    t: &Transfer,
    sign: f64,
    acc: &mut [f64],
) {
    let v = fine.values();
    t.add_by_aggregate(|i| fine.position(i, i).map(|p| sign * v[p]), acc);
}

/// [`add_diagonal_by_aggregate`] with the diagonal's positions `diag` known:
/// `acc[agg[i]] += sign · values[diag[i]]`, in row order (the same bits).
pub(crate) fn add_diagonal_at(
    values: &[f64],
    diag: &[u32],
    t: &Transfer,
    sign: f64,
    acc: &mut [f64],
) {
    t.add_by_aggregate(|i| Some(sign * values[diag[i] as usize]), acc);
}

/// Position of each row's diagonal entry of the fine matrix `a` (rows in
/// parallel), or an error naming a row without one.
pub(crate) fn fine_diagonal_positions(a: &CsrMatrix) -> Result<Vec<u32>, SolveError> {
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
            .with_min_len(ROW_CHUNK)
            .map(find)
            .collect()
    }
}

/// Position of each row's diagonal entry (rows in parallel), or an error
/// naming a row without one.
pub(crate) fn diagonal_positions(m: &CsrMatrix) -> Result<Vec<usize>, SolveError> {
    let find = |i: usize| {
        m.position(i, i)
            .ok_or_else(|| unsuitable(format!("row {i} has no diagonal entry")))
    };
    if m.n() < PARALLEL_LEN {
        (0..m.n()).map(find).collect()
    } else {
        (0..m.n())
            .into_par_iter()
            .with_min_len(ROW_CHUNK)
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
pub(crate) fn smooth(
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
pub(crate) enum StepCoefficients {
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
    pub(crate) fn of(smoother: Smoother, lambda_max: f64) -> (usize, Self) {
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
pub(crate) fn smoother_step<'a>(
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
pub(crate) fn scaled_jacobi_step(out: &mut [f64], inv_diag: &[f32], c: f64, b: &[f64]) {
    par_chunks(out, |first, part| {
        let n = part.len();
        let (inv, b) = (&inv_diag[first..first + n], rows_of(b, first, n));
        for ((o, &inv), &bi) in part.iter_mut().zip(inv).zip(b) {
            *o = c * f64::from(inv) * bi;
        }
    });
}
