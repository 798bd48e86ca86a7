//! Multigrid hierarchies and the multigrid-preconditioned conjugate gradient
//! solver for structured panel grids.
//!
//! # Geometric multigrid on cell-centred grids
//!
//! Each grid block of the matrix (a panel's cells, all unknowns) is coarsened
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
//!   ([`crate::linalg::stencil`]; 12 bytes per row and pass instead of about
//!   84 for CSR), CG's own products the exact matrix (CSR, or its `f64`
//!   stencil form for a matrix that serves many solves). With diagonal
//!   updates the coarse levels keep only that form (the coarsest also its CSR
//!   for the factorisation), and their `f64` diagonals are chained level to
//!   level through the work vectors at each update.
//!
//! With fixed-temperature edges the row-sum rule counts the half-cell edge
//! conductances twice on coarse levels, so the V-cycle converges more slowly
//! there than with an area sink (CG preconditioned by the cycle still
//! converges in a few more iterations); the measured convergence factors are
//! in `benches/README.md` ("Figures from the code's comments").
//!
//! The hierarchy's structure (aggregates, interpolation weights, coarse
//! patterns and the map from fine to coarse entries) is built once per
//! sparsity pattern; each new matrix (Newton iteration, time step) redoes only
//! the numeric coarse products, diagonals and the coarsest factorisation.
//!
//! The same machinery, with aggregates from [`crate::linalg::amg`], serves the
//! algebraic multigrid.

pub(crate) mod hierarchy;
mod transfer;

use crate::error::SolveError;
use crate::linalg::krylov::{bicgstab_using, Cg, Preconditioner};
use crate::linalg::parallel::par_copy_into;
use crate::linalg::stencil::{Coefficient, GridOperator};
use crate::linalg::{Chain, CsrMatrix, GridBlock, LinearSolver, LinearStats};

use hierarchy::broken;
pub use hierarchy::Hierarchy;
pub(crate) use hierarchy::{Coarsening, FirstLevel};
pub(crate) use transfer::{galerkin_structure, Transfer, NONE};

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
    /// (for a thermal network, from `AssembledNetwork::grid_blocks`).
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
    /// diagonal (`AssembledNetwork::has_constant_couplings`: Newton
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
            return Err(broken("a prepared solve without a hierarchy"));
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
                    &Coarsening::Geometric(self.blocks.clone(), Vec::new()),
                    true,
                    self.options,
                    self.constant_couplings,
                    self.first_level.take(),
                )?)
            }
        }
        self.hierarchy
            .as_mut()
            .ok_or_else(|| broken("no hierarchy after preparing one"))
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
/// conductors. The grid cells coarsen 2 × 2 as in [`MultigridCg`]; the
/// members of the chains given ([`Self::with_chains`]) pair along the flow
/// level by level (the Galerkin product of an upwind chain over pairs is the
/// upwind chain of half the length: `Transfer::geometric_with_chains`), other
/// lumped nodes stay their own unknowns down to the coarsest level, whose
/// sparse LU solves what is left exactly. Without chains every fluid node
/// reaches the coarsest level, whose LU then carries the advection (which a
/// Jacobi smoother and algebraic aggregation barely touch) but grows with
/// it. Smoothing is damped Jacobi, which needs no symmetry (the aggregation
/// AMG's non-symmetric default).
pub struct MultigridBicgstab {
    blocks: Vec<GridBlock>,
    /// One-way chains of unknowns (coolant along tubes), paired level by level.
    chains: Vec<Chain>,
    options: MultigridOptions,
    hierarchy: Option<Hierarchy>,
    /// Single-precision stencil form of the matrix the hierarchy was prepared
    /// for: the V-cycle's fine-level smoothing and residual passes (when its
    /// grid couplings are symmetric, as conduction's are; else CSR).
    stencil: Option<GridOperator>,
    /// Exact stencil form of the matrix solved: BiCGStab's own products.
    exact: Option<GridOperator<f64>>,
    /// Iteration limit of BiCGStab.
    pub max_iterations: usize,
}

