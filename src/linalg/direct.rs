//! Sparse direct solver: supernodal Cholesky (symmetric) or LU (faer), with the
//! symbolic factorization computed once per sparsity pattern and the numeric
//! factor kept for any number of solves.
//!
//! The split follows faer's own (symbolic / numeric / solve): [`DirectSolver::factorize`]
//! redoes only the numeric factorization (the symbolic analysis, AMD ordering
//! and the factor's storage are kept while the pattern stays the same), and
//! [`DirectSolver::solve_factored`] / [`DirectSolver::solve_factored_mut`] solve with the
//! kept factor. Newton (simplified Newton keeps one factor over many
//! iterations), the implicit integrators (over many steps) and multigrid's
//! coarsest level (over every cycle) all use it that way.
//!
//! The CSR arrays of `A` are the CSC arrays of `Aᵀ`, so the factorization is of
//! `Aᵀ` and a transposed solve gives `A x = b`; for a symmetric matrix the two coincide.
//!
//! Cholesky solves use `supernodal_solve`, a plain sequential sweep over the
//! supernodes that streams the factor once each way: for one right-hand side
//! it is faster than faer's general dense-block kernels (`benches/README.md`,
//! "Figures from the code's comments"). The sweeps are bound by memory
//! traffic (each entry of `L` is read once per sweep), so a solver made with
//! [`DirectSolver::with_single_precision_sweeps`] sweeps an `f32` copy of the
//! factor (accumulating in `f64`): half the traffic, a solve accurate to about
//! `κ(A) · 6e-8` — for an outer iteration that corrects it (simplified Newton,
//! a Krylov method preconditioned by the factor), never as an exact solver.
//!
//! A kept factor of a nearby matrix is also a preconditioner
//! ([`Preconditioner`] for [`DirectSolver`]): `z = A_old⁻¹ r`.

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::cholesky::llt::factor::LltRegularization;
use faer::linalg::solvers::Solve;
use faer::sparse::linalg::cholesky::simplicial::SimplicialLltRef;
use faer::sparse::linalg::cholesky::supernodal::SymbolicSupernodalCholesky;
use faer::sparse::linalg::cholesky::{
    factorize_symbolic_cholesky, SymbolicCholesky, SymbolicCholeskyRaw, SymmetricOrdering,
};
use faer::sparse::linalg::solvers::{Lu, SymbolicLu};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMat};
use faer::{Conj, MatMut, Par, Side};

use crate::error::SolveError;
use crate::linalg::krylov::Preconditioner;
use crate::linalg::parallel::par_fill;
use crate::linalg::{relative_residual, CsrMatrix, LinearSolver, LinearStats};

/// Largest relative residual `‖A x − b‖₂ / ‖b‖₂` a direct solve may leave before
/// [`LinearSolver::solve`] calls the matrix singular.
pub(crate) const DIRECT_RESIDUAL_LIMIT: f64 = 1e-6;

/// Symbolic Cholesky with its numeric values and factorization workspace,
/// allocated once per pattern.
struct CholeskyFactor {
    symbolic: SymbolicCholesky<usize>,
    /// The sweeps' layout of a supernodal factor (`None` for a simplicial one).
    plan: Option<SweepPlan>,
    values: Vec<f64>,
    /// `values` rounded to `f32` for the sweeps (empty unless single-precision sweeps).
    values_f32: Vec<f32>,
    workspace: MemBuffer,
    factored: bool,
}

/// Scratch of the Cholesky sweeps: the right-hand side in the factor's
/// (permuted) order and one supernode's pattern rows.
#[derive(Default)]
struct Scratch {
    permuted: Vec<f64>,
    tmp: Vec<f64>,
    /// Each half of a parallel sweep's own scratch.
    halves: [HalfScratch; 2],
    /// Final values of the top columns (backward sweep of a split plan).
    above: Vec<f64>,
}

/// Sparse direct solver (faer): Cholesky when symmetric, LU otherwise.
///
/// ```
/// use thermorbit::linalg::CsrMatrix;
/// use thermorbit::solve::DirectSolver;
/// // 2 −1 / −1 2: x = (1, 1) for b = (1, 1).
/// let a = CsrMatrix::from_triplets(2, &[(0, 0, 2.0), (0, 1, -1.0), (1, 0, -1.0), (1, 1, 2.0)]);
/// let mut direct = DirectSolver::new(true);
/// direct.factorize(&a)?;
/// let mut x = [0.0; 2];
/// direct.solve_factored_mut(&[1.0, 1.0], &mut x)?;
/// assert!((x[0] - 1.0).abs() < 1e-14 && (x[1] - 1.0).abs() < 1e-14);
/// # Ok::<(), thermorbit::error::SolveError>(())
/// ```
pub struct DirectSolver {
    symmetric: bool,
    /// The pattern the symbolic factorization was computed for.
    pattern: Option<SymbolicSparseColMat<usize>>,
    cholesky: Option<CholeskyFactor>,
    symbolic_lu: Option<SymbolicLu<usize>>,
    lu: Option<Box<Lu<usize, f64>>>,
    /// Sweep an `f32` copy of the Cholesky factor.
    single_precision: bool,
    scratch: Scratch,
}

