//! The Newton core's linear solves `(γ C + K) δ = G` (`K δ = G` without a time
//! term): which solver, the matrix kept and rebuilt, and the kept factor or
//! hierarchy used afresh or stale.

use super::state::{Factor, Matrix, StaleFactor};
use super::{
    NewtonCore, GAMMA_REUSE_TOLERANCE, STALE_FACTOR_BUDGET, STALE_FACTOR_GAMMA_RANGE,
    STALE_FACTOR_MAX_ITERATIONS, STALE_PRECONDITIONER_RATE,
};
use crate::error::{InternalError, SolveError};
use crate::linalg::krylov::bicgstab;
use crate::linalg::parallel::par_fill;
use crate::linalg::{DirectSolver, LinearSolver, MultigridBicgstab, MultigridCg, MultigridOptions};
use crate::solve::linear::{
    constant_couplings, flow_chains, grid_blocks, mostly_grid, new_linear_solver,
    LinearSolverChoice, DIRECT_LIMIT_UNKNOWNS,
};
use crate::solve::ThermalSystem;

/// CG iteration limit of the kept multigrid CG (a step needs 1–6).
pub(crate) const MULTIGRID_MAX_ITERATIONS: usize = 200;

/// With `Auto`, a network that is mostly grid cells (at least
/// [`MULTIGRID_GRID_FRACTION`](crate::solve::linear::MULTIGRID_GRID_FRACTION)
/// of its unknowns) and symmetric is solved by multigrid-preconditioned CG with
/// the hierarchy kept across steps above [`DIRECT_LIMIT_UNKNOWNS`] unknowns,
/// as in the steady solver; a sparse direct factorization (kept across steps)
/// is used below that, and for other networks up to this many unknowns (a 2D
/// panel of 300k cells needs about 250 MB for its Cholesky factor), the linear
/// module's `auto` choice above.
///
/// The crossover between the two (measured in `benches/README.md`, "Figures
/// from the code's comments") lies near 128². A step needs about 1.2
/// triangular solve pairs or about 3.2 V-cycles; the V-cycles' working set (a
/// single-precision stencil per level) stays in cache where the factor (2.4 M
/// entries at 256²) does not.
pub(crate) const TRANSIENT_DIRECT_LIMIT_UNKNOWNS: usize = 300_000;

/// A broken invariant of the Newton core: thermorbit's fault, not the input's.
fn internal(reason: &str) -> SolveError {
    SolveError::Internal(InternalError::new(format!("Newton core: {reason}")))
}

/// The linear solver of the Newton systems.
pub(crate) enum StepLinear {
    /// Sparse direct factorization kept across iterations and steps.
    Direct(Box<DirectSolver>),
    /// Multigrid-preconditioned CG with the hierarchy kept across iterations and
    /// steps: built once per pattern ([`MultigridCg::prepare`]), its numeric values
    /// updated only when `γ C + K` is rebuilt, not at every solve.
    Multigrid(Box<MultigridCg>),
    /// Multigrid-preconditioned BiCGStab (panels with coolant tubes: not
    /// symmetric) with the hierarchy kept across iterations and steps, and
    /// kept even when `γ C + K` is rebuilt while it still preconditions well
    /// (see [`NewtonCore::kept_bicgstab_solve`]): BiCGStab's products are always
    /// with the current matrix.
    Bicgstab(Box<MultigridBicgstab>),
    /// Any solver of [`crate::solve::linear`], called afresh every solve (the
    /// steady solver's, and the transient's other choices). Each solve may
    /// overwrite its right-hand side `G`: with this solver the Jacobian is
    /// always up to date, so `G` is evaluated afresh before it is needed again.
    General(Box<dyn LinearSolver>),
}

