//! [`PanelNodes`]: where a panel's cells are in the network, and how to read
//! its temperature field back — per cell, summarised, or at any point.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::error::NetworkError;
use crate::mesh::grid::{PanelGrid, Region};
use crate::mesh::panel::{series, Edge};
use crate::network::NodeId;

/// A region of a panel with a name, for results ("under the cold plate").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedRegion {
    /// Name, unique within the panel.
    pub name: String,
    /// The rectangle.
    pub region: Region,
}

/// Minimum, maximum and area-weighted mean of a temperature field (K).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FieldStats {
    /// Lowest cell temperature, K.
    pub min_k: f64,
    /// Highest cell temperature, K.
    pub max_k: f64,
    /// Area-weighted mean `Σ A_ij T_ij / Σ A_ij`, K.
    pub mean_k: f64,
}

/// How an edge is linked in the network, as built (what reconstructing edge
/// temperatures needs).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EdgeLink {
    /// No heat crosses.
    Insulated,
    /// Half-cell conduction to boundary nodes the panel created: one for the
    /// whole edge, or one per edge cell.
    Nodes(Vec<NodeId>),
    /// Half-cell conduction to an existing node.
    Node(NodeId),
    /// A fixed heat input per metre of edge (W/m).
    Flux { w_m: f64 },
    /// A conductance per metre of edge (W/(m·K)) to `node`, in series with half-cell conduction.
    Series { node: NodeId, g_w_m_k: f64 },
}

/// Where a panel's cells sit in the network, returned by
/// [`RectangularPanel::add_to`](crate::mesh::RectangularPanel::add_to).
///
/// Cell `(i, j)` is node `nodes().start + j nx + i`, centred at
/// `((i + ½) Δx, (j + ½) Δy)`. Methods that read results take the temperature
/// of every network node (as in
/// [`SteadySolution::temperatures_k`](crate::solve::SteadySolution::temperatures_k))
/// and fail, rather than panic, if that slice is too short.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelNodes {
    name: String,
    nodes: Range<NodeId>,
    grid: PanelGrid,
    thickness_m: f64,
    k_w_m_k: f64,
    /// West, east, south, north.
    edges: Vec<EdgeLink>,
    regions: Vec<NamedRegion>,
    /// Temperatures needed: every cell and every node an edge links to.
    required_len: usize,
}

impl PanelNodes {
    pub(crate) fn new(
        name: String,
        nodes: Range<NodeId>,
        grid: PanelGrid,
        thickness_m: f64,
        k_w_m_k: f64,
        edges: Vec<EdgeLink>,
        regions: Vec<NamedRegion>,
    ) -> Self {
        let required_len = edges
            .iter()
            .flat_map(|e| match e {
                EdgeLink::Nodes(v) => v.clone(),
                EdgeLink::Node(n) | EdgeLink::Series { node: n, .. } => vec![*n],
                _ => Vec::new(),
            })
            .map(|n| n + 1)
            .chain([nodes.end])
            .max()
            .unwrap_or(nodes.end);
        Self {
            name,
            nodes,
            grid,
            thickness_m,
            k_w_m_k,
            edges,
            regions,
            required_len,
        }
    }

    /// Panel (and node group) name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The cells' nodes, contiguous, row-major (i fastest).
    pub fn nodes(&self) -> Range<NodeId> {
        self.nodes.clone()
    }
    /// The grid geometry.
    pub fn grid(&self) -> &PanelGrid {
        &self.grid
    }
    /// Cells along x.
    pub fn nx(&self) -> usize {
        self.grid.nx()
    }
    /// Cells along y.
    pub fn ny(&self) -> usize {
        self.grid.ny()
    }
    /// Cell size along x (m).
    pub fn dx_m(&self) -> f64 {
        self.grid.dx_m()
    }
    /// Cell size along y (m).
    pub fn dy_m(&self) -> f64 {
        self.grid.dy_m()
    }
    /// Extent along x (m).
    pub fn length_m(&self) -> f64 {
        self.grid.length_m()
    }
    /// Extent along y (m).
    pub fn width_m(&self) -> f64 {
        self.grid.width_m()
    }
    /// Thickness (m).
    pub fn thickness_m(&self) -> f64 {
        self.thickness_m
    }
    /// Node of cell `(i, j)`, or `None` outside the grid.
    pub fn node(&self, i: usize, j: usize) -> Option<NodeId> {
        (i < self.nx() && j < self.ny()).then(|| self.nodes.start + self.grid.index(i, j))
    }
    /// Centre of cell `(i, j)`: `((i + ½) Δx, (j + ½) Δy)` (m).
    pub fn cell_center(&self, i: usize, j: usize) -> (f64, f64) {
        self.grid.cell_center(i, j)
    }
    /// The cell holding `(x, y)` (m), or `None` outside the panel.
    pub fn cell_at(&self, x_m: f64, y_m: f64) -> Option<(usize, usize)> {
        self.grid.cell_at(x_m, y_m)
    }
    /// Regions named for results.
    pub fn named_regions(&self) -> &[NamedRegion] {
        &self.regions
    }
    /// A named region.
    pub fn region(&self, name: &str) -> Option<&Region> {
        self.regions
            .iter()
            .find(|r| r.name == name)
            .map(|r| &r.region)
    }

