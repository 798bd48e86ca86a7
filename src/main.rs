//! The `thermorbit` command: argument parsing, progress and exit codes.
//!
//! Exit codes: 0 success; 1 a solver did not converge or a validation check
//! failed; 2 bad input (case file, flags, a model beyond the limits) — nothing
//! is written then; 3 a periodic (orbit-cyclic) solve did not converge; 4 a
//! sizing is infeasible.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use thermorbit::case::Limits;

/// Orbital thermal and power solver: thermal networks with finite-difference
/// panels, orbits and environment fluxes, validated against exact solutions.
///
/// Exit codes: 0 ok; 1 solver failure or failed validation; 2 bad input;
/// 3 periodic solve not converged; 4 infeasible sizing.
#[derive(Debug, Parser)]
#[command(name = "thermorbit", version, about, long_about = None)]
struct Cli {
    /// Print nothing but errors: no progress, no report (output asked for with --json is
    /// still printed).
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Lift the limits on memory (what this machine has available), time steps (10^7),
    /// stored outputs (10^6), orbit samples (2·10^7) and input file size (16 MiB).
    #[arg(long, global = true)]
    allow_large: bool,
    /// Refuse models with more than N cells and lumped nodes (by default only memory limits
    /// them).
    #[arg(long, global = true, value_name = "N")]
    max_cells: Option<u64>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Solve a case file and write its results (CSV, JSON, VTK, PNG).
    ///
    /// Example: thermorbit run cases/default.toml --out out/default
    /// (with no file, runs the built-in default case).
    Run(cli::run::RunArgs),
    /// Orbit, Sun, eclipses, beta angle and absorbed solar/albedo/Earth-IR fluxes per surface.
    ///
    /// Example: thermorbit orbit --altitude-km 550 --sun-synchronous --ltan 06:00
    /// --epoch 2027-03-20T12:00:00Z --duration-s 86400 --step-s 10 --csv out.csv
    Orbit(cli::orbit::OrbitArgs),
    /// Run the validation suite (validation/*.toml) and print the comparison table.
    ///
    /// Example: thermorbit validate --filter nafems --out out/validation
    Validate(cli::validate::ValidateArgs),
    /// Size radiators, arrays and battery for a GPU cluster in orbit (optimizer on a solved model).
    ///
    /// Example: thermorbit size --power-mw 1 --orbit sso-dawn-dusk-550 --gpu h100 --report out/size
    Size(cli::size::SizeArgs),
    /// Sweep sizing settings over a grid or sample (sharded with --shard i/n; `sweep merge`).
    ///
    /// Example: thermorbit sweep cases/sweep.toml --shard 0/4 --out out/sweep
    Sweep(cli::size::SweepArgs),
    /// View factors by Monte Carlo ray tracing, against the closed form for two rectangles
    /// or discs, or as a factor matrix (CSV) for the surfaces of a case file.
    ///
    /// Example: thermorbit viewfactor --parallel-rectangles --width-m 1 --height-m 2
    /// --gap-m 0.5 --rays 10000000 --seed 1 --json
    Viewfactor(cli::viewfactor::ViewfactorArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut limits = if cli.allow_large {
        Limits::unlimited()
    } else {
        Limits::standard()
    };
    if let Some(n) = cli.max_cells {
        limits = limits.with_max_cells(n);
    }
    let ctx = cli::Context {
        limits,
        progress: cli::Progress::new(cli.quiet),
        console: cli::Console::new(cli.quiet),
    };
    // The command runs on a thread of rayon's pool, so that its parallel loops
    // start there (a cheap join) instead of being handed over from this
    // thread one by one, and its large arrays come from one allocator arena.
    let outcome = rayon::scope(|_| match &cli.command {
        Command::Run(args) => cli::run::execute(args, &ctx),
        Command::Orbit(args) => cli::orbit::execute(args, &ctx),
        Command::Validate(args) => cli::validate::execute(args, &ctx),
        Command::Size(args) => cli::size::execute(args, &ctx),
        Command::Sweep(args) => cli::size::execute_sweep(args, &ctx),
        Command::Viewfactor(args) => cli::viewfactor::execute(args, &ctx),
    });
    match outcome {
        Ok(code) => code,
        Err(err) => cli::report_error(&err),
    }
}
