//! Sizing: the least radiator (and array, battery and total mass) that keeps a GPU cluster
//! within its limits in a given orbit, found by an optimizer on a solved model.
//!
//! - [`section`]: the solved model — a radiator section (face-sheet strip, tube, coolant,
//!   coatings, environment fluxes) and one GPU's resistance chain;
//! - `environment`: orbit presets, panel orientation, the year's hot and cold instants
//!   and the longest eclipse;
//! - `design`: the problem, the design vector, constraints, masses and [`evaluate`];
//! - `presets`: accelerators, materials and subsystem figures with their sources.

pub(crate) mod design;
pub(crate) mod environment;
pub(crate) mod optimize;
pub(crate) mod presets;
pub mod section;
pub(crate) mod stack;
pub mod sweep;

pub use design::{
    evaluate, ConstraintValue, Design, Evaluation, Limits, LoopModel, Masses, Objective, Problem,
    Totals, DEFAULT_GRID, DEFAULT_TUBE,
};
pub use environment::{
    scan_orbit, scan_radiator_orbit, EnvironmentChoice, OrbitEnvironment, OrbitPreset, OrbitSource,
    RadiatorOrbit, SCAN_EPOCH,
};
pub use optimize::{optimize, Bounds, Optimum, SearchOptions, SearchReport};
pub use presets::{
    gpu_preset, GpuPreset, MassModel, ALUMINIUM_2024_T6, ARRAY_PATH_EFFICIENCY_DAYLIGHT,
    ARRAY_PATH_EFFICIENCY_ECLIPSE, CASE_TO_COLD_PLATE_K_W, COLD_PLATE_TO_COOLANT_K_W, GPU_PRESETS,
    IDLE_FRACTION, JUNCTION_TO_CASE_K_W,
};
pub use stack::{RadiatorStack, MAX_STACK_PANELS};