impl std::fmt::Debug for DirectSolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectSolver")
            .field("symmetric", &self.symmetric)
            .field("factored", &self.is_factored())
            .field("single_precision", &self.single_precision)
            .finish()
    }
}

impl DirectSolver {
    /// A direct solver; Cholesky when `symmetric`, LU otherwise.
    pub fn new(symmetric: bool) -> Self {
        Self {
            symmetric,
            pattern: None,
            cholesky: None,
            symbolic_lu: None,
            lu: None,
            single_precision: false,
            scratch: Scratch::default(),
        }
    }

    /// Sweeps an `f32` copy of the supernodal Cholesky factor (`f64`
    /// accumulation) when `on`: half the memory traffic per solve, relative
    /// error about `κ(A) · 6e-8`. Only for solves an outer iteration corrects;
    /// LU and simplicial Cholesky factors keep `f64`. Takes effect at the next
    /// [`Self::factorize`].
    pub fn with_single_precision_sweeps(mut self, on: bool) -> Self {
        self.single_precision = on;
        self
    }

    /// True when a numeric factor is held.
    pub fn is_factored(&self) -> bool {
        if self.symmetric {
            self.cholesky.as_ref().is_some_and(|c| c.factored)
        } else {
            self.lu.is_some()
        }
    }

    fn failure(&self, reason: String) -> SolveError {
        SolveError::LinearSolver {
            solver: self.name(),
            reason,
        }
    }

    /// Keeps the symbolic analysis while `a` has the pattern it was made for;
    /// starts over otherwise.
    fn ensure_pattern(&mut self, a: &CsrMatrix) {
        let same = self.pattern.as_ref().is_some_and(|p| {
            p.ncols() == a.n()
                && p.col_ptr() == a.row_ptr()
                && p.row_idx().len() == a.nnz()
                && p.row_idx()
                    .iter()
                    .zip(a.col_idx())
                    .all(|(&r, &c)| r == c as usize)
        });
        if same {
            return;
        }
        let n = a.n();
        let col_ptr = a.row_ptr().to_vec();
        let row_idx = a.col_idx().iter().map(|&c| c as usize).collect();
        self.pattern = Some(SymbolicSparseColMat::new_checked(
            n, n, col_ptr, None, row_idx,
        ));
        self.cholesky = None;
        self.symbolic_lu = None;
        self.lu = None;
    }

    /// Numeric factorization of `a`, kept for [`Self::solve_factored`]. The
    /// symbolic factorization is computed on the first call and reused for every
    /// later matrix with the same pattern.
    ///
    /// Fails with [`SolveError::LinearSolver`] naming the cause when a Cholesky
    /// pivot is not positive (the matrix is not positive definite) or LU fails.
    pub fn factorize(&mut self, a: &CsrMatrix) -> Result<(), SolveError> {
        self.ensure_pattern(a);
        if let Some(c) = self.cholesky.as_mut() {
            c.factored = false;
        }
        self.lu = None;
        let Some(pattern) = self.pattern.as_ref() else {
            return Err(self.failure("no pattern".into()));
        };
        let mat = SparseColMatRef::new(pattern.as_ref(), a.values());
        let par = faer::get_global_parallelism();
        if self.symmetric {
            if self.cholesky.is_none() {
                let symbolic = factorize_symbolic_cholesky(
                    pattern.as_ref(),
                    Side::Lower,
                    SymmetricOrdering::Amd,
                    Default::default(),
                )
                .map_err(|e| self.failure(format!("symbolic Cholesky: {e:?}")))?;
                let workspace = MemBuffer::try_new(
                    symbolic.factorize_numeric_llt_scratch::<f64>(par, Default::default()),
                )
                .map_err(|e| self.failure(format!("Cholesky workspace: {e:?}")))?;
                let plan = match symbolic.raw() {
                    SymbolicCholeskyRaw::Supernodal(sn) => Some(SweepPlan::new(sn)),
                    SymbolicCholeskyRaw::Simplicial(_) => None,
                };
                self.cholesky = Some(CholeskyFactor {
                    plan,
                    values: vec![0.0; symbolic.len_val()],
                    values_f32: Vec::new(),
                    symbolic,
                    workspace,
                    factored: false,
                });
            }
            let Some(c) = self.cholesky.as_mut() else {
                return Err(self.failure("no symbolic factorization".into()));
            };
            let result = c.symbolic.factorize_numeric_llt(
                &mut c.values,
                mat,
                Side::Lower,
                LltRegularization::default(),
                par,
                MemStack::new(&mut c.workspace),
                Default::default(),
            );
            match result {
                Ok(_) => {
                    c.factored = true;
                    c.values_f32.clear();
                    if self.single_precision {
                        c.values_f32.extend(c.values.iter().map(|&v| v as f32));
                    }
                }
                Err(e) => {
                    return Err(self.failure(format!(
                        "Cholesky factorization failed ({e:?}): the matrix is not positive \
                         definite — a node may have no path to a boundary or to a node with \
                         heat capacity"
                    )))
                }
            }
        } else {
            if self.symbolic_lu.is_none() {
                let s = SymbolicLu::try_new(pattern.as_ref())
                    .map_err(|e| self.failure(format!("symbolic LU: {e:?}")))?;
                self.symbolic_lu = Some(s);
            }
            let Some(sym) = self.symbolic_lu.clone() else {
                return Err(self.failure("no symbolic factorization".into()));
            };
            let f = Lu::try_new_with_symbolic(sym, mat)
                .map_err(|e| self.failure(format!("LU factorization failed: {e:?}")))?;
            self.lu = Some(Box::new(f));
        }
        Ok(())
    }

