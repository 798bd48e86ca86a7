//! The Newton core: one implicit system `G(T) = γ C (T − B) − Ψ − F(t, T) = 0`
//! per call, its linear solves (kept factor, stale-factor Krylov, multigrid CG)
//! and the energy-balance test that closes it.

#[allow(clippy::wildcard_imports)]
use super::*;

/// CG iteration limit of the kept multigrid CG (a step needs 1–6).
pub(super) const MULTIGRID_MAX_ITERATIONS: usize = 200;

/// The linear solver of the step systems `(γ C + K) δ = G`.
pub(super) enum StepLinear {
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
    /// Any other solver of [`crate::solve::linear`], called afresh every solve.
    General(Box<dyn LinearSolver>),
}

impl StepLinear {
    /// The solver `choice` resolves to for the step systems of `system` (see
    /// [`TransientOptions::linear_solver`]); a choice that does not fit is
    /// [`SolveError::UnsuitableLinearSolver`].
    pub(super) fn new(
        choice: LinearSolverChoice,
        system: &AssembledNetwork,
        single_precision: bool,
    ) -> Result<Self, SolveError> {
        let n = system.unknowns();
        let symmetric = system.is_symmetric();
        let blocks = system.grid_blocks();
        let multigrid = |blocks| {
            // γ C + K differs from step to step only on its diagonal when K's
            // couplings are constant: the hierarchy then updates diagonals alone.
            // A kept Jacobian serves many solves: CG's products in exact stencil form.
            let mut mg = MultigridCg::new(blocks, MultigridOptions::default())
                .with_constant_couplings(system.has_constant_couplings())
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
                    MultigridBicgstab::new(blocks).with_chains(system.flow_chains()),
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

    pub(super) fn name(&self) -> &'static str {
        match self {
            StepLinear::Direct(d) => d.name(),
            StepLinear::Multigrid(_) => "multigrid-cg",
            StepLinear::Bicgstab(_) => "multigrid-bicgstab",
            StepLinear::General(s) => s.name(),
        }
    }

    /// True when the solver keeps work between matrices (simplified Newton pays).
    pub(super) fn keeps_work(&self) -> bool {
        !matches!(self, StepLinear::General(_))
    }
}

/// Newton on `G(T) = γ C (T − B) − Ψ − F(t, T)`, with the matrix and its
/// factorization kept between calls.
pub(crate) struct NewtonCore<'a> {
    pub(super) system: &'a AssembledNetwork,
    pub(super) cap: Vec<f64>,
    pub(super) linear: StepLinear,
    /// `K = −∂F/∂T` at the last evaluation.
    pub(super) k: CsrMatrix,
    /// `|K_ii|`, gathered from `k` once per evaluation (the convergence test
    /// reads it twice per iteration, contiguously).
    pub(super) k_diag_abs: Vec<f64>,
    pub(super) k_valid: bool,
    /// `K` does not depend on the state (no radiation): evaluate once.
    pub(super) constant_k: bool,
    /// Simplified Newton allowed (a kept factorization or hierarchy, and reuse requested).
    pub(super) reuse: bool,
    /// `γ C + K`.
    pub(super) m: CsrMatrix,
    pub(super) m_gamma: f64,
    pub(super) m_current: bool,
    /// Solve with a stale factor by preconditioned Krylov iterations ([`FactorReuse::krylov`]).
    pub(super) stale_krylov: bool,
    /// The kept factor is of `m` as it is now.
    pub(super) factor_current: bool,
    /// `γ` of the kept factor.
    pub(super) factor_gamma: f64,
    /// Krylov iterations beyond the first since the last factorization.
    pub(super) stale_extra: usize,
    /// `log(relative residual) / iterations` of the first BiCGStab solve with
    /// a freshly prepared hierarchy (the convergence rate a stale one is held to).
    pub(super) fresh_rate: Option<f64>,
    /// A stale hierarchy preconditioned too slowly: prepare it before the next solve.
    pub(super) refresh_due: bool,
    /// CG of the stale-factor solves, its vectors kept between solves.
    pub(super) stale_cg: Cg,
    pub(super) tolerance: f64,
    pub(super) max_iterations: usize,
    pub(super) g: Vec<f64>,
    pub(super) delta: Vec<f64>,
    pub(super) trial: Vec<f64>,
    pub(super) f_trial: Vec<f64>,
    pub(super) g_trial: Vec<f64>,
    /// The step's starting point, once the first accepted iteration has
    /// moved `x` (`start_kept`); kept by swapping buffers, not copied.
    pub(super) x0: Vec<f64>,
    pub(super) start_kept: bool,
    /// Heat flows at the last accepted iterate (the solution after [`Self::solve`]).
    pub(super) flows: Option<HeatFlows>,
    /// [`boundary_coupling_w`] of the current Jacobian, once needed.
    pub(super) boundary_coupling: Option<f64>,
    pub(super) history: Vec<f64>,
    /// `|Σ G_i| / heat flowing` per iterate where the residual met its tolerance.
    pub(super) imbalance_history: Vec<f64>,
    pub jacobians: usize,
    pub factorizations: usize,
    pub iterations: usize,
    pub linear_iterations: usize,
}

