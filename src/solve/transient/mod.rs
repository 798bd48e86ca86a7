//! Implicit transient solver: backward Euler, BDF2 and the trapezoidal rule,
//! with Newton per step, local-error step control, exact landing on the
//! network's discontinuities, and outputs from each method's own interpolant.
//!
//! # The equations
//!
//! For diffusion nodes (heat capacity `C_i > 0`) and arithmetic nodes (`C_i = 0`)
//! the network is the semi-explicit index-1 DAE
//!
//! ```text
//! C_i dT_i/dt = F_i(t, T)     (diffusion)
//!           0 = F_i(t, T)     (arithmetic)
//! ```
//!
//! with `F` the net heat into each unknown
//! ([`ThermalSystem::residual`](crate::solve::ThermalSystem::residual)). Every step from `t_n` to `t_{n+1} = t_n + h`
//! solves one nonlinear system of the form
//!
//! ```text
//! G(T) = γ C (T − B) − Ψ − F(t_{n+1}, T) = 0,         ∂G/∂T = γ C + K,   K = −∂F/∂T
//! ```
//!
//! where the method fixes `γ`, the base state `B` and the explicit part `Ψ`:
//!
//! | method | γ | B | Ψ | local error |
//! |---|---|---|---|---|
//! | backward Euler | `1/h` | `T_n` | 0 | `h²/2 · T''` |
//! | trapezoidal | `2/h` | `T_n` | `F(t_n, T_n)` on diffusion rows, 0 on arithmetic rows | `h³/12 · T'''` |
//! | BDF2, ω = h/h_{n−1} | `(1+2ω)/((1+ω) h)` | `((1+ω) T_n − ω²/(1+ω) T_{n−1}) · (1+ω)/(1+2ω)` | 0 | `h³ (1+ω)² / (6ω(1+2ω)) · T'''` |
//!
//! The variable-step BDF2 formula is
//! `T_{n+1} − (1+ω)²/(1+2ω) T_n + ω²/(1+2ω) T_{n−1} = h (1+ω)/(1+2ω) T'_{n+1}`
//! (Hairer & Wanner, *Solving Ordinary Differential Equations II*, 2nd ed.,
//! §III.5 and §V.1; zero-stable for ω < 1 + √2, so the step may grow by at most
//! `BDF2_MAX_RATIO` = 2 per step). BDF2 and backward Euler are L-stable; the
//! trapezoidal rule is A-stable only. Arithmetic rows are always implicit
//! (`0 = F(t_{n+1}, T_{n+1})`, the Ψ term is zero there): the trapezoidal rule
//! applied to algebraic rows of an index-1 DAE is only marginally stable and
//! rings (Hairer & Wanner II, §VI.1), which this avoids. The diffusion rows of
//! the trapezoidal rule stay trapezoidal.
//!
//! BDF2 and the trapezoidal rule start, and restart after every discontinuity
//! of a source or boundary temperature (the history before a discontinuity is
//! not smooth and must not be used), with one self-starting TR-BDF2 step: a
//! trapezoidal stage to `t + γh` followed by a BDF2 step through `t`, `t + γh`
//! and `t + h`, with `γ = 2 − √2` (Bank et al., *IEEE Trans. Electron Devices*
//! 32, 1985; Hosea & Shampine, *Appl. Numer. Math.* 20, 1996). It is second
//! order and L-stable, so it damps the stiff modes of a sudden change (a face
//! suddenly held at a new temperature) as a backward-Euler start would, without
//! the backward-Euler start's O(h²) contribution to the global error, which on
//! the radiating-body test kept BDF2's observed order near 1 until h ≈ T/300.
//! Its trapezoidal stage needs `F(t⁺, T)`: arithmetic nodes are first brought
//! into balance at `t⁺` (a backward-Euler step of negligible length whose
//! diffusion temperatures are put back, so no energy is stored).
//!
//! Predictor: the quintic through the last six accepted points of the segment
//! (fewer after a restart; `T + h T'` at a segment start), in Lagrange form for
//! any step sizes, so a second-order step usually converges in one Newton
//! iteration. The predictor only sets where Newton starts, never the answer.
//!
//! # Energy
//!
//! Heat in and out are integrated with each method's own quadrature — right
//! point for backward Euler, trapezoidal for the trapezoidal rule and stage,
//! and for BDF2 the same recursion applied to `E' = q`,
//! `a Q_{n+1} − b Q_n = h q_{n+1}` (`a = (1+2ω)/(1+ω)`, `b = ω²/(1+ω)`) — so the
//! sum over steps of `Σ C ΔT` equals `∫ heat in − ∫ heat out` up to the Newton
//! residual: the balance closes to the Newton tolerance, not to the truncation
//! error.

