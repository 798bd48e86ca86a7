//! `thermorbit validate`: run validation cases, print the table, write the table and plots.
//!
//! The cases are found in `--cases DIR`, else in `./validation`, else in the `validation/`
//! folder of the source tree the binary was built from (when it still exists); otherwise the
//! command says where it looked and how to point it at the cases.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use thermorbit::output::{write_atomic, OutputSet};
use thermorbit::validate::{case_files, CheckOutcome, RunContext, ValidationCase};
use thermorbit::Error;

use super::{flag_error, Context};

/// The validation folder of the source tree this binary was built from.
const BUILT_CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/validation");

/// Arguments of `thermorbit validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Run only cases whose id contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// Folder for the results table (results.csv, and results.md as printed) and the
    /// convergence plots (PNG). It is replaced whole; it must be new, empty, or an earlier
    /// output of thermorbit.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Folder holding the case files [default: ./validation if it exists, else the
    /// validation/ folder of the source tree thermorbit was built from].
    #[arg(long)]
    pub cases: Option<PathBuf>,
    /// Print a machine-readable summary on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// The folder of validation cases: `--cases`, `./validation`, or the build's source tree.
fn cases_dir(args: &ValidateArgs) -> Result<PathBuf, Error> {
    if let Some(dir) = &args.cases {
        return Ok(dir.clone());
    }
    let here = Path::new("validation");
    if here.is_dir() {
        return Ok(here.to_path_buf());
    }
    let built = Path::new(BUILT_CASES);
    if built.is_dir() {
        return Ok(built.to_path_buf());
    }
    Err(flag_error(
        "--cases",
        format!(
            "no validation cases found: there is no ./validation here and {BUILT_CASES} (where thermorbit was built) is gone; pass --cases DIR with the validation/ folder of a thermorbit source tree"
        ),
    ))
}

/// Runs the selected cases; exit 1 if any check fails.
pub fn execute(args: &ValidateArgs, ctx: &Context) -> Result<ExitCode, Error> {
    let dir = cases_dir(args)?;
    let mut all = Vec::new();
    for file in case_files(&dir)? {
        all.push(ValidationCase::load(&file)?);
    }
    if all.is_empty() {
        return Err(flag_error(
            "--cases",
            format!("{} holds no validation case (*.toml)", dir.display()),
        ));
    }
    let ids: Vec<String> = all.iter().map(|c| c.id.clone()).collect();
    let cases: Vec<ValidationCase> = all
        .into_iter()
        .filter(|c| args.filter.as_deref().is_none_or(|f| c.id.contains(f)))
        .collect();
    if cases.is_empty() {
        return Err(flag_error(
            "--filter",
            format!(
                "`{}` matches no case id in {}; the cases are: {}",
                args.filter.as_deref().unwrap_or(""),
                dir.display(),
                ids.join(", ")
            ),
        ));
    }
    let set = match &args.out {
        Some(out) => Some(OutputSet::begin(out).map_err(|e| flag_error("--out", e.to_string()))?),
        None => None,
    };
    let run_ctx = RunContext {
        out_dir: set.as_ref().map(|s| s.staging_dir().to_path_buf()),
    };
    let bar = ctx.progress.bar(cases.len() as u64, "validation cases");
    let mut outcomes: Vec<CheckOutcome> = Vec::new();
    for case in &cases {
        bar.set_message(case.id.clone());
        let run = case.run(&run_ctx);
        bar.inc(1);
        match run {
            Ok(o) => outcomes.extend(o),
            Err(e) => {
                bar.finish_and_clear();
                return Err(e);
            }
        }
    }
    bar.finish_and_clear();
    let failed = outcomes.iter().filter(|o| !o.pass).count();
    let table_text = format!(
        "{}{} passed, {} failed ({} cases)\n",
        table(&outcomes),
        outcomes.len() - failed,
        failed,
        cases.len()
    );
    if let Some(set) = set {
        write_results_table(&set, &outcomes, &table_text)?;
        let dir = set.commit()?;
        if !args.json {
            ctx.console.note(&format!(
                "wrote {}, {} and the plots",
                dir.join("results.csv").display(),
                dir.join("results.md").display()
            ));
        }
    }
    if args.json {
        let rows: Vec<_> = outcomes
            .iter()
            .map(|o| {
                serde_json::json!({
                    "case": o.case_id, "quantity": o.quantity, "computed": o.computed,
                    "reference": o.reference, "error": o.error, "tolerance": o.tolerance,
                    "kind": kind_name(o), "pass": o.pass,
                })
            })
            .collect();
        let summary = serde_json::json!({
            "cases": cases.len(), "checks": outcomes.len(), "failed": failed, "results": rows,
        });
        ctx.console.data(&format!("{summary:#}\n"))?;
    } else {
        ctx.console.report(&table_text)?;
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_FAILURE)
    })
}

