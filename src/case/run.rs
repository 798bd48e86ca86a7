//! Solving a built model as its `[solve]` table asks.

use std::time::Instant;

use super::build::periodic_period_s;
use super::schema::{
    AccelerationSpec, InitialStateSpec, MethodSpec, SolveMode, StepSettings, TransientSpec,
};
use super::Model;
use crate::error::{Error, InternalError, SolveError};
use crate::network::Profile;
use crate::solve::periodic::{
    Acceleration, PeriodicIteration, PeriodicOptions, PeriodicSolution, PeriodicSolver, WarmUp,
};
use crate::solve::transient::solve_transient_with_progress;
use crate::solve::transient::{InitialState, TransientMethod, TransientOptions, TransientSolution};
use crate::solve::{solve_steady, SteadyOptions, SteadySolution};

/// Outputs per run when a transient gives no `output_interval_s`.
pub const DEFAULT_OUTPUT_COUNT: f64 = 200.0;

/// What a run reports while it works (for progress bars).
#[derive(Debug, Clone, Copy)]
pub enum RunProgress<'a> {
    /// A transient's time stepper reached `t_s` (after each accepted step).
    Time(f64),
    /// A periodic run finished a period.
    Period(&'a PeriodicIteration),
}

/// A steady, transient or periodic solution.
#[derive(Debug, Clone)]
pub enum Solution {
    /// Steady state.
    Steady(SteadySolution),
    /// Time history.
    Transient(TransientSolution),
    /// Orbit-periodic state: the final period's history and how it was reached.
    Periodic(PeriodicSolution),
}

impl Solution {
    /// Temperature of every node at the end of the run (K): for a periodic
    /// run, at the end of the final period.
    pub fn final_temperatures_k(&self) -> &[f64] {
        match self {
            Solution::Steady(s) => &s.temperatures_k,
            Solution::Transient(t) => t.final_temperatures_k(),
            Solution::Periodic(p) => p.final_temperatures_k(),
        }
    }

    /// Name of the linear solver used.
    pub fn linear_solver(&self) -> &'static str {
        match self {
            Solution::Steady(s) => s.linear_solver,
            Solution::Transient(t) => t.linear_solver,
            Solution::Periodic(p) => p.final_period.linear_solver,
        }
    }

    /// The time history: a transient's run, or a periodic run's final period
    /// (`None` for a steady state).
    pub fn history(&self) -> Option<&TransientSolution> {
        match self {
            Solution::Steady(_) => None,
            Solution::Transient(t) => Some(t),
            Solution::Periodic(p) => Some(&p.final_period),
        }
    }
}

/// A solved model.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The solution.
    pub solution: Solution,
    /// Wall time of assembly and solve, s.
    pub wall_time_s: f64,
    /// Of which assembling the network (pattern, conductances, boundary terms), s.
    pub assembly_time_s: f64,
    /// Of which the solve (first guess, solver set-up, Newton or time steps), s.
    pub solve_time_s: f64,
    /// Racks, coolant, radiators, arrays and the power budget over the run, for a
    /// case with spacecraft components.
    pub spacecraft: Option<super::SpacecraftResults>,
}

impl Model {
    /// Steady options from the case.
    pub fn steady_options(&self) -> SteadyOptions {
        let s = &self.solve;
        let d = SteadyOptions::default();
        SteadyOptions {
            tolerance: s.tolerance.unwrap_or(d.tolerance),
            max_iterations: s
                .max_iterations
                .map_or(d.max_iterations, |m| m.max(1) as usize),
            linear_solver: s.linear_solver.unwrap_or(d.linear_solver),
            time_s: s.time_s.unwrap_or(d.time_s),
        }
    }

    /// Transient options from the case (`None` unless `mode = "transient"`).
    pub fn transient_options(&self) -> Result<Option<TransientOptions>, Error> {
        let Some(t) = &self.solve.transient else {
            return Ok(None);
        };
        let options = transient_options(t, &self.steady_options())?;
        Ok(Some(self.with_newton_settings(options)?))
    }