//! # Newton
//!
//! Each step's system is solved by the Newton core the steady solver shares
//! (`solve/newton/`: a step is its `StepForm`), that is, by Newton's method with the exact Jacobian
//! `γC + K` ([`ThermalSystem::jacobian`](crate::solve::ThermalSystem::jacobian), `C` added on the diagonal through
//! [`ThermalSystem::diagonal_positions`](crate::solve::ThermalSystem::diagonal_positions)). Convergence is judged as in the
//! steady solver, relative to the heat flowing: the part of `‖G‖₁` above each
//! row's own round-off level must fall below `tolerance × heat flowing` (a row
//! whose `γ C T` term dwarfs its heat flows, in a very short step, is not asked
//! for digits it cannot have), and the step's energy balance `Σ_i G_i` must
//! close to `tolerance × heat flowing` plus the round-off of the stored-heat
//! and boundary terms. The second test is the honest one: conductors between
//! two unknowns cancel in `Σ G`, so no conductance enlarges its scale, whereas
//! a row's round-off level grows with `K_ii |T_i|` — with k = 1e18 W/(m·K) a
//! panel row ignores watts, and steps whose mean temperature was off passed the
//! first test alone (the run ended with a 1.5 % imbalance). When the residual
//! passes and the balance does not, Newton goes on; each further step must
//! halve the imbalance, or the step fails with
//! [`SolveError::EnergyBalanceNotClosed`] (adaptive runs retry it shorter,
//! `MAX_ENERGY_RETRIES` = 3 times in a row). The run's energy integral is the sum
//! of the steps' balances, so it closes too. With a direct linear solver
//! ([`crate::linalg::DirectSolver`]: symbolic factorization once, numeric
//! factorization per matrix, then any number of triangular solves) the matrix
//! and its factor are kept across iterations and steps (a simplified Newton,
//! Hairer & Wanner II, §IV.8) and refreshed only when `γ` changes or an
//! iteration reduces the residual by less than `newton::SLOW_CONTRACTION`; for a
//! linear network (no radiation) `K` is constant and a fixed-step run factors
//! the matrix once per distinct `γ`. A refreshed matrix is not factorized at
//! once ([`FactorReuse::krylov`]): the Newton system with the current matrix is
//! solved by CG (BiCGStab when non-symmetric) preconditioned by the old factor
//! to the forcing term, and the matrix is factorized afresh only when that
//! takes more than `newton::STALE_FACTOR_MAX_ITERATIONS` iterations, when the
//! iterations spent since the last factorization pass `newton::STALE_FACTOR_BUDGET`,
//! or when `γ` moved by more than half (on the 256² orbit benchmark with the cubic predictor: 11
//! instead of 28 factorizations, 1.74 instead of 1.57 solve pairs per step;
//! `cargo test --release --test transient_speed -- --ignored --nocapture
//! speed_orbit_factor_reuse_variants`). The
//! Cholesky sweeps may read an `f32` copy of the factor
//! ([`FactorReuse::single_precision`], the default): the exact residual and
//! the outer iteration correct its ~1e-7 relative error. Multigrid-preconditioned CG keeps its
//! hierarchy the same way (structure once, numeric values updated when the
//! matrix is rebuilt) and solves each Newton system inexactly, to the
//! Eisenstat–Walker forcing term of the steady solver capped at 0.1 instead of
//! 0.01 (a step that starts near the tolerance needs little); a contraction no
//! better than ten times that term (at most ½) is then not taken for a stale
//! Jacobian. Other iterative
//! solvers evaluate the Jacobian at every iteration (exact Newton, inexact
//! linear solves). The residual is always exact, so reusing the Jacobian
//! changes only the number of iterations, never the answer. A step whose Newton fails is retried with a
//! quarter of the step (adaptive) or reported as
//! [`SolveError::TransientStepFailed`] with the residual history (fixed).

