//! The rectangular panel: its specification and how it becomes network pieces.
//!
//! A [`RectangularPanel`] is a plain description (every field public, units in
//! the names) so that a case file's `[[panels]]` table maps onto it field by
//! field; [`RectangularPanel::add_to`] validates it and adds its nodes,
//! conductors and sources to a [`ThermalNetwork`], returning a [`PanelNodes`]
//! handle for reading results back.
//!
//! # Discretisation
//!
//! The finite-difference energy balance method (Incropera, DeWitt, Bergman &
//! Lavine, *Fundamentals of Heat and Mass Transfer*, 7th ed., §4.4, eq. 4.29 and
//! Table 4.2) on a cell-centred grid: each cell `(i, j)` of size `Δx × Δy × t` is
//! a diffusion node with capacitance `C = ρ c t Δx Δy`, and
//!
//! ```text
//! C dT_ij/dt = Σ_nb G_nb (T_nb − T_ij) + σ (ε_top + ε_bot) Δx Δy (T_sink⁴ − T_ij⁴)
//!            + α q″ Δx Δy + Q_ij
//! G_x = k t Δy / Δx      (neighbours along x)
//! G_y = k t Δx / Δy      (neighbours along y)
//! ```
//!
//! An edge cell meets the edge at half a cell from its node, so the conductance
//! from the node to the edge is `2 k t Δy / Δx` (Patankar, *Numerical Heat
//! Transfer and Fluid Flow*, 1980, §4.6 "practice B" and §5.7: the boundary
//! node sits on the face, half a control volume from the first interior node).
//! Every term is a second-order approximation at the cell centre, and the
//! scheme is second-order accurate in space, edges included (shown in
//! `tests/mesh_convergence.rs`).
//!
//! Length: a panel's grid, faces, attachment lines, probes and its emission
//! into the network share the cell numbering defined here; its tests are in
//! `tests.rs`.

use serde::{Deserialize, Serialize};

use crate::error::NetworkError;
use crate::mesh::grid::{CellShare, PanelGrid, Region};
use crate::mesh::nodes::{EdgeLink, NamedRegion, PanelNodes};
use crate::network::check_finite_range as check;
use crate::network::{GridShape, HeatSource, NodeId, NodeKind, Profile, ThermalNetwork};

/// Bulk material of a panel.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Material {
    /// Thermal conductivity k in W/(m·K) (finite, > 0).
    pub k_w_m_k: f64,
    /// Density ρ in kg/m³ (finite, > 0: a panel's cells always store heat).
    pub density_kg_m3: f64,
    /// Specific heat capacity c in J/(kg·K) (finite, > 0).
    pub specific_heat_j_kg_k: f64,
}

/// Optical properties of a face: total hemispherical, grey.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coating {
    /// Solar absorptivity α in [0, 1]; absorbed flux = α × incident flux.
    pub absorptivity: f64,
    /// Infrared emissivity ε in [0, 1].
    pub emissivity: f64,
}

/// Which face of the panel: top (+z) or bottom (−z).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The +z face.
    Top,
    /// The −z face.
    Bottom,
}

/// A face: its coating and the node it radiates to.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FaceSpec {
    /// Optical properties.
    pub coating: Coating,
    /// Node the face radiates to (deep space, an enclosure…): a radiative
    /// conductor `R = ε Δx Δy` per cell. `None`: the face exchanges no radiation
    /// through the panel (a view-factor model may add it).
    pub radiates_to: Option<NodeId>,
}

/// One of the four edges. x runs along the length, y along the width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Edge {
    /// x = 0.
    West,
    /// x = length.
    East,
    /// y = 0.
    South,
    /// y = width.
    North,
}

impl Edge {
    /// All four, in the order west, east, south, north.
    pub const ALL: [Edge; 4] = [Edge::West, Edge::East, Edge::South, Edge::North];

