//! The crate's typed errors.
//!
//! Each area has its own enum with the facts a caller needs (which node, which
//! key, which range); [`Error`] gathers them. Only the binary turns errors into
//! messages and exit codes.

use std::path::PathBuf;

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Any error thermorbit reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The thermal network is ill-formed.
    #[error(transparent)]
    Network(#[from] NetworkError),
    /// A solver failed or did not converge.
    #[error(transparent)]
    Solve(#[from] SolveError),
    /// A case file, mesh file or command-line value is invalid.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Orbit or attitude definition is invalid.
    #[error(transparent)]
    Orbit(#[from] OrbitError),
    /// Writing results failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A spacecraft component (rack, coolant loop, array, battery) is ill-defined.
    #[error(transparent)]
    Component(#[from] ComponentError),
    /// A sizing problem is ill-posed or has no feasible design.
    #[error(transparent)]
    Sizing(#[from] SizingError),
    /// Radiation geometry or view-factor options are invalid.
    #[error(transparent)]
    Radiation(#[from] RadiationError),
    /// thermorbit broke one of its own invariants: a bug, not a fault of the input.
    #[error(transparent)]
    Internal(#[from] InternalError),
}

impl Error {
    /// Whether this is thermorbit's own fault (an [`InternalError`], at any level), not the
    /// input's.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            Error::Internal(_)
                | Error::Solve(SolveError::Internal(_))
                | Error::Component(ComponentError::Internal(_))
                | Error::Input(InputError::Internal(_))
        )
    }
}

/// An invariant of thermorbit's own code does not hold (a hierarchy missing after it was
/// built, a key with no entry in the table made from the same keys): a bug, whatever the
/// input. The message asks the user to report it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "internal error: {invariant}; this is a bug in thermorbit, not in your input: please \
     report it with the command and files that produced it"
)]
pub struct InternalError {
    /// What should have held and did not.
    pub invariant: String,
}

impl InternalError {
    /// The error for a broken `invariant`.
    pub fn new(invariant: impl Into<String>) -> Self {
        Self {
            invariant: invariant.into(),
        }
    }
}

/// Errors of the sizing optimizer (`sizing`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SizingError {
    /// An input (flag, sweep file entry) is outside its allowed range.
    #[error("{quantity} = {value} is invalid; allowed {allowed}")]
    InvalidInput {
        quantity: String,
        value: f64,
        allowed: String,
    },
    /// An input names something that does not exist (a preset, an objective).
    #[error("{quantity}: unknown `{name}`; allowed {allowed}")]
    UnknownName {
        quantity: &'static str,
        name: String,
        allowed: String,
    },
    /// An input that does not apply with the others given.
    #[error("{quantity}: {reason}")]
    NotApplicable {
        quantity: &'static str,
        reason: String,
    },
    /// No design within the bounds meets every constraint.
    #[error(
        "no feasible design: constraint `{constraint}` cannot be met; the best design misses \
         it by {} {unit} ({detail})",
        significant(*.shortfall)
    )]
    Infeasible {
        constraint: String,
        shortfall: f64,
        unit: String,
        detail: String,
    },
    /// No design within the bounds could even be solved (every loop fails to close), so
    /// no constraint margin exists to report.
    #[error("no feasible design: {detail}")]
    NothingCloses { detail: String },
    /// A section's loop cannot close (no flow or temperature satisfies it).
    #[error("radiator section: {reason}")]
    NoClosure { reason: String },
}

/// `x` with four decimals, or three significant digits when it is below 0.01 in size (so a
/// shortfall of 2e-5 K does not print as 0.0000).
fn significant(x: f64) -> String {
    if x != 0.0 && x.abs() < 0.01 {
        format!("{x:.2e}")
    } else {
        format!("{x:.4}")
    }
}

