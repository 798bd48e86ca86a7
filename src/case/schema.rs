//! The case-file schema: what a user writes, exactly as serde reads it.
//!
//! Every table denies unknown keys. Numbers are checked later (in `build`),
//! where each error can name its key path and allowed range.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::orbit::{AttitudeSpec, EnvironmentSpec, OrbitSpec, OrbitTables, SurfaceSpec};
use super::radiation::RadiationSpec;
use super::spacecraft::{ArraySpec, BatterySpec, LoopSpec, PowerSpec, RackSpec, TubeSpec};
use crate::solve::LinearSolverChoice;

/// A whole case file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// One-line title for reports and plots.
    #[serde(default)]
    pub title: Option<String>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Materials by name.
    #[serde(default)]
    pub materials: BTreeMap<String, MaterialSpec>,
    /// Surface coatings by name.
    #[serde(default)]
    pub coatings: BTreeMap<String, CoatingSpec>,
    /// Lumped nodes by name.
    #[serde(default)]
    pub nodes: BTreeMap<String, NodeSpec>,
    /// Panels by name, read as raw tables so a `mesh` file can supply keys first.
    #[serde(default)]
    pub panels: BTreeMap<String, toml::Table>,
    /// Conductors between lumped nodes.
    #[serde(default)]
    pub conductors: Vec<ConductorSpec>,
    /// Heat sources on lumped nodes.
    #[serde(default)]
    pub sources: Vec<SourceSpec>,
    /// The orbit (see [`super::orbit`]); needed by `orbit_surface` loads.
    #[serde(default)]
    pub orbit: Option<OrbitSpec>,
    /// Attitude (default nadir).
    #[serde(default)]
    pub attitude: Option<AttitudeSpec>,
    /// Environment preset, shadow model and flux step.
    #[serde(default)]
    pub environment: Option<EnvironmentSpec>,
    /// External surfaces: outward body-frame normals and optical properties.
    #[serde(default)]
    pub surfaces: Vec<SurfaceSpec>,
    /// GPU racks by name (see [`super::RackSpec`] and the other component specs).
    #[serde(default)]
    pub racks: BTreeMap<String, RackSpec>,
    /// Pumped coolant loops by name.
    #[serde(default)]
    pub loops: BTreeMap<String, LoopSpec>,
    /// Solar arrays by name.
    #[serde(default)]
    pub arrays: BTreeMap<String, ArraySpec>,
    /// The battery.
    #[serde(default)]
    pub battery: Option<BatterySpec>,
    /// The power bus.
    #[serde(default)]
    pub power: Option<PowerSpec>,
    /// Radiation exchange between panels and their shadows (see [`super::RadiationSpec`]).
    #[serde(default)]
    pub radiation: Option<RadiationSpec>,
    /// What to solve.
    pub solve: SolveSpec,
    /// What to write.
    #[serde(default)]
    pub output: OutputSpec,
}

/// A material's bulk properties.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialSpec {
    /// Thermal conductivity, W/(m·K).
    pub k_w_m_k: f64,
    /// Density, kg/m³.
    pub density_kg_m3: f64,
    /// Specific heat capacity, J/(kg·K).
    pub specific_heat_j_kg_k: f64,
}

/// A surface finish: solar absorptivity and infrared emissivity.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoatingSpec {
    /// Solar absorptivity α, in [0, 1].
    pub absorptivity: f64,
    /// Hemispherical infrared emissivity ε, in [0, 1].
    pub emissivity: f64,
}

/// A value that may vary in time: a number, a table, or a harmonic.
///
/// Read by hand rather than as an untagged enum, so that a wrong form is reported with the
/// key and the three accepted forms instead of "did not match any variant".
#[derive(Debug, Clone)]
pub enum ProfileSpec {
    /// The same value at all times.
    Constant(f64),
    /// Linear interpolation in a table, optionally periodic.
    Table(TableSpec),
    /// `mean + amplitude · sin(2π t / period_s + phase)`.
    Harmonic(HarmonicSpec),
}

/// The accepted forms of a profile, for messages.
pub const PROFILE_FORMS: &str = "a number, a table { times_s = [...], values = [...] } \
     (optional period_s), or a harmonic { mean, amplitude, period_s } (optional phase_deg)";

