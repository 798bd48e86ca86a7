//! thermorbit — an orbital thermal and power physics solver.
//!
//! Data flow: a case file (`case`) builds a thermal network (`network`) whose
//! panels are finite-difference grids (`mesh`); orbital geometry (`orbit`) and
//! environment fluxes (`environment`) drive its sources; `solve` computes steady,
//! transient and orbit-periodic temperatures; `output` writes CSV, JSON and plots;
//! `validate` compares the whole pipeline with exact and published solutions.
//!
//! `network` and `solve` know nothing of orbits: they solve any thermal network.
//! `linalg` is the bottom layer — sparse matrices, Krylov methods, stencil
//! operators, direct factorizations, geometric and algebraic multigrid, and the
//! fixed-chunk parallel policy — and knows nothing of heat.
//!
//! Imports point one way: `linalg` ← `network` ← `mesh` ←
//! `components` (which also use `environment` ← `orbit`); `solve` uses only
//! `network` and `linalg`; `power`, `case`, `sizing`, `output`, `validate` and
//! the CLI sit on top. Every module may use `constants` and `error`.
#![forbid(unsafe_code)]

pub mod case;
pub mod components;
pub mod constants;
pub mod environment;
pub mod error;
pub mod linalg;
pub mod mesh;
pub mod network;
pub mod orbit;
pub mod output;
pub mod power;
pub mod solve;
pub mod validate;

pub use error::{Error, Result};
