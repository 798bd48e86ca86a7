//! Panels from a case: `[panels.NAME]` tables (optionally completed by a
//! `mesh` file) become [`RectangularPanel`]s in the network.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::build::{defined_hint, flux_ok, power_ok, Checker, PanelModel, FLUX_RANGE, POWER_RANGE};
use super::build::{temperature_ok, TEMPERATURE_RANGE};
use super::limits::Limits;
use super::orbit::CaseOrbit;
use super::radiation::Enclosure;
use super::schema::{
    AttachmentSpec, BandSpec, EdgeKindSpec, EdgeSpec, FaceSpec as FaceKey, PanelLoadSpec,
    PanelSpec, NO_SINK,
};
use super::spacecraft::{collect_tubes, TubesByPanel};
use super::{parse_table, read_input, Case};
use crate::error::InputError;
use crate::mesh::{
    AbsorbedFlux, Band, Coating, Edge, EdgeCondition, Material, PanelLoad, RectangularPanel,
    Region, Side,
};
use crate::network::{NodeId, ThermalNetwork};

/// Most cells one panel may have (a 8192 × 8192 grid); beyond it memory, not physics, decides.
pub const MAX_PANEL_CELLS: i64 = 1 << 26;

/// A panel table as read, and which of its keys came from its mesh file.
#[derive(Debug)]
pub(super) struct PanelSource {
    /// The panel's name.
    pub name: String,
    /// Its table, mesh file keys first, the case's over them.
    pub spec: PanelSpec,
    /// The mesh file and the keys it supplied that the case did not override.
    mesh: Option<MeshOrigin>,
}

/// A mesh file and the keys it supplied that the case did not override.
type MeshOrigin = (PathBuf, Vec<String>);

impl PanelSource {
    /// An error about this panel, pointed at the mesh file when its key came from there:
    /// `mesh.toml: \`thickness_m\` = -1 …` rather than a key the case file does not hold.
    fn locate(&self, err: InputError) -> InputError {
        let Some((path, keys)) = &self.mesh else {
            return err;
        };
        let prefix = format!("panels.{}.", self.name);
        let from_mesh = |key: &str| -> Option<String> {
            let rest = key.strip_prefix(&prefix)?;
            let first = rest.split(['.', '[']).next().unwrap_or(rest);
            keys.iter().any(|k| k == first).then(|| rest.to_string())
        };
        match err {
            InputError::OutOfRange {
                file,
                key,
                value,
                allowed,
            } => match from_mesh(&key) {
                Some(rest) => InputError::OutOfRange {
                    file: path.clone(),
                    key: rest,
                    value,
                    allowed,
                },
                None => InputError::OutOfRange {
                    file,
                    key,
                    value,
                    allowed,
                },
            },
            InputError::Inconsistent { file, key, reason } => match from_mesh(&key) {
                Some(rest) => InputError::Inconsistent {
                    file: path.clone(),
                    key: rest,
                    reason,
                },
                None => InputError::Inconsistent { file, key, reason },
            },
            InputError::UndefinedReference {
                file,
                key,
                name,
                hint,
            } => match from_mesh(&key) {
                Some(rest) => InputError::UndefinedReference {
                    file: path.clone(),
                    key: rest,
                    name,
                    hint,
                },
                None => InputError::UndefinedReference {
                    file,
                    key,
                    name,
                    hint,
                },
            },
            other => other,
        }
    }
}

/// Reads every `[panels.NAME]` table, completed by its `mesh` file, and checks its grid size
/// (so that the model's memory can be estimated before any panel is built).
pub(super) fn read_panel_specs(
    ck: &Checker,
    case: &Case,
    limits: &Limits,
) -> Result<Vec<PanelSource>, InputError> {
    let mut out = Vec::with_capacity(case.spec.panels.len());
    for (name, table) in &case.spec.panels {
        let prefix = format!("panels.{name}");
        let (table, mesh) = merge_mesh_file(&case.file, &prefix, table.clone(), limits)?;
        let spec: PanelSpec = match parse_table(table, &case.file, &prefix) {
            Ok(spec) => spec,
            Err(InputError::Parse { file, message }) => {
                // An unknown or mistyped key from the mesh file: name the mesh file.
                let in_mesh = mesh.as_ref().and_then(|(path, keys)| {
                    keys.iter()
                        .any(|k| message.contains(&format!("`{prefix}.{k}")))
                        .then(|| path.clone())
                });
                return Err(match in_mesh {
                    Some(path) => InputError::Parse {
                        file: path,
                        message: message.replace(&format!("`{prefix}."), "`"),
                    },
                    None => InputError::Parse { file, message },
                });
            }
            Err(other) => return Err(other),
        };
        let source = PanelSource {
            name: name.clone(),
            spec,
            mesh,
        };
        grid_size(ck, name, &source.spec).map_err(|e| source.locate(e))?;
        out.push(source);
    }
    Ok(out)
}

