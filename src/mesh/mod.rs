//! Finite-difference panels that emit network pieces.
//!
//! A [`RectangularPanel`] describes a plate: size, material, `nx × ny` cells,
//! a coating per face, edge conditions, absorbed fluxes, heat loads, and lines
//! or regions coupled to lumped nodes. [`RectangularPanel::add_to`] turns it
//! into diffusion nodes, linear and radiative conductors and heat sources in a
//! [`ThermalNetwork`](crate::network::ThermalNetwork) by the finite-difference
//! energy balance method (Incropera et al., *Fundamentals of Heat and Mass
//! Transfer*, 7th ed., §4.4), with half-cell conductances at the edges
//! (Patankar, *Numerical Heat Transfer and Fluid Flow*, 1980, §4.6). The
//! returned [`PanelNodes`] maps results back to cells, x–y points, edges and
//! named regions. A [`Tube`] bonds a chain of coolant nodes to a built panel
//! along a line (a pumped loop's radiator passage).
//!
//! The scheme is second-order accurate in space; `tests/mesh_convergence.rs`
//! measures the order on exact and manufactured solutions.

mod grid;
mod nodes;
mod panel;
mod tube;

pub use grid::{CellShare, PanelGrid, Region, SegmentPiece};
pub use nodes::{FieldStats, NamedRegion, PanelNodes};
pub use panel::{
    AbsorbedFlux, Band, Coating, Edge, EdgeCondition, FaceSpec, LineAttachment, Material,
    PanelEdges, PanelHeatLoad, PanelLoad, RectangularPanel, RegionAttachment, Side,
    DEFAULT_INITIAL_TEMPERATURE_K,
};
pub use tube::{exchanger_conductance_w_k, Tube, TubeNodes, MAX_PIECE_NTU};
