//! The spacecraft tables of a case: GPU racks, coolant loops, radiator tubes on
//! panels, solar arrays, the battery and the power bus — their schema and how
//! they become [`crate::components`] in the network.
//!
//! ```toml
//! [racks.gpus]
//! gpu_count = 1000
//! power_per_gpu_w = 1000.0                 # or a table/harmonic duty profile
//! junction_to_case_k_w = 0.02              # per GPU
//! case_to_cold_plate_k_w = 0.01            # thermal interface, per GPU
//! cold_plate_to_coolant_k_w = 0.015        # 1/(hA) of one cold plate
//! junction_heat_capacity_j_k = 50.0        # per GPU; also case_…, cold_plate_…
//! junction_limit_k = 360.15
//! other_loads_w = 60000.0                  # CPUs, network
//! conversion_loss_fraction = 0.04
//! cold_plate_pressure_drop_pa = 40000.0
//!
//! [loops.main]
//! fluid = "water"                          # water | propylene_glycol_50 | ammonia | { … }
//! mass_flow_kg_s = 24.0
//! reference_temperature_k = 315.0          # properties taken here
//! route = ["gpus", "wing_1", "wing_2"]     # racks and panels, in flow order
//! pump_efficiency = 0.5
//!
//! [[panels.wing_1.tubes]]                  # parallel tubes on a panel, on one loop
//! loop = "main"
//! line_m = [[0.0, 0.1], [12.0, 0.1]]      # flow from the first point to the second
//! count = 25                               # this line and 24 copies …
//! pitch_m = [0.0, 0.2]                     # … each offset by this much from the last
//! inner_diameter_m = 0.008
//!
//! [arrays.main]
//! area_m2 = 4000.0
//! pointing = "sun"                         # or normal = [x, y, z] (body frame)
//! efficiency = 0.30
//! sink = "space"
//!
//! [battery]
//! capacity_wh = 200000.0
//! mount = "gpus.cold_plate"
//!
//! [power]
//! housekeeping_w = 20000.0
//! deficit_policy = "report"                # or "shed_gpu_load"
//! ```
//!
//! Length: every component's case table (its serde spec, checks by key and
//! conversion to the component) is kept beside the others, so a new component's
//! section is written next to its siblings.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::build::{defined_hint, Checker};
use super::orbit::{CaseOrbit, IncidentProfiles};
use super::schema::{CoatingSpec, ProfileSpec};
use super::{number_text, Case};
use crate::components::fluid::{Coolant, CustomFluid};
use crate::components::{
    ArrayIllumination, ArrayNodes, ArrayPointing, Battery, BatteryNodes, CoolantLoop, GpuRack,
    IncidentFluxes, LoopNodes, RackNodes, RadiatorTubes, RouteStop, SolarArray,
};
use crate::error::{ComponentError, InputError, InternalError};
use crate::mesh::Coating;
use crate::network::{NodeId, Profile, ThermalNetwork};
use crate::power::DeficitPolicy;

use super::build::PanelModel;

/// Absolute roughness of drawn tubing, m (Moody 1944; White, *Fluid Mechanics*, 4th ed.,
/// Table 6.1: drawn tubing 0.0015 mm): the default of a radiator tube.
pub const DEFAULT_TUBE_ROUGHNESS_M: f64 = 1.5e-6;
/// Specific heat of a lithium-ion battery, J/(kg·K): 0.8–1.1 kJ/(kg·K) measured on cells
/// (Maleki et al., *J. Electrochem. Soc.* 146, 947, 1999); the default.
pub const DEFAULT_BATTERY_SPECIFIC_HEAT_J_KG_K: f64 = 1000.0;

/// A GPU rack (`[racks.NAME]`): identical GPUs as one lumped chain.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RackSpec {
    /// Number of identical GPUs.
    pub gpu_count: i64,
    /// Electrical power of one GPU, W (number, table or harmonic).
    pub power_per_gpu_w: ProfileSpec,
    /// Junction-to-case resistance of one GPU, K/W.
    pub junction_to_case_k_w: f64,
    /// Case-to-cold-plate (thermal interface) resistance of one GPU, K/W.
    pub case_to_cold_plate_k_w: f64,
    /// Convective resistance from one cold plate to the coolant, 1/(hA), K/W.
    pub cold_plate_to_coolant_k_w: f64,
    /// Heat capacity of one GPU's die and package, J/K.
    pub junction_heat_capacity_j_k: f64,
    /// Heat capacity of one GPU's lid, J/K.
    pub case_heat_capacity_j_k: f64,
    /// Heat capacity of one GPU's cold plate, J/K.
    pub cold_plate_heat_capacity_j_k: f64,
    /// Heat capacity of the coolant held in the rack, J/K (default 0: massless).
    #[serde(default)]
    pub coolant_heat_capacity_j_k: Option<f64>,
    /// Highest allowed junction temperature, K.
    pub junction_limit_k: f64,
    /// Other electrical loads of the rack, W (default 0).
    #[serde(default)]
    pub other_loads_w: Option<ProfileSpec>,
    /// Fraction of the rack's electrical input lost in power conversion (default 0).
    #[serde(default)]
    pub conversion_loss_fraction: Option<f64>,
    /// Pressure drop across the rack's cold plates and manifolds, Pa (default 0).
    #[serde(default)]
    pub cold_plate_pressure_drop_pa: Option<f64>,
    /// Initial temperature, K.
    #[serde(default)]
    pub initial_temperature_k: Option<f64>,
}