/// Builds the panels read by [`read_panel_specs`] into `net`; the face coatings of panels in
/// the `[radiation]` enclosure go into `coatings`.
#[allow(clippy::too_many_arguments)]
pub(super) fn build_panels(
    ck: &Checker,
    case: &Case,
    sources: Vec<PanelSource>,
    net: &mut ThermalNetwork,
    nodes: &BTreeMap<String, NodeId>,
    orbit: Option<&CaseOrbit>,
    tubes: &mut TubesByPanel,
    enclosure: Option<&Enclosure>,
    coatings: &mut BTreeMap<String, [Coating; 2]>,
) -> Result<Vec<PanelModel>, InputError> {
    let mut out = Vec::with_capacity(sources.len());
    for source in sources {
        let extent_m = [source.spec.length_m, source.spec.width_m];
        collect_tubes(ck, case, &source.name, extent_m, &source.spec.tubes, tubes)
            .map_err(|e| source.locate(e))?;
        let mut panel = panel_from_spec(
            ck,
            case,
            &source.name,
            &source.spec,
            nodes,
            orbit,
            enclosure,
        )
        .map_err(|e| source.locate(e))?;
        if let Some(enclosure) = enclosure.filter(|e| e.contains(&source.name)) {
            let faces = enclosure
                .take_faces(ck, &mut panel, nodes)
                .map_err(|e| source.locate(e))?;
            coatings.insert(source.name.clone(), faces);
        }
        let handle = panel.add_to(net).map_err(|e| ck.model(e))?;
        out.push(PanelModel {
            name: source.name,
            nodes: handle,
        });
    }
    Ok(out)
}

/// `(nx, ny)`, each ≥ 1, with at most [`MAX_PANEL_CELLS`] cells.
fn grid_size(ck: &Checker, name: &str, p: &PanelSpec) -> Result<(usize, usize), InputError> {
    let key = |k: &str| format!("panels.{name}.{k}");
    let nx = ck.number(&key("nx"), p.nx as f64, |v| v >= 1.0, ">= 1")? as i64;
    let ny = ck.number(&key("ny"), p.ny as f64, |v| v >= 1.0, ">= 1")? as i64;
    if nx.saturating_mul(ny) > MAX_PANEL_CELLS {
        return Err(ck.inconsistent(
            &key("nx"),
            format!(
                "nx × ny = {} × {} = {} cells; a panel has at most {} (8192 × 8192)",
                nx,
                ny,
                super::limits::big_count(nx as f64 * ny as f64),
                super::limits::big_count(MAX_PANEL_CELLS as f64)
            ),
        ));
    }
    Ok((nx as usize, ny as usize))
}