/// What `NewtonCore::form_g` measures in its pass over the rows.
pub(super) struct GNorms {
    /// `Σ_i max(|G_i| − r_i, 0)` (NaN when `G` is not finite).
    pub(super) excess: f64,
    /// `Σ |f_i|` (W).
    pub(super) flowing: f64,
    /// `Σ |x_i| (|K_ii| + γ C_i)` (W), the round-off scale of the rows.
    pub(super) floor: f64,
    /// `Σ G_i` (W): the step's energy imbalance (conductors between two
    /// unknowns cancel in it, so no conductance enlarges it or its scale).
    pub(super) net: f64,
    /// `Σ γ C_i (|x_i| + |B_i|) + |Ψ_i|` (W): the magnitudes of the stored-heat
    /// terms, whose round-off the imbalance cannot go below.
    pub(super) stored_scale: f64,
}

impl GNorms {
    pub(super) const ZERO: GNorms = GNorms {
        excess: 0.0,
        flowing: 0.0,
        floor: 0.0,
        net: 0.0,
        stored_scale: 0.0,
    };
}

/// The explicit part of a step: `B` and `Ψ` of `G(T) = γ C (T − B) − Ψ − F`.
pub(crate) struct StepForm<'s> {
    pub t_s: f64,
    pub gamma: f64,
    pub base: &'s [f64],
    pub psi: Option<&'s [f64]>,
    /// Heat flowing (W) at the step's start, the scale of the residual test.
    pub heat_scale_w: f64,
}

impl<'a> NewtonCore<'a> {
    pub(crate) fn new(
        system: &'a AssembledNetwork,
        choice: LinearSolverChoice,
        tolerance: f64,
        max_iterations: usize,
        reuse_jacobian: bool,
        factor_reuse: FactorReuse,
    ) -> Result<Self, SolveError> {
        let n = system.unknowns();
        let k = system.new_matrix();
        let linear = StepLinear::new(choice, system, factor_reuse.single_precision)?;
        Ok(Self {
            system,
            cap: system.capacitance_j_k().to_vec(),
            reuse: reuse_jacobian && linear.keeps_work(),
            linear,
            m: k.clone(),
            k,
            k_diag_abs: vec![0.0; n],
            k_valid: false,
            constant_k: system.is_linear(),
            m_gamma: f64::NAN,
            m_current: false,
            stale_krylov: factor_reuse.krylov && reuse_jacobian,
            factor_current: false,
            factor_gamma: f64::NAN,
            stale_extra: 0,
            fresh_rate: None,
            refresh_due: false,
            stale_cg: Cg::new("stale-factor Krylov"),
            tolerance,
            max_iterations,
            g: vec![0.0; n],
            delta: vec![0.0; n],
            trial: vec![0.0; n],
            f_trial: vec![0.0; n],
            g_trial: vec![0.0; n],
            x0: vec![0.0; n],
            start_kept: false,
            flows: None,
            boundary_coupling: None,
            history: Vec::with_capacity(max_iterations + 1),
            imbalance_history: Vec::new(),
            jacobians: 0,
            factorizations: 0,
            iterations: 0,
            linear_iterations: 0,
        })
    }

