//! A solar array as a lumped node: absorbed sunlight, albedo and Earth
//! infrared on both faces, radiation from both faces to space, and the
//! electrical power it delivers taken out of the heat it absorbs.
//!
//! With `S_f` the sunlight incident on the front (W/m², after the cosine and the
//! lit fraction), the array of area `A` absorbs `α_f S_f A` and delivers
//!
//! ```text
//! P_el = η(T) p_f S_f A,   η(T) = η_ref (1 − d)^age (1 + β (T − T_ref))
//! ```
//!
//! (the linear temperature model of cell efficiency, Evans, *Solar Energy* 27,
//! 1981; Green, *Solar Cells*, 1982, §5.4, with β < 0), `p_f` the packing factor
//! (cell area over array area) and `d` the fractional loss per year. The heat
//! balance of the node is then
//!
//! ```text
//! C dT/dt = α_f A (S_f + E_a,f) + ε_f A E_ir,f + α_b A (S_b + E_a,b) + ε_b A E_ir,b
//!           − P_el(T) − (ε_f + ε_b) σ A (T⁴ − T_space⁴)
//! ```
//!
//! so energy is conserved: what leaves as electricity is not radiated. The
//! electrical term is a [`TemperatureDependentSource`] of the network. Albedo
//! light is not converted (its spectrum and angles are not modelled; the error
//! is a few percent of the power in LEO near the sub-solar point, conservative).

use crate::error::ComponentError;
use crate::mesh::Coating;
use crate::network::{
    HeatSource, NodeId, NodeKind, Profile, TemperatureDependentSource, ThermalNetwork,
};

/// How an array is pointed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ArrayPointing {
    /// The front face follows the Sun (two-axis tracking).
    SunTracking,
    /// The front face's outward normal is fixed in the body frame.
    Fixed {
        /// Outward unit normal of the front face, body frame.
        normal_body: [f64; 3],
    },
}

/// Fluxes incident on one face (W/m², on a surface that absorbs everything).
#[derive(Debug, Clone)]
pub struct IncidentFluxes {
    /// Direct sunlight on the face (cosine and lit fraction included).
    pub solar_w_m2: Profile,
    /// Earth-reflected sunlight.
    pub albedo_w_m2: Profile,
    /// Earth infrared.
    pub earth_ir_w_m2: Profile,
}

/// What falls on both faces of an array over time.
#[derive(Debug, Clone)]
pub struct ArrayIllumination {
    /// On the front (cell) face.
    pub front: IncidentFluxes,
    /// On the back face.
    pub back: IncidentFluxes,
}

/// A solar array.
#[derive(Debug, Clone)]
pub struct SolarArray {
    /// Name (its node's name).
    pub name: String,
    /// Array area (one face), m².
    pub area_m2: f64,
    /// Pointing.
    pub pointing: ArrayPointing,
    /// Cell efficiency at the reference temperature, beginning of life, in (0, 1).
    pub efficiency: f64,
    /// Temperature at which `efficiency` holds, K.
    pub reference_temperature_k: f64,
    /// Relative change of efficiency per kelvin, β (1/K; negative for solar cells).
    pub temperature_coefficient_per_k: f64,
    /// Cell area over array area, in (0, 1].
    pub packing_factor: f64,
    /// Fractional loss of output per year, in [0, 1).
    pub degradation_per_year: f64,
    /// Age of the array at the run, years (≥ 0).
    pub mission_age_years: f64,
    /// Front (cell) face: solar absorptance of the cell stack and its emissivity.
    pub front: Coating,
    /// Back face.
    pub back: Coating,
    /// Heat capacity per area, J/(m²·K) (> 0).
    pub areal_heat_capacity_j_m2_k: f64,
    /// Initial temperature, K.
    pub initial_temperature_k: f64,
}

/// Where an array sits in the network.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayNodes {
    /// Array name.
    pub name: String,
    /// Its node.
    pub node: NodeId,
    /// Array area, m².
    pub area_m2: f64,
    /// Efficiency at the reference temperature after degradation.
    pub efficiency_now: f64,
    /// Index (among the network's temperature-dependent sources) of the
    /// electrical output: its power is minus the electrical power delivered.
    pub electrical_source: usize,
}

impl SolarArray {
    fn element(&self) -> String {
        format!("array `{}`", self.name)
    }