/// Reads the panel's `mesh` file (relative to the case file) and lays the
/// case's own keys over it. Errors in reading or parsing the mesh file name the
/// case's `panels.NAME.mesh` key.
/// Returns the merged table and, with a mesh file, its path and the keys it supplied that the
/// case does not override.
fn merge_mesh_file(
    case_file: &Path,
    prefix: &str,
    table: toml::Table,
    limits: &Limits,
) -> Result<(toml::Table, Option<MeshOrigin>), InputError> {
    let key = format!("{prefix}.mesh");
    let mesh = match table.get("mesh") {
        None => return Ok((table, None)),
        Some(toml::Value::String(mesh)) => mesh,
        Some(other) => {
            return Err(InputError::Inconsistent {
                file: case_file.to_path_buf(),
                key,
                reason: format!(
                "a {} where a mesh file name (a string, e.g. \"../meshes/radiator.toml\") belongs",
                other.type_str()
            ),
            })
        }
    };
    let base = case_file.parent().unwrap_or(Path::new(""));
    let path = base.join(mesh);
    let text = read_input(&path, limits.max_file_bytes).map_err(|e| match e {
        InputError::Read { source, .. } => InputError::Inconsistent {
            file: case_file.to_path_buf(),
            key: key.clone(),
            reason: format!("cannot read mesh file {}: {source}", path.display()),
        },
        InputError::TooLarge { reason, .. } => InputError::TooLarge {
            file: case_file.to_path_buf(),
            key: key.clone(),
            reason: format!("mesh file {}: {reason}", path.display()),
        },
        InputError::Parse { message, .. } => InputError::Inconsistent {
            file: case_file.to_path_buf(),
            key: key.clone(),
            reason: format!("mesh file {}: {message}", path.display()),
        },
        other => other,
    })?;
    let mut merged: toml::Table = toml::from_str(&text).map_err(|e| InputError::Parse {
        file: path.clone(),
        message: format!(
            "mesh file named by `{key}`: {}",
            super::one_line(&e.to_string())
        ),
    })?;
    if merged.contains_key("mesh") {
        return Err(InputError::Inconsistent {
            file: path,
            key: "mesh".into(),
            reason: format!("a mesh file (named by `{key}`) cannot name another mesh file"),
        });
    }
    let from_mesh: Vec<String> = merged
        .keys()
        .filter(|k| !table.contains_key(*k))
        .cloned()
        .collect();
    for (k, v) in table {
        merged.insert(k, v);
    }
    Ok((merged, Some((path, from_mesh))))
}

fn panel_from_spec(
    ck: &Checker,
    case: &Case,
    name: &str,
    p: &PanelSpec,
    nodes: &BTreeMap<String, NodeId>,
    orbit: Option<&CaseOrbit>,
    enclosure: Option<&Enclosure>,
) -> Result<RectangularPanel, InputError> {
    let key = |k: &str| format!("panels.{name}.{k}");
    let length = ck.length(&key("length_m"), p.length_m)?;
    let width = ck.length(&key("width_m"), p.width_m)?;
    let thickness = ck.length(&key("thickness_m"), p.thickness_m)?;
    let (nx, ny) = grid_size(ck, name, p)?;
    let spec = &case.spec;
    let m = spec
        .materials
        .get(&p.material)
        .ok_or_else(|| InputError::UndefinedReference {
            file: case.file.clone(),
            key: key("material"),
            name: p.material.clone(),
            hint: defined_hint(spec.materials.keys()),
        })?;
    let mkey = |k: &str| format!("materials.{}.{k}", p.material);
    let material = Material {
        k_w_m_k: ck.magnitude(&mkey("k_w_m_k"), m.k_w_m_k, true)?,
        density_kg_m3: ck.magnitude(&mkey("density_kg_m3"), m.density_kg_m3, true)?,
        specific_heat_j_kg_k: ck.magnitude(
            &mkey("specific_heat_j_kg_k"),
            m.specific_heat_j_kg_k,
            true,
        )?,
    };
    let mut panel = RectangularPanel::new(name, length, width, thickness, material, nx, ny);
    if let Some(t) = p.initial_temperature_k {
        panel = panel.with_initial_temperature_k(ck.temperature(
            &key("initial_temperature_k"),
            t,
            true,
        )?);
    }
    for (side, coating, sink) in [
        (Side::Top, &p.top_coating, &p.top_sink),
        (Side::Bottom, &p.bottom_coating, &p.bottom_sink),
    ] {
        let face = if side == Side::Top { "top" } else { "bottom" };
        let coating = match coating {
            Some(c) => Some(coating_by_name(
                ck,
                case,
                &key(&format!("{face}_coating")),
                c,
            )?),
            None => None,
        };
        let sink_key = key(&format!("{face}_sink"));
        // `None`: no sink key; `Some(None)`: `"none"`, radiating nowhere on purpose.
        let sink = match sink.as_deref() {
            Some(NO_SINK) if nodes.contains_key(NO_SINK) => {
                return Err(ck.inconsistent(
                    &sink_key,
                    format!("\"{NO_SINK}\" means no sink, but a node is also called `{NO_SINK}`; rename that node"),
                ))
            }
            Some(NO_SINK) => Some(None),
            Some(s) => Some(Some(ck.node(&sink_key, s, nodes)?)),
            None => None,
        };
        match (coating, sink) {
            (None, Some(Some(_))) => {
                return Err(ck.inconsistent(
                    &sink_key,
                    format!("a radiating face needs its emissivity: set {face}_coating"),
                ))
            }
            (None, _) => {}
            (Some(_), None) => {
                return Err(ck.inconsistent(
                    &sink_key,
                    format!(
                        "missing; the {face} face is coated ({face}_coating) but radiates to no node: set {face}_sink to the node it sees (e.g. deep space), or {face}_sink = \"{NO_SINK}\" for a face that absorbs but does not radiate"
                    ),
                ))
            }
            (Some(c), Some(s)) => {
                panel = if side == Side::Top {
                    panel.with_top(c, s)
                } else {
                    panel.with_bottom(c, s)
                };
            }
        }
    }
    for (edge, e) in [
        (Edge::West, &p.edges.west),
        (Edge::East, &p.edges.east),
        (Edge::South, &p.edges.south),
        (Edge::North, &p.edges.north),
    ] {
        if let Some(e) = e {
            let edge_length_m = match edge {
                Edge::West | Edge::East => width,
                Edge::South | Edge::North => length,
            };
            let cond = edge_condition(
                ck,
                &key(&format!("edges.{}", edge.name())),
                e,
                edge_length_m,
                nodes,
            )?;
            panel = panel.with_edge(edge, cond);
        }
    }
    for (i, a) in p.attachments.iter().enumerate() {
        panel = attach(ck, &key(&format!("attachments[{i}]")), panel, a, nodes)?;
    }
    for (i, l) in p.loads.iter().enumerate() {
        panel = load(ck, &key(&format!("loads[{i}]")), panel, l, orbit, enclosure)?;
    }
    check_face_normals(ck, &key("loads"), p, orbit)?;
    Ok(panel)
}

