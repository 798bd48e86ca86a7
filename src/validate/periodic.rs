//! Validation runners for the orbit-periodic solver (`mode = "periodic"`):
//! the harmonic response of a lumped node (exact), and a radiating network
//! against a long plain transient run (the independent reference).
//!
//! Both solve the problem held in the case file's `[case]` table through the
//! case pipeline, editing the table to change a capacitance or a step.

use std::f64::consts::TAU;

use nalgebra::Complex;

type Complex64 = Complex<f64>;

use super::conduction::{count_list, inconsistent, node, transient};
use super::convergence::{convergence_plot, f64_at, set_key, write_plot, Refinement};
use super::{Measurement, RunContext, Runner, ValidationCase};
use crate::case::{RunResult, Solution};
use crate::error::{Error, InputError};
use crate::solve::{PeriodicSolution, TransientSolution};

/// Runners by name.
pub(super) const RUNNERS: &[(&str, Runner)] = &[
    ("periodic_harmonic_sink", periodic_harmonic_sink),
    ("periodic_vs_long_transient", periodic_vs_long_transient),
];

/// Exact frequency response of `τ T' = T_b − T` (a node of capacitance `C`
/// joined by a conductance `G` to a boundary at `T_b`, `τ = C/G`) at `ωτ`:
/// `H = 1/(1 + iωτ)`, amplitude `1/√(1 + (ωτ)²)` and lag `atan(ωτ)`
/// (Carslaw & Jaeger, *Conduction of Heat in Solids*, 2nd ed., 1959, §1.8
/// on periodic surface temperature; any linear-systems text for the
/// first-order lag).
fn exact_response(omega_tau: f64) -> Complex64 {
    1.0 / Complex64::new(1.0, omega_tau)
}

/// The periodic response of fixed-step BDF2 applied to the same equation: with
/// `y_n = Y e^{iωnh}` the recursion
/// `(3 y_{n+1} − 4 y_n + y_{n−1})/(2h) = (u_{n+1} − y_{n+1})/τ` gives
/// `Y/U = 1/(1 + τ D)`, `D = (3 − 4e^{−iωh} + e^{−2iωh})/(2h)` (Hairer & Wanner,
/// *Solving ODEs II*, §V.1: the method's stability function on the imaginary
/// axis), which tends to `iω` as `h² → 0`. The step error of the periodic
/// amplitude predicted from it justifies the tolerances.
fn bdf2_response(omega_tau: f64, omega_h: f64) -> Complex64 {
    let z = Complex64::from_polar(1.0, -omega_h);
    let d_times_h = (3.0 - 4.0 * z + z * z) / 2.0;
    1.0 / (1.0 + omega_tau / omega_h * d_times_h)
}

/// The fundamental of samples `y_n` at `t_n = t₀ + nP/N` (`n < N`, one
/// period): `y ≈ mean + R sin(ω t − φ)`, returned as `(R, φ)` (discrete
/// Fourier projection, exact for a sinusoid sampled uniformly over a period).
fn fundamental(t0_s: f64, period_s: f64, y: &[f64]) -> (f64, f64) {
    let n = y.len() as f64;
    let (mut s, mut c) = (0.0, 0.0);
    for (k, v) in y.iter().enumerate() {
        let wt = TAU * (t0_s + k as f64 * period_s / n) / period_s;
        s += v * wt.sin();
        c += v * wt.cos();
    }
    // R sin(ωt − φ) = R cos φ sin ωt − R sin φ cos ωt.
    let (a, b) = (2.0 * s / n, 2.0 * c / n);
    (a.hypot(b), (-b).atan2(a))
}

