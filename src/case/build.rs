//! Turning a checked case into a network: every number is range-checked here,
//! with its key path, before the network sees it.
//!
//! Length: one pass from the checked schema to the runnable model (nodes,
//! conductors, panels, orbit sources, components); the checks by key it shares
//! with every section are the bulk of it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::limits::{self, too_large, Limits};
use super::orbit::{CaseOrbit, OrbitOverrides, OrbitSetup};
use super::schema::{
    ConductorKindSpec, ConductorSpec, InitialStateSpec, NodeKindSpec, OutputSpec, PeriodicSpec,
    ProbeSpec, ProfileSpec, SolveMode, SolveSpec, StepSettings,
};
use super::{number_text, Case};
use crate::error::{Error, InputError, NetworkError};
use crate::network::{
    AssembledNetwork, Harmonic, HeatSource, NodeId, NodeKind, Profile, ThermalNetwork, TimeTable,
};
use crate::solve::periodic::{profile_mean, MAX_WARM_UP_STEP_FACTOR};

/// Initial temperature when a case gives none, K (a room-temperature first guess).
pub const DEFAULT_INITIAL_TEMPERATURE_K: f64 = 293.15;

// Physical ranges of input quantities. A value beyond them is a typo or a unit slip, not a
// design: refusing it names the key, where solving would end in a singular matrix or an
// overflow that names nothing.

/// Longest length (panel size, thickness, coordinate), m: 100 km. The largest structure ever
/// flown, the ISS, spans 109 m; kilometre-scale radiators are studied; 100 km is none.
pub const MAX_LENGTH_M: f64 = 1e5;
/// Largest area (conductor area, exchange factor), m²: the square of [`MAX_LENGTH_M`].
pub const MAX_AREA_M2: f64 = MAX_LENGTH_M * MAX_LENGTH_M;
/// Highest temperature, K: 10⁵ K, seventeen times the Sun's photosphere (5772 K, IAU 2015
/// Resolution B3); every material has vaporised far below it, and σT⁴ there (5.7 × 10¹² W/m²)
/// still leaves the radiation terms finite with room to spare.
pub const MAX_TEMPERATURE_K: f64 = 1e5;
/// Largest heat load, W: 1 TW, a million times the 1 MW GPU module thermorbit is built around.
pub const MAX_POWER_W: f64 = 1e12;
/// Largest heat flux, W/m²: 10⁹, sixteen times what the Sun's surface emits
/// (σ·5772⁴ = 6.3 × 10⁷ W/m²).
pub const MAX_FLUX_W_M2: f64 = 1e9;
/// Latest time, s: 10¹⁰ s (317 years), longer than any mission; at that magnitude an `f64`
/// still resolves 2 µs.
pub const MAX_TIME_S: f64 = 1e10;
/// Largest material property, conductance or capacity rate (W/K, W/(m·K), J/K, kg/m³ …):
/// 10³⁰. Not a physical bound (real values stay below 10⁷ in these units) but an arithmetic
/// one: products of such values with areas and [`MAX_TEMPERATURE_K`]⁴ stay far from `f64`
/// overflow, and deliberately stiff test models (k = 10¹⁵ W/(m·K)) still build.
pub const MAX_MAGNITUDE: f64 = 1e30;
/// Largest Newton iteration limit (steady, or per step).
pub const MAX_NEWTON_ITERATIONS: f64 = 10_000.0;
/// Tightest relative tolerance of adaptive steps: 10⁻¹², a few thousand ulps; below it the
/// local error estimate is round-off and the step size collapses.
pub const MIN_RTOL: f64 = 1e-12;
/// Tightest absolute tolerance of adaptive steps, K: 10⁻⁹ K (a 10⁻¹² relative error at 1000 K).
pub const MIN_ATOL_K: f64 = 1e-9;

/// A runnable model built from a case.
#[derive(Debug, Clone)]
pub struct Model {
    /// Title for reports and plots.
    pub title: String,
    /// The thermal network, assembled (the node-and-conductor lists it was
    /// built from are dropped: at a million cells they would double the memory
    /// of a solve).
    pub system: AssembledNetwork,
    /// Wall time of the assembly, s (part of a run's reported wall time).
    pub assembly_time_s: f64,
    /// Panels, in name order.
    pub panels: Vec<PanelModel>,
    /// Solver settings (checked).
    pub solve: SolveSpec,
    /// Output settings.
    pub output: OutputSpec,
    /// Lumped nodes and panel points to report over time.
    pub probes: Vec<Probe>,
    /// The orbit and its environment fluxes, when the case has an `[orbit]`.
    pub orbit: Option<CaseOrbit>,
    /// Racks, loops, arrays, battery and bus, when the case has any.
    pub spacecraft: Option<super::Spacecraft>,
    /// A periodic run that starts from the orbit-average steady state: the
    /// same network with every time-varying source, boundary temperature and
    /// orbit load replaced by its mean over the period (its steady state is
    /// the first period's start).
    pub periodic_start_system: Option<AssembledNetwork>,
}

/// A panel in the built model.
#[derive(Debug, Clone)]
pub struct PanelModel {
    /// Panel name (also its node group's name).
    pub name: String,
    /// Its cells in the network, and the geometry to map results back to x, y.
    pub nodes: crate::mesh::PanelNodes,
}

/// Where `history.csv` and the summary report a temperature.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// Name in reports: the node's name, or the point probe's (default `PANEL@xX_yY`).
    pub name: String,
    /// What it measures.
    pub at: ProbeAt,
}

/// What a probe measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ProbeAt {
    /// A node's temperature.
    Node(NodeId),
    /// The temperature at `(x_m, y_m)` on panel `panel` (index into [`Model::panels`]),
    /// interpolated to second order ([`crate::mesh::PanelNodes::temperature_at`]).
    PanelPoint {
        /// Index into [`Model::panels`].
        panel: usize,
        /// x, m.
        x_m: f64,
        /// y, m.
        y_m: f64,
    },
}