impl MultigridBicgstab {
    /// A solver for a system whose grid blocks are `blocks`
    /// (from the network's grid blocks).
    pub fn new(blocks: Vec<GridBlock>) -> Self {
        Self {
            blocks,
            chains: Vec::new(),
            options: crate::linalg::AlgebraicMultigrid::default_options(false),
            hierarchy: None,
            stencil: None,
            exact: None,
            max_iterations: 500,
        }
    }

    /// Coarsens these chains (coolant nodes along their tubes, from
    /// `AssembledNetwork::flow_chains`) by pairing consecutive members, so the
    /// coarsest level's LU holds a few members per chain instead of all of them.
    pub fn with_chains(mut self, chains: Vec<Chain>) -> Self {
        self.chains = chains;
        self
    }
}

impl MultigridBicgstab {
    /// Builds the hierarchy for `a` (structure and numeric values), or
    /// updates its numeric values (coarse products, smoothers, the coarsest
    /// LU) when `a` has the pattern it was built for; `a` is then also the
    /// matrix solved ([`Self::set_matrix`]).
    pub fn prepare(&mut self, a: &CsrMatrix) -> Result<(), SolveError> {
        self.set_matrix(a);
        follow(&mut self.stencil, a, &self.blocks);
        match &mut self.hierarchy {
            Some(h) if h.fits(a) => h.update(a),
            _ => {
                self.hierarchy = Some(Hierarchy::new(
                    a,
                    &Coarsening::Geometric(self.blocks.clone(), self.chains.clone()),
                    false,
                    self.options,
                    false,
                    None,
                )?);
                Ok(())
            }
        }
    }

    /// Makes `a` (same pattern) the matrix that [`Self::solve_prepared`]
    /// solves, keeping the hierarchy prepared for an earlier one as its
    /// preconditioner.
    pub fn set_matrix(&mut self, a: &CsrMatrix) {
        follow(&mut self.exact, a, &self.blocks);
    }

    /// True once [`Self::prepare`] has built a hierarchy.
    pub fn is_prepared(&self) -> bool {
        self.hierarchy.is_some()
    }

    /// Solves `a x = b` to `rtol` by BiCGStab preconditioned with the
    /// hierarchy of the last [`Self::prepare`], which may have been of another
    /// matrix of the same pattern (an older Jacobian): BiCGStab's products are
    /// always with `a`, so a stale preconditioner costs iterations, never
    /// accuracy. `a` must be the matrix of the last [`Self::prepare`] or
    /// [`Self::set_matrix`] (whose exact stencil form takes the products).
    pub fn solve_prepared(
        &mut self,
        a: &CsrMatrix,
        b: &[f64],
        x: &mut [f64],
        rtol: f64,
    ) -> Result<LinearStats, SolveError> {
        let Some(hierarchy) = self.hierarchy.as_mut().filter(|h| h.fits(a)) else {
            return Err(broken(
                "a prepared solve without a hierarchy for this matrix",
            ));
        };
        let fine = self.stencil.as_ref();
        let mut v_cycle = VCycle { hierarchy, fine };
        let (limit, name) = (self.max_iterations, "multigrid-bicgstab");
        match &self.exact {
            Some(exact) => bicgstab_using(exact, a, b, x, rtol, limit, &mut v_cycle, name),
            None => bicgstab_using(a, a, b, x, rtol, limit, &mut v_cycle, name),
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
        self.prepare(a)?;
        self.solve_prepared(a, b, x, rtol)
    }
}

/// Brings the stencil form `form` up to date with `a` (built on first use):
/// `None` when `a` has no grid cells or a grid coupling that is not symmetric
/// (products then go through CSR).
fn follow<S: Coefficient>(form: &mut Option<GridOperator<S>>, a: &CsrMatrix, blocks: &[GridBlock]) {
    let kept = form.as_mut().is_some_and(|f| f.update(a).is_ok());
    if !kept {
        *form = GridOperator::new(a, blocks);
    }
}