fn coating_by_name(
    ck: &Checker,
    case: &Case,
    key: &str,
    name: &str,
) -> Result<Coating, InputError> {
    let c = case
        .spec
        .coatings
        .get(name)
        .ok_or_else(|| InputError::UndefinedReference {
            file: case.file.clone(),
            key: key.to_string(),
            name: name.to_string(),
            hint: defined_hint(case.spec.coatings.keys()),
        })?;
    Ok(Coating {
        absorptivity: ck.fraction(&format!("coatings.{name}.absorptivity"), c.absorptivity)?,
        emissivity: ck.fraction(&format!("coatings.{name}.emissivity"), c.emissivity)?,
    })
}

/// Fails if any key other than `allowed` (and `kind`) is set on an edge.
fn only_keys(ck: &Checker, key: &str, e: &EdgeSpec, allowed: &[&str]) -> Result<(), InputError> {
    let given = [
        ("temperature_k", e.temperature_k.is_some()),
        ("flux_w_m2", e.flux_w_m2.is_some()),
        ("power_w", e.power_w.is_some()),
        ("node", e.node.is_some()),
        ("h_w_m2_k", e.h_w_m2_k.is_some()),
        ("conductance_w_m_k", e.conductance_w_m_k.is_some()),
    ];
    match given.iter().find(|(n, g)| *g && !allowed.contains(n)) {
        Some((n, _)) => Err(ck.inconsistent(
            &format!("{key}.{n}"),
            format!(
                "not used by a {:?} edge; its keys are: kind, {}",
                e.kind,
                allowed.join(", ")
            )
            .to_lowercase(),
        )),
        None => Ok(()),
    }
}

