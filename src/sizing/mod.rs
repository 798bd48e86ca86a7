//! Sizing: the least radiator (and array, battery and total mass) that keeps a GPU cluster
//! within its limits in a given orbit, found by an optimizer on a solved model.
//!
//! - [`section`]: the solved model — a radiator section (face-sheet strip, tube, coolant,
//!   coatings, environment fluxes) and one GPU's resistance chain;
//! - [`environment`]: orbit presets, panel orientation, the year's hot and cold instants
//!   and the longest eclipse;
//! - [`design`]: the problem, the design vector, constraints, masses and [`evaluate`];
//! - [`presets`]: accelerators, materials and subsystem figures with their sources.

pub mod design;
pub mod environment;
pub mod optimize;
pub mod presets;
pub mod section;
pub mod stack;
pub mod sweep;

pub use design::{
    evaluate, ConstraintValue, Design, Evaluation, Limits, LoopModel, Masses, Objective, Problem,
    Totals,
};
pub use environment::{
    scan_orbit, scan_radiator_orbit, EnvironmentChoice, OrbitEnvironment, OrbitPreset, OrbitSource,
    RadiatorOrbit,
};
pub use optimize::{optimize, Bounds, Optimum, SearchOptions, SearchReport};
pub use presets::{gpu_preset, GpuPreset, MassModel, GPU_PRESETS};
pub use stack::RadiatorStack;
