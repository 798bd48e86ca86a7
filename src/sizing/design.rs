//! The sizing problem, the design vector and its evaluation on the solved model.
//!
//! A design is evaluated in four steps, each a solve or a bookkeeping of one:
//!
//! 1. **Hot case** ([`hot_section`]): the section at the orbit's hot instant, coolant fed at
//!    `supply + rise`, the flow found at which the loop closes; it rejects `Q_section`.
//! 2. **Loop and power balance**: the racks' heat `P`, the pumps' `k Q` (all of the pumps'
//!    work ends as heat in the coolant, `k = Δp / (ρ c_p ΔT η_pump)`) and, with a heat pump,
//!    its work `W = Q_evap / COP`, `COP = f_Carnot T_evap / (T_cond − T_evap)` with
//!    `T_evap` the racks' supply and `T_cond` the radiator's supply (heat-exchanger approach
//!    temperatures are not modelled). Sections `N = Q_rad / Q_section`.
//! 3. **Junction** ([`junction_rise_k`]): one GPU's chain at its share of the racks' flow.
//! 4. **Cold case** ([`cold_section`]): the same flow, GPUs at idle (the heat pump off), the
//!    orbit's cold instant; the loop's coldest coolant (the radiator outlet) against the
//!    coolant's freezing point plus margin. With loop heaters (the default) a loop that
//!    would fall below it is held there ([`cold_section_at_supply`]) and the heaters' power
//!    is a bus load in the cold case; without, it is a violated constraint.
//!
//! Arrays supply GPUs, pumps, heat pump and housekeeping through the longest eclipse
//! (SMAD eq. 11-5); the battery carries the load through it (eq. 11-6).

use super::environment::OrbitEnvironment;
use super::presets::{
    GpuPreset, MassModel, ALUMINIUM_2024_T6, ARRAY_PATH_EFFICIENCY_DAYLIGHT,
    ARRAY_PATH_EFFICIENCY_ECLIPSE,
};
use super::section::{
    cold_section, cold_section_at_supply, hot_section, junction_rise_k, SectionGrid, SectionSpec,
    TubeSpec,
};
use crate::components::fluid::Coolant;
use crate::error::{Error, SizingError};
use crate::mesh::{Coating, Material};

/// What the optimizer minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Objective {
    /// Radiator planform area per MW (the default).
    PlanformArea,
    /// Radiating surface area per MW (planform × radiating faces).
    SurfaceArea,
    /// Radiator mass per MW.
    RadiatorMass,
    /// Total power and thermal mass per MW (radiators, pumps, heat pump, arrays, battery).
    TotalMass,
}

impl Objective {
    /// Command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Self::PlanformArea => "area",
            Self::SurfaceArea => "surface",
            Self::RadiatorMass => "radiator-mass",
            Self::TotalMass => "mass",
        }
    }

    /// The objective called `name`.
    pub fn by_name(name: &str) -> Result<Self, SizingError> {
        [
            Self::PlanformArea,
            Self::SurfaceArea,
            Self::RadiatorMass,
            Self::TotalMass,
        ]
        .into_iter()
        .find(|o| o.name() == name)
        .ok_or_else(|| SizingError::UnknownName {
            quantity: "objective",
            name: name.into(),
            allowed: "area, surface, radiator-mass, mass".into(),
        })
    }

    /// Its value for an evaluation (per MW).
    pub fn value(self, e: &Evaluation) -> f64 {
        match self {
            Self::PlanformArea => e.per_mw.radiator_planform_area_m2,
            Self::SurfaceArea => e.per_mw.radiator_surface_area_m2,
            Self::RadiatorMass => e.per_mw.masses_kg.radiator,
            Self::TotalMass => e.per_mw.masses_kg.total,
        }
    }
}

