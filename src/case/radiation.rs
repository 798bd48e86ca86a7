//! `[radiation]`: grey diffuse radiation exchange between panels, and the shadows they cast
//! in direct sunlight.
//!
//! ```toml
//! [radiation]
//! panels = ["lower", "upper"]   # panels (from [panels]) that see each other
//! space = "space"               # the boundary node their view to space radiates to
//! rays = 100000                 # Monte Carlo rays per group face (default 1e5)
//! seed = 1                      # seed of the ray streams (default 1)
//! shadow_samples = 16           # sun rays per group side, per flux instant (default 16)
//!
//! [radiation.placement.lower]   # each panel's place in the body frame
//! origin_m = [0.0, 0.0, 0.0]    # its (x = 0, y = 0) corner, m
//! x_axis = [1.0, 0.0, 0.0]      # body direction of its x (length_m); any length
//! y_axis = [0.0, 1.0, 0.0]      # of its y (width_m), perpendicular; top normal = x × y
//! group_cells = [5, 5]          # cells per exchange group along x and y (default: the panel)
//! ```
//!
//! **Exchange.** Each panel is cut into groups of `group_cells` cells; each group has a top
//! and a bottom face. View factors between group faces and to space come from
//! [`crate::radiation::factor_matrix`] (reciprocal and closed). The network carries them as
//! the radiosity network of grey diffuse enclosure theory (Oppenheim 1956; Incropera, DeWitt,
//! Bergman & Lavine, *Fundamentals of Heat and Mass Transfer*, 7th ed., §13.3, eqs. 13.19
//! and 13.20; Modest, *Radiative Heat Transfer*, 3rd ed., §5.2), written with radiative
//! conductors `σ R (T_b⁴ − T_a⁴)` only:
//!
//! - one massless node per group face whose `σ T_J⁴` is the face's radiosity `J` (an
//!   unnamed node group `radiation.radiosity`, in the scene's face order);
//! - each cell of the group to it, `R = ε A_cell / (1 − ε)` (the surface resistance
//!   `(1 − ε)/(ε A)`, taken cell by cell: a group's surface conductor applied to its cells by
//!   area share, so every cell emits at its own temperature and absorbs the group's uniform
//!   irradiation);
//! - radiosity nodes to each other, `R = A_a F_ab`, and to `space`, `R = A_a F_a,space`
//!   (the space resistances `1/(A F)`).
//!
//! For isothermal groups this is exactly the Gebhart exchange of
//! [`crate::radiation::grey_diffuse_exchange`] (a test ties the two); it keeps the network
//! sparse (one conductor per cell face, the dense part only among groups). A face of a panel
//! in the enclosure radiates through it only: its own `*_sink` must be `space` or `"none"`,
//! and no per-face sink conductor is made. An uncoated face has ε = 0: it reflects all it
//! receives. A black face (ε = 1) has no surface resistance; it is taken as
//! `(1 − ε) = 1e-6`, which moves its radiosity from the cells' `σT⁴` by a millionth of the
//! net flux.
//!
//! **Shadows.** A face's `orbit_surface` load is split: albedo and Earth IR stay as they
//! were; direct sunlight on each group is the unshadowed flux times the group's lit fraction
//! ([`crate::radiation::lit_fraction`], `shadow_samples²` rays towards the Sun) at every
//! instant of the flux series, times the eclipse's lit fraction. Albedo and Earth IR are not
//! shadowed (their sources are extended).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::build::{defined_hint, Checker, PanelModel};
use super::orbit::CaseOrbit;
use super::panels::PanelSource;
use super::Case;
use crate::error::{InputError, RadiationError};
use crate::mesh::{AbsorbedFlux, Band, Coating, RectangularPanel, Region, Side};
use crate::network::{NodeId, NodeKind, ThermalNetwork};
use crate::radiation::{
    factor_matrix, lit_fraction, FactorMatrix, MonteCarloOptions, Scene, Side as FaceSide, Surface,
    Vec3,
};

