//! Subcommands of the `thermorbit` binary. The library does the work; these
//! modules parse arguments, print, and map errors to exit codes.

mod choice;
pub mod orbit;
pub mod progress;
pub mod run;
pub mod size;
pub mod spacecraft;
pub mod validate;
pub mod viewfactor;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use thermorbit::case::Limits;
use thermorbit::error::SolveError;
use thermorbit::error::{InputError, OutputError};
use thermorbit::Error;

pub use progress::Progress;
pub use thermorbit::output::fixed;

/// Exit code for a solver failure or a failed validation check.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code for bad input (case file, mesh file, flags, a model too large for the limits).
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a periodic run that did not reach its cyclic state within
/// `max_periods` (the per-period errors are in the message): the results of a
/// longer or accelerated run may still be fine, unlike a solver failure.
pub const EXIT_PERIODIC_NOT_CONVERGED: u8 = 3;

/// What every command shares: the limits its input is held to, whether to be quiet, where its
/// progress goes and how it prints.
#[derive(Debug)]
pub struct Context {
    /// Limits on memory, steps, outputs, orbit spans and file sizes.
    pub limits: Limits,
    /// Progress bars (hidden unless stderr is a terminal and not `--quiet`).
    pub progress: Progress,
    /// Standard output and error.
    pub console: Console,
}

/// Printing that survives a closed pipe (`thermorbit … --json | head -1`) and honours
/// `--quiet`: once standard output is closed, further output is dropped and the command ends
/// with its own exit code; errors writing to standard error are ignored.
#[derive(Debug)]
pub struct Console {
    quiet: bool,
    closed: AtomicBool,
}

impl Console {
    /// A console; `quiet` silences everything but errors and data asked for (`--json`).
    pub fn new(quiet: bool) -> Self {
        Self {
            quiet,
            closed: AtomicBool::new(false),
        }
    }

    /// Prints a report (tables, summaries, lists of files) on stdout, unless quiet.
    pub fn report(&self, text: &str) -> Result<(), Error> {
        if self.quiet {
            return Ok(());
        }
        self.data(text)
    }

    /// Prints data asked for (`--json`) on stdout, even when quiet.
    pub fn data(&self, text: &str) -> Result<(), Error> {
        if self.closed.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut out = std::io::stdout().lock();
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                // The reader has all it wanted (`| head`): not an error of the run.
                self.closed.store(true, Ordering::Relaxed);
                Ok(())
            }
            Err(source) => Err(Error::Output(OutputError::Write {
                path: PathBuf::from("standard output"),
                source,
            })),
        }
    }

    /// A status line on stderr, unless quiet.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            eprint_line(text);
        }
    }
}

/// Writes a line to stderr, ignoring failure (a closed stderr is no reason to panic).
pub fn eprint_line(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// An error about a command-line flag (`key` is the flag, e.g. `--out`).
pub fn flag_error(flag: &str, reason: impl Into<String>) -> Error {
    Error::Input(InputError::Inconsistent {
        file: PathBuf::from("command line"),
        key: flag.to_string(),
        reason: reason.into(),
    })
}

/// Prints `err` with its causes to stderr and returns the matching exit code.
pub fn report_error(err: &Error) -> ExitCode {
    eprint_line(&format!("error: {err}"));
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        // `transparent` wrappers repeat their inner message; print only new text.
        let text = cause.to_string();
        if !err.to_string().contains(&text) {
            eprint_line(&format!("  caused by: {text}"));
        }
        source = cause.source();
    }
    if let Error::Input(InputError::TooLarge { .. }) = err {
        eprint_line(
            "  hint: --allow-large lifts the limits (the run may then exhaust memory or take very long)",
        );
    }
    let code = match err {
        e if e.is_internal() => EXIT_FAILURE,
        Error::Input(_)
        | Error::Orbit(_)
        | Error::Network(_)
        | Error::Component(_)
        | Error::Radiation(_) => EXIT_BAD_INPUT,
        Error::Solve(SolveError::PeriodicNotConverged { .. }) => EXIT_PERIODIC_NOT_CONVERGED,
        _ => EXIT_FAILURE,
    };
    ExitCode::from(code)
}
