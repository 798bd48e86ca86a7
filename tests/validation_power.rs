//! Power validation cases (`validation/pwr-*.toml`): the solar array's
//! temperature and output, the battery's state of charge and the energy
//! balance of a spacecraft over its orbits, each against a hand calculation
//! computed in the runner (`src/validate/spacecraft.rs`).

mod common;

use common::{assert_cases_match_files, run_validation_case};

/// The cases this file runs, one test each (`val_` + the id).
const CASES: &[&str] = &["pwr-01-geo-array-balance", "pwr-02-battery-eclipse"];

#[test]
fn every_power_case_file_has_a_test() {
    assert_cases_match_files(&["pwr-"], CASES, "tests/validation_power.rs");
}

#[test]
fn val_pwr_01_geo_array_balance() {
    run_validation_case("pwr-01-geo-array-balance");
}

#[test]
fn val_pwr_02_battery_eclipse() {
    run_validation_case("pwr-02-battery-eclipse");
}
