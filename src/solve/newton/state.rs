//! The Newton core's state, as enums whose variants say what holds: which
//! Jacobian `K` is kept and whether it is current, whether the system matrix
//! `γ C + K` is up to date, and what the kept factorization (or multigrid
//! hierarchy) was made for. A combination the core cannot be in cannot be written.

/// How the Jacobian `K = −∂F/∂T` is evaluated: fixed when a core is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JacobianSchedule {
    /// `K` does not depend on the state (no radiation): evaluated once, kept
    /// for every later solve.
    Constant,
    /// Simplified Newton (Hairer & Wanner II, §IV.8): `K` is kept across
    /// iterations and solves and evaluated afresh only when an iteration
    /// contracts too slowly or a solve fails with it.
    Kept,
    /// Exact Newton: `K` at every iterate.
    EveryIteration,
}

/// The Jacobian held by the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Jacobian {
    /// Not evaluated yet.
    None,
    /// Evaluated during the current solve attempt (at this iterate or an
    /// earlier one of it): the line search may backtrack along its step, and a
    /// failure with it is final.
    Refreshed,
    /// Kept from an earlier solve (simplified Newton): a step it gives is
    /// judged by its outcome, and a failure is retried with a fresh one.
    Kept,
    /// Constant (linear network), evaluated once: as good as a fresh one.
    Constant,
}

impl Jacobian {
    /// True when `K` belongs to the current state (evaluated in this attempt,
    /// or constant): its steps may be backtracked and its failures are final.
    pub(crate) fn up_to_date(self) -> bool {
        matches!(self, Jacobian::Refreshed | Jacobian::Constant)
    }
}

/// What a kept factorization does for a newer matrix (fixed when a core is made).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StaleFactor {
    /// Every new matrix is factorized (or its hierarchy prepared) at once.
    Refactor,
    /// A factor or hierarchy of a nearby matrix (`γ` within
    /// `STALE_FACTOR_GAMMA_RANGE`) preconditions Krylov iterations on the new
    /// one until that costs more than a factorization.
    Precondition,
}

/// The system matrix of the linear solves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Matrix {
    /// No time term (a steady solve): the matrix is `K` itself.
    Jacobian,
    /// `γ C + K` is to be rebuilt (`K` or `γ` changed, or its factorization failed).
    Outdated,
    /// `γ C + K` holds for this `γ` and the current `K`.
    Current {
        /// `γ` of the time term (1/s).
        gamma: f64,
    },
}

/// The kept factorization (direct) or prepared hierarchy (multigrid).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Factor {
    /// Nothing kept (none made yet, or the last one failed).
    None,
    /// Of the system matrix as it is now.
    Current {
        /// `γ` of the matrix factorized.
        gamma: f64,
        /// `ln(relative residual) / iterations` of the first BiCGStab solve
        /// with this hierarchy: the convergence rate a stale one is held to.
        fresh_rate: Option<f64>,
    },
    /// Of an older matrix, preconditioning Krylov iterations on the current one.
    Stale {
        /// `γ` of the matrix factorized.
        gamma: f64,
        /// As in [`Factor::Current`], carried over.
        fresh_rate: Option<f64>,
        /// Krylov iterations beyond the first since the factorization.
        extra_iterations: usize,
        /// The stale hierarchy preconditioned too slowly: prepare it afresh
        /// before the next solve.
        refresh_due: bool,
    },
}

impl Factor {
    /// `γ` of the kept factor, if any.
    pub(crate) fn gamma(&self) -> Option<f64> {
        match *self {
            Factor::None => None,
            Factor::Current { gamma, .. } | Factor::Stale { gamma, .. } => Some(gamma),
        }
    }

    /// The factor, kept for a matrix that has since changed.
    pub(crate) fn into_stale(self) -> Factor {
        match self {
            Factor::Current { gamma, fresh_rate } => Factor::Stale {
                gamma,
                fresh_rate,
                extra_iterations: 0,
                refresh_due: false,
            },
            other => other,
        }
    }
}

/// Where the step's starting point is, for a retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// Still in the iterate: no step has been accepted yet.
    InIterate,
    /// Parked in the core's `x0` (buffers swapped, not copied) once the first
    /// accepted step moved the iterate.
    Parked,
}