/// A coolant: a built-in name or explicit constant properties.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FluidSpec {
    /// `water`, `propylene_glycol_50` or `ammonia`.
    Named(String),
    /// Constant properties.
    Custom(CustomFluidSpec),
}

/// A coolant given by its properties (constant over its range).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomFluidSpec {
    /// Name for reports.
    pub name: String,
    /// Density, kg/m³.
    pub density_kg_m3: f64,
    /// Specific heat, J/(kg·K).
    pub specific_heat_j_kg_k: f64,
    /// Dynamic viscosity, Pa·s.
    pub viscosity_pa_s: f64,
    /// Thermal conductivity, W/(m·K).
    pub conductivity_w_m_k: f64,
    /// Freezing point, K.
    pub freezing_point_k: f64,
    /// Lowest temperature the properties hold at, K.
    pub min_temperature_k: f64,
    /// Highest temperature the properties hold at, K.
    pub max_temperature_k: f64,
}

/// A pumped coolant loop (`[loops.NAME]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoopSpec {
    /// The coolant.
    pub fluid: FluidSpec,
    /// Mass flow, kg/s.
    pub mass_flow_kg_s: f64,
    /// Temperature at which the coolant's properties are taken, K (default: the initial temperature).
    #[serde(default)]
    pub reference_temperature_k: Option<f64>,
    /// Racks and panels in flow order.
    pub route: Vec<String>,
    /// Pump efficiency (hydraulic over electrical), default 0.5.
    #[serde(default)]
    pub pump_efficiency: Option<f64>,
    /// Pressure drop of the plumbing outside racks and radiators, Pa (default 0).
    #[serde(default)]
    pub other_pressure_drop_pa: Option<f64>,
    /// Coolant volume outside the radiator tubes, m³ (default 0).
    #[serde(default)]
    pub volume_outside_radiators_m3: Option<f64>,
    /// Initial temperature of the coolant, K.
    #[serde(default)]
    pub initial_temperature_k: Option<f64>,
}

/// Tubes on a panel (`[[panels.NAME.tubes]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TubeSpec {
    /// The loop the tubes belong to.
    #[serde(rename = "loop")]
    pub loop_name: String,
    /// The first tube's line `[[x0, y0], [x1, y1]]`, m; the flow runs from the first point.
    pub line_m: [[f64; 2]; 2],
    /// Number of parallel tubes (default 1).
    #[serde(default)]
    pub count: Option<i64>,
    /// Offset `[dx, dy]` (m) of each tube from the previous one (needed when count > 1).
    #[serde(default)]
    pub pitch_m: Option<[f64; 2]>,
    /// Inner diameter, m.
    pub inner_diameter_m: f64,
    /// Wall roughness, m (default drawn tubing, 1.5e-6 m).
    #[serde(default)]
    pub roughness_m: Option<f64>,
    /// Conductance per metre through the tube wall and bond, W/(m·K) (default: perfect bond).
    #[serde(default)]
    pub bond_conductance_w_m_k: Option<f64>,
}

/// How an array points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointingSpec {
    /// The front follows the Sun.
    Sun,
    /// The front's normal is fixed in the body frame (`normal`).
    Fixed,
}

/// A solar array (`[arrays.NAME]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArraySpec {
    /// Area of one face, m².
    pub area_m2: f64,
    /// `sun` (default) or `fixed` with `normal`.
    #[serde(default)]
    pub pointing: Option<PointingSpec>,
    /// Outward normal of the front face in the body frame (fixed arrays).
    #[serde(default)]
    pub normal: Option<[f64; 3]>,
    /// Cell efficiency at the reference temperature, beginning of life.
    pub efficiency: f64,
    /// Temperature of the rated efficiency, K (default 301.15 K, 28 °C).
    #[serde(default)]
    pub reference_temperature_k: Option<f64>,
    /// Relative efficiency change per K (default −0.0022 /K).
    #[serde(default)]
    pub temperature_coefficient_per_k: Option<f64>,
    /// Cell area over array area (default 0.9).
    #[serde(default)]
    pub packing_factor: Option<f64>,
    /// Output lost per year (default 0).
    #[serde(default)]
    pub degradation_per_year: Option<f64>,
    /// Age at the run, years (default 0).
    #[serde(default)]
    pub mission_age_years: Option<f64>,
    /// Coating of the front (cell) face (from `[coatings]`).
    pub front_coating: String,
    /// Coating of the back face.
    pub back_coating: String,
    /// Heat capacity per area, J/(m²·K).
    pub areal_heat_capacity_j_m2_k: f64,
    /// Node both faces radiate to (deep space).
    pub sink: String,
    /// Initial temperature, K.
    #[serde(default)]
    pub initial_temperature_k: Option<f64>,
}

