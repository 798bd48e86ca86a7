//! `thermorbit validate`: run validation cases, print the table, write plots.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use thermorbit::validate::{case_files, CheckOutcome, RunContext, ValidationCase};
use thermorbit::Error;

/// Arguments of `thermorbit validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Run only cases whose id contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// Folder for the results table (CSV) and convergence plots.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Folder holding the case files.
    #[arg(long, default_value = "validation")]
    pub cases: PathBuf,
    /// Print a machine-readable summary on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// Runs the selected cases; exit 1 if any check fails.
pub fn execute(args: &ValidateArgs) -> Result<ExitCode, Error> {
    let mut cases = Vec::new();
    for file in case_files(&args.cases)? {
        let case = ValidationCase::load(&file)?;
        if args.filter.as_deref().is_none_or(|f| case.id.contains(f)) {
            cases.push(case);
        }
    }
    let ctx = RunContext {
        out_dir: args.out.clone(),
    };
    let mut outcomes: Vec<CheckOutcome> = Vec::new();
    for case in &cases {
        outcomes.extend(case.run(&ctx)?);
    }
    let failed = outcomes.iter().filter(|o| !o.pass).count();
    if args.json {
        let rows: Vec<_> = outcomes
            .iter()
            .map(|o| {
                serde_json::json!({
                    "case": o.case_id, "quantity": o.quantity, "computed": o.computed,
                    "reference": o.reference, "error": o.error, "tolerance": o.tolerance,
                    "kind": format!("{:?}", o.kind).to_lowercase(), "pass": o.pass,
                })
            })
            .collect();
        let summary = serde_json::json!({
            "cases": cases.len(), "checks": outcomes.len(), "failed": failed, "results": rows,
        });
        println!("{summary:#}");
    } else {
        let text = format!(
            "{}{} passed, {} failed ({} cases)\n",
            table(&outcomes),
            outcomes.len() - failed,
            failed,
            cases.len()
        );
        // A closed pipe (`thermorbit validate | head`) is not an error of the run.
        let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_FAILURE)
    })
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