impl Model {
    /// Temperature (K) at `probe` for an all-node temperature vector.
    pub fn probe_temperature_k(&self, probe: &Probe, temps: &[f64]) -> Result<f64, NetworkError> {
        match probe.at {
            ProbeAt::Node(id) => temps
                .get(id)
                .copied()
                .ok_or(NetworkError::NodeIndexOutOfRange {
                    index: id,
                    count: temps.len(),
                }),
            ProbeAt::PanelPoint { panel, x_m, y_m } => match self.panels.get(panel) {
                Some(p) => p.nodes.temperature_at(x_m, y_m, temps),
                None => Err(NetworkError::UnknownNode {
                    name: probe.name.clone(),
                }),
            },
        }
    }
}

/// Range checks that name the file and key.
pub(super) struct Checker<'a> {
    pub file: &'a Path,
    /// `Some((t0, t1))`: every time profile becomes its mean over `[t0, t1]`
    /// (the period-averaged network whose steady state starts a periodic run).
    pub average_over_s: Option<(f64, f64)>,
}

impl Checker<'_> {
    /// `value` if finite and `ok(value)`, else an error quoting `allowed`.
    pub fn number(
        &self,
        key: &str,
        value: f64,
        ok: impl Fn(f64) -> bool,
        allowed: &str,
    ) -> Result<f64, InputError> {
        if value.is_finite() && ok(value) {
            Ok(value)
        } else {
            Err(InputError::OutOfRange {
                file: self.file.to_path_buf(),
                key: key.to_string(),
                value: number_text(value),
                allowed: allowed.to_string(),
            })
        }
    }

    /// A temperature, 0 to [`MAX_TEMPERATURE_K`] (`> 0` when `strictly`).
    pub fn temperature(&self, key: &str, value: f64, strictly: bool) -> Result<f64, InputError> {
        if strictly {
            self.number(
                key,
                value,
                |v| v > 0.0 && v <= MAX_TEMPERATURE_K,
                "> 0 K and ≤ 1e5 K",
            )
        } else {
            self.number(key, value, temperature_ok, TEMPERATURE_RANGE)
        }
    }

    /// A length, `> 0` and ≤ [`MAX_LENGTH_M`].
    pub fn length(&self, key: &str, value: f64) -> Result<f64, InputError> {
        self.number(
            key,
            value,
            |v| v > 0.0 && v <= MAX_LENGTH_M,
            "> 0 m and ≤ 1e5 m (100 km)",
        )
    }

    /// A coordinate, |x| ≤ [`MAX_LENGTH_M`].
    pub fn coordinate(&self, key: &str, value: f64) -> Result<f64, InputError> {
        self.number(key, value, |v| v.abs() <= MAX_LENGTH_M, "-1e5 m to 1e5 m")
    }

    /// A heat load, |P| ≤ [`MAX_POWER_W`].
    pub fn power(&self, key: &str, value: f64) -> Result<f64, InputError> {
        self.number(key, value, power_ok, POWER_RANGE)
    }

    /// A heat flux, |q| ≤ [`MAX_FLUX_W_M2`].
    pub fn flux(&self, key: &str, value: f64) -> Result<f64, InputError> {
        self.number(key, value, flux_ok, FLUX_RANGE)
    }

    /// A time, |t| ≤ [`MAX_TIME_S`].
    pub fn time(&self, key: &str, value: f64) -> Result<f64, InputError> {
        self.number(
            key,
            value,
            |v| v.abs() <= MAX_TIME_S,
            "-1e10 s to 1e10 s (317 years)",
        )
    }

    /// A material property, conductance or capacity rate: `> 0` (or `≥ 0` unless `strictly`)
    /// and ≤ [`MAX_MAGNITUDE`].
    pub fn magnitude(&self, key: &str, value: f64, strictly: bool) -> Result<f64, InputError> {
        if strictly {
            self.number(
                key,
                value,
                |v| v > 0.0 && v <= MAX_MAGNITUDE,
                "> 0 and ≤ 1e30",
            )
        } else {
            self.number(
                key,
                value,
                |v| (0.0..=MAX_MAGNITUDE).contains(&v),
                "0 to 1e30",
            )
        }
    }

    /// An area, 0 to [`MAX_AREA_M2`].
    pub fn area(&self, key: &str, value: f64) -> Result<f64, InputError> {
        self.number(
            key,
            value,
            |v| (0.0..=MAX_AREA_M2).contains(&v),
            "0 to 1e10 m²",
        )
    }

    /// A value > 0.
    pub fn positive(&self, key: &str, value: f64) -> Result<f64, InputError> {
        self.number(key, value, |v| v > 0.0, "> 0 (finite)")
    }

    /// A value in [0, 1].
    pub fn fraction(&self, key: &str, value: f64) -> Result<f64, InputError> {
        self.number(key, value, |v| (0.0..=1.0).contains(&v), "0 to 1")
    }

    /// A required optional key.
    pub fn required<T: Clone>(
        &self,
        key: &str,
        value: &Option<T>,
        why: &str,
    ) -> Result<T, InputError> {
        value.clone().ok_or_else(|| InputError::Inconsistent {
            file: self.file.to_path_buf(),
            key: key.to_string(),
            reason: format!("missing; {why}"),
        })
    }

    /// An error for a key that makes no sense with the rest.
    pub fn inconsistent(&self, key: &str, reason: impl Into<String>) -> InputError {
        InputError::Inconsistent {
            file: self.file.to_path_buf(),
            key: key.to_string(),
            reason: reason.into(),
        }
    }

    /// Wraps a network error (the case's checks should have caught it first).
    pub fn model(&self, source: NetworkError) -> InputError {
        InputError::Model {
            file: self.file.to_path_buf(),
            source,
        }
    }

    /// A time profile; every value must satisfy `ok` (`allowed` describes it).
    /// With [`Checker::average_over_s`] set, its mean over that span.
    pub fn profile(
        &self,
        key: &str,
        spec: &ProfileSpec,
        ok: impl Fn(f64) -> bool,
        allowed: &str,
    ) -> Result<Profile, InputError> {
        let profile = self.profile_of(key, spec, ok, allowed)?;
        Ok(match self.average_over_s {
            Some((t0, t1)) if !profile.is_constant() => {
                Profile::Constant(profile_mean(&profile, t0, t1))
            }
            _ => profile,
        })
    }

    fn profile_of(
        &self,
        key: &str,
        spec: &ProfileSpec,
        ok: impl Fn(f64) -> bool,
        allowed: &str,
    ) -> Result<Profile, InputError> {
        match spec {
            ProfileSpec::Constant(v) => Ok(Profile::Constant(self.number(key, *v, ok, allowed)?)),
            ProfileSpec::Table(t) => {
                for (i, v) in t.values.iter().enumerate() {
                    self.number(&format!("{key}.values[{i}]"), *v, &ok, allowed)?;
                }
                for (i, v) in t.times_s.iter().enumerate() {
                    self.time(&format!("{key}.times_s[{i}]"), *v)?;
                }
                if let Some(p) = t.period_s {
                    self.time(&format!("{key}.period_s"), p)?;
                }
                let table = TimeTable::new(key, t.times_s.clone(), t.values.clone(), t.period_s)
                    .map_err(|e| self.inconsistent(key, e.to_string()))?;
                Ok(Profile::from(table))
            }
            ProfileSpec::Harmonic(h) => {
                self.number(&format!("{key}.mean"), h.mean, |_| true, "finite")?;
                self.number(&format!("{key}.amplitude"), h.amplitude, |_| true, "finite")?;
                self.positive(&format!("{key}.period_s"), h.period_s)?;
                self.time(&format!("{key}.period_s"), h.period_s)?;
                self.number(&format!("{key}.phase_deg"), h.phase_deg, |_| true, "finite")?;
                for extreme in [h.mean - h.amplitude.abs(), h.mean + h.amplitude.abs()] {
                    if !ok(extreme) {
                        return Err(self.inconsistent(
                            key,
                            format!(
                                "the harmonic reaches {}; every value must be {allowed}",
                                number_text(extreme)
                            ),
                        ));
                    }
                }
                Ok(Profile::Function(Arc::new(Harmonic {
                    mean: h.mean,
                    amplitude: h.amplitude,
                    period_s: h.period_s,
                    phase_rad: h.phase_deg.to_radians(),
                })))
            }
        }
    }

    /// Index of the `[[surfaces]]` entry called `name` in the orbit's flux series, or an error
    /// (no `[orbit]`, or no such surface, listing the defined ones).
    pub fn orbit_surface<'o>(
        &self,
        key: &str,
        name: &str,
        orbit: Option<&'o CaseOrbit>,
    ) -> Result<(&'o CaseOrbit, usize), InputError> {
        let orbit = orbit.ok_or_else(|| {
            self.inconsistent(
                key,
                "orbit fluxes need an [orbit] table and the surface in [[surfaces]]",
            )
        })?;
        orbit
            .surface_index(name)
            .map(|k| (orbit, k))
            .ok_or_else(|| InputError::UndefinedReference {
                file: self.file.to_path_buf(),
                key: key.to_string(),
                name: name.to_string(),
                hint: defined_hint(orbit.setup.surfaces.iter().map(|s| &s.name)),
            })
    }

    /// The node called `name`, or an error listing the defined ones.
    pub fn node(
        &self,
        key: &str,
        name: &str,
        nodes: &BTreeMap<String, NodeId>,
    ) -> Result<NodeId, InputError> {
        nodes
            .get(name)
            .copied()
            .ok_or_else(|| InputError::UndefinedReference {
                file: self.file.to_path_buf(),
                key: key.to_string(),
                name: name.to_string(),
                hint: defined_hint(nodes.keys()),
            })
    }
}