/// Default rays per group face: a factor's standard error is at most 0.5/√N = 1.6e-3.
pub const DEFAULT_RAYS: u64 = 100_000;
/// Most rays per group face accepted from a case (10⁹: minutes per face).
pub const MAX_RAYS: u64 = 1_000_000_000;
/// Default sun rays per group side (16² = 256 a group and instant): the lit fraction is
/// within 1/16 of exact for any straight shadow edge, exact when the edge lies on the
/// sample grid.
pub const DEFAULT_SHADOW_SAMPLES: usize = 16;
/// The smallest `1 − ε` the surface resistance takes (a black face's; see the module doc).
pub const BLACK_FLOOR: f64 = 1e-6;
/// Largest angle between a face's placement normal and its `orbit_surface` normal, degrees.
const NORMAL_TOLERANCE_DEG: f64 = 0.1;

/// The `[radiation]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RadiationSpec {
    /// Panels in the enclosure.
    pub panels: Vec<String>,
    /// The boundary node that receives what the faces send to space.
    pub space: String,
    /// Monte Carlo rays per group face (default [`DEFAULT_RAYS`]).
    #[serde(default)]
    pub rays: Option<i64>,
    /// Seed of the ray streams (default 1).
    #[serde(default)]
    pub seed: Option<i64>,
    /// Sun rays per group side per flux instant (default [`DEFAULT_SHADOW_SAMPLES`]).
    #[serde(default)]
    pub shadow_samples: Option<i64>,
    /// Each panel's placement in the body frame.
    #[serde(default)]
    pub placement: BTreeMap<String, PlacementSpec>,
}

/// Where a panel sits in the body frame, and its exchange groups.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementSpec {
    /// The panel's `(x = 0, y = 0)` corner, m.
    pub origin_m: [f64; 3],
    /// Body-frame direction of the panel's x axis (along `length_m`).
    pub x_axis: [f64; 3],
    /// Body-frame direction of its y axis (along `width_m`), perpendicular to `x_axis`.
    pub y_axis: [f64; 3],
    /// Cells per group along x and y (default: the whole panel is one group).
    #[serde(default)]
    pub group_cells: Option<[i64; 2]>,
}

/// A panel of the enclosure, checked.
#[derive(Debug, Clone)]
struct EnclosurePanel {
    name: String,
    /// Groups along x and y.
    groups: [usize; 2],
    /// Cells per group along x and y.
    cells: [usize; 2],
    /// Group size, m.
    group_m: [f64; 2],
    /// Its first element in the scene (groups run x first).
    first_element: usize,
    /// Top-face unit normal, body frame.
    top_normal: Vec3,
}

/// A checked `[radiation]` table with its view factors.
#[derive(Debug, Clone)]
pub(super) struct Enclosure {
    panels: Vec<EnclosurePanel>,
    space: String,
    shadow_samples: usize,
    scene: Scene,
    factors: FactorMatrix,
}