/// Errors in radiation geometry (surfaces for view factors), Monte Carlo options and
/// radiative exchange inputs. `surface` is the index of the surface in the list given
/// (`radiation.surfaces[surface]` in a case file), `field` the offending quantity.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RadiationError {
    /// A quantity of one surface is outside its range (a zero area, a zero radius).
    #[error("surface `{name}`: {field} = {value} is invalid; allowed {allowed}")]
    InvalidSurface {
        surface: usize,
        name: String,
        field: &'static str,
        value: String,
        allowed: &'static str,
    },
    /// Two surfaces lie in one plane and overlap, or cross each other.
    #[error("surfaces `{first_name}` and `{second_name}` {relation}")]
    Overlap {
        first: usize,
        first_name: String,
        second: usize,
        second_name: String,
        /// `coincide (they lie in one plane and overlap)` or `intersect`.
        relation: &'static str,
    },
    /// A Monte Carlo or exchange option or array is outside its range.
    #[error("{quantity} = {value} is invalid; allowed {allowed}")]
    InvalidValue {
        quantity: &'static str,
        value: String,
        allowed: &'static str,
    },
}

/// Errors in spacecraft components (GPU racks, coolant loops, solar arrays, batteries)
/// and in the correlations they use.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ComponentError {
    /// A quantity is outside its physical range.
    #[error("{component}: {quantity} = {value} is invalid; allowed {allowed}")]
    InvalidValue {
        component: String,
        quantity: &'static str,
        value: f64,
        allowed: String,
    },
    /// A fluid property was asked for outside the temperatures its table covers.
    #[error(
        "{component}: fluid `{fluid}` at {temperature_k} K is outside its property table \
         ({min_k} K to {max_k} K)"
    )]
    OutsidePropertyRange {
        component: String,
        fluid: String,
        temperature_k: f64,
        min_k: f64,
        max_k: f64,
    },
    /// Parts that do not fit together (a loop routed through nothing, a tube off its panel).
    #[error("{component}: {reason}")]
    Inconsistent { component: String, reason: String },
    /// The network refused a piece the component emitted.
    #[error("{component}: {source}")]
    Network {
        component: String,
        #[source]
        source: NetworkError,
    },
    /// An invariant of the component's own code does not hold (a bug).
    #[error(transparent)]
    Internal(#[from] InternalError),
}

/// Errors in building or checking a thermal network.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NetworkError {
    /// Two nodes share a name.
    #[error("node `{name}` is defined twice")]
    DuplicateNode { name: String },
    /// A conductor or source refers to a node that does not exist.
    #[error("unknown node `{name}`")]
    UnknownNode { name: String },
    /// A node index is out of range.
    #[error("node index {index} is out of range (network has {count} nodes)")]
    NodeIndexOutOfRange { index: usize, count: usize },
    /// A quantity is outside its physical range.
    #[error("{element}: {quantity} = {value} is invalid; allowed {allowed}")]
    InvalidValue {
        element: String,
        quantity: &'static str,
        value: f64,
        allowed: &'static str,
    },
    /// A conductor joins a node to itself.
    #[error("{element}: a conductor joins node `{node}` to itself")]
    SelfLoop { element: String, node: String },
    /// A time table is malformed.
    #[error("{element}: {reason}")]
    BadTable { element: String, reason: String },
    /// Nodes whose temperature no boundary fixes: the steady problem is singular.
    #[error(
        "no conductive or radiative path to a boundary node from {count} node(s), e.g. `{examples}`; \
         a steady problem needs every node connected to a fixed temperature (an advective \
         conductor ties only its downstream node to its upstream one: fluid leaving a node \
         carries its heat away but fixes no temperature)"
    )]
    NoPathToSink { count: usize, examples: String },
    /// The network has no unknowns.
    #[error("the network has no free nodes to solve for")]
    NothingToSolve,
}