impl StepLinear {
    /// The solver `choice` resolves to for the step systems `γ C + K` of
    /// `system` (see [`TransientOptions::linear_solver`](crate::solve::TransientOptions));
    /// a choice that does not fit is [`SolveError::UnsuitableLinearSolver`].
    pub(crate) fn for_steps(
        choice: LinearSolverChoice,
        system: &dyn ThermalSystem,
        single_precision: bool,
    ) -> Result<Self, SolveError> {
        let n = system.unknowns();
        let symmetric = system.is_symmetric();
        let blocks = grid_blocks(system);
        let multigrid = |blocks| {
            // γ C + K differs from step to step only on its diagonal when K's
            // couplings are constant: the hierarchy then updates diagonals alone.
            // A kept Jacobian serves many solves: CG's products in exact stencil form.
            let mut mg = MultigridCg::new(blocks, MultigridOptions::default())
                .with_constant_couplings(constant_couplings(system))
                .with_exact_stencil_products(true);
            mg.max_iterations = MULTIGRID_MAX_ITERATIONS;
            StepLinear::Multigrid(Box::new(mg))
        };
        let direct = || {
            StepLinear::Direct(Box::new(
                DirectSolver::new(symmetric).with_single_precision_sweeps(single_precision),
            ))
        };
        let grid = symmetric && mostly_grid(system);
        Ok(match choice {
            LinearSolverChoice::Auto if grid && n > DIRECT_LIMIT_UNKNOWNS => multigrid(blocks),
            // Panels with coolant tubes: advection makes the system non-symmetric.
            LinearSolverChoice::Auto if mostly_grid(system) && n > DIRECT_LIMIT_UNKNOWNS => {
                StepLinear::Bicgstab(Box::new(
                    MultigridBicgstab::new(blocks).with_chains(flow_chains(system)),
                ))
            }
            LinearSolverChoice::Auto if !symmetric || n <= TRANSIENT_DIRECT_LIMIT_UNKNOWNS => {
                direct()
            }
            LinearSolverChoice::Direct => direct(),
            LinearSolverChoice::Multigrid => {
                // The linear module's checks: symmetric, with grid cells.
                new_linear_solver(choice, system)?;
                multigrid(blocks)
            }
            _ => StepLinear::General(new_linear_solver(choice, system)?),
        })
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            StepLinear::Direct(d) => d.name(),
            StepLinear::Multigrid(_) => "multigrid-cg",
            StepLinear::Bicgstab(_) => "multigrid-bicgstab",
            StepLinear::General(s) => s.name(),
        }
    }

    /// True when the solver keeps work between matrices (simplified Newton pays).
    pub(crate) fn keeps_work(&self) -> bool {
        !matches!(self, StepLinear::General(_))
    }
}

