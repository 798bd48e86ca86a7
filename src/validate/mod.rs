//! Validation cases: run the pipeline and compare with exact and published references.
//!
//! Each file in `validation/` describes one case: its id (`<area>-<nn>-<slug>`),
//! the problem, the source of the reference, the Rust *runner* that builds and
//! solves the problem and computes the reference (exact solutions are computed,
//! not pasted), and the checks — each quantity with its tolerance and why that
//! tolerance. A runner returns [`Measurement`]s; every check must be matched by
//! exactly one measurement with the same `quantity`.
//!
//! ```toml
//! id = "cond-01-slab-steady"
//! title = "1D steady conduction between two fixed temperatures"
//! source = "Incropera et al., Fundamentals of Heat and Mass Transfer, 7th ed., eq. 3.3"
//! runner = "slab_steady"
//!
//! [parameters]
//! length_m = 0.1
//!
//! [[checks]]
//! quantity = "max |T - T_exact| (K)"
//! tolerance = 1e-9
//! kind = "absolute"
//! why = "a linear profile is reproduced exactly by the 3-point stencil; round-off only"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, InputError};

/// How a check compares a computed value with its reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToleranceKind {
    /// `|computed − reference| ≤ tolerance`.
    Absolute,
    /// `|computed − reference| ≤ tolerance · |reference|`.
    Relative,
    /// `computed ≤ reference + tolerance` (an upper bound, e.g. an error norm).
    AtMost,
    /// `computed ≥ reference − tolerance` (a lower bound, e.g. an observed order).
    AtLeast,
}

/// One quantity to check, with its tolerance and the reason for it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Name of the quantity, matched against the runner's measurements.
    pub quantity: String,
    /// Tolerance (see `kind`).
    pub tolerance: f64,
    /// How to compare.
    pub kind: ToleranceKind,
    /// Why this tolerance.
    pub why: String,
}

/// A validation case as read from `validation/<id>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationCase {
    /// `<area>-<nn>-<slug>`; also the file stem.
    pub id: String,
    /// One-line statement of the problem.
    pub title: String,
    /// Where the reference comes from (book, equation, table, report).
    pub source: String,
    /// Name of the runner that solves it (see [`runner`]).
    pub runner: String,
    /// Free-form parameters the runner reads.
    #[serde(default)]
    pub parameters: toml::Table,
    /// The checks.
    pub checks: Vec<Check>,
    /// The problem as a case (the schema `thermorbit run` reads), for runners
    /// that solve it through the case pipeline; they may refine its grid or step.
    #[serde(default)]
    pub case: Option<toml::Table>,
    /// File the case came from (set when loaded).
    #[serde(skip)]
    pub file: PathBuf,
}

/// A computed quantity and its reference value.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Name matched against [`Check::quantity`].
    pub quantity: String,
    /// What thermorbit computed.
    pub computed: f64,
    /// The reference value (exact or published).
    pub reference: f64,
}

impl Measurement {
    /// A measurement.
    pub fn new(quantity: impl Into<String>, computed: f64, reference: f64) -> Self {
        Self {
            quantity: quantity.into(),
            computed,
            reference,
        }
    }
}

/// Where a runner may write convergence plots and other artefacts.
#[derive(Debug, Clone, Default)]
pub struct RunContext {
    /// Output folder for plots; `None` writes nothing.
    pub out_dir: Option<PathBuf>,
}

/// A runner: builds and solves the case's problem, computes its references.
pub type Runner = fn(&ValidationCase, &RunContext) -> Result<Vec<Measurement>, Error>;

/// Every runner by name.
pub fn runners() -> Vec<(&'static str, Runner)> {
    let mut all = Vec::new();
    all.extend_from_slice(orbit::RUNNERS);
    all.extend_from_slice(environment::RUNNERS);
    all.extend_from_slice(conduction::RUNNERS);
    all.extend_from_slice(radiation::RUNNERS);
    all.extend_from_slice(loops::RUNNERS);
    all.extend_from_slice(periodic::RUNNERS);
    all.extend_from_slice(sizing::RUNNERS);
    all.extend_from_slice(spacecraft::RUNNERS);
    all.extend_from_slice(view_factors::RUNNERS);
    all.extend_from_slice(radiation_network::RUNNERS);
    all
}

/// The runner with this name.
pub fn runner(name: &str) -> Option<Runner> {
    runners()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, r)| r)
}

mod conduction;
pub mod convergence;
mod environment;
pub mod exact;
mod loops;
mod orbit;
mod periodic;
mod radiation;
mod radiation_network;
mod sizing;
mod spacecraft;
mod view_factors;

/// One check's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    /// Case id.
    pub case_id: String,
    /// Quantity name.
    pub quantity: String,
    /// Computed value.
    pub computed: f64,
    /// Reference value.
    pub reference: f64,
    /// |computed − reference| (or the signed margin for bounds).
    pub error: f64,
    /// Tolerance.
    pub tolerance: f64,
    /// How compared.
    pub kind: ToleranceKind,
    /// Passed?
    pub pass: bool,
}