/// Allowed temperatures (boundaries, fixed edges), for [`Checker::profile`].
pub(super) fn temperature_ok(v: f64) -> bool {
    (0.0..=MAX_TEMPERATURE_K).contains(&v)
}
/// Text of [`temperature_ok`].
pub(super) const TEMPERATURE_RANGE: &str = "0 K to 1e5 K";
/// Allowed heat loads.
pub(super) fn power_ok(v: f64) -> bool {
    v.abs() <= MAX_POWER_W
}
/// Text of [`power_ok`].
pub(super) const POWER_RANGE: &str = "-1e12 W to 1e12 W";
/// Allowed heat fluxes.
pub(super) fn flux_ok(v: f64) -> bool {
    v.abs() <= MAX_FLUX_W_M2
}
/// Text of [`flux_ok`].
pub(super) const FLUX_RANGE: &str = "-1e9 W/m² to 1e9 W/m²";

/// `; defined: a, b, c` (or `; none are defined`).
pub(super) fn defined_hint<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = names.map(String::as_str).collect();
    if names.is_empty() {
        "; none are defined".into()
    } else {
        format!("; defined: {}", names.join(", "))
    }
}

pub(super) fn build(case: &Case, limits: &Limits) -> Result<Model, InputError> {
    let ck = Checker {
        file: &case.file,
        average_over_s: None,
    };
    let spec = &case.spec;
    let outputs = check_solve(&ck, &spec.solve, spec.orbit.is_some(), limits)?;
    // Sizes first, allocations after: the panel tables (with their mesh files), the orbit's
    // flux span and the solve's outputs give the model's memory before any of it exists.
    let panel_specs = super::panels::read_panel_specs(&ck, case, limits)?;
    let enclosure = super::radiation::read_enclosure(&ck, case, &panel_specs)?;
    let orbit_setup = orbit_setup(case)?;
    let flux_bytes = match &orbit_setup {
        Some((setup, span)) => check_orbit_span(&ck, spec, setup, *span, limits)?,
        None => 0.0,
    };
    check_model_size(&ck, case, &panel_specs, outputs, flux_bytes, limits)?;
    let orbit = match orbit_setup {
        Some((setup, span)) => Some(
            CaseOrbit::new(setup, span.t0_s, span.t1_s, span.steady)
                .map_err(|e| orbit_input_error(&ck, e))?,
        ),
        None => None,
    };
    let BuiltNetwork {
        system,
        panels,
        probes,
        spacecraft,
        mut assembly_time_s,
    } = build_network(&ck, case, panel_specs, orbit.as_ref(), enclosure.as_ref())?;
    let periodic_start_system = match periodic_average_span(case, orbit.as_ref()) {
        Some((t0, t1)) => {
            let averaged = Checker {
                file: &case.file,
                average_over_s: Some((t0, t1)),
            };
            let orbit = orbit.as_ref().map(|o| CaseOrbit {
                averaged_over_s: Some((t0, t1)),
                ..o.clone()
            });
            let panel_specs = super::panels::read_panel_specs(&averaged, case, limits)?;
            let avg = build_network(
                &averaged,
                case,
                panel_specs,
                orbit.as_ref(),
                enclosure.as_ref(),
            )?;
            assembly_time_s += avg.assembly_time_s;
            Some(avg.system)
        }
        None => None,
    };
    Ok(Model {
        title: spec.title.clone().unwrap_or_else(|| {
            case.file
                .file_stem()
                .map_or_else(|| "case".into(), |s| s.to_string_lossy().into_owned())
        }),
        system,
        assembly_time_s,
        panels,
        solve: spec.solve.clone(),
        output: spec.output.clone(),
        probes,
        orbit,
        spacecraft: (!spacecraft.is_empty()).then_some(spacecraft),
        periodic_start_system,
    })
}

