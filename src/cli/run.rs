//! `thermorbit run`: solve a case and write its results.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use thermorbit::case::{Case, Solution};
use thermorbit::constants::CELSIUS_OFFSET_K;
use thermorbit::error::InputError;
use thermorbit::output::report::{summary_json, write_results};
use thermorbit::Error;

/// Arguments of `thermorbit run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Case file (TOML). Omit to run the built-in default case (cases/default.toml).
    pub case: Option<PathBuf>,
    /// Output folder [default: out/<case name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the JSON summary on stdout instead of the text report.
    #[arg(long)]
    pub json: bool,
}

/// Loads, solves and writes; exit 2 on bad input, 1 if the solver fails.
pub fn execute(args: &RunArgs) -> Result<ExitCode, Error> {
    let case = match &args.case {
        Some(path) => Case::load(path)?,
        None => Case::default_case()?,
    };
    let model = case.build()?;
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = case
            .file
            .file_stem()
            .map_or_else(|| "case".into(), |s| s.to_string_lossy().into_owned());
        PathBuf::from("out").join(stem)
    });
    if !args.json {
        eprintln!(
            "thermorbit: {} — {} nodes; solving ({:?})…",
            model.title,
            model.system.node_count(),
            model.solve.mode
        );
    }
    // A network that cannot be solved (a node with no path to a sink) is a fault
    // of the case file: report it against the file, as bad input.
    let result = model.run().map_err(|e| match e {
        Error::Network(source) => Error::Input(InputError::Model {
            file: case.file.clone(),
            source,
        }),
        other => other,
    })?;
    let files = write_results(&out, &model, &result)?;
    if args.json {
        println!("{:#}", summary_json(&model, &result));
        return Ok(ExitCode::SUCCESS);
    }
    print_report(&model, &result);
    println!("files written to {}:", out.display());
    for f in files {
        println!("  {}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(model: &thermorbit::case::Model, result: &thermorbit::case::RunResult) {
    let temps = result.solution.final_temperatures_k();
    println!("{}", model.title);
    match &result.solution {
        Solution::Steady(s) => {
            let history: Vec<String> = s
                .iterations
                .iter()
                .map(|i| format!("{:.1e}", i.relative_residual))
                .collect();
            println!(
                "steady state: converged in {} Newton iterations (relative residual {}), linear solver {}, {} unknowns, {}",
                s.iterations.len().saturating_sub(1),
                history.join(" → "),
                s.linear_solver,
                model.system.unknowns(),
                timing(result)
            );
        }
        Solution::Transient(t) => println!(
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
        ),
    }
    if let Some(o) = &model.orbit {
        let orbit = o.setup.model.orbit();
        let (t0, t1) = o.span_s();
        println!(
            "orbit: {:.0} km, i = {:.2}°, nodal period {:.0} s, beta {:.1}° at t = {t0:.0} s, {} environment; {} eclipse(s) in the flux span",
            orbit.perigee_altitude_km(),
            orbit.elements().inclination_rad.to_degrees(),
            orbit.nodal_period_s(),
            orbit.beta_angle_rad(t0).to_degrees(),
            o.setup.preset_name,
            o.eclipse_intervals_s(t0, t1).len()
        );
        println!("orbit fluxes: {}", o.fluxes_description());
    }
    let b = match &result.solution {
        Solution::Steady(s) => s.energy_balance,
        Solution::Transient(t) => t.energy_balance,
    };
    let averaged = if matches!(result.solution, Solution::Transient(_)) {
        " (time-averaged)"
    } else {
        ""
    };
    println!(
        "energy balance{averaged}: in {:.6} W, out {:.6} W, stored {:.6} W, imbalance {:.3e} W (relative {:.2e})",
        b.heat_in_w, b.heat_out_w, b.stored_w, b.imbalance_w, b.relative_imbalance
    );
    if !model.system.named_nodes().is_empty() {
        println!("{:<24} {:>12} {:>10}", "node", "T (K)", "T (°C)");
        for (name, id) in model.system.named_nodes() {
            let t = temps[*id];
            println!("{name:<24} {t:>12.3} {:>10.2}", t - CELSIUS_OFFSET_K);
        }
    }
    for p in &model.panels {
        if let Ok(s) = p.nodes.stats(temps) {
            println!(
                "panel {} ({}×{} cells): min {:.3} K, mean {:.3} K, max {:.3} K",
                p.name,
                p.nodes.nx(),
                p.nodes.ny(),
                s.min_k,
                s.mean_k,
                s.max_k
            );
        }
    }
}

/// `1.346 s (assembly 0.312 s, solve 1.034 s)`.
fn timing(result: &thermorbit::case::RunResult) -> String {
    format!(
        "{:.3} s (assembly {:.3} s, solve {:.3} s)",
        result.wall_time_s, result.assembly_time_s, result.solve_time_s
    )
}