    /// Lower-case name (`west`, …), as used in node names and case files.
    pub fn name(self) -> &'static str {
        match self {
            Edge::West => "west",
            Edge::East => "east",
            Edge::South => "south",
            Edge::North => "north",
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Edge::West => 0,
            Edge::East => 1,
            Edge::South => 2,
            Edge::North => 3,
        }
    }

    /// Number of cells along this edge (`ny` for west/east, `nx` for south/north).
    pub fn cell_count(self, grid: &PanelGrid) -> usize {
        match self {
            Edge::West | Edge::East => grid.ny(),
            Edge::South | Edge::North => grid.nx(),
        }
    }

    /// Cell `(i, j)` of the `k`-th edge cell, counted along increasing x or y.
    pub fn cell(self, grid: &PanelGrid, k: usize) -> (usize, usize) {
        match self {
            Edge::West => (0, k),
            Edge::East => (grid.nx() - 1, k),
            Edge::South => (k, 0),
            Edge::North => (k, grid.ny() - 1),
        }
    }

    /// Length of edge shared by one edge cell: `Δy` for west/east, `Δx` for south/north (m).
    pub fn cell_edge_length_m(self, grid: &PanelGrid) -> f64 {
        match self {
            Edge::West | Edge::East => grid.dy_m(),
            Edge::South | Edge::North => grid.dx_m(),
        }
    }

    /// Cell size across the edge: `Δx` for west/east, `Δy` for south/north (m).
    pub fn cell_depth_m(self, grid: &PanelGrid) -> f64 {
        match self {
            Edge::West | Edge::East => grid.dx_m(),
            Edge::South | Edge::North => grid.dy_m(),
        }
    }

    /// Position along the edge of the middle of each edge cell's face (m):
    /// x for south/north, y for west/east. Where to sample a temperature for
    /// [`EdgeCondition::FixedTemperatureAlong`].
    pub fn face_midpoints_m(self, grid: &PanelGrid) -> Vec<f64> {
        (0..self.cell_count(grid))
            .map(|k| {
                let (x, y) = grid.cell_center(self.cell(grid, k).0, self.cell(grid, k).1);
                match self {
                    Edge::West | Edge::East => y,
                    Edge::South | Edge::North => x,
                }
            })
            .collect()
    }
}

/// What happens at an edge. Each edge cell's node sits half a cell from the edge,
/// so the conduction from node to edge is the half-cell conductance
/// `G½ = 2 k t ℓ / d` with `ℓ` the cell's edge length and `d` its depth across
/// the edge (Patankar 1980, §4.6 practice B); every linked condition is in series with it.
#[derive(Debug, Clone, Default)]
pub enum EdgeCondition {
    /// No heat crosses the edge (zero normal gradient). The default.
    #[default]
    Insulated,
    /// Held at `temperature_k` (K, ≥ 0; constant or varying in time): the panel
    /// creates a boundary node `<panel>.<edge>` and joins each edge cell to it
    /// through `G½`.
    FixedTemperature {
        /// Edge temperature in K.
        temperature_k: Profile,
    },
    /// Held at a temperature that varies along the edge: one value per edge cell
    /// (K, ≥ 0), in order of increasing x (south, north) or y (west, east), taken
    /// at the middle of the cell's face ([`Edge::face_midpoints_m`]). The panel
    /// creates boundary nodes `<panel>.<edge>[k]`.
    FixedTemperatureAlong {
        /// One temperature per edge cell, K.
        temperatures_k: Vec<f64>,
    },
    /// In perfect contact with an existing node (a boundary node for a held
    /// temperature, or a lumped node): each edge cell joins `node` through `G½`.
    NodeTemperature {
        /// The node.
        node: NodeId,
    },
    /// Heat flows into the panel through the edge: `flux_w_m2` over the edge
    /// cross-section (thickness × edge length) plus `load_w_m` per metre of edge.
    /// Cell share: `(flux_w_m2 t + load_w_m) ℓ` W. Negative values remove heat.
    HeatFlux {
        /// Heat flux through the edge cross-section, W/m².
        flux_w_m2: f64,
        /// Heat per metre of edge, W/m.
        load_w_m: f64,
    },
    /// A conductance per metre of edge `G′` (W/(m·K), > 0) to `node` (a bolted
    /// joint, a rail), in series with the half-cell conduction:
    /// `G = 1 / (1/(G′ ℓ) + d/(2 k t ℓ))` per edge cell.
    Conductance {
        /// The node.
        node: NodeId,
        /// Conductance per metre of edge, W/(m·K).
        g_w_m_k: f64,
    },
    /// Convection with coefficient `h` (W/(m²·K), > 0) over the edge
    /// cross-section to `node` (the fluid): [`EdgeCondition::Conductance`] with
    /// `G′ = h t` (Incropera 7th ed., Table 4.2 case 3).
    Convection {
        /// The fluid node.
        node: NodeId,
        /// Heat transfer coefficient, W/(m²·K).
        h_w_m2_k: f64,
    },
}

/// Conditions on the four edges, insulated by default.
#[derive(Debug, Clone, Default)]
pub struct PanelEdges {
    /// x = 0.
    pub west: EdgeCondition,
    /// x = length.
    pub east: EdgeCondition,
    /// y = 0.
    pub south: EdgeCondition,
    /// y = width.
    pub north: EdgeCondition,
}

impl PanelEdges {
    /// The condition on `edge`.
    pub fn get(&self, edge: Edge) -> &EdgeCondition {
        match edge {
            Edge::West => &self.west,
            Edge::East => &self.east,
            Edge::South => &self.south,
            Edge::North => &self.north,
        }
    }

    /// The condition on `edge`, to change it.
    pub fn get_mut(&mut self, edge: Edge) -> &mut EdgeCondition {
        match edge {
            Edge::West => &mut self.west,
            Edge::East => &mut self.east,
            Edge::South => &mut self.south,
            Edge::North => &mut self.north,
        }
    }
}

