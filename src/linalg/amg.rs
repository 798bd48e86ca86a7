//! Algebraic multigrid by aggregation, for networks without (enough) grid
//! structure, and as the preconditioner of the non-symmetric Krylov solver.
//!
//! Aggregates follow the three-pass greedy algorithm of Vaněk, Mandel &
//! Brezina ("Algebraic multigrid by smoothed aggregation for second and fourth
//! order elliptic problems", *Computing* 56, 1996, §3): node `j` is a strong
//! neighbour of `i` when `|a_ij| ≥ θ √(a_ii a_jj)`; pass 1 makes an aggregate of
//! every node whose strong neighbourhood is still free, pass 2 attaches the
//! remaining nodes to the aggregate of a strong neighbour, pass 3 groups what
//! is left. The interpolation is piecewise constant (plain aggregation) and the
//! coarse operator the Galerkin product `Pᵀ A P` from the actual CSR matrix,
//! with the couplings between aggregates scaled (Braess 1995's remedy for the
//! over-counted coarse conductances of plain aggregation) and the diagonal
//! corrected so the row sums are kept; see [`crate::linalg::multigrid`] for the
//! rest of the machinery (smoothing, coarsest solve, structure reuse).

use crate::error::{InternalError, SolveError};
use crate::linalg::krylov::{bicgstab, pcg};
use crate::linalg::multigrid::VCycle;
use crate::linalg::{Coarsening, CsrMatrix, Hierarchy, LinearSolver, LinearStats};
use crate::linalg::{MultigridOptions, Smoother};

/// Strength threshold θ (Vaněk, Mandel & Brezina 1996 use 0.08·(½)^level; a
/// fixed 0.08 keeps coarse levels well connected).
pub(crate) const STRENGTH_THRESHOLD: f64 = 0.08;

const FREE: u32 = u32::MAX;

/// Aggregates of the matrix graph: the aggregate of each unknown and their count.
pub(crate) fn aggregate(a: &CsrMatrix, theta: f64) -> (Vec<u32>, usize) {
    let n = a.n();
    let (rp, ci, v) = (a.row_ptr(), a.col_idx(), a.values());
    let diag: Vec<f64> = (0..n).map(|i| a.get(i, i).abs()).collect();
    let strong = |i: usize, p: usize| -> bool {
        let j = ci[p] as usize;
        j != i && v[p].abs() >= theta * (diag[i] * diag[j]).sqrt() && v[p] != 0.0
    };
    let mut agg = vec![FREE; n];
    let mut count = 0u32;
    // Pass 1: roots whose strong neighbourhood is entirely free.
    for i in 0..n {
        if agg[i] != FREE {
            continue;
        }
        let free = (rp[i]..rp[i + 1]).all(|p| !strong(i, p) || agg[ci[p] as usize] == FREE);
        let has_strong = (rp[i]..rp[i + 1]).any(|p| strong(i, p));
        if free && has_strong {
            agg[i] = count;
            for p in rp[i]..rp[i + 1] {
                if strong(i, p) {
                    agg[ci[p] as usize] = count;
                }
            }
            count += 1;
        }
    }
    // Pass 2: attach to the aggregate of the strongest aggregated neighbour.
    let pass1 = agg.clone();
    for i in 0..n {
        if agg[i] != FREE {
            continue;
        }
        let mut best: Option<(f64, u32)> = None;
        for p in rp[i]..rp[i + 1] {
            let j = ci[p] as usize;
            if strong(i, p) && pass1[j] != FREE && best.is_none_or(|(w, _)| v[p].abs() > w) {
                best = Some((v[p].abs(), pass1[j]));
            }
        }
        if let Some((_, g)) = best {
            agg[i] = g;
        }
    }
    // Pass 3: the rest with their free strong neighbours (singletons if isolated).
    for i in 0..n {
        if agg[i] != FREE {
            continue;
        }
        agg[i] = count;
        for (p, &j) in ci.iter().enumerate().take(rp[i + 1]).skip(rp[i]) {
            if strong(i, p) && agg[j as usize] == FREE {
                agg[j as usize] = count;
            }
        }
        count += 1;
    }
    (agg, count as usize)
}

/// Algebraic multigrid as a preconditioner: of CG when the system is
/// symmetric, of BiCGStab otherwise.
pub struct AlgebraicMultigrid {
    symmetric: bool,
    options: MultigridOptions,
    hierarchy: Option<Hierarchy>,
    /// Krylov iteration limit.
    pub max_iterations: usize,
}

impl AlgebraicMultigrid {
    /// Options for a symmetric (`true`) or non-symmetric system.
    pub fn default_options(symmetric: bool) -> MultigridOptions {
        MultigridOptions {
            smoother: if symmetric {
                Smoother::Chebyshev {
                    degree: 2,
                    ratio: 4.0,
                }
            } else {
                Smoother::Jacobi {
                    sweeps: 2,
                    omega: 0.7,
                }
            },
            coupling_scale: 0.5,
            ..MultigridOptions::default()
        }
    }

    /// A solver for a symmetric or non-symmetric system.
    pub fn new(symmetric: bool) -> Self {
        Self::with_options(symmetric, Self::default_options(symmetric))
    }

    /// A solver with explicit multigrid options.
    pub fn with_options(symmetric: bool, options: MultigridOptions) -> Self {
        Self {
            symmetric,
            options,
            hierarchy: None,
            max_iterations: 1000,
        }
    }

    /// The hierarchy built by the last solve, if any.
    pub fn hierarchy(&self) -> Option<&Hierarchy> {
        self.hierarchy.as_ref()
    }

    fn prepare(&mut self, a: &CsrMatrix) -> Result<&mut Hierarchy, SolveError> {
        match &mut self.hierarchy {
            Some(h) if h.fits(a) => h.update(a)?,
            _ => {
                self.hierarchy = Some(Hierarchy::new(
                    a,
                    &Coarsening::Algebraic {
                        theta: STRENGTH_THRESHOLD,
                    },
                    self.symmetric,
                    self.options,
                    false,
                    None,
                )?)
            }
        }
        self.hierarchy
            .as_mut()
            .ok_or_else(|| InternalError::new("amg: no hierarchy after building one").into())
    }
}

impl LinearSolver for AlgebraicMultigrid {
    fn name(&self) -> &'static str {
        if self.symmetric {
            "amg-cg"
        } else {
            "amg-bicgstab"
        }
    }

    fn solve(
        &mut self,
        a: &CsrMatrix,
        b: &[f64],
        x: &mut [f64],
        rtol: f64,
    ) -> Result<LinearStats, SolveError> {
        let (max_it, symmetric, name) = (self.max_iterations, self.symmetric, self.name());
        let h = self.prepare(a)?;
        if symmetric {
            pcg(a, b, x, rtol, max_it, &mut VCycle::new(h), name)
        } else {
            bicgstab(a, b, x, rtol, max_it, &mut VCycle::new(h), name)
        }
    }
}