    /// Periodic options from the case (`None` unless `mode = "periodic"`); the
    /// period is `period_s` or the orbit's nodal period.
    pub fn periodic_options(&self) -> Result<Option<PeriodicOptions>, Error> {
        if self.solve.mode != SolveMode::Periodic {
            return Ok(None);
        }
        let p = self.solve.periodic.clone().unwrap_or_default();
        let orbit = self.orbit.as_ref().map(|o| o.setup.model.orbit());
        let period = periodic_period_s(&p, orbit).ok_or(SolveError::InvalidOption {
            option: "solve.periodic.period_s",
            value: f64::NAN,
            allowed: "a period, or an [orbit] whose nodal period is the default",
        })?;
        let start = p.start_s.unwrap_or(0.0);
        let transient = step_options(
            &p.steps(),
            start,
            start + period,
            self.steady_options().linear_solver,
        )?;
        let mut options = PeriodicOptions::new(period)?
            .with_start(start)?
            .with_transient(self.with_newton_settings(transient)?);
        if let Some(t) = p.tolerance_k {
            options = options.with_tolerance(t)?;
        }
        if let Some(n) = p.max_periods {
            options = options.with_max_periods(n.max(1) as usize)?;
        }
        if p.acceleration == Some(AccelerationSpec::None) {
            options = options.with_acceleration(Acceleration::None)?;
        }
        if let Some(step_factor) = p.warm_up_step_factor {
            let warm_up = if step_factor > 1.0 {
                WarmUp::Coarse { step_factor }
            } else {
                WarmUp::None
            };
            options = options.with_warm_up(warm_up)?;
        }
        Ok(Some(options))
    }

    /// `[solve]`'s Newton tolerance and iteration limit, when given, applied per step.
    fn with_newton_settings(&self, options: TransientOptions) -> Result<TransientOptions, Error> {
        if self.solve.tolerance.is_none() && self.solve.max_iterations.is_none() {
            return Ok(options);
        }
        let max_iterations = self
            .solve
            .max_iterations
            .map_or(options.max_newton_iterations, |m| m.max(1) as usize);
        let tolerance = self.solve.tolerance.unwrap_or(options.newton_tolerance);
        Ok(options.with_newton(tolerance, max_iterations)?)
    }

    /// Where a periodic run's first period starts: the steady state of
    /// [`Model::periodic_start_system`] (loads averaged over the period) when
    /// the case asks for it, else the nodes' initial temperatures.
    pub fn periodic_start_state(&self, options: &PeriodicOptions) -> Result<Vec<f64>, Error> {
        self.periodic_start_state_with(options, None)
    }

    /// [`Self::periodic_start_state`], with source `extra.0` of the averaged
    /// network held at the constant `extra.1` (a battery's mean losses).
    pub(super) fn periodic_start_state_with(
        &self,
        options: &PeriodicOptions,
        extra: Option<(usize, f64)>,
    ) -> Result<Vec<f64>, Error> {
        let Some(avg) = &self.periodic_start_system else {
            return Ok(self.system.initial_state());
        };
        let adjusted;
        let avg = match extra {
            Some((source, value)) => {
                let mut a = avg.clone();
                a.set_source_profile(source, Profile::Constant(value))?;
                adjusted = a;
                &adjusted
            }
            None => avg,
        };
        let n = self.system.unknowns();
        if avg.unknowns() != n
            || (0..n).any(|u| avg.node_of_unknown(u) != self.system.node_of_unknown(u))
        {
            return Err(InternalError::new(format!(
                "the periodic start network has {} unknowns or another order than the \
                 model's {n}",
                avg.unknowns()
            ))
            .into());
        }
        let steady = SteadyOptions {
            time_s: options.start_s,
            ..self.steady_options()
        };
        let sol = solve_steady(avg, &steady)?;
        Ok((0..n)
            .map(|u| sol.temperatures_k[self.system.node_of_unknown(u)])
            .collect())
    }

    /// Assembles and solves the model.
    pub fn run(&self) -> Result<RunResult, Error> {
        self.run_with_progress(&mut |_| {})
    }