fn edge_condition(
    ck: &Checker,
    key: &str,
    e: &EdgeSpec,
    edge_length_m: f64,
    nodes: &BTreeMap<String, NodeId>,
) -> Result<EdgeCondition, InputError> {
    let k = |f: &str| format!("{key}.{f}");
    Ok(match e.kind {
        EdgeKindSpec::Insulated => {
            only_keys(ck, key, e, &[])?;
            EdgeCondition::Insulated
        }
        EdgeKindSpec::Fixed => {
            only_keys(ck, key, e, &["temperature_k"])?;
            let t = ck.required(
                &k("temperature_k"),
                &e.temperature_k,
                "a fixed edge needs its temperature",
            )?;
            EdgeCondition::FixedTemperature {
                temperature_k: ck.profile(
                    &k("temperature_k"),
                    &t,
                    temperature_ok,
                    TEMPERATURE_RANGE,
                )?,
            }
        }
        EdgeKindSpec::Flux => {
            only_keys(ck, key, e, &["flux_w_m2", "power_w"])?;
            let (flux_w_m2, total_w) = match (e.flux_w_m2, e.power_w) {
                (Some(f), None) => (ck.flux(&k("flux_w_m2"), f)?, 0.0),
                (None, Some(p)) => (0.0, ck.power(&k("power_w"), p)?),
                _ => return Err(ck.inconsistent(key, "a flux edge takes either flux_w_m2 (through the edge cross-section) or power_w (total)")),
            };
            EdgeCondition::HeatFlux {
                flux_w_m2,
                load_w_m: total_w / edge_length_m,
            }
        }
        EdgeKindSpec::Convection => {
            only_keys(ck, key, e, &["node", "h_w_m2_k"])?;
            let n = ck.required(&k("node"), &e.node, "convection needs the fluid node")?;
            let h = ck.required(
                &k("h_w_m2_k"),
                &e.h_w_m2_k,
                "convection needs its film coefficient",
            )?;
            EdgeCondition::Convection {
                node: ck.node(&k("node"), &n, nodes)?,
                h_w_m2_k: ck.magnitude(&k("h_w_m2_k"), h, false)?,
            }
        }
        EdgeKindSpec::Conductance => {
            only_keys(ck, key, e, &["node", "conductance_w_m_k"])?;
            let n = ck.required(
                &k("node"),
                &e.node,
                "a conductance edge needs the node on the other side",
            )?;
            let g = ck.required(
                &k("conductance_w_m_k"),
                &e.conductance_w_m_k,
                "a conductance edge needs its conductance per length",
            )?;
            EdgeCondition::Conductance {
                node: ck.node(&k("node"), &n, nodes)?,
                g_w_m_k: ck.magnitude(&k("conductance_w_m_k"), g, false)?,
            }
        }
    })
}

fn region(ck: &Checker, key: &str, r: [[f64; 2]; 2]) -> Result<Region, InputError> {
    for (i, p) in r.iter().enumerate() {
        for (j, v) in p.iter().enumerate() {
            ck.coordinate(&format!("{key}[{i}][{j}]"), *v)?;
        }
    }
    let (lo, hi) = (
        [r[0][0].min(r[1][0]), r[0][1].min(r[1][1])],
        [r[0][0].max(r[1][0]), r[0][1].max(r[1][1])],
    );
    if hi[0] <= lo[0] || hi[1] <= lo[1] {
        return Err(ck.inconsistent(
            key,
            "a region needs two opposite corners with different x and different y",
        ));
    }
    Ok(Region::new(lo, hi))
}

fn attach(
    ck: &Checker,
    key: &str,
    panel: RectangularPanel,
    a: &AttachmentSpec,
    nodes: &BTreeMap<String, NodeId>,
) -> Result<RectangularPanel, InputError> {
    let k = |f: &str| format!("{key}.{f}");
    let node = ck.node(&k("node"), &a.node, nodes)?;
    let name = format!("{}→{}", panel.name, a.node);
    match (a.line_m, a.conductance_w_m_k, a.region_m, a.conductance_w_m2_k) {
        (Some(line), Some(g), None, None) => {
            for (i, p) in line.iter().enumerate() {
                for (j, v) in p.iter().enumerate() {
                    ck.coordinate(&format!("{}[{i}][{j}]", k("line_m")), *v)?;
                }
            }
            let g = ck.magnitude(&k("conductance_w_m_k"), g, false)?;
            Ok(panel.with_line_attachment(&name, node, line[0], line[1], g))
        }
        (None, None, Some(r), Some(h)) => {
            let r = region(ck, &k("region_m"), r)?;
            let h = ck.magnitude(&k("conductance_w_m2_k"), h, false)?;
            Ok(panel.with_region_attachment(&name, node, r, h))
        }
        _ => Err(ck.inconsistent(
            key,
            "an attachment is either line_m with conductance_w_m_k, or region_m with conductance_w_m2_k",
        )),
    }
}

