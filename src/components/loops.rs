//! A pumped single-phase coolant loop: an ordered route through GPU racks'
//! cold plates and radiator panels' tubes, closed through a pump.
//!
//! The fluid is a chain of nodes joined by one-way advective conductors
//! `ṁc_p (T_up − T_down)`: the pump node, then each stop of the route in order —
//! a rack's coolant node ([`super::GpuRack`]), or a radiator panel's parallel
//! tubes ([`crate::mesh::Tube`], the flow split equally between them) whose
//! outlets mix in a return node — and back to the pump. Nothing but the
//! radiators (and whatever the user couples to the fluid) takes heat out, so the
//! loop settles where the radiators reject what the racks and the pump put in.
//!
//! Properties are those of the coolant at the loop's reference temperature
//! (constant along the loop; the report compares the reference with the solved
//! mean coolant temperature). Inside each tube the film coefficient comes from
//! the Nusselt correlation of [`super::hydraulics::pipe_flow`] and is in series
//! with the tube wall and bond conductance per length `G′_b`:
//! `U′ = 1/(1/(h π D) + 1/G′_b)`. The loop's pressure drop is the sum over its
//! stops (Darcy–Weisbach in the tubes, a given drop per rack) plus the rest of
//! the plumbing; the pump draws `Δp V̇ / η_pump` (electrical, a load on the bus),
//! all of which ends up as heat in the fluid at the pump.

use std::f64::consts::PI;

use super::fluid::{Coolant, FluidProperties};
use super::hydraulics::{pipe_flow, pump_power_w, FlowRegime, Pipe};
use super::rack::{GpuRack, RackNodes};
use crate::error::{ComponentError, InternalError, NetworkError};
use crate::mesh::{PanelNodes, Tube, TubeNodes};
use crate::network::{HeatSource, NodeId, NodeKind, Profile, ThermalNetwork};

/// The loop's fluid as the network sees it: properties at the reference
/// temperature and the flow.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopFluid {
    /// Coolant name.
    pub coolant: String,
    /// Properties at the loop's reference temperature.
    pub properties: FluidProperties,
    /// Mass flow through the loop, kg/s.
    pub mass_flow_kg_s: f64,
    /// Capacity rate ṁ c_p, W/K.
    pub mdot_cp_w_k: f64,
}

impl LoopFluid {
    /// Volumetric flow, m³/s.
    pub fn volumetric_flow_m3_s(&self) -> f64 {
        self.mass_flow_kg_s / self.properties.density_kg_m3
    }
}

/// A radiator panel's tubes as a stop of a loop: parallel straight tubes, the
/// loop's flow split equally between them.
#[derive(Debug, Clone)]
pub struct RadiatorTubes<'p> {
    /// The panel, already in the network.
    pub panel: &'p PanelNodes,
    /// Each tube's line `[start, end]` (m), flow from start to end; all of one length.
    pub lines_m: Vec<[[f64; 2]; 2]>,
    /// Inner diameter of the tubes, m.
    pub inner_diameter_m: f64,
    /// Absolute roughness of the tube walls, m.
    pub roughness_m: f64,
    /// Conductance per metre of tube through its wall and bond to the panel,
    /// W/(m·K) (`None`: a perfect bond, the film alone).
    pub bond_conductance_w_m_k: Option<f64>,
}

/// A stop on a loop's route.
#[derive(Debug, Clone)]
pub enum RouteStop<'a> {
    /// A rack's cold plates, with the pressure drop across them (Pa).
    Rack {
        /// The rack.
        rack: &'a GpuRack,
        /// Pressure drop across its cold plates and manifolds, Pa.
        pressure_drop_pa: f64,
    },
    /// A radiator panel's tubes.
    Radiator(RadiatorTubes<'a>),
}

/// A pumped single-phase coolant loop.
#[derive(Debug, Clone)]
pub struct CoolantLoop {
    /// Name; its nodes are `NAME.pump`, `NAME.PANEL.tube[k]`, `NAME.PANEL.return`.
    pub name: String,
    /// The coolant.
    pub coolant: Coolant,
    /// Temperature at which the coolant's properties are taken, K.
    pub reference_temperature_k: f64,
    /// Mass flow, kg/s (> 0).
    pub mass_flow_kg_s: f64,
    /// Overall pump efficiency (hydraulic power over electrical power), in (0, 1].
    pub pump_efficiency: f64,
    /// Pressure drop of the plumbing outside the stops (lines, fittings, valves), Pa.
    pub other_pressure_drop_pa: f64,
    /// Coolant volume outside the radiator tubes (lines, accumulator, pump), m³:
    /// its heat capacity sits at the pump node.
    pub volume_outside_radiators_m3: f64,
    /// Initial temperature of the coolant, K.
    pub initial_temperature_k: f64,
}