/// `[radiation]` checked against the panels, its scene built and traced (`None` without
/// the table).
pub(super) fn read_enclosure(
    ck: &Checker,
    case: &Case,
    sources: &[PanelSource],
) -> Result<Option<Enclosure>, InputError> {
    let Some(spec) = &case.spec.radiation else {
        return Ok(None);
    };
    if spec.panels.is_empty() {
        return Err(ck.inconsistent(
            "radiation.panels",
            "empty; list the panels that see each other",
        ));
    }
    let count = |key: &str, v: Option<i64>, default: u64, max: u64| -> Result<u64, InputError> {
        match v {
            None => Ok(default),
            Some(v) => Ok(ck.number(
                key,
                v as f64,
                |x| x >= 1.0 && x <= max as f64,
                &format!("1 to {max}"),
            )? as u64),
        }
    };
    let rays = count("radiation.rays", spec.rays, DEFAULT_RAYS, MAX_RAYS)?;
    let seed = match spec.seed {
        None => 1,
        Some(s) => ck.number("radiation.seed", s as f64, |x| x >= 0.0, ">= 0")? as u64,
    };
    let shadow_samples = count(
        "radiation.shadow_samples",
        spec.shadow_samples,
        DEFAULT_SHADOW_SAMPLES as u64,
        crate::radiation::shadow::MAX_SHADOW_SAMPLES as u64,
    )? as usize;
    let mut panels = Vec::with_capacity(spec.panels.len());
    let mut surfaces = Vec::with_capacity(spec.panels.len());
    let mut first_element = 0;
    for (i, name) in spec.panels.iter().enumerate() {
        let key = format!("radiation.panels[{i}]");
        let source = sources.iter().find(|s| &s.name == name).ok_or_else(|| {
            InputError::UndefinedReference {
                file: case.file.clone(),
                key: key.clone(),
                name: name.clone(),
                hint: defined_hint(sources.iter().map(|s| &s.name)),
            }
        })?;
        if spec.panels[..i].contains(name) {
            return Err(ck.inconsistent(&key, format!("`{name}` is listed twice")));
        }
        let pkey = format!("radiation.placement.{name}");
        let place = spec.placement.get(name).ok_or_else(|| {
            ck.inconsistent(
                &pkey,
                "missing; every panel in radiation.panels needs its placement (origin_m, x_axis, y_axis)",
            )
        })?;
        let k = |f: &str| format!("{pkey}.{f}");
        let mut origin = [0.0; 3];
        for (c, v) in place.origin_m.iter().enumerate() {
            origin[c] = ck.coordinate(&format!("{}[{c}]", k("origin_m")), *v)?;
        }
        let axis = |field: &str, a: [f64; 3]| -> Result<Vec3, InputError> {
            let v = Vec3::new(a[0], a[1], a[2]);
            let n = v.norm();
            if !(v.iter().all(|x| x.is_finite()) && n > 0.0 && n.is_finite()) {
                return Err(ck.inconsistent(
                    &k(field),
                    format!(
                        "[{}, {}, {}] is no direction; give a finite non-zero vector",
                        a[0], a[1], a[2]
                    ),
                ));
            }
            Ok(v / n)
        };
        let x = axis("x_axis", place.x_axis)?;
        let y = axis("y_axis", place.y_axis)?;
        if x.dot(&y).abs() > 1e-6 {
            return Err(ck.inconsistent(
                &k("y_axis"),
                format!(
                    "not perpendicular to x_axis (cosine {:.3e}); a panel is a rectangle",
                    x.dot(&y)
                ),
            ));
        }
        let (length, width) = (source.spec.length_m, source.spec.width_m);
        let (nx, ny) = (
            source.spec.nx.max(1) as usize,
            source.spec.ny.max(1) as usize,
        );
        let cells = match place.group_cells {
            None => [nx, ny],
            Some(g) => {
                let mut out = [0; 2];
                for (c, (&v, n)) in g.iter().zip([nx, ny]).enumerate() {
                    out[c] = ck.number(
                        &format!("{}[{c}]", k("group_cells")),
                        v as f64,
                        |x| x >= 1.0 && (x as usize) <= n && n % (x as usize) == 0,
                        &format!(
                            "a divisor of the panel's {} = {n}",
                            if c == 0 { "nx" } else { "ny" }
                        ),
                    )? as usize;
                }
                out
            }
        };
        let groups = [nx / cells[0], ny / cells[1]];
        surfaces.push(
            Surface::rectangle(name.clone(), Vec3::from(origin), x * length, y * width)
                .with_cells(groups[0], groups[1])
                .two_sided(),
        );
        panels.push(EnclosurePanel {
            name: name.clone(),
            groups,
            cells,
            group_m: [length / groups[0] as f64, width / groups[1] as f64],
            first_element,
            top_normal: x.cross(&y).normalize(),
        });
        first_element += groups[0] * groups[1];
    }
    for name in spec.placement.keys() {
        if !spec.panels.contains(name) {
            return Err(ck.inconsistent(
                &format!("radiation.placement.{name}"),
                format!(
                    "`{name}` is not in radiation.panels; add it there or remove its placement"
                ),
            ));
        }
    }
    let scene = Scene::new(surfaces).map_err(|e| scene_error(ck, e))?;
    let options = MonteCarloOptions::new(rays, seed)
        .map_err(|e| ck.inconsistent("radiation.rays", e.to_string()))?;
    let factors =
        factor_matrix(&scene, &options).map_err(|e| ck.inconsistent("radiation", e.to_string()))?;
    Ok(Some(Enclosure {
        panels,
        space: spec.space.clone(),
        shadow_samples,
        scene,
        factors,
    }))
}

