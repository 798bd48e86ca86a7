//! Grid convergence of the finite-difference panel: the observed order of the
//! max-norm error against exact and manufactured solutions must be ≈ 2.
//!
//! Run with `cargo test --test mesh_convergence -- --nocapture` to see the
//! error tables.
//!
//! The Laplace sine-edge and the insulated/held manufactured panel are the
//! validation cases `cond-02` and `cond-04` (run by `tests/validation_thermal.rs`);
//! these tests add the all-held and convecting-edge variants.

use std::f64::consts::PI;

use thermorbit::constants::STEFAN_BOLTZMANN_W_M2_K4 as SIGMA;
use thermorbit::mesh::{Coating, Edge, EdgeCondition, Material, PanelNodes, RectangularPanel};
use thermorbit::network::{HeatSource, Profile, ThermalNetwork};
use thermorbit::solve::{solve_steady, SteadyOptions};

/// Levels of refinement: cells along the shorter side.
const LEVELS: [usize; 4] = [8, 16, 32, 64];

fn solve(net: &ThermalNetwork) -> Vec<f64> {
    let sys = net.assemble().expect("network assembles");
    solve_steady(&sys, &SteadyOptions::default())
        .expect("steady solve converges")
        .temperatures_k
}

/// Observed orders `log2(e_h / e_{h/2})` between successive levels.
fn orders(errors: &[f64]) -> Vec<f64> {
    errors.windows(2).map(|e| (e[0] / e[1]).log2()).collect()
}

fn report(title: &str, levels: &[usize], errors: &[f64]) -> Vec<f64> {
    let p = orders(errors);
    eprintln!("{title}");
    for (k, (n, e)) in levels.iter().zip(errors).enumerate() {
        let order = if k == 0 {
            "    —".to_string()
        } else {
            format!("{:5.3}", p[k - 1])
        };
        eprintln!("  n = {n:3}  max error = {e:.4e} K  order = {order}");
    }
    p
}

/// Max over cell centres of `|T − exact|`, and over `points` of the
/// interpolated temperature's error.
fn errors(
    panel: &PanelNodes,
    temps: &[f64],
    exact: impl Fn(f64, f64) -> f64,
    points: &[(f64, f64)],
) -> (f64, f64) {
    let field = panel.field(temps).expect("field");
    let mut cell_err: f64 = 0.0;
    for j in 0..panel.ny() {
        for i in 0..panel.nx() {
            let (x, y) = panel.cell_center(i, j);
            cell_err = cell_err.max((field[j * panel.nx() + i] - exact(x, y)).abs());
        }
    }
    let point_err = points
        .iter()
        .map(|&(x, y)| {
            let t = panel.temperature_at(x, y, temps).expect("point on panel");
            (t - exact(x, y)).abs()
        })
        .fold(0.0, f64::max);
    (cell_err, point_err)
}

/// The manufactured solution's parameters: a 1 m × 0.5 m × 3 mm aluminium plate
/// radiating from both faces to a 0 K sink.
struct Manufactured {
    length_m: f64,
    width_m: f64,
    thickness_m: f64,
    k_w_m_k: f64,
    eps_top: f64,
    eps_bottom: f64,
}

const MMS: Manufactured = Manufactured {
    length_m: 1.0,
    width_m: 0.5,
    thickness_m: 0.003,
    k_w_m_k: 200.0,
    eps_top: 0.85,
    eps_bottom: 0.6,
};

impl Manufactured {
    fn material(&self) -> Material {
        Material {
            k_w_m_k: self.k_w_m_k,
            density_kg_m3: 2700.0,
            specific_heat_j_kg_k: 900.0,
        }
    }

    /// Source per planform area that makes `t_m` exact:
    /// `q = −k t ∇²T_m + (ε_top + ε_bot) σ T_m⁴` (W/m²), given `∇²T_m`.
    fn source_w_m2(&self, t_m: f64, laplacian: f64) -> f64 {
        -self.k_w_m_k * self.thickness_m * laplacian
            + (self.eps_top + self.eps_bottom) * SIGMA * t_m.powi(4)
    }