    pub(crate) fn linear_name(&self) -> &'static str {
        self.linear.name()
    }

    /// Heat flows at `(t_s, x)`, the solution of the last [`Self::solve`]:
    /// those its last residual evaluation gave with it (one pass over the
    /// rows for both), or evaluated afresh if there are none.
    pub(super) fn take_flows(&mut self, t_s: f64, x: &[f64]) -> HeatFlows {
        self.flows
            .take()
            .unwrap_or_else(|| self.system.heat_flows(t_s, x))
    }

    pub(super) fn refresh_jacobian(&mut self, t_s: f64, x: &[f64]) {
        self.system.jacobian(t_s, x, &mut self.k);
        let (kv, diag) = (self.k.values(), self.system.diagonal_positions());
        par_fill(&mut self.k_diag_abs, |i| kv[diag[i] as usize].abs());
        self.boundary_coupling = None;
        self.k_valid = true;
        self.m_current = false;
        self.jacobians += 1;
    }

    /// Writes `G = γ C (x − B) − Ψ − f` and returns, in one pass, its norm
    /// `Σ_i max(|G_i| − r_i, 0)` — the part of `‖G‖₁` above each row's
    /// round-off level `r_i`, a few ulps of the magnitudes that make up `G_i`
    /// (`γ C_i (|x_i| + |B_i|) + K_ii |x_i| + |Ψ_i|`) — with the scales of the
    /// convergence test (`Σ |f_i|` and `Σ |x_i| (|K_ii| + γ C_i)`). A row whose
    /// capacitance term dwarfs its heat flows (a tiny step) cannot do better
    /// than `r_i`; an arithmetic row must still meet the tolerance. The norm is
    /// NaN when any `G_i` is not finite (never "converged"). Rows in the fixed
    /// chunks of [`par_chunks`], the chunks' sums added in order: the same bits on
    /// any number of threads.
    pub(super) fn form_g(
        cap: &[f64],
        k_diag_abs: &[f64],
        form: &StepForm<'_>,
        x: &[f64],
        f: &[f64],
        g: &mut [f64],
    ) -> GNorms {
        let rows = |first: usize, g: &mut [f64]| {
            let end = first + g.len();
            let (cap, kd) = (&cap[first..end], &k_diag_abs[first..end]);
            let (x, f, base) = (&x[first..end], &f[first..end], &form.base[first..end]);
            let psi = form.psi.map(|p| &p[first..end]);
            let mut sums = GNorms::ZERO;
            let mut finite = true;
            for i in 0..g.len() {
                let c = form.gamma * cap[i];
                let mut gi = c * (x[i] - base[i]) - f[i];
                let kx = kd[i] * x[i].abs();
                let mut stored = c * (x[i].abs() + base[i].abs());
                if let Some(psi) = psi {
                    gi -= psi[i];
                    stored += psi[i].abs();
                }
                g[i] = gi;
                finite &= gi.is_finite();
                let r = stored + kx;
                sums.excess += (gi.abs() - ROUNDOFF_ULPS * f64::EPSILON * r).max(0.0);
                sums.flowing += f[i].abs();
                sums.floor += kx + c * x[i].abs();
                sums.net += gi;
                sums.stored_scale += stored;
            }
            if !finite {
                sums.excess = f64::NAN;
            }
            sums
        };
        let parts = par_chunks(g, rows);
        let mut total = GNorms::ZERO;
        for p in parts {
            total.excess += p.excess;
            total.flowing += p.flowing;
            total.floor += p.floor;
            total.net += p.net;
            total.stored_scale += p.stored_scale;
        }
        total
    }

    /// Whether the step's energy balance closes at an iterate whose rows give
    /// `norms` and whose heat flows are `self.flows`: `|Σ G_i| ≤ tolerance ×
    /// heat flowing` (the larger of heat in and out, at the step's start or at
    /// the iterate), plus [`ENERGY_ROUNDOFF_ULPS`] ulps of the magnitudes the
    /// balance is made of — the stored-heat terms, heat in and out, and the
    /// boundary couplings `Σ b_i |x_i|` ([`boundary_coupling_w`], computed
    /// once per Jacobian and only when the rest does not suffice).
    /// Conductances between unknowns enter neither side: a state whose mean
    /// temperature is wrong cannot pass by the round-off of a stiff panel.
    pub(super) fn energy_closes(
        &mut self,
        form: &StepForm<'_>,
        norms: &GNorms,
        x: &[f64],
    ) -> (bool, f64) {
        let (heat_in, heat_out) = self.heat_in_out();
        let flowing = form.heat_scale_w.max(heat_in).max(heat_out);
        let ulps = ENERGY_ROUNDOFF_ULPS * f64::EPSILON;
        let plain = self.tolerance * flowing + ulps * (norms.stored_scale + heat_in + heat_out);
        let off = norms.net.abs();
        if off <= plain {
            return (true, flowing);
        }
        let coupling = match self.boundary_coupling {
            Some(b) => b,
            None => {
                let b = boundary_coupling_w(&self.k, x);
                self.boundary_coupling = Some(b);
                b
            }
        };
        (off <= plain + ulps * coupling, flowing)
    }

    /// Heat in and out (W) at the current iterate.
    pub(super) fn heat_in_out(&self) -> (f64, f64) {
        self.flows
            .as_ref()
            .map_or((0.0, 0.0), |fl| (fl.heat_in_w(), fl.heat_out_w()))
    }

    /// The error for a step whose energy balance the Newton iteration cannot
    /// close, `what` saying how it stopped.
    pub(super) fn not_closed(
        &mut self,
        form: &StepForm<'_>,
        norms: &GNorms,
        what: &str,
    ) -> SolveError {
        let (heat_in, heat_out) = self.heat_in_out();
        let flowing = form.heat_scale_w.max(heat_in).max(heat_out);
        let relative = norms.net.abs() / flowing.max(f64::MIN_POSITIVE);
        self.imbalance_history.push(relative);
        SolveError::EnergyBalanceNotClosed {
            solver: "transient Newton (the step's balance)",
            iterations: self.history.len().saturating_sub(1),
            imbalance_w: norms.net,
            relative_imbalance: relative,
            tolerance: self.tolerance,
            reason: format!(
                "every node's residual is at its tolerance or round-off level, but {what}; \
                 the usual cause is a step matrix too ill-conditioned for double precision \
                 (look for an absurd conductivity, conductance or exchange factor)"
            ),
            relative_residuals: self.history.as_slice().into(),
            relative_imbalances: self.imbalance_history.as_slice().into(),
        }
    }

    /// Rebuilds `γ C + K` when `γ` or `K` changed, and factors it — unless a
    /// kept direct factor of a nearby matrix (`γ` within
    /// [`STALE_FACTOR_GAMMA_RANGE`]) is to precondition Krylov iterations instead.
    pub(super) fn ensure_matrix(&mut self, gamma: f64) -> Result<(), SolveError> {
        let same_gamma = (gamma - self.m_gamma).abs() <= GAMMA_REUSE_TOLERANCE * gamma.abs();
        if self.m_current && same_gamma {
            return Ok(());
        }
        let diag = self.system.diagonal_positions();
        let mv = self.m.values_mut();
        mv.copy_from_slice(self.k.values());
        for (i, &d) in diag.iter().enumerate() {
            mv[d as usize] += gamma * self.cap[i];
        }
        self.m_gamma = gamma;
        self.m_current = true;
        let near = (gamma - self.factor_gamma).abs() <= STALE_FACTOR_GAMMA_RANGE * gamma.abs();
        match &mut self.linear {
            StepLinear::Direct(direct) if self.stale_krylov && near && direct.is_factored() => {
                self.factor_current = false;
                return Ok(());
            }
            // The kept hierarchy preconditions the new matrix until
            // `linear_solve` finds it too slow.
            StepLinear::Bicgstab(mg) if self.reuse && near && mg.is_prepared() => {
                mg.set_matrix(&self.m);
                self.factor_current = false;
                return Ok(());
            }
            _ => {}
        }
        self.factorize()
    }

    /// Factorizes (direct) or prepares (multigrid) the current `γ C + K`.
    pub(super) fn factorize(&mut self) -> Result<(), SolveError> {
        self.factorizations += 1;
        self.factor_gamma = self.m_gamma;
        self.stale_extra = 0;
        self.fresh_rate = None;
        self.refresh_due = false;
        let prepared = match &mut self.linear {
            StepLinear::Direct(direct) => direct.factorize(&self.m),
            StepLinear::Multigrid(mg) => mg.prepare(&self.m).map(|_| ()),
            StepLinear::Bicgstab(mg) => mg.prepare(&self.m),
            StepLinear::General(_) => Ok(()),
        };
        self.factor_current = prepared.is_ok();
        if prepared.is_err() {
            self.m_current = false;
        }
        prepared
    }

    /// `(γ C + K) δ = G` by CG (BiCGStab when non-symmetric) preconditioned by
    /// the stale direct factor, to the relative residual `forcing`; `None` when
    /// it needs more than [`STALE_FACTOR_MAX_ITERATIONS`] or breaks down.
    pub(super) fn stale_factor_solve(&mut self, forcing: f64) -> Option<usize> {
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
        self.stale_extra += stats.iterations.saturating_sub(1);
        Some(stats.iterations)
    }

    pub(super) fn linear_solve(&mut self, forcing: f64) -> Result<(), SolveError> {
        // Iterative solves start from δ = 0; a direct solve overwrites it.
        if !(self.factor_current && matches!(self.linear, StepLinear::Direct(_))) {
            par_fill(&mut self.delta, |_| 0.0);
        }
        if !self.factor_current && matches!(self.linear, StepLinear::Direct(_)) {
            if self.stale_extra < STALE_FACTOR_BUDGET {
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
        let iterations = match &mut self.linear {
            StepLinear::Direct(direct) => {
                direct.solve_factored_mut(&self.g, &mut self.delta)?;
                1
            }
            StepLinear::Multigrid(mg) => {
                mg.solve_prepared(&self.m, &self.g, &mut self.delta, forcing)?
                    .iterations
            }
            StepLinear::Bicgstab(_) => return Err(internal("BiCGStab outside its kept path")),
            StepLinear::General(solver) => {
                solver
                    .solve(&self.m, &self.g, &mut self.delta, forcing)?
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
    pub(super) fn kept_bicgstab_solve(&mut self, forcing: f64) -> Result<(), SolveError> {
        if !self.factor_current && self.refresh_due {
            self.factorize()?;
        }
        for attempt in 0..2 {
            let StepLinear::Bicgstab(mg) = &mut self.linear else {
                return Err(internal("kept BiCGStab without its solver"));
            };
            let result = mg.solve_prepared(&self.m, &self.g, &mut self.delta, forcing);
            match result {
                Ok(stats) => {
                    self.linear_iterations += stats.iterations;
                    let rate = convergence_rate(stats.relative_residual, stats.iterations);
                    match (self.factor_current, self.fresh_rate) {
                        (true, None) => self.fresh_rate = rate,
                        (false, Some(fresh)) => {
                            self.refresh_due =
                                rate.is_some_and(|r| r > STALE_PRECONDITIONER_RATE * fresh);
                        }
                        _ => {}
                    }
                    return Ok(());
                }
                Err(e) if self.factor_current || attempt == 1 => return Err(e),
                Err(_) => {
                    self.linear_iterations += mg.max_iterations;
                    par_fill(&mut self.delta, |_| 0.0);
                    self.factorize()?;
                }
            }
        }
        Err(internal("kept BiCGStab: no attempt made"))
    }

    /// Solves one step: `x` holds the predictor on entry and the solution on exit,
    /// `f` receives `F(t, x)` at the solution. Both are exchanged with the
    /// solver's own vectors (swaps, not copies): their buffers change.
    pub(crate) fn solve(
        &mut self,
        form: &StepForm<'_>,
        x: &mut Vec<f64>,
        f: &mut Vec<f64>,
    ) -> Result<usize, SolveError> {
        self.start_kept = false;
        self.flows = None;
        let mut first_error = None;
        for attempt in 0..2 {
            if attempt == 1 && self.start_kept {
                // The attempt with an old Jacobian failed: retry once with a fresh one.
                x.copy_from_slice(&self.x0);
            }
            match self.attempt(form, x, f, attempt == 1) {
                Ok(it) => return Ok(it),
                Err((e, fresh)) => {
                    if fresh || self.constant_k && self.k_valid {
                        return Err(e);
                    }
                    first_error = Some(e);
                }
            }
        }
        Err(first_error.unwrap_or_else(|| SolveError::LinearSolver {
            solver: "transient Newton",
            reason: "no attempt made".into(),
        }))
    }

    /// One Newton attempt; on failure also says whether the Jacobian was fresh.
    pub(super) fn attempt(
        &mut self,
        form: &StepForm<'_>,
        x: &mut Vec<f64>,
        f: &mut Vec<f64>,
        force_fresh: bool,
    ) -> Result<usize, (SolveError, bool)> {
        let sys = self.system;
        let t = form.t_s;
        let exact = !self.reuse && !self.constant_k;
        let mut fresh = false;
        if !self.k_valid || force_fresh || exact {
            self.refresh_jacobian(t, x);
            fresh = true;
        }
        self.flows = Some(sys.residual_and_flows(t, x, f));
        let mut norms = Self::form_g(&self.cap, &self.k_diag_abs, form, x, f, &mut self.g);
        let mut norm = norms.excess;
        let flowing = form.heat_scale_w.max(norms.flowing);
        let floor = 1e3 * f64::EPSILON * norms.floor;
        let scale = flowing.max(floor).max(f64::MIN_POSITIVE);
        self.history.clear();
        self.imbalance_history.clear();
        let fail = |this: &Self, e: Option<SolveError>, fresh: bool| {
            let err = e.unwrap_or_else(|| SolveError::NotConverged {
                solver: "transient Newton",
                iterations: this.history.len().saturating_sub(1),
                last_relative_residual: this.history.last().copied().unwrap_or(f64::NAN),
                tolerance: this.tolerance,
                relative_residuals: this.history.as_slice().into(),
            });
            (err, fresh)
        };
        // `|Σ G|` when the residual met its tolerance with the step's energy
        // balance still open: each further step must halve it.
        let mut polishing: Option<f64> = None;
        for it in 0..=self.max_iterations {
            let rel = norm / scale;
            self.history.push(rel);
            if !rel.is_finite() {
                return Err(fail(self, None, fresh));
            }
            if let Some(prev) = polishing {
                let stop = if rel > self.tolerance {
                    Some("a Newton step taken to close it raised the residual above the tolerance")
                } else if norms.net.abs() > 0.5 * prev {
                    Some("Newton steps no longer reduce it")
                } else {
                    None
                };
                if let Some(what) = stop {
                    let e = self.not_closed(form, &norms, what);
                    return Err(fail(self, Some(e), fresh));
                }
            }
            // Converged: `G` above its round-off level is below the tolerance,
            // and the step's energy balance closes.
            if rel <= self.tolerance {
                let (closes, flowing) = self.energy_closes(form, &norms, x);
                self.imbalance_history
                    .push(norms.net.abs() / flowing.max(f64::MIN_POSITIVE));
                if closes {
                    return Ok(it);
                }
                polishing = Some(norms.net.abs());
            }
            if it == self.max_iterations {
                break;
            }
            if exact && it > 0 {
                self.refresh_jacobian(t, x);
                fresh = true;
            }
            if let Err(e) = self.ensure_matrix(form.gamma) {
                return Err(fail(self, Some(e), fresh));
            }
            let forcing = (0.5 * self.tolerance / rel)
                .max(0.1 * rel)
                .clamp(1e-12, FORCING_MAX);
            if let Err(e) = self.linear_solve(forcing) {
                return Err(fail(self, Some(e), fresh));
            }
            self.iterations += 1;
            // Newton step x − α δ; α keeps every temperature above a tenth of its value.
            let mut alpha = newton_trial(x, &self.delta, &mut self.trial);
            let up_to_date = fresh || self.constant_k;
            let mut trial_norms;
            let mut trial_flows;
            loop {
                trial_flows = sys.residual_and_flows(t, &self.trial, &mut self.f_trial);
                trial_norms = Self::form_g(
                    &self.cap,
                    &self.k_diag_abs,
                    form,
                    &self.trial,
                    &self.f_trial,
                    &mut self.g_trial,
                );
                let trial_norm = trial_norms.excess;
                let decreased = trial_norm.is_finite() && trial_norm <= (1.0 - 1e-4 * alpha) * norm;
                // Backtrack only with an up-to-date Jacobian; with an old one, refresh instead.
                // A step taken to close the energy balance (the residual already at
                // its tolerance or round-off, where it cannot decrease) is taken whole.
                if decreased || !up_to_date || alpha < 1.0 / 64.0 || polishing.is_some() {
                    break;
                }
                alpha *= 0.5;
                scaled_trial(x, &self.delta, alpha, &mut self.trial);
            }
            let trial_norm = trial_norms.excess;
            let improved = match polishing {
                Some(prev) => trial_norm.is_finite() && trial_norms.net.abs() <= 0.5 * prev,
                None => trial_norm.is_finite() && trial_norm <= norm,
            };
            if !(up_to_date || improved) {
                // The old Jacobian no longer points downhill: refresh at x and
                // retry (a step to close the balance too: `x` has not moved, so
                // the retry is judged afresh, not against this iterate).
                self.refresh_jacobian(t, x);
                fresh = true;
                polishing = None;
                continue;
            }
            std::mem::swap(x, &mut self.trial);
            if !self.start_kept {
                // The step's start, now in `trial`, is parked in `x0` for a retry.
                std::mem::swap(&mut self.trial, &mut self.x0);
                self.start_kept = true;
            }
            std::mem::swap(f, &mut self.f_trial);
            self.flows = Some(trial_flows);
            std::mem::swap(&mut self.g, &mut self.g_trial);
            let ratio = trial_norm / norm;
            norm = trial_norm;
            norms = trial_norms;
            // An inexact linear solve limits the contraction to about its forcing term.
            let allowed = SLOW_CONTRACTION.max((10.0 * forcing).min(STALE_CONTRACTION));
            if !up_to_date && ratio > allowed {
                self.refresh_jacobian(t, x);
                fresh = true;
            }
        }
        let e = polishing.map(|_| self.not_closed(form, &norms, "the iteration limit was reached"));
        Err(fail(self, e, fresh))
    }
}

/// Writes the Newton trial point `x − α δ` into `trial` and returns `α`, the
/// largest step ≤ 1 that keeps every temperature above a tenth of its value:
/// `α = min(1, min_i 0.9 x_i / δ_i)` over the rows where `x_i − δ_i < 0.1 x_i`
/// (`δ_i > 0`). One pass writes the full step `x − δ` while it finds `α`
/// (a minimum has the same bits in any order); a second pass only when `α < 1`.
pub(super) fn newton_trial(x: &[f64], delta: &[f64], trial: &mut [f64]) -> f64 {
    let parts = par_chunks(trial, |first, t| {
        let end = first + t.len();
        let mut alpha = 1.0_f64;
        for ((ti, &xi), &di) in t.iter_mut().zip(&x[first..end]).zip(&delta[first..end]) {
            let v = xi - di;
            *ti = v;
            if di > 0.0 && v < 0.1 * xi {
                alpha = alpha.min(0.9 * xi / di);
            }
        }
        alpha
    });
    let alpha = parts.into_iter().fold(1.0, f64::min);
    if alpha < 1.0 {
        scaled_trial(x, delta, alpha, trial);
    }
    alpha
}

/// `trial = x − α δ`, rows in parallel when long.
pub(super) fn scaled_trial(x: &[f64], delta: &[f64], alpha: f64, trial: &mut [f64]) {
    par_fill(trial, |i| x[i] - alpha * delta[i]);
}

/// `log(relative residual) / iterations` of a Krylov solve (negative: the
/// residual's mean reduction per iteration, in natural-log units); `None`
/// when it says nothing (no iteration, or a residual of zero).
pub(super) fn convergence_rate(relative_residual: f64, iterations: usize) -> Option<f64> {
    (iterations > 0 && relative_residual > 0.0 && relative_residual.is_finite())
        .then(|| relative_residual.ln() / iterations as f64)
}