    /// Solves `A x = b` with the factor of the last [`Self::factorize`],
    /// allocating its scratch (for occasional solves; see [`Self::solve_factored_mut`]).
    pub fn solve_factored(&self, b: &[f64], x: &mut [f64]) -> Result<(), SolveError> {
        self.solve_with(b, x, &mut Scratch::default())
    }

    /// [`Self::solve_factored`] with the solver's own scratch: no allocation after the first call.
    pub fn solve_factored_mut(&mut self, b: &[f64], x: &mut [f64]) -> Result<(), SolveError> {
        let mut scratch = std::mem::take(&mut self.scratch);
        let result = self.solve_with(b, x, &mut scratch);
        self.scratch = scratch;
        result
    }

    fn solve_with(&self, b: &[f64], x: &mut [f64], s: &mut Scratch) -> Result<(), SolveError> {
        let n = x.len();
        if b.len() != n {
            return Err(self.failure(format!(
                "right-hand side has {} entries for {n} unknowns",
                b.len()
            )));
        }
        if self.symmetric {
            let Some(c) = self.cholesky.as_ref().filter(|c| c.factored) else {
                return Err(self.failure("no numeric factorization to solve with".into()));
            };
            // Taken out of the scratch so that the sweeps may borrow the rest of it.
            let mut permuted = std::mem::take(&mut s.permuted);
            permuted.resize(n, 0.0);
            let perm = c.symbolic.perm();
            // The permutations in and out: rows in parallel fixed chunks.
            match perm {
                Some(p) => {
                    let fwd = p.arrays().0;
                    par_fill(&mut permuted, |k| b[fwd[k]]);
                }
                None => permuted.copy_from_slice(b),
            }
            match (c.symbolic.raw(), c.plan.as_ref()) {
                (SymbolicCholeskyRaw::Supernodal(_), Some(plan)) if c.values_f32.is_empty() => {
                    supernodal_solve(plan, &c.values, &mut permuted, s)
                }
                (SymbolicCholeskyRaw::Supernodal(_), Some(plan)) => {
                    supernodal_solve(plan, &c.values_f32, &mut permuted, s)
                }
                (SymbolicCholeskyRaw::Supernodal(_), None) => {
                    return Err(self.failure("supernodal factor without its sweep plan".into()))
                }
                (SymbolicCholeskyRaw::Simplicial(sp), _) => SimplicialLltRef::new(sp, &c.values)
                    .solve_in_place_with_conj(
                        Conj::No,
                        MatMut::from_column_major_slice_mut(&mut permuted, n, 1),
                        Par::Seq,
                        MemStack::new(&mut MemBuffer::new(StackReq::EMPTY)),
                    ),
            }
            match perm {
                Some(p) => {
                    let inv = p.arrays().1;
                    par_fill(x, |i| permuted[inv[i]]);
                }
                None => x.copy_from_slice(&permuted),
            }
            s.permuted = permuted;
        } else {
            let Some(lu) = self.lu.as_ref() else {
                return Err(self.failure("no numeric factorization to solve with".into()));
            };
            x.copy_from_slice(b);
            lu.solve_transpose_in_place(MatMut::from_column_major_slice_mut(x, n, 1));
        }
        if x.iter().all(|v| v.is_finite()) {
            Ok(())
        } else {
            Err(self.failure("the solution is not finite: the matrix is singular".into()))
        }
    }
}

