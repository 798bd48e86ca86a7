//! thermorbit — an orbital thermal and power physics solver.
//!
//! Data flow: a case file (`case`) builds a thermal network (`network`) whose
//! panels are finite-difference grids (`mesh`); orbital geometry (`orbit`) and
//! environment fluxes (`environment`) drive its sources; `solve` computes steady,
//! transient and orbit-periodic temperatures; `output` writes CSV, JSON and plots;
//! `validate` compares the whole pipeline with exact and published solutions.
//!
//! `network` and `solve` know nothing of orbits: they solve any thermal network.
#![forbid(unsafe_code)]

pub mod case;
pub mod components;
pub mod constants;
pub mod environment;
pub mod error;
pub mod mesh;
pub mod network;
pub mod orbit;
pub mod output;
pub mod power;
pub mod radiation;
pub mod sizing;
pub mod solve;
pub mod validate;

pub use error::{Error, Result};