/// A scene's refusal as an input error naming the placement (or group) key.
fn scene_error(ck: &Checker, e: RadiationError) -> InputError {
    match e {
        RadiationError::Overlap {
            first_name,
            second_name,
            relation,
            ..
        } => ck.inconsistent(
            &format!("radiation.placement.{second_name}"),
            format!("panels `{first_name}` and `{second_name}` {relation}; move one of them"),
        ),
        RadiationError::InvalidSurface {
            name,
            field,
            value,
            allowed,
            ..
        } => ck.inconsistent(
            &format!("radiation.placement.{name}"),
            format!("{field} = {value}; allowed {allowed}"),
        ),
        RadiationError::InvalidValue { .. } => ck.inconsistent(
            "radiation.placement",
            format!("{e}; take larger group_cells"),
        ),
    }
}

impl Enclosure {
    fn panel(&self, name: &str) -> Option<&EnclosurePanel> {
        self.panels.iter().find(|p| p.name == name)
    }

    /// Whether `name` is in the enclosure.
    pub fn contains(&self, name: &str) -> bool {
        self.panel(name).is_some()
    }

    /// Takes the enclosure panel's faces off their own sinks (they radiate through the
    /// enclosure): each `*_sink` must be the enclosure's space node or `"none"`. Returns the
    /// face coatings `[top, bottom]`.
    pub fn take_faces(
        &self,
        ck: &Checker,
        panel: &mut RectangularPanel,
        nodes: &BTreeMap<String, NodeId>,
    ) -> Result<[Coating; 2], InputError> {
        let space = nodes.get(&self.space).copied();
        for (face, spec) in [("top", &mut panel.top), ("bottom", &mut panel.bottom)] {
            if let Some(sink) = spec.radiates_to {
                if Some(sink) != space {
                    return Err(ck.inconsistent(
                        &format!("panels.{}.{face}_sink", panel.name),
                        format!(
                            "panel `{}` is in [radiation], whose faces radiate through the enclosure to radiation.space = `{}`; set {face}_sink to that node or \"none\"",
                            panel.name, self.space
                        ),
                    ));
                }
            }
            spec.radiates_to = None;
        }
        Ok([panel.top.coating, panel.bottom.coating])
    }

    /// The direct-sunlight part of an `orbit_surface` load on `side` of enclosure panel
    /// `panel` (orbit surface `surface`), one absorbed flux per group: the unshadowed
    /// incident flux times the group's lit fraction at every instant of the flux series
    /// (the eclipse's lit fraction applied on top). `None` when `panel` is not in the
    /// enclosure. `key` names the load for errors, `label` its sources.
    #[allow(clippy::too_many_arguments)]
    pub fn shaded_sunlight(
        &self,
        ck: &Checker,
        key: &str,
        panel: &str,
        side: Side,
        orbit: &CaseOrbit,
        surface: usize,
        label: &str,
    ) -> Result<Option<Vec<AbsorbedFlux>>, InputError> {
        let Some(p) = self.panel(panel) else {
            return Ok(None);
        };
        let (normal, face_side) = match side {
            Side::Top => (p.top_normal, FaceSide::Front),
            Side::Bottom => (-p.top_normal, FaceSide::Back),
        };
        let n = orbit.setup.surfaces[surface].normal_body;
        if n.normalize().dot(&normal) < NORMAL_TOLERANCE_DEG.to_radians().cos() {
            return Err(ck.inconsistent(
                key,
                format!(
                    "the face's normal from radiation.placement.{panel} is [{:.4}, {:.4}, {:.4}] but its orbit_surface's normal is [{:.4}, {:.4}, {:.4}]; give the surface the face's normal",
                    normal.x, normal.y, normal.z, n.x, n.y, n.z
                ),
            ));
        }
        let series = &orbit.series;
        let steps = series.times_s().len();
        let mut out = Vec::with_capacity(p.groups[0] * p.groups[1]);
        for gj in 0..p.groups[1] {
            for gi in 0..p.groups[0] {
                let element = p.first_element + gj * p.groups[0] + gi;
                let mut values = Vec::with_capacity(steps);
                for k in 0..steps {
                    let q = series.solar_unshadowed_w_m2(surface, k);
                    let lit = if q > 0.0 {
                        lit_fraction(
                            &self.scene,
                            element,
                            face_side,
                            &series.sun_body(k),
                            self.shadow_samples,
                        )
                        .map_err(|e| ck.inconsistent("radiation.shadow_samples", e.to_string()))?
                    } else {
                        0.0
                    };
                    values.push(q * lit);
                }
                let region = Region::new(
                    [gi as f64 * p.group_m[0], gj as f64 * p.group_m[1]],
                    [
                        (gi + 1) as f64 * p.group_m[0],
                        (gj + 1) as f64 * p.group_m[1],
                    ],
                );
                out.push(AbsorbedFlux {
                    name: format!("{label} (direct sun, shadowed, group [{gi};{gj}])"),
                    side,
                    band: Band::Solar,
                    incident_w_m2: orbit.tabulated_profile(values, true),
                    region: Some(region),
                });
            }
        }
        Ok(Some(out))
    }

