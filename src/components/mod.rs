//! Spacecraft components that expand into thermal-network pieces: GPU racks
//! (junction → case → cold plate → coolant), pumped single-phase coolant loops
//! (fluid chains with one-way advective conductors, internal convection from
//! Nusselt correlations, Darcy–Weisbach pressure drop), radiator tubes, solar
//! arrays and batteries.
//!
//! Each component is a plain struct built in code (the case file is one way to
//! fill it) whose `add_to` checks every number before it touches the network
//! and returns a handle naming the nodes it made, so results can be read back
//! by component.

pub(crate) mod fluid;
pub(crate) mod hydraulics;

mod array;
mod battery;
mod loops;
mod rack;

pub use array::{ArrayIllumination, ArrayNodes, ArrayPointing, IncidentFluxes, SolarArray};
pub use battery::{Battery, BatteryNodes};
pub use fluid::{Coolant, CustomFluid, FluidProperties, PropertyTable};
pub use hydraulics::{
    colebrook_white_friction_factor, darcy_friction_factor, gnielinski_nusselt, nusselt_number,
    pipe_flow, pump_power_w, FlowRegime, Pipe, PipeFlow, FRICTION_TURBULENT_REYNOLDS,
    LAMINAR_LIMIT_REYNOLDS, LAMINAR_NUSSELT_UNIFORM_HEAT_FLUX,
    LAMINAR_NUSSELT_UNIFORM_WALL_TEMPERATURE, MAX_RELATIVE_ROUGHNESS, MIN_TURBULENT_PRANDTL,
    NUSSELT_TURBULENT_REYNOLDS,
};
pub use loops::{
    CoolantLoop, LoopFluid, LoopNodes, RadiatorTubes, RouteStop, StopNodes, TubeFlowSummary,
};
pub use rack::{GpuRack, RackNodes};
