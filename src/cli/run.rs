//! `thermorbit run`: solve a case and write its results.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use thermorbit::case::schema::SolveMode;
use thermorbit::case::RunProgress;
use thermorbit::case::{Case, Solution};
use thermorbit::constants::CELSIUS_OFFSET_K;
use thermorbit::error::InputError;
use thermorbit::output::{summary_json, write_results_with};
use thermorbit::output::{write_matrix_market, OutputSet};
use thermorbit::Error;

use super::{fixed, flag_error, Context};

/// Models at least this large get a spinner while they are built and solved (smaller ones
/// finish before a spinner would show).
const SPINNER_UNKNOWNS: usize = 100_000;

/// Arguments of `thermorbit run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Case file (TOML). Omit to run the built-in default case: the 1 MW GPU module of examples/gpu-module-1mw.toml at orbit-average loads (steady; the file itself solves the orbit-periodic state).
    pub case: Option<PathBuf>,
    /// Output folder [default: out/<case name>]. It is replaced whole by the run's files when
    /// the run succeeds; it must be new, empty, or an earlier run's output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the JSON summary on stdout instead of the text report.
    #[arg(long)]
    pub json: bool,
    /// Also write the network's matrix K = −∂F/∂T (W/K, one row and column per solved
    /// node, in node order) at the end of the run, in Matrix Market format.
    #[arg(long, value_name = "FILE")]
    pub export_matrix: Option<PathBuf>,
}

