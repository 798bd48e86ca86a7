//! A liquid-cooled GPU rack: identical GPUs as one lumped thermal chain.
//!
//! Each GPU is a chain junction → case → cold plate → coolant, with the
//! junction-to-case resistance `R_jc`, the thermal interface `R_tim` (case to
//! cold plate) and the cold plate's convective resistance to its coolant
//! `R_cp = 1/(hA)`, all per GPU (K/W). `count` identical GPUs in parallel are one
//! chain whose conductances and heat capacities are multiplied by the count
//! (identical parallel paths carry identical heat, so this is exact for
//! identical GPUs).
//!
//! The coolant is the loop's fluid node for the rack: the fluid *leaving* the
//! cold plates, fed by one-way advection from upstream. The cold plates are
//! taken as isothermal walls over which the coolant warms exponentially, so the
//! cold-plate-to-outlet conductor is `ṁc_p (e^{NTU} − 1)` with
//! `NTU = count/(R_cp ṁc_p)` (see [`crate::mesh::Tube`] for the derivation),
//! which makes the rack's heat `ε ṁc_p (T_cp − T_in)`, `ε = 1 − e^{−NTU}`
//! (Incropera et al., 7th ed., eq. 8.42).
//!
//! Heat: each GPU dissipates its electrical power at its junction. The rack's
//! other electrical loads (CPUs, network, fans of nothing: a sealed liquid-cooled
//! rack) and the losses of its power conversion (a fraction of everything the
//! rack draws) are dissipated at the cold plates, which carry all of the rack's
//! heat to the coolant.

use std::ops::Range;

use super::loops::LoopFluid;
use crate::error::ComponentError;
use crate::mesh::exchanger_conductance_w_k;
use crate::network::{HeatSource, NodeId, NodeKind, Profile, ThermalNetwork};

/// A liquid-cooled rack of identical GPUs.
#[derive(Debug, Clone)]
pub struct GpuRack {
    /// Name; its nodes are `NAME.junction`, `NAME.case`, `NAME.cold_plate`, `NAME.coolant`.
    pub name: String,
    /// Number of identical GPUs (≥ 1).
    pub gpu_count: u32,
    /// Electrical power of one GPU, W (a constant or a duty profile over time).
    pub power_per_gpu_w: Profile,
    /// Junction-to-case resistance of one GPU, K/W.
    pub junction_to_case_k_w: f64,
    /// Case-to-cold-plate (thermal interface material) resistance of one GPU, K/W.
    pub case_to_cold_plate_k_w: f64,
    /// Convective resistance from one GPU's cold plate to its coolant, `1/(hA)`, K/W.
    pub cold_plate_to_coolant_k_w: f64,
    /// Heat capacity of one GPU's die and package (junction node), J/K (> 0).
    pub junction_heat_capacity_j_k: f64,
    /// Heat capacity of one GPU's lid/case, J/K (> 0).
    pub case_heat_capacity_j_k: f64,
    /// Heat capacity of one GPU's cold plate, J/K (> 0).
    pub cold_plate_heat_capacity_j_k: f64,
    /// Heat capacity of the coolant inside the rack's cold plates and manifolds, J/K (≥ 0).
    pub coolant_heat_capacity_j_k: f64,
    /// Highest allowed junction temperature, K.
    pub junction_limit_k: f64,
    /// Other electrical loads of the rack (CPUs, network), W.
    pub other_loads_w: Profile,
    /// Fraction of the rack's electrical input lost in its power conversion, in [0, 1).
    pub conversion_loss_fraction: f64,
    /// Initial temperature of every node, K.
    pub initial_temperature_k: f64,
}

/// Where a rack sits in the network.
#[derive(Debug, Clone, PartialEq)]
pub struct RackNodes {
    /// Rack name.
    pub name: String,
    /// The GPUs' junction (all GPUs: they are identical).
    pub junction: NodeId,
    /// The GPUs' case.
    pub case: NodeId,
    /// The cold plates.
    pub cold_plate: NodeId,
    /// The coolant leaving the rack.
    pub coolant_out: NodeId,
    /// The node the coolant comes from.
    pub coolant_in: NodeId,
    /// Junction limit, K.
    pub junction_limit_k: f64,
    /// Number of GPUs.
    pub gpu_count: u32,
    /// Indices of the rack's heat sources in the network (GPUs, then other loads).
    pub sources: Range<usize>,
}

impl GpuRack {
    fn element(&self) -> String {
        format!("rack `{}`", self.name)
    }