/// A node `body` (capacitance `C`) joined by `conductors[0]` (`G`) to the
/// boundary `sink`, whose temperature is the harmonic `T_m + A sin(2π t/P)`;
/// `mode = "periodic"` with `period_s = P`. For each `ωτ` of
/// `parameters.omega_tau` the capacitance is set to `ωτ G/ω`, and for each
/// step count of `parameters.steps` (per period; outputs at every step) the
/// periodic solution's fundamental (amplitude `R`, lag `φ`) is compared with
/// [`exact_response`]; the amplitude error is also compared with the one BDF2
/// itself predicts ([`bdf2_response`]).
fn periodic_harmonic_sink(
    case: &ValidationCase,
    ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let base = case.case_table()?;
    let f = &case.file;
    let get = |k: &str| f64_at(&base, k, f);
    let g = get("conductors[0].conductance_w_k")?;
    let amplitude = get("nodes.sink.temperature_k.amplitude")?;
    let period = get("nodes.sink.temperature_k.period_s")?;
    if get("solve.periodic.period_s")? != period {
        return Err(inconsistent(
            case,
            "case.solve.periodic.period_s",
            "the periodic solve's period must be the sink's",
        )
        .into());
    }
    let omega = TAU / period;
    let omega_taus = case.f64_list_param("omega_tau")?;
    let steps = count_list(case, "steps")?;
    let mut measurements = Vec::new();
    let mut studies = Vec::new();
    for &wt in &omega_taus {
        let exact = exact_response(wt);
        let (mut dts, mut amp_errors, mut last) = (Vec::new(), Vec::new(), (0.0, 0.0, 0.0));
        for &n in &steps {
            let dt = period / n as f64;
            let mut table = base.clone();
            set_key(&mut table, "nodes.body.capacitance_j_k", wt * g / omega, f)?;
            set_key(&mut table, "solve.periodic.dt_s", dt, f)?;
            set_key(&mut table, "solve.periodic.output_interval_s", dt, f)?;
            let model = case.build_model(table)?;
            let run = model.run()?;
            let history = transient(case, &run)?;
            let body = node(case, &model, "body")?;
            let y: Vec<f64> = history.temperatures_k[..n]
                .iter()
                .map(|row| row.get(body).copied().unwrap_or(f64::NAN))
                .collect();
            let (r, phi) = fundamental(history.times_s[0], period, &y);
            let amp_error = r / amplitude / exact.norm() - 1.0;
            let phase_error = phi - (-exact.arg());
            let predicted = bdf2_response(wt, omega * dt).norm() / exact.norm() - 1.0;
            dts.push(dt);
            amp_errors.push(amp_error.abs());
            last = (amp_error, phase_error, predicted);
        }
        let study = Refinement::new(format!("ωτ = {wt}"), dts, amp_errors);
        let finest = steps.last().copied().unwrap_or(0);
        let (amp_error, phase_error, predicted) = last;
        measurements.push(Measurement::new(
            format!("amplitude relative error, wt = {wt}, {finest} steps"),
            amp_error.abs(),
            0.0,
        ));
        measurements.push(Measurement::new(
            format!("phase error (rad), wt = {wt}, {finest} steps"),
            phase_error.abs(),
            0.0,
        ));
        measurements.push(Measurement::new(
            format!("amplitude error / BDF2-predicted error, wt = {wt}, {finest} steps"),
            amp_error / predicted,
            1.0,
        ));
        measurements.push(Measurement::new(
            format!("observed order, amplitude, wt = {wt}"),
            study.finest_order(),
            2.0,
        ));
        studies.push(study);
    }
    if let Some(first) = studies.first() {
        let plot = convergence_plot(
            "cond-09: periodic response of a lumped node to a harmonic sink (BDF2)",
            "time step Δt (s)",
            "|amplitude / exact amplitude − 1|",
            &studies.iter().collect::<Vec<_>>(),
            vec![first.guide(2.0, "slope 2 (second order)")],
        );
        write_plot(ctx, &format!("{}-step.png", case.id), &plot)?;
    }
    Ok(measurements)
}

/// The periodic solution of a solved model (an error for other modes).
fn periodic_of<'a>(
    case: &ValidationCase,
    run: &'a RunResult,
) -> Result<&'a PeriodicSolution, InputError> {
    match &run.solution {
        Solution::Periodic(p) => Ok(p),
        _ => Err(inconsistent(
            case,
            "case.solve.mode",
            "this runner needs mode = \"periodic\"",
        )),
    }
}

