//! Shared harness for the validation-case tests (`validation_thermal`, `validation_loops`):
//! load `validation/<id>.toml`, run it as `thermorbit validate` does, print the results
//! table and fail if any check is outside its tolerance.

use std::path::{Path, PathBuf};

use thermorbit::validate::{case_files, CheckOutcome, RunContext, ValidationCase};

/// The `validation/` folder.
pub fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("validation")
}

/// The outcomes as a Markdown table.
pub fn table(outcomes: &[CheckOutcome]) -> String {
    let mut out =
        String::from("| case | quantity | computed | reference | error | tolerance | pass |\n");
    for o in outcomes {
        out.push_str(&format!(
            "| {} | {} | {:.9e} | {:.9e} | {:.2e} | {:?} {:.1e} | {} |\n",
            o.case_id,
            o.quantity,
            o.computed,
            o.reference,
            o.error,
            o.kind,
            o.tolerance,
            if o.pass { "yes" } else { "NO" }
        ));
    }
    out
}

/// Loads `validation/<id>.toml`, runs it (plots to a temporary folder) and asserts every
/// check passes.
pub fn run_case(id: &str) {
    let file = cases_dir().join(format!("{id}.toml"));
    let case = ValidationCase::load(&file).unwrap_or_else(|e| panic!("{id}: {e}"));
    assert_eq!(case.id, id, "the id must match the file name");
    let out = tempfile::tempdir().unwrap();
    let ctx = RunContext {
        out_dir: Some(out.path().to_path_buf()),
    };
    let outcomes = case.run(&ctx).unwrap_or_else(|e| panic!("{id}: {e}"));
    let report = table(&outcomes);
    eprint!("{report}");
    assert!(!outcomes.is_empty(), "{id}: no checks");
    assert!(
        outcomes.iter().all(|o| o.pass),
        "{id}: checks failed\n{report}"
    );
}

/// Asserts that the case files whose names start with one of `prefixes` are exactly `cases`
/// (each file has a test in `test_file`, each listed case has a file).
pub fn assert_cases_match_files(prefixes: &[&str], cases: &[&str], test_file: &str) {
    let on_disk: Vec<String> = case_files(&cases_dir())
        .unwrap()
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|s| prefixes.iter().any(|p| s.starts_with(p)))
        .collect();
    for id in &on_disk {
        assert!(
            cases.contains(&id.as_str()),
            "{id}.toml has no test in {test_file}"
        );
    }
    for id in cases {
        assert!(on_disk.iter().any(|d| d == id), "{id}.toml is missing");
    }
}
