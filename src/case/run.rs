//! Solving a built model as its `[solve]` table asks.

use std::time::Instant;

use super::schema::{InitialStateSpec, MethodSpec, SolveMode, TransientSpec};
use super::Model;
use crate::error::Error;
use crate::solve::transient::{InitialState, TransientMethod, TransientOptions, TransientSolution};
use crate::solve::{solve_steady, SteadyOptions, SteadySolution};

/// Outputs per run when a transient gives no `output_interval_s`.
pub const DEFAULT_OUTPUT_COUNT: f64 = 200.0;

/// A steady or transient solution.
#[derive(Debug, Clone)]
pub enum Solution {
    /// Steady state.
    Steady(SteadySolution),
    /// Time history.
    Transient(TransientSolution),
}

impl Solution {
    /// Temperature of every node at the end of the run (K).
    pub fn final_temperatures_k(&self) -> &[f64] {
        match self {
            Solution::Steady(s) => &s.temperatures_k,
            Solution::Transient(t) => t.final_temperatures_k(),
        }
    }

    /// Name of the linear solver used.
    pub fn linear_solver(&self) -> &'static str {
        match self {
            Solution::Steady(s) => s.linear_solver,
            Solution::Transient(t) => t.linear_solver,
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

    /// Transient options from the case (`None` for a steady case).
    pub fn transient_options(&self) -> Result<Option<TransientOptions>, Error> {
        let Some(t) = &self.solve.transient else {
            return Ok(None);
        };
        let mut options = transient_options(t, &self.steady_options())?;
        if self.solve.tolerance.is_some() || self.solve.max_iterations.is_some() {
            let max_iterations = self
                .solve
                .max_iterations
                .map_or(options.max_newton_iterations, |m| m.max(1) as usize);
            let tolerance = self.solve.tolerance.unwrap_or(options.newton_tolerance);
            options = options.with_newton(tolerance, max_iterations)?;
        }
        Ok(Some(options))
    }

    /// Assembles and solves the model.
    pub fn run(&self) -> Result<RunResult, Error> {
        self.run_with_progress(&mut |_| {})
    }

    /// [`Model::run`], calling `progress(t_s)` after every accepted step of a transient
    /// (from `start_s` to `end_s`), for progress bars.
    pub fn run_with_progress(
        &self,
        progress: &mut (dyn FnMut(f64) + Send),
    ) -> Result<RunResult, Error> {
        let start = Instant::now();
        let transient = match self.solve.mode {
            SolveMode::Steady => None,
            SolveMode::Transient => Some(self.transient_options()?.ok_or(
                crate::error::SolveError::InvalidOption {
                    option: "solve.transient",
                    value: f64::NAN,
                    allowed: "a [solve.transient] table",
                },
            )?),
        };
        let (solution, spacecraft) = self.solve_with_power(|system| match &transient {
            None => Ok(Solution::Steady(solve_steady(
                system,
                &self.steady_options(),
            )?)),
            Some(options) => Ok(Solution::Transient(
                crate::solve::transient::solve_transient_with_progress(system, options, progress)?,
            )),
        })?;
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
        .unwrap_or((t.end_s - start) / DEFAULT_OUTPUT_COUNT);
    let initial = match t.initial.unwrap_or(InitialStateSpec::Initial) {
        InitialStateSpec::Initial => InitialState::Network,
        InitialStateSpec::Steady => InitialState::Steady,
    };
    Ok(base
        .with_span(start, t.end_s)?
        .with_method(method)
        .with_output_interval(interval)?
        .with_linear_solver(steady.linear_solver)
        .with_initial_state(initial)?)
}