/// Spectral band of an incident flux, which decides the absorbed fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    /// Sunlight and albedo: absorbed with the solar absorptivity α.
    #[default]
    Solar,
    /// Planetary infrared: absorbed with the emissivity ε (Kirchhoff's law for a
    /// grey surface; Incropera 7th ed., §12.7).
    Infrared,
}

/// Flux incident on a face, absorbed with the face's absorptivity (or emissivity
/// for [`Band::Infrared`]): cell `(i, j)` receives `α A_ij q″(t)` W with `A_ij`
/// the cell's area (inside `region`, if given). One [`HeatSource`] serves the
/// whole face: one profile evaluation per step.
#[derive(Debug, Clone)]
pub struct AbsorbedFlux {
    /// Name (the source is called `<panel>.<name>`).
    pub name: String,
    /// The face that absorbs.
    pub side: Side,
    /// Solar (absorbed with α) or infrared (absorbed with ε).
    pub band: Band,
    /// Incident flux q″ (W/m², before absorptivity) as a function of time.
    pub incident_w_m2: Profile,
    /// Only this part of the face is lit (`None`: all of it).
    pub region: Option<Region>,
}

impl AbsorbedFlux {
    /// A flux in `band` on the whole of face `side`.
    pub fn new(name: &str, side: Side, band: Band, incident_w_m2: impl Into<Profile>) -> Self {
        Self {
            name: name.to_string(),
            side,
            band,
            incident_w_m2: incident_w_m2.into(),
            region: None,
        }
    }

    /// The same flux on the part of the face inside `region` only.
    pub fn within(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }
}

/// How a [`PanelHeatLoad`] is given.
#[derive(Debug, Clone)]
pub enum PanelLoad {
    /// W per m² of planform: cell share `A_ij × value`.
    Areal {
        /// W/m².
        w_m2: Profile,
    },
    /// W per m³ of panel: cell share `A_ij t × value`.
    Volumetric {
        /// W/m³.
        w_m3: Profile,
    },
    /// A total power spread in proportion to area: cell share `A_ij / A × value`.
    Total {
        /// W.
        w: Profile,
    },
}

/// A heat load dissipated in the panel (electronics, joule heating), over the
/// whole panel or a region of it. `A_ij` is the cell area inside the region.
#[derive(Debug, Clone)]
pub struct PanelHeatLoad {
    /// Name (the source is called `<panel>.<name>`).
    pub name: String,
    /// How much.
    pub load: PanelLoad,
    /// Where (`None`: the whole panel).
    pub region: Option<Region>,
}

/// A line (heat pipe, coolant tube, strap) coupled to a lumped `node` with a
/// conductance per length: each cell it crosses gets a linear conductor
/// `G′ × L_ij`, `L_ij` the segment's exact length inside the cell
/// ([`PanelGrid::segment_lengths`]). The part outside the panel is ignored; a
/// segment with no length inside the panel is an error.
#[derive(Debug, Clone, PartialEq)]
pub struct LineAttachment {
    /// Name for errors and reports.
    pub name: String,
    /// The lumped node (coolant, heat-pipe vapour…).
    pub node: NodeId,
    /// Segment start `[x, y]` (m).
    pub start_m: [f64; 2],
    /// Segment end `[x, y]` (m).
    pub end_m: [f64; 2],
    /// Conductance per metre of line G′, W/(m·K) (finite, > 0).
    pub g_w_m_k: f64,
}

/// A rectangular footprint (a cold plate, a doubler, a bolted box) coupled to a
/// lumped `node` with a conductance per area: each cell gets `h × A_ij`, `A_ij`
/// the exact overlap area. A region with no overlap is an error.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionAttachment {
    /// Name for errors and reports.
    pub name: String,
    /// The lumped node.
    pub node: NodeId,
    /// The footprint.
    pub region: Region,
    /// Conductance per area h, W/(m²·K) (finite, > 0).
    pub h_w_m2_k: f64,
}

