//! The `thermorbit` command: argument parsing, progress and exit codes.
//!
//! Exit codes: 0 success; 1 a solver did not converge or a validation check
//! failed; 2 bad input (case file, flags) — nothing is written then; 3 a
//! periodic run did not reach its cyclic state within `max_periods`.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Orbital thermal and power solver: thermal networks with finite-difference
/// panels, orbits and environment fluxes, validated against exact solutions.
#[derive(Debug, Parser)]
#[command(name = "thermorbit", version, about, long_about = None)]
struct Cli {
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The command runs on a thread of rayon's pool, so that its parallel loops
    // start there (a cheap join) instead of being handed over from this
    // thread one by one, and its large arrays come from one allocator arena.
    let outcome = rayon::scope(|_| match cli.command {
        Command::Run(args) => cli::run::execute(&args),
        Command::Orbit(args) => cli::orbit::execute(&args),
        Command::Validate(args) => cli::validate::execute(&args),
    });
    match outcome {
        Ok(code) => code,
        Err(err) => cli::report_error(&err),
    }
}
