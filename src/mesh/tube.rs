//! Fluid tubes on panels: a coolant passage bonded to a panel along a line.
//!
//! A [`Tube`] becomes a chain of fluid nodes, one per piece of its line between
//! grid-line crossings (one per cell it crosses), in flow order from `start_m` to
//! `end_m`. Consecutive fluid nodes are joined by one-way advective conductors
//! `ṁc_p (T_up − T_down)` (upwind: the fluid carries its temperature
//! downstream), the first one fed from the `inlet` node. Each fluid node stands
//! for the fluid *leaving* its piece and exchanges heat with the cell(s) under
//! the piece through one linear conductor.
//!
//! Across a piece of length `L` the fluid sees a wall at the cell's temperature
//! `T_w` through a conductance per length `U′` (film in series with the tube
//! wall and bond). For a wall at uniform temperature the fluid temperature
//! decays exponentially, `T_out = T_w + (T_in − T_w) e^{−NTU}`, `NTU = U′L/ṁc_p`
//! (Incropera et al., *Fundamentals of Heat and Mass Transfer*, 7th ed., eq. 8.42),
//! so the heat taken from the wall is `ε ṁc_p (T_in − T_w)` with
//! `ε = 1 − e^{−NTU}`. A conductor `G` between the outlet node and the wall
//! carries `G (T_out − T_w)`; with `T_out = T_in − Q/ṁc_p` this equals that heat
//! when
//!
//! ```text
//! G = ṁc_p (e^{NTU} − 1)
//! ```
//!
//! — exact for a piecewise-uniform wall, and `G → U′L` as `NTU → 0`. The wall
//! temperature is taken at the cell centre (midpoint rule along the piece). A
//! piece that lies on a grid line exchanges with the two cells beside it in
//! equal shares. NTU is capped at [`MAX_PIECE_NTU`], past which the outlet
//! already equals the wall temperature to 6e-6 of the inlet difference.

use std::ops::Range;

use crate::error::NetworkError;
use crate::mesh::nodes::PanelNodes;
use crate::network::{check_finite_range, NodeId, ThermalNetwork};

/// Largest number of transfer units per piece used in `G = ṁc_p (e^NTU − 1)`:
/// at NTU = 12 the fluid leaves within `e^{−12} = 6.1e-6` of the way from its
/// inlet to the wall temperature, so a larger NTU changes no temperature beyond
/// that, while the conductance (and the condition number of the Jacobian) would
/// grow without bound — past ~1e6 ṁc_p the direct solvers lose digits.
pub const MAX_PIECE_NTU: f64 = 12.0;

/// The conductance between an isothermal wall and the fluid *leaving* it that
/// carries the exact exponential-exchanger heat `ε ṁc_p (T_in − T_w)`:
/// `G = ṁc_p (e^{NTU} − 1)`, `NTU = UA/ṁc_p` capped at [`MAX_PIECE_NTU`]
/// (see the module documentation). `UA` and `ṁc_p` in W/K, both > 0.
pub fn exchanger_conductance_w_k(ua_w_k: f64, mdot_cp_w_k: f64) -> f64 {
    mdot_cp_w_k * (ua_w_k / mdot_cp_w_k).min(MAX_PIECE_NTU).exp_m1()
}

/// Relative tolerance with which a tube's line must lie inside its panel.
const INSIDE_TOLERANCE: f64 = 1e-9;

/// A coolant tube along a straight line on a panel (flow from `start_m` to `end_m`).
#[derive(Debug, Clone, PartialEq)]
pub struct Tube {
    /// Name of the fluid nodes' group (unique in the network).
    pub name: String,
    /// Where the fluid enters, `[x, y]` in panel coordinates (m).
    pub start_m: [f64; 2],
    /// Where it leaves, `[x, y]` (m).
    pub end_m: [f64; 2],
    /// Node the fluid comes from (a manifold, the previous component).
    pub inlet: NodeId,
    /// Capacity rate of the flow in this tube, ṁ c_p (W/K, > 0).
    pub mdot_cp_w_k: f64,
    /// Conductance per metre between the fluid and the panel, `U′` (W/(m·K), > 0):
    /// internal film `h π D` in series with the wall and the bond.
    pub conductance_w_m_k: f64,
    /// Heat capacity of the fluid per metre of tube, `ρ c_p π D²/4` (J/(m·K), ≥ 0;
    /// zero makes the fluid nodes massless).
    pub fluid_heat_capacity_j_m_k: f64,
    /// Initial temperature of the fluid (K, > 0).
    pub initial_temperature_k: f64,
}