/// A rectangular finite-difference panel: a plate `length_m × width_m ×
/// thickness_m` of one material, cut into `nx × ny` cells.
///
/// Build it with [`RectangularPanel::new`] and the `with_*` methods (or fill the
/// fields directly), then call [`RectangularPanel::add_to`]. Nothing is checked
/// until `add_to`, which checks everything before it touches the network.
///
/// ```
/// use thermorbit::mesh::{Coating, Edge, EdgeCondition, Material, RectangularPanel, Side};
/// use thermorbit::network::ThermalNetwork;
/// use thermorbit::solve::{solve_steady, SteadyOptions};
///
/// let mut net = ThermalNetwork::new();
/// let space = net.add_boundary("space", 0.0)?;
/// let aluminium = Material { k_w_m_k: 167.0, density_kg_m3: 2700.0, specific_heat_j_kg_k: 896.0 };
/// let white = Coating { absorptivity: 0.2, emissivity: 0.85 };
/// let panel = RectangularPanel::new("radiator", 1.0, 0.5, 0.002, aluminium, 20, 10)
///     .with_faces(white, Some(space))
///     .with_edge(Edge::West, EdgeCondition::FixedTemperature { temperature_k: 320.0.into() })
///     .with_absorbed_flux("sun", Side::Top, 1361.0)
///     .add_to(&mut net)?;
/// let solution = solve_steady(&net.assemble()?, &SteadyOptions::default())?;
/// let t = &solution.temperatures_k;
/// assert!(panel.max_k(t)? <= 320.0 + 1e-9);
/// let tip = panel.temperature_at(1.0, 0.25, t)?;
/// assert!(tip < panel.temperature_at(0.0, 0.25, t)?);
/// # Ok::<(), thermorbit::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct RectangularPanel {
    /// Name of the panel's node group (unique in the network).
    pub name: String,
    /// Extent along x, m.
    pub length_m: f64,
    /// Extent along y, m.
    pub width_m: f64,
    /// Thickness t, m.
    pub thickness_m: f64,
    /// Bulk material.
    pub material: Material,
    /// Cells along x (≥ 1).
    pub nx: usize,
    /// Cells along y (≥ 1).
    pub ny: usize,
    /// The +z face.
    pub top: FaceSpec,
    /// The −z face.
    pub bottom: FaceSpec,
    /// Edge conditions.
    pub edges: PanelEdges,
    /// Initial temperature of every cell (K, > 0): a transient's start, a steady solve's first guess.
    pub initial_temperature_k: f64,
    /// Fluxes absorbed on the faces.
    pub absorbed_fluxes: Vec<AbsorbedFlux>,
    /// Heat dissipated in the panel.
    pub heat_loads: Vec<PanelHeatLoad>,
    /// Lines coupled to lumped nodes.
    pub line_attachments: Vec<LineAttachment>,
    /// Regions coupled to lumped nodes.
    pub region_attachments: Vec<RegionAttachment>,
    /// Regions named for results ([`PanelNodes::region_stats`]).
    pub named_regions: Vec<NamedRegion>,
}

/// Default initial temperature of a panel's cells, K (20 °C).
pub const DEFAULT_INITIAL_TEMPERATURE_K: f64 = 293.15;

impl RectangularPanel {
    /// A panel with insulated edges, faces that neither radiate nor absorb,
    /// and an initial temperature of [`DEFAULT_INITIAL_TEMPERATURE_K`].
    pub fn new(
        name: &str,
        length_m: f64,
        width_m: f64,
        thickness_m: f64,
        material: Material,
        nx: usize,
        ny: usize,
    ) -> Self {
        Self {
            name: name.to_string(),
            length_m,
            width_m,
            thickness_m,
            material,
            nx,
            ny,
            top: FaceSpec::default(),
            bottom: FaceSpec::default(),
            edges: PanelEdges::default(),
            initial_temperature_k: DEFAULT_INITIAL_TEMPERATURE_K,
            absorbed_fluxes: Vec::new(),
            heat_loads: Vec::new(),
            line_attachments: Vec::new(),
            region_attachments: Vec::new(),
            named_regions: Vec::new(),
        }
    }

    /// Sets the top face's coating and the node it radiates to.
    pub fn with_top(mut self, coating: Coating, radiates_to: Option<NodeId>) -> Self {
        self.top = FaceSpec {
            coating,
            radiates_to,
        };
        self
    }

    /// Sets the bottom face's coating and the node it radiates to.
    pub fn with_bottom(mut self, coating: Coating, radiates_to: Option<NodeId>) -> Self {
        self.bottom = FaceSpec {
            coating,
            radiates_to,
        };
        self
    }

    /// Gives both faces the same coating and radiation node. When both faces
    /// radiate to one node, each cell gets a single conductor
    /// `R = (ε_top + ε_bot) Δx Δy`.
    pub fn with_faces(self, coating: Coating, radiates_to: Option<NodeId>) -> Self {
        self.with_top(coating, radiates_to)
            .with_bottom(coating, radiates_to)
    }

    /// Sets the condition on one edge.
    pub fn with_edge(mut self, edge: Edge, condition: EdgeCondition) -> Self {
        *self.edges.get_mut(edge) = condition;
        self
    }

    /// Sets the initial temperature of every cell (K).
    pub fn with_initial_temperature_k(mut self, temperature_k: f64) -> Self {
        self.initial_temperature_k = temperature_k;
        self
    }

    /// Adds an absorbed flux (any band, whole face or a region).
    pub fn with_flux(mut self, flux: AbsorbedFlux) -> Self {
        self.absorbed_fluxes.push(flux);
        self
    }

    /// Adds a solar flux `incident_w_m2` (W/m², before absorptivity) on the
    /// whole of a face, absorbed with the face's absorptivity.
    pub fn with_absorbed_flux(
        self,
        name: &str,
        side: Side,
        incident_w_m2: impl Into<Profile>,
    ) -> Self {
        self.with_flux(AbsorbedFlux::new(name, side, Band::Solar, incident_w_m2))
    }