    /// Adds the radiosity network (see the module documentation) for the built `panels`
    /// (their face coatings in `coatings`, by name) to `net`.
    pub fn add_exchange(
        &self,
        ck: &Checker,
        net: &mut ThermalNetwork,
        panels: &[PanelModel],
        coatings: &BTreeMap<String, [Coating; 2]>,
        nodes: &BTreeMap<String, NodeId>,
    ) -> Result<(), InputError> {
        let space = ck.node("radiation.space", &self.space, nodes)?;
        if !matches!(net.kind(space), NodeKind::Boundary { .. }) {
            return Err(ck.inconsistent(
                "radiation.space",
                format!(
                    "`{}` is not a boundary node; space is a boundary at its temperature (2.7 K)",
                    self.space
                ),
            ));
        }
        let faces = self.scene.faces();
        let elements = self.scene.elements();
        // One massless radiosity node per face, in face order: an unnamed group (reports list
        // named nodes; these are internal to the exchange).
        let initial = self
            .panels
            .first()
            .and_then(|p| panels.iter().find(|m| m.name == p.name))
            .map_or(super::build::DEFAULT_INITIAL_TEMPERATURE_K, |m| {
                net.initial_temperature_k(m.nodes.nodes().start)
            });
        let first = net
            .add_group(
                "radiation.radiosity",
                &vec![0.0; faces.len()],
                initial,
                None,
            )
            .map_err(|e| ck.model(e))?
            .start;
        let radiosity: Vec<NodeId> = (0..faces.len()).map(|f| first + f).collect();
        for p in &self.panels {
            let model = panels.iter().find(|m| m.name == p.name).ok_or_else(|| {
                ck.inconsistent(
                    "radiation.panels",
                    format!("panel `{}` was not built", p.name),
                )
            })?;
            let cells = &model.nodes;
            let coating = coatings.get(&p.name).copied().unwrap_or_default();
            let cell_area = cells.dx_m() * cells.dy_m();
            for gj in 0..p.groups[1] {
                for gi in 0..p.groups[0] {
                    let e = &elements[p.first_element + gj * p.groups[0] + gi];
                    for (face, c) in [(Some(e.front_face), coating[0]), (e.back_face, coating[1])] {
                        let Some(face) = face else { continue };
                        let eps = c.emissivity;
                        if eps <= 0.0 {
                            continue;
                        }
                        let r = eps * cell_area / (1.0 - eps).max(BLACK_FLOOR);
                        for cj in 0..p.cells[1] {
                            for ci in 0..p.cells[0] {
                                let (i, jj) = (gi * p.cells[0] + ci, gj * p.cells[1] + cj);
                                let cell = cells.node(i, jj).ok_or_else(|| {
                                    ck.inconsistent(
                                        "radiation.panels",
                                        format!("panel `{}` has no cell [{i};{jj}]", p.name),
                                    )
                                })?;
                                net.add_radiative(cell, radiosity[face], r)
                                    .map_err(|e| ck.model(e))?;
                            }
                        }
                    }
                }
            }
        }
        // Space resistances: A_a F_ab between radiosities, A_a F_a,space to space.
        let n = faces.len();
        let areas = self.factors.areas_m2();
        let to_space = self.factors.space_factors();
        for a in 0..n {
            for b in a + 1..n {
                let r = areas[a] * self.factors.factor(a, b);
                if r > 0.0 {
                    net.add_radiative(radiosity[a], radiosity[b], r)
                        .map_err(|e| ck.model(e))?;
                }
            }
            let r = areas[a] * to_space[a];
            if r > 0.0 {
                net.add_radiative(radiosity[a], space, r)
                    .map_err(|e| ck.model(e))?;
            }
        }
        Ok(())
    }
}