    /// Nodes an edge is linked to: the boundary nodes it created (fixed
    /// temperatures) or the node it was given; empty for insulated and flux edges.
    pub fn edge_nodes(&self, edge: Edge) -> Vec<NodeId> {
        match &self.edges[edge.index()] {
            EdgeLink::Nodes(v) => v.clone(),
            EdgeLink::Node(n) | EdgeLink::Series { node: n, .. } => vec![*n],
            EdgeLink::Insulated | EdgeLink::Flux { .. } => Vec::new(),
        }
    }

    fn check_len(&self, temperatures_k: &[f64], needed: usize) -> Result<(), NetworkError> {
        if temperatures_k.len() >= needed {
            Ok(())
        } else {
            Err(NetworkError::InvalidValue {
                element: format!("panel `{}`", self.name),
                quantity: "length of the temperature slice",
                value: temperatures_k.len() as f64,
                allowed: "one temperature per network node (the panel's nodes are beyond its end)",
            })
        }
    }

    /// The panel's cell temperatures (K), row-major (`field[j nx + i]` is cell
    /// `(i, j)`), borrowed from the temperatures of all nodes.
    pub fn field<'a>(&self, temperatures_k: &'a [f64]) -> Result<&'a [f64], NetworkError> {
        self.check_len(temperatures_k, self.nodes.end)?;
        Ok(&temperatures_k[self.nodes.clone()])
    }

    /// The panel's cell temperatures (K) as an `ny × nx` array: `field[[j, i]]`
    /// is cell `(i, j)` (row `j` along y, column `i` along x), copied from the
    /// temperatures of all nodes.
    pub fn field_array(
        &self,
        temperatures_k: &[f64],
    ) -> Result<ndarray::Array2<f64>, NetworkError> {
        let f = self.field(temperatures_k)?;
        ndarray::Array2::from_shape_vec((self.ny(), self.nx()), f.to_vec()).map_err(|_| {
            NetworkError::InvalidValue {
                element: format!("panel `{}`", self.name),
                quantity: "number of cells",
                value: f.len() as f64,
                allowed: "nx × ny",
            }
        })
    }

    /// Minimum, maximum and area-weighted mean of the cell temperatures. The
    /// cells are all the same size, so the mean is the plain cell mean.
    pub fn stats(&self, temperatures_k: &[f64]) -> Result<FieldStats, NetworkError> {
        let f = self.field(temperatures_k)?;
        let (mut min_k, mut max_k, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
        for &t in f {
            min_k = min_k.min(t);
            max_k = max_k.max(t);
            sum += t;
        }
        Ok(FieldStats {
            min_k,
            max_k,
            mean_k: sum / f.len() as f64,
        })
    }

    /// Lowest cell temperature (K).
    pub fn min_k(&self, temperatures_k: &[f64]) -> Result<f64, NetworkError> {
        Ok(self.stats(temperatures_k)?.min_k)
    }
    /// Highest cell temperature (K).
    pub fn max_k(&self, temperatures_k: &[f64]) -> Result<f64, NetworkError> {
        Ok(self.stats(temperatures_k)?.max_k)
    }
    /// Area-weighted mean cell temperature (K).
    pub fn mean_k(&self, temperatures_k: &[f64]) -> Result<f64, NetworkError> {
        Ok(self.stats(temperatures_k)?.mean_k)
    }

    /// Statistics over the cells overlapping `region`, the mean weighted by each
    /// cell's overlap area.
    pub fn region_stats(
        &self,
        region: &Region,
        temperatures_k: &[f64],
    ) -> Result<FieldStats, NetworkError> {
        let f = self.field(temperatures_k)?;
        region.check(&format!("panel `{}` region", self.name))?;
        let (mut min_k, mut max_k, mut sum, mut area) =
            (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0.0);
        for c in self.grid.overlap_areas(region) {
            let t = f[self.grid.index(c.i, c.j)];
            min_k = min_k.min(t);
            max_k = max_k.max(t);
            sum += c.amount * t;
            area += c.amount;
        }
        if area > 0.0 {
            Ok(FieldStats {
                min_k,
                max_k,
                mean_k: sum / area,
            })
        } else {
            Err(NetworkError::InvalidValue {
                element: format!("panel `{}` region", self.name),
                quantity: "region area inside the panel (m²)",
                value: area,
                allowed: "> 0: the region must overlap the panel",
            })
        }
    }

    /// Half-cell conductance from edge cell to edge, `2 k t ℓ / d` (W/K).
    fn half_cell_w_k(&self, edge: Edge) -> f64 {
        2.0 * self.k_w_m_k * self.thickness_m * edge.cell_edge_length_m(&self.grid)
            / edge.cell_depth_m(&self.grid)
    }

    /// Temperature of the edge at the middle of the `k`-th edge cell's face;
    /// `t` has been length-checked.
    fn edge_value(&self, edge: Edge, k: usize, t: &[f64]) -> f64 {
        let (i, j) = edge.cell(&self.grid, k);
        let tc = t[self.nodes.start + self.grid.index(i, j)];
        let g_half = self.half_cell_w_k(edge);
        let len = edge.cell_edge_length_m(&self.grid);
        match &self.edges[edge.index()] {
            EdgeLink::Insulated => tc,
            EdgeLink::Nodes(v) => t[v[if v.len() == 1 { 0 } else { k }]],
            EdgeLink::Node(n) => t[*n],
            EdgeLink::Flux { w_m } => tc + w_m * len / g_half,
            EdgeLink::Series { node, g_w_m_k } => {
                let q = series(g_w_m_k * len, g_half) * (t[*node] - tc);
                tc + q / g_half
            }
        }
    }

    /// Heat into the edge cell `k` through the edge (W); `t` length-checked.
    fn edge_cell_heat_w(&self, edge: Edge, k: usize, t: &[f64]) -> f64 {
        let (i, j) = edge.cell(&self.grid, k);
        let tc = t[self.nodes.start + self.grid.index(i, j)];
        let g_half = self.half_cell_w_k(edge);
        let len = edge.cell_edge_length_m(&self.grid);
        match &self.edges[edge.index()] {
            EdgeLink::Insulated => 0.0,
            EdgeLink::Nodes(_) | EdgeLink::Node(_) => g_half * (self.edge_value(edge, k, t) - tc),
            EdgeLink::Flux { w_m } => w_m * len,
            EdgeLink::Series { node, g_w_m_k } => series(g_w_m_k * len, g_half) * (t[*node] - tc),
        }
    }

    /// Edge temperature (K) at the middle of the `k`-th edge cell's face
    /// (counted along increasing x or y), reconstructed from the edge condition:
    ///
    /// - insulated: the cell's temperature (zero normal gradient);
    /// - fixed or node temperature: that temperature;
    /// - heat flux `q′` (W/m): `T_c + q′ ℓ / G½`;
    /// - conductance or convection to `T_n`: the surface temperature of the
    ///   series balance, `T_c + G (T_n − T_c) / G½` with `G = 1/(1/(G′ℓ) + 1/G½)`.
    ///
    /// Each is the value of the linear profile across the half cell whose flux
    /// the network carries, so it is second-order accurate (Patankar 1980, §4.6).
    pub fn edge_temperature_k(
        &self,
        edge: Edge,
        k: usize,
        temperatures_k: &[f64],
    ) -> Result<f64, NetworkError> {
        self.check_len(temperatures_k, self.required_len)?;
        let n = edge.cell_count(&self.grid);
        if k >= n {
            return Err(NetworkError::InvalidValue {
                element: format!("panel `{}` {} edge", self.name, edge.name()),
                quantity: "edge cell index",
                value: k as f64,
                allowed: "below the number of cells along the edge",
            });
        }
        Ok(self.edge_value(edge, k, temperatures_k))
    }

    /// Net heat into the panel through `edge` (W): `Σ G½ (T_edge − T_c)` for
    /// held temperatures, the imposed load for a flux, `Σ G (T_n − T_c)` for a
    /// conductance or convection, 0 when insulated.
    pub fn edge_heat_w(&self, edge: Edge, temperatures_k: &[f64]) -> Result<f64, NetworkError> {
        self.check_len(temperatures_k, self.required_len)?;
        Ok((0..edge.cell_count(&self.grid))
            .map(|k| self.edge_cell_heat_w(edge, k, temperatures_k))
            .sum())
    }

    /// Value on the grid extended by the edges: `ie` in `0..=nx+1` (0 the west
    /// edge, `nx+1` the east edge, else cell `ie − 1`), likewise `je`.
    fn extended(&self, ie: usize, je: usize, t: &[f64]) -> f64 {
        let (nx, ny) = (self.nx(), self.ny());
        let ci = ie.saturating_sub(1).min(nx - 1);
        let cj = je.saturating_sub(1).min(ny - 1);
        let x_edge = match ie {
            0 => Some(Edge::West),
            _ if ie == nx + 1 => Some(Edge::East),
            _ => None,
        };
        let y_edge = match je {
            0 => Some(Edge::South),
            _ if je == ny + 1 => Some(Edge::North),
            _ => None,
        };
        let cell = || t[self.nodes.start + self.grid.index(ci, cj)];
        match (x_edge, y_edge) {
            (None, None) => cell(),
            (Some(e), None) => self.edge_value(e, cj, t),
            (None, Some(e)) => self.edge_value(e, ci, t),
            // Corner: T(0,0) ≈ T(0,y₀) + T(x₀,0) − T(x₀,y₀), exact for bilinear fields.
            (Some(ex), Some(ey)) => {
                self.edge_value(ex, cj, t) + self.edge_value(ey, ci, t) - cell()
            }
        }
    }

    /// Temperature (K) at `(x, y)` (m), by bilinear interpolation between cell
    /// centres, extended to the edges with the edge temperatures of
    /// [`Self::edge_temperature_k`] and to the corners by
    /// `T_corner = T_edge,x + T_edge,y − T_cell`. Second-order accurate
    /// everywhere on the panel, edges and corners included (for a smooth field).
    ///
    /// Points outside the panel (beyond a round-off margin of 1e-9 of its size)
    /// are an error.
    pub fn temperature_at(
        &self,
        x_m: f64,
        y_m: f64,
        temperatures_k: &[f64],
    ) -> Result<f64, NetworkError> {
        self.check_len(temperatures_k, self.required_len)?;
        let (l, w) = (self.length_m(), self.width_m());
        let outside = |quantity, value: f64, size: f64| {
            if value.is_finite() && value >= -1e-9 * size && value <= size * (1.0 + 1e-9) {
                Ok(())
            } else {
                Err(NetworkError::InvalidValue {
                    element: format!("panel `{}`", self.name),
                    quantity,
                    value,
                    allowed: "inside the panel: 0 ≤ x ≤ length_m, 0 ≤ y ≤ width_m",
                })
            }
        };
        outside("x coordinate (m)", x_m, l)?;
        outside("y coordinate (m)", y_m, w)?;
        let (ie, wx) = bracket(x_m.clamp(0.0, l), self.nx(), self.dx_m(), l);
        let (je, wy) = bracket(y_m.clamp(0.0, w), self.ny(), self.dy_m(), w);
        let t = temperatures_k;
        let v00 = self.extended(ie, je, t);
        let v10 = self.extended(ie + 1, je, t);
        let v01 = self.extended(ie, je + 1, t);
        let v11 = self.extended(ie + 1, je + 1, t);
        Ok((1.0 - wy) * ((1.0 - wx) * v00 + wx * v10) + wy * ((1.0 - wx) * v01 + wx * v11))
    }
}

/// Interval of the extended axis `[0, ½h, 3/2 h, …, len − ½h, len]` holding `u`
/// (`0 ≤ u ≤ len`): its lower index and the weight of the upper end.
fn bracket(u: f64, n: usize, h: f64, len: f64) -> (usize, f64) {
    let pos = |e: usize| -> f64 {
        if e == 0 {
            0.0
        } else if e > n {
            len
        } else {
            (e as f64 - 0.5) * h
        }
    };
    let e = ((u / h + 0.5) as usize).min(n);
    let (a, b) = (pos(e), pos(e + 1));
    let w = if b > a { (u - a) / (b - a) } else { 0.0 };
    (e, w.clamp(0.0, 1.0))
}
