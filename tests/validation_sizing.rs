//! Every sizing validation case (`validation/opt-*.toml`) runs through
//! `ValidationCase::load` and `run`, as `thermorbit validate` does, and fails with the
//! results table if any check falls outside its tolerance.
//!
//! Run with `cargo test --test validation_sizing -- --nocapture` to see the tables.

mod common;

use common::{assert_cases_match_files, run_validation_case};

/// The cases this file runs, one test each (`val_` + the id).
const CASES: &[&str] = &[
    "opt-01-isothermal-sigma-t4",
    "opt-02-linear-power-scaling",
    "opt-03-minimum-mass-fin",
    "opt-04-optimizer-vs-grid",
    "opt-05-environment-backloading",
];

#[test]
fn every_opt_case_file_has_a_test() {
    assert_cases_match_files(&["opt-"], CASES, file!());
}

#[test]
fn val_opt_01_isothermal_sigma_t4() {
    run_validation_case("opt-01-isothermal-sigma-t4");
}

#[test]
fn val_opt_02_linear_power_scaling() {
    run_validation_case("opt-02-linear-power-scaling");
}

#[test]
fn val_opt_03_minimum_mass_fin() {
    run_validation_case("opt-03-minimum-mass-fin");
}

#[test]
fn val_opt_04_optimizer_vs_grid() {
    run_validation_case("opt-04-optimizer-vs-grid");
}

#[test]
fn val_opt_05_environment_backloading() {
    run_validation_case("opt-05-environment-backloading");
}