/// The period `[t0, t0 + P]` over which a periodic run that starts from the
/// averaged steady state averages its loads (`None` for other runs).
fn periodic_average_span(case: &Case, orbit: Option<&CaseOrbit>) -> Option<(f64, f64)> {
    let solve = &case.spec.solve;
    if solve.mode != SolveMode::Periodic {
        return None;
    }
    let p = solve.periodic.clone().unwrap_or_default();
    if p.initial == Some(InitialStateSpec::Initial) {
        return None;
    }
    let t0 = p.start_s.unwrap_or(0.0);
    let period = periodic_period_s(&p, orbit.map(|o| o.setup.model.orbit()))?;
    Some((t0, t0 + period))
}

/// The period of a periodic run: `period_s`, else the orbit's nodal period
/// (`None` without either; `check_solve` rejects that case).
pub(super) fn periodic_period_s(
    spec: &PeriodicSpec,
    orbit: Option<&crate::orbit::Orbit>,
) -> Option<f64> {
    spec.period_s.or_else(|| orbit.map(|o| o.nodal_period_s()))
}

/// The network of a case (nodes, panels, components, conductors, sources), assembled.
struct BuiltNetwork {
    system: AssembledNetwork,
    panels: Vec<PanelModel>,
    /// Lumped nodes and panel points to report over time.
    probes: Vec<Probe>,
    /// Racks, loops, arrays, battery and bus.
    spacecraft: super::Spacecraft,
    /// Wall time of the assembly, s.
    assembly_time_s: f64,
}