/// The battery (`[battery]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatterySpec {
    /// Name of its node (default `battery`).
    #[serde(default)]
    pub name: Option<String>,
    /// Capacity, Wh.
    pub capacity_wh: f64,
    /// Deepest allowed depth of discharge (default 0.8).
    #[serde(default)]
    pub max_depth_of_discharge: Option<f64>,
    /// Charge efficiency (default 0.95).
    #[serde(default)]
    pub charge_efficiency: Option<f64>,
    /// Discharge efficiency (default 0.95).
    #[serde(default)]
    pub discharge_efficiency: Option<f64>,
    /// Specific energy, Wh/kg (default 150).
    #[serde(default)]
    pub specific_energy_wh_kg: Option<f64>,
    /// Specific heat, J/(kg·K) (default 1000).
    #[serde(default)]
    pub specific_heat_j_kg_k: Option<f64>,
    /// Initial state of charge (default 1).
    #[serde(default)]
    pub initial_state_of_charge: Option<f64>,
    /// Node the battery is mounted on.
    pub mount: String,
    /// Conductance to the mount, W/K.
    pub mount_conductance_w_k: f64,
    /// Initial temperature, K.
    #[serde(default)]
    pub initial_temperature_k: Option<f64>,
}

/// What the bus does on a deficit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeficitPolicySpec {
    /// Report the deficit.
    Report,
    /// Shed GPU load.
    ShedGpuLoad,
}

/// The power bus (`[power]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerSpec {
    /// Array regulation and distribution efficiency, array to loads (default 0.95).
    #[serde(default)]
    pub bus_efficiency: Option<f64>,
    /// Housekeeping loads, W (default 0).
    #[serde(default)]
    pub housekeeping_w: Option<ProfileSpec>,
    /// What to do when arrays and battery cannot carry the load (default `report`).
    #[serde(default)]
    pub deficit_policy: Option<DeficitPolicySpec>,
}

/// The spacecraft parts of a built model.
#[derive(Debug, Clone)]
pub struct Spacecraft {
    /// Racks with their nodes, in name order.
    pub racks: Vec<(GpuRack, RackNodes)>,
    /// Loops with their nodes, in name order.
    pub loops: Vec<LoopNodes>,
    /// Arrays with their nodes, in name order.
    pub arrays: Vec<(SolarArray, ArrayNodes)>,
    /// The battery.
    pub battery: Option<(Battery, BatteryNodes)>,
    /// The bus.
    pub bus: Bus,
    /// Sunlight on each array's front face (W/m², same order as `arrays`), resolved in
    /// time even when the run's loads are orbit averages: the power budget's input.
    pub array_sunlight: Vec<Profile>,
}

/// The power bus as built.
#[derive(Debug, Clone)]
pub struct Bus {
    /// Array regulation and distribution efficiency.
    pub efficiency: f64,
    /// Housekeeping loads, W.
    pub housekeeping_w: Profile,
    /// Policy on a deficit.
    pub policy: DeficitPolicy,
}

impl Spacecraft {
    /// True when there is nothing spacecraft-like in the case.
    pub fn is_empty(&self) -> bool {
        self.racks.is_empty()
            && self.loops.is_empty()
            && self.arrays.is_empty()
            && self.battery.is_none()
    }

    /// Whether a power budget can be drawn up: arrays or a battery.
    pub fn has_power_system(&self) -> bool {
        !self.arrays.is_empty() || self.battery.is_some()
    }
}

/// The tubes of one panel on one loop, gathered from its `tubes` entries.
#[derive(Debug, Clone, Default)]
pub(super) struct PanelTubes {
    lines_m: Vec<[[f64; 2]; 2]>,
    inner_diameter_m: f64,
    roughness_m: f64,
    bond_conductance_w_m_k: Option<f64>,
    key: String,
}

/// Tubes per `(panel, loop)`, from every panel's `tubes` entries.
pub(super) type TubesByPanel = BTreeMap<(String, String), PanelTubes>;