    /// Adds a solar flux on the part of a face inside `region`.
    pub fn with_absorbed_flux_in(
        self,
        name: &str,
        side: Side,
        region: Region,
        incident_w_m2: impl Into<Profile>,
    ) -> Self {
        self.with_flux(AbsorbedFlux::new(name, side, Band::Solar, incident_w_m2).within(region))
    }

    /// Adds an infrared flux (planetary IR, W/m² incident) on the whole of a
    /// face, absorbed with the face's emissivity.
    pub fn with_infrared_flux(
        self,
        name: &str,
        side: Side,
        incident_w_m2: impl Into<Profile>,
    ) -> Self {
        self.with_flux(AbsorbedFlux::new(name, side, Band::Infrared, incident_w_m2))
    }

    /// Adds a heat load over the whole panel.
    pub fn with_heat_load(mut self, name: &str, load: PanelLoad) -> Self {
        self.heat_loads.push(PanelHeatLoad {
            name: name.to_string(),
            load,
            region: None,
        });
        self
    }

    /// Adds a heat load over `region`.
    pub fn with_heat_load_in(mut self, name: &str, region: Region, load: PanelLoad) -> Self {
        self.heat_loads.push(PanelHeatLoad {
            name: name.to_string(),
            load,
            region: Some(region),
        });
        self
    }

    /// Couples the segment `start_m → end_m` to `node` with `g_w_m_k` W/(m·K).
    pub fn with_line_attachment(
        mut self,
        name: &str,
        node: NodeId,
        start_m: [f64; 2],
        end_m: [f64; 2],
        g_w_m_k: f64,
    ) -> Self {
        self.line_attachments.push(LineAttachment {
            name: name.to_string(),
            node,
            start_m,
            end_m,
            g_w_m_k,
        });
        self
    }

    /// Couples `region` to `node` with `h_w_m2_k` W/(m²·K).
    pub fn with_region_attachment(
        mut self,
        name: &str,
        node: NodeId,
        region: Region,
        h_w_m2_k: f64,
    ) -> Self {
        self.region_attachments.push(RegionAttachment {
            name: name.to_string(),
            node,
            region,
            h_w_m2_k,
        });
        self
    }

    /// Names a region so results can be summarised over it.
    pub fn with_named_region(mut self, name: &str, region: Region) -> Self {
        self.named_regions.push(NamedRegion {
            name: name.to_string(),
            region,
        });
        self
    }

    /// The panel's grid, checked (sizes finite and > 0, nx, ny ≥ 1).
    pub fn grid(&self) -> Result<PanelGrid, NetworkError> {
        PanelGrid::new(
            &self.element(),
            self.length_m,
            self.width_m,
            self.nx,
            self.ny,
        )
    }

    fn element(&self) -> String {
        format!("panel `{}`", self.name)
    }

    /// Validates the panel and adds it to `net`: one diffusion node per cell (a
    /// node group named after the panel, with its [`GridShape`]), the
    /// conductors and the sources described in the module documentation.
    ///
    /// Every number is checked before the network is changed, so on error the
    /// network is as it was; the error names the panel, the part and the quantity.
    pub fn add_to(&self, net: &mut ThermalNetwork) -> Result<PanelNodes, NetworkError> {
        let plan = self.check(net)?;
        self.emit(net, plan)
    }

