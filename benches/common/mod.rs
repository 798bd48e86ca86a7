//! The benchmark panel, shared by the criterion benches and `examples/panel_bench.rs`.
//!
//! A 1 m × 1 m × 2 mm aluminium 6061-T6 plate (k = 167 W/(m·K), ρ = 2700 kg/m³,
//! c = 896 J/(kg·K); ASM Aerospace Specification Metals, 6061-T6 data sheet)
//! on an `n × n` cell-centred grid, radiating from both faces (ε = 0.85) to a
//! 0 K sink, with 1 kW fed along the x = 0 edge as an imposed heat load spread
//! evenly over the edge cells. Built directly with the network API so the
//! conductances are exactly those of the finite-difference energy balance
//! (`G_x = k t Δy/Δx`, `R = (ε_top + ε_bottom) Δx Δy` per cell) that the Python
//! peers in `benches/peers/` rebuild.
#![allow(dead_code)]

use std::ops::Range;

use thermorbit::network::{
    GridShape, HeatSource, NodeId, NodeKind, Profile, ThermalNetwork, TimeTable,
};

/// Panel side (m).
pub const SIDE_M: f64 = 1.0;
/// Thickness (m).
pub const THICKNESS_M: f64 = 0.002;
/// Conductivity of 6061-T6 (W/(m·K)).
pub const K_W_M_K: f64 = 167.0;
/// Density of 6061-T6 (kg/m³).
pub const DENSITY_KG_M3: f64 = 2700.0;
/// Specific heat of 6061-T6 (J/(kg·K)).
pub const SPECIFIC_HEAT_J_KG_K: f64 = 896.0;
/// Emissivity of each face.
pub const EMISSIVITY: f64 = 0.85;
/// Heat fed along the x = 0 edge (W).
pub const EDGE_POWER_W: f64 = 1000.0;

/// The panel network: its cells (a grid group) and the sink node.
pub struct Panel {
    /// The network.
    pub network: ThermalNetwork,
    /// Cell nodes, row-major (`i` fastest).
    pub cells: Range<NodeId>,
    /// The 0 K sink.
    pub sink: NodeId,
}

/// Builds the `n × n` benchmark panel.
pub fn panel(n: usize) -> Panel {
    let mut net = ThermalNetwork::new();
    let sink = net.add_boundary("space", 0.0).expect("sink");
    let cells = panel_on(&mut net, "panel", n, sink);
    Panel {
        network: net,
        cells,
        sink,
    }
}

/// Adds an `n × n` panel named `name` radiating to `sink`; returns its cells.
pub fn panel_on(net: &mut ThermalNetwork, name: &str, n: usize, sink: NodeId) -> Range<NodeId> {
    let d = SIDE_M / n as f64;
    let c = DENSITY_KG_M3 * SPECIFIC_HEAT_J_KG_K * THICKNESS_M * d * d;
    let cells = net
        .add_group(
            name,
            &vec![c; n * n],
            300.0,
            Some(GridShape { nx: n, ny: n }),
        )
        .expect("panel cells");
    let id = |i: usize, j: usize| cells.start + j * n + i;
    let g = K_W_M_K * THICKNESS_M * d / d;
    let r = 2.0 * EMISSIVITY * d * d;
    for j in 0..n {
        for i in 0..n {
            if i + 1 < n {
                net.add_linear(id(i, j), id(i + 1, j), g)
                    .expect("conductor");
            }
            if j + 1 < n {
                net.add_linear(id(i, j), id(i, j + 1), g)
                    .expect("conductor");
            }
            net.add_radiative(id(i, j), sink, r).expect("radiator");
        }
    }
    net.add_source(HeatSource {
        name: format!("{name}.edge-load"),
        loads: (0..n).map(|j| (id(0, j), 1.0 / n as f64)).collect(),
        profile: Profile::Constant(EDGE_POWER_W),
    })
    .expect("edge load");
    cells
}

/// The orbit case of the transient benchmarks: the `n × n` panel in a 5,700 s
/// orbit, absorbing 300 W/m² on every cell while lit (10 s ramps at eclipse
/// entry, 3,600 s, and exit, 5,690 s; periodic), with a chain of 100 lumped rack
/// nodes (5 kJ/K and 10 W each, 5 W/K between neighbours) whose every tenth
/// node is tied (2 W/K) to a cell along the panel's middle row.
pub fn orbit_panel(n: usize) -> ThermalNetwork {
    let Panel {
        mut network, cells, ..
    } = panel(n);
    let area = SIDE_M * SIDE_M / (n * n) as f64;
    let sun = TimeTable::new(
        "sun",
        vec![0.0, 3600.0, 3610.0, 5680.0, 5690.0],
        vec![300.0, 300.0, 0.0, 0.0, 300.0],
        Some(5700.0),
    )
    .expect("sun table");
    network
        .add_source(HeatSource {
            name: "sun".into(),
            loads: cells.clone().map(|c| (c, area)).collect(),
            profile: sun.into(),
        })
        .expect("sun source");
    let mut prev = None;
    for k in 0..100 {
        let node = network
            .add_node(
                &format!("rack{k}"),
                NodeKind::Diffusion {
                    capacitance_j_k: 5000.0,
                },
                300.0,
            )
            .expect("rack node");
        network
            .add_heat_load(&format!("gpu{k}"), node, 10.0)
            .expect("rack load");
        if let Some(p) = prev {
            network.add_linear(p, node, 5.0).expect("rack chain");
        }
        if k % 10 == 0 {
            let cell = cells.start + (n / 2) * n + k / 10 * (n / 10);
            network.add_linear(node, cell, 2.0).expect("rack tie");
        }
        prev = Some(node);
    }
    network
}

/// Largest |a − b| over two temperature fields (K).
pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}