    /// Builds the panel with `edges`, radiation to a 0 K node and the
    /// manufactured source as one per-cell load, and solves it.
    ///
    /// The source is sampled at the cell centre (midpoint rule). That is the
    /// consistent choice: the scheme is the conservation law at the cell
    /// centre — the 5-point Laplacian and the radiation term `ε σ A T_ij⁴` are
    /// both point values there, each within O(h²) of the exact equation — so a
    /// midpoint source leaves a truncation error of O(h²). A cell average
    /// would differ from the midpoint value by `h²/24 ∇²q`, also O(h²), and
    /// gain nothing.
    fn solve(
        &self,
        n: usize,
        edges: &[(Edge, EdgeCondition)],
        exact: &dyn Fn(f64, f64) -> f64,
        laplacian: &dyn Fn(f64, f64) -> f64,
    ) -> (PanelNodes, Vec<f64>) {
        let mut net = ThermalNetwork::new();
        let space = net.add_boundary("space", 0.0).expect("sink");
        let fluid = net.add_boundary("fluid", 300.0).expect("fluid");
        let mut panel = RectangularPanel::new(
            "mms",
            self.length_m,
            self.width_m,
            self.thickness_m,
            self.material(),
            2 * n,
            n,
        )
        .with_top(
            Coating {
                absorptivity: 0.0,
                emissivity: self.eps_top,
            },
            Some(space),
        )
        .with_bottom(
            Coating {
                absorptivity: 0.0,
                emissivity: self.eps_bottom,
            },
            Some(space),
        )
        .with_initial_temperature_k(320.0);
        for (edge, condition) in edges {
            let condition = match condition {
                EdgeCondition::Convection { h_w_m2_k, .. } => EdgeCondition::Convection {
                    node: fluid,
                    h_w_m2_k: *h_w_m2_k,
                },
                other => other.clone(),
            };
            panel = panel.with_edge(*edge, condition);
        }
        let nodes = panel.add_to(&mut net).expect("panel");
        let area = nodes.dx_m() * nodes.dy_m();
        let mut loads = Vec::with_capacity(nodes.nx() * nodes.ny());
        for j in 0..nodes.ny() {
            for i in 0..nodes.nx() {
                let (x, y) = nodes.cell_center(i, j);
                let q = self.source_w_m2(exact(x, y), laplacian(x, y));
                loads.push((nodes.node(i, j).expect("cell"), q * area));
            }
        }
        net.add_source(HeatSource {
            name: "manufactured source".into(),
            loads,
            profile: Profile::Constant(1.0),
        })
        .expect("source");
        let temps = solve(&net);
        (nodes, temps)
    }
}