/// A stop of a built loop, with where its fluid enters and leaves.
#[derive(Debug, Clone, PartialEq)]
pub enum StopNodes {
    /// A rack.
    Rack(RackNodes),
    /// A radiator panel's tubes.
    Radiator {
        /// The panel's name.
        panel: String,
        /// The node feeding the tubes.
        inlet: NodeId,
        /// The mixed outlet of the tubes.
        outlet: NodeId,
        /// Each tube's fluid nodes.
        tubes: Vec<TubeNodes>,
        /// The tube flow: Reynolds number, regime, film coefficient, pressure drop.
        flow: TubeFlowSummary,
    },
}

impl StopNodes {
    /// The node whose fluid leaves this stop.
    pub fn outlet(&self) -> NodeId {
        match self {
            StopNodes::Rack(r) => r.coolant_out,
            StopNodes::Radiator { outlet, .. } => *outlet,
        }
    }

    /// The node whose fluid enters this stop.
    pub fn inlet(&self) -> NodeId {
        match self {
            StopNodes::Rack(r) => r.coolant_in,
            StopNodes::Radiator { inlet, .. } => *inlet,
        }
    }

    /// The stop's name (rack or panel).
    pub fn name(&self) -> &str {
        match self {
            StopNodes::Rack(r) => &r.name,
            StopNodes::Radiator { panel, .. } => panel,
        }
    }
}

/// The flow in one radiator's tubes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TubeFlowSummary {
    /// Number of parallel tubes.
    pub tube_count: usize,
    /// Mass flow per tube, kg/s.
    pub mass_flow_per_tube_kg_s: f64,
    /// Reynolds number.
    pub reynolds: f64,
    /// Flow regime.
    pub regime: FlowRegime,
    /// Film coefficient, W/(m²·K).
    pub film_coefficient_w_m2_k: f64,
    /// Fluid-to-panel conductance per metre of tube, W/(m·K).
    pub conductance_w_m_k: f64,
    /// Pressure drop along a tube, Pa.
    pub pressure_drop_pa: f64,
}

/// A built loop: its nodes, stops and hydraulics.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopNodes {
    /// Loop name.
    pub name: String,
    /// The fluid.
    pub fluid: LoopFluid,
    /// Freezing point of the coolant, K.
    pub freezing_point_k: f64,
    /// The pump node (fluid leaving the pump, entering the first stop).
    pub pump: NodeId,
    /// The stops in route order.
    pub stops: Vec<StopNodes>,
    /// Pressure drop around the loop, Pa.
    pub pressure_drop_pa: f64,
    /// Electrical power of the pump, W (all of it heats the fluid).
    pub pump_power_w: f64,
    /// Index of the pump's heat source in the network.
    pub pump_source: usize,
}

impl LoopNodes {
    /// Every node that holds this loop's fluid.
    pub fn fluid_nodes(&self) -> Vec<NodeId> {
        let mut out = vec![self.pump];
        for s in &self.stops {
            match s {
                StopNodes::Rack(r) => out.push(r.coolant_out),
                StopNodes::Radiator { outlet, tubes, .. } => {
                    out.extend(tubes.iter().flat_map(|t| t.nodes()));
                    out.push(*outlet);
                }
            }
        }
        out
    }
}

impl CoolantLoop {
    fn element(&self) -> String {
        format!("loop `{}`", self.name)
    }

    fn invalid(&self, quantity: &'static str, value: f64, allowed: &str) -> ComponentError {
        ComponentError::InvalidValue {
            component: self.element(),
            quantity,
            value,
            allowed: allowed.to_string(),
        }
    }

    /// The fluid at the reference temperature with this loop's flow.
    pub fn fluid(&self) -> Result<LoopFluid, ComponentError> {
        let m = self.mass_flow_kg_s;
        if !(m.is_finite() && m > 0.0) {
            return Err(self.invalid("mass_flow_kg_s", m, "finite and > 0"));
        }
        let properties = self
            .coolant
            .properties_at(self.reference_temperature_k)
            .map_err(|e| self.rename(e))?;
        Ok(LoopFluid {
            coolant: self.coolant.name().to_string(),
            properties,
            mass_flow_kg_s: m,
            mdot_cp_w_k: m * properties.specific_heat_j_kg_k,
        })
    }

    /// Puts this loop's name on an error from a part it called.
    fn rename(&self, e: ComponentError) -> ComponentError {
        let prefix = self.element();
        match e {
            ComponentError::InvalidValue {
                component,
                quantity,
                value,
                allowed,
            } => ComponentError::InvalidValue {
                component: format!("{prefix} ({component})"),
                quantity,
                value,
                allowed,
            },
            ComponentError::OutsidePropertyRange {
                component,
                fluid,
                temperature_k,
                min_k,
                max_k,
            } => ComponentError::OutsidePropertyRange {
                component: format!("{prefix} ({component})"),
                fluid,
                temperature_k,
                min_k,
                max_k,
            },
            other => other,
        }
    }