/// Every key a profile table may hold; which ones decide its form.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileTable {
    #[serde(default)]
    times_s: Option<Vec<f64>>,
    #[serde(default)]
    values: Option<Vec<f64>>,
    #[serde(default)]
    period_s: Option<f64>,
    #[serde(default)]
    mean: Option<f64>,
    #[serde(default)]
    amplitude: Option<f64>,
    #[serde(default)]
    phase_deg: Option<f64>,
}

impl ProfileTable {
    fn into_spec<E: serde::de::Error>(self) -> Result<ProfileSpec, E> {
        let table = self.times_s.is_some() || self.values.is_some();
        let harmonic = self.mean.is_some() || self.amplitude.is_some() || self.phase_deg.is_some();
        match (table, harmonic) {
            (true, true) => Err(E::custom(format!(
                "a profile is either a table (times_s, values) or a harmonic (mean, amplitude), not both; accepted forms: {PROFILE_FORMS}"
            ))),
            (true, false) => match (self.times_s, self.values) {
                (Some(times_s), Some(values)) => Ok(ProfileSpec::Table(TableSpec {
                    times_s,
                    values,
                    period_s: self.period_s,
                })),
                (None, _) => Err(E::custom("a table profile needs times_s (s, increasing) beside values")),
                (_, None) => Err(E::custom("a table profile needs values beside times_s")),
            },
            (false, true) => match (self.mean, self.amplitude, self.period_s) {
                (Some(mean), Some(amplitude), Some(period_s)) => {
                    Ok(ProfileSpec::Harmonic(HarmonicSpec {
                        mean,
                        amplitude,
                        period_s,
                        phase_deg: self.phase_deg.unwrap_or(0.0),
                    }))
                }
                _ => Err(E::custom(
                    "a harmonic profile needs mean, amplitude and period_s (phase_deg optional)",
                )),
            },
            (false, false) => Err(E::custom(format!(
                "an empty table is no profile; accepted forms: {PROFILE_FORMS}"
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for ProfileSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ProfileSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(PROFILE_FORMS)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ProfileSpec, E> {
                Ok(ProfileSpec::Constant(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ProfileSpec, E> {
                Ok(ProfileSpec::Constant(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ProfileSpec, E> {
                Ok(ProfileSpec::Constant(v as f64))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<ProfileSpec, A::Error> {
                let table =
                    ProfileTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                table.into_spec()
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A table of values over time.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// Times, s, strictly increasing.
    pub times_s: Vec<f64>,
    /// Values at those times (unit of the key that holds the table).
    pub values: Vec<f64>,
    /// If set, the table repeats with this period (s).
    #[serde(default)]
    pub period_s: Option<f64>,
}

/// A sinusoid in time.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HarmonicSpec {
    /// Mean value.
    pub mean: f64,
    /// Amplitude.
    pub amplitude: f64,
    /// Period, s.
    pub period_s: f64,
    /// Phase, degrees.
    #[serde(default)]
    pub phase_deg: f64,
}

/// Kinds of lumped node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKindSpec {
    /// Heat capacity `capacitance_j_k`.
    Diffusion,
    /// Massless, always in balance.
    Arithmetic,
    /// Prescribed `temperature_k` (number, table or harmonic).
    Boundary,
}

/// A lumped node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    /// Node kind.
    pub kind: NodeKindSpec,
    /// Heat capacity, J/K (diffusion nodes).
    #[serde(default)]
    pub capacitance_j_k: Option<f64>,
    /// Prescribed temperature, K (boundary nodes).
    #[serde(default)]
    pub temperature_k: Option<ProfileSpec>,
    /// Initial temperature (transient start, steady first guess), K.
    #[serde(default)]
    pub initial_temperature_k: Option<f64>,
}

/// Kinds of conductor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConductorKindSpec {
    /// `G (T_to − T_from)`, G = `conductance_w_k`.
    Linear,
    /// `σ R (T_to⁴ − T_from⁴)`, R = `exchange_factor_m2` or `area_m2 · emissivity · view_factor`.
    Radiative,
    /// One-way fluid flow from `from` into `to`: `ṁc_p (T_from − T_to)` into `to`.
    Advective,
}

/// A conductor between two lumped nodes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConductorSpec {
    /// Conductor kind.
    pub kind: ConductorKindSpec,
    /// First node (upstream for advective).
    pub from: String,
    /// Second node (downstream for advective).
    pub to: String,
    /// Linear: conductance, W/K.
    #[serde(default)]
    pub conductance_w_k: Option<f64>,
    /// Radiative: exchange factor R = ε A F, m².
    #[serde(default)]
    pub exchange_factor_m2: Option<f64>,
    /// Radiative: area, m² (with `emissivity`, optional `view_factor`).
    #[serde(default)]
    pub area_m2: Option<f64>,
    /// Radiative: emissivity of the radiating surface, [0, 1].
    #[serde(default)]
    pub emissivity: Option<f64>,
    /// Radiative: view factor to the other node, [0, 1]; default 1.
    #[serde(default)]
    pub view_factor: Option<f64>,
    /// Advective: capacity rate ṁ c_p, W/K.
    #[serde(default)]
    pub mdot_cp_w_k: Option<f64>,
    /// Advective: mass flow, kg/s (with `specific_heat_j_kg_k`).
    #[serde(default)]
    pub mass_flow_kg_s: Option<f64>,
    /// Advective: fluid specific heat, J/(kg·K).
    #[serde(default)]
    pub specific_heat_j_kg_k: Option<f64>,
}

/// A heat source on a lumped node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// Name for reports.
    pub name: String,
    /// Node that receives the heat.
    pub node: String,
    /// Power, W (number, table or harmonic).
    #[serde(default)]
    pub power_w: Option<ProfileSpec>,
    /// Instead of `power_w`: the environment flux absorbed by this `[[surfaces]]` entry,
    /// `A (α (q_sun + q_albedo) + ε q_IR)` W with the surface's area, α and ε.
    #[serde(default)]
    pub orbit_surface: Option<String>,
}

/// `top_sink = "none"`: the coated face radiates to nothing (it still absorbs incident flux
/// with its coating). Without it a coated face with no sink is an error, since a face that
/// radiates nowhere is almost always a forgotten sink.
pub const NO_SINK: &str = "none";

/// A panel: a finite-difference plate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelSpec {
    /// A file in `meshes/` whose keys are read first (the case's keys override).
    #[serde(default)]
    pub mesh: Option<String>,
    /// Size along x, m.
    pub length_m: f64,
    /// Size along y, m.
    pub width_m: f64,
    /// Plate thickness, m.
    pub thickness_m: f64,
    /// Cells along x.
    pub nx: i64,
    /// Cells along y.
    pub ny: i64,
    /// Material name (from `[materials]`).
    pub material: String,
    /// Coating of the top face (from `[coatings]`); omit for a bare, non-radiating face.
    #[serde(default)]
    pub top_coating: Option<String>,
    /// Coating of the bottom face.
    #[serde(default)]
    pub bottom_coating: Option<String>,
    /// Node the top face radiates to (e.g. a deep-space boundary), or [`NO_SINK`] for a
    /// coated face that absorbs but radiates to nothing. A coated face must say which.
    #[serde(default)]
    pub top_sink: Option<String>,
    /// Node the bottom face radiates to, or [`NO_SINK`].
    #[serde(default)]
    pub bottom_sink: Option<String>,
    /// Initial temperature, K.
    #[serde(default)]
    pub initial_temperature_k: Option<f64>,
    /// Edge conditions; edges not named are insulated.
    #[serde(default)]
    pub edges: EdgesSpec,
    /// Couplings to lumped nodes along lines or over regions.
    #[serde(default)]
    pub attachments: Vec<AttachmentSpec>,
    /// Heat loads and absorbed fluxes on the panel.
    #[serde(default)]
    pub loads: Vec<PanelLoadSpec>,
    /// Coolant tubes of pumped loops bonded to the panel.
    #[serde(default)]
    pub tubes: Vec<TubeSpec>,
}

/// The four edges: west (x = 0), east (x = length), south (y = 0), north (y = width).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdgesSpec {
    /// x = 0.
    #[serde(default)]
    pub west: Option<EdgeSpec>,
    /// x = length.
    #[serde(default)]
    pub east: Option<EdgeSpec>,
    /// y = 0.
    #[serde(default)]
    pub south: Option<EdgeSpec>,
    /// y = width.
    #[serde(default)]
    pub north: Option<EdgeSpec>,
}

/// Kinds of edge condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKindSpec {
    /// No heat crosses the edge.
    Insulated,
    /// Edge held at `temperature_k`.
    Fixed,
    /// Heat enters through the edge: `flux_w_m2` (through the edge cross-section)
    /// or `power_w` (total, spread evenly along the edge).
    Flux,
    /// Convection to `node` with `h_w_m2_k` over the edge cross-section.
    Convection,
    /// Conductance per length of edge `conductance_w_m_k` to `node`.
    Conductance,
}

/// One edge condition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdgeSpec {
    /// Condition kind.
    pub kind: EdgeKindSpec,
    /// Fixed: edge temperature, K (number, table or harmonic).
    #[serde(default)]
    pub temperature_k: Option<ProfileSpec>,
    /// Flux: heat flux through the edge cross-section, W/m².
    #[serde(default)]
    pub flux_w_m2: Option<f64>,
    /// Flux: total heat into the edge, W.
    #[serde(default)]
    pub power_w: Option<f64>,
    /// Convection / conductance: the node on the other side.
    #[serde(default)]
    pub node: Option<String>,
    /// Convection: film coefficient, W/(m²·K).
    #[serde(default)]
    pub h_w_m2_k: Option<f64>,
    /// Conductance: per metre of edge, W/(m·K).
    #[serde(default)]
    pub conductance_w_m_k: Option<f64>,
}

/// A coupling between panel cells and a lumped node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentSpec {
    /// The lumped node (a heat pipe, a coolant node, a component).
    pub node: String,
    /// A line from `[x0, y0]` to `[x1, y1]`, m, with `conductance_w_m_k`.
    #[serde(default)]
    pub line_m: Option<[[f64; 2]; 2]>,
    /// Conductance per length of line, W/(m·K).
    #[serde(default)]
    pub conductance_w_m_k: Option<f64>,
    /// A rectangle `[[x0, y0], [x1, y1]]`, m, with `conductance_w_m2_k`.
    #[serde(default)]
    pub region_m: Option<[[f64; 2]; 2]>,
    /// Conductance per area of region, W/(m²·K).
    #[serde(default)]
    pub conductance_w_m2_k: Option<f64>,
}

/// Which face of a panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaceSpec {
    /// The +z face.
    Top,
    /// The −z face.
    Bottom,
}

/// Spectral band of an incident flux.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BandSpec {
    /// Sunlight and albedo: absorbed with α.
    Solar,
    /// Planetary infrared: absorbed with ε.
    Infrared,
}