    /// Everything checked, with what `emit` needs precomputed.
    fn check(&self, net: &ThermalNetwork) -> Result<Plan, NetworkError> {
        let elem = self.element();
        let grid = self.grid()?;
        let positive = |quantity, v: f64| check(&elem, quantity, v, v > 0.0, "finite and > 0");
        positive("thickness_m", self.thickness_m)?;
        positive("material.k_w_m_k", self.material.k_w_m_k)?;
        positive("material.density_kg_m3", self.material.density_kg_m3)?;
        positive(
            "material.specific_heat_j_kg_k",
            self.material.specific_heat_j_kg_k,
        )?;
        positive("initial_temperature_k", self.initial_temperature_k)?;
        let capacitance = self.material.density_kg_m3
            * self.material.specific_heat_j_kg_k
            * self.thickness_m
            * grid.cell_area_m2();
        positive("cell heat capacity ρ c t Δx Δy (J/K)", capacitance)?;
        for (face, spec) in [("top", &self.top), ("bottom", &self.bottom)] {
            let e = format!("{elem} {face} face");
            let unit = |q, v: f64| check(&e, q, v, (0.0..=1.0).contains(&v), "0 ≤ value ≤ 1");
            unit("coating.absorptivity", spec.coating.absorptivity)?;
            unit("coating.emissivity", spec.coating.emissivity)?;
            if let Some(node) = spec.radiates_to {
                check_node(net, &e, "radiates_to node index", node)?;
            }
        }
        let mut edges = Vec::with_capacity(4);
        for edge in Edge::ALL {
            edges.push(self.check_edge(net, &grid, edge)?);
        }
        for f in &self.absorbed_fluxes {
            let e = format!("{elem} absorbed flux `{}`", f.name);
            check_profile(&e, "incident_w_m2", &f.incident_w_m2)?;
            if let Some(r) = &f.region {
                check_region(&grid, &e, r)?;
            }
        }
        for l in &self.heat_loads {
            let e = format!("{elem} heat load `{}`", l.name);
            match &l.load {
                PanelLoad::Areal { w_m2 } => check_profile(&e, "w_m2", w_m2)?,
                PanelLoad::Volumetric { w_m3 } => check_profile(&e, "w_m3", w_m3)?,
                PanelLoad::Total { w } => check_profile(&e, "w", w)?,
            }
            if let Some(r) = &l.region {
                check_region(&grid, &e, r)?;
            }
        }
        let mut lines = Vec::with_capacity(self.line_attachments.len());
        for a in &self.line_attachments {
            let e = format!("{elem} line attachment `{}`", a.name);
            check_node(net, &e, "node index", a.node)?;
            check(&e, "g_w_m_k", a.g_w_m_k, a.g_w_m_k > 0.0, "finite and > 0")?;
            for (q, v) in [
                ("start_m[0] (x)", a.start_m[0]),
                ("start_m[1] (y)", a.start_m[1]),
                ("end_m[0] (x)", a.end_m[0]),
                ("end_m[1] (y)", a.end_m[1]),
            ] {
                check(&e, q, v, true, "finite")?;
            }
            let cells = grid.segment_lengths(a.start_m, a.end_m);
            let inside: f64 = cells.iter().map(|c| c.amount).sum();
            check(
                &e,
                "segment length inside the panel (m)",
                inside,
                inside > 0.0,
                "> 0: the line must cross the panel",
            )?;
            lines.push(cells);
        }
        for a in &self.region_attachments {
            let e = format!("{elem} region attachment `{}`", a.name);
            check_node(net, &e, "node index", a.node)?;
            check(
                &e,
                "h_w_m2_k",
                a.h_w_m2_k,
                a.h_w_m2_k > 0.0,
                "finite and > 0",
            )?;
            check_region(&grid, &e, &a.region)?;
        }
        for (k, r) in self.named_regions.iter().enumerate() {
            let e = format!("{elem} region `{}`", r.name);
            check_region(&grid, &e, &r.region)?;
            if self.named_regions[..k].iter().any(|o| o.name == r.name) {
                return Err(NetworkError::DuplicateNode {
                    name: format!("{}.{}", self.name, r.name),
                });
            }
        }
        // Names the panel will create must be free.
        let mut new_names = vec![self.name.clone()];
        for (edge, link) in Edge::ALL.iter().zip(&edges) {
            match link {
                EdgeLink::Nodes(_)
                    if matches!(
                        self.edges.get(*edge),
                        EdgeCondition::FixedTemperature { .. }
                    ) =>
                {
                    new_names.push(format!("{}.{}", self.name, edge.name()));
                }
                EdgeLink::Nodes(_) => new_names.extend(
                    (0..edge.cell_count(&grid))
                        .map(|k| format!("{}.{}[{k}]", self.name, edge.name())),
                ),
                _ => {}
            }
        }
        if let Some(taken) = new_names
            .into_iter()
            .find(|n| net.node(n).is_ok() || net.group(n).is_some())
        {
            return Err(NetworkError::DuplicateNode { name: taken });
        }
        Ok(Plan {
            grid,
            capacitance,
            edges,
            lines,
        })
    }

