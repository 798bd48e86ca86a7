//! Every `orb-*` and `env-*` validation case loads, runs through the library and passes.

use std::path::Path;

use thermorbit::validate::{case_files, RunContext, ValidationCase};

#[test]
fn val_orbit_and_environment_cases_pass() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("validation");
    let files = case_files(&dir).unwrap_or_else(|e| panic!("{e}"));
    let mut ran = 0;
    let mut table = String::new();
    let mut failed = 0;
    for file in files {
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if !(stem.starts_with("orb-") || stem.starts_with("env-")) {
            continue;
        }
        let case = ValidationCase::load(&file).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(case.id, stem, "case id must match its file name");
        let outcomes = case
            .run(&RunContext::default())
            .unwrap_or_else(|e| panic!("{}: {e}", case.id));
        assert!(!outcomes.is_empty(), "{} has no checks", case.id);
        for o in outcomes {
            if !o.pass {
                failed += 1;
            }
            table.push_str(&format!(
                "{} | {} | computed {:.9} | reference {:.9} | error {:.3e} | tol {:.1e} {:?} | {}\n",
                o.case_id,
                o.quantity,
                o.computed,
                o.reference,
                o.error,
                o.tolerance,
                o.kind,
                if o.pass { "ok" } else { "FAIL" }
            ));
        }
        ran += 1;
    }
    assert!(
        ran >= 9,
        "expected the orb-01..06 and env-01..03 cases, ran {ran}"
    );
    assert_eq!(failed, 0, "failed checks:\n{table}");
}