/// A panel's two faces point opposite ways: the orbit surfaces of its top and bottom loads
/// must have opposite normals (to within 0.1°).
fn check_face_normals(
    ck: &Checker,
    key: &str,
    p: &PanelSpec,
    orbit: Option<&CaseOrbit>,
) -> Result<(), InputError> {
    let Some(orbit) = orbit else {
        return Ok(());
    };
    let normal = |side: FaceKey| {
        p.loads
            .iter()
            .find_map(|l| match (&l.orbit_surface, l.face) {
                (Some(name), Some(f)) if f == side => orbit
                    .surface_index(name)
                    .map(|k| (name, orbit.setup.surfaces[k].normal_body)),
                _ => None,
            })
    };
    if let (Some((top, nt)), Some((bottom, nb))) = (normal(FaceKey::Top), normal(FaceKey::Bottom)) {
        if nt.dot(&nb) > -(0.1_f64.to_radians().cos()) {
            return Err(ck.inconsistent(
                key,
                format!(
                    "the top face takes orbit_surface `{top}` and the bottom face `{bottom}`, whose normals are not opposite; a panel's faces point opposite ways"
                ),
            ));
        }
    }
    Ok(())
}

/// The fluxes of orbit surface `name` on `face`: solar + albedo absorbed with the face's α,
/// Earth IR with its ε (one [`AbsorbedFlux`] per band, incident W/m² from the orbit).
fn orbit_load(
    ck: &Checker,
    key: &str,
    mut panel: RectangularPanel,
    l: &PanelLoadSpec,
    name: &str,
    orbit: Option<&CaseOrbit>,
    enclosure: Option<&Enclosure>,
) -> Result<RectangularPanel, InputError> {
    let k = |f: &str| format!("{key}.{f}");
    if l.band.is_some() {
        return Err(ck.inconsistent(
            &k("band"),
            "an orbit_surface load carries both bands (solar + albedo with α, Earth IR with ε); remove band",
        ));
    }
    let face = ck.required(
        &k("face"),
        &l.face,
        "an orbit_surface load falls on a face: \"top\" or \"bottom\"",
    )?;
    let (side, face_name) = match face {
        FaceKey::Top => (Side::Top, "top"),
        FaceKey::Bottom => (Side::Bottom, "bottom"),
    };
    let (orbit, j) = ck.orbit_surface(&k("orbit_surface"), name, orbit)?;
    let coating = match side {
        Side::Top => panel.top.coating,
        Side::Bottom => panel.bottom.coating,
    };
    let surface = &orbit.setup.surfaces[j];
    if coating == Coating::default() {
        return Err(ck.inconsistent(
            &k("face"),
            format!("the {face_name} face has no coating to absorb with: set {face_name}_coating"),
        ));
    }
    if (surface.absorptivity - coating.absorptivity).abs() > 1e-12
        || (surface.emissivity - coating.emissivity).abs() > 1e-12
    {
        return Err(ck.inconsistent(
            &k("orbit_surface"),
            format!(
                "surface `{name}` has α = {}, ε = {} but the {face_name} face's coating has α = {}, ε = {}; give the surface the face's coating",
                surface.absorptivity, surface.emissivity, coating.absorptivity, coating.emissivity
            ),
        ));
    }
    let region = match l.region_m {
        Some(r) => Some(region(ck, &k("region_m"), r)?),
        None => None,
    };
    let label = l.name.clone().unwrap_or_else(|| format!("orbit {name}"));
    let shaded = match enclosure {
        Some(e) => e.shaded_sunlight(ck, &k("face"), &panel.name, side, orbit, j, &label)?,
        None => None,
    };
    if let Some(sunlight) = shaded {
        // Direct sunlight per group with its shadow; albedo and Earth IR unshadowed.
        if region.is_some() {
            return Err(ck.inconsistent(
                &k("region_m"),
                "a panel in [radiation] takes its orbit fluxes on the whole face (its shadows are computed per group)",
            ));
        }
        panel.absorbed_fluxes.extend(sunlight);
        let incident = orbit.incident_profiles(j);
        for (band, what, profile) in [
            (Band::Solar, "albedo", incident.albedo),
            (Band::Infrared, "Earth IR", incident.earth_ir),
        ] {
            panel.absorbed_fluxes.push(AbsorbedFlux {
                name: format!("{label} ({what})"),
                side,
                band,
                incident_w_m2: profile,
                region: None,
            });
        }
        return Ok(panel);
    }
    for (band, what, sw, ir) in [
        (Band::Solar, "solar + albedo", 1.0, 0.0),
        (Band::Infrared, "Earth IR", 0.0, 1.0),
    ] {
        panel.absorbed_fluxes.push(AbsorbedFlux {
            name: format!("{label} ({what})"),
            side,
            band,
            incident_w_m2: orbit.profile(j, sw, ir),
            region,
        });
    }
    Ok(panel)
}

