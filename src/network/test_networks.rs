//! Networks the network module's tests share: a small one with every kind of
//! conductor, and a plate with lumped nodes, advection and spread sources.

use super::{GridShape, HeatSource, NodeId, NodeKind, Profile, ThermalNetwork};

/// `work` run in a rayon pool of `threads` threads.
pub(crate) fn in_pool<R: Send>(threads: usize, work: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(work)
}

/// An `nx × ny` grid group "plate" of 50 J/K cells at 300 K in `net`.
pub(crate) fn plate(net: &mut ThermalNetwork, nx: usize, ny: usize) -> std::ops::Range<usize> {
    net.add_group(
        "plate",
        &vec![50.0; nx * ny],
        300.0,
        Some(GridShape { nx, ny }),
    )
    .unwrap()
}

/// A small network with every conductor type, an arithmetic node and a boundary.
pub(crate) fn mixed_network() -> ThermalNetwork {
    let mut net = ThermalNetwork::new();
    let a = net
        .add_node(
            "a",
            NodeKind::Diffusion {
                capacitance_j_k: 10.0,
            },
            310.0,
        )
        .unwrap();
    let b = net.add_node("b", NodeKind::Arithmetic, 290.0).unwrap();
    let c = net
        .add_node(
            "c",
            NodeKind::Diffusion {
                capacitance_j_k: 5.0,
            },
            350.0,
        )
        .unwrap();
    let s = net.add_boundary("space", 3.0).unwrap();
    net.add_linear(a, b, 2.0).unwrap();
    net.add_linear(b, c, 0.5).unwrap();
    net.add_radiative(a, c, 0.3).unwrap();
    net.add_radiative(c, s, 1.2).unwrap();
    // Linear and radiative terms with the same boundary, and fluid
    // advected in from it: three kinds of boundary term.
    net.add_linear(c, s, 0.7).unwrap();
    net.add_advective(s, a, 0.2).unwrap();
    net.add_advective(a, c, 4.0).unwrap();
    net.add_advective(c, b, 4.0).unwrap();
    net.add_heat_load("q", a, 100.0).unwrap();
    net
}

/// A grid block beside the couplings that keep rows off the stencil path:
/// an `nx × ny` plate (conductances varying cell by cell, so a wrong
/// neighbour changes the bits) radiating to one sink, a conductive
/// boundary on every fifth cell, lumped nodes tied to cells, advection
/// between two cells (a stencil row with unequal couplings), from a lumped
/// node into a cell and from a boundary into a cell, a repeated conductor,
/// heat loads, and with `node_radiation` a radiative conductor between a
/// lumped node and a cell and one between two neighbouring cells (a
/// stencil row with a radiative entry; every row then carries them).
pub(crate) fn grid_with_lumped_nodes(nx: usize, ny: usize, node_radiation: bool) -> ThermalNetwork {
    let mut net = ThermalNetwork::new();
    let space = net.add_boundary("space", 3.0).unwrap();
    let wall = net.add_boundary("wall", 290.0).unwrap();
    let cells = plate(&mut net, nx, ny);
    let id = |i: usize, j: usize| cells.start + j * nx + i;
    for j in 0..ny {
        for i in 0..nx {
            let g = 1.0 + 0.1 * ((7 * i + 3 * j) % 11) as f64;
            if i + 1 < nx {
                net.add_linear(id(i, j), id(i + 1, j), g).unwrap();
            }
            if j + 1 < ny {
                net.add_linear(id(i, j), id(i, j + 1), 1.3 * g).unwrap();
            }
            net.add_radiative(id(i, j), space, 0.01 * g).unwrap();
            if (i + j) % 5 == 0 {
                net.add_linear(id(i, j), wall, 0.5 * g).unwrap();
            }
        }
    }
    net.add_linear(id(3, 3), id(4, 3), 0.25).unwrap();
    net.add_advective(id(5, 5), id(6, 5), 0.75).unwrap();
    net.add_advective(wall, id(7, 7), 0.4).unwrap();
    let mut prev = None;
    for k in 0..6 {
        let node = net
            .add_node(
                &format!("rack{k}"),
                NodeKind::Diffusion {
                    capacitance_j_k: 500.0,
                },
                310.0,
            )
            .unwrap();
        net.add_heat_load(&format!("load{k}"), node, 10.0).unwrap();
        net.add_linear(node, id(2 + 3 * k, ny / 2), 2.0).unwrap();
        if let Some(p) = prev {
            net.add_linear(p, node, 5.0).unwrap();
        }
        prev = Some(node);
    }
    let rack0 = net.node("rack0").unwrap();
    net.add_advective(rack0, id(9, 9), 0.3).unwrap();
    if node_radiation {
        net.add_radiative(rack0, id(nx / 2, 2), 0.2).unwrap();
        net.add_radiative(id(20, 20), id(21, 20), 0.15).unwrap();
    }
    net.add_heat_load("corner", id(0, 0), 25.0).unwrap();
    add_spread_sources(&mut net, cells);
    net
}

/// Three sources spread over `cells`, of both signs, up to three on a
/// cell: rows with several loads in every chunk, and totals that round.
pub(crate) fn add_spread_sources(net: &mut ThermalNetwork, cells: std::ops::Range<NodeId>) {
    let spread = |step: usize, scale: f64| -> Vec<(NodeId, f64)> {
        cells
            .clone()
            .step_by(step)
            .map(|k| (k, scale * (1.5 + (0.37 * k as f64).sin())))
            .collect()
    };
    for (name, step, scale) in [("flux", 3, 0.7), ("cooler", 7, -0.3), ("heater", 2, 0.11)] {
        net.add_source(HeatSource {
            name: name.into(),
            loads: spread(step, scale),
            profile: Profile::Constant(1.0 + step as f64 / 10.0),
        })
        .unwrap();
    }
}