/// Why a solver stopped without an answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SolveError {
    /// Newton's method did not reach the tolerance.
    #[error(
        "{solver} did not converge after {iterations} iterations: relative residual {last_relative_residual:.3e} \
         > tolerance {tolerance:.1e}; residual history: {history}",
        history = format_history(.relative_residuals)
    )]
    NotConverged {
        solver: &'static str,
        iterations: usize,
        last_relative_residual: f64,
        tolerance: f64,
        /// Relative residual `‖F‖ / (heat flowing)` per iteration, the first before any step.
        relative_residuals: Box<[f64]>,
    },
    /// Newton's residual reached its tolerance (or its round-off level) but the
    /// energy balance — heat in through sources and boundaries against heat out
    /// and heat stored — does not close to the tolerance, and further
    /// iterations do not close it (or the linear solver failed trying): the
    /// answer would be wrong, so none is given.
    #[error(
        "{solver}: the energy balance does not close: imbalance {imbalance_w:.3e} W, \
         {relative_imbalance:.2e} of the heat flowing (tolerance {tolerance:.1e}), after \
         {iterations} Newton iterations; {reason}; relative residual history: {residuals}; \
         relative imbalance history: {imbalances}",
        residuals = format_history(.relative_residuals),
        imbalances = format_history(.relative_imbalances)
    )]
    EnergyBalanceNotClosed {
        solver: &'static str,
        iterations: usize,
        /// Heat in − heat out − heat stored (W).
        imbalance_w: f64,
        /// `|imbalance_w|` over the larger of heat in and heat out, the scale of the test.
        relative_imbalance: f64,
        tolerance: f64,
        /// Why iterating further does not help (ill-conditioning, a failed linear solve).
        reason: String,
        /// Relative residual per Newton iteration.
        relative_residuals: Box<[f64]>,
        /// Relative imbalance (imbalance over the heat flowing) per iteration where it was
        /// measured: from the first at which the residual met its tolerance.
        relative_imbalances: Box<[f64]>,
    },
    /// A time step fell below the minimum allowed.
    #[error("transient step size fell to {dt_s:.3e} s at t = {t_s:.6} s (minimum {min_dt_s:.1e} s): {reason}")]
    StepTooSmall {
        t_s: f64,
        dt_s: f64,
        min_dt_s: f64,
        reason: String,
    },
    /// The linear solver failed.
    #[error("linear solver `{solver}` failed: {reason}")]
    LinearSolver {
        solver: &'static str,
        reason: String,
    },
    /// The linear solver does not fit the system.
    #[error("linear solver `{solver}` cannot solve this system: {reason}")]
    UnsuitableLinearSolver {
        solver: &'static str,
        reason: String,
    },
    /// A temperature became non-finite or non-positive.
    #[error("temperature of node `{node}` became {value} K at t = {t_s} s")]
    NonPhysicalTemperature { node: String, value: f64, t_s: f64 },
    /// Solver options are invalid.
    #[error("solver option {option} = {value} is invalid; allowed {allowed}")]
    InvalidOption {
        option: &'static str,
        value: f64,
        allowed: &'static str,
    },
    /// A transient step could not be completed (fixed steps cannot shrink).
    #[error("transient step from t = {t_s} s with dt = {dt_s:.3e} s failed: {source}")]
    TransientStepFailed {
        t_s: f64,
        dt_s: f64,
        source: Box<SolveError>,
    },
    /// Arithmetic (massless) nodes could not be brought into balance with the
    /// diffusion nodes at the start of a transient or just after a discontinuity.
    #[error(
        "balancing the arithmetic nodes at t = {t_s} s (start of the run or of a smooth \
         segment after a discontinuity) failed: {source}"
    )]
    AlgebraicBalanceFailed { t_s: f64, source: Box<SolveError> },
    /// The explicit integrator's step exceeds its stability limit.
    #[error(
        "explicit step dt = {dt_s:.3e} s exceeds the stability limit min C_i/K_ii = {limit_s:.3e} s \
         (node `{node}`, t = {t_s} s); take a smaller step or use the implicit solver"
    )]
    ExplicitStepUnstable {
        dt_s: f64,
        limit_s: f64,
        node: String,
        t_s: f64,
    },
    /// The periodic solver did not reach the cyclic state within its period limit.
    #[error(
        "no periodic steady state after {periods} periods: periodicity error \
         max |T(t0+P) - T(t0)| = {last:.3e} K > tolerance {tolerance_k:.1e} K \
         (per period, K: {history}); raise max_periods, use acceleration = \"anderson\", \
         or check that the forcing has this period",
        last = .error_max_k.last().copied().unwrap_or(f64::NAN),
        history = format_errors(.error_max_k)
    )]
    PeriodicNotConverged {
        periods: usize,
        tolerance_k: f64,
        /// `max_i |T_i(t₀+P) − T_i(t₀)|` of each period, K.
        error_max_k: Vec<f64>,
        /// RMS of `T_i(t₀+P) − T_i(t₀)` of each period, K.
        error_rms_k: Vec<f64>,
    },
    /// The explicit integrator cannot handle massless nodes.
    #[error(
        "the explicit integrator cannot handle arithmetic (massless) nodes: {count} found, \
         e.g. `{example}`; use the implicit solver"
    )]
    ExplicitArithmeticNodes { count: usize, example: String },
    /// An invariant of the solver's own code does not hold (a bug).
    #[error(transparent)]
    Internal(#[from] InternalError),
}