/// A heat load on a panel: an incident flux on a face (absorbed with the face's
/// absorptivity), or dissipated power.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelLoadSpec {
    /// Name for reports.
    #[serde(default)]
    pub name: Option<String>,
    /// Incident flux on `face`, W/m² (number, table or harmonic).
    #[serde(default)]
    pub incident_flux_w_m2: Option<ProfileSpec>,
    /// Face for an incident flux.
    #[serde(default)]
    pub face: Option<FaceSpec>,
    /// Spectral band of the incident flux: `solar` (absorbed with the face's
    /// absorptivity, the default) or `infrared` (absorbed with its emissivity,
    /// by Kirchhoff's law for a grey surface).
    #[serde(default)]
    pub band: Option<BandSpec>,
    /// The environment fluxes on `face`, taken from this `[[surfaces]]` entry (its outward
    /// normal is the face's): solar + albedo absorbed with the face's α, Earth IR with its ε.
    #[serde(default)]
    pub orbit_surface: Option<String>,
    /// Dissipated power, W, spread by area (number, table or harmonic).
    #[serde(default)]
    pub power_w: Option<ProfileSpec>,
    /// Dissipated power per planform area, W/m².
    #[serde(default)]
    pub power_w_m2: Option<ProfileSpec>,
    /// Restrict to this rectangle `[[x0, y0], [x1, y1]]`, m; default the whole panel.
    #[serde(default)]
    pub region_m: Option<[[f64; 2]; 2]>,
}