/// Checks a panel's `tubes` entries and adds them to `out` (laid out, not yet in the network).
/// Every tube, copies included, must lie inside the panel's `extent_m = [length, width]`
/// (panel coordinates run from the corner `(0, 0)`).
pub(super) fn collect_tubes(
    ck: &Checker,
    case: &Case,
    panel: &str,
    extent_m: [f64; 2],
    tubes: &[TubeSpec],
    out: &mut TubesByPanel,
) -> Result<(), InputError> {
    for (i, t) in tubes.iter().enumerate() {
        let key = |k: &str| format!("panels.{panel}.tubes[{i}].{k}");
        if !case.spec.loops.contains_key(&t.loop_name) {
            return Err(InputError::UndefinedReference {
                file: case.file.clone(),
                key: key("loop"),
                name: t.loop_name.clone(),
                hint: defined_hint(case.spec.loops.keys()),
            });
        }
        for (p, point) in t.line_m.iter().enumerate() {
            for (c, v) in point.iter().enumerate() {
                ck.number(
                    &format!("{}[{p}][{c}]", key("line_m")),
                    *v,
                    |_| true,
                    "finite",
                )?;
            }
        }
        let count = ck.number(
            &key("count"),
            t.count.unwrap_or(1) as f64,
            |v| (1.0..=100_000.0).contains(&v),
            "1 to 100000",
        )? as usize;
        let pitch = match (t.pitch_m, count) {
            (Some(p), _) => {
                for (c, v) in p.iter().enumerate() {
                    ck.coordinate(&format!("{}[{c}]", key("pitch_m")), *v)?;
                }
                p
            }
            (None, 1) => [0.0, 0.0],
            (None, _) => {
                return Err(ck.inconsistent(
                    &key("pitch_m"),
                    "missing; count > 1 needs the offset [dx, dy] between tubes",
                ))
            }
        };
        let d = ck.length(&key("inner_diameter_m"), t.inner_diameter_m)?;
        let roughness = ck.magnitude(
            &key("roughness_m"),
            t.roughness_m.unwrap_or(DEFAULT_TUBE_ROUGHNESS_M),
            false,
        )?;
        let bond = match t.bond_conductance_w_m_k {
            Some(g) => Some(ck.magnitude(&key("bond_conductance_w_m_k"), g, true)?),
            None => None,
        };
        let entry = out
            .entry((panel.to_string(), t.loop_name.clone()))
            .or_insert_with(|| PanelTubes {
                inner_diameter_m: d,
                roughness_m: roughness,
                bond_conductance_w_m_k: bond,
                key: format!("panels.{panel}.tubes"),
                ..Default::default()
            });
        if entry.inner_diameter_m != d
            || entry.roughness_m != roughness
            || entry.bond_conductance_w_m_k != bond
        {
            return Err(ck.inconsistent(
                &key("inner_diameter_m"),
                format!(
                    "the tubes of panel `{panel}` on loop `{}` run in parallel and must share \
                     inner_diameter_m, roughness_m and bond_conductance_w_m_k",
                    t.loop_name
                ),
            ));
        }
        for k in 0..count {
            let off = [pitch[0] * k as f64, pitch[1] * k as f64];
            let [a, b] = t.line_m;
            let line = [
                [a[0] + off[0], a[1] + off[1]],
                [b[0] + off[0], b[1] + off[1]],
            ];
            if let Some(reason) = outside_panel(line, extent_m, k, count) {
                return Err(ck.inconsistent(&key("line_m"), reason));
            }
            entry.lines_m.push(line);
        }
    }
    Ok(())
}

/// Why tube copy `k` of `count`, `line` (m), does not lie inside a panel of `extent_m`, if it
/// does not. Points on the edges are inside; a relative 1e-9 of the extent absorbs the
/// round-off of `line_m + k·pitch_m`.
fn outside_panel(
    line: [[f64; 2]; 2],
    extent_m: [f64; 2],
    k: usize,
    count: usize,
) -> Option<String> {
    let slack = |c: usize| 1e-9 * extent_m[c].abs().max(1.0);
    let inside = |p: [f64; 2]| (0..2).all(|c| p[c] >= -slack(c) && p[c] <= extent_m[c] + slack(c));
    let [a, b] = line;
    if a == b {
        return Some("the tube's two points coincide; a tube needs a length".into());
    }
    if inside(a) && inside(b) {
        return None;
    }
    let which = if count > 1 {
        format!("copy {} of {count} (line_m + {k} × pitch_m)", k + 1)
    } else {
        "the tube".into()
    };
    Some(format!(
        "{which} runs from ({}, {}) m to ({}, {}) m, outside the panel's 0–{} m × 0–{} m; \
         both points must lie inside it",
        number_text(a[0]),
        number_text(a[1]),
        number_text(b[0]),
        number_text(b[1]),
        number_text(extent_m[0]),
        number_text(extent_m[1]),
    ))
}

/// Range checks for the spacecraft tables, then the components in the network.
pub(super) struct SpacecraftBuilder<'a> {
    pub ck: &'a Checker<'a>,
    pub case: &'a Case,
    pub orbit: Option<&'a CaseOrbit>,
}