/// Margins and limits the constraints apply.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Junction temperature margin below the part's limit, K. Default 11 K: the thermal
    /// uncertainty margin of design-phase predictions (11 °C, as in SMC-S-016 and
    /// GSFC-STD-1000's thermal margins for analyses not yet correlated by test).
    pub junction_margin_k: f64,
    /// Margin of the cold-case coolant above its freezing point, K (default 11 K, the same).
    pub freezing_margin_k: f64,
    /// Largest loop pressure drop, Pa (default 300 kPa: an assumption for a mechanically
    /// pumped loop of flight-type centrifugal pumps).
    pub max_pressure_drop_pa: f64,
    /// Largest pump power as a fraction of the GPU power (default 2 %: an assumption).
    pub max_pump_power_fraction: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            junction_margin_k: 11.0,
            freezing_margin_k: 11.0,
            max_pressure_drop_pa: 3.0e5,
            max_pump_power_fraction: 0.02,
        }
    }
}

/// The loop outside the radiator tubes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoopModel {
    /// Pressure drop across the racks' cold plates, Pa (default 50 kPa: an assumption of the
    /// order of data-centre cold-plate loops).
    pub rack_pressure_drop_pa: f64,
    /// Pressure drop of manifolds, lines and fittings per loop, Pa (default 50 kPa: an
    /// assumption).
    pub plumbing_pressure_drop_pa: f64,
    /// Overall pump efficiency (default 0.5: an assumption for small centrifugal pumps).
    pub pump_efficiency: f64,
    /// Heat-pump efficiency as a fraction of Carnot (default 0.5: typical of vapour-
    /// compression machines; an assumption).
    pub carnot_fraction: f64,
    /// Loop heaters (default on): in the cold case, heat added to the loop holds its
    /// coldest coolant at the freezing point plus margin, the heaters' power drawn from the
    /// bus; off, a loop that would freeze makes the design infeasible.
    pub heaters: bool,
}

impl Default for LoopModel {
    fn default() -> Self {
        Self {
            rack_pressure_drop_pa: 5.0e4,
            plumbing_pressure_drop_pa: 5.0e4,
            pump_efficiency: 0.5,
            carnot_fraction: 0.5,
            heaters: true,
        }
    }
}

/// A sizing problem: everything but the design vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// GPU power to cool, W.
    pub power_w: f64,
    /// The accelerator.
    pub gpu: GpuPreset,
    /// Coolant of the radiator loop (and of the racks' loop).
    pub coolant: Coolant,
    /// Radiator coating.
    pub coating: Coating,
    /// Both faces radiate.
    pub two_sided: bool,
    /// Ideal isothermal radiator (fin efficiency 1, no film, no coolant temperature drop,
    /// no hydraulics).
    pub isothermal: bool,
    /// Heat pump allowed (the lift a design variable).
    pub heat_pump: bool,
    /// The orbit's environment.
    pub environment: OrbitEnvironment,
    /// The tube.
    pub tube: TubeSpec,
    /// The section grid.
    pub grid: SectionGrid,
    /// Face-sheet material.
    pub material: Material,
    /// Limits and margins.
    pub limits: Limits,
    /// The loop outside the radiators.
    pub loop_model: LoopModel,
    /// Masses and power.
    pub masses: MassModel,
    /// The radiator panels stand in a stack that hides part of their view to space
    /// (`None`: every panel sees space alone).
    pub stack: Option<super::stack::RadiatorStack>,
}

/// Default tube: 6 mm bore, 0.5 mm wall, drawn tubing 1.5 µm rough (a design choice; the
/// roughness is the drawn-tubing value of White, *Fluid Mechanics*, Table 6.1).
pub const DEFAULT_TUBE: TubeSpec = TubeSpec {
    inner_diameter_m: 6.0e-3,
    wall_thickness_m: 0.5e-3,
    roughness_m: 1.5e-6,
};

/// Default section grid: 16 cells along the tube, 15 across the pitch (the tube's row and 7
/// each side). The grid-convergence test (`tests/sizing.rs`) measures the heat per section
/// against a 4× refined grid.
pub const DEFAULT_GRID: SectionGrid = SectionGrid { nx: 16, ny: 15 };