/// `1.2e-1, 3.4e-4, …`: a per-iteration history for a message, every value.
fn format_history(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{v:.2e}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A period-by-period error history for a message: every value when there are
/// at most twelve, else the first four and the last six around an ellipsis.
fn format_errors(v: &[f64]) -> String {
    let f = |x: &[f64]| x.iter().map(|e| format!("{e:.2e}")).collect::<Vec<_>>();
    if v.len() <= 12 {
        f(v).join(", ")
    } else {
        format!(
            "{}, …, {}",
            f(&v[..4]).join(", "),
            f(&v[v.len() - 6..]).join(", ")
        )
    }
}

/// Invalid input from a case file, mesh file or the command line.
///
/// `file` names the file (or `command line`), `key` the dotted key path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The file could not be read.
    #[error("{}: cannot read: {source}", file.display())]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the schema (unknown key, wrong type).
    #[error("{}: {message}", file.display())]
    Parse { file: PathBuf, message: String },
    /// A number is outside its allowed range (or not finite).
    #[error("{}: `{key}` = {value} is out of range; allowed: {allowed}", file.display())]
    OutOfRange {
        file: PathBuf,
        key: String,
        value: String,
        allowed: String,
    },
    /// A reference to something that is not defined.
    #[error("{}: `{key}` refers to `{name}`, which is not defined{hint}", file.display())]
    UndefinedReference {
        file: PathBuf,
        key: String,
        name: String,
        /// Empty, or `; defined: a, b, c`.
        hint: String,
    },
    /// A value that is well-formed but does not make sense with the rest.
    #[error("{}: `{key}`: {reason}", file.display())]
    Inconsistent {
        file: PathBuf,
        key: String,
        reason: String,
    },
    /// Well-formed input that asks for more memory or work than the limits allow
    /// ([`crate::case::Limits`]): a model too large for this machine's memory, a time span
    /// with too many steps or samples, a file beyond the size limit. `key` names what to
    /// change (empty when the file itself is the problem).
    #[error("{}: {}{reason}", file.display(), key_prefix(key))]
    TooLarge {
        file: PathBuf,
        key: String,
        reason: String,
    },
    /// The model built from the file is ill-formed.
    #[error("{}: {source}", file.display())]
    Model {
        file: PathBuf,
        #[source]
        source: NetworkError,
    },
    /// An invariant of the case's own building code does not hold (a bug).
    #[error(transparent)]
    Internal(#[from] InternalError),
}

/// `` `key`: `` or nothing for an empty key.
fn key_prefix(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("`{key}`: ")
    }
}