impl SpacecraftBuilder<'_> {
    fn component(&self, key: &str, e: ComponentError) -> InputError {
        match e {
            ComponentError::InvalidValue {
                quantity,
                value,
                allowed,
                ..
            } => InputError::OutOfRange {
                file: self.case.file.clone(),
                key: format!("{key}.{quantity}"),
                value: value.to_string(),
                allowed,
            },
            ComponentError::OutsidePropertyRange {
                fluid,
                temperature_k,
                min_k,
                max_k,
                ..
            } => self.ck.inconsistent(
                key,
                format!(
                    "fluid `{fluid}` has properties from {min_k} K to {max_k} K; \
                     {temperature_k} K is outside them (set reference_temperature_k)"
                ),
            ),
            ComponentError::Inconsistent { reason, .. } => self.ck.inconsistent(key, reason),
            ComponentError::Network { source, .. } => self.ck.model(source),
            // Not the case's fault: passed on as it is, so it is reported as a bug.
            ComponentError::Internal(e) => InputError::Internal(e),
        }
    }

    fn rack(&self, name: &str, r: &RackSpec) -> Result<(GpuRack, f64), InputError> {
        let ck = self.ck;
        let key = |k: &str| format!("racks.{name}.{k}");
        let count = ck.number(
            &key("gpu_count"),
            r.gpu_count as f64,
            |v| (1.0..=1.0e7).contains(&v),
            "1 to 10,000,000",
        )?;
        let power = ck.profile(
            &key("power_per_gpu_w"),
            &r.power_per_gpu_w,
            |v| (0.0..=1.0e5).contains(&v),
            "0 to 100,000 W",
        )?;
        let other = match &r.other_loads_w {
            Some(p) => ck.profile(
                &key("other_loads_w"),
                p,
                |v| (0.0..=1.0e10).contains(&v),
                "0 to 1e10 W",
            )?,
            None => Profile::Constant(0.0),
        };
        let dp = ck.magnitude(
            &key("cold_plate_pressure_drop_pa"),
            r.cold_plate_pressure_drop_pa.unwrap_or(0.0),
            false,
        )?;
        let positive = |k: &str, v: f64| ck.magnitude(&key(k), v, true);
        let rack = GpuRack {
            name: name.to_string(),
            gpu_count: count as u32,
            power_per_gpu_w: power,
            junction_to_case_k_w: positive("junction_to_case_k_w", r.junction_to_case_k_w)?,
            case_to_cold_plate_k_w: positive("case_to_cold_plate_k_w", r.case_to_cold_plate_k_w)?,
            cold_plate_to_coolant_k_w: positive(
                "cold_plate_to_coolant_k_w",
                r.cold_plate_to_coolant_k_w,
            )?,
            junction_heat_capacity_j_k: positive(
                "junction_heat_capacity_j_k",
                r.junction_heat_capacity_j_k,
            )?,
            case_heat_capacity_j_k: positive("case_heat_capacity_j_k", r.case_heat_capacity_j_k)?,
            cold_plate_heat_capacity_j_k: positive(
                "cold_plate_heat_capacity_j_k",
                r.cold_plate_heat_capacity_j_k,
            )?,
            coolant_heat_capacity_j_k: ck.magnitude(
                &key("coolant_heat_capacity_j_k"),
                r.coolant_heat_capacity_j_k.unwrap_or(0.0),
                false,
            )?,
            junction_limit_k: ck.temperature(&key("junction_limit_k"), r.junction_limit_k, true)?,
            other_loads_w: other,
            conversion_loss_fraction: ck.number(
                &key("conversion_loss_fraction"),
                r.conversion_loss_fraction.unwrap_or(0.0),
                |v| (0.0..1.0).contains(&v),
                "0 to 1 (1 excluded)",
            )?,
            initial_temperature_k: ck.temperature(
                &key("initial_temperature_k"),
                r.initial_temperature_k
                    .unwrap_or(super::build::DEFAULT_INITIAL_TEMPERATURE_K),
                true,
            )?,
        };
        Ok((rack, dp))
    }

    fn coolant(&self, key: &str, f: &FluidSpec) -> Result<Coolant, InputError> {
        match f {
            FluidSpec::Named(n) => {
                Coolant::by_name(n).ok_or_else(|| InputError::UndefinedReference {
                    file: self.case.file.clone(),
                    key: key.to_string(),
                    name: n.clone(),
                    hint: format!(
                        "; built-in coolants: {}; or give a table of properties",
                        Coolant::builtin_names().join(", ")
                    ),
                })
            }
            FluidSpec::Custom(c) => CustomFluid::new(
                &c.name,
                crate::components::fluid::FluidProperties {
                    density_kg_m3: c.density_kg_m3,
                    specific_heat_j_kg_k: c.specific_heat_j_kg_k,
                    viscosity_pa_s: c.viscosity_pa_s,
                    conductivity_w_m_k: c.conductivity_w_m_k,
                },
                c.freezing_point_k,
                (c.min_temperature_k, c.max_temperature_k),
            )
            .map(Coolant::Custom)
            .map_err(|e| self.component(key, e)),
        }
    }

    fn coating(&self, key: &str, name: &str) -> Result<Coating, InputError> {
        let spec = &self.case.spec;
        let c: &CoatingSpec =
            spec.coatings
                .get(name)
                .ok_or_else(|| InputError::UndefinedReference {
                    file: self.case.file.clone(),
                    key: key.to_string(),
                    name: name.to_string(),
                    hint: defined_hint(spec.coatings.keys()),
                })?;
        Ok(Coating {
            absorptivity: self
                .ck
                .fraction(&format!("coatings.{name}.absorptivity"), c.absorptivity)?,
            emissivity: self
                .ck
                .fraction(&format!("coatings.{name}.emissivity"), c.emissivity)?,
        })
    }

    /// Builds every rack, loop, array and the battery into `net`; component
    /// nodes join `nodes` under their names.
    pub fn build(
        &self,
        net: &mut ThermalNetwork,
        nodes: &mut BTreeMap<String, NodeId>,
        panels: &[PanelModel],
        tubes: &TubesByPanel,
    ) -> Result<Spacecraft, InputError> {
        let spec = &self.case.spec;
        let ck = self.ck;
        let mut racks: BTreeMap<&str, (GpuRack, f64)> = BTreeMap::new();
        for (name, r) in &spec.racks {
            racks.insert(name, self.rack(name, r)?);
        }
        // Every rack on exactly one loop; every route stop defined once.
        let mut rack_loop: BTreeMap<&str, &str> = BTreeMap::new();
        for (lname, l) in &spec.loops {
            for (i, stop) in l.route.iter().enumerate() {
                let key = format!("loops.{lname}.route[{i}]");
                let is_rack = racks.contains_key(stop.as_str());
                let is_panel = panels.iter().any(|p| &p.name == stop);
                if !is_rack && !is_panel {
                    return Err(InputError::UndefinedReference {
                        file: self.case.file.clone(),
                        key,
                        name: stop.clone(),
                        hint: defined_hint(spec.racks.keys().chain(panels.iter().map(|p| &p.name))),
                    });
                }
                if l.route[..i].contains(stop) {
                    return Err(ck.inconsistent(&key, format!("`{stop}` is on the route twice")));
                }
                if is_rack {
                    if let Some(other) = rack_loop.insert(stop, lname) {
                        return Err(ck.inconsistent(
                            &key,
                            format!("rack `{stop}` is already on loop `{other}`; a rack's cold plates are on one loop"),
                        ));
                    }
                }
                if is_panel && !tubes.contains_key(&(stop.clone(), lname.clone())) {
                    return Err(ck.inconsistent(
                        &key,
                        format!("panel `{stop}` has no tubes on loop `{lname}`: add [[panels.{stop}.tubes]] with loop = \"{lname}\""),
                    ));
                }
            }
        }
        for name in racks.keys() {
            if !rack_loop.contains_key(name) {
                return Err(ck.inconsistent(
                    &format!("racks.{name}"),
                    "the rack is on no loop's route: nothing would cool it; add it to a [loops.NAME] route",
                ));
            }
        }
        for ((panel, lname), t) in tubes {
            if !spec.loops[lname].route.contains(panel) {
                return Err(ck.inconsistent(
                    &t.key,
                    format!("tubes on loop `{lname}`, whose route does not pass panel `{panel}`: add it to loops.{lname}.route"),
                ));
            }
        }

        let mut built_racks = Vec::new();
        let mut loops = Vec::new();
        for (lname, l) in &spec.loops {
            let key = |k: &str| format!("loops.{lname}.{k}");
            let coolant = self.coolant(&key("fluid"), &l.fluid)?;
            let initial = ck.temperature(
                &key("initial_temperature_k"),
                l.initial_temperature_k
                    .unwrap_or(super::build::DEFAULT_INITIAL_TEMPERATURE_K),
                true,
            )?;
            let reference = ck.temperature(
                &key("reference_temperature_k"),
                l.reference_temperature_k.unwrap_or(initial),
                true,
            )?;
            let lp = CoolantLoop {
                name: lname.clone(),
                coolant,
                reference_temperature_k: reference,
                mass_flow_kg_s: ck.number(
                    &key("mass_flow_kg_s"),
                    l.mass_flow_kg_s,
                    |v| v > 0.0 && v <= 1.0e5,
                    "> 0 and ≤ 1e5 kg/s",
                )?,
                pump_efficiency: ck.number(
                    &key("pump_efficiency"),
                    l.pump_efficiency.unwrap_or(0.5),
                    |v| v > 0.0 && v <= 1.0,
                    "0 < efficiency ≤ 1",
                )?,
                other_pressure_drop_pa: ck.magnitude(
                    &key("other_pressure_drop_pa"),
                    l.other_pressure_drop_pa.unwrap_or(0.0),
                    false,
                )?,
                volume_outside_radiators_m3: ck.magnitude(
                    &key("volume_outside_radiators_m3"),
                    l.volume_outside_radiators_m3.unwrap_or(0.0),
                    false,
                )?,
                initial_temperature_k: initial,
            };
            let mut route = Vec::with_capacity(l.route.len());
            for stop in &l.route {
                if let Some((rack, dp)) = racks.get(stop.as_str()) {
                    route.push(RouteStop::Rack {
                        rack,
                        pressure_drop_pa: *dp,
                    });
                } else if let Some(p) = panels.iter().find(|p| &p.name == stop) {
                    let t = &tubes[&(stop.clone(), lname.clone())];
                    route.push(RouteStop::Radiator(RadiatorTubes {
                        panel: &p.nodes,
                        lines_m: t.lines_m.clone(),
                        inner_diameter_m: t.inner_diameter_m,
                        roughness_m: t.roughness_m,
                        bond_conductance_w_m_k: t.bond_conductance_w_m_k,
                    }));
                }
            }
            let built = lp
                .add_to(net, &route)
                .map_err(|e| self.component(&format!("loops.{lname}"), e))?;
            for stop in &built.stops {
                if let crate::components::StopNodes::Rack(r) = stop {
                    if let Some((rack, _)) = racks.get(r.name.as_str()) {
                        built_racks.push((rack.clone(), r.clone()));
                    }
                }
            }
            loops.push(built);
        }
        built_racks.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        for (_, r) in &built_racks {
            for (part, id) in [
                ("junction", r.junction),
                ("case", r.case),
                ("cold_plate", r.cold_plate),
                ("coolant", r.coolant_out),
            ] {
                nodes.insert(format!("{}.{part}", r.name), id);
            }
        }
        for l in &loops {
            nodes.insert(format!("{}.pump", l.name), l.pump);
        }

        let mut arrays = Vec::new();
        let mut array_sunlight = Vec::new();
        for (name, a) in &spec.arrays {
            let (array, built, sunlight) = self.array(net, nodes, name, a)?;
            arrays.push((array, built));
            array_sunlight.push(sunlight);
        }
        let battery = match &spec.battery {
            Some(b) => Some(self.battery(net, nodes, b)?),
            None => None,
        };
        let bus = match &spec.power {
            Some(p) => Bus {
                efficiency: ck.number(
                    "power.bus_efficiency",
                    p.bus_efficiency.unwrap_or(0.95),
                    |v| v > 0.0 && v <= 1.0,
                    "0 < efficiency <= 1",
                )?,
                housekeeping_w: match &p.housekeeping_w {
                    Some(h) => ck.profile(
                        "power.housekeeping_w",
                        h,
                        |v| (0.0..=1.0e10).contains(&v),
                        "0 to 1e10 W",
                    )?,
                    None => Profile::Constant(0.0),
                },
                policy: match p.deficit_policy.unwrap_or(DeficitPolicySpec::Report) {
                    DeficitPolicySpec::Report => DeficitPolicy::Report,
                    DeficitPolicySpec::ShedGpuLoad => DeficitPolicy::ShedGpuLoad,
                },
            },
            None => Bus {
                efficiency: 0.95,
                housekeeping_w: Profile::Constant(0.0),
                policy: DeficitPolicy::Report,
            },
        };
        Ok(Spacecraft {
            racks: built_racks,
            loops,
            arrays,
            battery,
            bus,
            array_sunlight,
        })
    }

    fn array(
        &self,
        net: &mut ThermalNetwork,
        nodes: &mut BTreeMap<String, NodeId>,
        name: &str,
        a: &ArraySpec,
    ) -> Result<(SolarArray, ArrayNodes, Profile), InputError> {
        let ck = self.ck;
        let key = |k: &str| format!("arrays.{name}.{k}");
        let orbit = self.orbit.ok_or_else(|| {
            ck.inconsistent(
                &format!("arrays.{name}"),
                "a solar array needs the orbit's sunlight: add an [orbit] table",
            )
        })?;
        let pointing = match (a.pointing.unwrap_or(if a.normal.is_some() {
            PointingSpec::Fixed
        } else {
            PointingSpec::Sun
        }), a.normal) {
            (PointingSpec::Sun, None) => ArrayPointing::SunTracking,
            (PointingSpec::Sun, Some(_)) => {
                return Err(ck.inconsistent(
                    &key("normal"),
                    "a sun-tracking array has no fixed normal; remove normal or set pointing = \"fixed\"",
                ))
            }
            (PointingSpec::Fixed, Some(n)) => {
                let len = n.iter().map(|v| v * v).sum::<f64>().sqrt();
                if !(len.is_finite() && len > 1e-9) {
                    return Err(ck.inconsistent(
                        &key("normal"),
                        format!("{n:?} has no direction: give a non-zero vector"),
                    ));
                }
                ArrayPointing::Fixed {
                    normal_body: [n[0] / len, n[1] / len, n[2] / len],
                }
            }
            (PointingSpec::Fixed, None) => {
                return Err(ck.inconsistent(
                    &key("normal"),
                    "missing; a fixed array needs its front face's outward normal (body frame)",
                ))
            }
        };
        let sink = ck.node(&key("sink"), &a.sink, nodes)?;
        let area = ck.area(&key("area_m2"), a.area_m2)?;
        let array = SolarArray {
            name: name.to_string(),
            area_m2: ck.positive(&key("area_m2"), area)?,
            pointing,
            efficiency: a.efficiency,
            reference_temperature_k: ck.temperature(
                &key("reference_temperature_k"),
                a.reference_temperature_k.unwrap_or(301.15),
                true,
            )?,
            temperature_coefficient_per_k: a.temperature_coefficient_per_k.unwrap_or(-0.0022),
            packing_factor: a.packing_factor.unwrap_or(0.9),
            degradation_per_year: a.degradation_per_year.unwrap_or(0.0),
            mission_age_years: a.mission_age_years.unwrap_or(0.0),
            front: self.coating(&key("front_coating"), &a.front_coating)?,
            back: self.coating(&key("back_coating"), &a.back_coating)?,
            areal_heat_capacity_j_m2_k: ck.magnitude(
                &key("areal_heat_capacity_j_m2_k"),
                a.areal_heat_capacity_j_m2_k,
                true,
            )?,
            initial_temperature_k: ck.temperature(
                &key("initial_temperature_k"),
                a.initial_temperature_k
                    .unwrap_or(super::build::DEFAULT_INITIAL_TEMPERATURE_K),
                true,
            )?,
        };
        let to_fluxes = |p: IncidentProfiles| IncidentFluxes {
            solar_w_m2: p.solar,
            albedo_w_m2: p.albedo,
            earth_ir_w_m2: p.earth_ir,
        };
        let resolved = orbit.time_resolved();
        let (illumination, sunlight) = match pointing {
            ArrayPointing::SunTracking => {
                let (front, back) = orbit.sun_tracking_profiles();
                let sunlight = if orbit.averaged_over_s.is_some() {
                    resolved.sun_tracking_profiles().0.solar
                } else {
                    front.solar.clone()
                };
                let illumination = ArrayIllumination {
                    front: to_fluxes(front),
                    back: to_fluxes(back),
                };
                (illumination, sunlight)
            }
            ArrayPointing::Fixed { .. } => {
                let face = |side: &str| {
                    orbit
                        .surface_index(&array_surface_name(name, side))
                        .ok_or_else(|| {
                            InputError::from(InternalError::new(format!(
                                "arrays.{name}: the array's faces are missing from the orbit's \
                                 surfaces"
                            )))
                        })
                };
                let front = face("front")?;
                let illumination = ArrayIllumination {
                    front: to_fluxes(orbit.incident_profiles(front)),
                    back: to_fluxes(orbit.incident_profiles(face("back")?)),
                };
                (illumination, resolved.incident_profiles(front).solar)
            }
        };
        let built = array
            .add_to(net, sink, &illumination)
            .map_err(|e| self.component(&format!("arrays.{name}"), e))?;
        nodes.insert(name.to_string(), built.node);
        Ok((array, built, sunlight))
    }

    fn battery(
        &self,
        net: &mut ThermalNetwork,
        nodes: &mut BTreeMap<String, NodeId>,
        b: &BatterySpec,
    ) -> Result<(Battery, BatteryNodes), InputError> {
        let ck = self.ck;
        let mount = ck.node("battery.mount", &b.mount, nodes)?;
        let battery = Battery {
            name: b.name.clone().unwrap_or_else(|| "battery".into()),
            capacity_wh: ck.magnitude("battery.capacity_wh", b.capacity_wh, true)?,
            max_depth_of_discharge: b.max_depth_of_discharge.unwrap_or(0.8),
            charge_efficiency: b.charge_efficiency.unwrap_or(0.95),
            discharge_efficiency: b.discharge_efficiency.unwrap_or(0.95),
            specific_energy_wh_kg: b.specific_energy_wh_kg.unwrap_or(150.0),
            specific_heat_j_kg_k: b
                .specific_heat_j_kg_k
                .unwrap_or(DEFAULT_BATTERY_SPECIFIC_HEAT_J_KG_K),
            initial_state_of_charge: b.initial_state_of_charge.unwrap_or(1.0),
            mount_conductance_w_k: ck.magnitude(
                "battery.mount_conductance_w_k",
                b.mount_conductance_w_k,
                true,
            )?,
            initial_temperature_k: ck.temperature(
                "battery.initial_temperature_k",
                b.initial_temperature_k
                    .unwrap_or(super::build::DEFAULT_INITIAL_TEMPERATURE_K),
                true,
            )?,
        };
        let built = battery
            .add_to(net, mount)
            .map_err(|e| self.component("battery", e))?;
        nodes.insert(battery.name.clone(), built.node);
        Ok((battery, built))
    }
}

/// Name of the orbit surface that carries a fixed array's face (`front` or `back`).
pub(super) fn array_surface_name(array: &str, side: &str) -> String {
    format!("array {array} {side}")
}

/// The `[[surfaces]]`-like entries a case's fixed arrays add to its orbit:
/// `(name, outward normal)` per face.
pub(super) fn fixed_array_faces(spec: &super::CaseFile) -> Vec<(String, [f64; 3])> {
    let mut out = Vec::new();
    for (name, a) in &spec.arrays {
        if let Some(n) = a.normal {
            let len = n.iter().map(|v| v * v).sum::<f64>().sqrt();
            if len.is_finite() && len > 1e-9 {
                let u = [n[0] / len, n[1] / len, n[2] / len];
                out.push((array_surface_name(name, "front"), u));
                out.push((array_surface_name(name, "back"), [-u[0], -u[1], -u[2]]));
            }
        }
    }
    out
}