    /// Checks one edge condition and resolves it (node ids are filled in by `emit`
    /// for edges that create their own boundary nodes).
    fn check_edge(
        &self,
        net: &ThermalNetwork,
        grid: &PanelGrid,
        edge: Edge,
    ) -> Result<EdgeLink, NetworkError> {
        let e = format!("{} {} edge", self.element(), edge.name());
        let n = edge.cell_count(grid);
        Ok(match self.edges.get(edge) {
            EdgeCondition::Insulated => EdgeLink::Insulated,
            EdgeCondition::FixedTemperature { temperature_k } => {
                if let Profile::Constant(t) = temperature_k {
                    check(&e, "temperature_k", *t, *t >= 0.0, "finite and ≥ 0")?;
                }
                EdgeLink::Nodes(Vec::new())
            }
            EdgeCondition::FixedTemperatureAlong { temperatures_k } => {
                if temperatures_k.len() != n {
                    return Err(NetworkError::InvalidValue {
                        element: e,
                        quantity: "number of temperatures_k (one per edge cell)",
                        value: temperatures_k.len() as f64,
                        allowed: "equal to the number of cells along the edge (ny for west/east, nx for south/north)",
                    });
                }
                for &t in temperatures_k {
                    check(&e, "temperatures_k", t, t >= 0.0, "finite and ≥ 0")?;
                }
                EdgeLink::Nodes(Vec::new())
            }
            EdgeCondition::NodeTemperature { node } => {
                check_node(net, &e, "node index", *node)?;
                EdgeLink::Node(*node)
            }
            EdgeCondition::HeatFlux {
                flux_w_m2,
                load_w_m,
            } => {
                check(&e, "flux_w_m2", *flux_w_m2, true, "finite")?;
                check(&e, "load_w_m", *load_w_m, true, "finite")?;
                EdgeLink::Flux {
                    w_m: flux_w_m2 * self.thickness_m + load_w_m,
                }
            }
            EdgeCondition::Conductance { node, g_w_m_k } => {
                check_node(net, &e, "node index", *node)?;
                check(&e, "g_w_m_k", *g_w_m_k, *g_w_m_k > 0.0, "finite and > 0")?;
                EdgeLink::Series {
                    node: *node,
                    g_w_m_k: *g_w_m_k,
                }
            }
            EdgeCondition::Convection { node, h_w_m2_k } => {
                check_node(net, &e, "node index", *node)?;
                check(&e, "h_w_m2_k", *h_w_m2_k, *h_w_m2_k > 0.0, "finite and > 0")?;
                let g = h_w_m2_k * self.thickness_m;
                check(&e, "h t (W/(m·K))", g, g > 0.0, "finite and > 0")?;
                EdgeLink::Series {
                    node: *node,
                    g_w_m_k: g,
                }
            }
        })
    }

    /// Adds the checked panel to the network.
    fn emit(&self, net: &mut ThermalNetwork, plan: Plan) -> Result<PanelNodes, NetworkError> {
        let Plan {
            grid,
            capacitance,
            mut edges,
            lines,
        } = plan;
        let (nx, ny) = (grid.nx(), grid.ny());
        let caps = vec![capacitance; grid.cell_count()];
        let nodes = net.add_group(
            &self.name,
            &caps,
            self.initial_temperature_k,
            Some(GridShape { nx, ny }),
        )?;
        drop(caps);
        let first = nodes.start;
        let id = |i: usize, j: usize| first + grid.index(i, j);
        let k_t = self.material.k_w_m_k * self.thickness_m;

        // Conduction between neighbours: k t Δy/Δx along x, k t Δx/Δy along y.
        let gx = k_t * grid.dy_m() / grid.dx_m();
        let gy = k_t * grid.dx_m() / grid.dy_m();
        for j in 0..ny {
            for i in 0..nx {
                if i + 1 < nx {
                    net.add_linear(id(i, j), id(i + 1, j), gx)?;
                }
                if j + 1 < ny {
                    net.add_linear(id(i, j), id(i, j + 1), gy)?;
                }
            }
        }

        // Face radiation: R = ε Δx Δy per face, merged when both faces see one node.
        let area = grid.cell_area_m2();
        let (et, eb) = (self.top.coating.emissivity, self.bottom.coating.emissivity);
        let faces: Vec<(NodeId, f64)> = match (self.top.radiates_to, self.bottom.radiates_to) {
            (Some(a), Some(b)) if a == b => vec![(a, (et + eb) * area)],
            (t, b) => t
                .map(|n| (n, et * area))
                .into_iter()
                .chain(b.map(|n| (n, eb * area)))
                .collect(),
        };
        for (sink, r) in faces.into_iter().filter(|(_, r)| *r > 0.0) {
            for cell in nodes.clone() {
                net.add_radiative(cell, sink, r)?;
            }
        }

        // Edges.
        for (edge, link) in Edge::ALL.into_iter().zip(edges.iter_mut()) {
            let n = edge.cell_count(&grid);
            let len = edge.cell_edge_length_m(&grid);
            let g_half = 2.0 * k_t * len / edge.cell_depth_m(&grid);
            let cell = |k: usize| {
                let (i, j) = edge.cell(&grid, k);
                id(i, j)
            };
            match link {
                EdgeLink::Insulated => {}
                EdgeLink::Nodes(created) => {
                    match self.edges.get(edge) {
                        EdgeCondition::FixedTemperature { temperature_k } => {
                            let initial = match temperature_k.value_at(0.0) {
                                t if t.is_finite() && t > 0.0 => t,
                                _ => self.initial_temperature_k,
                            };
                            let b = net.add_node(
                                &format!("{}.{}", self.name, edge.name()),
                                NodeKind::Boundary {
                                    temperature_k: temperature_k.clone(),
                                },
                                initial,
                            )?;
                            created.push(b);
                        }
                        EdgeCondition::FixedTemperatureAlong { temperatures_k } => {
                            for (k, &t) in temperatures_k.iter().enumerate() {
                                let b = net.add_boundary(
                                    &format!("{}.{}[{k}]", self.name, edge.name()),
                                    t,
                                )?;
                                created.push(b);
                            }
                        }
                        _ => {}
                    }
                    for k in 0..n {
                        let b = created[if created.len() == 1 { 0 } else { k }];
                        net.add_linear(cell(k), b, g_half)?;
                    }
                }
                EdgeLink::Node(node) => {
                    for k in 0..n {
                        net.add_linear(cell(k), *node, g_half)?;
                    }
                }
                EdgeLink::Flux { w_m } => {
                    if *w_m != 0.0 {
                        net.add_source(HeatSource {
                            name: format!("{}.{} edge flux", self.name, edge.name()),
                            loads: (0..n).map(|k| (cell(k), len)).collect(),
                            profile: Profile::Constant(*w_m),
                        })?;
                    }
                }
                EdgeLink::Series { node, g_w_m_k } => {
                    let g = series(*g_w_m_k * len, g_half);
                    for k in 0..n {
                        net.add_linear(cell(k), *node, g)?;
                    }
                }
            }
        }

        // Absorbed fluxes: weight α A_ij, profile in incident W/m².
        for f in &self.absorbed_fluxes {
            let coating = match f.side {
                Side::Top => self.top.coating,
                Side::Bottom => self.bottom.coating,
            };
            let alpha = match f.band {
                Band::Solar => coating.absorptivity,
                Band::Infrared => coating.emissivity,
            };
            if alpha == 0.0 {
                continue;
            }
            let loads = cell_weights(&grid, first, f.region.as_ref(), alpha);
            net.add_source(HeatSource {
                name: format!("{}.{}", self.name, f.name),
                loads,
                profile: f.incident_w_m2.clone(),
            })?;
        }

        // Heat loads.
        for l in &self.heat_loads {
            let (scale, profile) = match &l.load {
                PanelLoad::Areal { w_m2 } => (1.0, w_m2),
                PanelLoad::Volumetric { w_m3 } => (self.thickness_m, w_m3),
                PanelLoad::Total { w } => {
                    let a = match &l.region {
                        Some(r) => grid.overlap_area_m2(r),
                        None => self.length_m * self.width_m,
                    };
                    (1.0 / a, w)
                }
            };
            let loads = cell_weights(&grid, first, l.region.as_ref(), scale);
            net.add_source(HeatSource {
                name: format!("{}.{}", self.name, l.name),
                loads,
                profile: profile.clone(),
            })?;
        }

        // Attachments.
        for (a, cells) in self.line_attachments.iter().zip(&lines) {
            for c in cells {
                net.add_linear(id(c.i, c.j), a.node, a.g_w_m_k * c.amount)?;
            }
        }
        for a in &self.region_attachments {
            for c in grid.overlap_areas(&a.region) {
                net.add_linear(id(c.i, c.j), a.node, a.h_w_m2_k * c.amount)?;
            }
        }

        Ok(PanelNodes::new(
            self.name.clone(),
            nodes,
            grid,
            self.thickness_m,
            self.material.k_w_m_k,
            edges,
            self.named_regions.clone(),
        ))
    }
}