impl NewtonCore<'_> {
    /// Brings the system matrix up to date for `gamma` (`None`: no time term,
    /// the matrix is `K`): rebuilds `γ C + K` when `γ` or `K` changed, and
    /// factors it — unless a kept factor of a nearby matrix (`γ` within
    /// [`STALE_FACTOR_GAMMA_RANGE`]) is to precondition Krylov iterations instead.
    pub(super) fn ensure_matrix(&mut self, gamma: Option<f64>) -> Result<(), SolveError> {
        let Some(gamma) = gamma else {
            self.matrix = Matrix::Jacobian;
            return self.factorize();
        };
        if let Matrix::Current { gamma: kept } = self.matrix {
            if (gamma - kept).abs() <= GAMMA_REUSE_TOLERANCE * gamma.abs() {
                return Ok(());
            }
        }
        let diag = self.system.diagonal_positions();
        let mv = self.m.values_mut();
        mv.copy_from_slice(self.k.values());
        for (i, &d) in diag.iter().enumerate() {
            mv[d as usize] += gamma * self.cap[i];
        }
        self.matrix = Matrix::Current { gamma };
        let near = self
            .factor
            .gamma()
            .is_some_and(|fg| (gamma - fg).abs() <= STALE_FACTOR_GAMMA_RANGE * gamma.abs());
        let precondition = near && self.stale_factor == StaleFactor::Precondition;
        match &mut self.linear {
            StepLinear::Direct(direct) if precondition && direct.is_factored() => {
                self.factor = self.factor.into_stale();
                return Ok(());
            }
            // The kept hierarchy preconditions the new matrix until
            // `linear_solve` finds it too slow.
            StepLinear::Bicgstab(mg) if precondition && mg.is_prepared() => {
                mg.set_matrix(&self.m);
                self.factor = self.factor.into_stale();
                return Ok(());
            }
            _ => {}
        }
        self.factorize()
    }

    /// Factorizes (direct) or prepares (multigrid) the current system matrix.
    pub(super) fn factorize(&mut self) -> Result<(), SolveError> {
        self.factorizations += 1;
        let gamma = match self.matrix {
            Matrix::Current { gamma } => gamma,
            Matrix::Jacobian => 0.0,
            Matrix::Outdated => return Err(internal("factorizing an outdated matrix")),
        };
        let a = match self.matrix {
            Matrix::Jacobian => &self.k,
            _ => &self.m,
        };
        let prepared = match &mut self.linear {
            StepLinear::Direct(direct) => direct.factorize(a),
            StepLinear::Multigrid(mg) => mg.prepare(a).map(|_| ()),
            StepLinear::Bicgstab(mg) => mg.prepare(a),
            StepLinear::General(_) => Ok(()),
        };
        match prepared {
            Ok(()) => {
                self.factor = Factor::Current {
                    gamma,
                    fresh_rate: None,
                };
                Ok(())
            }
            Err(e) => {
                self.factor = Factor::None;
                if self.matrix != Matrix::Jacobian {
                    self.matrix = Matrix::Outdated;
                }
                Err(e)
            }
        }
    }

    /// `(γ C + K) δ = G` by CG (BiCGStab when non-symmetric) preconditioned by
    /// the stale direct factor, to the relative residual `forcing`; `None` when
    /// it needs more than [`STALE_FACTOR_MAX_ITERATIONS`] or breaks down.
    fn stale_factor_solve(&mut self, forcing: f64) -> Option<usize> {
        let StepLinear::Direct(direct) = &mut self.linear else {
            return None;
        };
        let stats = if self.system.is_symmetric() {
            self.stale_cg.solve(
                &self.m,
                &self.g,
                &mut self.delta,
                forcing,
                STALE_FACTOR_MAX_ITERATIONS,
                direct.as_mut(),
            )
        } else {
            bicgstab(
                &self.m,
                &self.g,
                &mut self.delta,
                forcing,
                STALE_FACTOR_MAX_ITERATIONS,
                direct.as_mut(),
                "stale-factor Krylov",
            )
        }
        .ok()?;
        if let Factor::Stale {
            extra_iterations, ..
        } = &mut self.factor
        {
            *extra_iterations += stats.iterations.saturating_sub(1);
        }
        Some(stats.iterations)
    }

    /// Solves the Newton system for `δ`, to the relative residual `forcing`
    /// (iterative solvers); `G` may be overwritten (see [`StepLinear::General`]).
    pub(super) fn linear_solve(&mut self, forcing: f64) -> Result<(), SolveError> {
        let direct = matches!(self.linear, StepLinear::Direct(_));
        let current = matches!(self.factor, Factor::Current { .. });
        // Iterative solves start from δ = 0; a direct solve overwrites it.
        if !(current && direct) {
            par_fill(&mut self.delta, |_| 0.0);
        }
        if direct && !current {
            let within_budget = match self.factor {
                Factor::Stale {
                    extra_iterations, ..
                } => extra_iterations < STALE_FACTOR_BUDGET,
                Factor::None | Factor::Current { .. } => false,
            };
            if within_budget {
                if let Some(iterations) = self.stale_factor_solve(forcing) {
                    self.linear_iterations += iterations;
                    return Ok(());
                }
                // Counted: the iterations spent before giving up.
                self.linear_iterations += STALE_FACTOR_MAX_ITERATIONS;
                par_fill(&mut self.delta, |_| 0.0);
            }
            self.factorize()?;
        }
        if matches!(self.linear, StepLinear::Bicgstab(_)) {
            return self.kept_bicgstab_solve(forcing);
        }
        let a = match self.matrix {
            Matrix::Jacobian => &self.k,
            _ => &self.m,
        };
        let iterations = match &mut self.linear {
            StepLinear::Direct(direct) => {
                direct.solve_factored_mut(&self.g, &mut self.delta)?;
                1
            }
            StepLinear::Multigrid(mg) => {
                mg.solve_prepared(a, &self.g, &mut self.delta, forcing)?
                    .iterations
            }
            StepLinear::Bicgstab(_) => return Err(internal("BiCGStab outside its kept path")),
            StepLinear::General(solver) => {
                solver
                    .solve_overwriting(a, &mut self.g, &mut self.delta, forcing)?
                    .iterations
            }
        };
        self.linear_iterations += iterations;
        Ok(())
    }

    /// `(γ C + K) δ = G` by BiCGStab preconditioned with the kept multigrid
    /// hierarchy, prepared for `γ C + K` as it is now or for an older matrix
    /// (a Jacobian since refreshed). The rule for preparing it afresh: when it
    /// was prepared for another matrix and either the last solve converged
    /// more slowly per iteration than the first solve after the last
    /// preparation by more than [`STALE_PRECONDITIONER_RATE`] (so each further
    /// solve would pay that many more iterations), or this solve fails; and
    /// always when `γ` moves by more than [`STALE_FACTOR_GAMMA_RANGE`]
    /// ([`Self::ensure_matrix`]).
    fn kept_bicgstab_solve(&mut self, forcing: f64) -> Result<(), SolveError> {
        if matches!(
            self.factor,
            Factor::Stale {
                refresh_due: true,
                ..
            }
        ) {
            self.factorize()?;
        }
        for attempt in 0..2 {
            let a = match self.matrix {
                Matrix::Jacobian => &self.k,
                _ => &self.m,
            };
            let StepLinear::Bicgstab(mg) = &mut self.linear else {
                return Err(internal("kept BiCGStab without its solver"));
            };
            let result = mg.solve_prepared(a, &self.g, &mut self.delta, forcing);
            match result {
                Ok(stats) => {
                    self.linear_iterations += stats.iterations;
                    let rate = convergence_rate(stats.relative_residual, stats.iterations);
                    match &mut self.factor {
                        Factor::Current { fresh_rate, .. } if fresh_rate.is_none() => {
                            *fresh_rate = rate;
                        }
                        Factor::Stale {
                            fresh_rate: Some(fresh),
                            refresh_due,
                            ..
                        } => {
                            *refresh_due =
                                rate.is_some_and(|r| r > STALE_PRECONDITIONER_RATE * *fresh);
                        }
                        _ => {}
                    }
                    return Ok(());
                }
                Err(e) if matches!(self.factor, Factor::Current { .. }) || attempt == 1 => {
                    return Err(e)
                }
                Err(_) => {
                    self.linear_iterations += mg.max_iterations;
                    par_fill(&mut self.delta, |_| 0.0);
                    self.factorize()?;
                }
            }
        }
        Err(internal("kept BiCGStab: no attempt made"))
    }
}

/// `log(relative residual) / iterations` of a Krylov solve (negative: the
/// residual's mean reduction per iteration, in natural-log units); `None`
/// when it says nothing (no iteration, or a residual of zero).
fn convergence_rate(relative_residual: f64, iterations: usize) -> Option<f64> {
    (iterations > 0 && relative_residual > 0.0 && relative_residual.is_finite())
        .then(|| relative_residual.ln() / iterations as f64)
}