/// Errors in orbit, epoch or attitude definitions.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OrbitError {
    /// A value is out of its allowed range.
    #[error("{quantity} = {value} is out of range; allowed {allowed}")]
    OutOfRange {
        quantity: &'static str,
        value: f64,
        allowed: &'static str,
    },
    /// An epoch could not be parsed.
    #[error("cannot parse epoch `{text}`: {reason}")]
    BadEpoch { text: String, reason: String },
    /// A time of day could not be parsed.
    #[error("cannot parse local time `{text}`; expected HH:MM or HH:MM:SS")]
    BadLocalTime { text: String },
    /// A direction vector has zero length.
    #[error("{quantity} has zero length")]
    ZeroVector { quantity: &'static str },
    /// A value given apart from a case file (an override) has an invalid value; `argument`
    /// names it as its caller does (the command line by its flag, a library caller by the
    /// case-file key it overrides, `altitude_km`).
    #[error("{argument}: {reason}")]
    InvalidArgument { argument: String, reason: String },
    /// A name that is none of a choice's (`shadow = "conic"`).
    #[error("unknown {quantity} `{name}`; allowed: {allowed}")]
    UnknownName {
        quantity: &'static str,
        name: String,
        allowed: String,
    },
    /// A surface definition is invalid (zero-length normal, absorptivity outside [0, 1]…).
    #[error("surface `{surface}`: {reason}")]
    BadSurface { surface: String, reason: String },
    /// Two attitude axes or target directions are parallel, so they do not fix a frame.
    #[error("attitude: {what} are parallel; they must span a plane to fix the body frame")]
    ParallelAxes { what: String },
    /// A time span is empty or not finite.
    #[error("time span [{t0_s}, {t1_s}] s with step {step_s} s is invalid: {reason}")]
    BadTimeSpan {
        t0_s: f64,
        t1_s: f64,
        step_s: f64,
        reason: &'static str,
    },
}

/// Errors in writing results.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// A file could not be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The output folder cannot take a run's set of files: it is an existing file, or a
    /// folder that holds something other than thermorbit results (which replacing it would
    /// lose), or a path that names no folder.
    #[error("{}: {reason}", path.display())]
    Target { path: PathBuf, reason: String },
    /// A plot could not be drawn.
    #[error("{}: cannot draw plot: {reason}", path.display())]
    Plot { path: PathBuf, reason: String },
    /// The data handed to a writer cannot be written as asked (lengths that
    /// do not match, an empty series, no finite value); nothing was written.
    #[error("{}: nothing written: {reason}", path.display())]
    InvalidData { path: PathBuf, reason: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The histories are numbers a caller can read; the message formats them.
    #[test]
    fn newton_histories_are_numbers_formatted_in_the_message() {
        let e = SolveError::EnergyBalanceNotClosed {
            solver: "steady Newton",
            iterations: 2,
            imbalance_w: 1.0,
            relative_imbalance: 1e-3,
            tolerance: 1e-9,
            reason: "a reason".into(),
            relative_residuals: vec![1.0, 2.5e-3, 1e-12].into(),
            relative_imbalances: vec![1e-3].into(),
        };
        if let SolveError::EnergyBalanceNotClosed {
            relative_residuals, ..
        } = &e
        {
            assert_eq!(relative_residuals.last(), Some(&1e-12));
        }
        let text = e.to_string();
        assert!(
            text.ends_with(
                "a reason; relative residual history: 1.00e0, 2.50e-3, 1.00e-12; \
                 relative imbalance history: 1.00e-3"
            ),
            "{text}"
        );
    }

    /// An internal error is told apart from the input's faults at any level, and asks to be
    /// reported.
    #[test]
    fn internal_errors_are_found_at_any_level() {
        let bug = InternalError::new("a key with no entry");
        assert!(bug.to_string().contains("please report it"));
        for e in [
            Error::from(bug.clone()),
            Error::from(SolveError::from(bug.clone())),
            Error::from(ComponentError::from(bug.clone())),
            Error::from(InputError::from(bug.clone())),
        ] {
            assert!(e.is_internal(), "{e}");
        }
        assert!(!Error::from(NetworkError::NothingToSolve).is_internal());
    }
}