impl Problem {
    /// A problem with the defaults for everything but power, GPU, coolant, coating, sides,
    /// isothermal, heat pump and environment.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        power_w: f64,
        gpu: GpuPreset,
        coolant: Coolant,
        coating: Coating,
        two_sided: bool,
        isothermal: bool,
        heat_pump: bool,
        environment: OrbitEnvironment,
    ) -> Result<Self, SizingError> {
        if !(power_w.is_finite() && power_w > 0.0) {
            return Err(SizingError::InvalidInput {
                quantity: "power (W)".into(),
                value: power_w,
                allowed: "finite and > 0".into(),
            });
        }
        for (q, v) in [
            ("emissivity", coating.emissivity),
            ("absorptivity", coating.absorptivity),
        ] {
            let ok = if q == "emissivity" {
                v > 0.0 && v <= 1.0
            } else {
                (0.0..=1.0).contains(&v)
            };
            if !(v.is_finite() && ok) {
                return Err(SizingError::InvalidInput {
                    quantity: q.into(),
                    value: v,
                    allowed: if q == "emissivity" {
                        "0 < emissivity <= 1".into()
                    } else {
                        "0 <= absorptivity <= 1".into()
                    },
                });
            }
        }
        Ok(Self {
            power_w,
            gpu,
            coolant,
            coating,
            two_sided,
            isothermal,
            heat_pump,
            environment,
            tube: DEFAULT_TUBE,
            grid: DEFAULT_GRID,
            material: ALUMINIUM_2024_T6,
            limits: Limits::default(),
            loop_model: LoopModel::default(),
            masses: MassModel::default(),
            stack: None,
        })
    }

    /// The sink temperature of the hot case: where the faces settle with no coolant, K.
    pub fn hot_sink_k(&self) -> f64 {
        self.environment
            .hot
            .sink_temperature_k(&self.coating, self.two_sided)
    }

    /// The radiator coating as the section sees it: in a [`Problem::stack`], emissivity
    /// `ε χ` with χ the stack's view to space for panels `length_m` long
    /// ([`super::stack::RadiatorStack::effective_coating`]).
    pub fn section_coating(&self, length_m: f64) -> Result<Coating, Error> {
        match &self.stack {
            Some(stack) => stack.effective_coating(length_m, &self.coating, self.two_sided),
            None => Ok(self.coating),
        }
    }

    /// The section of `design` (with the ideal material in isothermal mode).
    pub fn section(&self, design: &Design) -> Result<SectionSpec, Error> {
        let material = if self.isothermal {
            Material {
                k_w_m_k: ISOTHERMAL_CONDUCTIVITY_W_M_K,
                ..self.material
            }
        } else {
            self.material
        };
        Ok(SectionSpec {
            length_m: design.length_m,
            pitch_m: design.pitch_m,
            fin_thickness_m: design.fin_thickness_m,
            material,
            coating: self.section_coating(design.length_m)?,
            two_sided: self.two_sided,
            tube: self.tube,
            grid: self.grid,
        })
    }

    /// Number of GPUs (fractional: per MW figures need no rounding).
    pub fn gpu_count(&self) -> f64 {
        self.power_w / self.gpu.chain.power_w
    }
}

/// Face-sheet conductivity of the ideal isothermal radiator, W/(m·K): 10⁶ — a 1 mm sheet
/// 0.25 m across then has a fin parameter `m L = L √(2εσT³/(k t))` below 3e-4, fin efficiency
/// 1 − 3e-8.
pub(crate) const ISOTHERMAL_CONDUCTIVITY_W_M_K: f64 = 1.0e6;
/// Film conductance of the ideal isothermal radiator, W/(m·K) per metre of tube.
pub(crate) const ISOTHERMAL_FILM_W_M_K: f64 = 1.0e6;
/// Coolant temperature rise of the ideal isothermal radiator, K: small enough that the
/// faces' mean `T⁴` differs from `T_mean⁴` by under 1e-7, large enough that the flow search
/// closes the rise to 1e-4 of it.
pub(crate) const ISOTHERMAL_RISE_K: f64 = 0.1;

/// The design vector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Design {
    /// Coolant supply temperature from the radiator (radiator outlet), K.
    pub supply_k: f64,
    /// Coolant temperature rise across the loop (radiator inlet − outlet), K; sets the flow.
    pub rise_k: f64,
    /// Face-sheet (fin) thickness, m.
    pub fin_thickness_m: f64,
    /// Tube pitch, m.
    pub pitch_m: f64,
    /// Panel (tube) length, m.
    pub length_m: f64,
    /// Heat-pump lift: radiator loop supply − racks' loop supply, K (0 without a heat pump).
    pub lift_k: f64,
}

