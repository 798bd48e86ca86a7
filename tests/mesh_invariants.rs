//! Invariants of a solved panel: the steady energy balance closes, symmetric
//! problems give symmetric fields, and the conduction matrix is reciprocal.

use thermorbit::constants::STEFAN_BOLTZMANN_W_M2_K4 as SIGMA;
use thermorbit::mesh::{
    Coating, Edge, EdgeCondition, Material, PanelLoad, RectangularPanel, Region, Side,
};
use thermorbit::network::{NodeKind, ThermalNetwork};
use thermorbit::solve::{solve_steady, SteadyOptions, SteadySolution};

const ALUMINIUM: Material = Material {
    k_w_m_k: 167.0,
    density_kg_m3: 2700.0,
    specific_heat_j_kg_k: 896.0,
};

fn solve(net: &ThermalNetwork) -> SteadySolution {
    let sys = net.assemble().expect("network assembles");
    solve_steady(&sys, &SteadyOptions::default()).expect("steady solve converges")
}

/// A panel with everything at once — solar and infrared flux, radiation from
/// the two faces to different nodes, a coolant line, a bolted box, held,
/// convecting, heated and insulated edges — balances its energy to 1e-9 of the
/// heat flowing, counted independently from the inputs (not from the
/// network's own bookkeeping).
#[test]
fn steady_energy_balance_closes_with_every_feature() {
    let (l, w, t) = (1.0, 0.6, 0.002);
    let (alpha, eps_top, eps_bottom) = (0.3, 0.85, 0.8);
    let (solar, earth_ir) = (1361.0, 220.0);
    let (gpu_w, box_w) = (300.0, 50.0);
    let (edge_flux_w_m2, edge_load_w_m) = (1.0e4, 5.0);

    let mut net = ThermalNetwork::new();
    let space = net.add_boundary("space", 2.725).expect("space");
    let bus = net.add_boundary("bus", 250.0).expect("bus");
    let air = net.add_boundary("air", 280.0).expect("air");
    let coolant = net
        .add_node(
            "coolant",
            NodeKind::Diffusion {
                capacitance_j_k: 1e3,
            },
            300.0,
        )
        .expect("coolant");
    let gpu_box = net
        .add_node("box", NodeKind::Arithmetic, 300.0)
        .expect("box");
    net.add_heat_load("gpu", coolant, gpu_w).expect("gpu");
    net.add_heat_load("box load", gpu_box, box_w)
        .expect("box load");
    let line = ([0.1, 0.3], [0.9, 0.3]); // on a grid line: shared by two rows
    let g_line = 40.0;
    let panel = RectangularPanel::new("radiator", l, w, t, ALUMINIUM, 30, 12)
        .with_top(
            Coating {
                absorptivity: alpha,
                emissivity: eps_top,
            },
            Some(space),
        )
        .with_bottom(
            Coating {
                absorptivity: 0.2,
                emissivity: eps_bottom,
            },
            Some(bus),
        )
        .with_absorbed_flux("sun", Side::Top, solar)
        .with_infrared_flux("earth", Side::Bottom, earth_ir)
        .with_edge(
            Edge::West,
            EdgeCondition::FixedTemperature {
                temperature_k: 290.0.into(),
            },
        )
        .with_edge(
            Edge::East,
            EdgeCondition::Convection {
                node: air,
                h_w_m2_k: 50.0,
            },
        )
        .with_edge(
            Edge::South,
            EdgeCondition::HeatFlux {
                flux_w_m2: edge_flux_w_m2,
                load_w_m: edge_load_w_m,
            },
        )
        .with_line_attachment("coolant tube", coolant, line.0, line.1, g_line)
        .with_region_attachment(
            "box footprint",
            gpu_box,
            Region::new([0.4, 0.1], [0.7, 0.25]),
            500.0,
        )
        .with_heat_load("harness", PanelLoad::Total { w: 20.0.into() })
        .add_to(&mut net)
        .expect("panel");
    let solution = solve(&net);
    let temps = &solution.temperatures_k;
    let field = panel.field(temps).expect("field");
    let area = panel.dx_m() * panel.dy_m();

    let heat_in = alpha * solar * l * w
        + eps_bottom * earth_ir * l * w
        + gpu_w
        + box_w
        + 20.0
        + (edge_flux_w_m2 * t + edge_load_w_m) * l;
    let radiated: f64 = field
        .iter()
        .map(|&tc| {
            SIGMA
                * area
                * (eps_top * (tc.powi(4) - 2.725f64.powi(4))
                    + eps_bottom * (tc.powi(4) - 250f64.powi(4)))
        })
        .sum();
    let through_edges: f64 = Edge::ALL
        .iter()
        .map(|&e| panel.edge_heat_w(e, temps).expect("edge heat"))
        .sum();
    // The south edge's share is an input already counted.
    let edge_out = -(through_edges - (edge_flux_w_m2 * t + edge_load_w_m) * l);
    let heat_out = radiated + edge_out;
    let imbalance = (heat_in - heat_out).abs() / heat_in;
    eprintln!(
        "heat in {heat_in:.6} W, radiated {radiated:.6} W, out through edges {edge_out:.6} W, \
         relative imbalance {imbalance:.2e}; solver's own: {:.2e}",
        solution.energy_balance.relative_imbalance
    );
    assert!(imbalance < 1e-9, "relative imbalance {imbalance:e}");
    assert!(solution.energy_balance.relative_imbalance < 1e-9);

    // The coolant's 300 W leaves through the tube: Σ G′ L_ij (T_coolant − T_ij).
    let grid = panel.grid();
    let through_tube: f64 = grid
        .segment_lengths(line.0, line.1)
        .iter()
        .map(|c| g_line * c.amount * (temps[coolant] - field[grid.index(c.i, c.j)]))
        .sum();
    assert!(
        (through_tube - gpu_w).abs() < 1e-9 * gpu_w,
        "through the tube {through_tube} W"
    );
}

