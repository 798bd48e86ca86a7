//! Built-in accelerators, materials and the mass and power figures of the other subsystems,
//! each with its source (or, where no primary source could be checked, said so).

use super::section::GpuChain;
use crate::constants::CELSIUS_OFFSET_K;
use crate::error::SizingError;
use crate::mesh::Material;

/// An accelerator with its power, junction limit and junction-to-coolant chain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GpuPreset {
    /// Command-line name.
    pub name: &'static str,
    /// Description with its sources.
    pub description: &'static str,
    /// Its chain and limit.
    pub chain: GpuChain,
    /// Power at idle as a fraction of full power (the cold case).
    pub idle_fraction: f64,
}

/// Junction-to-case resistance of a large liquid-cooled accelerator, K/W. The three terms
/// total 0.045 K/W, inside the 0.03–0.06 K/W range of good cold plates on 700–1,200 W parts
/// that the project's reference list gives (shared/REFERENCES.md); a vendor figure for a
/// particular part could not be checked, so the split is an assumption: lid and die
/// spreading 0.015, TIM 0.010, cold plate convection 0.020 K/W.
pub const JUNCTION_TO_CASE_K_W: f64 = 0.015;
/// Case-to-cold-plate (TIM) resistance, K/W (see [`JUNCTION_TO_CASE_K_W`]).
pub const CASE_TO_COLD_PLATE_K_W: f64 = 0.010;
/// Cold-plate-to-coolant resistance `1/(hA)`, K/W (see [`JUNCTION_TO_CASE_K_W`]).
pub const COLD_PLATE_TO_COOLANT_K_W: f64 = 0.020;

/// Idle power of a data-centre GPU as a fraction of its board power: an H100 SXM idles near
/// 70–90 W of its 700 W (about 10–13 %, as `nvidia-smi` reports on idle HGX systems; no
/// NVIDIA datasheet gives an idle figure, so this is an operator's figure, not a vendor's).
/// 0.10 is taken: the lower end, which errs towards the cold case.
pub const IDLE_FRACTION: f64 = 0.10;

const fn chain(power_w: f64, junction_limit_c: f64) -> GpuChain {
    GpuChain {
        power_w,
        junction_to_case_k_w: JUNCTION_TO_CASE_K_W,
        case_to_cold_plate_k_w: CASE_TO_COLD_PLATE_K_W,
        cold_plate_to_coolant_k_w: COLD_PLATE_TO_COOLANT_K_W,
        junction_limit_k: junction_limit_c + CELSIUS_OFFSET_K,
    }
}

/// The built-in accelerators.
pub const GPU_PRESETS: [GpuPreset; 3] = [
    GpuPreset {
        name: "h100",
        description: "NVIDIA H100 SXM5: 700 W maximum board power (NVIDIA H100 Tensor Core GPU \
                      datasheet); maximum operating junction 87 °C, slowdown near 89 °C and \
                      shutdown near 92 °C as given in the project's reference list (the \
                      datasheet wording could not be checked from here)",
        chain: chain(700.0, 87.0),
        idle_fraction: IDLE_FRACTION,
    },
    GpuPreset {
        name: "b200",
        description: "NVIDIA B200 (HGX B200): about 1,000 W per GPU (NVIDIA HGX B200 \
                      specifications); junction limit taken equal to the H100's 87 °C (no \
                      public figure checked)",
        chain: chain(1000.0, 87.0),
        idle_fraction: IDLE_FRACTION,
    },
    GpuPreset {
        name: "gb200",
        description: "NVIDIA GB200 (NVL72 rack): about 1,200 W per Blackwell GPU; junction \
                      limit taken equal to the H100's 87 °C (no public figure checked)",
        chain: chain(1200.0, 87.0),
        idle_fraction: IDLE_FRACTION,
    },
];