impl ValidationCase {
    /// Reads and checks a case file.
    pub fn load(path: &Path) -> Result<Self, InputError> {
        let text = std::fs::read_to_string(path).map_err(|source| InputError::Read {
            file: path.to_path_buf(),
            source,
        })?;
        let mut case: ValidationCase = toml::from_str(&text).map_err(|e| InputError::Parse {
            file: path.to_path_buf(),
            message: e.to_string(),
        })?;
        case.file = path.to_path_buf();
        for (k, check) in case.checks.iter().enumerate() {
            if !(check.tolerance.is_finite() && check.tolerance >= 0.0) {
                return Err(InputError::OutOfRange {
                    file: case.file.clone(),
                    key: format!("checks[{k}].tolerance"),
                    value: check.tolerance.to_string(),
                    allowed: "finite, >= 0".into(),
                });
            }
        }
        if runner(&case.runner).is_none() {
            return Err(InputError::UndefinedReference {
                file: case.file.clone(),
                key: "runner".into(),
                name: case.runner.clone(),
                hint: format!(
                    "; defined: {}",
                    runners()
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        Ok(case)
    }

    /// The `[case]` table, required by runners that use the case pipeline.
    pub fn case_table(&self) -> Result<toml::Table, InputError> {
        self.case.clone().ok_or_else(|| InputError::Inconsistent {
            file: self.file.clone(),
            key: "case".into(),
            reason: format!(
                "runner `{}` needs a [case] table holding the problem",
                self.runner
            ),
        })
    }

    /// Builds a model from a (possibly modified) `[case]` table.
    pub fn build_model(&self, table: toml::Table) -> Result<crate::case::Model, InputError> {
        crate::case::Case::from_table(table, &self.file)?.build()
    }

    /// A number parameter, required.
    pub fn f64_param(&self, key: &str) -> Result<f64, InputError> {
        match self.parameters.get(key) {
            Some(toml::Value::Float(v)) => Ok(*v),
            Some(toml::Value::Integer(v)) => Ok(*v as f64),
            Some(other) => Err(self.bad_param(key, &other.to_string(), "a number")),
            None => Err(self.bad_param(key, "(missing)", "a number")),
        }
    }

    /// A list-of-numbers parameter, required.
    pub fn f64_list_param(&self, key: &str) -> Result<Vec<f64>, InputError> {
        let bad = |v: &str| self.bad_param(key, v, "an array of numbers");
        match self.parameters.get(key) {
            Some(toml::Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    toml::Value::Float(x) => Ok(*x),
                    toml::Value::Integer(x) => Ok(*x as f64),
                    other => Err(bad(&other.to_string())),
                })
                .collect(),
            Some(other) => Err(bad(&other.to_string())),
            None => Err(bad("(missing)")),
        }
    }

    /// A string parameter, required.
    pub fn str_param(&self, key: &str) -> Result<&str, InputError> {
        match self.parameters.get(key) {
            Some(toml::Value::String(s)) => Ok(s),
            Some(other) => Err(self.bad_param(key, &other.to_string(), "a string")),
            None => Err(self.bad_param(key, "(missing)", "a string")),
        }
    }

    fn bad_param(&self, key: &str, value: &str, allowed: &str) -> InputError {
        InputError::OutOfRange {
            file: self.file.clone(),
            key: format!("parameters.{key}"),
            value: value.to_string(),
            allowed: allowed.to_string(),
        }
    }

    /// Runs the case and judges every check.
    pub fn run(&self, ctx: &RunContext) -> Result<Vec<CheckOutcome>, Error> {
        let run = runner(&self.runner).ok_or_else(|| InputError::UndefinedReference {
            file: self.file.clone(),
            key: "runner".into(),
            name: self.runner.clone(),
            hint: String::new(),
        })?;
        let measured: BTreeMap<String, Measurement> = run(self, ctx)?
            .into_iter()
            .map(|m| (m.quantity.clone(), m))
            .collect();
        self.checks
            .iter()
            .enumerate()
            .map(|(k, check)| {
                let m = measured.get(&check.quantity).ok_or_else(|| {
                    InputError::UndefinedReference {
                        file: self.file.clone(),
                        key: format!("checks[{k}].quantity"),
                        name: check.quantity.clone(),
                        hint: format!(
                            "; runner `{}` measures: {}",
                            self.runner,
                            measured.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    }
                })?;
                Ok(judge(&self.id, check, m))
            })
            .collect()
    }
}

fn judge(case_id: &str, check: &Check, m: &Measurement) -> CheckOutcome {
    let diff = m.computed - m.reference;
    let (error, pass) = match check.kind {
        ToleranceKind::Absolute => (diff.abs(), diff.abs() <= check.tolerance),
        ToleranceKind::Relative => {
            let rel = diff.abs() / m.reference.abs();
            (rel, rel <= check.tolerance)
        }
        ToleranceKind::AtMost => (diff, diff <= check.tolerance),
        ToleranceKind::AtLeast => (-diff, -diff <= check.tolerance),
    };
    CheckOutcome {
        case_id: case_id.to_string(),
        quantity: check.quantity.clone(),
        computed: m.computed,
        reference: m.reference,
        error,
        tolerance: check.tolerance,
        kind: check.kind,
        pass: pass && m.computed.is_finite(),
    }
}

/// All case files in `dir`, sorted by file name.
pub fn case_files(dir: &Path) -> Result<Vec<PathBuf>, InputError> {
    let entries = std::fs::read_dir(dir).map_err(|source| InputError::Read {
        file: dir.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}