/// Builds and assembles the network of a case (its profiles averaged when
/// `ck` asks for it, its orbit loads as `orbit` gives them).
fn build_network(
    ck: &Checker,
    case: &Case,
    panel_specs: Vec<super::panels::PanelSource>,
    orbit: Option<&CaseOrbit>,
    enclosure: Option<&super::radiation::Enclosure>,
) -> Result<BuiltNetwork, InputError> {
    let spec = &case.spec;
    let mut net = ThermalNetwork::new();
    let mut nodes: BTreeMap<String, NodeId> = BTreeMap::new();

    for (name, n) in &spec.nodes {
        let key = |k: &str| format!("nodes.{name}.{k}");
        let initial = match n.initial_temperature_k {
            Some(t) => ck.temperature(&key("initial_temperature_k"), t, true)?,
            None => DEFAULT_INITIAL_TEMPERATURE_K,
        };
        let kind = match n.kind {
            NodeKindSpec::Diffusion => {
                let c = ck.required(
                    &key("capacitance_j_k"),
                    &n.capacitance_j_k,
                    "a diffusion node needs its heat capacity",
                )?;
                if n.temperature_k.is_some() {
                    return Err(ck.inconsistent(&key("temperature_k"), "only boundary nodes have a prescribed temperature; use initial_temperature_k"));
                }
                NodeKind::Diffusion {
                    capacitance_j_k: ck.magnitude(&key("capacitance_j_k"), c, true)?,
                }
            }
            NodeKindSpec::Arithmetic => {
                if n.capacitance_j_k.is_some() {
                    return Err(ck.inconsistent(
                        &key("capacitance_j_k"),
                        "an arithmetic node is massless; use kind = \"diffusion\"",
                    ));
                }
                if n.temperature_k.is_some() {
                    return Err(ck.inconsistent(&key("temperature_k"), "only boundary nodes have a prescribed temperature; use initial_temperature_k"));
                }
                NodeKind::Arithmetic
            }
            NodeKindSpec::Boundary => {
                let t = ck.required(
                    &key("temperature_k"),
                    &n.temperature_k,
                    "a boundary node needs its temperature",
                )?;
                if n.capacitance_j_k.is_some() {
                    return Err(ck.inconsistent(
                        &key("capacitance_j_k"),
                        "a boundary node's temperature is prescribed; it has no capacitance",
                    ));
                }
                NodeKind::Boundary {
                    temperature_k: ck.profile(
                        &key("temperature_k"),
                        &t,
                        temperature_ok,
                        TEMPERATURE_RANGE,
                    )?,
                }
            }
        };
        let initial = match &kind {
            NodeKind::Boundary { temperature_k } if n.initial_temperature_k.is_none() => {
                temperature_k.value_at(0.0).max(1.0)
            }
            _ => initial,
        };
        let id = net.add_node(name, kind, initial).map_err(|e| ck.model(e))?;
        nodes.insert(name.clone(), id);
    }

    let mut tubes = super::spacecraft::TubesByPanel::new();
    let mut coatings = BTreeMap::new();
    let panels = super::panels::build_panels(
        ck,
        case,
        panel_specs,
        &mut net,
        &nodes,
        orbit,
        &mut tubes,
        enclosure,
        &mut coatings,
    )?;
    if let Some(enclosure) = enclosure {
        enclosure.add_exchange(ck, &mut net, &panels, &coatings, &nodes)?;
    }
    let spacecraft = super::spacecraft::SpacecraftBuilder { ck, case, orbit }
        .build(&mut net, &mut nodes, &panels, &tubes)?;

    for (i, c) in spec.conductors.iter().enumerate() {
        add_conductor(ck, &format!("conductors[{i}]"), c, &mut net, &nodes)?;
    }

    for (i, s) in spec.sources.iter().enumerate() {
        let key = |k: &str| format!("sources[{i}].{k}");
        let node = ck.node(&key("node"), &s.node, &nodes)?;
        if matches!(net.kind(node), NodeKind::Boundary { .. }) {
            return Err(ck.inconsistent(&key("node"), format!("`{}` is a boundary node; its temperature is prescribed, so a source there does nothing", s.node)));
        }
        let profile = match (&s.power_w, &s.orbit_surface) {
            (Some(p), None) => ck.profile(&key("power_w"), p, power_ok, POWER_RANGE)?,
            (None, Some(name)) => {
                let (orbit, k) = ck.orbit_surface(&key("orbit_surface"), name, orbit)?;
                let surface = &orbit.setup.surfaces[k];
                let area = ck.required(
                    &format!("surfaces[{k}].area_m2"),
                    &surface.area_m2,
                    "a source that takes its power from a surface needs the surface's area",
                )?;
                ck.area(&format!("surfaces[{k}].area_m2"), area)?;
                orbit.profile(k, surface.absorptivity * area, surface.emissivity * area)
            }
            _ => {
                return Err(ck.inconsistent(
                    &format!("sources[{i}]"),
                    "a source takes either power_w or orbit_surface",
                ))
            }
        };
        net.add_source(HeatSource {
            name: s.name.clone(),
            loads: vec![(node, 1.0)],
            profile,
        })
        .map_err(|e| ck.model(e))?;
    }

    let probes = probes(ck, &spec.output.probes, &nodes, &net, &panels)?;
    let assembly_start = std::time::Instant::now();
    let system = net.assemble().map_err(|e| ck.model(e))?;
    drop(net);
    Ok(BuiltNetwork {
        system,
        panels,
        probes,
        spacecraft,
        assembly_time_s: assembly_start.elapsed().as_secs_f64(),
    })
}

/// The `[output] probes` (every non-boundary lumped node when the case lists none): node names
/// and panel points, each point checked to lie on its panel and every name used once.
fn probes(
    ck: &Checker,
    list: &Option<Vec<ProbeSpec>>,
    nodes: &BTreeMap<String, NodeId>,
    net: &ThermalNetwork,
    panels: &[PanelModel],
) -> Result<Vec<Probe>, InputError> {
    let Some(list) = list else {
        return Ok(nodes
            .iter()
            .filter(|(_, &id)| !matches!(net.kind(id), NodeKind::Boundary { .. }))
            .map(|(n, &id)| Probe {
                name: n.clone(),
                at: ProbeAt::Node(id),
            })
            .collect());
    };
    let mut out: Vec<Probe> = Vec::with_capacity(list.len());
    for (i, p) in list.iter().enumerate() {
        let key = format!("output.probes[{i}]");
        let probe = match p {
            ProbeSpec::Node(name) => Probe {
                name: name.clone(),
                at: ProbeAt::Node(ck.node(&key, name, nodes)?),
            },
            ProbeSpec::Point(point) => {
                let index = panels
                    .iter()
                    .position(|m| m.name == point.panel)
                    .ok_or_else(|| InputError::UndefinedReference {
                        file: ck.file.to_path_buf(),
                        key: format!("{key}.panel"),
                        name: point.panel.clone(),
                        hint: defined_hint(panels.iter().map(|m| &m.name)),
                    })?;
                let nodes_of = &panels[index].nodes;
                let mut at = [0.0; 2];
                for (axis, (size, what)) in [
                    (nodes_of.length_m(), "length_m"),
                    (nodes_of.width_m(), "width_m"),
                ]
                .into_iter()
                .enumerate()
                {
                    at[axis] = ck.number(
                        &format!("{key}.at_m[{axis}]"),
                        point.at_m[axis],
                        |v| (0.0..=size).contains(&v),
                        &format!(
                            "0 to {} m (the panel's {what}; edges and corners included)",
                            number_text(size)
                        ),
                    )?;
                }
                Probe {
                    name: point.name.clone().unwrap_or_else(|| {
                        format!(
                            "{}@x{}_y{}",
                            point.panel,
                            number_text(at[0]),
                            number_text(at[1])
                        )
                    }),
                    at: ProbeAt::PanelPoint {
                        panel: index,
                        x_m: at[0],
                        y_m: at[1],
                    },
                }
            }
        };
        if out.iter().any(|q| q.name == probe.name) {
            return Err(ck.inconsistent(
                &key,
                format!(
                    "a probe named `{}` is already listed; give point probes distinct names (name = \"...\")",
                    probe.name
                ),
            ));
        }
        out.push(probe);
    }
    Ok(out)
}