/// The preset called `name`.
pub fn gpu_preset(name: &str) -> Result<GpuPreset, SizingError> {
    GPU_PRESETS
        .iter()
        .copied()
        .find(|g| g.name == name)
        .ok_or_else(|| SizingError::UnknownName {
            quantity: "gpu",
            name: name.to_string(),
            allowed: GPU_PRESETS
                .iter()
                .map(|g| g.name)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// Aluminium alloy 2024-T6 for the face sheet and tubes: k = 177 W/(m·K), ρ = 2770 kg/m³,
/// c = 875 J/(kg·K) at 300 K (Incropera et al., *Fundamentals of Heat and Mass Transfer*,
/// 7th ed., Table A.1).
pub const ALUMINIUM_2024_T6: Material = Material {
    k_w_m_k: 177.0,
    density_kg_m3: 2770.0,
    specific_heat_j_kg_k: 875.0,
};

/// Mass and power figures of the subsystems, per unit of what sizes them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MassModel {
    /// Radiator mass beyond face sheet, tubes and tube coolant — manifolds and headers, the
    /// coolant in them, micrometeoroid armour of the tubes, deployment structure — as a
    /// fraction of those three.
    pub radiator_overhead_fraction: f64,
    /// Solar array specific power at array level, W/kg.
    pub array_specific_power_w_kg: f64,
    /// Solar array areal power (sunlit, sun-pointed, end of life), W/m².
    pub array_areal_power_w_m2: f64,
    /// Battery specific energy at pack level, Wh/kg.
    pub battery_specific_energy_wh_kg: f64,
    /// Battery depth of discharge at the longest eclipse.
    pub battery_depth_of_discharge: f64,
    /// Battery-to-load transmission efficiency.
    pub battery_efficiency: f64,
    /// Pump specific mass, kg per kW of pump electrical power.
    pub pump_kg_per_kw: f64,
    /// Heat-pump specific mass, kg per kW of heat lifted.
    pub heat_pump_kg_per_kw: f64,
    /// Housekeeping loads (avionics, attitude control, communications) as a fraction of the
    /// GPU power; drawn from the arrays, rejected by the bus's own radiators.
    pub housekeeping_fraction: f64,
}

impl Default for MassModel {
    /// - `radiator_overhead_fraction` 1.0: the flown ISS radiator ORU weighs ≈ 14.2 kg/m² of
    ///   planform (one ORU, 1,122.6 kg on 23.3 m × 3.4 m, as the project's reference list
    ///   summarises NASA's ATCS overview), several times its face sheets and tubes;
    ///   SP-100-class pumped-loop and heat-pipe radiator studies quote 5–8 kg/m² with
    ///   meteoroid armour. Doubling the bare sheet-and-tube mass lands a 1 mm aluminium
    ///   panel near 6–7 kg/m², inside that study range. An assumption, stated as such.
    /// - Arrays 60 W/kg and 180 W/m²: the ISS roll-out solar arrays (iROSA, ≈ 20 kW on
    ///   ≈ 110 m², ≈ 340 kg) as the project's reference list gives them (not rechecked
    ///   against a NASA or Redwire specification sheet from here).
    /// - Battery 150 Wh/kg at pack level, 80 % depth of discharge, 90 % transmission
    ///   efficiency (Wertz & Larson, *Space Mission Analysis and Design*, 3rd ed., §11.4,
    ///   eq. 11-6 form; the pack-level figure is an assumption for current space Li-ion).
    /// - Pumps 5 kg/kW and heat pumps 10 kg per kW of heat lifted: assumptions (no primary
    ///   source checked); the report shows how little they weigh either way.
    /// - Housekeeping 5 % of the GPU power: an assumption.
    fn default() -> Self {
        Self {
            radiator_overhead_fraction: 1.0,
            array_specific_power_w_kg: 60.0,
            array_areal_power_w_m2: 180.0,
            battery_specific_energy_wh_kg: 150.0,
            battery_depth_of_discharge: 0.8,
            battery_efficiency: 0.9,
            pump_kg_per_kw: 5.0,
            heat_pump_kg_per_kw: 10.0,
            housekeeping_fraction: 0.05,
        }
    }
}

/// Array power fractions through the night and the day with peak-power tracking:
/// `X_e = 0.60`, `X_d = 0.80` (Wertz & Larson, *SMAD*, 3rd ed., §11.4, eq. 11-5).
pub const ARRAY_PATH_EFFICIENCY_ECLIPSE: f64 = 0.60;
/// See [`ARRAY_PATH_EFFICIENCY_ECLIPSE`].
pub const ARRAY_PATH_EFFICIENCY_DAYLIGHT: f64 = 0.80;
