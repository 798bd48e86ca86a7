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
        print!("{}", table(&outcomes));
        println!(
            "{} passed, {} failed ({} cases)",
            outcomes.len() - failed,
            failed,
            cases.len()
        );
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_FAILURE)
    })
}

/// The results as a Markdown table (the same table the README shows).
pub fn table(outcomes: &[CheckOutcome]) -> String {
    let mut out = String::from(
        "| case | quantity | computed | reference | error | tolerance | pass |\n|---|---|---|---|---|---|---|\n",
    );
    for o in outcomes {
        let kind = match o.kind {
            thermorbit::validate::ToleranceKind::Absolute => "abs",
            thermorbit::validate::ToleranceKind::Relative => "rel",
            thermorbit::validate::ToleranceKind::AtMost => "≤",
            thermorbit::validate::ToleranceKind::AtLeast => "≥",
        };
        out.push_str(&format!(
            "| {} | {} | {:.6} | {:.6} | {:.2e} | {} {:.1e} | {} |\n",
            o.case_id,
            o.quantity,
            o.computed,
            o.reference,
            o.error,
            kind,
            o.tolerance,
            if o.pass { "yes" } else { "NO" }
        ));
    }
    out
}