    /// Assembles and solves the model (with the power budget of a spacecraft),
    /// telling `progress` how far it is: the time of each accepted step of a
    /// transient, each finished period of a periodic run.
    pub fn run_with_progress(
        &self,
        progress: &mut (dyn FnMut(RunProgress<'_>) + Send),
    ) -> Result<RunResult, Error> {
        let start = Instant::now();
        let transient = self.transient_options()?;
        let periodic = self.periodic_options()?;
        let with_battery = match &periodic {
            Some(options) => self.solve_periodic_with_battery(options, &mut |it| {
                progress(RunProgress::Period(it))
            })?,
            None => None,
        };
        let solved = match with_battery {
            Some(done) => done,
            None => self.solve_with_power(|system| {
                Ok(match self.solve.mode {
                    SolveMode::Steady => {
                        Solution::Steady(solve_steady(system, &self.steady_options())?)
                    }
                    SolveMode::Transient => {
                        let options = transient.as_ref().ok_or(SolveError::InvalidOption {
                            option: "solve.transient",
                            value: f64::NAN,
                            allowed: "a [solve.transient] table",
                        })?;
                        Solution::Transient(solve_transient_with_progress(
                            system,
                            options,
                            &mut |t_s| progress(RunProgress::Time(t_s)),
                        )?)
                    }
                    SolveMode::Periodic => {
                        let options = periodic.clone().ok_or(SolveError::InvalidOption {
                            option: "solve.periodic",
                            value: f64::NAN,
                            allowed: "mode = \"periodic\"",
                        })?;
                        let x0 = self.periodic_start_state(&options)?;
                        let mut solver = PeriodicSolver::new(system, options)?;
                        Solution::Periodic(
                            solver.solve_from(&x0, &mut |it| progress(RunProgress::Period(it)))?,
                        )
                    }
                })
            })?,
        };
        let (solution, spacecraft) = solved;
        let solve_time_s = start.elapsed().as_secs_f64();
        Ok(RunResult {
            solution,
            wall_time_s: self.assembly_time_s + solve_time_s,
            assembly_time_s: self.assembly_time_s,
            solve_time_s,
            spacecraft,
        })
    }
}

fn transient_options(t: &TransientSpec, steady: &SteadyOptions) -> Result<TransientOptions, Error> {
    let start = t.start_s.unwrap_or(0.0);
    let initial = match t.initial.unwrap_or(InitialStateSpec::Initial) {
        InitialStateSpec::Initial => InitialState::Network,
        InitialStateSpec::Steady => InitialState::Steady,
    };
    Ok(
        step_options(&t.steps(), start, t.end_s, steady.linear_solver)?
            .with_initial_state(initial)?,
    )
}

/// Transient options over `[start_s, end_s]` from the step settings shared by
/// `[solve.transient]` and `[solve.periodic]`: fixed `dt_s` or adaptive
/// `rtol`/`atol_k` (defaults 1e-4 and 1e-3 K), the method (default BDF2) and
/// outputs every `output_interval_s` (default [`DEFAULT_OUTPUT_COUNT`] over the span).
fn step_options(
    t: &StepSettings,
    start_s: f64,
    end_s: f64,
    linear_solver: crate::solve::LinearSolverChoice,
) -> Result<TransientOptions, Error> {
    let base = match t.dt_s {
        Some(dt) => TransientOptions::fixed_step(dt)?,
        None => TransientOptions::adaptive(t.rtol.unwrap_or(1e-4), t.atol_k.unwrap_or(1e-3))?,
    };
    let method = match t.method.unwrap_or(MethodSpec::Bdf2) {
        MethodSpec::Bdf2 => TransientMethod::Bdf2,
        MethodSpec::Trapezoidal => TransientMethod::Trapezoidal,
        MethodSpec::BackwardEuler => TransientMethod::BackwardEuler,
    };
    let interval = t
        .output_interval_s
        .unwrap_or((end_s - start_s) / DEFAULT_OUTPUT_COUNT);
    Ok(base
        .with_span(start_s, end_s)?
        .with_method(method)
        .with_output_interval(interval)?
        .with_linear_solver(linear_solver))
}