impl LinearSolver for DirectSolver {
    fn name(&self) -> &'static str {
        if self.symmetric {
            "cholesky"
        } else {
            "lu"
        }
    }

    /// Factorizes `a` (numeric part only after the first call) and solves;
    /// fails when the relative residual exceeds `DIRECT_RESIDUAL_LIMIT` (a
    /// singular or nearly singular matrix).
    fn solve(
        &mut self,
        a: &CsrMatrix,
        b: &[f64],
        x: &mut [f64],
        _rtol: f64,
    ) -> Result<LinearStats, SolveError> {
        self.factorize(a)?;
        self.solve_factored_mut(b, x)?;
        let relative_residual = relative_residual(a, b, x);
        if !relative_residual.is_finite() || relative_residual > DIRECT_RESIDUAL_LIMIT {
            return Err(self.failure(format!(
                "solution is inaccurate (relative residual {relative_residual:.2e}): the matrix \
                 is singular or nearly so — check that every node has a path to a boundary"
            )));
        }
        Ok(LinearStats {
            iterations: 1,
            relative_residual,
        })
    }
}

/// The kept factor as a preconditioner, `z = A_f⁻¹ r` with `A_f` the matrix of
/// the last [`DirectSolver::factorize`] (the matrix `a` being solved may have
/// moved on: a stale factor of a nearby matrix is an excellent preconditioner
/// for it). Cholesky's `L Lᵀ` is symmetric positive definite, as CG requires.
impl Preconditioner for DirectSolver {
    fn apply(&mut self, _a: &CsrMatrix, r: &[f64], z: &mut [f64]) -> Result<(), SolveError> {
        self.solve_factored_mut(r, z)
    }
}

/// One supernode of the sweeps, flattened from faer's symbolic structure once
/// per pattern (faer's per-call `supernode` view cost ≈ 5 % of a sweep on the
/// many small supernodes of a 2D grid).
#[derive(Debug, Clone, Copy)]
struct SweepNode {
    /// First column.
    start: usize,
    /// Columns (`m`).
    width: usize,
    /// Its pattern rows are `SweepPlan::rows[pattern_begin..pattern_end]` (`p` rows).
    pattern_begin: usize,
    pattern_end: usize,
    /// Offset of its column-major `(m + p) × m` block in the factor's values.
    values: usize,
}

/// Subtrees of the supernodal elimination tree swept by one task: supernode
/// ranges `nodes` (each a whole subtree, in postorder) whose columns lie in `cols`.
#[derive(Debug, Clone, Default)]
struct SweepPart {
    nodes: Vec<std::ops::Range<usize>>,
    cols: std::ops::Range<usize>,
}

/// Two halves of the elimination forest swept in parallel, and the supernodes
/// above them (their common ancestors) swept alone.
#[derive(Debug, Clone)]
struct SweepSplit {
    halves: [SweepPart; 2],
    /// Supernodes in no half, increasing (every ancestor of a half's supernode
    /// outside that half is one of them).
    top: Vec<usize>,
    /// Columns of the `top` supernodes.
    top_cols: Vec<usize>,
    /// Slot of each column in `top_cols` (`u32::MAX` for other columns).
    top_slot: Vec<u32>,
}

/// The supernodal factor's structure, flattened for the triangular sweeps, with
/// an optional fixed split of the elimination tree into two parallel halves.
#[derive(Debug, Clone)]
struct SweepPlan {
    nodes: Vec<SweepNode>,
    /// Every supernode's pattern rows, as `u32` (the matrix's column indices
    /// are `u32`, so every row fits): the sweeps read one per stored entry of
    /// a one-column supernode, beside its `f32` value.
    rows: Vec<u32>,
    split: Option<SweepSplit>,
}

/// Factors with fewer stored entries are swept on one thread: below this,
/// `rayon::join`'s few microseconds outweigh half a sweep.
const PARALLEL_SWEEP_MIN_ENTRIES: usize = 200_000;

/// A split is used only when it cuts the sweep's critical path (the larger
/// half plus the top part, in stored entries) to at most this fraction of the
/// whole.
const PARALLEL_SWEEP_MAX_PATH: f64 = 0.75;

/// Expansions of the heaviest subtree tried while looking for a balanced split.
const PARALLEL_SWEEP_EXPANSIONS: usize = 256;

