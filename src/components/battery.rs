//! A battery as a thermal node: its mass (capacity over specific energy) times
//! its specific heat, coupled to its mounting by a conductance, heated by its
//! charge and discharge losses. Its state of charge is integrated by the power
//! budget ([`crate::power`]), which hands back the loss profile.

use crate::error::ComponentError;
use crate::network::{HeatSource, NodeId, NodeKind, Profile, ThermalNetwork};

/// A battery.
#[derive(Debug, Clone, PartialEq)]
pub struct Battery {
    /// Name (its node's name).
    pub name: String,
    /// Nameplate energy capacity, Wh (> 0).
    pub capacity_wh: f64,
    /// Deepest allowed depth of discharge, in (0, 1].
    pub max_depth_of_discharge: f64,
    /// Fraction of charging power stored, in (0, 1].
    pub charge_efficiency: f64,
    /// Fraction of the energy drawn from storage delivered to the bus, in (0, 1].
    pub discharge_efficiency: f64,
    /// Energy per mass of the battery (cells and packaging), Wh/kg (> 0).
    pub specific_energy_wh_kg: f64,
    /// Specific heat of the battery, J/(kg·K) (> 0).
    pub specific_heat_j_kg_k: f64,
    /// State of charge at the start, in [1 − max DoD, 1].
    pub initial_state_of_charge: f64,
    /// Conductance from the battery to its mounting node, W/K (> 0).
    pub mount_conductance_w_k: f64,
    /// Initial temperature, K.
    pub initial_temperature_k: f64,
}

/// Where a battery sits in the network.
#[derive(Debug, Clone, PartialEq)]
pub struct BatteryNodes {
    /// Its node.
    pub node: NodeId,
    /// Index of its loss heat source in the network.
    pub heat_source: usize,
    /// Mass, kg.
    pub mass_kg: f64,
}

impl Battery {
    fn element(&self) -> String {
        format!("battery `{}`", self.name)
    }

    /// Mass: capacity over specific energy, kg.
    pub fn mass_kg(&self) -> f64 {
        self.capacity_wh / self.specific_energy_wh_kg
    }

    /// Checks every number, naming it.
    pub fn check(&self) -> Result<(), ComponentError> {
        let e = self.element();
        let bad = |quantity: &'static str, value: f64, allowed: &str| {
            Err(ComponentError::InvalidValue {
                component: e.clone(),
                quantity,
                value,
                allowed: allowed.to_string(),
            })
        };
        for (q, v) in [
            ("capacity_wh", self.capacity_wh),
            ("specific_energy_wh_kg", self.specific_energy_wh_kg),
            ("specific_heat_j_kg_k", self.specific_heat_j_kg_k),
            ("mount_conductance_w_k", self.mount_conductance_w_k),
            ("initial_temperature_k", self.initial_temperature_k),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return bad(q, v, "finite and > 0");
            }
        }
        for (q, v) in [
            ("max_depth_of_discharge", self.max_depth_of_discharge),
            ("charge_efficiency", self.charge_efficiency),
            ("discharge_efficiency", self.discharge_efficiency),
        ] {
            if !(v.is_finite() && v > 0.0 && v <= 1.0) {
                return bad(q, v, "0 < value <= 1");
            }
        }
        let soc = self.initial_state_of_charge;
        let floor = 1.0 - self.max_depth_of_discharge;
        if !(soc.is_finite() && soc >= floor - 1e-12 && soc <= 1.0) {
            return Err(ComponentError::InvalidValue {
                component: e,
                quantity: "initial_state_of_charge",
                value: soc,
                allowed: format!("{floor} (1 − max_depth_of_discharge) to 1"),
            });
        }
        Ok(())
    }

    /// Adds the battery's node, its mounting conductor to `mount` and its loss
    /// heat source (zero until the power budget sets it) to `net`.
    pub fn add_to(
        &self,
        net: &mut ThermalNetwork,
        mount: NodeId,
    ) -> Result<BatteryNodes, ComponentError> {
        self.check()?;
        let e = self.element();
        let wrap = |source| ComponentError::Network {
            component: e.clone(),
            source,
        };
        if mount >= net.node_count() {
            return Err(wrap(crate::error::NetworkError::NodeIndexOutOfRange {
                index: mount,
                count: net.node_count(),
            }));
        }
        let node = net
            .add_node(
                &self.name,
                NodeKind::Diffusion {
                    capacitance_j_k: self.mass_kg() * self.specific_heat_j_kg_k,
                },
                self.initial_temperature_k,
            )
            .map_err(wrap)?;
        net.add_linear(node, mount, self.mount_conductance_w_k)
            .map_err(wrap)?;
        let heat_source = net.sources().len();
        net.add_source(HeatSource {
            name: format!("{} losses", self.name),
            loads: vec![(node, 1.0)],
            profile: Profile::Constant(0.0),
        })
        .map_err(wrap)?;
        Ok(BatteryNodes {
            node,
            heat_source,
            mass_kg: self.mass_kg(),
        })
    }
}