/// Manufactured solution for the nonlinear panel (conduction + T⁴ radiation +
/// source; Roache, *Code Verification by the Method of Manufactured Solutions*,
/// J. Fluids Eng. 124 (2002) 4–10):
/// `T_m = 300 + 50 sin(πx/L) cos(πy/(2W))` K — 300 K on the west, east and
/// north edges (held there), zero normal gradient on the south edge (insulated).
#[test]
fn val_manufactured_radiating_panel_fixed_edges_is_second_order() {
    let m = &MMS;
    let (l, w) = (m.length_m, m.width_m);
    let exact = |x: f64, y: f64| 300.0 + 50.0 * (PI * x / l).sin() * (PI * y / (2.0 * w)).cos();
    let laplacian = |x: f64, y: f64| {
        -50.0
            * ((PI / l).powi(2) + (PI / (2.0 * w)).powi(2))
            * (PI * x / l).sin()
            * (PI * y / (2.0 * w)).cos()
    };
    let held = || EdgeCondition::FixedTemperature {
        temperature_k: 300.0.into(),
    };
    let edges = [
        (Edge::West, held()),
        (Edge::East, held()),
        (Edge::North, held()),
    ];
    let points = [
        (0.5, 0.0),
        (0.37, 0.13),
        (0.8, 0.31),
        (0.0, 0.2),
        (1.0, 0.5),
    ];
    let (mut cell_errors, mut point_errors) = (Vec::new(), Vec::new());
    for n in LEVELS {
        let (nodes, temps) = m.solve(n, &edges, &exact, &laplacian);
        let (c, p) = errors(&nodes, &temps, exact, &points);
        cell_errors.push(c);
        point_errors.push(p);
    }
    let p = report(
        "Manufactured radiating panel, held + insulated edges (cell centres):",
        &LEVELS,
        &cell_errors,
    );
    let q = report("  … interpolated at points:", &LEVELS, &point_errors);
    assert!(p.iter().all(|&o| o >= 1.9), "cell-centre orders {p:?}");
    assert!(q.iter().all(|&o| o >= 1.9), "point orders {q:?}");
}

/// The same with a convecting east edge: `T_m = 300 + 50 cos(λx) cos(πy/(2W))`
/// with `λ = 1.2/L` satisfies `−k ∂T/∂x = h (T − 300)` at `x = L` when
/// `h = k λ tan(λL)` (≈ 617 W/(m²·K)); the west and south edges are insulated
/// and the north edge is held at 300 K. The surface temperature on the
/// convecting edge (what NAFEMS T4 asks for) converges at second order too.
#[test]
fn val_manufactured_radiating_panel_convective_edge_is_second_order() {
    let m = &MMS;
    let (l, w) = (m.length_m, m.width_m);
    let lambda = 1.2 / l;
    let h = m.k_w_m_k * lambda * (lambda * l).tan();
    let exact = |x: f64, y: f64| 300.0 + 50.0 * (lambda * x).cos() * (PI * y / (2.0 * w)).cos();
    let laplacian = |x: f64, y: f64| {
        -50.0
            * (lambda.powi(2) + (PI / (2.0 * w)).powi(2))
            * (lambda * x).cos()
            * (PI * y / (2.0 * w)).cos()
    };
    let edges = [
        (
            Edge::East,
            EdgeCondition::Convection {
                node: 0, // replaced by the fluid node
                h_w_m2_k: h,
            },
        ),
        (
            Edge::North,
            EdgeCondition::FixedTemperature {
                temperature_k: 300.0.into(),
            },
        ),
    ];
    // On the convecting edge, and two interior points.
    let edge_points = [(l, 0.0), (l, 0.1), (l, 0.2), (l, 0.37)];
    let inner_points = [(0.43, 0.21), (0.0, 0.0)];
    let (mut cell_errors, mut edge_errors, mut inner_errors) = (Vec::new(), Vec::new(), Vec::new());
    for n in LEVELS {
        let (nodes, temps) = m.solve(n, &edges, &exact, &laplacian);
        let (c, e) = errors(&nodes, &temps, exact, &edge_points);
        let (_, i) = errors(&nodes, &temps, exact, &inner_points);
        cell_errors.push(c);
        edge_errors.push(e);
        inner_errors.push(i);
    }
    let p = report(
        "Manufactured radiating panel, convecting east edge (cell centres):",
        &LEVELS,
        &cell_errors,
    );
    let q = report(
        "  … surface temperature on the convecting edge:",
        &LEVELS,
        &edge_errors,
    );
    let r = report("  … interpolated inside:", &LEVELS, &inner_errors);
    assert!(p.iter().all(|&o| o >= 1.9), "cell-centre orders {p:?}");
    assert!(q.iter().all(|&o| o >= 1.9), "edge orders {q:?}");
    assert!(r.iter().all(|&o| o >= 1.9), "interior orders {r:?}");
}