/// `absolute`, `relative`, `atmost`, `atleast`.
fn kind_name(o: &CheckOutcome) -> String {
    use thermorbit::validate::ToleranceKind;
    match o.kind {
        ToleranceKind::Absolute => "absolute",
        ToleranceKind::Relative => "relative",
        ToleranceKind::AtMost => "atmost",
        ToleranceKind::AtLeast => "atleast",
    }
    .to_string()
}

/// `results.csv` (one row per check: case, quantity, computed, reference, error, tolerance,
/// test, pass) and `results.md` (the printed table) in the set.
fn write_results_table(
    set: &OutputSet,
    outcomes: &[CheckOutcome],
    table_text: &str,
) -> Result<(), Error> {
    let mut csv = String::from("case,quantity,computed,reference,error,tolerance,test,pass\n");
    for o in outcomes {
        let _ = writeln!(
            csv,
            "{},{},{:e},{:e},{:e},{:e},{},{}",
            csv_text(&o.case_id),
            csv_text(&o.quantity),
            o.computed,
            o.reference,
            o.error,
            o.tolerance,
            kind_name(o),
            o.pass
        );
    }
    write_atomic(&set.path("results.csv"), csv.as_bytes())?;
    write_atomic(&set.path("results.md"), table_text.as_bytes())?;
    Ok(())
}

/// A CSV text cell, quoted per RFC 4180 when it holds a comma, quote or line break.
fn csv_text(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The results as a Markdown table (the same table the README shows).
///
/// The tolerance column states the test: `abs 1e-6` and `rel 1e-4` bound
/// |computed − reference|; `≤ x` and `≥ x` bound the computed value itself.
pub fn table(outcomes: &[CheckOutcome]) -> String {
    use thermorbit::validate::ToleranceKind;
    let mut out = String::from(
        "| case | quantity | computed | reference | error | test | pass |\n|---|---|---|---|---|---|---|\n",
    );
    for o in outcomes {
        let test = match o.kind {
            ToleranceKind::Absolute => format!("abs {:.1e}", o.tolerance),
            ToleranceKind::Relative => format!("rel {:.1e}", o.tolerance),
            ToleranceKind::AtMost => format!("≤ {}", number(o.reference + o.tolerance)),
            ToleranceKind::AtLeast => format!("≥ {}", number(o.reference - o.tolerance)),
        };
        let error = match o.kind {
            ToleranceKind::Relative => o.error,
            _ => (o.computed - o.reference).abs(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.2e} | {} | {} |\n",
            o.case_id,
            o.quantity.replace('|', "\\|"),
            number(o.computed),
            number(o.reference),
            error,
            test,
            if o.pass { "yes" } else { "NO" }
        ));
    }
    out
}

/// Six decimals for ordinary magnitudes, scientific notation for tiny or huge ones.
fn number(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 || (1e-3..1e6).contains(&a) {
        format!("{v:.6}")
    } else {
        format!("{v:.4e}")
    }
}