/// Steady, transient or periodic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SolveMode {
    /// Steady state.
    Steady,
    /// Time history.
    Transient,
    /// Orbit-periodic (cyclic) steady state: `T(t + P) = T(t)`.
    Periodic,
}

/// Solver settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolveSpec {
    /// Steady or transient.
    pub mode: SolveMode,
    /// Newton tolerance: residual relative to the heat flowing.
    #[serde(default)]
    pub tolerance: Option<f64>,
    /// Newton iteration limit (steady, or per step).
    #[serde(default)]
    pub max_iterations: Option<i64>,
    /// Linear solver (`auto`, `direct`, …).
    #[serde(default)]
    pub linear_solver: Option<LinearSolverChoice>,
    /// Steady: time at which sources and boundaries are evaluated, s.
    #[serde(default)]
    pub time_s: Option<f64>,
    /// Transient settings.
    #[serde(default)]
    pub transient: Option<TransientSpec>,
    /// Periodic settings (`mode = "periodic"`; every key has a default when
    /// the case has an `[orbit]`).
    #[serde(default)]
    pub periodic: Option<PeriodicSpec>,
}

/// Time-integration methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodSpec {
    /// Second-order backward differentiation.
    Bdf2,
    /// Trapezoidal rule (Crank–Nicolson).
    Trapezoidal,
    /// First-order backward Euler.
    BackwardEuler,
}

