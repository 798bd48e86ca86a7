//! Results out: CSV tables, VTK fields and PNG plots, each file written
//! atomically (a failed write never leaves a partial file or damages an
//! existing one).
//!
//! The API is data-neutral: callers pass slices and names, so any solver
//! result can be written without this module knowing its type.

pub(crate) mod atomic;
pub(crate) mod csv;
pub(crate) mod matrix;
pub mod orbit;
pub mod plot;
pub(crate) mod report;
mod spacecraft;
pub(crate) mod vtk;

pub use atomic::{write_atomic, write_atomic_with, OutputSet};
pub use csv::{write_csv, write_csv_labeled, write_csv_rows};
pub use matrix::write_matrix_market;
pub use plot::{plot_heat_map, plot_lines, HeatMap, LinePlot, ReferenceSlope, Series};
pub use report::{summary_json, write_results, write_results_with};
pub use vtk::{write_pvd, write_vti_grid, write_vtk_grid, VtkGrid};

/// A number with `decimals` decimals, never `-0.00` (a negative that rounds to zero).
pub fn fixed(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => text,
    }
}
