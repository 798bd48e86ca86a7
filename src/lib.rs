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
pub mod constants;
pub mod environment;
pub mod error;
pub mod mesh;
pub mod network;
pub mod orbit;
pub mod output;
pub mod solve;
pub mod validate;

pub use error::{Error, Result};

/// TEMPORARY phase trace (not to be committed).
pub fn trace(label: &str) {
    use std::sync::OnceLock;
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    let start = START.get_or_init(std::time::Instant::now);
    if std::env::var_os("TRACE").is_none() {
        return;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .map(|l| l[k.len()..].trim().to_string())
            .unwrap_or_default()
    };
    eprintln!(
        "[{:7.3} s] {label:<32} rss {} hwm {}",
        start.elapsed().as_secs_f64(),
        field("VmRSS:"),
        field("VmHWM:")
    );
}