impl SweepPlan {
    /// Flattens `s` and looks for a split. The supernodal elimination tree has
    /// `parent(k)` = the supernode holding the first row of `k`'s pattern (the
    /// rows of a column of `L` are its ancestors: Liu, "The role of elimination
    /// trees in sparse factorization", *SIAM J. Matrix Anal. Appl.* 11, 1990).
    /// The split is sought by repeatedly replacing the heaviest candidate
    /// subtree by its children (its root joins the top part), cutting the
    /// candidates, in order, where the larger side plus the top part is least.
    fn new(s: &SymbolicSupernodalCholesky<usize>) -> Self {
        let count = s.n_supernodes();
        let offsets = s.col_ptr_for_val();
        let mut rows = Vec::new();
        let mut nodes = Vec::with_capacity(count);
        for (k, (&end, &values)) in s.supernode_end().iter().zip(offsets).enumerate() {
            let node = s.supernode(k);
            let width = end - node.start();
            let pattern_begin = rows.len();
            rows.extend(node.pattern().iter().map(|&r| r as u32));
            nodes.push(SweepNode {
                start: node.start(),
                width,
                pattern_begin,
                pattern_end: rows.len(),
                values,
            });
        }
        let mut plan = Self {
            nodes,
            rows,
            split: None,
        };
        if offsets.get(count).copied().unwrap_or(0) >= PARALLEL_SWEEP_MIN_ENTRIES {
            plan.split = plan.find_split(s.nrows());
        }
        plan
    }

    /// Supernode `k`: its width `m`, pattern rows and `(m + p) × m` block of `values`.
    fn node<'v, V>(&self, k: usize, values: &'v [V]) -> (usize, &[u32], &'v [V]) {
        let nd = self.nodes[k];
        let pattern = &self.rows[nd.pattern_begin..nd.pattern_end];
        let rows = nd.width + pattern.len();
        (
            nd.width,
            pattern,
            &values[nd.values..nd.values + rows * nd.width],
        )
    }

    fn find_split(&self, n: usize) -> Option<SweepSplit> {
        let count = self.nodes.len();
        let mut sn_of_col = vec![0usize; n];
        for (k, nd) in self.nodes.iter().enumerate() {
            sn_of_col[nd.start..nd.start + nd.width].fill(k);
        }
        let weight = |nd: &SweepNode| (nd.width + nd.pattern_end - nd.pattern_begin) * nd.width;
        let mut parent = vec![usize::MAX; count];
        let mut first: Vec<usize> = (0..count).collect();
        let mut size = vec![1usize; count];
        let mut work: Vec<usize> = self.nodes.iter().map(weight).collect();
        for k in 0..count {
            let nd = self.nodes[k];
            if nd.pattern_end > nd.pattern_begin {
                let p = sn_of_col[self.rows[nd.pattern_begin] as usize];
                if p <= k {
                    return None;
                }
                parent[k] = p;
                first[p] = first[p].min(first[k]);
                size[p] += size[k];
                work[p] += work[k];
            }
        }
        // Each subtree must be a contiguous range ending at its root (postorder).
        if (0..count).any(|k| k + 1 - first[k] != size[k]) {
            return None;
        }
        let mut children = vec![Vec::new(); count];
        for k in 0..count {
            if parent[k] != usize::MAX {
                children[parent[k]].push(k);
            }
        }
        let total: usize = self.nodes.iter().map(weight).sum();
        let mut candidates: Vec<usize> = (0..count).filter(|&k| parent[k] == usize::MAX).collect();
        let mut best: Option<(usize, Vec<usize>, usize)> = None;
        for _ in 0..PARALLEL_SWEEP_EXPANSIONS {
            candidates.sort_unstable();
            let inside: usize = candidates.iter().map(|&c| work[c]).sum();
            let top = total - inside;
            let mut left = 0;
            for cut in 1..candidates.len() {
                left += work[candidates[cut - 1]];
                let path = left.max(inside - left) + top;
                if best.as_ref().is_none_or(|b| path < b.0) {
                    best = Some((path, candidates.clone(), cut));
                }
            }
            let heaviest = candidates
                .iter()
                .enumerate()
                .filter(|(_, &c)| !children[c].is_empty())
                .max_by_key(|(_, &c)| (work[c], c));
            let Some((at, &c)) = heaviest else {
                break;
            };
            candidates.swap_remove(at);
            candidates.extend_from_slice(&children[c]);
        }
        let (path, candidates, cut) = best?;
        if path as f64 > PARALLEL_SWEEP_MAX_PATH * total as f64 {
            return None;
        }
        let part = |roots: &[usize]| SweepPart {
            nodes: roots.iter().map(|&c| first[c]..c + 1).collect(),
            cols: roots.first().map_or(0, |&c| self.nodes[first[c]].start)
                ..roots
                    .last()
                    .map_or(0, |&c| self.nodes[c].start + self.nodes[c].width),
        };
        let halves = [part(&candidates[..cut]), part(&candidates[cut..])];
        let mut in_half = vec![false; count];
        for r in halves.iter().flat_map(|h| h.nodes.iter()) {
            in_half[r.clone()].fill(true);
        }
        let top: Vec<usize> = (0..count).filter(|&k| !in_half[k]).collect();
        let mut top_cols = Vec::new();
        let mut top_slot = vec![u32::MAX; n];
        for &k in &top {
            let nd = self.nodes[k];
            for (col, slot) in top_slot[nd.start..nd.start + nd.width]
                .iter_mut()
                .enumerate()
            {
                *slot = u32::try_from(top_cols.len()).ok()?;
                top_cols.push(nd.start + col);
            }
        }
        Some(SweepSplit {
            halves,
            top,
            top_cols,
            top_slot,
        })
    }
}

