//! The ISS-like radiator wing (`validation/loop-05-iss-radiator-wing.toml`) runs through
//! `ValidationCase::load` and `run`, as `thermorbit validate` does, and fails with the
//! results table if any check falls outside its tolerance.
//!
//! Run with `cargo test --test validation_iss -- --nocapture` to see the table.

mod common;

use common::run_validation_case;

#[test]
fn val_loop_05_iss_radiator_wing() {
    run_validation_case("loop-05-iss-radiator-wing");
}