/// The span of a case's orbit fluxes: a transient's run, or one nodal period from
/// `solve.time_s` for a steady run.
#[derive(Debug, Clone, Copy)]
struct FluxSpan {
    t0_s: f64,
    t1_s: f64,
    steady: bool,
}

/// The case's orbit, resolved (no fluxes computed yet), and the span its fluxes cover
/// (`None` without orbit tables).
fn orbit_setup(case: &Case) -> Result<Option<(OrbitSetup, FluxSpan)>, InputError> {
    let spec = &case.spec;
    if !spec.has_orbit_tables() {
        return Ok(None);
    }
    let ck = Checker {
        file: &case.file,
        average_over_s: None,
    };
    if spec.orbit.is_none() {
        return Err(ck.inconsistent(
            "orbit",
            "missing; [attitude], [environment] and [[surfaces]] describe an orbit: add an [orbit] table",
        ));
    }
    let setup = super::orbit::resolve(
        &spec.orbit_tables(),
        &OrbitOverrides::default(),
        Some(&case.file),
    )
    .map_err(|e| orbit_input_error(&ck, e))?;
    let mut setup = setup;
    for (name, normal) in super::spacecraft::fixed_array_faces(spec) {
        let surface =
            crate::environment::Surface::new(name, nalgebra::Vector3::from(normal), 1.0, 1.0)
                .map_err(|e| orbit_input_error(&ck, e.into()))?;
        setup.surfaces.push(surface);
    }
    let span = match (&spec.solve.mode, &spec.solve.transient) {
        (SolveMode::Transient, Some(t)) => FluxSpan {
            t0_s: t.start_s.unwrap_or(0.0),
            t1_s: t.end_s,
            steady: false,
        },
        (SolveMode::Periodic, _) => {
            // The fluxes of one period [t0, t0 + P]: every iteration integrates this
            // span, so the forcing is this period's, repeated.
            let p = spec.solve.periodic.clone().unwrap_or_default();
            let t0 = p.start_s.unwrap_or(0.0);
            let period = periodic_period_s(&p, Some(setup.model.orbit()))
                .unwrap_or_else(|| setup.model.orbit().nodal_period_s());
            FluxSpan {
                t0_s: t0,
                t1_s: t0 + period,
                steady: false,
            }
        }
        _ => {
            let t = spec.solve.time_s.unwrap_or(0.0);
            FluxSpan {
                t0_s: t,
                t1_s: t + setup.model.orbit().nodal_period_s(),
                steady: true,
            }
        }
    };
    Ok(Some((setup, span)))
}

/// An orbit error as an input error of the case.
fn orbit_input_error(ck: &Checker, e: Error) -> InputError {
    match e {
        Error::Input(e) => e,
        other => ck.inconsistent("orbit", other.to_string()),
    }
}

/// Checks the orbit flux table and eclipse scan of `span` against the limits; returns the
/// memory they take, bytes.
fn check_orbit_span(
    ck: &Checker,
    spec: &super::CaseFile,
    setup: &OrbitSetup,
    span: FluxSpan,
    limits: &Limits,
) -> Result<f64, InputError> {
    let cost = super::orbit::SpanCost::of(setup, span.t0_s, span.t1_s, setup.flux_step_s);
    let key = if span.steady {
        "environment.flux_step_s"
    } else {
        "solve.transient.end_s"
    };
    let step_text = if spec
        .environment
        .as_ref()
        .is_some_and(|e| e.flux_step_s.is_some())
    {
        "environment.flux_step_s"
    } else {
        "the default flux step"
    };
    let over = |reason: String| {
        too_large(
            ck.file,
            key,
            format!(
                "the orbit fluxes from t = {} s to {} s at {step_text} = {} s: {reason}; shorten the run or lengthen environment.flux_step_s",
                number_text(span.t0_s),
                number_text(span.t1_s),
                number_text(setup.flux_step_s)
            ),
        )
    };
    cost.check(limits).map_err(over)?;
    Ok(cost.bytes)
}

/// Refuses a model whose cells, or whose estimated peak memory, exceed the limits — before
/// any of it is allocated. `outputs` is the number of stored transient outputs (0 for steady),
/// `flux_bytes` the orbit flux table's memory.
fn check_model_size(
    ck: &Checker,
    case: &Case,
    panels: &[super::panels::PanelSource],
    outputs: f64,
    flux_bytes: f64,
    limits: &Limits,
) -> Result<(), InputError> {
    let cells: Vec<f64> = panels
        .iter()
        .map(|p| p.spec.nx.max(0) as f64 * p.spec.ny.max(0) as f64)
        .collect();
    let panel_cells: f64 = cells.iter().sum();
    let unknowns = panel_cells + case.spec.nodes.len() as f64;
    let largest = cells
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| &panels[i]);
    let (key, layout) = match largest {
        Some(p) => (
            format!("panels.{}", p.name),
            format!(
                "{} panel(s), the largest `{}` with nx × ny = {} × {}",
                panels.len(),
                p.name,
                p.spec.nx,
                p.spec.ny
            ),
        ),
        None => ("nodes".to_string(), "no panels".to_string()),
    };
    let what = format!(
        "{} cells and lumped nodes ({layout})",
        limits::big_count(unknowns)
    );
    Limits::count(limits.max_cells, unknowns, "cells and lumped nodes").map_err(|reason| {
        too_large(
            ck.file,
            &key,
            format!("the model has {reason} ({layout}); use a coarser grid"),
        )
    })?;
    let transient = case.spec.solve.mode == SolveMode::Transient;
    let per_unknown = if transient {
        limits::TRANSIENT_BYTES_PER_UNKNOWN
    } else {
        limits::STEADY_BYTES_PER_UNKNOWN
    };
    let solve_bytes = per_unknown * unknowns;
    let output_bytes = limits::BYTES_PER_NODE_OUTPUT * unknowns * outputs;
    let write_bytes = limits::WRITE_BYTES_PER_CELL * cells.iter().copied().fold(0.0, f64::max);
    let total = solve_bytes + output_bytes + write_bytes + flux_bytes;
    let (key, what) = if output_bytes > solve_bytes.max(flux_bytes) {
        (
            "solve.transient.output_interval_s".to_string(),
            format!(
                "storing {} outputs of {} nodes (with the solve)",
                limits::big_count(outputs),
                limits::big_count(unknowns)
            ),
        )
    } else if flux_bytes > solve_bytes {
        (
            "environment.flux_step_s".to_string(),
            "the orbit flux table (with the solve)".to_string(),
        )
    } else {
        (
            key,
            format!(
                "a {} solve of {what}",
                if transient { "transient" } else { "steady" }
            ),
        )
    };
    limits
        .memory(total, &what)
        .map_err(|reason| too_large(ck.file, &key, reason))
}

