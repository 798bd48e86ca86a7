//! Subcommands of the `thermorbit` binary. The library does the work; these
//! modules parse arguments, print, and map errors to exit codes.

pub mod orbit;
pub mod run;
pub mod validate;

use std::process::ExitCode;

use thermorbit::error::SolveError;
use thermorbit::Error;

/// Exit code for a solver failure or a failed validation check.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code for bad input (case file, mesh file, flags).
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a periodic run that did not reach its cyclic state within
/// `max_periods` (the per-period errors are in the message): the results of a
/// longer or accelerated run may still be fine, unlike a solver failure.
pub const EXIT_PERIODIC_NOT_CONVERGED: u8 = 3;

/// Prints `err` with its causes to stderr and returns the matching exit code.
pub fn report_error(err: &Error) -> ExitCode {
    eprintln!("error: {err}");
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        // `transparent` wrappers repeat their inner message; print only new text.
        let text = cause.to_string();
        if !err.to_string().contains(&text) {
            eprintln!("  caused by: {text}");
        }
        source = cause.source();
    }
    let code = match err {
        Error::Input(_) | Error::Orbit(_) | Error::Network(_) | Error::Component(_) => {
            EXIT_BAD_INPUT
        }
        Error::Solve(SolveError::PeriodicNotConverged { .. }) => EXIT_PERIODIC_NOT_CONVERGED,
        _ => EXIT_FAILURE,
    };
    ExitCode::from(code)
}