/// Scratch of one half of a parallel sweep.
#[derive(Debug, Default)]
struct HalfScratch {
    /// One supernode's pattern rows.
    tmp: Vec<f64>,
    /// Forward sweep: updates to the top columns outside the half's own columns.
    outside: Vec<f64>,
}

/// The part of `x` one sweep task owns: `own` is `x[offset..offset + own.len()]`;
/// rows beyond it are top columns, reached through `top_slot`.
struct Window<'a> {
    own: &'a mut [f64],
    offset: usize,
    top_slot: &'a [u32],
}

/// Forward sweep (`L y = b`) over supernodes `nodes` (increasing) of `plan`:
/// column by column within each supernode, updating the block's own rows and
/// accumulating the pattern rows' updates in `tmp`, scattered once per
/// supernode — into `x` for rows in the window, added into `outside` (by top
/// slot) for the others. A one-column supernode (most of a 2D grid's) scatters
/// directly. `values` are the factor's entries (`f64` or `f32`), accumulated
/// in `f64`. (Accumulating four columns per pass over `tmp` measured no faster.)
fn forward_sweep<V: Copy + Into<f64>>(
    plan: &SweepPlan,
    values: &[V],
    nodes: impl Iterator<Item = usize>,
    w: &mut Window<'_>,
    outside: &mut [f64],
    tmp: &mut Vec<f64>,
) {
    let end = w.offset + w.own.len();
    for k in nodes {
        let (m, pattern, l) = plan.node(k, values);
        let (p, rows) = (pattern.len(), m + pattern.len());
        let local = plan.nodes[k].start - w.offset;
        if m == 1 {
            let xc = w.own[local] / l[0].into();
            w.own[local] = xc;
            for (&row, &v) in pattern.iter().zip(&l[1..]) {
                let (row, t) = (row as usize, v.into() * xc);
                if row < end {
                    w.own[row - w.offset] -= t;
                } else {
                    outside[w.top_slot[row] as usize] += t;
                }
            }
            continue;
        }
        tmp.clear();
        tmp.resize(p, 0.0);
        let xs = &mut w.own[local..local + m];
        for c in 0..m {
            let col = &l[c * rows..(c + 1) * rows];
            let xc = xs[c] / col[c].into();
            xs[c] = xc;
            for (xr, &v) in xs[c + 1..].iter_mut().zip(&col[c + 1..m]) {
                *xr -= v.into() * xc;
            }
            for (t, &v) in tmp.iter_mut().zip(&col[m..]) {
                *t += v.into() * xc;
            }
        }
        for (&row, &t) in pattern.iter().zip(tmp.iter()) {
            let row = row as usize;
            if row < end {
                w.own[row - w.offset] -= t;
            } else {
                outside[w.top_slot[row] as usize] += t;
            }
        }
    }
}

/// Backward sweep (`Lᵀ x = y`) over supernodes `nodes` (decreasing): the
/// pattern rows gathered once into `tmp` (from the window, or from `above`,
/// the top columns' final values, by top slot), then dot products. A
/// one-column supernode reads its pattern rows directly.
fn backward_sweep<V: Copy + Into<f64>>(
    plan: &SweepPlan,
    values: &[V],
    nodes: impl Iterator<Item = usize>,
    w: &mut Window<'_>,
    above: &[f64],
    tmp: &mut Vec<f64>,
) {
    let end = w.offset + w.own.len();
    let read = |own: &[f64], row: u32| {
        let row = row as usize;
        if row < end {
            own[row - w.offset]
        } else {
            above[w.top_slot[row] as usize]
        }
    };
    for k in nodes {
        let (m, pattern, l) = plan.node(k, values);
        let rows = m + pattern.len();
        let local = plan.nodes[k].start - w.offset;
        if m == 1 {
            let mut acc = [0.0; 2];
            for (j, (&row, &v)) in pattern.iter().zip(&l[1..]).enumerate() {
                acc[j & 1] += v.into() * read(w.own, row);
            }
            w.own[local] = (w.own[local] - (acc[0] + acc[1])) / l[0].into();
            continue;
        }
        tmp.clear();
        tmp.extend(pattern.iter().map(|&row| read(w.own, row)));
        let xs = &mut w.own[local..local + m];
        for c in (0..m).rev() {
            let col = &l[c * rows..(c + 1) * rows];
            let sum = xs[c] - dot(&col[c + 1..m], &xs[c + 1..]) - dot(&col[m..], tmp);
            xs[c] = sum / col[c].into();
        }
    }
}