//! # Step control
//!
//! The local error is estimated from divided differences of the time
//! derivative `T' = F/C` on diffusion rows (`T''` from two values, `T'''` from
//! three), which the Newton solve gives for free; with the method's error
//! constant above this is the classical estimate of Hindmarsh's LSODE and
//! Shampine's codes (L. F. Shampine, *Numerical Solution of Ordinary
//! Differential Equations*, 1994, §§5–8). A step is accepted when
//! `max_i |err_i| / (atol + rtol·|T_i|) ≤ 1`; the next step is
//! `h · clamp(safety · err^(−1/(p+1)), max_shrink, max_growth)` (`p` the order
//! of the estimate), kept unchanged when the factor lies in `[1, 1.2]` so that
//! the factorization can be reused (Hairer & Wanner II, §IV.8, RADAU5's
//! `quot1`/`quot2`).
//!
//! Arithmetic rows have no `T'`: their estimate uses divided differences of
//! their own values through the segment's points (`AlgebraicPoints`), with
//! the method's error constant. In an index-1 DAE they are functions of the
//! diffusion rows at the step points, but they also follow sources and
//! boundary temperatures directly and are interpolated between steps, and a
//! network of arithmetic nodes alone has nothing else to set its steps.
//!
//! What the tolerances control: `rtol` and `atol_k` bound each step's
//! *local* error, `|err_i| ≤ atol_k + rtol·|T_i|`, as in LSODE — not the
//! error at the end, which is the local errors carried to the end. On a
//! contractive problem it stays below `rtol × steps`; measured on the
//! radiating body (tests/transient_lumped.rs) it is 2–50 `rtol` for BDF2 and
//! the trapezoidal rule from `rtol` = 1e-3 to 1e-6, falling as `rtol^(2/3)`.
//! On the lumped radiative cooling case (validation/rad-01-lumped-cooling.toml,
//! 400 s from 600 K to a 0 K sink) the largest error over the run is
//! measured per method and `rtol` by `val_rad_01_global_error_per_rtol` and
//! tabulated in the README (BDF2: 1.5 K at 1e-3, 0.35 K at 1e-4, 0.09 K at
//! 1e-5). Fixed steps ignore both tolerances.
//!
//! Steps land exactly on every time returned by
//! [`ThermalSystem::discontinuities`](crate::solve::ThermalSystem::discontinuities) (eclipse entry and exit, table
//! corners) and on the end time: a step never spans a jump of a source or a
//! boundary temperature. Approaching a landing, the remaining interval is
//! split into two equal steps when it is shorter than two steps, so no sliver
//! step is taken, and the step size before the landing is restored
//! afterwards: a landing never shrinks the later steps.
//!
//! # Outputs
//!
//! Output times do not constrain the steps: a fixed step is taken as given
//! and adaptive steps are as long as `rtol` allows, however many outputs are
//! asked for. Temperatures at an output time inside a step come from the
//! method's dense output over that step (`TransientSolver::dense_output`:
//! linear for backward Euler, the cubic Hermite with `T'` at both ends for the
//! trapezoidal rule, the quadratic through the last three points for BDF2), of
//! the method's own order, so outputs are as accurate as the steps. An output
//! at a step's end (the end time, a discontinuity, a time on the fixed-step
//! grid) is that step's state, bit for bit. Energy is integrated over the
//! steps, never the interpolant: [`TransientSolution::interval_energy`] sums
//! whole steps, so each interval closes as the steps do.

// Index loops over several vectors at once mirror the equations.
#![allow(clippy::needless_range_loop)]

mod driver;
mod options;
mod predictor;
mod solution;
mod step;

use serde::{Deserialize, Serialize};

use crate::error::{InternalError, SolveError};
use crate::linalg::krylov::zip_update;
use crate::linalg::parallel::{on_pool_thread, par_chunks, par_fill, rows_of};
use crate::network::HeatFlows;
use crate::solve::linear::LinearSolverChoice;
use crate::solve::newton::{NewtonCore, StepForm};
use crate::solve::report::EnergyBalance;
use crate::solve::steady::{SteadyOptions, SteadySolver};
use crate::solve::ThermalSystem;