/// The network of the `[case]` table solved with `mode = "periodic"` (as
/// given, Anderson mixing, then again with `acceleration = "none"`), against
/// a plain transient of `parameters.periods` periods from the nodes' initial
/// temperatures with the same method and fixed step: over the last period of
/// that run (shifted by whole periods onto the periodic solution's output
/// times) the largest temperature difference of any node. The long run
/// reaches the cyclic state by brute force, so it is independent of the
/// periodic solver's start, acceleration and stopping test.
fn periodic_vs_long_transient(
    case: &ValidationCase,
    _ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let base = case.case_table()?;
    let f = &case.file;
    let period = f64_at(&base, "solve.periodic.period_s", f)?;
    let dt = f64_at(&base, "solve.periodic.dt_s", f)?;
    let interval = f64_at(&base, "solve.periodic.output_interval_s", f)?;
    let periods = case.f64_param("periods")?;
    if !(periods >= 1.0 && periods.fract() == 0.0) {
        return Err(inconsistent(case, "parameters.periods", "a whole number ≥ 1").into());
    }
    let per_period = period / interval;
    if per_period.fract() != 0.0 || (interval / dt).fract() != 0.0 {
        return Err(inconsistent(
            case,
            "case.solve.periodic.output_interval_s",
            "the period must hold a whole number of output intervals, each a whole number of steps",
        )
        .into());
    }

    // Acceleration alone (no warm-up), plain repetition, and the run as given
    // (with its warm-up at longer steps).
    let mut anderson_table = base.clone();
    set_key(
        &mut anderson_table,
        "solve.periodic.warm_up_step_factor",
        1.0,
        f,
    )?;
    let mut plain_table = anderson_table.clone();
    set_key(&mut plain_table, "solve.periodic.acceleration", "none", f)?;
    let run = case.build_model(anderson_table)?.run()?;
    let periodic = periodic_of(case, &run)?;
    let plain_run = case.build_model(plain_table)?.run()?;
    let plain = periodic_of(case, &plain_run)?;
    let warm_run = case.build_model(base.clone())?.run()?;
    let warm = periodic_of(case, &warm_run)?;

    // The long plain transient, with the periodic table's step settings.
    let mut long = base.clone();
    let mut transient_table = toml::Table::new();
    transient_table.insert("end_s".into(), (periods * period).into());
    transient_table.insert("dt_s".into(), dt.into());
    transient_table.insert("output_interval_s".into(), interval.into());
    if let Some(m) = super::convergence::value_at(&base, "solve.periodic.method") {
        transient_table.insert("method".into(), m.clone());
    }
    let mut solve = toml::Table::new();
    solve.insert("mode".into(), "transient".into());
    solve.insert("transient".into(), toml::Value::Table(transient_table));
    long.insert("solve".into(), toml::Value::Table(solve));
    let long_model = case.build_model(long)?;
    let long_run = long_model.run()?;
    let reference = transient(case, &long_run)?;

    let ours = &periodic.final_period;
    // Over the last period of the long run, shifted onto a periodic run's times.
    let last_period_diff = |ours: &TransientSolution| -> Result<f64, Error> {
        let outputs = per_period as usize + 1;
        let first = reference.times_s.len().saturating_sub(outputs);
        let mut max_diff: f64 = 0.0;
        for (k, row) in ours.temperatures_k.iter().enumerate() {
            let Some(ref_row) = reference.temperatures_k.get(first + k) else {
                return Err(inconsistent(
                    case,
                    "parameters.periods",
                    "the long run is shorter than a period",
                )
                .into());
            };
            let shift = reference.times_s[first + k] - ours.times_s[k] - (periods - 1.0) * period;
            if shift.abs() > 1e-6 * period {
                return Err(inconsistent(
                    case,
                    "case.solve.periodic.output_interval_s",
                    "the long run's outputs do not fall on the periodic run's times",
                )
                .into());
            }
            for (a, b) in row.iter().zip(ref_row) {
                max_diff = max_diff.max((a - b).abs());
            }
        }
        Ok(max_diff)
    };
    let max_diff = last_period_diff(ours)?;
    let warm_diff = last_period_diff(&warm.final_period)?;
    let plain_diff = ours
        .temperatures_k
        .iter()
        .flatten()
        .zip(plain.final_period.temperatures_k.iter().flatten())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    // Per-period decay of plain repetition's error near its end: the slow mode.
    let errors: Vec<f64> = plain.iterations.iter().map(|i| i.error_max_k).collect();
    let rho = match errors.as_slice() {
        [.., a, b] if *a > 0.0 => b / a,
        _ => f64::NAN,
    };
    Ok(vec![
        Measurement::new(
            "plain repetition: 1 - error ratio of the last two periods",
            1.0 - rho,
            0.0,
        ),
        Measurement::new(
            "max |T_periodic - T_long transient| over the last period (K)",
            max_diff,
            0.0,
        ),
        Measurement::new(
            "max |T_anderson - T_plain repetition| over the period (K)",
            plain_diff,
            0.0,
        ),
        Measurement::new("periods integrated, Anderson", periodic.periods as f64, 0.0),
        Measurement::new(
            "periods integrated, Anderson / plain repetition",
            periodic.periods as f64 / plain.periods as f64,
            0.0,
        ),
        Measurement::new(
            "max |T_warm-up run - T_long transient| over the last period (K)",
            warm_diff,
            0.0,
        ),
        Measurement::new(
            "steps, with warm-up / Anderson alone",
            warm.total_steps as f64 / periodic.total_steps as f64,
            0.0,
        ),
        Measurement::new(
            "final period relative energy imbalance",
            ours.energy.relative_imbalance,
            0.0,
        ),
        Measurement::new(
            "final period stored energy / heat in",
            ours.energy.stored_j.abs() / ours.energy.heat_in_j,
            0.0,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fundamental_of_a_sampled_sinusoid_is_exact() {
        let (p, r, phi) = (100.0, 3.5, 0.7);
        let y: Vec<f64> = (0..16)
            .map(|k| 300.0 + r * (TAU * (k as f64 * p / 16.0) / p - phi).sin())
            .collect();
        let (r2, phi2) = fundamental(0.0, p, &y);
        assert!(
            (r2 - r).abs() < 1e-12 && (phi2 - phi).abs() < 1e-12,
            "{r2} {phi2}"
        );
    }

    #[test]
    fn bdf2_response_tends_to_the_exact_one_at_second_order() {
        let wt = 1.0;
        let e = |wh: f64| (bdf2_response(wt, wh) - exact_response(wt)).norm();
        let ratio = e(0.02) / e(0.01);
        assert!((ratio - 4.0).abs() < 0.05, "{ratio}");
        assert!((exact_response(1.0).norm() - 0.5_f64.sqrt()).abs() < 1e-15);
        assert!((-exact_response(1.0).arg() - std::f64::consts::FRAC_PI_4).abs() < 1e-15);
    }
}