fn add_conductor(
    ck: &Checker,
    key: &str,
    c: &ConductorSpec,
    net: &mut ThermalNetwork,
    nodes: &BTreeMap<String, NodeId>,
) -> Result<(), InputError> {
    let k = |f: &str| format!("{key}.{f}");
    let from = ck.node(&k("from"), &c.from, nodes)?;
    let to = ck.node(&k("to"), &c.to, nodes)?;
    if from == to {
        return Err(ck.inconsistent(&k("to"), "a conductor must join two different nodes"));
    }
    let allowed: &[&str] = match c.kind {
        ConductorKindSpec::Linear => &["conductance_w_k"],
        ConductorKindSpec::Radiative => {
            &["exchange_factor_m2", "area_m2", "emissivity", "view_factor"]
        }
        ConductorKindSpec::Advective => &["mdot_cp_w_k", "mass_flow_kg_s", "specific_heat_j_kg_k"],
    };
    let given = [
        ("conductance_w_k", c.conductance_w_k.is_some()),
        ("exchange_factor_m2", c.exchange_factor_m2.is_some()),
        ("area_m2", c.area_m2.is_some()),
        ("emissivity", c.emissivity.is_some()),
        ("view_factor", c.view_factor.is_some()),
        ("mdot_cp_w_k", c.mdot_cp_w_k.is_some()),
        ("mass_flow_kg_s", c.mass_flow_kg_s.is_some()),
        ("specific_heat_j_kg_k", c.specific_heat_j_kg_k.is_some()),
    ];
    if let Some((name, _)) = given.iter().find(|(n, g)| *g && !allowed.contains(n)) {
        return Err(ck.inconsistent(
            &k(name),
            format!(
                "not a key of a {:?} conductor; its keys are: {}",
                c.kind,
                allowed.join(", ")
            )
            .to_lowercase(),
        ));
    }
    let result = match c.kind {
        ConductorKindSpec::Linear => {
            let g = ck.required(
                &k("conductance_w_k"),
                &c.conductance_w_k,
                "a linear conductor needs its conductance (W/K)",
            )?;
            net.add_linear(from, to, ck.magnitude(&k("conductance_w_k"), g, false)?)
        }
        ConductorKindSpec::Radiative => {
            let r = match (c.exchange_factor_m2, c.area_m2) {
                (Some(r), None) if c.emissivity.is_none() && c.view_factor.is_none() => {
                    ck.area(&k("exchange_factor_m2"), r)?
                }
                (None, Some(a)) => {
                    let a = ck.area(&k("area_m2"), a)?;
                    let e = ck.required(&k("emissivity"), &c.emissivity, "area_m2 goes with emissivity (and optional view_factor)")?;
                    let e = ck.fraction(&k("emissivity"), e)?;
                    let f = ck.fraction(&k("view_factor"), c.view_factor.unwrap_or(1.0))?;
                    a * e * f
                }
                _ => {
                    return Err(ck.inconsistent(key, "give either exchange_factor_m2 (R = εAF, m²) or area_m2 with emissivity (and optional view_factor)"))
                }
            };
            net.add_radiative(from, to, r)
        }
        ConductorKindSpec::Advective => {
            let m =
                match (c.mdot_cp_w_k, c.mass_flow_kg_s, c.specific_heat_j_kg_k) {
                    (Some(m), None, None) => ck.magnitude(&k("mdot_cp_w_k"), m, false)?,
                    (None, Some(m), Some(cp)) => {
                        ck.magnitude(&k("mass_flow_kg_s"), m, false)?
                            * ck.magnitude(&k("specific_heat_j_kg_k"), cp, true)?
                    }
                    _ => return Err(ck.inconsistent(
                        key,
                        "give either mdot_cp_w_k (W/K) or mass_flow_kg_s with specific_heat_j_kg_k",
                    )),
                };
            net.add_advective(from, to, m)
        }
    };
    result.map_err(|e| ck.model(e))
}