/// One constraint at a design: `margin ≥ 0` is met.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConstraintValue {
    /// Name.
    pub name: &'static str,
    /// The quantity.
    pub value: f64,
    /// Its limit.
    pub limit: f64,
    /// Margin (limit side minus value, signed so that ≥ 0 is met).
    pub margin: f64,
    /// Unit of value, limit and margin.
    pub unit: &'static str,
    /// A scale for comparing margins of different units (the margin over it).
    pub scale: f64,
}

impl ConstraintValue {
    /// Margin over scale.
    pub fn relative_margin(&self) -> f64 {
        self.margin / self.scale
    }
}

/// Masses by subsystem, kg.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Masses {
    /// Radiator face sheets.
    pub face_sheet: f64,
    /// Radiator tubes.
    pub tubes: f64,
    /// Coolant in the radiator tubes.
    pub coolant: f64,
    /// Manifolds, headers, armour and structure ([`MassModel::radiator_overhead_fraction`]).
    pub radiator_overhead: f64,
    /// Radiator total (the four above).
    pub radiator: f64,
    /// Pumps.
    pub pumps: f64,
    /// Heat pump.
    pub heat_pump: f64,
    /// Solar arrays.
    pub solar_arrays: f64,
    /// Battery.
    pub battery: f64,
    /// Everything.
    pub total: f64,
}

impl Masses {
    fn scaled(&self, f: f64) -> Self {
        Self {
            face_sheet: self.face_sheet * f,
            tubes: self.tubes * f,
            coolant: self.coolant * f,
            radiator_overhead: self.radiator_overhead * f,
            radiator: self.radiator * f,
            pumps: self.pumps * f,
            heat_pump: self.heat_pump * f,
            solar_arrays: self.solar_arrays * f,
            battery: self.battery * f,
            total: self.total * f,
        }
    }
}

/// Totals for the whole cluster or per MW of GPU power.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Totals {
    /// Radiator planform area, m².
    pub radiator_planform_area_m2: f64,
    /// Radiating surface area, m².
    pub radiator_surface_area_m2: f64,
    /// Solar array area, m².
    pub solar_array_area_m2: f64,
    /// Heat the radiators reject, W.
    pub heat_rejected_w: f64,
    /// Pump electrical power, W.
    pub pump_power_w: f64,
    /// Heat-pump electrical power, W.
    pub heat_pump_power_w: f64,
    /// Array power (end of life, sizing the arrays), W.
    pub array_power_w: f64,
    /// Battery energy, Wh.
    pub battery_energy_wh: f64,
    /// Loop heater power in the cold case, W (0 when the loop stays warm enough alone).
    pub cold_heater_w: f64,
    /// Masses.
    pub masses_kg: Masses,
}

impl Totals {
    fn scaled(&self, f: f64) -> Self {
        Self {
            radiator_planform_area_m2: self.radiator_planform_area_m2 * f,
            radiator_surface_area_m2: self.radiator_surface_area_m2 * f,
            solar_array_area_m2: self.solar_array_area_m2 * f,
            heat_rejected_w: self.heat_rejected_w * f,
            pump_power_w: self.pump_power_w * f,
            heat_pump_power_w: self.heat_pump_power_w * f,
            array_power_w: self.array_power_w * f,
            battery_energy_wh: self.battery_energy_wh * f,
            cold_heater_w: self.cold_heater_w * f,
            masses_kg: self.masses_kg.scaled(f),
        }
    }
}

/// A design evaluated on the solved model.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The design.
    pub design: Design,
    /// Mean coolant temperature in the radiator (hot case), K: "the radiator temperature".
    pub radiator_temperature_k: f64,
    /// Mean face-sheet temperature (hot case), K.
    pub mean_panel_k: f64,
    /// Section (fin) efficiency, film included (hot case).
    pub fin_efficiency: f64,
    /// Heat one section rejects, W.
    pub section_heat_w: f64,
    /// Number of sections.
    pub sections: f64,
    /// Mass flow per tube, kg/s.
    pub tube_mass_flow_kg_s: f64,
    /// Reynolds number in the tubes.
    pub tube_reynolds: f64,
    /// Pressure drop along a radiator tube, Pa.
    pub tube_pressure_drop_pa: f64,
    /// Heat-pump coefficient of performance (cooling), if one runs.
    pub cop: Option<f64>,
    /// Hottest junction, K.
    pub max_junction_k: f64,
    /// Coldest coolant in the cold case, K.
    pub cold_min_coolant_k: f64,
    /// Sink temperature of the hot case, K.
    pub hot_sink_k: f64,
    /// Constraints.
    pub constraints: Vec<ConstraintValue>,
    /// Totals for the cluster.
    pub totals: Totals,
    /// Totals per MW of GPU power.
    pub per_mw: Totals,
    /// Steady solves this evaluation took.
    pub solves: usize,
}