/// A problem symmetric about both centre lines gives a field symmetric to
/// round-off: square panel, all edges held, uniform flux, both faces radiating,
/// a tube along the centre line `y = W/2` (a grid line, so its length is shared
/// by the two middle rows), and a square footprint at the centre.
#[test]
fn symmetric_problem_gives_symmetric_field() {
    let mut net = ThermalNetwork::new();
    let space = net.add_boundary("space", 0.0).expect("space");
    let coolant = net.add_boundary("coolant", 280.0).expect("coolant");
    let gpu = net
        .add_node("gpu", NodeKind::Arithmetic, 300.0)
        .expect("gpu");
    net.add_heat_load("gpu load", gpu, 80.0).expect("gpu load");
    let (n, l) = (16, 0.8);
    let panel = RectangularPanel::new("square", l, l, 0.0015, ALUMINIUM, n, n)
        .with_faces(
            Coating {
                absorptivity: 0.4,
                emissivity: 0.8,
            },
            Some(space),
        )
        .with_absorbed_flux("sun", Side::Top, 1000.0)
        .with_edge(
            Edge::West,
            EdgeCondition::FixedTemperature {
                temperature_k: 300.0.into(),
            },
        )
        .with_edge(
            Edge::East,
            EdgeCondition::FixedTemperature {
                temperature_k: 300.0.into(),
            },
        )
        .with_edge(
            Edge::South,
            EdgeCondition::Convection {
                node: coolant,
                h_w_m2_k: 200.0,
            },
        )
        .with_edge(
            Edge::North,
            EdgeCondition::Convection {
                node: coolant,
                h_w_m2_k: 200.0,
            },
        )
        .with_line_attachment("tube", coolant, [0.0, l / 2.0], [l, l / 2.0], 30.0)
        .with_region_attachment(
            "footprint",
            gpu,
            Region::new([0.25, 0.25], [0.55, 0.55]),
            800.0,
        )
        .add_to(&mut net)
        .expect("panel");
    let temps = solve(&net).temperatures_k;
    let f = panel.field(&temps).expect("field");
    let at = |i: usize, j: usize| f[j * n + i];
    let mut worst: f64 = 0.0;
    for j in 0..n {
        for i in 0..n {
            worst = worst
                .max((at(i, j) - at(n - 1 - i, j)).abs())
                .max((at(i, j) - at(i, n - 1 - j)).abs());
        }
    }
    assert!(worst < 1e-9, "asymmetry {worst} K");
    // The interpolant is symmetric too, edges included.
    for (x, y) in [(0.0, 0.1), (0.13, 0.0), (0.3, 0.77), (0.8, 0.8)] {
        let a = panel.temperature_at(x, y, &temps).expect("point");
        let b = panel.temperature_at(l - x, y, &temps).expect("point");
        let c = panel.temperature_at(x, l - y, &temps).expect("point");
        assert!((a - b).abs() < 1e-9 && (a - c).abs() < 1e-9, "{a} {b} {c}");
    }
}

/// Reciprocity (Maxwell–Betti for conduction): the conduction matrix is
/// symmetric, so a unit load at cell A raises cell B as much as a unit load at
/// B raises A — on a panel with unequal cell sizes and mixed edges.
#[test]
fn unit_loads_are_reciprocal() {
    let build = |load_at: (usize, usize)| {
        let mut net = ThermalNetwork::new();
        let sink = net.add_boundary("sink", 300.0).expect("sink");
        let panel = RectangularPanel::new("plate", 0.9, 0.4, 0.003, ALUMINIUM, 9, 7)
            .with_edge(
                Edge::West,
                EdgeCondition::FixedTemperature {
                    temperature_k: 300.0.into(),
                },
            )
            .with_edge(
                Edge::North,
                EdgeCondition::Conductance {
                    node: sink,
                    g_w_m_k: 2.0,
                },
            )
            .with_line_attachment("strap", sink, [0.1, 0.05], [0.85, 0.33], 1.5)
            .add_to(&mut net)
            .expect("panel");
        let node = panel.node(load_at.0, load_at.1).expect("cell");
        net.add_heat_load("unit", node, 1.0).expect("load");
        (panel, solve(&net).temperatures_k)
    };
    let (a, b) = ((1, 5), (7, 2));
    let (pa, ta) = build(a);
    let (pb, tb) = build(b);
    let rise_b_from_a = ta[pa.node(b.0, b.1).expect("b")] - 300.0;
    let rise_a_from_b = tb[pb.node(a.0, a.1).expect("a")] - 300.0;
    assert!(rise_b_from_a > 0.0);
    assert!(
        (rise_b_from_a - rise_a_from_b).abs() < 1e-9 * rise_b_from_a,
        "{rise_b_from_a} vs {rise_a_from_b}"
    );
}
