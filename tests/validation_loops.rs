//! Every pumped-loop validation case (`validation/loop-*.toml`) runs through
//! `ValidationCase::load` and `run`, as `thermorbit validate` does, and fails with the
//! results table if any check falls outside its tolerance.
//!
//! Run with `cargo test --test validation_loops -- --nocapture` to see the tables.

mod common;

use common::{assert_cases_match_files, run_validation_case};

/// The cases this file runs, one test each (`val_` + the id).
const CASES: &[&str] = &[
    "loop-01-darcy-weisbach",
    "loop-02-tube-on-strip",
    "loop-03-tube-on-fin",
];

#[test]
fn every_loop_case_file_has_a_test() {
    assert_cases_match_files(&["loop-"], CASES, file!());
}

#[test]
fn val_loop_01_darcy_weisbach() {
    run_validation_case("loop-01-darcy-weisbach");
}

#[test]
fn val_loop_02_tube_on_strip() {
    run_validation_case("loop-02-tube-on-strip");
}

#[test]
fn val_loop_03_tube_on_fin() {
    run_validation_case("loop-03-tube-on-fin");
}