/// Loads, solves and writes; exit 2 on bad input, 1 if the solver fails.
pub fn execute(args: &RunArgs, ctx: &Context) -> Result<ExitCode, Error> {
    let case = match &args.case {
        Some(path) => Case::load_with(path, &ctx.limits)?,
        None => {
            ctx.console.note(&format!(
                "built-in default: the 1 MW GPU module ({}) at orbit-average loads; its \
                 orbit-periodic state (about half a minute): thermorbit run {}",
                thermorbit::case::DEFAULT_CASE_NAME,
                thermorbit::case::DEFAULT_CASE_NAME
            ));
            Case::default_case()?
        }
    };
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = case
            .file
            .file_stem()
            .map_or_else(|| "case".into(), |s| s.to_string_lossy().into_owned());
        PathBuf::from("out").join(stem)
    });
    // Before any work: a run whose results have nowhere to go is bad input.
    OutputSet::check_target(&out).map_err(|e| {
        let flag = if args.out.is_some() {
            "--out"
        } else {
            "--out (default out/<case name>)"
        };
        flag_error(flag, e.to_string())
    })?;
    let building = ctx.progress.spinner("building the model");
    let model = case.build_with(&ctx.limits);
    building.finish_and_clear();
    let model = model?;
    let unknowns = model.system.unknowns();
    if !args.json {
        ctx.console.note(&format!(
            "thermorbit: {} — {} nodes; solving ({})…",
            model.title,
            model.system.node_count(),
            match model.solve.mode {
                SolveMode::Transient => "transient",
                SolveMode::Periodic => "orbit-periodic state",
                SolveMode::Steady => "steady state",
            }
        ));
    }
    // A network that cannot be solved (a node with no path to a sink) is a fault
    // of the case file: report it against the file, as bad input.
    let as_input = |e: Error| match e {
        Error::Network(source) => Error::Input(InputError::Model {
            file: case.file.clone(),
            source,
        }),
        other => other,
    };
    let result = match (model.solve.mode, &model.solve.transient) {
        (SolveMode::Transient, Some(t)) => {
            let t0 = t.start_s.unwrap_or(0.0);
            let (bar, callback) = ctx.progress.time_bar(t0, t.end_s, "transient");
            let result = model.run_with_progress(&mut |p| {
                if let RunProgress::Time(t_s) = p {
                    callback.at(t_s);
                }
            });
            bar.finish_and_clear();
            result
        }
        (SolveMode::Periodic, _) => {
            // The warm-up and the full-step periods each have the period limit.
            let max = model.periodic_options().ok().flatten().map_or(100, |o| {
                o.max_periods * if o.warm_up_options().is_some() { 2 } else { 1 }
            });
            let bar = ctx.progress.bar(max as u64, "periods");
            let result = model.run_with_progress(&mut |p| {
                if let RunProgress::Period(it) = p {
                    bar.set_position(it.period as u64);
                    bar.set_message(format!(
                        "periodicity error {:.2e} K{}{}",
                        it.error_max_k,
                        if it.warm_up { " (warm-up)" } else { "" },
                        if it.accelerated { " (Anderson)" } else { "" }
                    ));
                }
            });
            bar.finish_and_clear();
            result
        }
        _ => {
            let spinner = if unknowns >= SPINNER_UNKNOWNS {
                ctx.progress
                    .spinner(&format!("solving steady state ({unknowns} unknowns)"))
            } else {
                indicatif::ProgressBar::hidden()
            };
            let result = model.run();
            spinner.finish_and_clear();
            result
        }
    }
    .map_err(as_input)?;
    let writing = ctx.progress.spinner("writing results");
    let files = write_results_with(&out, &model, &result, &mut |name| {
        writing.set_message(name.to_string());
    });
    writing.finish_and_clear();
    let files = files?;
    if let Some(path) = &args.export_matrix {
        let t_s = result
            .solution
            .history()
            .and_then(|h| h.times_s.last().copied())
            .unwrap_or(model.steady_options().time_s);
        let k = model
            .system
            .jacobian_at_nodes(t_s, result.solution.final_temperatures_k())?;
        write_matrix_market(path, &k)?;
    }
    // Design findings go to stderr whatever the output format, so `--json` users see them too.
    for w in result.spacecraft.iter().flat_map(|r| r.warnings()) {
        ctx.console.note(&format!("warning: {w}"));
    }
    if args.json {
        ctx.console
            .data(&format!("{:#}\n", summary_json(&model, &result)))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = report(&model, &result);
    let _ = writeln!(text, "files written to {}:", out.display());
    for f in files {
        let _ = writeln!(text, "  {}", f.display());
    }
    ctx.console.report(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// How many of a periodic run's periods were warm-up periods, and at what
/// steps ("" without any).
fn warm_up_text(p: &thermorbit::solve::PeriodicSolution) -> String {
    match p.warm_up {
        thermorbit::solve::WarmUp::Coarse { step_factor } if p.warm_up_periods > 0 => {
            format!(
                "{} warm-up at {step_factor}× longer steps, ",
                p.warm_up_periods
            )
        }
        _ => String::new(),
    }
}

/// The text report of a run.
fn report(model: &thermorbit::case::Model, result: &thermorbit::case::RunResult) -> String {
    let mut s = String::new();
    let temps = result.solution.final_temperatures_k();
    let _ = writeln!(s, "{}", model.title);
    match &result.solution {
        Solution::Steady(st) => {
            let history: Vec<String> = st
                .iterations
                .iter()
                .map(|i| format!("{:.1e}", i.relative_residual))
                .collect();
            let _ = writeln!(
                s,
                "steady state: converged in {} Newton iterations (relative residual {}), linear solver {}, {} unknowns, {}",
                st.iterations.len().saturating_sub(1),
                history.join(" → "),
                st.linear_solver,
                model.system.unknowns(),
                timing(result)
            );
        }
        Solution::Transient(t) => {
            let _ = writeln!(
                s,
                "transient {} from {} s to {} s: {} steps ({} rejected), dt {:.3e}–{:.3e} s (mean {:.3e} s), {} Newton iterations, linear solver {}, {}",
                t.method,
                t.energy.start_s,
                t.energy.end_s,
                t.stats.accepted_steps,
                t.stats.rejected_steps,
                t.stats.min_dt_s,
                t.stats.max_dt_s,
                t.mean_dt_s(),
                t.stats.newton_iterations,
                t.linear_solver,
                timing(result)
            );
        }
        Solution::Periodic(p) => {
            let t = &p.final_period;
            let _ = writeln!(
                s,
                "periodic steady state: period {:.1} s from t = {} s, {} periods integrated ({}{} from Anderson-mixed starts, acceleration {}), periodicity error max |T(t0+P) - T(t0)| = {:.3e} K (tolerance {:.1e} K); final period: {} {} steps ({} rejected), {} over all periods, linear solver {}, {}",
                p.period_s,
                t.energy.start_s,
                p.periods,
                warm_up_text(p),
                p.accelerated_periods(),
                p.acceleration.name(),
                p.periodicity_error_k,
                p.tolerance_k,
                t.method,
                t.stats.accepted_steps,
                t.stats.rejected_steps,
                p.total_steps,
                t.linear_solver,
                timing(result)
            );
        }
    }
    if let Some(o) = &model.orbit {
        let orbit = o.setup.model.orbit();
        let (t0, t1) = o.span_s();
        let _ = writeln!(
            s,
            "orbit: {:.0} km, i = {:.2}°, nodal period {:.0} s, beta {}° at t = {t0:.0} s, {} environment; {} eclipse(s) in the flux span",
            orbit.perigee_altitude_km(),
            orbit.elements().inclination_rad.to_degrees(),
            orbit.nodal_period_s(),
            fixed(orbit.beta_angle_rad(t0).to_degrees(), 1),
            o.setup.preset_name,
            o.eclipse_intervals_s(t0, t1).len()
        );
        let _ = writeln!(s, "orbit fluxes: {}", o.fluxes_description());
        if matches!(result.solution, Solution::Periodic(_)) {
            let _ = writeln!(
                s,
                "periodic forcing: the fluxes of this one period, repeated (the orbit's slow drift over the day, e.g. of the beta angle, is left out)"
            );
        }
    }
    let (b, transient_end, averaged) = match &result.solution {
        Solution::Steady(st) => (st.energy_balance, None, ""),
        Solution::Transient(t) => (
            t.energy_balance,
            Some(t.energy.end_s),
            " (time-averaged over the run)",
        ),
        Solution::Periodic(p) => (
            p.final_period.energy_balance,
            Some(p.final_period.energy.end_s),
            " (time-averaged over the final period)",
        ),
    };
    let _ = writeln!(
        s,
        "energy balance{averaged}: in {:.6} W, out {:.6} W, stored {:.6} W, imbalance {:.3e} W (relative {:.2e})",
        b.heat_in_w, b.heat_out_w, b.stored_w, b.imbalance_w, b.relative_imbalance
    );
    if let Some(end) = transient_end {
        let _ = writeln!(
            s,
            "temperatures below are at the end time t = {} s",
            thermorbit::case::number_text(end)
        );
    }
    if !model.system.named_nodes().is_empty() {
        let _ = writeln!(s, "{:<24} {:>12} {:>10}", "node", "T (K)", "T (°C)");
        for (name, id) in model.system.named_nodes() {
            let t = temps[*id];
            let _ = writeln!(
                s,
                "{name:<24} {:>12} {:>10}",
                fixed(t, 3),
                fixed(t - CELSIUS_OFFSET_K, 2)
            );
        }
    }
    for probe in &model.probes {
        if matches!(probe.at, thermorbit::case::ProbeAt::PanelPoint { .. }) {
            if let Ok(t) = model.probe_temperature_k(probe, temps) {
                let _ = writeln!(
                    s,
                    "{:<24} {:>12} {:>10}",
                    probe.name,
                    fixed(t, 3),
                    fixed(t - CELSIUS_OFFSET_K, 2)
                );
            }
        }
    }
    for p in &model.panels {
        if let Ok(st) = p.nodes.stats(temps) {
            let _ = writeln!(
                s,
                "panel {} ({}×{} cells): min {:.3} K, mean {:.3} K, max {:.3} K",
                p.name,
                p.nodes.nx(),
                p.nodes.ny(),
                st.min_k,
                st.mean_k,
                st.max_k
            );
        }
    }
    s.push_str(&super::spacecraft::report(model, result));
    s
}

/// `1.346 s (assembly 0.312 s, solve 1.034 s)`.
fn timing(result: &thermorbit::case::RunResult) -> String {
    format!(
        "{:.3} s (assembly {:.3} s, solve {:.3} s)",
        result.wall_time_s, result.assembly_time_s, result.solve_time_s
    )
}
