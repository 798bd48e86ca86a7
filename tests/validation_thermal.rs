//! Every conduction and radiation validation case (`validation/cond-*.toml`,
//! `validation/rad-*.toml`) runs through `ValidationCase::load` and `run`, as
//! `thermorbit validate` does, and fails with the results table if any check
//! falls outside its tolerance. Plots go to a temporary folder, so the plot
//! path is exercised too.
//!
//! Run with `cargo test --test validation_thermal -- --nocapture` to see the
//! tables.

mod common;

use common::{assert_cases_match_files, run_validation_case};

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
    assert_cases_match_files(&["cond-", "rad-"], CASES, file!());
}

#[test]
fn val_cond_01_slab_steady() {
    run_validation_case("cond-01-slab-steady");
}

#[test]
fn val_cond_02_rectangle_fourier() {
    run_validation_case("cond-02-rectangle-fourier");
}

#[test]
fn val_cond_03_slab_transient() {
    run_validation_case("cond-03-slab-transient");
}

#[test]
fn val_cond_04_manufactured_nonlinear() {
    run_validation_case("cond-04-manufactured-nonlinear");
}

#[test]
fn val_cond_05_energy_balance() {
    run_validation_case("cond-05-energy-balance");
}

#[test]
fn val_cond_06_nafems_t2() {
    run_validation_case("cond-06-nafems-t2");
}

#[test]
fn val_cond_07_nafems_t3() {
    run_validation_case("cond-07-nafems-t3");
}

#[test]
fn val_cond_08_nafems_t4() {
    run_validation_case("cond-08-nafems-t4");
}

#[test]
fn val_cond_09_periodic_harmonic_sink() {
    run_validation_case("cond-09-periodic-harmonic-sink");
}

#[test]
fn val_cond_10_periodic_vs_long_transient() {
    run_validation_case("cond-10-periodic-vs-long-transient");
}

#[test]
fn val_rad_01_lumped_cooling() {
    run_validation_case("rad-01-lumped-cooling");
}

#[test]
fn val_rad_02_isothermal_plate() {
    run_validation_case("rad-02-isothermal-plate");
}

#[test]
fn val_rad_03_radiating_fin() {
    run_validation_case("rad-03-radiating-fin");
}
