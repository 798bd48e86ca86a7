//! Every conduction and radiation validation case (`validation/cond-*.toml`,
//! `validation/rad-*.toml`) runs through `ValidationCase::load` and `run`, as
//! `thermorbit validate` does, and fails with the results table if any check
//! falls outside its tolerance. Plots go to a temporary folder, so the plot
//! path is exercised too.
//!
//! Run with `cargo test --test validation_thermal -- --nocapture` to see the
//! tables.

use std::path::{Path, PathBuf};

use thermorbit::validate::{case_files, CheckOutcome, RunContext, ValidationCase};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("validation")
}

fn table(outcomes: &[CheckOutcome]) -> String {
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

/// Loads `validation/<id>.toml`, runs it and asserts every check passes.
fn run_case(id: &str) {
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

/// The cases this file runs, one test each (`val_` + the id).
const CASES: &[&str] = &[
    "cond-01-slab-steady",
    "cond-02-rectangle-fourier",
    "cond-03-slab-transient",
    "cond-04-manufactured-nonlinear",
    "cond-05-energy-balance",
    "cond-06-nafems-t2",
    "cond-07-nafems-t3",
    "cond-08-nafems-t4",
    "cond-09-periodic-harmonic-sink",
    "cond-10-periodic-vs-long-transient",
    "rad-01-lumped-cooling",
    "rad-02-isothermal-plate",
    "rad-03-radiating-fin",
];

#[test]
fn every_conduction_and_radiation_case_file_has_a_test() {
    let on_disk: Vec<String> = case_files(&cases_dir())
        .unwrap()
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|s| s.starts_with("cond-") || s.starts_with("rad-"))
        .collect();
    for id in &on_disk {
        assert!(
            CASES.contains(&id.as_str()),
            "{id}.toml has no test in {}",
            file!()
        );
    }
    for id in CASES {
        assert!(on_disk.iter().any(|d| d == id), "{id}.toml is missing");
    }
}

#[test]
fn val_cond_01_slab_steady() {
    run_case("cond-01-slab-steady");
}

#[test]
fn val_cond_02_rectangle_fourier() {
    run_case("cond-02-rectangle-fourier");
}

#[test]
fn val_cond_03_slab_transient() {
    run_case("cond-03-slab-transient");
}

#[test]
fn val_cond_04_manufactured_nonlinear() {
    run_case("cond-04-manufactured-nonlinear");
}

#[test]
fn val_cond_05_energy_balance() {
    run_case("cond-05-energy-balance");
}

#[test]
fn val_cond_06_nafems_t2() {
    run_case("cond-06-nafems-t2");
}

#[test]
fn val_cond_07_nafems_t3() {
    run_case("cond-07-nafems-t3");
}

#[test]
fn val_cond_08_nafems_t4() {
    run_case("cond-08-nafems-t4");
}

#[test]
fn val_cond_09_periodic_harmonic_sink() {
    run_case("cond-09-periodic-harmonic-sink");
}

#[test]
fn val_cond_10_periodic_vs_long_transient() {
    run_case("cond-10-periodic-vs-long-transient");
}

#[test]
fn val_rad_01_lumped_cooling() {
    run_case("rad-01-lumped-cooling");
}

#[test]
fn val_rad_02_isothermal_plate() {
    run_case("rad-02-isothermal-plate");
}

#[test]
fn val_rad_03_radiating_fin() {
    run_case("rad-03-radiating-fin");
}