    fn check(&self, route: &[RouteStop]) -> Result<(), ComponentError> {
        let eta = self.pump_efficiency;
        if !(eta.is_finite() && eta > 0.0 && eta <= 1.0) {
            return Err(self.invalid("pump_efficiency", eta, "0 < efficiency <= 1"));
        }
        for (q, v) in [
            ("other_pressure_drop_pa", self.other_pressure_drop_pa),
            (
                "volume_outside_radiators_m3",
                self.volume_outside_radiators_m3,
            ),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(self.invalid(q, v, "finite and >= 0"));
            }
        }
        let t = self.initial_temperature_k;
        if !(t.is_finite() && t > 0.0) {
            return Err(self.invalid("initial_temperature_k", t, "finite and > 0"));
        }
        if route.is_empty() {
            return Err(ComponentError::Inconsistent {
                component: self.element(),
                reason: "the route is empty: a loop passes at least one rack or radiator".into(),
            });
        }
        if !route.iter().any(|s| matches!(s, RouteStop::Radiator(_))) {
            return Err(ComponentError::Inconsistent {
                component: self.element(),
                reason: "the route passes no radiator: nothing would take the heat out".into(),
            });
        }
        Ok(())
    }

    /// Adds the loop's fluid nodes, the stops' nodes and conductors and the
    /// pump's heat to `net`. The loop's own numbers and the hydraulics of every
    /// stop are checked before the network is changed; an error from a stop's
    /// geometry (a tube off its panel) can leave part of the loop in `net`,
    /// which the caller then discards.
    pub fn add_to(
        &self,
        net: &mut ThermalNetwork,
        route: &[RouteStop],
    ) -> Result<LoopNodes, ComponentError> {
        self.check(route)?;
        let fluid = self.fluid()?;
        let e = self.element();
        let wrap = |source: NetworkError| ComponentError::Network {
            component: e.clone(),
            source,
        };
        // Hydraulics first: every tube flow must be computable.
        let mut flows = Vec::with_capacity(route.len());
        let mut pressure_drop_pa = self.other_pressure_drop_pa;
        for stop in route {
            match stop {
                RouteStop::Rack {
                    pressure_drop_pa: dp,
                    rack,
                } => {
                    if !(dp.is_finite() && *dp >= 0.0) {
                        return Err(ComponentError::InvalidValue {
                            component: format!("{e}, stop `{}`", rack.name),
                            quantity: "pressure_drop_pa",
                            value: *dp,
                            allowed: "finite and >= 0".into(),
                        });
                    }
                    pressure_drop_pa += dp;
                    flows.push(None);
                }
                RouteStop::Radiator(r) => {
                    let flow = self.tube_flow(&fluid, r)?;
                    pressure_drop_pa += flow.pressure_drop_pa;
                    flows.push(Some(flow));
                }
            }
        }
        let pump_power_w = pump_power_w(
            pressure_drop_pa,
            fluid.volumetric_flow_m3_s(),
            self.pump_efficiency,
        )
        .map_err(|err| self.rename(err))?;

        let t0 = self.initial_temperature_k;
        let pump_capacity = self.volume_outside_radiators_m3
            * fluid.properties.density_kg_m3
            * fluid.properties.specific_heat_j_kg_k;
        let pump_kind = if pump_capacity > 0.0 {
            NodeKind::Diffusion {
                capacitance_j_k: pump_capacity,
            }
        } else {
            NodeKind::Arithmetic
        };
        let pump = net
            .add_node(&format!("{}.pump", self.name), pump_kind, t0)
            .map_err(wrap)?;
        let pump_source = net.sources().len();
        net.add_source(HeatSource {
            name: format!("{} pump", self.name),
            loads: vec![(pump, 1.0)],
            profile: Profile::Constant(pump_power_w),
        })
        .map_err(wrap)?;
        let mut upstream = pump;
        let mut stops = Vec::with_capacity(route.len());
        for (stop, flow) in route.iter().zip(flows) {
            let built = match (stop, flow) {
                (RouteStop::Rack { rack, .. }, _) => {
                    StopNodes::Rack(rack.add_to(net, upstream, &fluid)?)
                }
                (RouteStop::Radiator(r), Some(flow)) => {
                    self.add_radiator(net, upstream, &fluid, r, flow)?
                }
                (RouteStop::Radiator(_), None) => {
                    return Err(InternalError::new(format!(
                        "{e}: a radiator stop without its flow"
                    ))
                    .into())
                }
            };
            upstream = built.outlet();
            stops.push(built);
        }
        net.add_advective(upstream, pump, fluid.mdot_cp_w_k)
            .map_err(wrap)?;
        let freezing_point_k = self.coolant.freezing_point_k();
        Ok(LoopNodes {
            name: self.name.clone(),
            fluid,
            freezing_point_k,
            pump,
            stops,
            pressure_drop_pa,
            pump_power_w,
            pump_source,
        })
    }

    /// The flow in each of a radiator's tubes.
    fn tube_flow(
        &self,
        fluid: &LoopFluid,
        r: &RadiatorTubes,
    ) -> Result<TubeFlowSummary, ComponentError> {
        let stop = format!("{}, radiator `{}`", self.element(), r.panel.name());
        let inconsistent = |reason: String| ComponentError::Inconsistent {
            component: stop.clone(),
            reason,
        };
        if r.lines_m.is_empty() {
            return Err(inconsistent("the panel has no tubes on this loop".into()));
        }
        let lengths: Vec<f64> = r
            .lines_m
            .iter()
            .map(|[a, b]| (b[0] - a[0]).hypot(b[1] - a[1]))
            .collect();
        let length = lengths[0];
        if let Some(l) = lengths
            .iter()
            .find(|l| (*l - length).abs() > 1e-6 * length || !l.is_finite())
        {
            return Err(inconsistent(format!(
                "parallel tubes must have one length (the flow is split equally): {length} m and {l} m"
            )));
        }
        let d = r.inner_diameter_m;
        let count = r.lines_m.len();
        let per_tube = fluid.mass_flow_kg_s / count as f64;
        let flow = pipe_flow(
            &fluid.properties,
            per_tube,
            &Pipe {
                inner_diameter_m: d,
                length_m: length,
                roughness_m: r.roughness_m,
            },
        )
        .map_err(|err| match err {
            ComponentError::InvalidValue {
                quantity,
                value,
                allowed,
                ..
            } => ComponentError::InvalidValue {
                component: stop.clone(),
                quantity,
                value,
                allowed,
            },
            other => other,
        })?;
        let film = flow.film_coefficient_w_m2_k * PI * d;
        let conductance_w_m_k = match r.bond_conductance_w_m_k {
            Some(g) if g.is_finite() && g > 0.0 => 1.0 / (1.0 / film + 1.0 / g),
            Some(g) => {
                return Err(ComponentError::InvalidValue {
                    component: stop,
                    quantity: "bond_conductance_w_m_k",
                    value: g,
                    allowed: "finite and > 0".into(),
                })
            }
            None => film,
        };
        Ok(TubeFlowSummary {
            tube_count: count,
            mass_flow_per_tube_kg_s: per_tube,
            reynolds: flow.reynolds,
            regime: flow.regime,
            film_coefficient_w_m2_k: flow.film_coefficient_w_m2_k,
            conductance_w_m_k,
            pressure_drop_pa: flow.pressure_drop_pa,
        })
    }

    fn add_radiator(
        &self,
        net: &mut ThermalNetwork,
        inlet: NodeId,
        fluid: &LoopFluid,
        r: &RadiatorTubes,
        flow: TubeFlowSummary,
    ) -> Result<StopNodes, ComponentError> {
        let panel = r.panel.name().to_string();
        let stop = format!("{}, radiator `{panel}`", self.element());
        let wrap = |source: NetworkError| ComponentError::Network {
            component: stop.clone(),
            source,
        };
        let mdot_cp = fluid.mdot_cp_w_k / flow.tube_count as f64;
        let area = PI * r.inner_diameter_m.powi(2) / 4.0;
        let heat_capacity_per_m =
            fluid.properties.density_kg_m3 * fluid.properties.specific_heat_j_kg_k * area;
        let mut tubes = Vec::with_capacity(r.lines_m.len());
        for (k, [start_m, end_m]) in r.lines_m.iter().enumerate() {
            let tube = Tube {
                name: format!("{}.{panel}.tube[{k}]", self.name),
                start_m: *start_m,
                end_m: *end_m,
                inlet,
                mdot_cp_w_k: mdot_cp,
                conductance_w_m_k: flow.conductance_w_m_k,
                fluid_heat_capacity_j_m_k: heat_capacity_per_m,
                initial_temperature_k: self.initial_temperature_k,
            };
            tubes.push(tube.add_to(net, r.panel).map_err(wrap)?);
        }
        let outlet = net
            .add_node(
                &format!("{}.{panel}.return", self.name),
                NodeKind::Arithmetic,
                self.initial_temperature_k,
            )
            .map_err(wrap)?;
        for t in &tubes {
            net.add_advective(t.outlet(), outlet, mdot_cp)
                .map_err(wrap)?;
        }
        Ok(StopNodes::Radiator {
            panel,
            inlet,
            outlet,
            tubes,
            flow,
        })
    }
}