/// Checks `[solve]`; returns the number of outputs a transient or a periodic run stores
/// (0 for steady).
fn check_solve(
    ck: &Checker,
    s: &SolveSpec,
    has_orbit: bool,
    limits: &Limits,
) -> Result<f64, InputError> {
    if let Some(t) = s.tolerance {
        ck.number(
            "solve.tolerance",
            t,
            |v| v > 0.0 && v < 1.0,
            "0 < tolerance < 1",
        )?;
    }
    if let Some(m) = s.max_iterations {
        // Newton converges in a handful of iterations or not at all; a limit beyond this
        // only delays the report of a failure.
        ck.number(
            "solve.max_iterations",
            m as f64,
            |v| (1.0..=MAX_NEWTON_ITERATIONS).contains(&v),
            "1 to 10000",
        )?;
    }
    if let Some(t) = s.time_s {
        ck.time("solve.time_s", t)?;
    }
    if s.mode != SolveMode::Periodic && s.periodic.is_some() {
        return Err(ck.inconsistent(
            "solve.periodic",
            "periodic settings need mode = \"periodic\"; set it or remove [solve.periodic]",
        ));
    }
    match (s.mode, &s.transient) {
        (SolveMode::Steady, Some(_)) => Err(ck.inconsistent(
            "solve.transient",
            "transient settings with mode = \"steady\"; set mode = \"transient\" or remove [solve.transient]",
        )),
        (SolveMode::Periodic, Some(_)) => Err(ck.inconsistent(
            "solve.transient",
            "mode = \"periodic\" takes its settings (method, dt_s or rtol/atol_k, output_interval_s) from [solve.periodic]; move them there",
        )),
        (SolveMode::Transient, None) => Err(ck.inconsistent(
            "solve.transient",
            "mode = \"transient\" needs a [solve.transient] table with at least end_s",
        )),
        (SolveMode::Transient, Some(t)) => {
            let start = ck.time("solve.transient.start_s", t.start_s.unwrap_or(0.0))?;
            ck.time("solve.transient.end_s", t.end_s)?;
            ck.number("solve.transient.end_s", t.end_s, |v| v > start, "> start_s")?;
            check_steps(ck, "solve.transient", &t.steps(), Some(t.end_s - start), limits)
        }
        (SolveMode::Periodic, None) => {
            check_periodic(ck, &s.periodic.clone().unwrap_or_default(), has_orbit, limits)
        }
        (SolveMode::Steady, None) => Ok(0.0),
    }
}

/// `[solve.periodic]`: the period (required without an `[orbit]`), start,
/// tolerance, period limit and the step settings; returns the outputs of a period.
fn check_periodic(
    ck: &Checker,
    p: &PeriodicSpec,
    has_orbit: bool,
    limits: &Limits,
) -> Result<f64, InputError> {
    match p.period_s {
        Some(v) => {
            ck.positive("solve.periodic.period_s", v)?;
            ck.time("solve.periodic.period_s", v)?;
        }
        None if !has_orbit => {
            return Err(ck.inconsistent(
                "solve.periodic.period_s",
                "missing; without an [orbit] the period must be given (with one it defaults to the nodal period)",
            ))
        }
        None => {}
    }
    if let Some(t) = p.start_s {
        ck.time("solve.periodic.start_s", t)?;
    }
    if let Some(t) = p.tolerance_k {
        ck.number(
            "solve.periodic.tolerance_k",
            t,
            |v| v > 0.0 && v <= MAX_TEMPERATURE_K,
            "> 0 K and ≤ 1e5 K",
        )?;
    }
    if let Some(n) = p.max_periods {
        ck.number(
            "solve.periodic.max_periods",
            n as f64,
            |v| (1.0..=100_000.0).contains(&v),
            "1 to 100000",
        )?;
    }
    if let Some(f) = p.warm_up_step_factor {
        ck.number(
            "solve.periodic.warm_up_step_factor",
            f,
            |v| (1.0..=MAX_WARM_UP_STEP_FACTOR).contains(&v),
            "1 to 100 (1: no warm-up)",
        )?;
    }
    check_steps(ck, "solve.periodic", &p.steps(), p.period_s, limits)
}

/// The step settings of `[solve.transient]` or `[solve.periodic]` (`table`) over `span_s`
/// (when known), with the limits on fixed steps and outputs; returns the number of outputs.
fn check_steps(
    ck: &Checker,
    table: &str,
    t: &StepSettings,
    span_s: Option<f64>,
    limits: &Limits,
) -> Result<f64, InputError> {
    let key = |k: &str| format!("{table}.{k}");
    if let Some(dt) = t.dt_s {
        ck.positive(&key("dt_s"), dt)?;
        if let Some(span) = span_s {
            Limits::count(limits.max_steps, (span / dt).ceil(), "fixed steps").map_err(
                |reason| {
                    too_large(
                        ck.file,
                        &key("dt_s"),
                        format!(
                            "{} s in steps of {} s is {reason}; take a longer dt_s or a shorter span",
                            number_text(span),
                            number_text(dt)
                        ),
                    )
                },
            )?;
        }
    }
    if let Some(r) = t.rtol {
        ck.number(
            &key("rtol"),
            r,
            |v| (MIN_RTOL..1.0).contains(&v),
            "1e-12 ≤ rtol < 1 (tighter is below what double precision resolves)",
        )?;
    }
    if let Some(a) = t.atol_k {
        ck.number(
            &key("atol_k"),
            a,
            |v| (MIN_ATOL_K..=MAX_TEMPERATURE_K).contains(&v),
            "1e-9 K to 1e5 K",
        )?;
    }
    let outputs = match (t.output_interval_s, span_s) {
        (Some(o), Some(span)) => {
            ck.positive(&key("output_interval_s"), o)?;
            (span / o).floor() + 1.0
        }
        (Some(o), None) => {
            ck.positive(&key("output_interval_s"), o)?;
            super::run::DEFAULT_OUTPUT_COUNT + 1.0
        }
        (None, _) => super::run::DEFAULT_OUTPUT_COUNT + 1.0,
    };
    Limits::count(limits.max_outputs, outputs, "outputs").map_err(|reason| {
        too_large(
            ck.file,
            &key("output_interval_s"),
            format!(
                "{} s with an output every {} s is {reason}; each output stores every node's temperature and one row of history.csv",
                number_text(span_s.unwrap_or(0.0)),
                number_text(t.output_interval_s.unwrap_or(0.0))
            ),
        )
    })?;
    if t.dt_s.is_some() && (t.rtol.is_some() || t.atol_k.is_some()) {
        return Err(ck.inconsistent(
            &key("dt_s"),
            "a fixed step (dt_s) and adaptive tolerances (rtol, atol_k) exclude each other",
        ));
    }
    Ok(outputs)
}
