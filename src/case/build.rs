//! Turning a checked case into a network: every number is range-checked here,
//! with its key path, before the network sees it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::orbit::{CaseOrbit, OrbitOverrides};
use super::schema::{
    ConductorKindSpec, ConductorSpec, InitialStateSpec, NodeKindSpec, OutputSpec, PeriodicSpec,
    ProfileSpec, SolveMode, SolveSpec, StepSettings,
};
use super::Case;
use crate::error::{Error, InputError, NetworkError};
use crate::network::{
    AssembledNetwork, Harmonic, HeatSource, NodeId, NodeKind, Profile, ThermalNetwork, TimeTable,
};
use crate::solve::periodic::profile_mean;

/// Initial temperature when a case gives none, K (a room-temperature first guess).
pub const DEFAULT_INITIAL_TEMPERATURE_K: f64 = 293.15;

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
    /// Lumped nodes to report over time, `(name, node)`.
    pub probes: Vec<(String, NodeId)>,
    /// The orbit and its environment fluxes, when the case has an `[orbit]`.
    pub orbit: Option<CaseOrbit>,
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
                value: value.to_string(),
                allowed: allowed.to_string(),
            })
        }
    }

    /// A value > 0.
    pub fn positive(&self, key: &str, value: f64) -> Result<f64, InputError> {
        self.number(key, value, |v| v > 0.0, "> 0 (finite)")
    }

    /// A value ≥ 0.
    pub fn non_negative(&self, key: &str, value: f64) -> Result<f64, InputError> {
        self.number(key, value, |v| v >= 0.0, ">= 0 (finite)")
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
                let table = TimeTable::new(key, t.times_s.clone(), t.values.clone(), t.period_s)
                    .map_err(|e| self.inconsistent(key, e.to_string()))?;
                Ok(Profile::from(table))
            }
            ProfileSpec::Harmonic(h) => {
                self.number(&format!("{key}.mean"), h.mean, |_| true, "finite")?;
                self.number(&format!("{key}.amplitude"), h.amplitude, |_| true, "finite")?;
                self.positive(&format!("{key}.period_s"), h.period_s)?;
                self.number(&format!("{key}.phase_deg"), h.phase_deg, |_| true, "finite")?;
                for extreme in [h.mean - h.amplitude.abs(), h.mean + h.amplitude.abs()] {
                    if !ok(extreme) {
                        return Err(self.inconsistent(
                            key,
                            format!(
                                "the harmonic reaches {extreme}; every value must be {allowed}"
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

/// `; defined: a, b, c` (or `; none are defined`).
pub(super) fn defined_hint<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = names.map(String::as_str).collect();
    if names.is_empty() {
        "; none are defined".into()
    } else {
        format!("; defined: {}", names.join(", "))
    }
}

pub(super) fn build(case: &Case) -> Result<Model, InputError> {
    let ck = Checker {
        file: &case.file,
        average_over_s: None,
    };
    let spec = &case.spec;
    check_solve(&ck, &spec.solve, spec.orbit.is_some())?;
    let orbit = build_orbit(case)?;
    let BuiltNetwork {
        system,
        panels,
        probes,
        mut assembly_time_s,
    } = build_network(&ck, case, orbit.as_ref())?;
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
            let avg = build_network(&averaged, case, orbit.as_ref())?;
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

/// The network of a case (nodes, panels, conductors, sources), assembled.
struct BuiltNetwork {
    system: AssembledNetwork,
    panels: Vec<PanelModel>,
    /// Lumped nodes to report over time, `(name, node)`.
    probes: Vec<(String, NodeId)>,
    /// Wall time of the assembly, s.
    assembly_time_s: f64,
}

/// Builds and assembles the network of a case (its profiles averaged when
/// `ck` asks for it, its orbit loads as `orbit` gives them).
fn build_network(
    ck: &Checker,
    case: &Case,
    orbit: Option<&CaseOrbit>,
) -> Result<BuiltNetwork, InputError> {
    let spec = &case.spec;
    let mut net = ThermalNetwork::new();
    let mut nodes: BTreeMap<String, NodeId> = BTreeMap::new();

    for (name, n) in &spec.nodes {
        let key = |k: &str| format!("nodes.{name}.{k}");
        let initial = match n.initial_temperature_k {
            Some(t) => ck.positive(&key("initial_temperature_k"), t)?,
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
                    capacitance_j_k: ck.positive(&key("capacitance_j_k"), c)?,
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
                    temperature_k: ck.profile(&key("temperature_k"), &t, |v| v >= 0.0, ">= 0 K")?,
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

    let panels = super::panels::build_panels(ck, case, &mut net, &nodes, orbit)?;

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
            (Some(p), None) => ck.profile(&key("power_w"), p, |_| true, "finite W")?,
            (None, Some(name)) => {
                let (orbit, k) = ck.orbit_surface(&key("orbit_surface"), name, orbit)?;
                let surface = &orbit.setup.surfaces[k];
                let area = ck.required(
                    &format!("surfaces[{k}].area_m2"),
                    &surface.area_m2,
                    "a source that takes its power from a surface needs the surface's area",
                )?;
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

    let probes = match &spec.output.probes {
        Some(list) => list
            .iter()
            .enumerate()
            .map(|(i, name)| {
                Ok((
                    name.clone(),
                    ck.node(&format!("output.probes[{i}]"), name, &nodes)?,
                ))
            })
            .collect::<Result<Vec<_>, InputError>>()?,
        None => nodes
            .iter()
            .filter(|(_, &id)| !matches!(net.kind(id), NodeKind::Boundary { .. }))
            .map(|(n, &id)| (n.clone(), id))
            .collect(),
    };
    let assembly_start = std::time::Instant::now();
    let system = net.assemble().map_err(|e| ck.model(e))?;
    drop(net);
    Ok(BuiltNetwork {
        system,
        panels,
        probes,
        assembly_time_s: assembly_start.elapsed().as_secs_f64(),
    })
}

/// The case's orbit and its flux series over the run (`None` without orbit tables).
fn build_orbit(case: &Case) -> Result<Option<CaseOrbit>, InputError> {
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
    let as_input = |e: Error| match e {
        Error::Input(e) => e,
        other => ck.inconsistent("orbit", other.to_string()),
    };
    let setup = super::orbit::resolve(
        &spec.orbit_tables(),
        &OrbitOverrides::default(),
        Some(&case.file),
    )
    .map_err(as_input)?;
    let (t0, t1, steady) = match (&spec.solve.mode, &spec.solve.transient) {
        (SolveMode::Transient, Some(t)) => (t.start_s.unwrap_or(0.0), t.end_s, false),
        (SolveMode::Periodic, _) => {
            // The fluxes of one period [t0, t0 + P]: every iteration integrates this
            // span, so the forcing is this period's, repeated.
            let p = spec.solve.periodic.clone().unwrap_or_default();
            let t0 = p.start_s.unwrap_or(0.0);
            let period = p
                .period_s
                .unwrap_or_else(|| setup.model.orbit().nodal_period_s());
            (t0, t0 + period, false)
        }
        _ => {
            let t = spec.solve.time_s.unwrap_or(0.0);
            (t, t, true)
        }
    };
    CaseOrbit::new(setup, t0, t1, steady)
        .map(Some)
        .map_err(as_input)
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
            net.add_linear(from, to, ck.non_negative(&k("conductance_w_k"), g)?)
        }
        ConductorKindSpec::Radiative => {
            let r = match (c.exchange_factor_m2, c.area_m2) {
                (Some(r), None) if c.emissivity.is_none() && c.view_factor.is_none() => {
                    ck.non_negative(&k("exchange_factor_m2"), r)?
                }
                (None, Some(a)) => {
                    let a = ck.non_negative(&k("area_m2"), a)?;
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
                    (Some(m), None, None) => ck.non_negative(&k("mdot_cp_w_k"), m)?,
                    (None, Some(m), Some(cp)) => {
                        ck.non_negative(&k("mass_flow_kg_s"), m)?
                            * ck.positive(&k("specific_heat_j_kg_k"), cp)?
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

fn check_solve(ck: &Checker, s: &SolveSpec, has_orbit: bool) -> Result<(), InputError> {
    if let Some(t) = s.tolerance {
        ck.number(
            "solve.tolerance",
            t,
            |v| v > 0.0 && v < 1.0,
            "0 < tolerance < 1",
        )?;
    }
    if let Some(m) = s.max_iterations {
        ck.number("solve.max_iterations", m as f64, |v| v >= 1.0, ">= 1")?;
    }
    if let Some(t) = s.time_s {
        ck.number("solve.time_s", t, |_| true, "finite")?;
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
            let start = ck.number("solve.transient.start_s", t.start_s.unwrap_or(0.0), |_| true, "finite")?;
            ck.number("solve.transient.end_s", t.end_s, |v| v > start, "> start_s")?;
            check_steps(ck, "solve.transient", &t.steps())
        }
        (SolveMode::Periodic, None) => {
            check_periodic(ck, &s.periodic.clone().unwrap_or_default(), has_orbit)
        }
        (SolveMode::Steady, None) => Ok(()),
    }
}

/// `[solve.periodic]`: the period (required without an `[orbit]`), start,
/// tolerance, period limit and the step settings.
fn check_periodic(ck: &Checker, p: &PeriodicSpec, has_orbit: bool) -> Result<(), InputError> {
    match p.period_s {
        Some(v) => {
            ck.positive("solve.periodic.period_s", v)?;
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
        ck.number("solve.periodic.start_s", t, |_| true, "finite")?;
    }
    if let Some(t) = p.tolerance_k {
        ck.positive("solve.periodic.tolerance_k", t)?;
    }
    if let Some(n) = p.max_periods {
        ck.number("solve.periodic.max_periods", n as f64, |v| v >= 1.0, ">= 1")?;
    }
    check_steps(ck, "solve.periodic", &p.steps())
}

/// The step settings of `[solve.transient]` or `[solve.periodic]` (`table`).
fn check_steps(ck: &Checker, table: &str, t: &StepSettings) -> Result<(), InputError> {
    let key = |k: &str| format!("{table}.{k}");
    if let Some(dt) = t.dt_s {
        ck.positive(&key("dt_s"), dt)?;
    }
    if let Some(r) = t.rtol {
        ck.number(&key("rtol"), r, |v| v > 0.0 && v < 1.0, "0 < rtol < 1")?;
    }
    if let Some(a) = t.atol_k {
        ck.positive(&key("atol_k"), a)?;
    }
    if let Some(o) = t.output_interval_s {
        ck.positive(&key("output_interval_s"), o)?;
    }
    if t.dt_s.is_some() && (t.rtol.is_some() || t.atol_k.is_some()) {
        return Err(ck.inconsistent(
            &key("dt_s"),
            "a fixed step (dt_s) and adaptive tolerances (rtol, atol_k) exclude each other",
        ));
    }
    Ok(())
}