/// Splits `x` into the two halves' windows (`a.cols` before `b.cols`).
fn half_windows<'a>(x: &'a mut [f64], split: &'a SweepSplit) -> (Window<'a>, Window<'a>) {
    let [a, b] = &split.halves;
    let (_, rest) = x.split_at_mut(a.cols.start);
    let (own_a, rest) = rest.split_at_mut(a.cols.end - a.cols.start);
    let (_, rest) = rest.split_at_mut(b.cols.start - a.cols.end);
    let (own_b, _) = rest.split_at_mut(b.cols.end - b.cols.start);
    let window = |own, offset| Window {
        own,
        offset,
        top_slot: &split.top_slot,
    };
    (window(own_a, a.cols.start), window(own_b, b.cols.start))
}

/// Solves `L Lᵀ x = b` in place for a supernodal Cholesky factor (rows already
/// permuted) laid out by `plan`; `values` are the factor's entries (`f64` or
/// their `f32` copy), accumulated in `f64`. Each supernode's values are a
/// column-major `(m + p) × m` block: its `m × m` lower-triangular diagonal block
/// over the `p` rows of its pattern.
///
/// With a split, the two halves of the elimination forest are independent
/// (a supernode's pattern rows are its ancestors: its own half or the top), so
/// the forward sweep runs them in parallel (`rayon::join`), each adding its
/// updates of top columns outside its own columns into its own buffer; the
/// buffers are subtracted in a fixed order (half 0, then half 1) before the top
/// supernodes are swept. The backward sweep runs the top first, then the
/// halves in parallel, reading the top's final values. The split and every
/// summation order are fixed by the pattern, so the result has the same bits on
/// one thread or two.
fn supernodal_solve<V: Copy + Into<f64> + Sync>(
    plan: &SweepPlan,
    values: &[V],
    x: &mut [f64],
    s: &mut Scratch,
) {
    let Some(split) = plan.split.as_ref() else {
        let all = 0..plan.nodes.len();
        let mut w = Window {
            own: x,
            offset: 0,
            top_slot: &[],
        };
        forward_sweep(plan, values, all.clone(), &mut w, &mut [], &mut s.tmp);
        backward_sweep(plan, values, all.rev(), &mut w, &[], &mut s.tmp);
        return;
    };
    let slots = split.top_cols.len();
    let [ha, hb] = &mut s.halves;
    {
        let (mut wa, mut wb) = half_windows(x, split);
        let half = |part: &SweepPart, w: &mut Window<'_>, h: &mut HalfScratch| {
            h.outside.clear();
            h.outside.resize(slots, 0.0);
            let nodes = part.nodes.iter().flat_map(|r| r.clone());
            forward_sweep(plan, values, nodes, w, &mut h.outside, &mut h.tmp);
        };
        let [pa, pb] = &split.halves;
        rayon::join(|| half(pa, &mut wa, ha), || half(pb, &mut wb, hb));
    }
    for h in [&*ha, &*hb] {
        for (&col, &u) in split.top_cols.iter().zip(&h.outside) {
            x[col] -= u;
        }
    }
    let mut w = Window {
        own: x,
        offset: 0,
        top_slot: &[],
    };
    let top = split.top.iter().copied();
    forward_sweep(plan, values, top.clone(), &mut w, &mut [], &mut s.tmp);
    backward_sweep(plan, values, top.rev(), &mut w, &[], &mut s.tmp);
    s.above.clear();
    s.above.extend(split.top_cols.iter().map(|&col| x[col]));
    let above = s.above.as_slice();
    let (mut wa, mut wb) = half_windows(x, split);
    let half = |part: &SweepPart, w: &mut Window<'_>, h: &mut HalfScratch| {
        let nodes = part.nodes.iter().rev().flat_map(|r| r.clone().rev());
        backward_sweep(plan, values, nodes, w, above, &mut h.tmp);
    };
    let [pa, pb] = &split.halves;
    rayon::join(|| half(pa, &mut wa, ha), || half(pb, &mut wb, hb));
}