    fn check(&self) -> Result<(), ComponentError> {
        let e = self.element();
        let bad = |quantity: &'static str, value: f64, allowed: &str| {
            Err(ComponentError::InvalidValue {
                component: e.clone(),
                quantity,
                value,
                allowed: allowed.to_string(),
            })
        };
        if self.gpu_count == 0 {
            return bad("gpu_count", 0.0, ">= 1");
        }
        for (q, v) in [
            ("junction_to_case_k_w", self.junction_to_case_k_w),
            ("case_to_cold_plate_k_w", self.case_to_cold_plate_k_w),
            ("cold_plate_to_coolant_k_w", self.cold_plate_to_coolant_k_w),
            (
                "junction_heat_capacity_j_k",
                self.junction_heat_capacity_j_k,
            ),
            ("case_heat_capacity_j_k", self.case_heat_capacity_j_k),
            (
                "cold_plate_heat_capacity_j_k",
                self.cold_plate_heat_capacity_j_k,
            ),
            ("junction_limit_k", self.junction_limit_k),
            ("initial_temperature_k", self.initial_temperature_k),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return bad(q, v, "finite and > 0");
            }
        }
        let c = self.coolant_heat_capacity_j_k;
        if !(c.is_finite() && c >= 0.0) {
            return bad("coolant_heat_capacity_j_k", c, "finite and >= 0");
        }
        let f = self.conversion_loss_fraction;
        if !(f.is_finite() && (0.0..1.0).contains(&f)) {
            return bad("conversion_loss_fraction", f, "0 <= fraction < 1");
        }
        Ok(())
    }

    /// Total electrical power the rack draws at `t_s` (GPUs and other loads,
    /// with the conversion losses), W.
    pub fn electrical_input_w(&self, t_s: f64) -> f64 {
        let delivered = self.gpu_count as f64 * self.power_per_gpu_w.value_at(t_s)
            + self.other_loads_w.value_at(t_s);
        delivered / (1.0 - self.conversion_loss_fraction)
    }

    /// Adds the rack's nodes, conductors and heat sources to `net`, its coolant
    /// fed from `coolant_in` by `fluid`'s flow. Checked first; nothing is added on error.
    pub fn add_to(
        &self,
        net: &mut ThermalNetwork,
        coolant_in: NodeId,
        fluid: &LoopFluid,
    ) -> Result<RackNodes, ComponentError> {
        self.check()?;
        let e = self.element();
        let wrap = |source| ComponentError::Network {
            component: e.clone(),
            source,
        };
        let n = self.gpu_count as f64;
        let t0 = self.initial_temperature_k;
        let diffusion = |c: f64| NodeKind::Diffusion { capacitance_j_k: c };
        let name = |part: &str| format!("{}.{part}", self.name);
        for part in ["junction", "case", "cold_plate", "coolant"] {
            if net.node(&name(part)).is_ok() || net.group(&name(part)).is_some() {
                return Err(wrap(crate::error::NetworkError::DuplicateNode {
                    name: name(part),
                }));
            }
        }
        let junction = net
            .add_node(
                &name("junction"),
                diffusion(n * self.junction_heat_capacity_j_k),
                t0,
            )
            .map_err(wrap)?;
        let case = net
            .add_node(
                &name("case"),
                diffusion(n * self.case_heat_capacity_j_k),
                t0,
            )
            .map_err(wrap)?;
        let cold_plate = net
            .add_node(
                &name("cold_plate"),
                diffusion(n * self.cold_plate_heat_capacity_j_k),
                t0,
            )
            .map_err(wrap)?;
        let coolant_kind = if self.coolant_heat_capacity_j_k > 0.0 {
            diffusion(self.coolant_heat_capacity_j_k)
        } else {
            NodeKind::Arithmetic
        };
        let coolant_out = net
            .add_node(&name("coolant"), coolant_kind, t0)
            .map_err(wrap)?;
        net.add_linear(junction, case, n / self.junction_to_case_k_w)
            .map_err(wrap)?;
        net.add_linear(case, cold_plate, n / self.case_to_cold_plate_k_w)
            .map_err(wrap)?;
        let ua = n / self.cold_plate_to_coolant_k_w;
        net.add_linear(
            cold_plate,
            coolant_out,
            exchanger_conductance_w_k(ua, fluid.mdot_cp_w_k),
        )
        .map_err(wrap)?;
        net.add_advective(coolant_in, coolant_out, fluid.mdot_cp_w_k)
            .map_err(wrap)?;
        let first_source = net.sources().len();
        net.add_source(HeatSource {
            name: format!("{} GPUs", self.name),
            loads: vec![(junction, n)],
            profile: self.power_per_gpu_w.clone(),
        })
        .map_err(wrap)?;
        // Other loads and conversion losses: the losses are f/(1 − f) of what
        // the rack delivers to its GPUs and other loads.
        let loss = self.conversion_loss_fraction / (1.0 - self.conversion_loss_fraction);
        net.add_source(HeatSource {
            name: format!("{} other loads", self.name),
            loads: vec![(cold_plate, 1.0 + loss)],
            profile: self.other_loads_w.clone(),
        })
        .map_err(wrap)?;
        if loss > 0.0 {
            net.add_source(HeatSource {
                name: format!("{} conversion losses", self.name),
                loads: vec![(cold_plate, n * loss)],
                profile: self.power_per_gpu_w.clone(),
            })
            .map_err(wrap)?;
        }
        Ok(RackNodes {
            name: self.name.clone(),
            junction,
            case,
            cold_plate,
            coolant_out,
            coolant_in,
            junction_limit_k: self.junction_limit_k,
            gpu_count: self.gpu_count,
            sources: first_source..net.sources().len(),
        })
    }
}