impl Evaluation {
    /// Every constraint met.
    pub fn feasible(&self) -> bool {
        self.constraints.iter().all(|c| c.margin >= 0.0)
    }

    /// Sum of the relative violations (0 when feasible).
    pub fn violation(&self) -> f64 {
        self.constraints
            .iter()
            .map(|c| (-c.relative_margin()).max(0.0))
            .sum()
    }

    /// The constraint with the smallest relative margin.
    pub fn tightest(&self) -> Option<&ConstraintValue> {
        self.constraints.iter().min_by(|a, b| {
            a.relative_margin()
                .partial_cmp(&b.relative_margin())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    }
}

/// Evaluates `design` on the solved model of `problem`.
pub fn evaluate(problem: &Problem, design: &Design) -> Result<Evaluation, Error> {
    let p = problem;
    // The ideal isothermal radiator keeps the design's mean coolant temperature with a rise
    // of ISOTHERMAL_RISE_K.
    let design = if p.isothermal {
        Design {
            rise_k: ISOTHERMAL_RISE_K,
            supply_k: design.supply_k + 0.5 * (design.rise_k - ISOTHERMAL_RISE_K),
            ..*design
        }
    } else {
        *design
    };
    let rise_k = design.rise_k;
    let lift = if p.heat_pump {
        design.lift_k.max(0.0)
    } else {
        0.0
    };
    let spec = p.section(&design)?;
    let env = &p.environment;

    // 1. Hot case.
    let (
        section_heat_w,
        mdot_cp,
        conductance,
        mean_fluid_k,
        mean_panel_k,
        fin_eff,
        reynolds,
        tube_dp,
        m_tube,
        mut solves,
    ) = if p.isothermal {
        let props = p.coolant.properties_at(design.supply_k + 0.5 * rise_k)?;
        isothermal_hot(
            &spec,
            env,
            design.supply_k,
            rise_k,
            props.specific_heat_j_kg_k,
        )?
    } else {
        let hot = hot_section(&spec, &env.hot, &p.coolant, design.supply_k, rise_k)?;
        (
            hot.solution.heat_w,
            hot.solution.mdot_cp_w_k,
            hot.tube.conductance_w_m_k,
            hot.solution.mean_fluid_k,
            hot.solution.mean_panel_k,
            hot.solution.fin_efficiency,
            hot.tube.flow.reynolds,
            hot.tube.flow.pressure_drop_pa,
            hot.tube.mass_flow_kg_s,
            hot.solves,
        )
    };

    // 2. Loop and power balance.
    let rad_props = p.coolant.properties_at(design.supply_k + 0.5 * rise_k)?;
    let rack_supply_k = design.supply_k - lift;
    let rack_props = p.coolant.properties_at(rack_supply_k + 0.5 * rise_k)?;
    let lm = &p.loop_model;
    let k_of = |dp: f64, props: &crate::components::fluid::FluidProperties| {
        dp / (props.density_kg_m3 * props.specific_heat_j_kg_k * rise_k * lm.pump_efficiency)
    };
    let hydraulic = !p.isothermal;
    let tube_dp_used = if hydraulic { tube_dp } else { 0.0 };
    let rack_dp = if hydraulic {
        lm.rack_pressure_drop_pa
    } else {
        0.0
    };
    let plumbing_dp = if hydraulic {
        lm.plumbing_pressure_drop_pa
    } else {
        0.0
    };
    let (heat_rejected_w, pump_power_w, heat_pump_power_w, cop, loop_dp, rack_mdot_cp_per_gpu) =
        if lift > 0.0 {
            let t_evap = rack_supply_k;
            let cop = lm.carnot_fraction * t_evap / lift;
            let k_r = k_of(rack_dp + plumbing_dp, &rack_props);
            let q_evap = p.power_w / (1.0 - k_r);
            let w = q_evap / cop;
            let k_rad = k_of(tube_dp_used + plumbing_dp, &rad_props);
            let q_rad = (q_evap + w) / (1.0 - k_rad);
            let pumps = k_r * q_evap + k_rad * q_rad;
            let per_gpu = q_evap / rise_k / p.gpu_count();
            (
                q_rad,
                pumps,
                w,
                Some(cop),
                (rack_dp + plumbing_dp).max(tube_dp_used + plumbing_dp),
                per_gpu,
            )
        } else {
            let dp = tube_dp_used + rack_dp + plumbing_dp;
            let k = k_of(dp, &rad_props);
            let q_rad = p.power_w / (1.0 - k);
            (
                q_rad,
                k * q_rad,
                0.0,
                None,
                dp,
                q_rad / rise_k / p.gpu_count(),
            )
        };
    if !(heat_rejected_w.is_finite() && heat_rejected_w > 0.0) {
        return Err(SizingError::NoClosure {
            reason: format!(
                "the pumps' heat exceeds what the loop can carry (loop pressure drop {loop_dp:.3e} Pa \
                 at a rise of {rise_k} K)"
            ),
        }
        .into());
    }
    let sections = heat_rejected_w / section_heat_w;

    // 3. Junction.
    let rise_chain = junction_rise_k(
        &p.gpu.chain,
        p.coolant.name(),
        rack_props,
        rack_mdot_cp_per_gpu,
    )?;
    solves += 1;
    let max_junction_k = rack_supply_k + rise_chain;

    // 4. Cold case: GPUs idle, heat pump off, pumps running.
    let cold_heat_total = p.gpu.idle_fraction * p.power_w + pump_power_w;
    let cold = cold_section(
        &spec,
        &env.cold,
        mdot_cp,
        conductance,
        cold_heat_total / sections,
    )?;
    solves += cold.solves;
    let freeze_min = p.coolant.freezing_point_k() + p.limits.freezing_margin_k;
    let heated = p.loop_model.heaters && cold.supply_k < freeze_min;
    let (cold_min_coolant_k, cold_heater_w) = if heated {
        let held = cold_section_at_supply(&spec, &env.cold, mdot_cp, conductance, freeze_min)?;
        solves += held.solves;
        (
            freeze_min,
            (held.solution.heat_w * sections - cold_heat_total).max(0.0),
        )
    } else {
        (cold.supply_k, 0.0)
    };

    // Areas and masses.
    let planform = sections * spec.planform_area_m2();
    let surface = planform * spec.faces();
    let mm = &p.masses;
    let tube_length = sections * spec.length_m;
    let d = p.tube.inner_diameter_m;
    let d_o = d + 2.0 * p.tube.wall_thickness_m;
    let face_sheet = planform * design.fin_thickness_m * p.material.density_kg_m3;
    let tubes =
        tube_length * std::f64::consts::PI / 4.0 * (d_o * d_o - d * d) * p.material.density_kg_m3;
    let coolant = tube_length * std::f64::consts::PI / 4.0 * d * d * rad_props.density_kg_m3;
    let bare = face_sheet + tubes + coolant;
    let radiator_overhead = bare * mm.radiator_overhead_fraction;
    let load_w = p.power_w * (1.0 + mm.housekeeping_fraction) + pump_power_w + heat_pump_power_w;
    // Through the eclipse: the full load, or the cold case's idle GPUs and heaters if more.
    let cold_load_w = cold_heat_total + p.power_w * mm.housekeeping_fraction + cold_heater_w;
    let eclipse_load_w = load_w.max(cold_load_w);
    let t_e = env.longest_eclipse_s;
    let t_d = env.period_s - t_e;
    let array_power_w = (eclipse_load_w * t_e / ARRAY_PATH_EFFICIENCY_ECLIPSE
        + load_w * t_d / ARRAY_PATH_EFFICIENCY_DAYLIGHT)
        / t_d;
    let battery_energy_wh =
        eclipse_load_w * t_e / 3600.0 / (mm.battery_depth_of_discharge * mm.battery_efficiency);
    let pumps = pump_power_w / 1e3 * mm.pump_kg_per_kw;
    let heat_pump = if heat_pump_power_w > 0.0 {
        (heat_rejected_w - heat_pump_power_w) / 1e3 * mm.heat_pump_kg_per_kw
    } else {
        0.0
    };
    let solar_arrays = array_power_w / mm.array_specific_power_w_kg;
    let battery = battery_energy_wh / mm.battery_specific_energy_wh_kg;
    let radiator = bare + radiator_overhead;
    let masses = Masses {
        face_sheet,
        tubes,
        coolant,
        radiator_overhead,
        radiator,
        pumps,
        heat_pump,
        solar_arrays,
        battery,
        total: radiator + pumps + heat_pump + solar_arrays + battery,
    };
    let totals = Totals {
        radiator_planform_area_m2: planform,
        radiator_surface_area_m2: surface,
        solar_array_area_m2: array_power_w / mm.array_areal_power_w_m2,
        heat_rejected_w,
        pump_power_w,
        heat_pump_power_w,
        array_power_w,
        battery_energy_wh,
        cold_heater_w,
        masses_kg: masses,
    };
    let per_mw = totals.scaled(1e6 / p.power_w);

    // Constraints.
    let lim = &p.limits;
    let junction_max = p.gpu.chain.junction_limit_k - lim.junction_margin_k;
    let mut constraints = vec![ConstraintValue {
        name: "junction",
        value: max_junction_k,
        limit: junction_max,
        margin: junction_max - max_junction_k,
        unit: "K",
        scale: 1.0,
    }];
    // Held by heaters the freezing point is a power cost (in the totals), not a limit on
    // the design.
    if !heated {
        constraints.push(ConstraintValue {
            name: "freezing",
            value: cold_min_coolant_k,
            limit: freeze_min,
            margin: cold_min_coolant_k - freeze_min,
            unit: "K",
            scale: 1.0,
        });
    }
    if hydraulic {
        constraints.push(ConstraintValue {
            name: "pressure_drop",
            value: loop_dp,
            limit: lim.max_pressure_drop_pa,
            margin: lim.max_pressure_drop_pa - loop_dp,
            unit: "Pa",
            scale: lim.max_pressure_drop_pa / 100.0,
        });
        let max_pump = lim.max_pump_power_fraction * p.power_w;
        constraints.push(ConstraintValue {
            name: "pump_power",
            value: pump_power_w,
            limit: max_pump,
            margin: max_pump - pump_power_w,
            unit: "W",
            scale: max_pump / 100.0,
        });
    }
    Ok(Evaluation {
        design,
        radiator_temperature_k: mean_fluid_k,
        mean_panel_k,
        fin_efficiency: fin_eff,
        section_heat_w,
        sections,
        tube_mass_flow_kg_s: m_tube,
        tube_reynolds: reynolds,
        tube_pressure_drop_pa: tube_dp,
        cop,
        max_junction_k,
        cold_min_coolant_k,
        hot_sink_k: p.hot_sink_k(),
        constraints,
        totals,
        per_mw,
        solves,
    })
}

type HotTuple = (f64, f64, f64, f64, f64, f64, f64, f64, f64, usize);

/// The ideal isothermal hot case: the film is [`ISOTHERMAL_FILM_W_M_K`], the flow the one
/// that drops the coolant by `rise_k` — found by the same search as [`hot_section`], with
/// the film fixed instead of from the pipe-flow correlation.
fn isothermal_hot(
    spec: &SectionSpec,
    env: &OrbitEnvironment,
    supply_k: f64,
    rise_k: f64,
    cp: f64,
) -> Result<HotTuple, Error> {
    let s = super::section::hot_section_with_film(
        spec,
        &env.hot,
        cp,
        ISOTHERMAL_FILM_W_M_K,
        supply_k,
        rise_k,
    )?;
    Ok((
        s.solution.heat_w,
        s.solution.mdot_cp_w_k,
        ISOTHERMAL_FILM_W_M_K,
        s.solution.mean_fluid_k,
        s.solution.mean_panel_k,
        s.solution.fin_efficiency,
        0.0,
        0.0,
        s.solution.mdot_cp_w_k / cp,
        s.solves,
    ))
}