/// What `check` found, for `emit`.
struct Plan {
    grid: PanelGrid,
    capacitance: f64,
    edges: Vec<EdgeLink>,
    lines: Vec<Vec<CellShare>>,
}

/// `(node, scale × area)` for every cell, or for the cells overlapping `region`.
fn cell_weights(
    grid: &PanelGrid,
    first: NodeId,
    region: Option<&Region>,
    scale: f64,
) -> Vec<(NodeId, f64)> {
    match region {
        None => {
            let w = scale * grid.cell_area_m2();
            (first..first + grid.cell_count()).map(|n| (n, w)).collect()
        }
        Some(r) => grid
            .overlap_areas(r)
            .map(|c| (first + grid.index(c.i, c.j), scale * c.amount))
            .collect(),
    }
}

/// Two conductances in series, `1 / (1/a + 1/b)`.
pub(crate) fn series(a: f64, b: f64) -> f64 {
    a * b / (a + b)
}

fn check_node(
    net: &ThermalNetwork,
    element: &str,
    quantity: &'static str,
    node: NodeId,
) -> Result<(), NetworkError> {
    if node < net.node_count() {
        Ok(())
    } else {
        Err(NetworkError::InvalidValue {
            element: element.to_string(),
            quantity,
            value: node as f64,
            allowed: "a node already in the network",
        })
    }
}

fn check_profile(
    element: &str,
    quantity: &'static str,
    profile: &Profile,
) -> Result<(), NetworkError> {
    match profile {
        Profile::Constant(v) => check(element, quantity, *v, true, "finite"),
        _ => Ok(()),
    }
}

fn check_region(grid: &PanelGrid, element: &str, region: &Region) -> Result<(), NetworkError> {
    region.check(element)?;
    let overlap = grid.overlap_area_m2(region);
    check(
        element,
        "region area inside the panel (m²)",
        overlap,
        overlap > 0.0,
        "> 0: the region must overlap the panel",
    )
}

#[cfg(test)]
mod tests;