/// Where a transient starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitialStateSpec {
    /// The nodes' initial temperatures.
    Initial,
    /// The steady state at the start time.
    Steady,
}

/// Transient settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransientSpec {
    /// Start time, s (default 0).
    #[serde(default)]
    pub start_s: Option<f64>,
    /// End time, s.
    pub end_s: f64,
    /// Integration method (default BDF2).
    #[serde(default)]
    pub method: Option<MethodSpec>,
    /// Fixed step, s. Omit for adaptive steps.
    #[serde(default)]
    pub dt_s: Option<f64>,
    /// Adaptive: relative tolerance on temperature (default 1e-4).
    #[serde(default)]
    pub rtol: Option<f64>,
    /// Adaptive: absolute tolerance, K (default 1e-3).
    #[serde(default)]
    pub atol_k: Option<f64>,
    /// Interval between outputs, s (default: 100 outputs over the run).
    #[serde(default)]
    pub output_interval_s: Option<f64>,
    /// Initial state (default `initial`).
    #[serde(default)]
    pub initial: Option<InitialStateSpec>,
}

/// How a periodic run combines successive periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccelerationSpec {
    /// Anderson mixing of the last periods (the default).
    Anderson,
    /// Plain repetition.
    None,
}

/// Periodic settings: the period, the convergence test, and the transient
/// settings used within each period (the same keys and checks as
/// `[solve.transient]`, without `end_s`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodicSpec {
    /// Period, s (default: the orbit's nodal period; required without `[orbit]`).
    #[serde(default)]
    pub period_s: Option<f64>,
    /// Start of the period, s (default 0).
    #[serde(default)]
    pub start_s: Option<f64>,
    /// Tolerance on max |T(t0 + P) − T(t0)|, K (default 1e-3).
    #[serde(default)]
    pub tolerance_k: Option<f64>,
    /// Periods integrated before giving up (default 100).
    #[serde(default)]
    pub max_periods: Option<i64>,
    /// `anderson` (default) or `none`.
    #[serde(default)]
    pub acceleration: Option<AccelerationSpec>,
    /// Warm-up periods at steps this many times longer before the periods
    /// that count (default 4; 1 turns the warm-up off).
    #[serde(default)]
    pub warm_up_step_factor: Option<f64>,
    /// Integration method (default BDF2).
    #[serde(default)]
    pub method: Option<MethodSpec>,
    /// Fixed step, s. Omit for adaptive steps.
    #[serde(default)]
    pub dt_s: Option<f64>,
    /// Adaptive: relative tolerance on temperature (default 1e-4).
    #[serde(default)]
    pub rtol: Option<f64>,
    /// Adaptive: absolute tolerance, K (default 1e-3).
    #[serde(default)]
    pub atol_k: Option<f64>,
    /// Interval between outputs, s (default: 200 outputs over the period).
    #[serde(default)]
    pub output_interval_s: Option<f64>,
    /// Start of the first period: `steady` (default), the steady state with
    /// every load and boundary temperature averaged over the period, or
    /// `initial`, the nodes' initial temperatures.
    #[serde(default)]
    pub initial: Option<InitialStateSpec>,
}