pub use driver::TransientSolver;
#[allow(clippy::wildcard_imports)]
use options::*;
pub use options::{
    AdaptiveStep, FactorReuse, InitialState, StepControl, TransientMethod, TransientOptions,
};
#[allow(clippy::wildcard_imports)]
use predictor::*;
pub(crate) use solution::schedule;
#[allow(clippy::wildcard_imports)]
use solution::*;
pub use solution::{EnergyIntegral, TransientSolution, TransientStats};
#[allow(clippy::wildcard_imports)]
use step::*;

/// Largest ratio of successive BDF2 steps (zero stability needs < 1 + √2 ≈ 2.414;
/// Hairer & Wanner II, §III.5, Theorem 5.3 of Grigorieff's analysis).
pub(crate) const BDF2_MAX_RATIO: f64 = 2.0;

/// TR-BDF2 stage fraction γ = 2 − √2: the scheme is L-stable and its two stages
/// have the same `γ C + K` up to a factor (Hosea & Shampine, "Analysis and
/// implementation of TR-BDF2", *Appl. Numer. Math.* 20, 1996).
const TR_BDF2_GAMMA: f64 = 2.0 - std::f64::consts::SQRT_2;

/// TR-BDF2 local error constant `|(−3γ² + 4γ − 2) / (12 (2 − γ))|` ≈ 0.0404
/// (Hosea & Shampine 1996).
const TR_BDF2_ERROR_CONSTANT: f64 = 0.040_440_114_519_880_86;

/// Consecutive step failures for an energy balance Newton could not close
/// ([`SolveError::EnergyBalanceNotClosed`]) that an adaptive run retries with a
/// quarter of the step before giving up: a shorter step adds `C/h` to the
/// matrix's diagonal and may bring an ill-conditioned step within double
/// precision, but a network that needs steps 64 times shorter than its
/// accuracy asks for is too ill-conditioned to be worth crawling through.
const MAX_ENERGY_RETRIES: usize = 3;

/// A broken invariant of the transient solver: thermorbit's fault, not the input's.
fn internal(reason: &str) -> SolveError {
    SolveError::Internal(InternalError::new(format!("transient solver: {reason}")))
}

fn check_initial_length(system: &dyn ThermalSystem, x: &[f64]) -> Result<(), SolveError> {
    check(
        x.len() == system.unknowns(),
        "initial state length",
        x.len() as f64,
        "one temperature per unknown (AssembledNetwork::unknowns)",
    )
}

/// Whether a step failed because Newton could not close its energy balance.
fn is_energy(e: &SolveError) -> bool {
    matches!(e, SolveError::EnergyBalanceNotClosed { .. })
}

/// First grid point `start + k dt` more than `dt/10` after `t`.
fn next_grid(start: f64, dt: f64, t: f64) -> f64 {
    let mut k = ((t - start) / dt).floor() + 1.0;
    let mut g = start + k * dt;
    while g <= t + 0.1 * dt {
        k += 1.0;
        g = start + k * dt;
    }
    g
}

/// Σ C_i (b_i − a_i) over diffusion nodes (J), differences first for accuracy.
fn stored_energy(cap: &[f64], a: &[f64], b: &[f64]) -> f64 {
    cap.iter()
        .zip(a.iter().zip(b))
        .map(|(c, (p, q))| c * (q - p))
        .sum()
}

/// A first step from the initial rates of change: the backward-Euler local
/// error `h²/2 |T''|` with `|T''| ≈ T'²/T` (an exponential-like approach) meets the
/// tolerance; half of that, for safety.
fn initial_step(y: &[f64], z: &[f64], cap: &[f64], a: AdaptiveStep, span: f64) -> f64 {
    let mut h = f64::INFINITY;
    for i in 0..y.len() {
        if cap[i] > 0.0 && z[i] != 0.0 {
            let w = a.atol_k + a.rtol * y[i].abs();
            h = h.min(0.5 * (2.0 * w * y[i].abs()).sqrt() / z[i].abs());
        }
    }
    if h.is_finite() && h > 0.0 {
        h
    } else {
        0.01 * span
    }
}

