//! Every view-factor validation case (`validation/vf-*.toml`) runs through
//! `ValidationCase::load` and `run`, as `thermorbit validate` does, and fails with the
//! results table if any check falls outside its tolerance.
//!
//! Run with `cargo test --test validation_radiation -- --nocapture` to see the tables.

mod common;

use common::{assert_cases_match_files, run_validation_case};

/// The cases this file runs, one test each (`val_` + the id).
const CASES: &[&str] = &[
    "vf-01-parallel-rectangles",
    "vf-02-perpendicular-rectangles",
    "vf-03-coaxial-discs",
    "vf-04-monte-carlo-convergence",
    "vf-05-reciprocity-closure",
    "vf-06-facing-radiators",
    "vf-07-parallel-plates-network",
    "vf-08-facing-radiators-network",
    "vf-09-shadowed-sunlight",
];

#[test]
fn every_view_factor_case_file_has_a_test() {
    assert_cases_match_files(&["vf-"], CASES, file!());
}

#[test]
fn val_vf_01_parallel_rectangles() {
    run_validation_case("vf-01-parallel-rectangles");
}

#[test]
fn val_vf_02_perpendicular_rectangles() {
    run_validation_case("vf-02-perpendicular-rectangles");
}

#[test]
fn val_vf_03_coaxial_discs() {
    run_validation_case("vf-03-coaxial-discs");
}

#[test]
fn val_vf_04_monte_carlo_convergence() {
    run_validation_case("vf-04-monte-carlo-convergence");
}

#[test]
fn val_vf_05_reciprocity_closure() {
    run_validation_case("vf-05-reciprocity-closure");
}

#[test]
fn val_vf_06_facing_radiators() {
    run_validation_case("vf-06-facing-radiators");
}

#[test]
fn val_vf_07_parallel_plates_network() {
    run_validation_case("vf-07-parallel-plates-network");
}

#[test]
fn val_vf_08_facing_radiators_network() {
    run_validation_case("vf-08-facing-radiators-network");
}

#[test]
fn val_vf_09_shadowed_sunlight() {
    run_validation_case("vf-09-shadowed-sunlight");
}