    /// Efficiency at the reference temperature after `mission_age_years` of
    /// degradation: `η_ref (1 − d)^age`.
    pub fn efficiency_now(&self) -> f64 {
        self.efficiency * (1.0 - self.degradation_per_year).powf(self.mission_age_years)
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
        for (q, v) in [
            ("area_m2", self.area_m2),
            ("reference_temperature_k", self.reference_temperature_k),
            (
                "areal_heat_capacity_j_m2_k",
                self.areal_heat_capacity_j_m2_k,
            ),
            ("initial_temperature_k", self.initial_temperature_k),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return bad(q, v, "finite and > 0");
            }
        }
        let unit = |v: f64| v.is_finite() && v > 0.0 && v < 1.0;
        if !unit(self.efficiency) {
            return bad("efficiency", self.efficiency, "0 < efficiency < 1");
        }
        if !(self.packing_factor.is_finite()
            && self.packing_factor > 0.0
            && self.packing_factor <= 1.0)
        {
            return bad("packing_factor", self.packing_factor, "0 < packing <= 1");
        }
        let beta = self.temperature_coefficient_per_k;
        if !(beta.is_finite() && beta.abs() < 0.05) {
            return bad(
                "temperature_coefficient_per_k",
                beta,
                "finite, |β| < 0.05 per K (cells lose 0.1–0.5 % per K)",
            );
        }
        let d = self.degradation_per_year;
        if !(d.is_finite() && (0.0..1.0).contains(&d)) {
            return bad("degradation_per_year", d, "0 <= loss < 1");
        }
        let age = self.mission_age_years;
        if !(age.is_finite() && (0.0..=100.0).contains(&age)) {
            return bad("mission_age_years", age, "0 to 100");
        }
        for (face, c) in [("front", &self.front), ("back", &self.back)] {
            for (what, v) in [
                ("absorptivity", c.absorptivity),
                ("emissivity", c.emissivity),
            ] {
                if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                    return Err(ComponentError::InvalidValue {
                        component: format!("{e} {face} face"),
                        quantity: if what == "absorptivity" {
                            "absorptivity"
                        } else {
                            "emissivity"
                        },
                        value: v,
                        allowed: "0 to 1".into(),
                    });
                }
            }
        }
        let converted = self.efficiency * self.packing_factor;
        if self.front.absorptivity < converted {
            return Err(ComponentError::Inconsistent {
                component: e,
                reason: format!(
                    "the front face absorbs α = {} of the sunlight but the cells would convert \
                     η p_f = {converted:.4} of it to electricity: α must be at least η p_f",
                    self.front.absorptivity
                ),
            });
        }
        if let ArrayPointing::Fixed { normal_body } = self.pointing {
            let norm = normal_body.iter().map(|v| v * v).sum::<f64>().sqrt();
            if !(norm.is_finite() && (norm - 1.0).abs() < 1e-6) {
                return Err(ComponentError::InvalidValue {
                    component: e,
                    quantity: "normal length",
                    value: norm,
                    allowed: "a unit vector (finite, non-zero; normalise it)".into(),
                });
            }
        }
        Ok(())
    }

    /// Adds the array's node, its radiation to `space`, its absorbed fluxes and
    /// its electrical output to `net`. Checked first; nothing is added on error.
    pub fn add_to(
        &self,
        net: &mut ThermalNetwork,
        space: NodeId,
        illumination: &ArrayIllumination,
    ) -> Result<ArrayNodes, ComponentError> {
        self.check()?;
        let e = self.element();
        let wrap = |source| ComponentError::Network {
            component: e.clone(),
            source,
        };
        if space >= net.node_count() {
            return Err(wrap(crate::error::NetworkError::NodeIndexOutOfRange {
                index: space,
                count: net.node_count(),
            }));
        }
        let a = self.area_m2;
        let node = net
            .add_node(
                &self.name,
                NodeKind::Diffusion {
                    capacitance_j_k: self.areal_heat_capacity_j_m2_k * a,
                },
                self.initial_temperature_k,
            )
            .map_err(wrap)?;
        net.add_radiative(
            node,
            space,
            (self.front.emissivity + self.back.emissivity) * a,
        )
        .map_err(wrap)?;
        for (face, coating, fluxes) in [
            ("front", &self.front, &illumination.front),
            ("back", &self.back, &illumination.back),
        ] {
            for (what, weight, profile) in [
                ("solar", coating.absorptivity * a, &fluxes.solar_w_m2),
                ("albedo", coating.absorptivity * a, &fluxes.albedo_w_m2),
                ("Earth IR", coating.emissivity * a, &fluxes.earth_ir_w_m2),
            ] {
                if weight > 0.0 {
                    net.add_source(HeatSource {
                        name: format!("{} {face} {what}", self.name),
                        loads: vec![(node, weight)],
                        profile: profile.clone(),
                    })
                    .map_err(wrap)?;
                }
            }
        }
        let electrical_source = net.temperature_dependent_sources().len();
        net.add_temperature_dependent_source(TemperatureDependentSource {
            name: format!("{} electrical output", self.name),
            node,
            weight: -self.efficiency_now() * self.packing_factor * a,
            profile: illumination.front.solar_w_m2.clone(),
            coefficient_per_k: self.temperature_coefficient_per_k,
            reference_k: self.reference_temperature_k,
        })
        .map_err(wrap)?;
        Ok(ArrayNodes {
            name: self.name.clone(),
            node,
            area_m2: a,
            efficiency_now: self.efficiency_now(),
            electrical_source,
        })
    }
}