/// Solves a transient run from the options' initial state.
///
/// Fails with [`crate::error::NetworkError::NoPathToSink`] (wrapped) when a steady initial
/// state is asked for and a node floats, with [`SolveError::InvalidOption`] for bad
/// options, and with [`SolveError::TransientStepFailed`] or
/// [`SolveError::StepTooSmall`] when a step cannot be completed.
pub fn solve_transient(
    system: &dyn ThermalSystem,
    options: &TransientOptions,
) -> Result<TransientSolution, crate::Error> {
    solve_transient_with_progress(system, options, &mut |_| {})
}

/// [`solve_transient`], calling `progress(t_s)` after every accepted step.
pub fn solve_transient_with_progress(
    system: &dyn ThermalSystem,
    options: &TransientOptions,
    progress: &mut (dyn FnMut(f64) + Send),
) -> Result<TransientSolution, crate::Error> {
    if options.initial_state == InitialState::Steady {
        system.check_grounded()?;
    }
    let mut solver = TransientSolver::new(system, options.clone())?;
    let x0 = solver.initial_state()?;
    Ok(solver.solve_from_with_progress(&x0, progress)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_merges_and_keeps_output_values() {
        let s = schedule(0.0, 10.0, &[2.5, 10.0], Some(4.0), &[2.5, 7.0]);
        let t: Vec<f64> = s.iter().map(|s| s.t).collect();
        assert_eq!(t, vec![2.5, 4.0, 7.0, 8.0, 10.0]);
        assert!(s[0].output && s[0].event);
        assert!(!s[2].output && s[2].event);
    }

    #[test]
    fn lagrange_weights_reproduce_cubics_at_any_steps() {
        // Nodes 0, −3, −4.5, −9 (variable steps); target 2.
        let taus = [0.0, -3.0, -4.5, -9.0];
        let w = lagrange_weights(&taus, 2.0);
        let p = |t: f64| 1.5 - 0.25 * t + 0.125 * t * t - 0.03 * t * t * t;
        let extrapolated: f64 = taus.iter().zip(&w).map(|(&t, wj)| wj * p(t)).sum();
        assert!(
            (extrapolated - p(2.0)).abs() < 1e-12,
            "{extrapolated} vs {}",
            p(2.0)
        );
        // Two nodes: linear extrapolation y0 + r (y0 − y1).
        let w = lagrange_weights(&[0.0, -2.0], 1.0);
        assert_eq!(&w[..2], &[1.5, -0.5]);
    }

    #[test]
    fn predictor_uses_the_segment_points_only() {
        let mut hist = History {
            valid: false,
            h_prev: 0.0,
            y_prev: vec![0.0],
            z_prev: vec![0.0],
            prev_q: (0.0, 0.0),
            older_y: std::array::from_fn(|_| vec![0.0]),
            older_h: [0.0; PREDICTOR_POINTS - 2],
            older_valid: 0,
        };
        let y = |t: f64| 300.0 + 2.0 * t - 0.1 * t * t + 0.004 * t * t * t;
        let mut x = [0.0];
        // Segment start: y + h T'.
        hist.predict(1.0, &[y(0.0)], &[2.0], &mut x);
        assert_eq!(x[0], 302.0);
        // Points at t = 0, 1, 3, 4 (steps 1, 2, 1); at t = 4 the cubic is exact.
        let times = [0.0, 1.0, 3.0, 4.0];
        for w in times.windows(2) {
            hist.push(w[1] - w[0], &mut vec![y(w[0])], &mut vec![0.0]);
        }
        hist.predict(2.5, &[y(4.0)], &[0.0], &mut x);
        assert!((x[0] - y(6.5)).abs() < 1e-10, "{} vs {}", x[0], y(6.5));
        // After a restart the history is forgotten.
        hist.restart();
        hist.predict(1.0, &[y(4.0)], &[1.0], &mut x);
        assert_eq!(x[0], y(4.0) + 1.0);
    }

    #[test]
    fn grid_skips_points_just_after_t() {
        assert_eq!(next_grid(0.0, 1.0, 0.0), 1.0);
        assert_eq!(next_grid(0.0, 1.0, 0.95), 2.0);
        assert_eq!(next_grid(0.0, 1.0, 1.0), 2.0);
        assert_eq!(next_grid(0.0, 1.0, 0.5), 1.0);
    }
}