/// Dot product with four independent partial sums (breaks the add latency
/// chain), `a` widened to `f64`.
fn dot<V: Copy + Into<f64>>(a: &[V], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (p, q) in (&mut ca).zip(&mut cb) {
        acc[0] += p[0].into() * q[0];
        acc[1] += p[1].into() * q[1];
        acc[2] += p[2].into() * q[2];
        acc[3] += p[3].into() * q[3];
    }
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(&p, q)| p.into() * q)
        .sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2D 5-point Laplacian on an `m × m` grid plus `shift` on the diagonal
    /// (large enough for supernodes).
    fn laplacian_2d(m: usize, shift: f64) -> CsrMatrix {
        let mut t = Vec::new();
        let id = |i: usize, j: usize| j * m + i;
        for j in 0..m {
            for i in 0..m {
                t.push((id(i, j), id(i, j), 4.0 + shift));
                if i > 0 {
                    t.push((id(i, j), id(i - 1, j), -1.0));
                }
                if i + 1 < m {
                    t.push((id(i, j), id(i + 1, j), -1.0));
                }
                if j > 0 {
                    t.push((id(i, j), id(i, j - 1), -1.0));
                }
                if j + 1 < m {
                    t.push((id(i, j), id(i, j + 1), -1.0));
                }
            }
        }
        CsrMatrix::from_triplets(m * m, &t)
    }

    #[test]
    fn kept_factor_solves_to_round_off_and_refactors_with_new_values() {
        let mut a = laplacian_2d(40, 0.01);
        let n = a.n();
        let x_true: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() + 2.0).collect();
        let mut b = vec![0.0; n];
        a.mul_vec(&x_true, &mut b);
        let mut d = DirectSolver::new(true);
        assert!(d.solve_factored(&b, &mut vec![0.0; n]).is_err());
        d.factorize(&a).unwrap();
        let mut x = vec![0.0; n];
        d.solve_factored_mut(&b, &mut x).unwrap();
        assert!(relative_residual(&a, &b, &x) < 1e-13);
        // The shared-reference solve gives the same bits.
        let mut x2 = vec![0.0; n];
        d.solve_factored(&b, &mut x2).unwrap();
        assert_eq!(x, x2);
        // New values, same pattern: only the numeric factorization is redone.
        for v in a.values_mut() {
            *v *= 2.0;
        }
        d.factorize(&a).unwrap();
        d.solve_factored_mut(&b, &mut x).unwrap();
        for (p, q) in x.iter().zip(&x_true) {
            assert!((p - 0.5 * q).abs() < 1e-11 * q.abs());
        }
    }

    #[test]
    fn single_precision_sweeps_are_close_and_a_stale_factor_preconditions_cg() {
        let a = laplacian_2d(256, 0.01);
        let n = a.n();
        let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.21).cos()).collect();
        let mut d = DirectSolver::new(true).with_single_precision_sweeps(true);
        d.factorize(&a).unwrap();
        let mut x = vec![0.0; n];
        d.solve_factored_mut(&b, &mut x).unwrap();
        let rel = relative_residual(&a, &b, &x);
        // f32 rounding (a supernodal factor at this size): far from f64 round-off, yet a good correction.
        assert!(rel > 1e-12 && rel < 1e-4, "{rel:.2e}");
        // The same (f32) factor preconditions CG on a moved matrix (shift
        // 0.01 → 0.012 on the diagonal) in a few iterations to 1e-10.
        let moved = laplacian_2d(256, 0.012);
        let mut y = vec![0.0; n];
        let stats =
            crate::linalg::krylov::pcg(&moved, &b, &mut y, 1e-10, 20, &mut d, "test").unwrap();
        assert!(stats.iterations <= 8, "{} iterations", stats.iterations);
        assert!(relative_residual(&moved, &b, &y) < 1e-9);
    }

    /// The 256² grid's factor is split into two parallel halves; the split
    /// sweep solves to round-off and gives the same bits on one and two threads.
    #[test]
    fn split_sweeps_solve_exactly_with_the_same_bits_on_one_and_two_threads() {
        let a = laplacian_2d(256, 0.01);
        let n = a.n();
        let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() + 0.5).collect();
        let mut d = DirectSolver::new(true);
        d.factorize(&a).unwrap();
        let split = d
            .cholesky
            .as_ref()
            .and_then(|c| c.plan.as_ref())
            .and_then(|p| p.split.as_ref())
            .expect("a split at 256²");
        let [h0, h1] = &split.halves;
        assert!(h0.cols.end <= h1.cols.start && !split.top.is_empty());
        let solve_on = |threads: usize, d: &mut DirectSolver| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut x = vec![0.0; n];
            pool.install(|| d.solve_factored_mut(&b, &mut x)).unwrap();
            x
        };
        let one = solve_on(1, &mut d);
        let two = solve_on(2, &mut d);
        assert_eq!(one, two);
        assert!(relative_residual(&a, &b, &one) < 1e-13);
    }

    #[test]
    fn wrong_length_and_indefinite_matrices_are_errors() {
        let a = laplacian_2d(4, 0.0);
        let mut d = DirectSolver::new(true);
        d.factorize(&a).unwrap();
        assert!(d.solve_factored(&[1.0; 3], &mut [0.0; 16]).is_err());
        let indefinite = laplacian_2d(4, -6.0);
        let err = d.factorize(&indefinite).unwrap_err().to_string();
        assert!(err.contains("not positive definite"), "{err}");
        assert!(!d.is_factored());
    }
}