/// The fluid nodes of a tube in the network, in flow order.
#[derive(Debug, Clone, PartialEq)]
pub struct TubeNodes {
    name: String,
    nodes: Range<NodeId>,
    distance_m: Vec<f64>,
    length_m: f64,
}

impl TubeNodes {
    /// The tube's name (its node group).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its fluid nodes, contiguous, in flow order.
    pub fn nodes(&self) -> Range<NodeId> {
        self.nodes.clone()
    }

    /// The last fluid node: the fluid leaving the tube.
    pub fn outlet(&self) -> NodeId {
        self.nodes.end - 1
    }

    /// Distance along the tube from the inlet to the end of each piece (m): where
    /// each fluid node's temperature holds.
    pub fn distance_m(&self) -> &[f64] {
        &self.distance_m
    }

    /// Length of the tube inside the panel, m.
    pub fn length_m(&self) -> f64 {
        self.length_m
    }
}

impl Tube {
    /// Checks the tube and adds its fluid nodes and conductors to `net`, bonded to
    /// `panel`'s cells. Nothing is added on error.
    pub fn add_to(
        &self,
        net: &mut ThermalNetwork,
        panel: &PanelNodes,
    ) -> Result<TubeNodes, NetworkError> {
        let e = format!("tube `{}` on panel `{}`", self.name, panel.name());
        let positive = |q, v: f64| check_finite_range(&e, q, v, v > 0.0, "finite and > 0");
        positive("mdot_cp_w_k", self.mdot_cp_w_k)?;
        positive("conductance_w_m_k", self.conductance_w_m_k)?;
        positive("initial_temperature_k", self.initial_temperature_k)?;
        check_finite_range(
            &e,
            "fluid_heat_capacity_j_m_k",
            self.fluid_heat_capacity_j_m_k,
            self.fluid_heat_capacity_j_m_k >= 0.0,
            "finite and >= 0",
        )?;
        for v in [self.start_m, self.end_m].iter().flatten() {
            check_finite_range(&e, "line coordinate (m)", *v, true, "finite")?;
        }
        if self.inlet >= net.node_count() {
            return Err(NetworkError::NodeIndexOutOfRange {
                index: self.inlet,
                count: net.node_count(),
            });
        }
        let grid = panel.grid();
        let pieces = grid.segment_pieces(self.start_m, self.end_m);
        let full = (self.end_m[0] - self.start_m[0]).hypot(self.end_m[1] - self.start_m[1]);
        let inside: f64 = pieces.iter().map(|p| p.length_m).sum();
        check_finite_range(
            &e,
            "length inside the panel (m)",
            inside,
            full > 0.0 && inside >= full * (1.0 - INSIDE_TOLERANCE),
            "the whole line from start_m to end_m, inside the panel",
        )?;
        let capacities: Vec<f64> = pieces
            .iter()
            .map(|p| self.fluid_heat_capacity_j_m_k * p.length_m)
            .collect();
        // A chain, not a grid: no grid shape, so multigrid does not treat it as a panel.
        let nodes = net.add_group(&self.name, &capacities, self.initial_temperature_k, None)?;
        let mut upstream = self.inlet;
        let mut distance_m = Vec::with_capacity(pieces.len());
        let mut along = 0.0;
        for (node, piece) in nodes.clone().zip(&pieces) {
            net.add_advective(upstream, node, self.mdot_cp_w_k)?;
            let g = exchanger_conductance_w_k(
                self.conductance_w_m_k * piece.length_m,
                self.mdot_cp_w_k,
            );
            let share = g / piece.cells.len() as f64;
            for &(i, j) in &piece.cells {
                if let Some(cell) = panel.node(i, j) {
                    net.add_linear(node, cell, share)?;
                }
            }
            along += piece.length_m;
            distance_m.push(along);
            upstream = node;
        }
        Ok(TubeNodes {
            name: self.name.clone(),
            nodes,
            distance_m,
            length_m: inside,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::{Edge, EdgeCondition, Material, RectangularPanel};
    use crate::solve::{solve_steady, SteadyOptions};

    fn plate(net: &mut ThermalNetwork, ny: usize) -> PanelNodes {
        let aluminium = Material {
            k_w_m_k: 167.0,
            density_kg_m3: 2700.0,
            specific_heat_j_kg_k: 896.0,
        };
        RectangularPanel::new("plate", 1.0, 0.2, 0.002, aluminium, 10, ny)
            .with_edge(
                Edge::South,
                EdgeCondition::FixedTemperature {
                    temperature_k: 300.0.into(),
                },
            )
            .add_to(net)
            .unwrap()
    }

    fn tube(inlet: NodeId, y: f64) -> Tube {
        Tube {
            name: "tube".into(),
            start_m: [0.0, y],
            end_m: [1.0, y],
            inlet,
            mdot_cp_w_k: 50.0,
            conductance_w_m_k: 30.0,
            fluid_heat_capacity_j_m_k: 100.0,
            initial_temperature_k: 320.0,
        }
    }

    #[test]
    fn exchanger_conductance_tends_to_ua_and_is_capped() {
        let g = exchanger_conductance_w_k(1e-6, 10.0);
        assert!((g - 1e-6).abs() < 1e-12 * 1e-6 + 1e-13);
        let g = exchanger_conductance_w_k(10.0, 10.0);
        assert!((g - 10.0 * (1f64.exp() - 1.0)).abs() < 1e-12);
        let capped = exchanger_conductance_w_k(1e9, 1.0);
        assert!((capped - MAX_PIECE_NTU.exp_m1()).abs() < 1e-6 * capped);
    }

    /// Fluid enters hot and leaves cooler; the heat it loses is what the plate
    /// sends to its fixed edge (energy balance), and each piece's exchange
    /// matches the exponential exchanger formula.
    #[test]
    fn fluid_cools_along_the_tube_and_energy_balances() {
        let mut net = ThermalNetwork::new();
        let panel = plate(&mut net, 4);
        let inlet = net.add_boundary("inlet", 360.0).unwrap();
        // y = 0.1 lies on the grid line between rows 1 and 2: shared cells.
        let t = tube(inlet, 0.1).add_to(&mut net, &panel).unwrap();
        assert_eq!(t.nodes().len(), 10);
        assert!((t.length_m() - 1.0).abs() < 1e-12);
        let sol = solve_steady(&net.assemble().unwrap(), &SteadyOptions::default()).unwrap();
        let temps = &sol.temperatures_k;
        let fluid: Vec<f64> = t.nodes().map(|n| temps[n]).collect();
        assert!(fluid.windows(2).all(|w| w[1] < w[0]), "{fluid:?}");
        let heat_lost = 50.0 * (360.0 - temps[t.outlet()]);
        let to_edge = panel.edge_heat_w(Edge::South, temps).unwrap();
        assert!(
            (heat_lost + to_edge).abs() < 1e-6 * heat_lost,
            "{heat_lost} {to_edge}"
        );
    }

    #[test]
    fn a_line_leaving_the_panel_is_refused() {
        let mut net = ThermalNetwork::new();
        let panel = plate(&mut net, 4);
        let inlet = net.add_boundary("inlet", 360.0).unwrap();
        let mut t = tube(inlet, 0.1);
        t.end_m = [1.5, 0.1];
        let err = t.add_to(&mut net, &panel).unwrap_err().to_string();
        assert!(err.contains("inside the panel"), "{err}");
        t.end_m = [1.0, 0.1];
        t.mdot_cp_w_k = 0.0;
        let err = t.add_to(&mut net, &panel).unwrap_err().to_string();
        assert!(err.contains("mdot_cp_w_k"), "{err}");
    }
}