/// The time-step settings `[solve.transient]` and `[solve.periodic]` share,
/// so both are checked and turned into solver options by the same code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepSettings {
    /// Integration method.
    pub method: Option<MethodSpec>,
    /// Fixed step, s.
    pub dt_s: Option<f64>,
    /// Adaptive relative tolerance.
    pub rtol: Option<f64>,
    /// Adaptive absolute tolerance, K.
    pub atol_k: Option<f64>,
    /// Interval between outputs, s.
    pub output_interval_s: Option<f64>,
}

impl TransientSpec {
    /// The step settings.
    pub fn steps(&self) -> StepSettings {
        StepSettings {
            method: self.method,
            dt_s: self.dt_s,
            rtol: self.rtol,
            atol_k: self.atol_k,
            output_interval_s: self.output_interval_s,
        }
    }
}

impl PeriodicSpec {
    /// The step settings.
    pub fn steps(&self) -> StepSettings {
        StepSettings {
            method: self.method,
            dt_s: self.dt_s,
            rtol: self.rtol,
            atol_k: self.atol_k,
            output_interval_s: self.output_interval_s,
        }
    }
}

/// What to write.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// CSV of temperatures (default true).
    #[serde(default = "yes")]
    pub csv: bool,
    /// PNG plots (default true).
    #[serde(default = "yes")]
    pub plots: bool,
    /// VTK files of panel fields (default false).
    #[serde(default)]
    pub vtk: bool,
    /// Lumped nodes and panel points for history plots and CSV (default: all lumped nodes).
    #[serde(default)]
    pub probes: Option<Vec<ProbeSpec>>,
}

/// A probe: a lumped node by name, or a point on a panel.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeSpec {
    /// `"heat_pipes"`.
    Node(String),
    /// `{ panel = "radiator", at_m = [x, y] }`, optionally with a `name`.
    Point(PointProbeSpec),
}

/// A point on a panel, `0 ≤ x ≤ length_m`, `0 ≤ y ≤ width_m` (edges and corners included),
/// where the temperature is interpolated to second order.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointProbeSpec {
    /// The panel.
    pub panel: String,
    /// `[x, y]`, m, from the panel's (x = 0, y = 0) corner.
    pub at_m: [f64; 2],
    /// Name in `history.csv` and the summary (default `PANEL@xX_yY`).
    #[serde(default)]
    pub name: Option<String>,
}

/// The accepted forms of a probe, for messages.
pub const PROBE_FORMS: &str =
    "a node name (\"heat_pipes\") or a panel point { panel = \"radiator\", at_m = [x, y] } (optional name)";

impl<'de> Deserialize<'de> for ProbeSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ProbeSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(PROBE_FORMS)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ProbeSpec, E> {
                Ok(ProbeSpec::Node(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<ProbeSpec, A::Error> {
                PointProbeSpec::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(ProbeSpec::Point)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Default for OutputSpec {
    fn default() -> Self {
        Self {
            csv: true,
            plots: true,
            vtk: false,
            probes: None,
        }
    }
}

impl CaseFile {
    /// The orbit tables, borrowed.
    pub fn orbit_tables(&self) -> OrbitTables<'_> {
        OrbitTables {
            orbit: self.orbit.as_ref(),
            attitude: self.attitude.as_ref(),
            environment: self.environment.as_ref(),
            surfaces: &self.surfaces,
            coatings: &self.coatings,
        }
    }

    /// True when the case uses any orbit table.
    pub fn has_orbit_tables(&self) -> bool {
        self.orbit.is_some()
            || self.attitude.is_some()
            || self.environment.is_some()
            || !self.surfaces.is_empty()
    }
}

fn yes() -> bool {
    true
}