fn load(
    ck: &Checker,
    key: &str,
    panel: RectangularPanel,
    l: &PanelLoadSpec,
    orbit: Option<&CaseOrbit>,
    enclosure: Option<&Enclosure>,
) -> Result<RectangularPanel, InputError> {
    if let Some(name) = &l.orbit_surface {
        if l.incident_flux_w_m2.is_some() || l.power_w.is_some() || l.power_w_m2.is_some() {
            return Err(ck.inconsistent(
                key,
                "a panel load is one of: orbit_surface (with face), incident_flux_w_m2 (with face, optional band), power_w, power_w_m2",
            ));
        }
        return orbit_load(ck, key, panel, l, name, orbit, enclosure);
    }
    let k = |f: &str| format!("{key}.{f}");
    let name = l
        .name
        .clone()
        .unwrap_or_else(|| format!("{} {key}", panel.name));
    let region = match l.region_m {
        Some(r) => Some(region(ck, &k("region_m"), r)?),
        None => None,
    };
    let with_load = |panel: RectangularPanel, load: PanelLoad| match region {
        Some(r) => panel.with_heat_load_in(&name, r, load),
        None => panel.with_heat_load(&name, load),
    };
    match (&l.incident_flux_w_m2, &l.power_w, &l.power_w_m2) {
        (Some(f), None, None) => {
            let face = ck.required(&k("face"), &l.face, "an incident flux falls on a face: \"top\" or \"bottom\"")?;
            let side = match face {
                FaceKey::Top => Side::Top,
                FaceKey::Bottom => Side::Bottom,
            };
            let band = match l.band.unwrap_or(BandSpec::Solar) {
                BandSpec::Solar => Band::Solar,
                BandSpec::Infrared => Band::Infrared,
            };
            let profile = ck.profile(
                &k("incident_flux_w_m2"),
                f,
                |v| (0.0..=super::build::MAX_FLUX_W_M2).contains(&v),
                "0 to 1e9 W/m²",
            )?;
            let mut panel = panel;
            panel.absorbed_fluxes.push(AbsorbedFlux {
                name,
                side,
                band,
                incident_w_m2: profile,
                region,
            });
            Ok(panel)
        }
        (None, Some(p), None) => {
            reject_face_keys(ck, key, l)?;
            let w = ck.profile(&k("power_w"), p, power_ok, POWER_RANGE)?;
            Ok(with_load(panel, PanelLoad::Total { w }))
        }
        (None, None, Some(p)) => {
            reject_face_keys(ck, key, l)?;
            let w_m2 = ck.profile(&k("power_w_m2"), p, flux_ok, FLUX_RANGE)?;
            Ok(with_load(panel, PanelLoad::Areal { w_m2 }))
        }
        _ => Err(ck.inconsistent(
            key,
            "a panel load is one of: orbit_surface (with face), incident_flux_w_m2 (with face, optional band), power_w, power_w_m2",
        )),
    }
}

fn reject_face_keys(ck: &Checker, key: &str, l: &PanelLoadSpec) -> Result<(), InputError> {
    if l.face.is_some() || l.band.is_some() {
        return Err(ck.inconsistent(
            &format!("{key}.face"),
            "face and band go with incident_flux_w_m2 only; dissipated power has no face",
        ));
    }
    Ok(())
}
